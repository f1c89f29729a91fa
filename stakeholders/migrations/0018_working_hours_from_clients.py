"""The working-time clock moves into the core, with its working hours and holidays: the tables
are renamed, nothing is copied (row-level security and constraints travel with a table)."""

import django.db.models.deletion
from django.db import migrations, models

ORGANIZATION = dict(
    editable=False,
    on_delete=django.db.models.deletion.CASCADE,
    related_name="+",
    to="stakeholders.organization",
)


class Migration(migrations.Migration):
    dependencies = [
        ("stakeholders", "0017_organization_brand"),
        ("clients", "0007_plural_names"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE clients_workinghours RENAME TO stakeholders_workinghours;"
                    "ALTER SEQUENCE IF EXISTS clients_workinghours_id_seq "
                    "RENAME TO stakeholders_workinghours_id_seq;"
                    "ALTER TABLE clients_holiday RENAME TO stakeholders_holiday;"
                    "ALTER SEQUENCE IF EXISTS clients_holiday_id_seq "
                    "RENAME TO stakeholders_holiday_id_seq;",
                    "ALTER TABLE stakeholders_workinghours RENAME TO clients_workinghours;"
                    "ALTER SEQUENCE IF EXISTS stakeholders_workinghours_id_seq "
                    "RENAME TO clients_workinghours_id_seq;"
                    "ALTER TABLE stakeholders_holiday RENAME TO clients_holiday;"
                    "ALTER SEQUENCE IF EXISTS stakeholders_holiday_id_seq "
                    "RENAME TO clients_holiday_id_seq;",
                )
            ],
            state_operations=[
                migrations.CreateModel(
                    name="WorkingHours",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("organization", models.ForeignKey(**ORGANIZATION)),
                        ("weekday", models.PositiveSmallIntegerField(verbose_name="day")),
                        ("opens", models.TimeField(verbose_name="opens")),
                        ("closes", models.TimeField(verbose_name="closes")),
                    ],
                    options={
                        "verbose_name": "working hours",
                        "verbose_name_plural": "working hours",
                        "ordering": ["weekday", "opens"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("organization", "weekday", "opens"),
                                name="uniq_working_hours",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("weekday__gte", 0), ("weekday__lte", 6)),
                                name="working_hours_weekday",
                            ),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Holiday",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("organization", models.ForeignKey(**ORGANIZATION)),
                        ("date", models.DateField(verbose_name="date")),
                        ("name", models.CharField(max_length=100, verbose_name="name")),
                    ],
                    options={
                        "ordering": ["date"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("organization", "date"), name="uniq_holiday"
                            )
                        ],
                    },
                ),
            ],
        )
    ]
