"""What the donors app adds to the core's registries: gifts on the timeline, a donor summary on
the contact page, and gifts moved on merge and anonymised (totals kept) on erasure."""

from datetime import datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import DateTimeField, Func, Q, Value
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from donors import demo, experience, selectors, services, thanks, updates
from donors.models import (
    DonorUpdate,
    Gift,
    Grant,
    Pledge,
    RecurringGift,
    SoftCredit,
    UpdateDelivery,
)
from stakeholders.integrations import events as webhook_events
from stakeholders.models import Role
from stakeholders.registries import (
    TimelineEvent,
    contact_hooks,
    contact_panels,
    dashboard_cards,
    demo_data,
    related_objects,
    timeline,
    timeline_rows,
)
from stakeholders.templatetags.steward import money
from thankyous.registry import Thankable, thankables

DONOR_ROLES = (Role.ADMIN, Role.FUNDRAISER, Role.VIEWER)


def _day_start(day, zone):
    return datetime.combine(day, time.min, tzinfo=zone)


def _gifts_before(before, zone):
    """Gifts have a date, not a time: on the timeline each sits at the start of its day."""
    if before is None:
        return Q()
    at, kind, key = before
    local = at.astimezone(zone)
    day = local.date()
    condition = Q(received_on__lt=day)
    if local > _day_start(day, zone) or kind > "gift":
        condition |= Q(received_on=day)
    elif kind == "gift":
        condition |= Q(received_on=day, id__lt=key)
    return condition


class _DayStart(Func):
    """A date's midnight in a time zone, as a timestamptz: ``timezone(zone, day::timestamp)``."""

    template = "timezone(%(expressions)s::timestamp)"
    output_field = DateTimeField()


def gift_rows(*, organization, contact, before, channel):
    zone = ZoneInfo(organization.timezone)
    rows = (
        Gift.objects.filter(organization=organization, contact=contact)
        .filter(_gifts_before(before, zone))
        .order_by("-received_on", "-id")
    )
    fields = ("amount", "description", "kind", "status")
    return timeline_rows(
        rows,
        at=_DayStart(Value(organization.timezone), "received_on"),
        data={name: name for name in fields},
    )


def gift_event(organization, occurred_at, key, data):
    badge = _choice("kind", data["kind"])
    if data["status"] != Gift.Status.RECEIVED:
        badge = f"{badge} · {_choice('status', data['status'])}"
    return TimelineEvent(
        kind="gift",
        occurred_at=occurred_at,
        key=key,
        title=_("Gift of %(amount)s")
        % {"amount": money(Decimal(str(data["amount"])), organization.currency)},
        body=data["description"],
        badge=badge,
        url=reverse("donors:gift_detail", kwargs={"org_slug": organization.slug, "gift_id": key}),
        meta={"all_day": True},  # a gift has a day, not a time: no "00:00"
    )


def _choice(field, value):
    return str(dict(Gift._meta.get_field(field).flatchoices).get(value, value))


def donor_panel(request, contact):
    if not contact.is_donor:  # set by every gift, pledge and recurring gift: no query needed
        return None
    summary = selectors.donor_summary(organization=request.organization, contact=contact)
    impact_url = ""
    if summary["count"] and request.membership.role in (Role.ADMIN, Role.FUNDRAISER):
        # to copy into a text or a chat, or to open, not only to email
        impact_url = services.impact_url(organization=request.organization, contact=contact)
    return {
        "summary": summary,
        "contact": contact,
        "impact_url": impact_url,
        "impact_link_days": services.IMPACT_LINK_DAYS,
    }


def donor_dashboard_card(request):
    organization = request.organization
    figures = selectors.report_figures(organization=organization)
    manager = request.user if request.membership.role == Role.FUNDRAISER else selectors.ANY_MANAGER
    return {
        "month": figures["month"],
        "retention": figures["retention"],
        "lybunt_count": figures["lybunt_count"],
        **_welcome_calls_card(organization, manager),
    }


WELCOME_CARD_SECONDS = 60


def _welcome_calls_card(organization, manager):
    """The first five donors to call and how many, kept a minute: a month's new donors in a big
    organization are thousands, each with its first gift looked up; the welcome-call page is the
    live list."""
    from django.core.cache import cache

    def compute():
        awaiting = selectors.welcome_calls_due(organization=organization, manager=manager)
        return {
            "awaiting": [
                {"pk": c.pk, "name": c.name, "first_gift_on": c.first_gift_on} for c in awaiting[:5]
            ],
            "awaiting_count": awaiting.count(),
        }

    who = "any" if manager is selectors.ANY_MANAGER else manager.pk
    key = f"donors:welcome-card:{organization.pk}:{who}"
    return cache.get_or_set(key, compute, WELCOME_CARD_SECONDS)


def merge_gifts(*, organization, keep, remove):
    for model in (Gift, Pledge, RecurringGift, SoftCredit):
        model.objects.filter(organization=organization, contact=remove).update(contact=keep)
    Gift.objects.filter(organization=organization, tribute_notify=remove).update(
        tribute_notify=keep
    )
    Grant.objects.filter(organization=organization, funder=remove).update(funder=keep)


def erase_gifts(*, organization, contact):
    """Amounts and dates stay (the organization's totals must not change); words about the
    person go."""
    Gift.objects.filter(organization=organization, contact=contact).update(
        description="",
        tribute_name="",
        reference="",
        do_not_acknowledge_reason="",
        refund_reason="",
    )
    Gift.objects.filter(organization=organization, tribute_notify=contact).update(
        tribute_notify=None
    )
    Pledge.objects.filter(organization=organization, contact=contact).update(notes="")
    Grant.objects.filter(organization=organization, funder=contact).update(
        title=_("Erased"), notes=""
    )


def export_gifts(*, organization, contact):
    def rows(model, *fields, person="contact"):
        """The person's rows of ``model``, oldest first (by the first field)."""
        return list(
            model.objects.filter(organization=organization, **{person: contact})
            .order_by(fields[0], "pk")
            .values(*fields)
        )

    return {
        "gifts": rows(
            Gift,
            "received_on",
            "kind",
            "amount",
            "status",
            "payment_method",
            "reference",
            "description",
            "tribute",
            "tribute_name",
        ),
        "gifts_in_tribute_notifying_them": rows(
            Gift, "received_on", "tribute", person="tribute_notify"
        ),
        "soft_credits": rows(SoftCredit, "gift__received_on", "gift__amount", "kind"),
        "recurring_gifts": rows(RecurringGift, "started_on", "amount", "frequency", "status"),
        "pledges": rows(Pledge, "pledged_on", "amount", "due_by", "status", "notes"),
        "grants": rows(
            Grant,
            "submitted_on",
            "title",
            "stage",
            "amount_requested",
            "amount_awarded",
            "notes",
            person="funder",
        ),
        "updates_sent": rows(UpdateDelivery, "sent_at", "update__title", "status"),
    }


def register():
    from stakeholders.inbox.threads import thread_kinds

    experience.register()
    webhook_types = webhook_events.event_types
    webhook_types.register("gift.created", gettext_lazy("A gift was recorded"), roles=DONOR_ROLES)
    webhook_types.register("gift.refunded", gettext_lazy("A gift was refunded"), roles=DONOR_ROLES)
    # Replies to donor updates and impact links land in the inbox, with the donor team.
    thread_kinds.register(updates.THREAD_KIND, area="donor")
    thread_kinds.register(services.IMPACT_LINK_THREAD, area="donor")
    thankables.register(
        Thankable(
            kind="gift",
            label=gettext_lazy("Gifts"),
            candidates=thanks.candidates,
            describe=thanks.describe,
            sample=thanks.sample,
            rules=thanks.RULES,
            default_template=thanks.DEFAULT_TEMPLATE,
            version=thanks.candidates_version,
        )
    )
    timeline.register("gift", gettext_lazy("Gifts"), rows=gift_rows, event=gift_event)
    contact_panels.register(
        "donor_summary", template="donors/_donor_panel.html", context=donor_panel, roles=DONOR_ROLES
    )
    dashboard_cards.register(
        "donors",
        template="donors/_dashboard_card.html",
        context=donor_dashboard_card,
        roles=DONOR_ROLES,
    )
    contact_hooks.register(
        "donors",
        merge=merge_gifts,
        erase=erase_gifts,
        export=export_gifts,
        covers=[
            "donors.Gift.contact",
            "donors.Gift.tribute_notify",
            "donors.Pledge.contact",
            "donors.Grant.funder",
        ],
        kept={
            "donors.RecurringGift.contact": "amounts, dates and frequency, no words: the "
            "totals keep them, on the anonymised contact",
            "donors.SoftCredit.contact": "a credit for a gift, no words: the totals keep it, "
            "on the anonymised contact",
            "donors.UpdateDelivery.contact": "which update went out and when, no words: the "
            "update's figures keep it, on the anonymised contact",
            "donors.DonorYear.contact": "a donor's yearly totals, no words: derived from the "
            "gifts by their triggers, which move it on merge and keep it on erasure",
        },
        no_personal_data={
            "donors.ImpactStory.photo": "a story's photo, published to donors: it belongs to "
            "no contact's record",
        },
    )
    # A welcome call points at the donor's first gift; an update's email at the update.
    for kind in (selectors.WELCOME_CALL_DONE, selectors.WELCOME_CALL_ATTEMPT):
        related_objects.register(
            kind, rows=lambda organization: Gift.objects.filter(organization=organization)
        )
    related_objects.register(
        "donors.update",
        rows=lambda organization: DonorUpdate.objects.filter(organization=organization),
    )
    demo_data.register("donors", demo.seed)
