"""Khmer (and Chinese, Japanese, Korean) names are shown family name first: recompute the
display and search names of the people whose name is written in those scripts."""

from django.db import migrations

from stakeholders.text import normalise_text, person_name

BATCH = 2000
SCRIPTS = r"[\u1780-\u17ff\u19e0-\u19ff\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]"


def reorder(apps, schema_editor):
    Contact = apps.get_model("stakeholders", "Contact")
    affected = Contact.objects.filter(kind="person", name__regex=SCRIPTS).only(
        "pk", "first_name", "last_name", "name", "search_name"
    )
    changed = []
    for contact in affected.iterator(chunk_size=BATCH):
        name = person_name(contact.first_name, contact.last_name)
        if name and name != contact.name:
            contact.name, contact.search_name = name, normalise_text(name)
            changed.append(contact)
        if len(changed) >= BATCH:
            Contact.objects.bulk_update(changed, ["name", "search_name"])
            changed = []
    Contact.objects.bulk_update(changed, ["name", "search_name"])


class Migration(migrations.Migration):
    dependencies = [("stakeholders", "0015_organization_other_languages")]

    operations = [migrations.RunPython(reorder, migrations.RunPython.noop)]
