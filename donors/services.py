"""Writes of the donors app. Each is atomic; bad input raises a ValidationError naming the field."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from donors import summaries
from donors.models import (
    ZERO,
    Appeal,
    Campaign,
    DonorSettings,
    DonorUpdate,
    Fund,
    Gift,
    GiftAllocation,
    GiftKind,
    Grant,
    ImpactStory,
    Pledge,
    RecurringGift,
    SoftCredit,
)
from stakeholders import branding, formats, sending
from stakeholders import selectors as stakeholder_selectors
from stakeholders import services as stakeholder_services
from stakeholders.integrations import events as webhook_events
from stakeholders.languages import reading_as
from stakeholders.models import ConsentPurpose, ConsentSource
from stakeholders.sending import Transactional
from stakeholders.tenancy import links
from thankyous import services as thankyou_services

UNPAID_KINDS = {GiftKind.IN_KIND, GiftKind.PRO_BONO}


def _same_organization(organization, **objects):
    errors = {
        field: [_("Choose one from your organization.")]
        for field, obj in objects.items()
        if obj is not None and obj.organization_id != organization.pk
    }
    if errors:
        raise ValidationError(errors)


def _check_gift(organization, gift, allocations, soft_credits):
    errors = {}
    today = timezone.localdate()
    if gift.amount is None or gift.amount < ZERO:
        errors["amount"] = [_("The amount can't be negative.")]
    elif gift.amount == ZERO and gift.kind not in UNPAID_KINDS | {GiftKind.BEQUEST}:
        errors["amount"] = [_("Enter the amount given.")]
    if gift.received_on and gift.received_on > today and gift.status == Gift.Status.RECEIVED:
        errors["received_on"] = [_("A gift can't be received in the future.")]
    if (
        gift.tax_deductible_amount is not None
        and gift.amount is not None
        and gift.tax_deductible_amount > gift.amount
    ):
        errors["tax_deductible_amount"] = [_("It can't be more than the gift.")]
    if gift.tribute and not gift.tribute_name:
        errors["tribute_name"] = [_("Say in whose honour or memory.")]
    if gift.pledge_id and gift.pledge.contact_id != gift.contact_id:
        errors["pledge"] = [_("This pledge belongs to another donor.")]
    if gift.recurring_id and gift.recurring.contact_id != gift.contact_id:
        errors["recurring"] = [_("This recurring gift belongs to another donor.")]
    if allocations and gift.amount is not None:
        total = sum((amount for _fund, amount in allocations), ZERO)
        if any(amount < ZERO for _fund, amount in allocations):
            errors["allocations"] = [_("A fund's share can't be negative.")]
        elif total != gift.amount:
            errors["allocations"] = [
                _("The funds add up to %(total)s, not the gift's %(amount)s.")
                % {"total": total, "amount": gift.amount}
            ]
        if len({fund.pk for fund, _amount in allocations}) != len(allocations):
            errors.setdefault("allocations", []).append(_("Each fund once, please."))
    for contact, _kind in soft_credits:
        if contact.pk == gift.contact_id:
            errors["soft_credits"] = [_("The donor can't be soft-credited for their own gift.")]
    if len({contact.pk for contact, _kind in soft_credits}) != len(soft_credits):
        errors.setdefault("soft_credits", []).append(_("Each person once, please."))
    if (
        gift.reference
        and Gift.objects.filter(organization=organization, reference=gift.reference)
        .exclude(status=Gift.Status.REPLACED)
        .exclude(pk=gift.pk)
        .exists()
    ):
        errors["reference"] = [_("A gift with this reference was already entered.")]
    try:
        gift.full_clean(
            exclude=[
                "organization",
                "contact",
                "campaign",
                "appeal",
                "pledge",
                "recurring",
                "tribute_notify",
                "created_by",
            ]
        )
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def gift_record(
    *,
    organization,
    contact,
    amount,
    received_on,
    fund=None,
    allocations=(),
    soft_credits=(),
    created_by=None,
    **fields,
):
    """Record a gift; ``fund`` designates all of it, ``allocations`` [(fund, amount)] split it."""
    amount = Decimal(amount) if amount is not None else None
    allocations = list(allocations) or ([(fund, amount)] if fund is not None else [])
    soft_credits = list(soft_credits)
    _same_organization(
        organization,
        contact=contact,
        campaign=fields.get("campaign"),
        appeal=fields.get("appeal"),
        pledge=fields.get("pledge"),
        recurring=fields.get("recurring"),
        tribute_notify=fields.get("tribute_notify"),
    )
    for fund_, _share in allocations:
        _same_organization(organization, allocations=fund_)
    for credited, _kind in soft_credits:
        _same_organization(organization, soft_credits=credited)
    gift = Gift(
        organization=organization,
        contact=contact,
        amount=amount,
        received_on=received_on,
        created_by=created_by,
        **fields,
    )
    if gift.tax_deductible_amount is None and gift.kind in (
        GiftKind.MONEY,
        GiftKind.RECURRING,
        GiftKind.PLEDGE_PAYMENT,
    ):
        gift.tax_deductible_amount = amount
    _check_gift(organization, gift, allocations, soft_credits)
    try:
        with transaction.atomic():
            gift.save()
    except IntegrityError as error:  # two people entered the same reference at once
        raise ValidationError(
            {"reference": [_("A gift with this reference was already entered.")]}
        ) from error
    GiftAllocation.objects.bulk_create(
        GiftAllocation(organization=organization, gift=gift, fund=fund_, amount=share)
        for fund_, share in allocations
    )
    SoftCredit.objects.bulk_create(
        SoftCredit(organization=organization, gift=gift, contact=credited, kind=kind)
        for credited, kind in soft_credits
    )
    stakeholder_services.contact_set_role(
        organization=organization, contact_id=contact.pk, role="donor"
    )
    if gift.pledge_id:
        _fulfil_pledge(organization, gift.pledge)
    if thankyou_services.thankyou_settings(organization=organization).thank_on_entry:
        thankyou_services.thank_now(organization=organization, kind="gift", target_id=gift.pk)
    summaries.refresh_soon(organization=organization)
    webhook_events.emit(
        organization=organization,
        type="gift.created",
        data=gift_event_data(organization=organization, gift=gift),
        contact=contact,
    )
    return gift


def gift_event_data(*, organization, gift):
    """A gift as webhooks carry it (``stakeholders.integrations``)."""
    return {
        "object": "gift",
        "id": gift.pk,
        "contact": webhook_events.contact_data(gift.contact),
        "kind": gift.kind,
        "status": gift.status,
        "amount": str(gift.amount) if gift.amount is not None else None,
        "currency": organization.currency,
        "received_on": gift.received_on,
        "payment_method": gift.payment_method,
        "reference": gift.reference,
        "campaign": gift.campaign_id,
        "refunded_on": gift.refunded_on,
    }


@transaction.atomic
def gift_refund(*, organization, gift, reason, refunded_on=None):
    """The gift stays, marked refunded: totals drop it, history keeps it."""
    if gift.status != Gift.Status.RECEIVED:
        raise ValidationError(_("Only a received gift can be refunded."))
    if not reason.strip():
        raise ValidationError({"refund_reason": [_("Say why it was refunded.")]})
    gift.status = Gift.Status.REFUNDED
    gift.refunded_on = refunded_on or timezone.localdate()
    gift.refund_reason = reason.strip()[:200]
    gift.save(update_fields=["status", "refunded_on", "refund_reason"])
    summaries.refresh_soon(organization=organization)
    webhook_events.emit(
        organization=organization,
        type="gift.refunded",
        data={
            **gift_event_data(organization=organization, gift=gift),
            "refund_reason": gift.refund_reason,
        },
        contact=gift.contact,
    )
    return gift


@transaction.atomic
def gift_correct(*, organization, gift, created_by, **changes):
    """A corrected copy replaces the gift; the original stays in the history, marked replaced."""
    if gift.status != Gift.Status.RECEIVED:
        raise ValidationError(_("Only a received gift can be corrected."))
    allocations = [(a.fund, a.amount) for a in gift.allocations.all()]
    values = {
        field: getattr(gift, field)
        for field in (
            "contact",
            "kind",
            "amount",
            "received_on",
            "payment_method",
            "reference",
            "campaign",
            "appeal",
            "tax_deductible_amount",
            "description",
            "hours",
            "tribute",
            "tribute_name",
            "tribute_notify",
            "pledge",
            "recurring",
            "do_not_acknowledge",
            "do_not_acknowledge_reason",
        )
    }
    new_fund = changes.pop("fund", None)
    values.update(changes)
    amount = Decimal(values["amount"])
    if new_fund is not None:
        allocations = [(new_fund, amount)]
    elif len(allocations) == 1:
        allocations = [(allocations[0][0], amount)]
    gift.status = Gift.Status.REPLACED
    gift.save(update_fields=["status"])
    soft_credits = [(c.contact, c.kind) for c in gift.soft_credits.all()]
    return gift_record(
        organization=organization,
        created_by=created_by,
        allocations=allocations,
        soft_credits=soft_credits,
        replaces=gift,
        **values,
    )


@transaction.atomic
def gift_set_acknowledgement(*, organization, gift, do_not_acknowledge, reason=""):
    if do_not_acknowledge and not reason.strip():
        raise ValidationError(
            {"do_not_acknowledge_reason": [_("Say why this gift should not be thanked.")]}
        )
    gift.do_not_acknowledge = do_not_acknowledge
    gift.do_not_acknowledge_reason = reason.strip() if do_not_acknowledge else ""
    gift.save(update_fields=["do_not_acknowledge", "do_not_acknowledge_reason"])
    return gift


def _save(instance, exclude=()):
    try:
        instance.full_clean(exclude=["organization", *exclude])
    except ValidationError as error:
        raise ValidationError(error.message_dict) from error
    instance.save()
    return instance


@transaction.atomic
def fund_save(*, organization, fund=None, **fields):
    fund = fund or Fund(organization=organization)
    for name, value in fields.items():
        setattr(fund, name, value)
    if bool(fund.impact_unit_amount) != bool(fund.impact_unit_label):
        raise ValidationError(
            {"impact_unit_label": [_("Give both the amount and what it achieves.")]}
        )
    if Fund.objects.filter(organization=organization, name=fund.name).exclude(pk=fund.pk).exists():
        raise ValidationError({"name": [_("There is already a fund with this name.")]})
    return _save(fund)


@transaction.atomic
def campaign_save(*, organization, campaign=None, **fields):
    campaign = campaign or Campaign(organization=organization)
    for name, value in fields.items():
        setattr(campaign, name, value)
    if campaign.starts_on and campaign.ends_on and campaign.ends_on < campaign.starts_on:
        raise ValidationError({"ends_on": [_("A campaign can't end before it starts.")]})
    if (
        Campaign.objects.filter(organization=organization, name=campaign.name)
        .exclude(pk=campaign.pk)
        .exists()
    ):
        raise ValidationError({"name": [_("There is already a campaign with this name.")]})
    return _save(campaign)


@transaction.atomic
def appeal_save(*, organization, appeal=None, **fields):
    appeal = appeal or Appeal(organization=organization)
    for name, value in fields.items():
        setattr(appeal, name, value)
    _same_organization(organization, campaign=appeal.campaign)
    return _save(appeal, exclude=["campaign"])


@transaction.atomic
def story_save(*, organization, story=None, **fields):
    story = story or ImpactStory(organization=organization)
    for name, value in fields.items():
        setattr(story, name, value)
    _same_organization(organization, fund=story.fund)
    story = _save(story, exclude=["fund"])
    if story.original_id is None:  # its translations follow all but the words
        story.translations.update(**{name: getattr(story, name) for name in STORY_SHARED_FIELDS})
    return story


# What a story's translations take from their original (their own are its title and text).
STORY_SHARED_FIELDS = ["fund", "kind", "photo", "published_on"]


@transaction.atomic
def pledge_create(*, organization, contact, **fields):
    _same_organization(organization, contact=contact, fund=fields.get("fund"))
    pledge = Pledge(organization=organization, contact=contact, **fields)
    if pledge.due_by and pledge.pledged_on and pledge.due_by < pledge.pledged_on:
        raise ValidationError({"due_by": [_("It can't be due before it was pledged.")]})
    stakeholder_services.contact_set_role(
        organization=organization, contact_id=contact.pk, role="donor"
    )
    return _save(pledge, exclude=["contact", "fund"])


@transaction.atomic
def recurring_create(*, organization, contact, **fields):
    _same_organization(organization, contact=contact, fund=fields.get("fund"))
    recurring = RecurringGift(organization=organization, contact=contact, **fields)
    stakeholder_services.contact_set_role(
        organization=organization, contact_id=contact.pk, role="donor"
    )
    return _save(recurring, exclude=["contact", "fund"])


# --- The donor's impact page ---------------------------------------------------------------

IMPACT_SALT = "steward.donors.impact"
IMPACT_LINK_DAYS = 30
IMPACT_LINK_THREAD = "donors.impact_link"  # a reply to the link email (the shared inbox)


def impact_token(*, organization, contact):
    """The signed part of a donor's impact page link (no password; expires)."""
    return links.sign(organization=organization, salt=IMPACT_SALT, c=contact.pk)


def impact_url(*, organization, contact):
    token = impact_token(organization=organization, contact=contact)
    return links.absolute_url(
        organization=organization, url_name="donors:impact", query={"t": token}
    )


def impact_contact_from_token(*, organization, token):
    """The donor a link is for, or None when it is tampered with, expired or another
    organization's."""
    data = links.unsign(
        organization=organization,
        token=token,
        salt=IMPACT_SALT,
        max_age=timedelta(days=IMPACT_LINK_DAYS),
    )
    if data is None:
        return None
    return stakeholder_selectors.contact_get(organization=organization, contact_id=data.get("c"))


def impact_link_send(*, organization, email, staff_sent=False):
    """Email a fresh link to a donor who asks for one. Says nothing about whether we know them.

    The donor asking for it is transactional even for someone who asked not to be contacted;
    staff sending it (``staff_sent``, e.g. after a call) is a service the flag stops, and is
    refused with the reason."""
    email = (email or "").strip().lower()
    contact = (
        stakeholder_selectors.contacts_active(organization=organization)
        .filter(Q(email=email) | Q(email_alt=email), is_donor=True)
        .first()
    )
    if contact is None or not email:
        return False
    decision = sending.decide(
        organization=organization,
        contact=contact,
        transactional=Transactional.SERVICE if staff_sent else Transactional.ASKED,
        address=email,
    )
    if not decision:
        if staff_sent:
            raise ValidationError(
                _("We can't email this person: %(reason)s.") % {"reason": decision.reason_label}
            )
        return False
    context = {
        "organization": organization,
        "contact": contact,
        "url": impact_url(organization=organization, contact=contact),
        "days": IMPACT_LINK_DAYS,
    }
    with reading_as(organization=organization, contact=contact):
        message = branding.email_message(
            organization=organization,
            subject=_("Your gifts to %(name)s and what they changed") % {"name": organization.name},
            body=render_to_string("emails/impact_link.txt", context),
            to=[email],
            thread=(IMPACT_LINK_THREAD, contact.pk),
        )
    transaction.on_commit(message.send)
    return True


DONOR_PREFERENCE_PURPOSES = [
    ConsentPurpose.THANK_YOUS,
    ConsentPurpose.DONOR_UPDATES,
    ConsentPurpose.APPEALS,
]


@transaction.atomic
def impact_preferences_save(*, organization, contact, choices, wording):
    """Record the donor's own choices (channel, purpose) → yes/no; only changes become rows."""
    current = stakeholder_selectors.consent_current(organization=organization, contact=contact)
    changed = 0
    for (channel, purpose), granted in choices.items():
        previous = current.get((channel, purpose))
        if previous is None and not granted:
            continue
        if previous is not None and previous.granted == granted:
            continue
        stakeholder_services.consent_record(
            organization=organization,
            contact=contact,
            channel=channel,
            purpose=purpose,
            granted=granted,
            source=ConsentSource.PREFERENCES,
            wording=wording,
        )
        changed += 1
    return changed


def donor_settings(*, organization):
    settings_, _created = DonorSettings.objects.get_or_create(organization=organization)
    return settings_


@transaction.atomic
def update_save(*, organization, update=None, created_by=None, **fields):
    update = update or DonorUpdate(organization=organization, created_by=created_by)
    for name, value in fields.items():
        setattr(update, name, value)
    _same_organization(organization, story=update.story, fund=update.fund)
    update = _save(update, exclude=["story", "fund", "created_by"])
    if update.original_id is None:  # its translations follow its story and audience
        update.translations.update(story=update.story, fund=update.fund)
    return update


@transaction.atomic
def gift_mark_received(*, organization, gift, received_on=None, amount=None):
    """An expected gift (a bequest, an awarded grant) has arrived."""
    if gift.status != Gift.Status.EXPECTED:
        raise ValidationError(_("Only an expected gift can be marked received."))
    gift.status = Gift.Status.RECEIVED
    gift.received_on = received_on or timezone.localdate()
    if amount is not None:
        gift.amount = Decimal(amount)
        if gift.allocations.count() == 1:
            gift.allocations.update(amount=gift.amount)
    _check_gift(organization, gift, [(a.fund, a.amount) for a in gift.allocations.all()], [])
    gift.save()
    summaries.refresh_soon(organization=organization)
    return gift


@transaction.atomic
def grant_save(*, organization, grant=None, **fields):
    grant = grant or Grant(organization=organization)
    for name, value in fields.items():
        setattr(grant, name, value)
    _same_organization(organization, funder=grant.funder, fund=grant.fund)
    if grant.stage in (Grant.Stage.AWARDED, Grant.Stage.REPORTING) and not grant.amount_awarded:
        raise ValidationError({"amount_awarded": [_("Enter the amount awarded.")]})
    if grant.submitted_on and grant.decided_on and grant.decided_on < grant.submitted_on:
        raise ValidationError(
            {"decided_on": [_("The decision can't come before the application.")]}
        )
    grant = _save(grant, exclude=["funder", "fund"])
    stakeholder_services.contact_set_role(
        organization=organization, contact_id=grant.funder_id, role="donor"
    )
    return grant


@transaction.atomic
def pledge_set_status(*, organization, pledge, status):
    if status not in Pledge.Status.values:
        raise ValidationError({"status": [_("Choose a valid status.")]})
    pledge.status = status
    pledge.save(update_fields=["status"])
    return pledge


@transaction.atomic
def recurring_set_status(*, organization, recurring, status):
    if status not in RecurringGift.Status.values:
        raise ValidationError({"status": [_("Choose a valid status.")]})
    recurring.status = status
    recurring.save(update_fields=["status"])
    return recurring


def _fulfil_pledge(organization, pledge):
    """A pledge paid in full is fulfilled (payments are gifts pointing at it)."""
    paid = (
        Gift.objects.filter(
            organization=organization, pledge=pledge, status=Gift.Status.RECEIVED
        ).aggregate(total=Sum("amount"))["total"]
        or ZERO
    )
    if paid >= pledge.amount and pledge.status == Pledge.Status.OPEN:
        pledge.status = Pledge.Status.FULFILLED
        pledge.save(update_fields=["status"])


@transaction.atomic
def welcome_call_log(*, organization, contact, user, outcome, notes=""):
    """A welcome call to a first-time donor, on their timeline; linked to their first gift."""
    from donors.models import WelcomeCallOutcome
    from donors.selectors import WELCOME_CALL_ATTEMPT, WELCOME_CALL_DONE

    if outcome not in WelcomeCallOutcome.values:
        raise ValidationError({"outcome": [_("Choose how the call went.")]})
    first_gift = (
        Gift.objects.filter(organization=organization, contact=contact)
        .order_by("received_on", "pk")
        .first()
    )
    if first_gift is None:
        raise ValidationError(_("This person has not given yet."))
    return stakeholder_services.interaction_log(
        organization=organization,
        contact=contact,
        staff=user,
        channel="phone",
        direction="outbound",
        subject=_("Welcome call"),
        outcome=WelcomeCallOutcome(outcome).label,
        notes=notes,
        related_kind=(
            WELCOME_CALL_ATTEMPT if outcome == WelcomeCallOutcome.NO_ANSWER else WELCOME_CALL_DONE
        ),
        related_id=first_gift.pk,
    )


def welcome_call_lists_send(*, organization, today=None):
    """Once a day: each relationship manager gets the new donors they should call; donors nobody
    manages go to the admins. The day is claimed in the database first, so two runs send once."""
    from donors.selectors import ANY_MANAGER, welcome_calls_due
    from stakeholders.models import Membership

    today = today or timezone.localdate()
    donor_settings(organization=organization)
    claimed = (
        DonorSettings.objects.filter(organization=organization)
        .filter(Q(welcome_calls_sent_on__isnull=True) | Q(welcome_calls_sent_on__lt=today))
        .update(welcome_calls_sent_on=today)
    )
    if not claimed:
        return 0
    members = {
        m.user_id: m.user
        for m in Membership.objects.filter(organization=organization).select_related("user")
    }
    by_manager = {}  # a manager who left the organization counts as nobody until reassigned
    for contact in welcome_calls_due(organization=organization, manager=ANY_MANAGER):
        by_manager.setdefault(members.get(contact.relationship_manager_id), []).append(contact)
    admin_ids = _admin_ids(organization)
    admins = [user for user_id, user in members.items() if user_id in admin_ids]
    url = settings.SITE_URL.rstrip("/") + reverse(
        "donors:welcome_calls", kwargs={"org_slug": organization.slug}
    )
    messages = []
    for manager, contacts in by_manager.items():
        for user in [manager] if manager else admins:
            with reading_as(organization=organization, user=user):  # the staff member's language
                context = {
                    "organization": organization,
                    "user": user,
                    "contacts": contacts,
                    "unassigned": manager is None,
                    "url": url + ("?manager=none" if manager is None else ""),
                }
                messages.append(
                    EmailMultiAlternatives(
                        subject=ngettext(
                            "%(count)s new donor to welcome by phone",
                            "%(count)s new donors to welcome by phone",
                            len(contacts),
                        )
                        % {"count": formats.format_number(len(contacts))},
                        body=render_to_string("emails/welcome_calls.txt", context),
                        to=[user.email],
                    )
                )
    transaction.on_commit(lambda: _send_all(messages))
    return len(messages)


def _admin_ids(organization):
    from stakeholders.models import Membership, Role

    return set(
        Membership.objects.filter(organization=organization, role=Role.ADMIN).values_list(
            "user_id", flat=True
        )
    )


def _send_all(messages):
    from django.core.mail import get_connection

    with get_connection() as connection:
        connection.send_messages(messages)
