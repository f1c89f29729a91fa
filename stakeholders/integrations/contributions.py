"""What the integrations plug into the core's registries: the core's own event types, and the
person's webhook events scrubbed at erasure and listed in their data export, export files
deleted at erasure."""

from django.utils.translation import gettext_lazy as _

from stakeholders.integrations import events, export_jobs
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
        erase=_erase,
        export=events.export_events,
        covers=[
            # Files of many people's rows, copies of what a list showed (the person's own rows
            # are in their export already); at erasure every export file goes.
            "stakeholders.ExportJob.file",
        ],
        no_personal_data={
            "stakeholders.WebhookEndpoint": "the organization's own integration settings",
        },
    )


def _erase(*, organization, contact):
    events.erase_events(organization=organization, contact=contact)
    export_jobs.erase_person(organization=organization, contact=contact)
