"""Acknowledgments on the contact's timeline; their rows follow merges."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stakeholders.registries import TimelineEvent, contact_hooks, older_than, timeline
from thankyous.models import Acknowledgment


def acknowledgment_events(*, organization, contact, before, limit, channel):
    rows = (
        Acknowledgment.objects.filter(organization=organization, contact=contact)
        .filter(older_than(before, "thank-you", at="created_at"))
        .order_by("-created_at", "-id")[:limit]
    )
    return [
        TimelineEvent(
            kind="thank-you",
            occurred_at=row.sent_at or row.created_at,
            key=row.pk,
            title=_("Thank-you for a %(kind)s: %(state)s")
            % {"kind": row.kind, "state": row.get_state_display().lower()},
            body=row.skip_reason or row.last_error,
            channel=row.channel,
            channel_label=row.get_channel_display() if row.channel else "",
            badge=row.get_state_display(),
        )
        for row in rows
    ]


def merge(*, organization, keep, remove):
    Acknowledgment.objects.filter(organization=organization, contact=remove).update(contact=keep)


def register():
    timeline.register("thank-you", gettext_lazy("Thank-yous"), acknowledgment_events)
    contact_hooks.register("thankyous", merge=merge)
