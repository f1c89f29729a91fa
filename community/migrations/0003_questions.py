from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("community", "0002_members")]

    operations = [
        # The space page sorted by votes pages by key along this index.
        migrations.AddIndex(
            model_name="question",
            index=models.Index(
                condition=models.Q(status="published"),
                fields=["organization", "space", "-score", "-id"],
                name="community_question_votes",
            ),
        ),
    ]
