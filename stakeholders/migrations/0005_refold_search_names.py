"""Search names now fold ø, ł, đ, ı, æ, œ, ß, þ, ð too: recompute them."""

from django.db import migrations

from stakeholders.services import normalise_text

BATCH = 2000


def refold(apps, schema_editor):
    Contact = apps.get_model("stakeholders", "Contact")
    changed = []
    affected = Contact.objects.filter(name__iregex=r"[øłđıæœßþð]").only("pk", "name", "search_name")
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
    dependencies = [("stakeholders", "0004_contact_email_alt_index")]

    operations = [migrations.RunPython(refold, migrations.RunPython.noop)]
