"""Writes of the clients app. Each one is atomic, takes keyword-only arguments and the
organization explicitly, and leaves nothing half-saved when it refuses bad input."""

import logging
import unicodedata
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.postgres.search import SearchVector
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, connections, router, transaction
from django.db.models import F, Q, Value
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django_ratelimit.core import is_ratelimited

from clients import selectors
from clients.models import (
    ACTIVE_STATUSES,
    COMPLAINT_KINDS,
    AccessLog,
    Article,
    ArticleVote,
    Attachment,
    Attendance,
    ClientSettings,
    MessageKind,
    ProgrammeCompletion,
    RequestChannel,
    RequestMessage,
    ServiceRecord,
    ServiceRequest,
    Status,
)
from stakeholders import branding, clock, sending, text, uploads
from stakeholders import selectors as stakeholder_selectors
from stakeholders import services as stakeholder_services
from stakeholders.content_versions import translation_add
from stakeholders.inbox import outbound
from stakeholders.integrations import events as webhook_events
from stakeholders.languages import reading_as
from stakeholders.models import (
    Channel,
    ConsentChannel,
    ConsentPurpose,
    ConsentSource,
    Direction,
    InteractionKind,
    Membership,
    Role,
    SurveyRule,
)
from stakeholders.sending import Reason, Transactional
from stakeholders.tenancy import links

logger = logging.getLogger(__name__)

CLIENT_ROLES = (Role.ADMIN, Role.CASEWORKER)
RELATED_KIND = "clients.request"
STATUS_SALT = "steward.clients.status"
STATUS_LINK_DAYS = 365
CONFIRM_SALT = "steward.clients.confirm"
CONFIRM_LINK_DAYS = 30
STATUS_AFTER_END_DAYS = 30  # a resolved or closed request's link works this long after

# What a client may attach: the core's rules for files from the public (also the inbox's).
ALLOWED_FILES, MAX_FILE_BYTES, MAX_FILES = (
    uploads.ALLOWED_FILES,
    uploads.MAX_FILE_BYTES,
    uploads.MAX_FILES,
)

INTERACTION_CHANNEL = {
    RequestChannel.WEB_FORM: Channel.OTHER,
    RequestChannel.EMAIL: Channel.EMAIL,
    RequestChannel.PHONE: Channel.PHONE,
    RequestChannel.IN_PERSON: Channel.IN_PERSON,
    RequestChannel.LETTER: Channel.LETTER,
    RequestChannel.SMS: Channel.SMS,
    RequestChannel.WHATSAPP: Channel.WHATSAPP,
    RequestChannel.OTHER: Channel.OTHER,
}
REQUEST_RESOLVED_TOUCHPOINT = "clients.request_resolved"  # clients/experience.py


def _now():
    return timezone.now()


# --- Clocks ------------------------------------------------------------------------------------


def _pauses(request):
    return [
        (datetime.fromisoformat(start), datetime.fromisoformat(end) if end else None)
        for start, end in request.pauses
    ]


def _refresh_clocks(request, *, organization, calendar=None):
    """Recompute both deadlines from the targets, working hours and pauses; ``next_due_at``
    is the running clock's (none while waiting on the client or once resolved)."""
    calendar = calendar or selectors.calendar_for(organization=organization)
    response_minutes, resolution_minutes = selectors.targets_for(
        organization=organization, category_id=request.category_id, priority=request.priority
    )
    pauses = [(start, end) for start, end in _pauses(request) if end is not None]
    request.first_response_due_at = clock.deadline(
        calendar, request.created_at, timedelta(minutes=response_minutes), pauses
    )
    request.resolution_due_at = clock.deadline(
        calendar, request.created_at, timedelta(minutes=resolution_minutes), pauses
    )
    if request.status in ACTIVE_STATUSES:
        request.next_due_at = (
            request.first_response_due_at
            if request.first_responded_at is None
            else request.resolution_due_at
        )
    else:
        request.next_due_at = None


def _working_seconds(request, *, organization, until):
    calendar = selectors.calendar_for(organization=organization)
    return int(clock.elapsed(calendar, request.created_at, until, _pauses(request)).total_seconds())


def _stamp_first_response(request, *, organization, at):
    if request.first_responded_at is not None:
        return
    request.first_responded_at = at
    request.first_response_seconds = _working_seconds(request, organization=organization, until=at)
    request.first_response_breached = bool(
        request.first_response_due_at and at > request.first_response_due_at
    )


# --- Links -------------------------------------------------------------------------------------


def status_token(*, organization, request):
    return links.sign(organization=organization, salt=STATUS_SALT, r=request.pk)


def status_url(*, organization, request):
    token = status_token(organization=organization, request=request)
    return links.absolute_url(
        organization=organization, url_name="clients:public_status", query={"t": token}
    )


def request_from_token(*, organization, token):
    """The request a status link is for, or None (tampered, expired, another organization's)."""
    data = links.unsign(
        organization=organization,
        token=token,
        salt=STATUS_SALT,
        max_age=timedelta(days=STATUS_LINK_DAYS),
    )
    if data is None:
        return None
    request = selectors.request_get(organization=organization, request_id=data.get("r"))
    ended = request and request.status in (Status.RESOLVED, Status.CLOSED)
    ended_at = ended and (request.closed_at or request.resolved_at)
    if ended_at and timezone.now() - ended_at > timedelta(days=STATUS_AFTER_END_DAYS):
        return None  # an old email's link no longer shows the case to whoever holds it
    return request


def confirm_token(*, organization, request):
    return links.sign(organization=organization, salt=CONFIRM_SALT, r=request.pk)


def confirm_url(*, organization, request):
    return links.absolute_url(
        organization=organization,
        url_name="clients:public_request_confirm",
        request_token=confirm_token(organization=organization, request=request),
    )


def request_from_confirm_token(*, organization, token):
    """The request an acknowledgement's confirmation link is for, or None (tampered, expired,
    another organization's)."""
    data = links.unsign(
        organization=organization,
        token=token,
        salt=CONFIRM_SALT,
        max_age=timedelta(days=CONFIRM_LINK_DAYS),
    )
    if data is None:
        return None
    return selectors.request_get(organization=organization, request_id=data.get("r"))


# The approved WhatsApp template (``WhatsAppTemplate.name``, one per language) of a request's
# text notices outside WhatsApp's 24-hour window: {{1}} the request's number, {{2}} its link.
WHATSAPP_UPDATE = "request_update"


def _text_channel(organization, request):
    """The text channel (SMS, WhatsApp) a notice about ``request`` goes on now, or "" for
    email. Only where the client chose it, and only once the address owner confirmed the
    request: the form and an email take anyone's word for the address and the phone number,
    and a public form that texts any number typed into it is a tool for harassment and SMS
    fraud. The acknowledgement (its confirmation link) is always an email."""
    contact = request.contact
    if request.confirmed_at is None or contact.preferred_channel == Channel.EMAIL:
        return ""
    channel, _reasons = outbound.channel_for(
        organization=organization,
        contact=contact,
        transactional=Transactional.ASKED,
        whatsapp_template=WHATSAPP_UPDATE,
    )
    return "" if channel == Channel.EMAIL else channel


def _send(
    *, organization, request, template, subject, context, decision, text=None, interaction=None
):
    """One email to a client about their request, in their language, when the sending
    ``decision`` allows it; when not, an internal note on the request says what was not sent and
    why. Failures are logged, not raised: the request is saved either way and the timeline shows
    what was sent.

    With ``text`` (a callable: a short text with nothing confidential in it, e.g. the request's
    number and status link), a client who chose SMS or WhatsApp gets that instead, on a
    confirmed request (``_text_channel``), through the inbox (``stakeholders.inbox.outbound``);
    the email goes when no text can. ``interaction``: the request's timeline entry for it."""
    contact = request.contact
    if (
        text is not None
        and request.confirmed_at is not None
        and contact.preferred_channel != "email"
    ):
        result = outbound.send_notice(
            organization=organization,
            contact=contact,
            area="client",
            text=text,
            email=lambda: _email(organization, request, template, subject, context),
            transactional=Transactional.ASKED,
            whatsapp_template=WHATSAPP_UPDATE,
            template_variables={"1": str(request.number), "2": context.get("status_link", "")},
            record_not_sent=False,  # the timeline is read by every role: the note says it
            interaction=interaction,
        )
        if not result and result.reasons:
            _message(
                organization=organization,
                request=request,
                kind=MessageKind.NOTE,
                author=None,
                body=_("Not emailed to the client (%(reason)s): “%(subject)s”.")
                % {"reason": outbound.reason_label(result.reason), "subject": subject()},
            )
        return result.sent
    if not decision:
        _message(
            organization=organization,
            request=request,
            kind=MessageKind.NOTE,
            author=None,
            body=_("Not emailed to the client (%(reason)s): “%(subject)s”.")
            % {"reason": decision.reason_label, "subject": subject()},
        )
        return False
    return _email(organization, request, template, subject, context)


def _email(organization, request, template, subject, context):
    contact = request.contact
    # ``subject`` is a callable so that it, too, is written in the client's language.
    with reading_as(organization=organization, contact=contact):
        body = render_to_string(
            f"emails/{template}.txt", {"organization": organization, "contact": contact, **context}
        )
        message = branding.email_message(
            organization=organization,
            subject=str(subject()),
            body=body,
            to=[contact.email],
            thread=(RELATED_KIND, request.pk),  # the client's reply joins the request
        )
    try:
        message.send()
    except OSError:
        logger.exception("clients: email to contact %s failed", contact.pk)
        return False
    return True


# --- Requests ----------------------------------------------------------------------------------


def _check_member(organization, user, field, roles=CLIENT_ROLES):
    if user is None:
        return
    if not Membership.objects.filter(organization=organization, user=user, role__in=roles).exists():
        raise ValidationError({field: _("Choose a caseworker or admin of your organization.")})


def _check_same_organization(organization, **objects):
    for field, obj in objects.items():
        if obj is not None and getattr(obj, "organization_id", organization.pk) != organization.pk:
            raise ValidationError({field: _("Choose one of your organization's.")})


def _interaction(*, organization, request, staff, channel, direction, subject, initiated=False):
    """The request's trace on the contact's timeline. The words stay (encrypted) in the clients
    app: the timeline, which every role reads, only says that contact happened."""
    return stakeholder_services.interaction_log(
        organization=organization,
        contact=request.contact,
        staff=staff,
        channel=channel,
        direction=direction,
        initiated_by_contact=initiated,
        kind=InteractionKind.CONVERSATION,
        subject=subject[:200],
        related_kind=RELATED_KIND,
        related_id=request.pk,
    )


def check_files(files):
    """Type (by name and by the file's first bytes) and size of attachments; per-field errors."""
    return uploads.check_files(files)


def _store_files(*, organization, request, checked, uploaded_by=None, message=None):
    """Files are written last, after every check passed, under random names."""
    for upload, content_type in checked:
        attachment = Attachment(
            organization=organization,
            request=request,
            message=message,
            original_name=upload.name[-200:],
            content_type=content_type,
            size=upload.size,
            uploaded_by=uploaded_by,
        )
        attachment.file.save(upload.name, upload, save=False)
        attachment.save()


@transaction.atomic
def request_create(
    *,
    organization,
    contact,
    subject,
    channel,
    description="",
    category=None,
    kind="request",
    complaint_category=None,
    priority="normal",
    assignee=None,
    actor=None,
    files=(),
    created_at=None,
    confirmed=True,
    wants_thank_you=False,
):
    """Open a request for a client (any channel); its arrival is an inbound interaction on their
    timeline. A request staff open is ``confirmed``: the contact becomes a client. One that
    anyone could have sent in the client's name (the public form, an email) waits for the
    address owner's confirmation (``request_confirm_address``) before it changes their record."""
    _check_same_organization(
        organization, contact=contact, category=category, complaint_category=complaint_category
    )
    _check_member(organization, assignee, "assignee")
    checked = check_files(files)
    request = ServiceRequest(
        organization=organization,
        contact=contact,
        subject=(subject or "").strip(),
        description=(description or "").strip(),
        category=category,
        kind=kind,
        complaint_category=complaint_category if kind in COMPLAINT_KINDS else None,
        priority=priority,
        channel=channel,
        assignee=assignee,
        created_at=created_at or _now(),
        status=Status.OPEN if assignee else Status.NEW,
        wants_thank_you=wants_thank_you,
    )
    request.confirmed_at = request.created_at if confirmed else None
    errors = {}
    if not request.subject:
        errors["subject"] = [_("Say in a few words what it is about.")]
    try:
        request.full_clean(
            exclude=["organization", "contact", "category", "complaint_category", "assignee"]
        )
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    _refresh_clocks(request, organization=organization)
    request.save()
    if confirmed:
        stakeholder_services.contact_set_role(
            organization=organization, contact_id=contact.pk, role="client"
        )
    _interaction(
        organization=organization,
        request=request,
        staff=actor,
        channel=INTERACTION_CHANNEL[RequestChannel(channel)],
        direction=Direction.INBOUND,
        subject=_("Service request #%(id)s received") % {"id": request.number},
        initiated=True,
    )
    _store_files(organization=organization, request=request, checked=checked, uploaded_by=actor)
    webhook_events.emit(
        organization=organization,
        type="request.created",
        data=lambda: request_event_data(request),
        contact=contact,
        roles=CLIENT_ROLES,
    )
    return request


def request_event_data(request):
    """A service request as webhooks carry it (to caseworker and admin roles only): what it is
    about and where it stands, not the client's description."""
    return {
        "object": "service_request",
        "id": request.pk,
        "number": request.number,
        "kind": request.kind,
        "status": request.status,
        "channel": request.channel,
        "priority": request.priority,
        "category": request.category_id,
        "subject": request.subject,
        "created_at": request.created_at,
        "resolved_at": request.resolved_at,
        "contact": webhook_events.contact_data(request.contact),
    }


def match_or_create_client(
    *,
    organization,
    first_name,
    last_name,
    email,
    phone="",
    language="",
    mobile="",
    preferred_channel="email",
):
    """The contact with this email address, else a new one (likely duplicates go to the core's
    review list), as (contact, created). Details of a known contact are never changed from a
    public form (nor how they want to hear from us: anyone can type their address); a new one
    reads the ``language`` of the page they wrote on, and keeps the ``mobile`` and the
    ``preferred_channel`` asked there (texts go only once the request is confirmed)."""
    email = (email or "").strip().lower()
    contact = (
        stakeholder_selectors.contacts_active(organization=organization)
        .filter(Q(email=email) | Q(email_alt=email))
        .order_by("pk")
        .first()
    )
    if contact is not None:
        return contact, False
    contact = stakeholder_services.contact_create(
        organization=organization,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email,
        phone=phone,
        mobile=mobile,
        preferred_channel=preferred_channel or "email",
        preferred_language=language,
    )
    return contact, True


def request_from_public(
    *,
    organization,
    first_name,
    last_name,
    email,
    phone="",
    wants_thank_you=False,
    language="",
    mobile="",
    reply_channel="email",
    **fields,
):
    """A request anyone could have sent in the name of ``email`` (the public form, an email):
    filed under the contact with that address (or a new one), unconfirmed. A known contact's
    roles and consent stay as they are until the address owner confirms; a contact made for
    this request alone is a client from the start (there is nothing of theirs to protect)."""
    contact, created = match_or_create_client(
        organization=organization,
        first_name=first_name,
        last_name=last_name,
        email=email,
        phone=phone,
        language=language,
        mobile=mobile,
        preferred_channel=reply_channel,
    )
    request = request_create(
        organization=organization,
        contact=contact,
        confirmed=False,
        wants_thank_you=wants_thank_you,
        **fields,
    )
    if created:
        stakeholder_services.contact_set_role(
            organization=organization, contact_id=contact.pk, role="client"
        )
    return request


def public_requests_allowed(*, organization):
    """The organization's ceiling on new requests from the public (form and email together)
    per hour, ``CLIENTS_PUBLIC_REQUESTS_RATE``: counts this one and says whether it may go in.
    It bounds what a flood from many addresses can file, where the per-IP limits can't."""
    return not is_ratelimited(
        None,
        group=f"client-public-requests-{organization.pk}",
        key=lambda group, request: "organization",
        rate=settings.CLIENTS_PUBLIC_REQUESTS_RATE,
        increment=True,
    )


def request_submit_public(
    *,
    organization,
    first_name,
    last_name,
    email,
    subject,
    description,
    category=None,
    is_complaint=False,
    phone="",
    thank_you_consent=False,
    files=(),
    language="",
    mobile="",
    reply_channel="email",
):
    """A request from the public form: filed unconfirmed (``request_from_public``) and
    acknowledged with a link to confirm it (after the rows are committed). ``language`` is the
    page's: a new contact keeps it as their preferred language, and the ``reply_channel``
    (email, sms, whatsapp: how they want our answers) with its ``mobile``."""
    if category is not None and not category.is_public:
        raise ValidationError({"category": _("Choose one of the listed topics.")})
    with transaction.atomic():
        request = request_from_public(
            organization=organization,
            first_name=first_name,
            last_name=last_name,
            email=email,
            phone=phone,
            wants_thank_you=thank_you_consent,
            subject=subject,
            description=description,
            category=category,
            kind="complaint" if is_complaint else "request",
            channel=RequestChannel.WEB_FORM,
            files=files,
            language=language,
            mobile=mobile,
            reply_channel=reply_channel,
        )
    request_acknowledge(organization=organization, request=request)
    return request


def request_acknowledge(*, organization, request):
    """Tell the address a request arrived in its name, with the link to confirm it. Nothing the
    sender typed (subject, name, words) is in it: the address may not be theirs. It answers the
    request just made, so it goes even to someone who asked not to be contacted (else they
    could never confirm it); never to the deceased."""
    return _send(
        organization=organization,
        request=request,
        template="clients_request_received",
        subject=lambda: _("Please confirm your request #%(id)s") % {"id": request.number},
        decision=sending.decide(
            organization=organization,
            contact=request.contact,
            transactional=Transactional.ASKED,
        ),
        context={
            "request": request,
            "confirm_link": confirm_url(organization=organization, request=request),
            "days": CONFIRM_LINK_DAYS,
        },
    )


@transaction.atomic
def request_confirm_address(*, organization, request):
    """The address owner confirmed the request is theirs (a POST from the acknowledgement's
    link): only now is the contact marked a client and the consent asked on the form
    recorded. Confirming again changes nothing."""
    request = ServiceRequest.objects.select_for_update().get(
        organization=organization, pk=request.pk
    )
    if request.confirmed_at is not None:
        return request
    request.confirmed_at = _now()
    request.save(update_fields=["confirmed_at", "updated_at"])
    stakeholder_services.contact_set_role(
        organization=organization, contact_id=request.contact_id, role="client"
    )
    if request.wants_thank_you:
        stakeholder_services.consent_record(
            organization=organization,
            contact=request.contact,
            channel=ConsentChannel.EMAIL,
            purpose=ConsentPurpose.THANK_YOUS,
            granted=True,
            source=ConsentSource.FORM,
            wording=_("May thank me for taking part (request form)"),
        )
    return request


@transaction.atomic
def request_update(
    *, organization, request, category, priority, kind, complaint_category=None, actor=None
):
    """Change what a request is about; its targets follow."""
    _check_same_organization(organization, category=category, complaint_category=complaint_category)
    request.category, request.priority, request.kind = category, priority, kind
    request.complaint_category = complaint_category if kind in COMPLAINT_KINDS else None
    try:
        request.full_clean(
            exclude=["organization", "contact", "category", "complaint_category", "assignee"]
        )
    except ValidationError as error:
        raise ValidationError(error.message_dict) from error
    _refresh_clocks(request, organization=organization)
    request.save()
    return request


@transaction.atomic
def request_assign(*, organization, request, assignee, actor=None):
    _check_member(organization, assignee, "assignee")
    request.assignee = assignee
    if assignee is not None and request.status == Status.NEW:
        request.status = Status.OPEN
    request.response_escalation = request.resolution_escalation = 0  # a new owner hears anew
    request.save(
        update_fields=[
            "assignee",
            "status",
            "response_escalation",
            "resolution_escalation",
            "updated_at",
        ]
    )
    return request


def _start_waiting(request, now):
    request.waiting_since = now
    request.pauses = [*request.pauses, [now.isoformat(), None]]


def _stop_waiting(request, now):
    request.waiting_since = None
    request.pauses = [[start, end if end else now.isoformat()] for start, end in request.pauses]


@transaction.atomic
def request_set_status(*, organization, request, status, actor=None):
    """Move a request between new/open/waiting/closed (resolving asks more: ``request_resolve``).
    Waiting on the client pauses the clocks; leaving it resumes them."""
    now = _now()
    if status not in (Status.NEW, Status.OPEN, Status.WAITING, Status.CLOSED):
        raise ValidationError({"status": _("Use “Resolve” to resolve a request.")})
    if request.status == Status.CLOSED and status != Status.CLOSED:
        raise ValidationError({"status": _("A closed request can't be reopened: open a new one.")})
    if status == request.status:
        return request
    if request.status == Status.WAITING:
        _stop_waiting(request, now)
    if status == Status.WAITING:
        _start_waiting(request, now)
    if status == Status.CLOSED:
        request.closed_at = now
    if request.status == Status.RESOLVED and status in ACTIVE_STATUSES:
        # Reopened: the resolution clock runs again, and its alerts may be sent again.
        request.resolved_at = request.resolution_seconds = request.resolution_breached = None
        request.resolution_escalation = 0
    request.status = status
    _refresh_clocks(request, organization=organization)
    request.save()
    return request


def _message(*, organization, request, kind, body, author, interaction=None):
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write a message.")})
    return RequestMessage.objects.create(
        organization=organization,
        request=request,
        kind=kind,
        body=body,
        author=author,
        interaction=interaction,
    )


def request_reply(*, organization, request, author, body, then=Status.WAITING, files=()):
    """Email the client (with their status link), record it as an outbound interaction, stop the
    first-response clock. A reply the sending decision refuses is not saved: staff are told why
    (and may log a call instead). A client who chose SMS or WhatsApp is told by a text that
    there is an update, with the link (``_send``)."""
    decision = selectors.email_decision(organization=organization, request=request)
    text_channel = _text_channel(organization, request)
    # When a text goes, what stops the email doesn't matter.
    if not text_channel and decision.reason == Reason.NO_ADDRESS:
        raise ValidationError({"body": _("This client has no email address: log a call instead.")})
    if not text_channel and not decision:
        raise ValidationError(
            {
                "body": _("This reply can't be emailed: %(reason)s.")
                % {"reason": decision.reason_label}
            }
        )
    if request.status == Status.CLOSED:
        raise ValidationError({"body": _("This request is closed.")})
    checked = check_files(files)
    with transaction.atomic():
        now = _now()
        interaction = _interaction(
            organization=organization,
            request=request,
            staff=author,
            channel=text_channel or Channel.EMAIL,
            direction=Direction.OUTBOUND,
            subject=_("Service request #%(id)s: reply sent") % {"id": request.number},
        )
        message = _message(
            organization=organization,
            request=request,
            kind=MessageKind.REPLY,
            body=body,
            author=author,
            interaction=interaction,
        )
        _store_files(
            organization=organization,
            request=request,
            checked=checked,
            uploaded_by=author,
            message=message,
        )
        _stamp_first_response(request, organization=organization, at=now)
        if request.status == Status.NEW:
            request.status = Status.OPEN
        request.save()
        if then in (Status.WAITING, Status.OPEN) and then != request.status:
            request_set_status(
                organization=organization, request=request, status=then, actor=author
            )
        else:
            _refresh_clocks(request, organization=organization)
            request.save()
    _send(
        organization=organization,
        request=request,
        template="clients_reply",
        subject=lambda: _("About your request #%(id)s") % {"id": request.number},
        decision=decision,
        context={
            "request": request,
            "message": message,
            "status_link": status_url(organization=organization, request=request),
        },
        text=lambda: (
            _("%(org)s: your request #%(id)s has an update: %(url)s")
            % {
                "org": organization.name,
                "id": request.number,
                "url": status_url(organization=organization, request=request),
            }
        ),
        interaction=interaction,
    )
    return message


@transaction.atomic
def request_log_call(*, organization, request, author, body, direction=Direction.OUTBOUND):
    """A phone call about the request: an interaction on the timeline; an answered client
    counts as the first response."""
    interaction = _interaction(
        organization=organization,
        request=request,
        staff=author,
        channel=Channel.PHONE,
        direction=direction,
        subject=_("Service request #%(id)s: call") % {"id": request.number},
        initiated=direction == Direction.INBOUND,
    )
    message = _message(
        organization=organization,
        request=request,
        kind=MessageKind.CALL,
        body=body,
        author=author,
        interaction=interaction,
    )
    _stamp_first_response(request, organization=organization, at=message.created_at)
    if request.status == Status.NEW:
        request.status = Status.OPEN
    _refresh_clocks(request, organization=organization)
    request.save()
    return message


@transaction.atomic
def request_note(*, organization, request, author, body):
    """An internal note: for the team only, not an interaction with the client."""
    return _message(
        organization=organization, request=request, kind=MessageKind.NOTE, body=body, author=author
    )


@transaction.atomic
def request_client_message(*, organization, request, body, files=()):
    """The client adds a message from their status page: the request comes back to the team
    (a waiting clock resumes; a resolved request reopens)."""
    if request.status == Status.CLOSED:
        raise ValidationError({"body": _("This request is closed. Please send a new request.")})
    checked = check_files(files)
    interaction = _interaction(
        organization=organization,
        request=request,
        staff=None,
        channel=Channel.OTHER,
        direction=Direction.INBOUND,
        subject=_("Service request #%(id)s: message from the client") % {"id": request.number},
        initiated=True,
    )
    message = _message(
        organization=organization,
        request=request,
        kind=MessageKind.CLIENT,
        body=body,
        author=None,
        interaction=interaction,
    )
    _store_files(organization=organization, request=request, checked=checked, message=message)
    if request.status in (Status.WAITING, Status.RESOLVED):
        request_set_status(organization=organization, request=request, status=Status.OPEN)
    return message


def request_resolve(
    *, organization, request, actor, summary, resolution_action="", satisfaction_restored=None
):
    """Resolve a request. A complaint or service failure must say what was done to put it right
    and whether the client is satisfied again. The client is told, with a satisfaction survey."""
    errors = {}
    if request.status in (Status.RESOLVED, Status.CLOSED):
        errors["summary"] = [_("This request is already resolved.")]
    if not (summary or "").strip():
        errors["summary"] = [_("Tell the client how it was resolved.")]
    if request.kind in COMPLAINT_KINDS:
        if not (resolution_action or "").strip():
            errors["resolution_action"] = [_("Say what was done to put it right.")]
        if satisfaction_restored is None:
            errors["satisfaction_restored"] = [_("Say whether the client is satisfied again.")]
    if errors:
        raise ValidationError(errors)
    client_settings = selectors.client_settings(organization=organization)
    decision = selectors.email_decision(organization=organization, request=request)
    text_channel = _text_channel(organization, request)
    with transaction.atomic():
        now = _now()
        if request.status == Status.WAITING:
            _stop_waiting(request, now)
        interaction = _interaction(
            organization=organization,
            request=request,
            staff=actor,
            channel=text_channel or (Channel.EMAIL if decision else Channel.OTHER),
            direction=Direction.OUTBOUND,
            subject=_("Service request #%(id)s resolved") % {"id": request.number},
        )
        message = _message(
            organization=organization,
            request=request,
            kind=MessageKind.REPLY,
            body=summary,
            author=actor,
            interaction=interaction,
        )
        _stamp_first_response(request, organization=organization, at=now)
        request.resolved_at = now
        request.resolution_seconds = _working_seconds(request, organization=organization, until=now)
        request.resolution_breached = bool(
            request.resolution_due_at and now > request.resolution_due_at
        )
        request.resolution_action = (resolution_action or "").strip()
        request.satisfaction_restored = (
            satisfaction_restored if request.kind in COMPLAINT_KINDS else None
        )
        request.status = Status.RESOLVED
        _refresh_clocks(request, organization=organization)
        request.save()
        webhook_events.emit(
            organization=organization,
            type="request.resolved",
            data=lambda: request_event_data(request),
            contact=request.contact_id,
            roles=CLIENT_ROLES,
        )
    survey_link = ""
    # A survey rule on this touchpoint (the experience loop) asks instead, later, under the
    # person's survey cap: the resolution email then carries no question of its own.
    asked_by_a_rule = SurveyRule.objects.filter(
        organization=organization, touchpoint=REQUEST_RESOLVED_TOUCHPOINT, is_active=True
    ).exists()
    # A text carries no survey (it is short, and a link to a form is what phishing looks like).
    if (
        client_settings.csat_after_resolution
        and decision
        and not asked_by_a_rule
        and not text_channel
    ):
        # The survey rides on the resolution email but is not transactional: it has a decision
        # of its own (consent to surveys; do-not-contact stops it).
        survey = sending.decide(
            organization=organization, contact=request.contact, purpose=ConsentPurpose.SURVEYS
        )
        if survey:
            token = stakeholder_services.feedback_link_token(
                organization=organization, interaction=interaction
            )
            path = reverse(
                "stakeholders:feedback_public",
                kwargs={"org_slug": organization.slug, "token": token},
            )
            survey_link = f"{settings.SITE_URL.rstrip('/')}{path}"
        else:
            _message(
                organization=organization,
                request=request,
                kind=MessageKind.NOTE,
                author=None,
                body=_("No satisfaction survey was sent (%(reason)s).")
                % {"reason": survey.reason_label},
            )
    _send(
        organization=organization,
        request=request,
        template="clients_resolved",
        subject=lambda: _("Your request #%(id)s is resolved") % {"id": request.number},
        decision=decision,
        context={
            "request": request,
            "message": message,
            "survey_link": survey_link,
            "status_link": status_url(organization=organization, request=request),
        },
        text=lambda: (
            _("%(org)s: your request #%(id)s is resolved. See it here: %(url)s")
            % {
                "org": organization.name,
                "id": request.number,
                "url": status_url(organization=organization, request=request),
            }
        ),
        interaction=interaction,
    )
    return request


# --- Escalation --------------------------------------------------------------------------------


def _escalation_recipients(organization, request, level):
    """The staff users to tell (users, not addresses: each reads their own language)."""
    if level == 1 and request.assignee_id and request.assignee.email:
        return [request.assignee]
    lead = selectors.client_settings(organization=organization).team_lead
    if lead is not None:
        return [lead]
    return [
        membership.user
        for membership in Membership.objects.filter(
            organization=organization, role=Role.ADMIN
        ).select_related("user")
    ]


def escalate(*, organization, now=None):
    """Tell people about requests whose running clock is about to run out (the assignee, or the
    team lead when nobody is assigned), then the team lead once it has run out.

    Idempotent: each level is claimed with a conditional UPDATE before anyone is emailed, so a
    rerun or a second worker sends nothing twice.
    """
    now = now or _now()
    warn = timedelta(
        minutes=selectors.client_settings(organization=organization).warn_before_minutes
    )
    sent = 0
    active = ServiceRequest.objects.filter(organization=organization, status__in=ACTIVE_STATUSES)
    for level, cutoff in ((2, now), (1, now + warn)):
        for clock_field, column in (
            ("first_responded_at", "response_escalation"),
            (None, "resolution_escalation"),
        ):
            rows = active.filter(next_due_at__lte=cutoff, **{f"{column}__lt": level})
            if clock_field:
                rows = rows.filter(first_responded_at__isnull=True)
            else:
                rows = rows.filter(first_responded_at__isnull=False)
            for request_id in list(rows.values_list("pk", flat=True)[:500]):
                with transaction.atomic():
                    claimed = ServiceRequest.objects.filter(
                        organization=organization, pk=request_id, **{f"{column}__lt": level}
                    ).update(**{column: level})
                    if not claimed:
                        continue
                    request = selectors.request_get(
                        organization=organization, request_id=request_id
                    )
                    recipients = [
                        r for r in _escalation_recipients(organization, request, level) if r.email
                    ]
                if recipients:
                    sent += _send_escalation(organization, request, level, recipients)
    return sent


def _send_escalation(organization, request, level, recipients):
    """One email per staff member, each in their own interface language (else the
    organization's); ``recipients`` are users."""
    path = reverse(
        "clients:request_detail", kwargs={"org_slug": organization.slug, "request_id": request.pk}
    )
    messages = []
    for user in recipients:
        with reading_as(organization=organization, user=user):
            subject = (
                _("Breached: service request #%(id)s is past its target")
                if level == 2
                else _("Due soon: service request #%(id)s")
            ) % {"id": request.number}
            body = render_to_string(
                "emails/clients_escalation.txt",
                {
                    "organization": organization,
                    "request": request,
                    "level": level,
                    "link": f"{settings.SITE_URL.rstrip('/')}{path}",
                },
            )
        messages.append(
            EmailMultiAlternatives(
                subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[user.email]
            )
        )
    try:
        get_connection().send_messages(messages)
    except OSError:
        logger.exception("clients: escalation email for request %s failed", request.pk)
        return 0
    return 1


# --- Settings ------------------------------------------------------------------------------------


@transaction.atomic
def client_settings_save(*, organization, **fields):
    row, _created = ClientSettings.objects.get_or_create(organization=organization)
    if "team_lead" in fields:
        _check_member(organization, fields["team_lead"], "team_lead")
    for name, value in fields.items():
        setattr(row, name, value)
    row.save()
    refresh_open_clocks(organization=organization)
    return row


def refresh_open_clocks(*, organization):
    """After targets, hours or holidays change: recompute the deadlines of open requests."""
    calendar = selectors.calendar_for(organization=organization)
    rows = ServiceRequest.objects.filter(
        organization=organization, status__in=[*ACTIVE_STATUSES, Status.WAITING]
    )
    changed = []
    for request in rows.iterator(chunk_size=500):
        _refresh_clocks(request, organization=organization, calendar=calendar)
        changed.append(request)
        if len(changed) >= 500:
            ServiceRequest.objects.bulk_update(
                changed, ["first_response_due_at", "resolution_due_at", "next_due_at"]
            )
            changed = []
    if changed:
        ServiceRequest.objects.bulk_update(
            changed, ["first_response_due_at", "resolution_due_at", "next_due_at"]
        )


# --- Access log --------------------------------------------------------------------------------


def access_record(*, organization, user, objects, action, path):
    """Write who read which client records (one row each). ``objects``: (kind, id, contact_id).

    One INSERT from arrays: a 50-row page read is 50 rows written, and as model instances they
    were a third of the API page's time."""
    if not objects:
        return
    kinds, ids, contact_ids = (list(column) for column in zip(*objects, strict=True))
    table = connection.ops.quote_name(AccessLog._meta.db_table)
    with connections[router.db_for_write(AccessLog)].cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} "  # noqa: S608 (the model's own table name)
            "(organization_id, user_id, object_kind, object_id, contact_id, action, path, at) "
            "SELECT %s, %s, kind, id, contact, %s, %s, %s "
            "FROM unnest(%s::varchar[], %s::bigint[], %s::bigint[]) AS t(kind, id, contact)",
            [
                organization.pk,
                getattr(user, "pk", None),
                action,
                (path or "")[:300],
                timezone.now(),
                kinds,
                ids,
                contact_ids,
            ],
        )


# --- Help centre -------------------------------------------------------------------------------


@transaction.atomic
def article_save(*, organization, article, actor):
    """Save an article and its search vector (title weighs most, then summary, then text), in
    the organization's language."""
    _check_same_organization(organization, category=article.category)
    article.organization = organization
    article.updated_by = actor
    try:
        article.full_clean(exclude=["organization", "category", "updated_by"])
    except ValidationError as error:
        raise ValidationError(error.message_dict) from error
    article.save()
    articles_reindex(organization=organization, article_ids=[article.pk])
    return article


def articles_reindex(*, organization, article_ids=None):
    """The search vectors of the organization's articles (or these), each version in its own
    language's text search configuration: one statement, and one more per article written in a
    script without spaces between words."""
    articles = Article.objects.filter(organization=organization)
    if article_ids is not None:
        articles = articles.filter(pk__in=article_ids)
    unspaced = articles.filter(
        Q(title__regex=text.UNSPACED.pattern)
        | Q(summary__regex=text.UNSPACED.pattern)
        | Q(body__regex=text.UNSPACED.pattern)
    )
    config = selectors.regconfig_of_row()
    count = articles.exclude(pk__in=unspaced.values("pk")).update(
        search_vector=SearchVector("title", weight="A", config=config)
        + SearchVector("summary", weight="B", config=config)
        + SearchVector("body", weight="C", config=config)
    )
    # Khmer (and Thai, Lao, Myanmar) have no spaces between words: ICU finds the words first.
    for article in unspaced.only("pk", "language", "title", "summary", "body"):
        language = article.language or organization.language
        config = selectors.regconfig_for_language(language)
        fields = [
            (text.spaced(getattr(article, name), language), weight)
            for name, weight in (("title", "A"), ("summary", "B"), ("body", "C"))
        ]
        vector = SearchVector(Value(fields[0][0]), weight=fields[0][1], config=config)
        for value, weight in fields[1:]:
            vector += SearchVector(Value(value), weight=weight, config=config)
        count += Article.objects.filter(pk=article.pk).update(search_vector=vector)
    return count


@transaction.atomic
def article_translation_add(*, organization, article, language, actor):
    """A version of ``article`` in ``language``, starting as a copy of the original's text (and
    unpublished until the translator publishes it), indexed in its own language."""
    _check_same_organization(organization, article=article)
    version = translation_add(
        article,
        language=language,
        is_published=False,
        updated_by=actor,
        helpful_count=0,
        unhelpful_count=0,
        deflection_count=0,
        search_vector=None,
    )
    articles_reindex(organization=organization, article_ids=[version.pk])
    return version


def organization_changed(*, organization, changed):
    """A new language means new stemming rules: the help centre is reindexed."""
    if "language" in changed:
        from clients import tasks

        tasks.reindex_articles.delay_on_commit(organization_id=organization.pk)


@transaction.atomic
def article_vote(*, organization, article, helpful, deflected=False):
    ArticleVote.objects.create(
        organization=organization, article=article.root, helpful=helpful, deflected=deflected
    )
    counter = "helpful_count" if helpful else "unhelpful_count"
    updates = {counter: F(counter) + 1}
    if deflected:
        updates["deflection_count"] = F("deflection_count") + 1
    # A version's votes count on its original (the article; lists and reports show originals).
    Article.objects.filter(organization=organization, pk=article.root.pk).update(**updates)


HELP_SEARCH_UPSERT = """
    INSERT INTO clients_helpsearch
        (organization_id, query, results, day, visitor, searches, created_at)
    VALUES (%s, %s, %s, %s, %s, 1, %s)
    ON CONFLICT (organization_id, day, visitor, query) WHERE visitor <> ''
    DO UPDATE SET searches = clients_helpsearch.searches + 1, results = EXCLUDED.results
"""


def normalise_query(query):
    """A search as the unmet-needs report counts it: case, compatibility forms and spacing
    folded (combining signs, as in Khmer, are kept)."""
    return " ".join(unicodedata.normalize("NFKC", query or "").casefold().split())[:200]


def help_visitor(*, address, day):
    """Who searched, for counting only: a keyed hash of their address that changes every day,
    so rows of two days can't be linked and the address itself is never stored."""
    return salted_hmac("steward.clients.help-visitor", f"{day}|{address}").hexdigest()[:32]


def help_search(*, organization, query, visitor=None, language=None):
    """Search the help centre (versions in the reader's ``language``) and remember what was
    asked (unmet needs when nothing is found): one row per normalised query per ``visitor`` per
    day, repeats counted on it. Without a visitor (the caller's limits say it has logged enough
    from them) nothing is written."""
    query = " ".join((query or "").split())[:200]
    results = selectors.article_search(
        organization=organization, query=query, limit=20, language=language
    )
    normalised = normalise_query(query)
    if visitor and normalised:
        now = _now()
        with connection.cursor() as cursor:
            cursor.execute(
                HELP_SEARCH_UPSERT,
                [
                    organization.pk,
                    normalised,
                    len(results),
                    timezone.localdate(now),
                    visitor,
                    now,
                ],
            )
    return results


# --- Service records -------------------------------------------------------------------------


@transaction.atomic
def service_record_add(
    *, organization, contact, programme, delivered_on, quantity, staff, notes=""
):
    _check_same_organization(organization, contact=contact, programme=programme)
    record = ServiceRecord(
        organization=organization,
        contact=contact,
        programme=programme,
        delivered_on=delivered_on,
        quantity=quantity,
        staff=staff,
        notes=(notes or "").strip(),
    )
    try:
        record.full_clean(exclude=["organization", "contact", "programme", "staff"])
    except ValidationError as error:
        raise ValidationError(error.message_dict) from error
    if delivered_on and delivered_on > timezone.localdate() + timedelta(days=1):
        raise ValidationError({"delivered_on": _("A service can't be delivered in the future.")})
    record.save()
    stakeholder_services.contact_set_role(
        organization=organization, contact_id=contact.pk, role="client"
    )
    return record


@transaction.atomic
def completion_record(
    *, organization, contact, programme, completed_on=None, consent=None, actor=None
):
    """A client completed a programme (the participation thank-you thanks it, if they agree).
    ``consent`` True/False records their answer about being thanked; None leaves it as it is."""
    _check_same_organization(organization, contact=contact, programme=programme)
    completion, _created = ProgrammeCompletion.objects.get_or_create(
        organization=organization,
        contact=contact,
        programme=programme,
        defaults={"completed_on": completed_on or timezone.localdate()},
    )
    if consent is not None:
        stakeholder_services.consent_record(
            organization=organization,
            contact=contact,
            channel=ConsentChannel.EMAIL,
            purpose=ConsentPurpose.THANK_YOUS,
            granted=consent,
            source=ConsentSource.STAFF,
            # Every role reads consent rows: the words name no programme (that is casework).
            wording=_("Asked by staff: may we send them a thank-you?"),
            recorded_by=actor,
        )
    return completion


@transaction.atomic
def attendance_record(*, organization, session, present_ids, absent_ids=(), actor=None):
    """Mark who attended a session; a client who reaches the programme's number of sessions
    completes it."""
    programme = session.programme
    contacts = {
        c.pk: c
        for c in stakeholder_selectors.contacts_active(organization=organization).filter(
            pk__in=[*present_ids, *absent_ids]
        )
    }
    for contact_id, status in [(i, Attendance.Status.ATTENDED) for i in present_ids] + [
        (i, Attendance.Status.ABSENT) for i in absent_ids
    ]:
        contact = contacts.get(contact_id)
        if contact is None:
            raise ValidationError({"contacts": _("Choose clients of your organization.")})
        Attendance.objects.update_or_create(
            organization=organization, session=session, contact=contact, defaults={"status": status}
        )
        stakeholder_services.contact_set_role(
            organization=organization, contact_id=contact.pk, role="client"
        )
        if (
            status == Attendance.Status.ATTENDED
            and programme.sessions_to_complete
            and selectors.attended_sessions(
                organization=organization, contact=contact, programme=programme
            )
            >= programme.sessions_to_complete
        ):
            completion_record(
                organization=organization,
                contact=contact,
                programme=programme,
                completed_on=timezone.localdate(session.starts_at),
            )
