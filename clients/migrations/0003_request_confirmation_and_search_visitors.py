"""Requests from the public form or by email wait for their address to be confirmed; help-centre
searches become one row per normalised query per visitor per day.

Requests already there count as confirmed (what they changed was changed long ago), and each
search already logged counts as its own visitor, so the unmet-needs report reads the same. New
columns have database defaults, so the release before this one keeps writing while it still runs.
"""

import django.db.models.functions.datetime
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("clients", "0002_access_log_append_only")]

    operations = [
        migrations.AddField(
            model_name="servicerequest",
            name="confirmed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="address confirmed"),
        ),
        migrations.AddField(
            model_name="servicerequest",
            name="wants_thank_you",
            field=models.BooleanField(db_default=False, default=False),
        ),
        migrations.RunSQL(
            "UPDATE clients_servicerequest SET confirmed_at = created_at",
            migrations.RunSQL.noop,
        ),
        migrations.AddField(
            model_name="helpsearch",
            name="day",
            field=models.DateField(
                db_default=django.db.models.functions.datetime.Now(),
                default=django.utils.timezone.localdate,
            ),
        ),
        migrations.AddField(
            model_name="helpsearch",
            name="visitor",
            field=models.CharField(db_default="", max_length=32),
        ),
        migrations.AddField(
            model_name="helpsearch",
            name="searches",
            field=models.PositiveIntegerField(db_default=1, default=1),
        ),
        migrations.RunSQL(
            "UPDATE clients_helpsearch SET day = created_at::date, visitor = 'row-' || id",
            migrations.RunSQL.noop,
        ),
        migrations.AddConstraint(
            model_name="helpsearch",
            constraint=models.UniqueConstraint(
                condition=models.Q(("visitor", ""), _negated=True),
                fields=("organization", "day", "visitor", "query"),
                name="uniq_help_search",
            ),
        ),
    ]
