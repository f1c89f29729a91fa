"""Single-use signed links: the nonces of links already used (magic links to the volunteer
portal)."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('stakeholders', '0007_dataimport'),
    ]

    operations = [
        migrations.CreateModel(
            name='UsedLink',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('nonce', models.CharField(max_length=32)),
                ('used_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('expires_at', models.DateTimeField()),
                ('organization', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='stakeholders.organization')),
            ],
            options={
                'indexes': [models.Index(fields=['organization', 'expires_at'], name='used_link_expiry')],
                'constraints': [models.UniqueConstraint(fields=('organization', 'nonce'), name='uniq_used_link')],
            },
        ),
    ]
