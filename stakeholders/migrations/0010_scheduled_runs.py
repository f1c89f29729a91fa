"""Daily jobs run once per organization and local date: the date each last ran, claimed before
its task is queued."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('stakeholders', '0009_audit_log'),
    ]

    operations = [
        migrations.CreateModel(
            name='ScheduledRun',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('job', models.CharField(max_length=200)),
                ('last_run_on', models.DateField()),
                ('organization', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='stakeholders.organization')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('organization', 'job'), name='uniq_scheduled_run')],
            },
        ),
    ]
