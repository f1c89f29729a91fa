"""Acknowledgments on the contact's timeline; their rows follow merges, and erasure and
export of a person take their letters."""

from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stakeholders.integrations import events as webhook_events
from stakeholders.models import Role
from stakeholders.registries import (
    TimelineEvent,
    contact_hooks,
    dashboard_cards,
    older_than,
    platform_metrics,
    timeline,
    timeline_rows,
)
from thankyous import selectors, services
from thankyous.models import Acknowledgment
from thankyous.registry import thankables


def acknowledgment_rows(*, organization, contact, before, channel, role):
    rows = (
        selectors.acknowledgments_visible(organization=organization, staff_role=role)
        .filter(contact=contact)
        .filter(older_than(before, "thank-you", at="created_at"))
        .order_by("-created_at", "-id")
    )
    fields = ("kind", "state", "channel", "skip_reason", "last_error")
    return timeline_rows(
        rows,
        at=Coalesce("sent_at", "created_at"),
        data={name: name for name in fields},
    )


def acknowledgment_event(organization, occurred_at, key, data):
    state = _choice(Acknowledgment, "state", data["state"])
    return TimelineEvent(
        kind="thank-you",
        occurred_at=occurred_at,
        key=key,
        title=_("Thank-you (%(what)s): %(state)s")
        % {"what": thankables[data["kind"]].label, "state": state},
        body=data["skip_reason"] or data["last_error"],
        channel=data["channel"],
        channel_label=_choice(Acknowledgment, "channel", data["channel"])
        if data["channel"]
        else "",
        badge=state,
    )


def _choice(model, field, value):
    return str(dict(model._meta.get_field(field).flatchoices).get(value, value))


def merge(*, organization, keep, remove):
    Acknowledgment.objects.filter(organization=organization, contact=remove).update(contact=keep)


def dashboard_card(request):
    target = services.thankyou_settings(organization=request.organization).target_hours
    figures = selectors.time_to_thank(
        organization=request.organization,
        staff_role=request.membership.role,
        target_hours=target,
    )
    return {
        "figures": figures,
        "target_hours": target,
    }


def reply_area(organization, acknowledgment_id):
    """The team a reply to a thank-you belongs to: a restricted kind's (a client's
    participation) stays with caseworkers; others go by the person (``None``)."""
    kind = (
        Acknowledgment.objects.filter(organization=organization, pk=acknowledgment_id)
        .values_list("kind", flat=True)
        .first()
    )
    thankable = next((t for t in thankables if t.kind == kind), None)
    return "client" if thankable is not None and thankable.roles is not None else None


def register():
    from stakeholders.inbox.threads import thread_kinds

    thread_kinds.register(services.THREAD_KIND, area=reply_area)
    webhook_events.event_types.register(
        "acknowledgment.sent",
        gettext_lazy("A thank-you was sent"),
        roles=services.THANKYOU_READERS,
    )
    dashboard_cards.register(
        "thankyous",
        template="thankyous/_dashboard_card.html",
        context=dashboard_card,
        roles=(Role.ADMIN, Role.FUNDRAISER, Role.VIEWER),
    )
    timeline.register(
        "thank-you",
        gettext_lazy("Thank-yous"),
        rows=acknowledgment_rows,
        event=acknowledgment_event,
        wants_role=True,
    )
    contact_hooks.register(
        "thankyous",
        merge=merge,
        erase=services.acknowledgments_erase,
        export=selectors.acknowledgments_export,
        files=selectors.letter_files,
        covers=[
            "thankyous.Acknowledgment.contact",
            "thankyous.Acknowledgment.pdf",
            # Others' letters too: rebuilt without the person's; theirs is exported on its own.
            "thankyous.PrintBatch.pdf",
        ],
        no_personal_data={
            "thankyous.ThankYouTemplate.signature_image": "the signature of the staff member "
            "who signs the letters, not of a contact",
        },
    )
    platform_metrics.register(
        "steward_thankyou_acknowledgments",
        "Thank-yous not sent yet, by state (review: waiting for a person)",
        lambda: [({"state": s}, n) for s, n in selectors.platform_backlog()["by_state"].items()],
        labels=["state"],
    )
    platform_metrics.register(
        "steward_thankyou_failed_sends",
        "Unsent thank-yous whose sending failed at least once, or waiting for a person",
        lambda: [({}, selectors.platform_backlog()["failed"])],
    )
    platform_metrics.register(
        "steward_thankyou_oldest_waiting_seconds",
        "Age of the oldest thank-you not sent yet (the target is 48 hours)",
        lambda: [({}, selectors.platform_backlog()["oldest_seconds"])],
    )
