"""Writes of the volunteers app. Each is atomic, takes keyword arguments and the organization.

Places on a shift are counted under a row lock on the shift (SELECT … FOR UPDATE), and a
volunteer's own signups under a lock on their profile, so two signups at the same moment can
neither overbook a shift nor put one person on two overlapping shifts.
"""

import hashlib
import json
import logging
import secrets
from datetime import datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import get_connection
from django.core.validators import URLValidator
from django.db import connection, transaction
from django.db.models import Q, Sum
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from stakeholders import branding, formats, sending
from stakeholders import selectors as stakeholder_selectors
from stakeholders import services as stakeholder_services
from stakeholders.inbox import outbound
from stakeholders.integrations import events as webhook_events
from stakeholders.languages import language_for, reading_as
from stakeholders.models import (
    Channel,
    ConsentChannel,
    ConsentPurpose,
    ConsentSource,
    Membership,
    Role,
)
from stakeholders.sending import Transactional
from stakeholders.tenancy import links
from volunteers import ical, selectors
from volunteers.models import (
    Assignment,
    Cause,
    HoursEntry,
    Milestone,
    Opportunity,
    OpportunitySkill,
    OpportunityTraining,
    PendingSignup,
    ProfileCause,
    ProfileSkill,
    Shift,
    ShiftSeries,
    Skill,
    Training,
    TrainingRecord,
    VolunteerProfile,
    VolunteerSettings,
)

logger = logging.getLogger(__name__)

CONFIRM_SALT = "steward.volunteers.confirm"
PORTAL_SALT = "steward.volunteers.portal"
THREAD_KIND = "volunteers.notice"  # a volunteer's reply to one of our emails (the inbox)
CONFIRM_DAYS = 7
PORTAL_LINK_DAYS = 3
HOUR_MILESTONES = (10, 50, 100, 250)
MAX_SERIES_SHIFTS = 104
# A shift lasts a day at most (its attendance is an hours entry, 24 hours at most), in years
# anyone can mean: a date centuries away is a typo, and would overflow the hours and dates.
MAX_SHIFT_HOURS = 24
SHIFT_YEARS = range(stakeholder_services.EARLIEST_YEAR, 2100)


def volunteer_settings(*, organization):
    return VolunteerSettings.objects.get_or_create(organization=organization)[0]


def _full_clean(instance, exclude=()):
    try:
        instance.full_clean(exclude=["organization", *exclude], validate_constraints=False)
    except ValidationError as error:
        raise ValidationError(error.message_dict) from error


def _same_organization(organization, *objects):
    for obj in objects:
        if obj is not None and obj.organization_id != organization.pk:
            raise ValidationError(_("That belongs to another organization."))


# --- Emails --------------------------------------------------------------------------------


def _message(*, organization, to, subject, template, context, contact=None, user=None, language=""):
    """An email as its reader reads it (``stakeholders.languages.reading_as``): a volunteer
    (``contact``), a staff member (``user``) or a pending signup (the ``language`` of its page).
    A volunteer's reply lands in the shared inbox, with the coordinators."""
    with reading_as(organization=organization, contact=contact, user=user, language=language):
        return branding.email_message(
            organization=organization,
            subject=str(subject()),
            body=render_to_string(template, {"organization": organization, **context}),
            to=to,
            thread=(THREAD_KIND, contact.pk) if contact is not None and user is None else None,
        )


def _shown(*, organization, contact, opportunity):
    """The opportunity as this volunteer reads it: their language's version, else the
    organization's (links keep naming the original)."""
    return selectors.opportunity_in_language(
        organization=organization,
        opportunity=opportunity,
        language=language_for(contact, organization),
    )


def _decide(*, organization, contact, **message):
    """The core's sending decision for an email to a volunteer (``message``: its
    ``transactional`` kind or consent ``purpose``)."""
    return sending.decide(
        organization=organization, contact=contact, channel=ConsentChannel.EMAIL, **message
    )


# --- Public signup (double opt-in) -----------------------------------------------------------


UPSERT_PENDING = """
    INSERT INTO volunteers_pendingsignup (organization_id, email, data, created_at)
    VALUES (%s, %s, %s, %s)
    ON CONFLICT (organization_id, email) WHERE confirmed_at IS NULL
    DO UPDATE SET data = EXCLUDED.data, confirmation_sent_at = NULL
    RETURNING id
"""


def signup_submit(*, organization, data, language=""):
    """Keep the answers until the address is confirmed, and have the confirmation link emailed.

    One statement (an upsert on the open-signup constraint): a second submission with the same
    address before confirming replaces the first, so one address is one open signup however
    many times, or however concurrently, the form is sent. The caller learns nothing it could
    show: the page says the same whether or not the address is known.
    """
    email = data["email"].strip().lower()
    payload = json.dumps({**data, "email": email, "language": language})
    with connection.cursor() as cursor:
        cursor.execute(UPSERT_PENDING, [organization.pk, email, payload, timezone.now()])
        pending_id = cursor.fetchone()[0]
    transaction.on_commit(lambda: _schedule_confirmations(organization=organization))
    return pending_id


CONFIRM_SWEEP_DELAY = 2  # seconds


def _schedule_confirmations(*, organization):
    """Queue the confirmation sweep for this organization — once per second at most.

    Under a burst of signups this is one cache write per signup and one task per second, not one
    task per signup. No signup is missed: the marker lives 1 s and the sweep it schedules starts
    2 s later, so a signup that found the marker set (committed before the marker expired) is
    already in the database when that sweep looks. The minutely beat sweep is the safety net.
    """
    from volunteers import tasks

    if settings.CELERY_TASK_ALWAYS_EAGER:  # in-process (development, tests): send right away
        tasks.send_signup_confirmations.delay(organization_id=organization.pk)
        return
    if cache.add(f"volunteers:confirm-sweep:{organization.pk}", 1, timeout=1):
        tasks.send_signup_confirmations.apply_async(
            kwargs={"organization_id": organization.pk}, countdown=CONFIRM_SWEEP_DELAY
        )


def confirm_token(*, organization, pending):
    return links.sign(organization=organization, salt=CONFIRM_SALT, s=pending.pk)


def confirm_url(*, organization, pending):
    return links.absolute_url(
        organization=organization,
        url_name="volunteers:signup_confirm",
        confirm_token=confirm_token(organization=organization, pending=pending),
    )


def pending_from_token(*, organization, token):
    """The signup a confirmation link is for; None when forged, expired or another
    organization's."""
    data = links.unsign(
        organization=organization,
        token=token,
        salt=CONFIRM_SALT,
        max_age=timedelta(days=CONFIRM_DAYS),
    )
    if data is None:
        return None
    return PendingSignup.objects.filter(organization=organization, pk=data.get("s")).first()


def signup_confirmations_send(*, organization, chunk=50):
    """Email the confirmation link of every signup still waiting for one.

    Rows are taken with SELECT … FOR UPDATE SKIP LOCKED, so two sweeps never take the same one,
    and marked sent in the same transaction as their SMTP conversation: a crash in between sends
    a confirmation twice at worst (harmless), never not at all.
    """
    since = timezone.now() - timedelta(days=CONFIRM_DAYS)
    waiting = PendingSignup.objects.filter(
        organization=organization,
        confirmed_at__isnull=True,
        confirmation_sent_at__isnull=True,
        created_at__gte=since,
    ).order_by("pk")
    sent = 0
    while True:
        with transaction.atomic():
            rows = list(waiting.select_for_update(skip_locked=True)[:chunk])
            if not rows:
                break
            known = _contacts_by_email(organization, [pending.email for pending in rows])
            messages = [
                _message(
                    organization=organization,
                    to=[pending.email],
                    language=pending.data.get("language") or "",
                    subject=lambda: (
                        _("Please confirm your email to volunteer with %(name)s")
                        % {"name": organization.name}
                    ),
                    template="emails/volunteers_confirm.txt",
                    context={
                        "first_name": pending.data.get("first_name", ""),
                        "url": confirm_url(organization=organization, pending=pending),
                        "days": CONFIRM_DAYS,
                    },
                )
                for pending in rows
                if _confirmation_allowed(organization, pending, known.get(pending.email))
            ]
            get_connection().send_messages(messages)
            PendingSignup.objects.filter(pk__in=[p.pk for p in rows]).update(
                confirmation_sent_at=timezone.now()
            )
        sent += len(messages)
    return sent


def _contacts_by_email(organization, emails):
    """{address: the contact on record with it} for these addresses (one query)."""
    contacts = stakeholder_selectors.contacts_active(organization=organization).filter(
        Q(email__in=emails) | Q(email_alt__in=emails)
    )
    found = {}
    for contact in contacts.order_by("-pk"):  # the oldest record wins, as in signup_confirm
        found.update({a: contact for a in (contact.email, contact.email_alt) if a})
    return found


def _confirmation_allowed(organization, pending, contact):
    """The person just signed up, so the confirmation is asked for: it goes even to an address
    on record as "do not contact", never to one of a person who died. An address we don't know
    has no record to ask about."""
    return contact is None or (
        _decide(
            organization=organization,
            contact=contact,
            transactional=Transactional.ASKED,
            address=pending.email,
        ).allowed
    )


def _set_skills(*, organization, profile, skill_ids, source, replace=False):
    skills = Skill.objects.filter(organization=organization, pk__in=skill_ids)
    wanted = {s.pk for s in skills}
    if replace:
        ProfileSkill.objects.filter(organization=organization, profile=profile).exclude(
            skill_id__in=wanted
        ).delete()
    ProfileSkill.objects.bulk_create(
        [
            ProfileSkill(organization=organization, profile=profile, skill_id=pk, source=source)
            for pk in wanted
        ],
        ignore_conflicts=True,
    )


def _set_causes(*, organization, profile, cause_ids, replace=False):
    wanted = set(
        Cause.objects.filter(organization=organization, pk__in=cause_ids).values_list(
            "pk", flat=True
        )
    )
    if replace:
        ProfileCause.objects.filter(organization=organization, profile=profile).exclude(
            cause_id__in=wanted
        ).delete()
    ProfileCause.objects.bulk_create(
        [ProfileCause(organization=organization, profile=profile, cause_id=pk) for pk in wanted],
        ignore_conflicts=True,
    )


@transaction.atomic
def signup_confirm(*, organization, pending):
    """The address is confirmed: the person becomes (or is matched to) a contact with a
    volunteer profile. The same email → the existing contact; someone who merely looks like an
    existing contact (phone, name and postcode) is created and put on the duplicates review list
    for a person to decide. Confirming twice changes nothing."""
    pending = PendingSignup.objects.select_for_update().get(
        organization=organization, pk=pending.pk
    )
    if pending.confirmed_at is not None:
        return pending.profile
    data = pending.data
    contact = (
        stakeholder_selectors.contacts_active(organization=organization)
        .filter(Q(email=pending.email) | Q(email_alt=pending.email))
        .order_by("pk")
        .first()
    )
    if contact is None:
        contact = stakeholder_services.contact_create(
            organization=organization,
            first_name=data.get("first_name", ""),
            last_name=data.get("last_name", ""),
            email=pending.email,
            mobile=data.get("phone", ""),
            preferred_language=data.get("language", ""),
        )
    elif data.get("phone") and not (contact.phone or contact.mobile):
        stakeholder_services.contact_update(
            organization=organization, contact=contact, mobile=data["phone"]
        )
    profile, created = VolunteerProfile.objects.get_or_create(
        organization=organization, contact=contact
    )
    profile.other_skills = data.get("other_skills", "")[:300] or profile.other_skills
    profile.availability = int(data.get("availability") or 0) or profile.availability
    profile.languages = data.get("languages", "")[:200] or profile.languages
    profile.heard_from = data.get("heard_from", "") or profile.heard_from
    profile.under_18 = bool(data.get("under_18"))
    profile.guardian_name = data.get("guardian_name", "")
    profile.guardian_email = data.get("guardian_email", "")
    profile.guardian_phone = data.get("guardian_phone", "")
    if profile.status == VolunteerProfile.Status.LEFT:
        profile.status = VolunteerProfile.Status.APPLICANT
    profile.save()
    _set_skills(
        organization=organization,
        profile=profile,
        skill_ids=data.get("skills", []),
        source=ProfileSkill.Source.SIGNUP,
    )
    _set_causes(organization=organization, profile=profile, cause_ids=data.get("causes", []))
    stakeholder_services.contact_set_role(
        organization=organization, contact_id=contact.pk, role="volunteer"
    )
    if data.get("consent"):
        stakeholder_services.consent_record(
            organization=organization,
            contact=contact,
            channel=ConsentChannel.EMAIL,
            purpose=ConsentPurpose.VOLUNTEER_NEWS,
            granted=True,
            source=ConsentSource.FORM,
            wording=data.get("consent_wording", ""),
        )
    pending.confirmed_at = timezone.now()
    pending.profile = profile
    pending.save(update_fields=["confirmed_at", "profile"])
    from volunteers import tasks

    tasks.signup_confirmed_notify.delay_on_commit(
        organization_id=organization.pk, profile_id=profile.pk, new=created
    )
    webhook_events.emit(
        organization=organization,
        type="volunteer.confirmed",
        data=lambda: {
            "object": "volunteer",
            "id": profile.pk,
            "contact": webhook_events.contact_data(contact),
            "status": profile.status,
            "new": created,
        },
        contact=contact,
    )
    return profile


def coordinators(*, organization):
    """Who hears about new volunteers: the coordinators, else the admins."""
    members = Membership.objects.filter(organization=organization).select_related("user")
    found = [m.user for m in members if m.role == Role.VOLUNTEER_COORDINATOR]
    return found or [m.user for m in members if m.role == Role.ADMIN]


def signup_confirmed_notify(*, organization, profile_id, new=True):
    """Welcome the volunteer (with their portal link) and tell the coordinators."""
    profile = (
        VolunteerProfile.objects.select_related("contact")
        .filter(organization=organization, pk=profile_id)
        .first()
    )
    if profile is None:
        return 0
    contact = profile.contact
    messages = []
    # The welcome answers the confirmation they just pressed: asked for.
    welcome = _decide(organization=organization, contact=contact, transactional=Transactional.ASKED)
    if not welcome:
        stakeholder_services.message_not_sent_record(
            organization=organization,
            contact=contact,
            message=_("Welcome email with the volunteer portal link"),
            decision=welcome,
        )
    else:
        messages.append(
            _message(
                organization=organization,
                to=[contact.email],
                contact=contact,
                subject=lambda: _("Welcome to %(name)s") % {"name": organization.name},
                template="emails/volunteers_welcome.txt",
                context={
                    "contact": contact,
                    "url": portal_url(organization=organization, profile=profile),
                    "days": PORTAL_LINK_DAYS,
                },
            )
        )
    for user in coordinators(organization=organization):  # each in their own language
        if not user.email:
            continue
        messages.append(
            _message(
                organization=organization,
                to=[user.email],
                user=user,
                subject=lambda: _("New volunteer signup: %(name)s") % {"name": contact.name},
                template="emails/volunteers_coordinator.txt",
                context={
                    "contact": contact,
                    "new": new,
                    "url": links.absolute_url(
                        organization=organization,
                        url_name="volunteers:profile",
                        profile_id=profile.pk,
                    ),
                },
            )
        )
    if messages:
        get_connection().send_messages(messages)
    return len(messages)


def pending_purge(*, organization, older_than_days=CONFIRM_DAYS * 2):
    """Unconfirmed signups are forgotten once their link has long expired."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted, _rows = PendingSignup.objects.filter(
        organization=organization, confirmed_at__isnull=True, created_at__lt=cutoff
    ).delete()
    return deleted


# --- The volunteer portal (magic link) -----------------------------------------------------


def portal_token(*, organization, profile):
    """A magic link's token: single-use, since it opens a session."""
    return links.sign(organization=organization, salt=PORTAL_SALT, single_use=True, p=profile.pk)


def portal_url(*, organization, profile, opportunity=None):
    return links.absolute_url(
        organization=organization,
        url_name="volunteers:portal_enter",
        query={"opportunity": opportunity.pk} if opportunity is not None else None,
        portal_token=portal_token(organization=organization, profile=profile),
    )


def _portal_link_data(*, organization, token):
    data = links.unsign(
        organization=organization,
        token=token,
        salt=PORTAL_SALT,
        max_age=timedelta(days=PORTAL_LINK_DAYS),
    )
    if data is None:
        return None, None
    return data, selectors.profile_for_portal(organization=organization, profile_id=data.get("p"))


def portal_link_check(*, organization, token):
    """The volunteer a portal link is for and whether it was used already, as (profile, used);
    None when forged, expired, another organization's, or the volunteer has left."""
    data, profile = _portal_link_data(organization=organization, token=token)
    if profile is None:
        return None
    return profile, links.is_used(organization=organization, data=data)


def portal_link_use(*, organization, token):
    """Spend a portal link: its volunteer the first time, None ever after (a forwarded email or a
    browser's history opens nothing) and for a link ``portal_link_check`` refuses."""
    data, profile = _portal_link_data(organization=organization, token=token)
    if profile is None or not links.use(
        organization=organization, data=data, max_age=timedelta(days=PORTAL_LINK_DAYS)
    ):
        return None
    return profile


def portal_link_send(*, organization, email, staff_sent=False):
    """Email a fresh portal link. Says nothing to the caller about whether the address is
    known (the page reads the same either way).

    The volunteer asking for it is transactional even for someone who asked not to be
    contacted; a coordinator sending it (``staff_sent``) is a service the flag stops, and is
    refused with the reason."""
    email = (email or "").strip().lower()
    profile = (
        VolunteerProfile.objects.select_related("contact")
        .filter(organization=organization, contact__merged_into__isnull=True)
        .filter(Q(contact__email=email) | Q(contact__email_alt=email))
        .exclude(status=VolunteerProfile.Status.LEFT)
        .first()
    )
    if not email or profile is None:
        return False
    decision = _decide(
        organization=organization,
        contact=profile.contact,
        transactional=Transactional.SERVICE if staff_sent else Transactional.ASKED,
        address=email,
    )
    if not decision:
        if staff_sent:
            raise ValidationError(
                _("We can't email this person: %(reason)s.") % {"reason": decision.reason_label}
            )
        return False
    message = _message(
        organization=organization,
        to=[email],
        contact=profile.contact,
        subject=lambda: _("Your volunteer page at %(name)s") % {"name": organization.name},
        template="emails/volunteers_portal_link.txt",
        context={
            "contact": profile.contact,
            "url": portal_url(organization=organization, profile=profile),
            "days": PORTAL_LINK_DAYS,
        },
    )
    transaction.on_commit(message.send)
    return True


# --- The calendar feed (a secret address per volunteer) ------------------------------------------


def calendar_key_hash(key):
    """What is kept of a calendar key: its SHA-256 (the key is shown once and never stored)."""
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def calendar_key_create(*, organization, profile):
    """A new secret for the volunteer's calendar feed, returned once; the address made with the
    key before it (if any) stops working at once."""
    _same_organization(organization, profile)
    key = secrets.token_urlsafe(32)
    profile.calendar_key_hash = calendar_key_hash(key)
    VolunteerProfile.objects.filter(organization=organization, pk=profile.pk).update(
        calendar_key_hash=profile.calendar_key_hash
    )
    return key


def calendar_url(*, organization, key):
    return links.absolute_url(
        organization=organization, url_name="volunteers:calendar_feed", calendar_token=key
    )


def _attach_shift(message, *, organization, assignment, opportunity):
    """An "add to calendar" file for this one shift (METHOD:PUBLISH)."""
    message.attach(
        "shift.ics",
        ical.shift_file(organization=organization, assignment=assignment, opportunity=opportunity),
        "text/calendar",
    )
    return message


@transaction.atomic
def preferences_save(*, organization, profile, availability, skill_ids, cause_ids, **fields):
    """The volunteer (portal) or a coordinator updates availability, skills and interests."""
    allowed = {"other_skills", "languages", "status", "notes", "birth_date"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"unknown profile fields: {sorted(unknown)}")
    profile.availability = availability
    for name, value in fields.items():
        setattr(profile, name, value)
    if profile.status == VolunteerProfile.Status.ACTIVE and profile.approved_at is None:
        profile.approved_at = timezone.now()
    _full_clean(profile, exclude=["contact"])
    profile.save()
    _set_skills(
        organization=organization,
        profile=profile,
        skill_ids=skill_ids,
        source=ProfileSkill.Source.STAFF,
        replace=True,
    )
    _set_causes(organization=organization, profile=profile, cause_ids=cause_ids, replace=True)
    return profile


@transaction.atomic
def profile_set_status(*, organization, profile, status):
    if status not in VolunteerProfile.Status.values:
        raise ValidationError({"status": _("Choose a status.")})
    profile.status = status
    if status == VolunteerProfile.Status.ACTIVE and profile.approved_at is None:
        profile.approved_at = timezone.now()
    profile.save(update_fields=["status", "approved_at"])
    return profile


# --- Settings, skills, causes ----------------------------------------------------------------


def _lines(text, limit):
    seen = {}
    for line in (text or "").splitlines():
        name = " ".join(line.split())[:limit]
        if name:
            seen.setdefault(name.casefold(), name)
    return list(seen.values())


LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


def embed_origin(value):
    """``value`` as a web origin that may frame the signup form (it goes into the page's
    Content-Security-Policy): scheme://host[:port] and nothing more, https — or http on this
    machine, for a website under development. Raises ValidationError otherwise."""
    error = ValidationError(
        _("“%(value)s” is not a website address like https://www.example.org.") % {"value": value}
    )
    value = value.strip()
    try:
        URLValidator(schemes=["https", "http"])(value)
        parts = urlsplit(value)
        port = parts.port
        host = (parts.hostname or "").encode("idna").decode("ascii")  # a header is ASCII
    except (ValidationError, ValueError):  # UnicodeError is a ValueError
        raise error from None
    if parts.path not in ("", "/") or parts.query or parts.fragment or "@" in parts.netloc:
        raise error
    if parts.scheme != "https" and host not in LOCAL_HOSTS:
        raise ValidationError(
            _("“%(value)s”: only https websites may embed the form.") % {"value": value}
        )
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")


@transaction.atomic
def settings_save(*, organization, skills_text, causes_text, text_translations=None, **fields):
    """Save the settings; the skills and causes lists become exactly the lines given (a removed
    one disappears from profiles and opportunities too). ``text_translations`` (``{"fa":
    {"signup_intro": …}}``) replaces the translations of the public texts, for the languages it
    names."""
    instance = volunteer_settings(organization=organization)
    for name, value in fields.items():
        setattr(instance, name, value)
    if text_translations is not None:
        merged = dict(instance.text_translations or {})
        for code, texts in text_translations.items():
            kept = {name: value.strip() for name, value in texts.items() if (value or "").strip()}
            if kept:
                merged[code] = kept
            else:
                merged.pop(code, None)
        instance.text_translations = merged
    origins, errors = [], []
    for line in instance.origins:
        try:
            origins.append(embed_origin(line))
        except ValidationError as error:
            errors.extend(error.messages)
    if errors:
        raise ValidationError({"embed_origins": errors})
    instance.embed_origins = "\n".join(dict.fromkeys(origins))
    _full_clean(instance)
    instance.save()
    for model, text in ((Skill, skills_text), (Cause, causes_text)):
        names = _lines(text, 80)
        model.objects.filter(organization=organization).exclude(name__in=names).delete()
        model.objects.bulk_create(
            [model(organization=organization, name=name) for name in names],
            ignore_conflicts=True,
        )
    key = selectors.signup_options_key(organization)
    selectors._LOCAL_OPTIONS.pop(organization.pk, None)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))  # and again, once others can see it
    return instance


# --- Opportunities and shifts ------------------------------------------------------------------


@transaction.atomic
def opportunity_save(
    *, organization, opportunity=None, skills=(), trainings=(), cause=None, **fields
):
    _same_organization(organization, cause, *skills, *trainings)
    opportunity = opportunity or Opportunity(organization=organization)
    for name, value in fields.items():
        setattr(opportunity, name, value)
    opportunity.cause = cause
    if (
        Opportunity.objects.filter(
            organization=organization, title=opportunity.title, original__isnull=True
        )
        .exclude(pk=opportunity.pk)
        .exists()
    ):
        raise ValidationError({"title": [_("There is already an opportunity with this title.")]})
    _full_clean(opportunity, exclude=["cause"])
    opportunity.save()
    OpportunitySkill.objects.filter(organization=organization, opportunity=opportunity).delete()
    OpportunitySkill.objects.bulk_create(
        [
            OpportunitySkill(organization=organization, opportunity=opportunity, skill=s)
            for s in dict.fromkeys(skills)  # a skill named twice is linked once
        ]
    )
    OpportunityTraining.objects.filter(organization=organization, opportunity=opportunity).delete()
    OpportunityTraining.objects.bulk_create(
        [
            OpportunityTraining(organization=organization, opportunity=opportunity, training=t)
            for t in dict.fromkeys(trainings)
        ]
    )
    return opportunity


@transaction.atomic
def opportunity_version_save(*, organization, version, title, description="", location=""):
    """Save a version of an opportunity in another language: its words only (skills, trainings,
    shifts and matching belong to the original)."""
    if version.original_id is None or version.organization_id != organization.pk:
        raise ValidationError(_("Choose one of your organization's."))
    version.title, version.description, version.location = title, description, location
    _full_clean(version, exclude=["cause"])
    version.save()
    return version


def _outside_shift_years():
    return _("Give a date between %(first)d and %(last)d.") % {
        "first": SHIFT_YEARS[0],
        "last": SHIFT_YEARS[-1],
    }


def _check_shift_times(starts_at, ends_at):
    for name, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if value.year not in SHIFT_YEARS:
            raise ValidationError({name: [_outside_shift_years()]})
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": [_("A shift must end after it starts.")]})
    if ends_at - starts_at > timedelta(hours=MAX_SHIFT_HOURS):
        raise ValidationError(
            {
                "ends_at": [
                    _("A shift lasts %(hours)s hours at most.")
                    % {"hours": formats.format_number(MAX_SHIFT_HOURS)}
                ]
            }
        )


def _shift_times(organization, day, starts, ends):
    zone = ZoneInfo(organization.timezone)
    start = datetime.combine(day, starts, tzinfo=zone)
    end = datetime.combine(day, ends, tzinfo=zone)
    if end <= start:
        end += timedelta(days=1)  # a night shift ends the next morning
    return start, end


@transaction.atomic
def shift_create(
    *,
    organization,
    opportunity,
    date,
    starts,
    ends,
    capacity,
    location="",
    notes="",
    repeat_weeks=0,
    until=None,
):
    """One shift, or (``repeat_weeks`` > 0) one every so many weeks until ``until``: each
    occurrence is its own row, so it can be changed or cancelled on its own."""
    _same_organization(organization, opportunity)
    if starts == ends:
        raise ValidationError({"ends": [_("A shift must end after it starts.")]})
    for name, day in (("date", date), ("until", until)):
        if day is not None and day.year not in SHIFT_YEARS:
            raise ValidationError({name: [_outside_shift_years()]})
    days = [date]
    series = None
    if repeat_weeks:
        if until is None or until < date:
            raise ValidationError({"until": [_("Give the last date, on or after the first.")]})
        day = date + timedelta(weeks=repeat_weeks)
        while day <= until:
            days.append(day)
            day += timedelta(weeks=repeat_weeks)
        if len(days) > MAX_SERIES_SHIFTS:
            raise ValidationError(
                {
                    "until": [
                        _("That makes more than %(n)s shifts.")
                        % {"n": formats.format_number(MAX_SERIES_SHIFTS)}
                    ]
                }
            )
        series = ShiftSeries.objects.create(
            organization=organization,
            opportunity=opportunity,
            every_weeks=repeat_weeks,
            first_date=date,
            until_date=until,
        )
    shifts = []
    for day in days:
        start, end = _shift_times(organization, day, starts, ends)
        shift = Shift(
            organization=organization,
            opportunity=opportunity,
            series=series,
            starts_at=start,
            ends_at=end,
            capacity=capacity,
            location=location,
            notes=notes,
        )
        _full_clean(shift, exclude=["opportunity", "series"])
        shifts.append(shift)
    return Shift.objects.bulk_create(shifts)


@transaction.atomic
def shift_add(*, organization, opportunity, starts_at, ends_at, capacity=1, location="", notes=""):
    """One shift at exact times (the API's way; the page uses ``shift_create``)."""
    _same_organization(organization, opportunity)
    _check_shift_times(starts_at, ends_at)
    shift = Shift(
        organization=organization,
        opportunity=opportunity,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        location=location,
        notes=notes,
    )
    _full_clean(shift, exclude=["opportunity", "series"])
    shift.save()
    return shift


@transaction.atomic
def shift_update(*, organization, shift, **fields):
    """Change a shift; more places promote people from the waiting list (under the shift's lock,
    like signups)."""
    shift = Shift.objects.select_for_update().get(organization=organization, pk=shift.pk)
    for name, value in fields.items():
        setattr(shift, name, value)
    _check_shift_times(shift.starts_at, shift.ends_at)
    _full_clean(shift, exclude=["opportunity", "series"])
    shift.save()
    _promote_waitlist(organization=organization, shift=shift)
    return shift


def _age_on(birth_date, day):
    return relativedelta(day, birth_date).years


def eligibility_problems(*, organization, shift, profile, records=None, opportunity=None):
    """Why this volunteer can't take this shift (empty when they can): status, minimum age,
    required trainings valid on the shift's day."""
    opportunity = opportunity or shift.opportunity
    problems = []
    if profile.status in (VolunteerProfile.Status.PAUSED, VolunteerProfile.Status.LEFT):
        problems.append(_("Their volunteering is paused or ended."))
    day = timezone.localtime(shift.starts_at, ZoneInfo(organization.timezone)).date()
    if opportunity.minimum_age:
        if profile.birth_date:
            if _age_on(profile.birth_date, day) < opportunity.minimum_age:
                problems.append(_("The minimum age is %(age)d.") % {"age": opportunity.minimum_age})
        elif profile.under_18 and opportunity.minimum_age >= 18:
            problems.append(_("The minimum age is %(age)d.") % {"age": opportunity.minimum_age})
    required = selectors.required_trainings(organization=organization, opportunity=opportunity)
    if required:
        valid = selectors.valid_training_ids(
            organization=organization, profile=profile, on=day, records=records
        )
        missing = [t.name for t in required if t.pk not in valid]
        if missing:
            problems.append(_("Training needed first: %(names)s.") % {"names": ", ".join(missing)})
    return problems


@transaction.atomic
def shift_signup(*, organization, shift, profile, source=Assignment.Source.SELF):
    """Put a volunteer on a shift: confirmed while there are places, else on the waiting list.

    The shift row is locked first (places), then the profile (their other shifts), always in
    that order, so concurrent signups queue instead of overbooking or deadlocking.
    """
    _same_organization(organization, shift, profile)
    shift = (
        Shift.objects.select_for_update(of=("self",))
        .select_related("opportunity")
        .get(organization=organization, pk=shift.pk)
    )
    profile = VolunteerProfile.objects.select_for_update().get(
        organization=organization, pk=profile.pk
    )
    if shift.starts_at <= timezone.now():
        raise ValidationError({"shift": [_("This shift has already started.")]})
    problems = eligibility_problems(organization=organization, shift=shift, profile=profile)
    if problems:
        raise ValidationError({"shift": problems})
    existing = Assignment.objects.filter(
        organization=organization, shift=shift, profile=profile
    ).first()
    if existing is not None and existing.status in Assignment.ACTIVE:
        raise ValidationError({"shift": [_("Already signed up for this shift.")]})
    clash = (
        Assignment.objects.filter(
            organization=organization,
            profile=profile,
            status__in=[Assignment.Status.CONFIRMED, Assignment.Status.WAITLISTED],
            shift__starts_at__lt=shift.ends_at,
            shift__ends_at__gt=shift.starts_at,
        )
        .exclude(shift=shift)
        .select_related("shift__opportunity")
        .first()
    )
    if clash is not None:
        raise ValidationError(
            {
                "shift": [
                    _("Already on “%(other)s” at that time.")
                    % {"other": clash.shift.opportunity.title}
                ]
            }
        )
    taken = Assignment.objects.filter(
        organization=organization, shift=shift, status__in=Assignment.HOLDS_A_PLACE
    ).count()
    status = Assignment.Status.CONFIRMED if taken < shift.capacity else Assignment.Status.WAITLISTED
    if existing is None:
        existing = Assignment(organization=organization, shift=shift, profile=profile)
    existing.status = status
    existing.source = source
    existing.reminded_at = None
    existing.save()
    if existing.created_at and existing.status == Assignment.Status.WAITLISTED:
        # back of the queue, even for someone who cancelled earlier and comes back
        Assignment.objects.filter(pk=existing.pk).update(created_at=timezone.now())
    webhook_events.emit(
        organization=organization,
        type="shift.signup",
        data=lambda: {
            "object": "assignment",
            "id": existing.pk,
            "status": existing.status,
            "source": existing.source,
            "shift": {
                "id": shift.pk,
                "opportunity": shift.opportunity_id,
                "title": shift.opportunity.title,
                "starts_at": shift.starts_at,
                "ends_at": shift.ends_at,
            },
            "volunteer": profile.pk,
            "contact": webhook_events.contact_data(profile.contact),
        },
        contact=profile.contact_id,
    )
    return existing


@transaction.atomic
def assignment_cancel(*, organization, assignment):
    """Free the place; the first person on the waiting list gets it and an email saying so."""
    shift = Shift.objects.select_for_update().get(organization=organization, pk=assignment.shift_id)
    assignment = Assignment.objects.select_for_update().get(
        organization=organization, pk=assignment.pk
    )
    if assignment.status not in (Assignment.Status.CONFIRMED, Assignment.Status.WAITLISTED):
        raise ValidationError(_("Only an upcoming place can be cancelled."))
    if shift.starts_at <= timezone.now():
        raise ValidationError(_("This shift has already started."))
    assignment.status = Assignment.Status.CANCELLED
    assignment.save(update_fields=["status", "updated_at"])
    _promote_waitlist(organization=organization, shift=shift)
    return assignment


def _promote_waitlist(*, organization, shift):
    """Fill free places from the waiting list, oldest first (caller holds the shift lock)."""
    if shift.starts_at <= timezone.now():
        return []
    taken = Assignment.objects.filter(
        organization=organization, shift=shift, status__in=Assignment.HOLDS_A_PLACE
    ).count()
    free = shift.capacity - taken
    if free <= 0:
        return []
    promoted = list(
        Assignment.objects.select_for_update()
        .filter(organization=organization, shift=shift, status=Assignment.Status.WAITLISTED)
        .select_related("profile__contact")
        .order_by("created_at", "pk")[:free]
    )
    for row in promoted:
        row.status = Assignment.Status.CONFIRMED
        row.save(update_fields=["status", "updated_at"])
        contact = row.profile.contact
        shown = _shown(organization=organization, contact=contact, opportunity=shift.opportunity)
        url = portal_url(organization=organization, profile=row.profile)

        def email(row=row, contact=contact, shown=shown, url=url):
            message = _message(
                organization=organization,
                to=[contact.email],
                contact=contact,
                subject=lambda: _("A place opened up: you're on the shift"),
                template="emails/volunteers_promoted.txt",
                context={"contact": contact, "shift": shift, "opportunity": shown, "url": url},
            )
            _attach_shift(message, organization=organization, assignment=row, opportunity=shown)
            transaction.on_commit(message.send)
            return True

        outbound.send_notice(
            organization=organization,
            contact=contact,
            area="volunteer",
            # Part of the shift they asked to wait for: a service message, not asked for now.
            transactional=Transactional.SERVICE,
            text=lambda shown=shown: (
                _(
                    "%(org)s: a place opened up and you're on the shift %(what)s, %(when)s. "
                    "Can't come? Reply to this message."
                )
                % {
                    "org": organization.name,
                    "what": shown.title,
                    "when": formats.format_datetime(shift.starts_at),
                }
            ),
            email=email,
            whatsapp_template=WHATSAPP_PROMOTED,
            template_variables={"1": shown.title, "2": _when(organization, contact, shift)},
            what=_("Email that a place opened up on %(what)s") % {"what": shift.opportunity.title},
        )
    return promoted


@transaction.atomic
def attendance_record(*, organization, assignment, attended, actor=None):
    """Attended (their hours are counted, approved) or did not come."""
    assignment = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("shift", "profile")
        .get(organization=organization, pk=assignment.pk)
    )
    if assignment.status not in (
        Assignment.Status.CONFIRMED,
        Assignment.Status.ATTENDED,
        Assignment.Status.NO_SHOW,
    ):
        raise ValidationError(_("Only people with a place on the shift can be marked."))
    if assignment.shift.starts_at > timezone.now():
        raise ValidationError(_("Attendance is taken once the shift has started."))
    shift = assignment.shift
    assignment.status = Assignment.Status.ATTENDED if attended else Assignment.Status.NO_SHOW
    assignment.save(update_fields=["status", "updated_at"])
    if attended:
        HoursEntry.objects.update_or_create(
            organization=organization,
            assignment=assignment,
            defaults={
                "profile": assignment.profile,
                "opportunity_id": shift.opportunity_id,
                "worked_on": timezone.localtime(
                    shift.starts_at, ZoneInfo(organization.timezone)
                ).date(),
                # a day at most, like any hours entry (a shift saved before the bound may be longer)
                "hours": min(Decimal(str(shift.duration_hours)), Decimal(MAX_SHIFT_HOURS)),
                "status": HoursEntry.Status.APPROVED,
                "source": HoursEntry.Source.ATTENDANCE,
                "decided_by": actor,
                "decided_at": timezone.now(),
            },
        )
    else:
        HoursEntry.objects.filter(organization=organization, assignment=assignment).delete()
    milestones_check(organization=organization, profile=assignment.profile)
    return assignment


# --- Hours ------------------------------------------------------------------------------------


def _parse_hours(value):
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError, TypeError):
        hours = None
    if hours is None or not Decimal("0.25") <= hours <= Decimal("24"):
        raise ValidationError({"hours": [_("Give between 0.25 and 24 hours.")]})
    return hours


@transaction.atomic
def hours_log(
    *,
    organization,
    profile,
    worked_on,
    hours,
    opportunity=None,
    description="",
    by_volunteer=False,
    actor=None,
):
    """Hours worked outside a shift roster. The volunteer's own wait for a coordinator."""
    _same_organization(organization, profile, opportunity)
    errors = {}
    try:
        hours = _parse_hours(hours)
    except ValidationError as error:
        errors.update(error.message_dict)
    today = timezone.localdate(timezone=ZoneInfo(organization.timezone))
    if worked_on is None or worked_on > today:
        errors["worked_on"] = [_("Give a date that is not in the future.")]
    elif worked_on < today - timedelta(days=366):
        errors["worked_on"] = [_("Hours older than a year can't be logged here.")]
    if errors:
        raise ValidationError(errors)
    entry = HoursEntry(
        organization=organization,
        profile=profile,
        opportunity=opportunity,
        worked_on=worked_on,
        hours=hours,
        description=(description or "").strip()[:300],
        status=HoursEntry.Status.PENDING if by_volunteer else HoursEntry.Status.APPROVED,
        source=HoursEntry.Source.SELF if by_volunteer else HoursEntry.Source.COORDINATOR,
        decided_by=None if by_volunteer else actor,
        decided_at=None if by_volunteer else timezone.now(),
    )
    entry.save()
    if entry.status == HoursEntry.Status.APPROVED:
        milestones_check(organization=organization, profile=profile)
    return entry


@transaction.atomic
def hours_decide(*, organization, entry, approve, actor):
    entry = HoursEntry.objects.select_for_update().get(organization=organization, pk=entry.pk)
    if entry.status != HoursEntry.Status.PENDING:
        raise ValidationError(_("These hours were already decided."))
    entry.status = HoursEntry.Status.APPROVED if approve else HoursEntry.Status.REJECTED
    entry.decided_by = actor
    entry.decided_at = timezone.now()
    entry.save(update_fields=["status", "decided_by", "decided_at"])
    if approve:
        milestones_check(
            organization=organization,
            profile=VolunteerProfile.objects.get(organization=organization, pk=entry.profile_id),
        )
    return entry


# --- Trainings --------------------------------------------------------------------------------


@transaction.atomic
def training_save(*, organization, training=None, grants_skill=None, **fields):
    _same_organization(organization, grants_skill)
    training = training or Training(organization=organization)
    for name, value in fields.items():
        setattr(training, name, value)
    training.grants_skill = grants_skill
    if (
        Training.objects.filter(organization=organization, name=training.name)
        .exclude(pk=training.pk)
        .exists()
    ):
        raise ValidationError({"name": [_("There is already a training with this name.")]})
    _full_clean(training, exclude=["grants_skill"])
    training.save()
    return training


@transaction.atomic
def training_record(*, organization, profile, training, completed_on, actor=None):
    """Record a completed training; its skill (if it gives one) joins the volunteer's skills."""
    _same_organization(organization, profile, training)
    today = timezone.localdate(timezone=ZoneInfo(organization.timezone))
    if completed_on is None or completed_on > today:
        raise ValidationError({"completed_on": [_("Give a date that is not in the future.")]})
    expires = (
        completed_on + relativedelta(months=training.valid_months)
        if training.valid_months
        else None
    )
    record, _created = TrainingRecord.objects.update_or_create(
        organization=organization,
        profile=profile,
        training=training,
        completed_on=completed_on,
        defaults={"expires_on": expires, "recorded_by": actor},
    )
    if training.grants_skill_id:
        ProfileSkill.objects.bulk_create(
            [
                ProfileSkill(
                    organization=organization,
                    profile=profile,
                    skill_id=training.grants_skill_id,
                    source=ProfileSkill.Source.TRAINING,
                )
            ],
            ignore_conflicts=True,
        )
    return record


# --- Recognition --------------------------------------------------------------------------------


def milestones_check(*, organization, profile, today=None):
    """Record the milestones this volunteer has reached (each once): first shift, 10/50/100/250
    approved hours (on the day the total crossed it), and each year since they were approved."""
    today = today or timezone.localdate(timezone=ZoneInfo(organization.timezone))
    reached = {}
    first = (
        Assignment.objects.filter(
            organization=organization, profile=profile, status=Assignment.Status.ATTENDED
        )
        .select_related("shift")
        .order_by("shift__starts_at")
        .first()
    )
    if first is not None:
        reached["first_shift"] = timezone.localtime(
            first.shift.starts_at, ZoneInfo(organization.timezone)
        ).date()
    running = Decimal(0)
    goals = list(HOUR_MILESTONES)
    days = (
        HoursEntry.objects.filter(
            organization=organization, profile=profile, status=HoursEntry.Status.APPROVED
        )
        .values("worked_on")
        .annotate(total=Sum("hours"))
        .order_by("worked_on")
    )
    for day in days:
        running += day["total"]
        while goals and running >= goals[0]:
            reached[f"hours_{goals.pop(0)}"] = day["worked_on"]
    if profile.status == VolunteerProfile.Status.ACTIVE and profile.approved_at and running:
        start = timezone.localtime(profile.approved_at, ZoneInfo(organization.timezone)).date()
        years = relativedelta(today, start).years
        for year in range(1, years + 1):
            reached[f"anniversary_{year}"] = start + relativedelta(years=year)
    created = Milestone.objects.bulk_create(
        [
            Milestone(organization=organization, profile=profile, code=code, reached_on=day)
            for code, day in reached.items()
        ],
        ignore_conflicts=True,
    )
    return len(created)


def milestones_check_all(*, organization, today=None):
    """Nightly: anniversaries come with time, not with a new entry."""
    count = 0
    for profile in VolunteerProfile.objects.filter(
        organization=organization, status=VolunteerProfile.Status.ACTIVE
    ):
        count += milestones_check(organization=organization, profile=profile, today=today)
    return count


@transaction.atomic
def shift_thank(*, organization, assignment, message, actor):
    """A coordinator's own words after a shift: emailed now, and on the person's timeline."""
    assignment = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("shift__opportunity", "profile__contact")
        .get(organization=organization, pk=assignment.pk)
    )
    message = (message or "").strip()
    if not message:
        raise ValidationError({"message": [_("Write a few words of thanks.")]})
    contact = assignment.profile.contact
    decision = _decide(
        organization=organization, contact=contact, purpose=ConsentPurpose.THANK_YOUS
    )
    if not decision:
        raise ValidationError(
            {
                "message": [
                    _("We can't email this person: %(reason)s.") % {"reason": decision.reason_label}
                ]
            }
        )
    shift = assignment.shift
    shown = _shown(organization=organization, contact=contact, opportunity=shift.opportunity)
    email = _message(
        organization=organization,
        to=[contact.email],
        contact=contact,
        subject=lambda: _("Thank you for %(what)s") % {"what": shown.title},
        template="emails/volunteers_thanks.txt",
        context={"contact": contact, "message": message, "sender": actor},
    )
    assignment.thanked_at = timezone.now()
    assignment.save(update_fields=["thanked_at"])
    stakeholder_services.interaction_log(
        organization=organization,
        contact=contact,
        staff=actor,
        channel=Channel.EMAIL,
        subject=_("Thank you for %(what)s") % {"what": shift.opportunity.title},
        notes=message,
        related_kind="volunteers.shift",
        related_id=shift.pk,
    )
    transaction.on_commit(email.send)
    return assignment


@transaction.atomic
def opportunity_invite(*, organization, opportunity, profile, actor):
    """One click from the matching list: an email with a link straight to the shifts."""
    _same_organization(organization, opportunity, profile)
    contact = profile.contact
    # Asking for more of their time is not transactional: it needs their "yes" to volunteering
    # news by email (the signup form's consent words ask for it).
    decision = _decide(
        organization=organization, contact=contact, purpose=ConsentPurpose.VOLUNTEER_NEWS
    )
    if not decision:
        raise ValidationError(
            _("We can't email this person: %(reason)s.") % {"reason": decision.reason_label}
        )
    # The opportunity in the volunteer's language (else the organization's); links name the
    # original.
    shown = _shown(organization=organization, contact=contact, opportunity=opportunity)
    email = _message(
        organization=organization,
        to=[contact.email],
        contact=contact,
        subject=lambda: _("Would you help with %(what)s?") % {"what": shown.title},
        template="emails/volunteers_invite.txt",
        context={
            "contact": contact,
            "opportunity": shown,
            "sender": actor,
            "url": portal_url(organization=organization, profile=profile, opportunity=opportunity),
            "days": PORTAL_LINK_DAYS,
        },
    )
    stakeholder_services.interaction_log(
        organization=organization,
        contact=contact,
        staff=actor,
        channel=Channel.EMAIL,
        subject=_("Invited to %(what)s") % {"what": opportunity.title},
        related_kind="volunteers.opportunity",
        related_id=opportunity.pk,
    )
    transaction.on_commit(email.send)


# --- Reminders ---------------------------------------------------------------------------------


def reminders_send(*, organization, now=None):
    """The day-before reminder for every confirmed place on tomorrow's shifts (local time).

    Each row is marked under a lock before its reminder goes (a text is queued in the same
    transaction), so a rerun, or two beats at once, never remind twice. Returns how many went
    (emails accepted by the mail server, texts queued).
    """
    now = now or timezone.now()
    zone = ZoneInfo(organization.timezone)
    tomorrow = timezone.localtime(now, zone).date() + timedelta(days=1)
    start = datetime.combine(tomorrow, time.min, tzinfo=zone)
    due = Assignment.objects.filter(
        organization=organization,
        status=Assignment.Status.CONFIRMED,
        reminded_at__isnull=True,
        shift__starts_at__gte=start,
        shift__starts_at__lt=start + timedelta(days=1),
    )
    sent = 0
    while True:
        with transaction.atomic():
            rows = list(
                due.select_for_update(of=("self",), skip_locked=True).select_related(
                    "shift__opportunity", "profile__contact"
                )[:50]
            )
            if not rows:
                break
            Assignment.objects.filter(pk__in=[r.pk for r in rows]).update(reminded_at=now)
            shown = {}  # one lookup per opportunity and language, not per volunteer
            for row in rows:
                language = language_for(row.profile.contact, organization)
                key = (row.shift.opportunity_id, language)
                if key not in shown:
                    shown[key] = selectors.opportunity_in_language(
                        organization=organization,
                        opportunity=row.shift.opportunity,
                        language=language,
                    )
                shown[row.shift.opportunity_id, row.profile.contact_id] = shown[key]
            # A text is queued in this transaction, with the row marked reminded: it goes once,
            # after commit. Emails are built here and sent after the block, in one connection.
            messages, texts = [], 0
            for row in rows:
                result = _remind(
                    organization,
                    row,
                    shown[row.shift.opportunity_id, row.profile.contact_id],
                    messages,
                )
                texts += result.message is not None
        if messages:
            sent += get_connection().send_messages(messages) or 0
        sent += texts
    return sent


# Names of the approved WhatsApp templates (``WhatsAppTemplate.name``, one per language) the
# volunteers' notices use outside WhatsApp's 24-hour window: {{1}} what, {{2}} when.
WHATSAPP_REMINDER = "shift_reminder"
WHATSAPP_PROMOTED = "shift_place_opened"


def _remind(organization, assignment, opportunity, messages):
    """The reminder on the volunteer's channel (``stakeholders.inbox.outbound``): a short text
    for someone who chose SMS or WhatsApp, else the email (appended to ``messages``)."""
    contact = assignment.profile.contact
    shift = assignment.shift
    url = portal_url(organization=organization, profile=assignment.profile)

    def email():
        messages.append(
            _attach_shift(
                _message(
                    organization=organization,
                    to=[contact.email],
                    contact=contact,
                    subject=lambda: _("See you tomorrow: %(what)s") % {"what": opportunity.title},
                    template="emails/volunteers_reminder.txt",
                    context={
                        "contact": contact,
                        "shift": shift,
                        "opportunity": opportunity,
                        "url": url,
                    },
                ),
                organization=organization,
                assignment=assignment,
                opportunity=opportunity,
            )
        )
        return True

    result = outbound.send_notice(
        organization=organization,
        contact=contact,
        area="volunteer",
        # Part of the service they signed up for (as CiviCRM's scheduled reminders and
        # Bloomerang Volunteer's are): no consent needed, but do-not-contact, deceased, erased
        # and a STOP texted to us stop it, and the timeline says so.
        transactional=Transactional.SERVICE,
        # No portal link in a text: it is a login, and a text is kept in the inbox and on the
        # timeline for staff to read. Their answer reaches the coordinators in the inbox.
        text=lambda: (
            _(
                "%(org)s: see you tomorrow at %(time)s for %(what)s. "
                "Can't come? Reply to this message."
            )
            % {
                "org": organization.name,
                "time": formats.format_time(shift.starts_at),
                "what": opportunity.title,
            }
        ),
        email=email,
        whatsapp_template=WHATSAPP_REMINDER,
        template_variables={"1": opportunity.title, "2": _when(organization, contact, shift)},
        what=_("Reminder of the shift %(what)s") % {"what": shift.opportunity.title},
    )
    return result


def _when(organization, contact, shift):
    """The start of a shift as the volunteer reads it (a WhatsApp template's variable)."""
    with reading_as(organization=organization, contact=contact):
        return formats.format_datetime(shift.starts_at, style="long")


# --- Merge, erase, export (the core's contact hooks) --------------------------------------------


def merge_profiles(*, organization, keep, remove):
    """The kept contact gets the removed one's volunteering; when both volunteered, the removed
    profile's rows move to the kept profile (a shift both were on stays once)."""
    gone = VolunteerProfile.objects.filter(organization=organization, contact=remove).first()
    if gone is None:
        return
    kept = VolunteerProfile.objects.filter(organization=organization, contact=keep).first()
    if kept is None:
        gone.contact = keep
        gone.save(update_fields=["contact"])
        return
    both = Assignment.objects.filter(organization=organization, profile=kept).values("shift_id")
    Assignment.objects.filter(organization=organization, profile=gone, shift_id__in=both).delete()
    for model in (Assignment, HoursEntry, TrainingRecord):
        model.objects.filter(organization=organization, profile=gone).update(profile=kept)
    for model, key in ((ProfileSkill, "skill_id"), (ProfileCause, "cause_id"), (Milestone, "code")):
        taken = model.objects.filter(organization=organization, profile=kept).values(key)
        model.objects.filter(organization=organization, profile=gone).exclude(
            **{f"{key}__in": taken}
        ).update(profile=kept)
    kept.availability |= gone.availability
    kept.save(update_fields=["availability"])
    PendingSignup.objects.filter(organization=organization, profile=gone).update(profile=kept)
    gone.delete()


def erase_profiles(*, organization, contact):
    """Hours and shifts stay as numbers; what describes the person goes."""
    VolunteerProfile.objects.filter(organization=organization, contact=contact).update(
        other_skills="",
        languages="",
        guardian_name="",
        guardian_email="",
        guardian_phone="",
        notes="",
        birth_date=None,
        status=VolunteerProfile.Status.LEFT,
        calendar_key_hash="",  # their calendar address stops working
    )
    emails = [e for e in (contact.email, contact.email_alt) if e]
    PendingSignup.objects.filter(organization=organization).filter(
        Q(email__in=emails) | Q(profile__contact=contact)
    ).delete()
    HoursEntry.objects.filter(organization=organization, profile__contact=contact).update(
        description=""
    )


def export_profiles(*, organization, contact):
    profile = VolunteerProfile.objects.filter(organization=organization, contact=contact).first()
    if profile is None:
        return {}
    return {
        "volunteer_profile": {
            "status": profile.status,
            "skills": list(
                Skill.objects.filter(
                    organization=organization,
                    pk__in=ProfileSkill.objects.filter(
                        organization=organization, profile=profile
                    ).values("skill_id"),
                ).values_list("name", flat=True)
            ),
            "other_skills": profile.other_skills,
            "availability": selectors.availability_labels(profile.availability),
            "languages": profile.languages,
            "under_18": profile.under_18,
            "guardian_name": profile.guardian_name,
            "joined_at": profile.joined_at,
        },
        "volunteer_shifts": list(
            Assignment.objects.filter(organization=organization, profile=profile).values(
                "shift__opportunity__title", "shift__starts_at", "status"
            )
        ),
        "volunteer_hours": list(
            HoursEntry.objects.filter(organization=organization, profile=profile).values(
                "worked_on", "hours", "status", "description"
            )
        ),
        "volunteer_trainings": list(
            TrainingRecord.objects.filter(organization=organization, profile=profile).values(
                "training__name", "completed_on", "expires_on"
            )
        ),
    }
