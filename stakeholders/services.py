"""Writes of the core: organizations, members, invitations and API tokens. Each one is atomic."""

import logging
import secrets
from datetime import timedelta

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scopes_disabled

from stakeholders import audit, selectors
from stakeholders.integrations import events as webhook_events
from stakeholders.languages import reading_as
from stakeholders.models import (
    CONTACT_EDITABLE_FIELDS,
    SCORE_RANGES,
    ApiToken,
    ApiTokenScope,
    AuditAction,
    ComplaintCategory,
    Consent,
    Contact,
    ContactEvent,
    ContactKind,
    ContactTag,
    DuplicatePair,
    Feedback,
    FeedbackMeasure,
    Interaction,
    InteractionKind,
    Invitation,
    Membership,
    Organization,
    Relationship,
    RelationshipKind,
    Role,
    Tag,
    User,
    hash_secret,
)
from stakeholders.registries import contact_hooks, organization_hooks
from stakeholders.tenancy import links
from stakeholders.tenancy.models import organization_scope
from stakeholders.text import ascii_digits, normalise_text, person_name

logger = logging.getLogger(__name__)


DEFAULT_COMPLAINT_CATEGORIES = [
    gettext_lazy("Waiting time"),
    gettext_lazy("Staff attitude"),
    gettext_lazy("Service quality"),
    gettext_lazy("Communication"),
    gettext_lazy("Access and opening hours"),
    gettext_lazy("Fundraising practice"),
    gettext_lazy("Data and privacy"),
]


def user_language_set(*, user, language):
    """A staff user's interface language ("" follows the browser). Platform-wide, no scope."""
    if language and language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Steward does not speak this language yet.")})
    user.language = language
    user.save(update_fields=["language"])
    return user


@transaction.atomic
def organization_create(*, creator, name, slug, timezone="UTC", currency="USD", language="en"):
    """Create a nonprofit with its creator as the first admin. One that writes Persian reads
    dates in the Solar Hijri calendar unless it turns that off."""
    if Organization.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": _("This web address is already taken.")})
    organization = Organization(
        name=name,
        slug=slug,
        timezone=timezone,
        currency=currency,
        language=language,
        solar_hijri=language == "fa",
    )
    organization.full_clean()
    organization.save()
    Membership.objects.create(organization=organization, user=creator, role=Role.ADMIN)
    with translation.override(language), organization_scope(organization):  # its first rows
        ComplaintCategory.objects.bulk_create(
            ComplaintCategory(organization=organization, name=str(name))
            for name in DEFAULT_COMPLAINT_CATEGORIES
        )
    return organization


@transaction.atomic
def organization_update(*, organization, **fields):
    changed = {name for name, value in fields.items() if getattr(organization, name) != value}
    before = {name: str(getattr(organization, name)) for name in changed}
    for name, value in fields.items():
        setattr(organization, name, value)
    organization.full_clean()
    organization.save()
    if changed:
        organization_hooks.changed(organization=organization, changed=changed)
        audit.record(
            organization=organization,
            action=AuditAction.SETTINGS_CHANGED,
            target=organization,
            summary=", ".join(sorted(changed)),
            changes={name: [before[name], str(getattr(organization, name))] for name in changed},
        )
    return organization


@transaction.atomic
def organization_delete(*, organization):
    """A platform operator removes an organization and everything it owns. Append-only tables
    refuse deletions except for the organization named here, for this transaction only."""
    with scopes_disabled(), connection.cursor() as cursor:  # every row it owns, openly
        cursor.execute(
            "SELECT set_config('steward.deleting_organization', %s, true)", [str(organization.pk)]
        )
        organization.delete()


def _ensure_an_admin_remains(*, organization, membership):
    if membership.role == Role.ADMIN and selectors.admin_count(organization=organization) <= 1:
        raise ValidationError({"role": _("An organization needs at least one admin.")})


@transaction.atomic
def membership_set_role(*, organization, membership, role):
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a valid role.")})
    if role != Role.ADMIN:
        _ensure_an_admin_remains(organization=organization, membership=membership)
    before, membership.role = membership.role, role
    membership.save(update_fields=["role"])
    if before != role:
        audit.record(
            organization=organization,
            action=AuditAction.MEMBER_ROLE,
            target=membership,
            summary=f"{membership.user.email}: {before} → {role}",
            changes={"role": [before, role]},
        )
    return membership


@transaction.atomic
def membership_remove(*, organization, membership):
    _ensure_an_admin_remains(organization=organization, membership=membership)
    ApiToken.objects.filter(organization=organization, user=membership.user).delete()
    audit.record(
        organization=organization,
        action=AuditAction.MEMBER_REMOVED,
        target=membership,
        summary=f"{membership.user.email} ({membership.role})",
    )
    membership.delete()


def _invitation_url(key):
    return settings.SITE_URL.rstrip("/") + reverse("invitation_accept", kwargs={"key": key})


def _send_invitation(*, invitation, key):
    organization = invitation.organization
    context = {
        "organization": organization,
        "invitation": invitation,
        "inviter": invitation.invited_by,
        "url": _invitation_url(key),
    }
    # Staff email: the invitee's own interface language when they already have an account.
    invitee = User.objects.filter(email__iexact=invitation.email).first()
    with reading_as(organization=organization, user=invitee or User()):
        subject = _("You are invited to join %(name)s on Steward") % {"name": organization.name}
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string("emails/invitation.txt", context),
            to=[invitation.email],
            reply_to=[organization.contact_email] if organization.contact_email else None,
        )
        message.attach_alternative(render_to_string("emails/invitation.html", context), "text/html")
    message.send()


def _issue_key(invitation):
    key = secrets.token_urlsafe(32)
    invitation.key_hash = hash_secret(key)
    invitation.expires_at = timezone.now() + timedelta(days=settings.INVITATION_MAX_AGE_DAYS)
    return key


@transaction.atomic
def invitation_create(*, organization, email, role, invited_by):
    """Invite ``email`` with ``role``; a newer invitation to the same address replaces the older."""
    email = email.strip().lower()
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise ValidationError({"email": _("This person is already a member.")})
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a valid role.")})
    Invitation.objects.filter(
        organization=organization, email=email, accepted_at__isnull=True
    ).delete()
    invitation = Invitation(
        organization=organization, email=email, role=role, invited_by=invited_by
    )
    key = _issue_key(invitation)
    invitation.full_clean(exclude=["organization"])
    invitation.save()
    audit.record(
        organization=organization,
        action=AuditAction.INVITATION_SENT,
        target=invitation,
        summary=f"{email} as {role}",
        actor=invited_by,
    )
    transaction.on_commit(lambda: _send_invitation(invitation=invitation, key=key))
    return invitation


@transaction.atomic
def invitation_resend(*, organization, invitation):
    """A fresh link (the old one stops working) with a fresh expiry."""
    key = _issue_key(invitation)
    invitation.save(update_fields=["key_hash", "expires_at"])
    transaction.on_commit(lambda: _send_invitation(invitation=invitation, key=key))
    return invitation


@transaction.atomic
def invitation_revoke(*, organization, invitation):
    audit.record(
        organization=organization,
        action=AuditAction.INVITATION_REVOKED,
        target=invitation,
        summary=invitation.email,
    )
    invitation.delete()


@transaction.atomic
def invitation_accept(*, invitation, user):
    """Turn an open invitation into a membership for ``user``, who must own the invited address."""
    if invitation.is_expired:
        raise ValidationError(_("This invitation has expired. Ask for a new one."))
    owns_address = user.emailaddress_set.filter(
        email__iexact=invitation.email, verified=True
    ).exists()
    if not owns_address:
        raise ValidationError(
            _("This invitation was sent to %(email)s. Sign in with that address to accept it.")
            % {"email": invitation.email}
        )
    with scopes_disabled():  # the invitee is not a member yet: the key in the link is the proof
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at is not None:
            raise ValidationError(_("This invitation has already been used."))
        membership, _created = Membership.objects.get_or_create(
            organization=invitation.organization, user=user, defaults={"role": invitation.role}
        )
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        audit.record(
            organization=invitation.organization,
            action=AuditAction.MEMBER_JOINED,
            target=membership,
            summary=f"{user.email} as {membership.role}",
            actor=user,
        )
    return membership


def invitations_purge_expired(*, older_than_days=30):
    """Delete invitations that expired long ago, in every organization (a platform chore)."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    with scopes_disabled():
        deleted, _rows = Invitation.objects.filter(
            accepted_at__isnull=True, expires_at__lt=cutoff
        ).delete()
    return deleted


@transaction.atomic
def api_token_create(
    *,
    organization,
    user,
    name,
    scope=ApiTokenScope.READ_WRITE,
    expires_at=None,
    rate_limit_per_minute=None,
):
    """Create a token; the raw key is returned once and never stored. Machines get the least
    they need: a read-only ``scope``, an ``expires_at``, a rate of their own."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name, e.g. the tool that will use it.")})
    if scope not in ApiTokenScope.values:
        raise ValidationError({"scope": _("Choose read-only or read and write.")})
    key = "stw_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        organization=organization,
        user=user,
        name=name,
        prefix=key[:10],
        key_hash=hash_secret(key),
        scope=scope,
        expires_at=expires_at,
        rate_limit_per_minute=rate_limit_per_minute,
    )
    audit.record(
        organization=organization,
        action=AuditAction.TOKEN_CREATED,
        target=token,
        summary=f"{name} ({token.prefix}…, {scope}) for {user.email}",
        actor=user,
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, organization, token):
    audit.record(
        organization=organization,
        action=AuditAction.TOKEN_REVOKED,
        target=token,
        summary=f"{token.name} ({token.prefix}…)",
    )
    token.delete()


# --- Contacts ------------------------------------------------------------------------------------

CONTACT_FIELDS = frozenset(CONTACT_EDITABLE_FIELDS)


def normalise_phone(value, *, country=""):
    """E.164 ("+442079468104") from what people type (in any digits: "۰۹۱۲…"), or a
    ValidationError saying why not."""
    value = ascii_digits(value).strip()
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, (country or "").upper() or None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        if not country and not value.startswith(("+", "00")):
            raise ValidationError(
                _("Add the country code (e.g. +44), or set your organization's country.")
            )
        raise ValidationError(_("“%(value)s” is not a valid phone number.") % {"value": value})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _display_name(contact):
    if contact.kind == ContactKind.PERSON:
        return person_name(contact.first_name, contact.last_name)
    return contact.organization_name.strip()


def clean_contact(contact, *, organization):
    """Normalise and check a contact before it is saved (phones, email, name, manager, ids)."""
    errors = {}
    for field in ("phone", "mobile"):
        try:
            setattr(
                contact,
                field,
                normalise_phone(
                    getattr(contact, field), country=contact.country or organization.country
                ),
            )
        except ValidationError as error:
            errors[field] = error.messages
    if contact.preferred_channel in ("sms", "whatsapp") and not contact.mobile:
        errors.setdefault("preferred_channel", []).append(
            _("Add a mobile number to send them text messages.")
        )
    contact.email = (contact.email or "").strip().lower()
    contact.email_alt = (contact.email_alt or "").strip().lower()
    contact.country = (contact.country or "").upper()
    contact.name = _display_name(contact)
    if not contact.name:
        field = "last_name" if contact.kind == ContactKind.PERSON else "organization_name"
        errors[field] = [_("Give a name.")]
    contact.search_name = normalise_text(contact.name)
    manager = contact.relationship_manager
    if (
        manager is not None
        and not Membership.objects.filter(organization=organization, user=manager).exists()
    ):
        errors["relationship_manager"] = [_("Choose a member of your organization.")]
    if contact.external_id and (
        Contact.objects.filter(organization=organization, external_id=contact.external_id)
        .exclude(pk=contact.pk)
        .exists()
    ):
        errors["external_id"] = [_("Another contact already has this external id.")]
    try:
        contact.full_clean(
            exclude=["organization", "relationship_manager", "merged_into", "name_entry"]
        )
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def contact_create(*, organization, actor=None, tags=(), event=None, **fields):
    """Create a contact; likely duplicates of it go to the review list."""
    unknown = set(fields) - CONTACT_FIELDS
    if unknown:
        raise TypeError(f"unknown contact fields: {sorted(unknown)}")
    contact = Contact(organization=organization, **fields)
    clean_contact(contact, organization=organization)
    contact.save()
    if tags:
        contact_set_tags(organization=organization, contact=contact, names=tags)
    ContactEvent.objects.create(
        organization=organization,
        contact=contact,
        kind=event or ContactEvent.Kind.CREATED,
        summary=_("Record created") if event is None else _("Imported"),
        actor=actor,
    )
    duplicates_record_for(organization=organization, contact=contact)
    webhook_events.emit(
        organization=organization,
        type="contact.created",
        data=webhook_events.contact_data(contact),
        contact=contact,
    )
    return contact


@transaction.atomic
def contact_update(*, organization, contact, actor=None, **fields):
    unknown = set(fields) - CONTACT_FIELDS
    if unknown:
        raise TypeError(f"unknown contact fields: {sorted(unknown)}")
    old_manager_id = contact.relationship_manager_id
    for name, value in fields.items():
        setattr(contact, name, value)
    clean_contact(contact, organization=organization)
    contact.save()
    if contact.relationship_manager_id != old_manager_id:
        ContactEvent.objects.create(
            organization=organization,
            contact=contact,
            kind=ContactEvent.Kind.MANAGER_CHANGED,
            summary=_("Relationship manager: %(name)s")
            % {"name": contact.relationship_manager or _("nobody")},
            actor=actor,
        )
    webhook_events.emit(
        organization=organization,
        type="contact.updated",
        data=webhook_events.contact_data(contact),
        contact=contact,
    )
    return contact


@transaction.atomic
def contact_set_tags(*, organization, contact, names):
    """Give the contact exactly these tags (created as needed)."""
    wanted = {n.strip()[:60] for n in names if n and n.strip()}
    tags = {t.name: t for t in Tag.objects.filter(organization=organization, name__in=wanted)}
    for name in wanted - tags.keys():
        tags[name] = Tag.objects.create(organization=organization, name=name)
    ContactTag.objects.filter(organization=organization, contact=contact).exclude(
        tag__name__in=wanted
    ).delete()
    existing = set(
        ContactTag.objects.filter(organization=organization, contact=contact).values_list(
            "tag__name", flat=True
        )
    )
    ContactTag.objects.bulk_create(
        ContactTag(organization=organization, contact=contact, tag=tags[name])
        for name in wanted - existing
    )


def contact_set_role(*, organization, contact_id, role, held=True):
    """For the feature apps: mark a contact as donor, volunteer or client (their data says so)."""
    if role not in ("donor", "volunteer", "client"):
        raise ValueError(role)
    Contact.objects.filter(organization=organization, pk=contact_id).update(**{f"is_{role}": held})


@transaction.atomic
def relationship_add(*, organization, person, related, kind, role_title=""):
    if person.kind != ContactKind.PERSON or related.kind == ContactKind.PERSON:
        raise ValidationError({"related": _("Link a person to an organization or household.")})
    if RelationshipKind(kind) is None:
        raise ValidationError({"kind": _("Choose a relationship.")})
    relationship, _created = Relationship.objects.update_or_create(
        organization=organization,
        person=person,
        related=related,
        kind=kind,
        defaults={"role_title": role_title},
    )
    return relationship


@transaction.atomic
def relationship_remove(*, organization, relationship):
    relationship.delete()


# --- Interactions ----------------------------------------------------------------------------

# Times before it are typos, and in most time zones they carry local mean time offsets in seconds
# (London: -00:01:15), which no client reads as a time.
EARLIEST_YEAR = 1900


SUBJECT_FROM_NOTE_LENGTH = 80


def _subject_from_note(notes):
    """A note logged without a subject is titled by its first line, shortened at a word."""
    line = next((line.strip() for line in notes.splitlines() if line.strip()), "")
    if len(line) <= SUBJECT_FROM_NOTE_LENGTH:
        return line
    return line[:SUBJECT_FROM_NOTE_LENGTH].rsplit(" ", 1)[0].rstrip(" ,.;:") + "…"


def _validate_interaction(interaction, *, organization):
    errors = {}
    if not interaction.subject.strip():
        # Quick-log: a note may be just a body; nothing at all is an error.
        interaction.subject = _subject_from_note(interaction.notes or "")
        if not interaction.subject:
            errors["subject"] = [_("Write a subject or a note.")]
    for field in ("occurred_at", "resolved_at"):
        value = getattr(interaction, field)
        if value and value.year < EARLIEST_YEAR:
            errors[field] = [_("Give a date from %(year)d on.") % {"year": EARLIEST_YEAR}]
    if interaction.kind == InteractionKind.COMPLAINT and interaction.complaint_category_id is None:
        errors["complaint_category"] = [_("Choose what the complaint is about.")]
    if interaction.kind != InteractionKind.COMPLAINT:
        interaction.complaint_category = None
    if interaction.follow_up_on and interaction.follow_up_owner_id is None:
        interaction.follow_up_owner_id = interaction.staff_id
    for field in ("staff", "follow_up_owner"):
        user_id = getattr(interaction, f"{field}_id")
        if (
            user_id
            and not Membership.objects.filter(organization=organization, user_id=user_id).exists()
        ):
            errors[field] = [_("Choose a member of your organization.")]
    if interaction.occurred_at and interaction.occurred_at > timezone.now() + timedelta(minutes=5):
        errors["occurred_at"] = [_("An interaction can't be in the future.")]
    try:
        interaction.full_clean(exclude=["organization", "contact", "staff", "follow_up_owner"])
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def interaction_log(*, organization, contact, staff, **fields):
    """Record an interaction; the contact's "last interaction" moves forward with it.

    Validated before the transaction; the writes need no savepoint of their own inside a
    caller's transaction (an inbound message logs one each: two round trips saved) — a database
    error aborts that transaction anyway. A complaint keeps its savepoint: opening its recovery
    case may refuse, and a caller that catches that keeps its transaction usable."""
    fields.setdefault("occurred_at", timezone.now())
    interaction = Interaction(organization=organization, contact=contact, staff=staff, **fields)
    _validate_interaction(interaction, organization=organization)
    complaint = interaction.kind == InteractionKind.COMPLAINT
    with transaction.atomic(savepoint=complaint):
        interaction.save()
        Contact.objects.filter(organization=organization, pk=contact.pk).filter(
            Q(last_interaction_at__isnull=True) | Q(last_interaction_at__lt=interaction.occurred_at)
        ).update(last_interaction_at=interaction.occurred_at)
        if complaint:
            from stakeholders.experience import recovery  # it reads and writes through this

            recovery.case_open_for_complaint(organization=organization, interaction=interaction)
    return interaction


@transaction.atomic
def contacts_assign_manager(*, organization, contact_ids, manager):
    """Give many contacts one relationship manager at once (from a list such as the lapsed
    donors); the manager must be a member, contacts of another organization are ignored."""
    if not Membership.objects.filter(organization=organization, user=manager).exists():
        raise ValidationError({"manager": [_("Choose a member of your organization.")]})
    return Contact.objects.filter(
        organization=organization, pk__in=contact_ids, merged_into__isnull=True
    ).update(relationship_manager=manager)


@transaction.atomic
def interaction_update(*, organization, interaction, **fields):
    for name, value in fields.items():
        setattr(interaction, name, value)
    _validate_interaction(interaction, organization=organization)
    interaction.save()
    return interaction


@transaction.atomic
def follow_up_complete(*, organization, interaction):
    if interaction.follow_up_on is None:
        raise ValidationError(_("This interaction has no follow-up."))
    if interaction.follow_up_done_at is None:
        interaction.follow_up_done_at = timezone.now()
        interaction.save(update_fields=["follow_up_done_at"])
    return interaction


# --- Consent and feedback ----------------------------------------------------------------------


@transaction.atomic
def consent_record(
    *, organization, contact, channel, purpose, granted, source, wording="", recorded_by=None
):
    """A new consent decision (never an update of an old one)."""
    consent = Consent(
        organization=organization,
        contact=contact,
        channel=channel,
        purpose=purpose,
        granted=granted,
        source=source,
        wording=wording,
        recorded_by=recorded_by,
    )
    try:
        consent.full_clean(exclude=["organization", "contact", "recorded_by"])
    except ValidationError as error:
        raise ValidationError(error.message_dict) from error
    consent.save()
    return consent


def message_not_sent_record(*, organization, contact, message, decision):
    """Put on the timeline that ``message`` (what it was, e.g. "Shift reminder for …") did not
    go and why, for messages staff would otherwise believe sent. Not for anything about a
    client's case: the timeline is read by every role."""
    return ContactEvent.objects.create(
        organization=organization,
        contact=contact,
        kind=ContactEvent.Kind.NOT_SENT,
        summary=(
            _("%(message)s: not sent (%(reason)s)")
            % {"message": message, "reason": decision.reason_label}
        )[:300],
    )


@transaction.atomic
def feedback_record(
    *,
    organization,
    contact,
    measure,
    score,
    interaction=None,
    comment="",
    by_contact=False,
    recorded_by=None,
    related_kind="",
    related_id=None,
    invitation=None,
):
    """Record a score; a low one opens a recovery case (``stakeholders.experience.recovery``)."""
    from stakeholders.experience import recovery  # it reads and writes through this module

    low, high = SCORE_RANGES.get(measure, (None, None))
    if low is None:
        raise ValidationError({"measure": _("Choose CSAT, CES or NPS.")})
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = None
    if score is None or not low <= score <= high:
        raise ValidationError(
            {"score": _("Give a score from %(low)d to %(high)d.") % {"low": low, "high": high}}
        )
    if interaction is not None and interaction.contact_id != contact.pk:
        raise ValidationError({"interaction": _("This interaction belongs to another contact.")})
    feedback = Feedback.objects.create(
        organization=organization,
        contact=contact,
        interaction=interaction,
        measure=measure,
        score=score,
        comment=comment.strip(),
        by_contact=by_contact,
        recorded_by=recorded_by,
        related_kind=related_kind,
        related_id=related_id,
        invitation=invitation,
    )
    recovery.case_open_for_feedback(organization=organization, feedback=feedback)
    return feedback


FEEDBACK_SALT = "steward.feedback"


def feedback_link_token(*, organization, interaction, measure=FeedbackMeasure.CSAT):
    """The signed part of the one-click survey link put in an email about ``interaction``."""
    return links.sign(organization=organization, salt=FEEDBACK_SALT, i=interaction.pk, m=measure)


@transaction.atomic
def feedback_record_from_link(*, organization, token, score, comment="", max_age_days=60):
    """Record (or change) the score a stakeholder gave through an emailed link."""
    data = links.unsign(
        organization=organization,
        token=token,
        salt=FEEDBACK_SALT,
        max_age=timedelta(days=max_age_days),
    )
    if data is None:
        raise ValidationError(_("This link is not valid or has expired."))
    interaction = Interaction.objects.select_related("contact").get(
        organization=organization, pk=data["i"]
    )
    Feedback.objects.filter(
        organization=organization, interaction=interaction, measure=data["m"], by_contact=True
    ).delete()
    return feedback_record(
        organization=organization,
        contact=interaction.contact,
        interaction=interaction,
        measure=data["m"],
        score=score,
        comment=comment,
        by_contact=True,
    )


# --- Duplicates, merge and erase ---------------------------------------------------------------


@transaction.atomic
def duplicates_record_for(*, organization, contact):
    """Put likely duplicates of ``contact`` on the review list; returns how many."""
    found = selectors.duplicate_candidates(organization=organization, contact=contact)
    for other, reasons in found:
        low, high = sorted((contact.pk, other.pk))
        DuplicatePair.objects.get_or_create(
            organization=organization,
            contact_id=low,
            other_id=high,
            defaults={"reasons": ",".join(reasons)},
        )
    return len(found)


def duplicates_check_contacts(*, organization, contact_ids):
    """Record likely duplicates of these contacts; returns how many pairs were found."""
    found = 0
    for contact in Contact.objects.filter(organization=organization, pk__in=contact_ids):
        found += duplicates_record_for(organization=organization, contact=contact)
    return found


def duplicates_scan(*, organization):
    """Check every contact (after an import, or nightly); returns the number of open pairs."""
    contact_ids = Contact.objects.filter(
        organization=organization, merged_into__isnull=True, erased_at__isnull=True
    ).values_list("pk", flat=True)
    for contact in Contact.objects.filter(
        organization=organization, pk__in=list(contact_ids)
    ).iterator():
        duplicates_record_for(organization=organization, contact=contact)
    return DuplicatePair.objects.filter(
        organization=organization, status=DuplicatePair.Status.OPEN
    ).count()


@transaction.atomic
def duplicate_dismiss(*, organization, pair, actor):
    pair.status = DuplicatePair.Status.DISMISSED
    pair.decided_by = actor
    pair.save(update_fields=["status", "decided_by"])


MERGE_FILL_FIELDS = [
    "title",
    "first_name",
    "last_name",
    "organization_name",
    "salutation",
    "pronouns",
    "preferred_language",
    "email",
    "email_alt",
    "phone",
    "mobile",
    "street",
    "city",
    "region",
    "postal_code",
    "country",
    "external_id",
    "relationship_manager_id",
    "deceased_on",
]


@transaction.atomic
def contact_merge(*, organization, keep, remove, actor):
    """Fold ``remove`` into ``keep``: every app moves its rows, blanks are filled, flags kept.

    The removed record stays (marked merged) so old links and ids lead to the kept one.
    """
    if keep.pk == remove.pk:
        raise ValidationError(_("A contact can't be merged with itself."))
    if not remove.is_active or not keep.is_active:
        raise ValidationError(_("One of these records was already merged or erased."))
    keep = Contact.objects.select_for_update().get(organization=organization, pk=keep.pk)
    remove = Contact.objects.select_for_update().get(organization=organization, pk=remove.pk)
    for field in MERGE_FILL_FIELDS:
        if not getattr(keep, field) and getattr(remove, field):
            if field == "external_id":
                value, remove.external_id = remove.external_id, ""
                remove.save(update_fields=["external_id"])
                setattr(keep, field, value)
            else:
                setattr(keep, field, getattr(remove, field))
    if remove.email and keep.email != remove.email and not keep.email_alt:
        keep.email_alt = remove.email
    if remove.notes:
        keep.notes = "\n\n".join(n for n in (keep.notes, remove.notes) if n)
    for flag in ("do_not_contact", "deceased", "is_donor", "is_volunteer", "is_client"):
        setattr(keep, flag, getattr(keep, flag) or getattr(remove, flag))
    if remove.last_interaction_at and (
        keep.last_interaction_at is None or remove.last_interaction_at > keep.last_interaction_at
    ):
        keep.last_interaction_at = remove.last_interaction_at
    keep.name = _display_name(keep) or keep.name
    keep.search_name = normalise_text(keep.name)
    keep.save()
    for hook in contact_hooks:
        if hook.merge:
            hook.merge(organization=organization, keep=keep, remove=remove)
    audit.record(
        organization=organization,
        action=AuditAction.MERGED,
        target=keep,
        summary=f"contact {remove.pk} merged into {keep.pk}",
        changes={"merged": remove.pk, "kept": keep.pk},
        actor=actor,
    )
    remove.merged_into = keep
    remove.save(update_fields=["merged_into"])
    DuplicatePair.objects.filter(organization=organization).filter(
        Q(contact__in=[keep, remove], other__in=[keep, remove])
    ).update(status=DuplicatePair.Status.MERGED, decided_by=actor)
    DuplicatePair.objects.filter(
        organization=organization, status=DuplicatePair.Status.OPEN
    ).filter(Q(contact=remove) | Q(other=remove)).delete()
    ContactEvent.objects.create(
        organization=organization,
        contact=keep,
        kind=ContactEvent.Kind.MERGED,
        summary=_("Merged with %(name)s (record %(id)s)") % {"name": remove.name, "id": remove.pk},
        actor=actor,
    )
    webhook_events.emit(
        organization=organization,
        type="contact.merged",
        data={**webhook_events.contact_data(keep), "merged_from": remove.pk},
        contact=keep,
    )
    return keep


ERASED = "—"


@transaction.atomic
def contact_erase(*, organization, contact, actor):
    """Anonymise a person everywhere (right to erasure). Totals (e.g. gift sums) survive. The
    records merged into theirs hold the same person's old details: they are erased with it."""
    merged = selectors.merged_records(organization=organization, contact=contact)
    for record in [*merged, contact]:
        _erase_record(organization=organization, contact=record)
    logger.info(
        "contact %s of organization %s erased by user %s", contact.pk, organization.pk, actor.pk
    )
    audit.record(
        organization=organization,
        action=AuditAction.ERASED,
        target=contact,
        summary=f"contact {contact.pk}",
        changes={"merged_records": [record.pk for record in merged]} if merged else None,
        actor=actor,
    )
    webhook_events.emit(  # after the hooks scrubbed the person's earlier events
        organization=organization,
        type="contact.erased",
        data={"object": "contact", "id": contact.pk, "erased": True},
    )
    return contact


def _erase_record(*, organization, contact):
    for hook in contact_hooks:
        if hook.erase:
            hook.erase(organization=organization, contact=contact)
    for field in CONTACT_FIELDS - {
        "kind",
        "relationship_manager",
        "do_not_contact",
        "deceased",
        "deceased_on",
    }:
        setattr(contact, field, "")
    contact.first_name = ""
    contact.last_name = _("Erased contact %(id)s") % {"id": contact.pk}
    contact.organization_name = contact.last_name if contact.kind != ContactKind.PERSON else ""
    contact.name = contact.last_name
    contact.search_name = normalise_text(contact.name)
    contact.relationship_manager = None
    contact.deceased_on = None
    contact.do_not_contact = True
    contact.erased_at = timezone.now()
    contact.save()


def feedback_link_measure(*, organization, token):
    """The measure (csat/ces) a survey link of ``organization`` asks about, else None."""
    data = links.unsign(organization=organization, token=token, salt=FEEDBACK_SALT)
    if data is None or data.get("m") not in SCORE_RANGES:
        return None
    return data["m"]
