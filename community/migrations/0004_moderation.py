import django.db.models.deletion
from django.db import migrations, models


def _open_report_unique(target):
    return migrations.AddConstraint(
        model_name="report",
        constraint=models.UniqueConstraint(
            condition=models.Q(**{f"{target}__isnull": False}, resolved_at__isnull=True),
            fields=("organization", target, "reporter_key"),
            name=f"uniq_community_open_report_{target}",
        ),
    )


class Migration(migrations.Migration):
    dependencies = [("community", "0003_questions")]

    operations = [
        migrations.AddField(
            model_name="report",
            name="idea",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="community.idea",
            ),
        ),
        migrations.AddField(
            model_name="report",
            name="reporter_key",
            field=models.CharField(blank=True, max_length=64),
        ),
        *(_open_report_unique(target) for target in ("question", "answer", "comment", "idea")),
    ]
