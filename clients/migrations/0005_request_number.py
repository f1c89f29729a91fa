"""Request numbers per organization (its 9th request is #9): existing requests are numbered in
the order they arrived, within their organization."""

from django.db import migrations, models

NUMBER = """
UPDATE clients_servicerequest AS request SET number = numbered.number
FROM (
    SELECT id, row_number() OVER (PARTITION BY organization_id ORDER BY created_at, id) AS number
    FROM clients_servicerequest
) AS numbered
WHERE numbered.id = request.id
"""


class Migration(migrations.Migration):
    dependencies = [("clients", "0004_language_versions")]

    operations = [
        migrations.AddField(
            model_name="servicerequest",
            name="number",
            field=models.PositiveIntegerField(editable=False, null=True, verbose_name="number"),
        ),
        migrations.RunSQL(NUMBER, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="servicerequest",
            name="number",
            field=models.PositiveIntegerField(editable=False, verbose_name="number"),
        ),
        migrations.AddConstraint(
            model_name="servicerequest",
            constraint=models.UniqueConstraint(
                fields=("organization", "number"), name="uniq_request_number"
            ),
        ),
    ]
