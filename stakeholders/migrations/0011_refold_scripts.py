"""Search names now unify Persian/Arabic letter forms and joiners, make digits ASCII, and keep
Khmer signs (they were dropped as if they were accents, merging different names): recompute the
search names that contain those scripts or digits."""

from django.db import migrations

from stakeholders.text import normalise_text

BATCH = 2000
SCRIPTS = r"[\u0600-\u06ff\u0750-\u077f\u1780-\u17ff\u200b-\u200d\u0660-\u0669\u06f0-\u06f9]"


def refold(apps, schema_editor):
    Contact = apps.get_model("stakeholders", "Contact")
    changed = []
    affected = Contact.objects.filter(name__regex=SCRIPTS).only("pk", "name", "search_name")
    for contact in affected.iterator(chunk_size=BATCH):
        folded = normalise_text(contact.name)
        if folded != contact.search_name:
            contact.search_name = folded
            changed.append(contact)
        if len(changed) >= BATCH:
            Contact.objects.bulk_update(changed, ["search_name"])
            changed = []
    Contact.objects.bulk_update(changed, ["search_name"])


class Migration(migrations.Migration):
    dependencies = [("stakeholders", "0010_scheduled_runs")]

    operations = [migrations.RunPython(refold, migrations.RunPython.noop)]
