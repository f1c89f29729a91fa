"""Donor updates: who may get one (consent, frequency cap), and sending them exactly once.

"Hear from you regularly, but not every day": an update goes out at the organization's cadence,
only to donors who agreed to updates by email, and never to someone who got any non-transactional
message within the frequency cap.
"""

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from donors import services
from donors.models import DonorUpdate, Gift, GiftAllocation, ImpactStory, UpdateDelivery
from stakeholders import branding, sending
from stakeholders import selectors as stakeholder_selectors
from stakeholders import services as stakeholder_services
from stakeholders.content_versions import choose, originals
from stakeholders.inbox import threads
from stakeholders.languages import language_for, reading_as
from stakeholders.models import ConsentChannel, ConsentPurpose, ConsentSource
from stakeholders.sending import Reason
from stakeholders.tenancy import links

logger = logging.getLogger(__name__)
UNSUBSCRIBE_SALT = "steward.donors.unsubscribe"
THREAD_KIND = "donors.update"  # what a reply to an update answers (the shared inbox)
CHUNK = 100

# An update's translations can be written until the original starts going out; each donor then
# gets the version in their language (``_deliver``). A translation is never scheduled itself.
TRANSLATABLE = (DonorUpdate.Status.DRAFT, DonorUpdate.Status.SCHEDULED)
TRANSLATION_FIELDS = {"status": DonorUpdate.Status.DRAFT, "send_after": None, "sent_at": None}


def editable(update):
    """A draft can be changed; a translation too, while its original has not gone out."""
    if update.original_id:
        return update.root.status in TRANSLATABLE
    return update.status == DonorUpdate.Status.DRAFT


def unsubscribe_token(*, organization, contact):
    return links.sign(organization=organization, salt=UNSUBSCRIBE_SALT, c=contact.pk)


def unsubscribe_url(*, organization, contact):
    token = unsubscribe_token(organization=organization, contact=contact)
    return links.absolute_url(organization=organization, url_name="donors:unsubscribe", token=token)


def contact_from_unsubscribe_token(*, organization, token):
    """No expiry: an unsubscribe link must work for as long as the email is kept."""
    data = links.unsign(organization=organization, token=token, salt=UNSUBSCRIBE_SALT)
    if data is None:
        return None
    return stakeholder_selectors.contact_get(organization=organization, contact_id=data.get("c"))


@transaction.atomic
def unsubscribe(*, organization, contact):
    """Withdraw consent to donor updates by email; the next send already leaves them out."""
    return stakeholder_services.consent_record(
        organization=organization,
        contact=contact,
        channel=ConsentChannel.EMAIL,
        purpose=ConsentPurpose.DONOR_UPDATES,
        granted=False,
        source=ConsentSource.UNSUBSCRIBE,
        wording=_("Unsubscribe link in a donor update"),
    )


def audience(*, organization, update, now=None):
    """(eligible contacts, counts by reason) for ``update``, as the sender will see it: the
    core's sending rules for donor updates by email, under the organization's frequency cap."""
    donors = stakeholder_selectors.contacts_active(organization=organization).filter(is_donor=True)
    if update.fund_id:
        donors = donors.filter(
            pk__in=GiftAllocation.objects.filter(
                organization=organization, fund_id=update.fund_id, gift__status=Gift.Status.RECEIVED
            ).values("gift__contact_id")
        )
    eligible, left_out = sending.audience(
        organization=organization,
        contacts=donors,
        purpose=ConsentPurpose.DONOR_UPDATES,
        channel=ConsentChannel.EMAIL,
        frequency_cap_days=services.donor_settings(organization=organization).frequency_cap_days,
        now=now,
    )
    never = (Reason.MERGED, Reason.ERASED, Reason.DECEASED, Reason.DO_NOT_CONTACT)
    return eligible, {
        "donors": left_out["total"],
        "do_not_contact": sum(left_out[reason] for reason in never),
        "no_email": left_out[Reason.NO_ADDRESS],
        "no_consent": left_out[Reason.NO_CONSENT],
        "recently_messaged": left_out[Reason.RECENTLY_MESSAGED],
        "eligible": left_out["eligible"],
    }


def schedule(*, organization, update, send_after=None):
    if update.status not in (DonorUpdate.Status.DRAFT, DonorUpdate.Status.SCHEDULED):
        raise ValueError("only a draft can be scheduled")
    if update.original_id:
        raise ValueError("a translation goes out with its original")
    update.status = DonorUpdate.Status.SCHEDULED
    update.send_after = send_after or timezone.now()
    update.save(update_fields=["status", "send_after"])
    return update


def next_due(*, organization, now=None):
    """The update to send now, if the organization's cadence allows one."""
    now = now or timezone.now()
    interval = services.donor_settings(organization=organization).update_interval_days
    last = (
        DonorUpdate.objects.filter(organization=organization, status=DonorUpdate.Status.SENT)
        .order_by("-sent_at")
        .values_list("sent_at", flat=True)
        .first()
    )
    if last and last > now - timedelta(days=interval):
        return DonorUpdate.objects.filter(
            organization=organization, status=DonorUpdate.Status.SENDING, original__isnull=True
        ).first()
    return (
        DonorUpdate.objects.filter(organization=organization, original__isnull=True)
        .filter(
            Q(status=DonorUpdate.Status.SENDING)
            | Q(status=DonorUpdate.Status.SCHEDULED, send_after__lte=now)
        )
        .order_by("status", "send_after", "pk")  # a half-sent update first
        .first()
    )


def send(*, organization, update):
    """Send ``update`` to its audience, chunk by chunk. Safe to run twice or after a crash: each
    donor's delivery row is claimed before sending and a sent row is never sent again."""
    DonorUpdate.objects.filter(pk=update.pk).update(status=DonorUpdate.Status.SENDING)
    eligible, _counts = audience(organization=organization, update=update)
    UpdateDelivery.objects.bulk_create(
        [
            UpdateDelivery(organization=organization, update=update, contact_id=pk)
            for pk in eligible.values_list("pk", flat=True)
        ],
        ignore_conflicts=True,
    )
    cap = services.donor_settings(organization=organization).frequency_cap_days
    # Its versions (and its story's) at hand once, so each donor's language costs no query.
    update = originals(DonorUpdate.objects.filter(pk=update.pk).select_related("story")).get()
    story = None
    if update.story_id:
        story_root = update.story.original_id or update.story_id
        story = originals(ImpactStory.objects.filter(pk=story_root)).first()
    sent = 0
    while True:
        with transaction.atomic():
            batch = list(
                UpdateDelivery.objects.select_for_update(skip_locked=True)
                .filter(
                    organization=organization, update=update, status=UpdateDelivery.Status.PENDING
                )
                .select_related("contact")[:CHUNK]
            )
            if not batch:
                break
            for delivery in batch:
                sent += _deliver(organization, update, delivery, cap, story=story)
    DonorUpdate.objects.filter(pk=update.pk).update(
        status=DonorUpdate.Status.SENT, sent_at=timezone.now()
    )
    return sent


def _deliver(organization, update, delivery, frequency_cap_days, story=None):
    contact = delivery.contact
    language = language_for(contact, organization)
    original, update = update, choose(update, language)  # the donor's version, else the default
    story = story if story is not None else original.story
    # Asked again just before sending: consent may have been withdrawn, or another message sent.
    decision = sending.decide(
        organization=organization,
        contact=contact,
        channel=ConsentChannel.EMAIL,
        purpose=ConsentPurpose.DONOR_UPDATES,
        frequency_cap_days=frequency_cap_days,
    )
    if not decision:
        delivery.status, delivery.reason = UpdateDelivery.Status.SKIPPED, decision.reason
        delivery.save(update_fields=["status", "reason"])
        return 0
    # Signed, naming the update: a reply lands in the inbox, threaded to it.
    message_id = threads.message_id(
        organization=organization, kind=THREAD_KIND, object_id=original.pk
    )
    unsubscribe_link = unsubscribe_url(organization=organization, contact=contact)
    context = {
        "organization": organization,
        "contact": contact,
        "update": update,
        "story": choose(story, language),
        "impact_url": services.impact_url(organization=organization, contact=contact),
        "unsubscribe_url": unsubscribe_link,
    }
    with reading_as(organization=organization, contact=contact):
        message = branding.email_message(
            organization=organization,
            subject=update.title,
            body=render_to_string("emails/donor_update.txt", context),
            html=render_to_string("emails/donor_update.html", context),
            to=[contact.email],
            headers={
                "Message-ID": message_id,
                "List-Unsubscribe": f"<{unsubscribe_link}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
            thread=(THREAD_KIND, original.pk),
        )
    message.send()
    now = timezone.now()
    delivery.status, delivery.message_id, delivery.sent_at = (
        UpdateDelivery.Status.SENT,
        message_id,
        now,
    )
    delivery.save(update_fields=["status", "message_id", "sent_at"])
    stakeholder_services.interaction_log(
        organization=organization,
        contact=contact,
        staff=None,
        channel="email",
        direction="outbound",
        subject=_("Donor update: %(title)s") % {"title": update.title},
        occurred_at=now,
        related_kind="donors.update",
        related_id=original.pk,
        is_bulk_message=True,
    )
    return 1
