"""What the integrations plug into the core's registries: the core's own event types, and the
person's webhook events scrubbed at erasure and listed in their data export."""

from django.utils.translation import gettext_lazy as _

from stakeholders.integrations import events
from stakeholders.registries import contact_hooks


def register():
    register_type = events.event_types.register
    register_type("contact.created", _("A contact was created"))
    register_type("contact.updated", _("A contact was changed"))
    register_type("contact.merged", _("Two contacts were merged"))
    register_type("contact.erased", _("A person was erased"))
    register_type("survey.answered", _("A survey was answered"))
    contact_hooks.register(
        "integrations",
        erase=events.erase_events,
        export=events.export_events,
        no_personal_data={
            "stakeholders.WebhookEndpoint": "the organization's own integration settings",
        },
    )
