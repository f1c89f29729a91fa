"""Consent to feedback surveys, and the timeline's "message not sent" (the sending decision)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('stakeholders', '0011_refold_scripts'),
    ]

    operations = [
        migrations.AlterField(
            model_name='consent',
            name='purpose',
            field=models.CharField(choices=[('thank_yous', 'Thank-yous'), ('donor_updates', 'Donor updates'), ('volunteer_news', 'Volunteer news'), ('appeals', 'Fundraising appeals'), ('surveys', 'Feedback surveys')], max_length=20, verbose_name='purpose'),
        ),
        migrations.AlterField(
            model_name='contactevent',
            name='kind',
            field=models.CharField(choices=[('created', 'Created'), ('imported', 'Imported'), ('merged', 'Merged'), ('manager_changed', 'Relationship manager changed'), ('not_sent', 'Message not sent')], max_length=20),
        ),
    ]
