"""The sending decision: may Steward send this message to this person, and if not, why not.

Every message Steward sends to a stakeholder (not to staff) asks ``decide()`` first, so the
same rules hold on every path, in this order:

1. A record merged into another or erased, and a person who died: never.
2. Do not contact: only a message the person's own action just asked for
   (``Transactional.ASKED``: the acknowledgement of a request they just made, a reply on a
   request they confirmed is theirs, a link they asked for). Nothing else, however useful.
3. No address on the channel (no email, no postal address): nothing.
4. A message that is not transactional needs the person's consent for its purpose on its
   channel. For thank-yous and surveys silence is consent and only a "no" stops them; other
   purposes (donor updates, volunteer news, appeals) need a "yes" on record.
5. The frequency cap, where the sender has one (donor updates): nobody hears from us again
   within it.

Email suppressions (``EmailSuppression``, from the provider's bounces, complaints and
unsubscribes) hold on every path: a hard bounce stops every email (the address doesn't exist);
a suppression by staff stops every email but one the person just asked for; a spam complaint
or an unsubscribe at the provider stops every email that is not transactional.

A transactional message (``Transactional.SERVICE``: part of a service the person is using,
like a shift reminder) needs no consent and no cap, but do-not-contact stops it.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db import models
from django.db.models import Count, Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stakeholders import selectors
from stakeholders.models import Consent, ConsentChannel, ConsentPurpose, EmailSuppression


class Transactional(models.TextChoices):
    ASKED = "asked", _("They just asked for it")
    SERVICE = "service", _("Part of a service they use")


class Reason(models.TextChoices):
    """Why a message was not sent (the thank-you batch keeps these as its skip reasons)."""

    MERGED = "merged", _("merged into another record")
    ERASED = "erased", _("erased")
    DECEASED = "deceased", _("deceased")
    DO_NOT_CONTACT = "do not contact", _("do not contact")
    NO_ADDRESS = "no address", _("no address")
    NO_CONSENT = "no consent", _("no consent")
    RECENTLY_MESSAGED = "recently messaged", _("heard from us too recently")
    EMAIL_BOUNCED = "email bounced", _("email address bounced")
    EMAIL_SUPPRESSED = "email suppressed", _("email address suppressed by staff")
    SPAM_COMPLAINT = "spam complaint", _("marked our email as spam")
    UNSUBSCRIBED = "unsubscribed", _("unsubscribed from our email")


# Each suppression, the Reason it gives, and whether a transactional message still goes: a
# message the person just asked for (``Transactional.ASKED``), or any transactional one.
SUPPRESSIONS = (
    (EmailSuppression.Reason.HARD_BOUNCE, Reason.EMAIL_BOUNCED, ()),
    (EmailSuppression.Reason.MANUAL, Reason.EMAIL_SUPPRESSED, (Transactional.ASKED,)),
    (
        EmailSuppression.Reason.COMPLAINT,
        Reason.SPAM_COMPLAINT,
        (Transactional.ASKED, Transactional.SERVICE),
    ),
    (
        EmailSuppression.Reason.UNSUBSCRIBED,
        Reason.UNSUBSCRIBED,
        (Transactional.ASKED, Transactional.SERVICE),
    ),
)


# Purposes people expect unless they said no: a thank-you for what they gave, a survey about
# the service they just had. The others need a "yes" on record.
SILENCE_IS_CONSENT = frozenset({ConsentPurpose.THANK_YOUS, ConsentPurpose.SURVEYS})

# Who has an address on each channel, as a filter (``audience``) and as a test (``decide``).
HAS_ADDRESS = {
    ConsentChannel.EMAIL: ~Q(email=""),
    ConsentChannel.POST: ~Q(street="") & ~Q(postal_code=""),
    ConsentChannel.PHONE: ~Q(phone="") | ~Q(mobile=""),
    ConsentChannel.SMS: ~Q(mobile=""),
    ConsentChannel.WHATSAPP: ~Q(mobile=""),
}


def _has_address(contact, channel):
    if channel == ConsentChannel.POST:
        return bool(contact.street and contact.postal_code)
    if channel == ConsentChannel.PHONE:
        return bool(contact.phone or contact.mobile)
    if channel in (ConsentChannel.SMS, ConsentChannel.WHATSAPP):
        return bool(contact.mobile)
    return bool(contact.email)


@dataclass(frozen=True)
class Decision:
    reason: str = ""  # a Reason when the message must not go

    @property
    def allowed(self):
        return not self.reason

    def __bool__(self):
        return self.allowed

    @property
    def reason_label(self):
        return Reason(self.reason).label if self.reason else ""


ALLOWED = Decision()


def decide(
    *,
    organization,
    contact,
    channel=ConsentChannel.EMAIL,
    purpose=None,
    transactional=None,
    needs_a_yes=False,
    frequency_cap_days=None,
    address="",
    consents=None,
    suppressions=None,
    now=None,
):
    """Whether a message may go to ``contact``, as a Decision (false, with a Reason, when not).

    A message is either ``transactional`` (a ``Transactional``) or sent for a consent
    ``purpose``, never both. ``needs_a_yes``: silence is not consent even for a purpose where
    it usually is (a client's participation thank-you: being a client is private).
    ``frequency_cap_days``: the sender's cap, if it has one. ``address``: where a message asked
    for at a typed address goes, when that is not the contact's own (e.g. their other email).
    ``consents``: the latest decisions for ``purpose`` already read for many people at once
    (``selectors.consent_latest``), so a batch asks no query per person; ``suppressions``: the
    same for email suppressions (``email_suppressions``).
    """
    if (purpose is None) == (transactional is None):
        raise ValueError("A message is either transactional or sent for a consent purpose.")
    if contact.merged_into_id:
        return Decision(Reason.MERGED)
    if contact.erased_at:
        return Decision(Reason.ERASED)
    if contact.deceased:
        return Decision(Reason.DECEASED)
    if contact.do_not_contact and transactional != Transactional.ASKED:
        return Decision(Reason.DO_NOT_CONTACT)
    if not (address or _has_address(contact, channel)):
        return Decision(Reason.NO_ADDRESS)
    if channel == ConsentChannel.EMAIL:
        suppressed = _suppressed(
            organization, address or contact.email, transactional, suppressions
        )
        if suppressed:
            return Decision(suppressed)
    if transactional is not None:
        return ALLOWED
    if consents is None:
        consents = selectors.consent_latest(
            organization=organization, contact_ids=[contact.pk], purpose=purpose
        )
    granted = consents.get((contact.pk, channel))
    if granted is None:
        granted = purpose in SILENCE_IS_CONSENT and not needs_a_yes
    if not granted:
        return Decision(Reason.NO_CONSENT)
    if frequency_cap_days and (
        selectors.recently_messaged(
            organization=organization,
            since=(now or timezone.now()) - timedelta(days=frequency_cap_days),
        )
        .filter(contact_id=contact.pk)
        .exists()
    ):
        return Decision(Reason.RECENTLY_MESSAGED)
    return ALLOWED


def email_suppressions(*, organization, emails):
    """The suppressions of many addresses in one query, for ``decide(suppressions=…)``:
    {address in lower case: {suppression reason}} (no key: not suppressed)."""
    found = {}
    rows = EmailSuppression.objects.filter(
        organization=organization, email__in={email.strip().lower() for email in emails}
    ).values_list("email", "reason")
    for email, reason in rows:
        found.setdefault(email, set()).add(reason)
    return found


def _suppressed(organization, email, transactional, suppressions=None):
    """The Reason a suppression of ``email`` stops this message, or "" (one query, unless the
    suppressions were read beforehand)."""
    if suppressions is not None:
        reasons = suppressions.get(email.strip().lower(), ())
    else:
        reasons = set(
            EmailSuppression.objects.filter(
                organization=organization, email=email.strip().lower()
            ).values_list("reason", flat=True)
        )
    for suppression, reason, still_goes in SUPPRESSIONS:
        if suppression in reasons and transactional not in still_goes:
            return reason
    return ""


def audience(
    *,
    organization,
    contacts,
    purpose,
    channel=ConsentChannel.EMAIL,
    needs_a_yes=False,
    frequency_cap_days=None,
    now=None,
):
    """The people of ``contacts`` a message for ``purpose`` may reach, by the rules of
    ``decide()`` applied to a whole audience in one query, and how many each rule left out:
    (queryset, {Reason: count, "total": n, "eligible": n}). For previews and for choosing whom
    to send to; the sender still asks ``decide()`` for each person just before sending."""
    latest = (
        Consent.objects.filter(
            organization=organization,
            contact=OuterRef("pk"),
            channel=channel,
            purpose=purpose,
        )
        .order_by("-recorded_at", "-pk")
        .values("granted")[:1]
    )
    silence = purpose in SILENCE_IS_CONSENT and not needs_a_yes
    suppressions, suppression_rules = (
        _suppression_rules(organization) if channel == ConsentChannel.EMAIL else ({}, [])
    )
    rules = [
        (Reason.MERGED, Q(merged_into__isnull=True)),
        (Reason.ERASED, Q(erased_at__isnull=True)),
        (Reason.DECEASED, Q(deceased=False)),
        (Reason.DO_NOT_CONTACT, Q(do_not_contact=False)),
        (Reason.NO_ADDRESS, HAS_ADDRESS[channel]),
        *suppression_rules,
        (Reason.NO_CONSENT, Q(consent_given=True)),
    ]
    if frequency_cap_days:
        since = (now or timezone.now()) - timedelta(days=frequency_cap_days)
        recent = selectors.recently_messaged(organization=organization, since=since)
        rules.append((Reason.RECENTLY_MESSAGED, ~Q(pk__in=recent)))
    contacts = contacts.annotate(
        consent_given=Coalesce(Subquery(latest), Value(silence)), **suppressions
    )
    passed, counts = Q(), {}
    for reason, rule in rules:
        counts[f"left_out_{reason.name.lower()}"] = Count("pk", filter=passed & ~rule)
        passed &= rule
    totals = contacts.aggregate(total=Count("pk"), eligible=Count("pk", filter=passed), **counts)
    left_out = {reason: totals.get(f"left_out_{reason.name.lower()}", 0) for reason in Reason}
    return contacts.filter(passed), {
        **left_out,
        "total": totals["total"],
        "eligible": totals["eligible"],
    }


def _suppression_rules(organization):
    """``audience`` rules for email: nobody whose address is suppressed, whatever the reason
    (an audience is for messages sent for a purpose, never transactional), each reason counted
    apart: ({annotation: subquery}, [(Reason, rule)]), in the same query."""
    annotations, rules = {}, []
    for suppression, reason, _still_goes in SUPPRESSIONS:
        name = f"email_suppressed_{suppression}"
        annotations[name] = Exists(
            EmailSuppression.objects.filter(
                organization=organization, email=Lower(OuterRef("email")), reason=suppression
            )
        )
        rules.append((reason, Q(**{name: False})))
    return annotations, rules
