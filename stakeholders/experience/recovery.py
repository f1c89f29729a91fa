"""Service recovery: a low score or a complaint opens a case with an owner and a working-time
clock, until the person says whether it is put right.

- ``case_open_for_feedback`` / ``case_open_for_complaint`` open a case (once per score and per
  complaint; a second low score about the same thing adds to the open case instead).
- The case belongs to an **area** (``registry.areas``: donor, volunteer, client or general),
  found from the thing it is about; only staff whose role sees that area see the case.
- Its owner is the area's usual owner (``Area.owner``), else the person's relationship manager
  (when they may see the area), else the first admin.
- ``respond_by`` and ``resolve_by`` are working-time deadlines (``stakeholders.clock``);
  ``cases_escalate`` tells ``escalate_to`` (else the admins) once about a case that missed one.
- Staff note what they did, hand the case on, ask the person "Is this put right?" (an email with
  a signed link to ``recovery_answer``) or close it by hand with a note.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Case, DateTimeField, F, IntegerField, Q, Value, When
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stakeholders import branding, clock, selectors, sending
from stakeholders.experience.models import ExperienceSettings, RecoveryAction, RecoveryCase
from stakeholders.experience.registry import GENERAL, areas, touchpoints
from stakeholders.languages import reading_as
from stakeholders.models import Contact, FeedbackMeasure, Membership, Role, User
from stakeholders.tenancy import links

logger = logging.getLogger(__name__)

Status = RecoveryCase.Status
Kind = RecoveryAction.Kind

# Cases someone must still act on: open, waiting for the person's answer, or answered "not put
# right" (the answer closes the question, not the problem: it stays in the owner's list).
ATTENTION_STATUSES = (Status.OPEN, Status.ASKED, Status.NOT_RESTORED)
# Cases whose clock runs (and may escalate).
RUNNING_STATUSES = RecoveryCase.OPEN_STATUSES

# Staff roles that work recovery cases (the viewer sees none: no area lists it).
CASE_ROLES = (Role.ADMIN, Role.FUNDRAISER, Role.VOLUNTEER_COORDINATOR, Role.CASEWORKER)

ANSWER_SALT = "steward.recovery.answer"
ANSWER_MAX_AGE = timedelta(days=60)

GENERAL_LABEL = gettext_lazy("General")


# --- Settings and thresholds --------------------------------------------------------------------


def experience_settings(*, organization):
    """The organization's settings row, or an unsaved one with the defaults (CSAT ≤ 2, CES ≥ 5,
    NPS ≤ 6; 4 and 24 working hours)."""
    row = ExperienceSettings.objects.filter(organization=organization).first()
    return row or ExperienceSettings(organization=organization)


def is_low_score(*, organization, measure, score, settings_row=None):
    """Whether ``score`` on ``measure`` is low enough to open a recovery case."""
    row = settings_row or experience_settings(organization=organization)
    if measure == FeedbackMeasure.CSAT:
        return score <= row.low_csat
    if measure == FeedbackMeasure.CES:
        return score >= row.high_ces
    if measure == FeedbackMeasure.NPS:
        return score <= row.low_nps
    return False


# --- Areas ----------------------------------------------------------------------------------------


def area_label(key):
    area = areas.get(key)
    return GENERAL_LABEL if area.key == GENERAL else area.label


def area_choices(*, role):
    """(key, label) of the areas a member with ``role`` sees, general last."""
    keys = areas.visible_to(role)
    ordered = [key for key in keys if key != GENERAL] + [key for key in keys if key == GENERAL]
    return [(key, area_label(key)) for key in ordered]


def _app_areas():
    """{app label: area key} from what each feature app registered: the module of its area's
    owner function, and the prefix of its touchpoints ("volunteers.shift_completed")."""
    found = {}
    for area in areas:
        if area.owner is not None and area.key != GENERAL:
            found.setdefault(area.owner.__module__.split(".")[0], area.key)
    for touchpoint in touchpoints:
        if "." in touchpoint.key:
            found.setdefault(touchpoint.key.split(".")[0], touchpoint.area)
    return found


def area_for(*, related_kind="", touchpoint=""):
    """The area of a case about ``related_kind`` ("clients.request" → the client area: the app
    named before the dot registered it) or about a survey's ``touchpoint``; else general."""
    if touchpoint and (found := touchpoints.get(touchpoint)) is not None:
        return areas.get(found.area).key
    if related_kind:
        key = _app_areas().get(related_kind.split(".")[0])
        if key:
            return areas.get(key).key
    return GENERAL


def _feedback_area(feedback):
    touchpoint = ""
    if feedback.invitation_id:
        from stakeholders.experience.models import SurveyInvitation

        touchpoint = (
            SurveyInvitation.objects.filter(
                organization=feedback.organization_id, pk=feedback.invitation_id
            )
            .values_list("rule__touchpoint", flat=True)
            .first()
            or ""
        )
    related_kind = feedback.related_kind
    if not related_kind and feedback.interaction_id:
        related_kind = feedback.interaction.related_kind
    return area_for(related_kind=related_kind, touchpoint=touchpoint)


# --- Owners ---------------------------------------------------------------------------------------


def may_see(*, organization, user, area):
    """Whether ``user`` is a member whose role sees ``area``."""
    if user is None:
        return False
    return Membership.objects.filter(
        organization=organization, user=user, role__in=areas.get(area).roles
    ).exists()


def owner_choices(*, organization, area):
    """The members who may own a case of ``area``."""
    return (
        User.objects.filter(
            memberships__organization=organization,
            memberships__role__in=areas.get(area).roles,
        )
        .order_by("name", "email")
        .distinct()
    )


def _first_admin(organization):
    membership = (
        Membership.objects.filter(organization=organization, role=Role.ADMIN)
        .select_related("user")
        .order_by("created_at", "pk")
        .first()
    )
    return membership.user if membership else None


def case_owner_for(*, organization, contact, area, related_kind="", related_id=None):
    """The area's usual owner, else the relationship manager (when they may see the area),
    else the first admin."""
    usual = areas.get(area).owner
    if usual is not None:
        user = usual(
            organization=organization,
            contact=contact,
            related_kind=related_kind,
            related_id=related_id,
        )
        if may_see(organization=organization, user=user, area=area):
            return user
    manager = contact.relationship_manager
    if may_see(organization=organization, user=manager, area=area):
        return manager
    return _first_admin(organization)


# --- The clock ------------------------------------------------------------------------------------


def _deadlines(organization, opened_at, settings_row):
    calendar = selectors.calendar_for(organization=organization)
    return (
        clock.deadline(calendar, opened_at, timedelta(hours=settings_row.recovery_respond_hours)),
        clock.deadline(calendar, opened_at, timedelta(hours=settings_row.recovery_resolve_hours)),
    )


def next_due(case):
    """The running clock's deadline: first action, then put right; None once it stops."""
    if case.status not in RUNNING_STATUSES:
        return None
    return case.respond_by if case.first_action_at is None else case.resolve_by


def time_left(*, calendar, case, now=None):
    """Working time left on the running clock (negative: overdue by that much working time),
    or None when no clock runs."""
    due = next_due(case)
    if due is None:
        return None
    now = now or timezone.now()
    if due <= now:
        return -clock.elapsed(calendar, due, now)
    return clock.elapsed(calendar, now, due)


# --- Opening a case -------------------------------------------------------------------------------


def _open(*, organization, contact, area, summary, opened_at, **links_to):
    settings_row = experience_settings(organization=organization)
    respond_by, resolve_by = _deadlines(organization, opened_at, settings_row)
    return RecoveryCase.objects.create(
        organization=organization,
        contact=contact,
        area=area,
        summary=summary[:300],
        owner=case_owner_for(
            organization=organization,
            contact=contact,
            area=area,
            related_kind=links_to.get("related_kind", ""),
            related_id=links_to.get("related_id"),
        ),
        opened_at=opened_at,
        respond_by=respond_by,
        resolve_by=resolve_by,
        **links_to,
    )


def _score_summary(feedback):
    """What went wrong, in the organization's language: the score and the person's words."""
    with reading_as(organization=feedback.organization):
        text = _("%(measure)s score: %(score)s") % {
            "measure": FeedbackMeasure(feedback.measure).label,
            "score": feedback.score,
        }
    comment = " ".join(feedback.comment.split())
    return f"{text} — {comment}" if comment else text


@transaction.atomic
def case_open_for_feedback(*, organization, feedback):
    """Open a recovery case when ``feedback`` is a low score (the organization's thresholds).

    Once per score; when the person already has an open case about the same thing, the score
    is added to that case's history instead. Returns the case, or None for a score that is
    not low."""
    if not is_low_score(organization=organization, measure=feedback.measure, score=feedback.score):
        return None
    existing = RecoveryCase.objects.filter(organization=organization, feedback=feedback).first()
    if existing is not None:
        return existing
    contact = Contact.objects.select_for_update().get(
        organization=organization, pk=feedback.contact_id
    )
    related_kind, related_id = feedback.related_kind, feedback.related_id
    if not related_kind and feedback.interaction_id:
        related_kind = feedback.interaction.related_kind
        related_id = feedback.interaction.related_id
    summary = _score_summary(feedback)
    open_case = (
        RecoveryCase.objects.filter(
            organization=organization,
            contact=contact,
            related_kind=related_kind,
            related_id=related_id,
            status__in=ATTENTION_STATUSES,
        )
        .order_by("-opened_at", "-pk")
        .first()
    )
    if open_case is not None:
        with reading_as(organization=organization):
            note = _("Another low score: %(summary)s") % {"summary": summary}
        RecoveryAction.objects.create(
            organization=organization, case=open_case, kind=Kind.NOTE, note=note
        )
        return open_case
    return _open(
        organization=organization,
        contact=contact,
        area=_feedback_area(feedback),
        summary=summary,
        opened_at=feedback.created_at,
        feedback=feedback,
        related_kind=related_kind,
        related_id=related_id,
    )


@transaction.atomic
def case_open_for_complaint(*, organization, interaction):
    """Open a recovery case for an interaction logged as a complaint (once per complaint)."""
    existing = RecoveryCase.objects.filter(
        organization=organization, interaction=interaction
    ).first()
    if existing is not None:
        return existing
    contact = Contact.objects.get(organization=organization, pk=interaction.contact_id)
    summary = interaction.subject
    notes = " ".join(interaction.notes.split())
    if notes:
        summary = f"{summary} — {notes}"
    return _open(
        organization=organization,
        contact=contact,
        area=area_for(related_kind=interaction.related_kind),
        summary=summary,
        opened_at=interaction.created_at or timezone.now(),
        interaction=interaction,
        related_kind=interaction.related_kind,
        related_id=interaction.related_id,
    )


# --- Reading cases --------------------------------------------------------------------------------


def cases_visible(*, organization, role):
    """The cases of the areas ``role`` sees (none for a role that sees no area)."""
    return RecoveryCase.objects.filter(organization=organization, area__in=areas.visible_to(role))


def _urgency(queryset):
    """Cases needing attention first, the running clock's deadline soonest; then the rest,
    newest first."""
    return queryset.annotate(
        attention=Case(
            When(status__in=ATTENTION_STATUSES, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        due=Case(
            When(status__in=RUNNING_STATUSES, first_action_at__isnull=True, then=F("respond_by")),
            When(status__in=RUNNING_STATUSES, then=F("resolve_by")),
            default=None,
            output_field=DateTimeField(),
        ),
    ).order_by("attention", F("due").asc(nulls_last=True), "-opened_at", "-pk")


def cases_list(*, organization, role, user=None, mine=False, area="", status=""):
    """Cases ``role`` may see, filtered (``status``: one status, or "attention" for every case
    someone must still act on), most urgent first."""
    rows = cases_visible(organization=organization, role=role).select_related("contact", "owner")
    if mine:
        rows = rows.filter(owner=user)
    if area:
        rows = rows.filter(area=area)
    if status == "attention":
        rows = rows.filter(status__in=ATTENTION_STATUSES)
    elif status:
        rows = rows.filter(status=status)
    return _urgency(rows)


def case_get(*, organization, role, case_id):
    """The case, if ``role`` may see it; else None (the page answers 404)."""
    return (
        cases_visible(organization=organization, role=role)
        .select_related("contact", "owner", "feedback", "interaction")
        .filter(pk=case_id)
        .first()
    )


def case_actions(*, organization, case):
    return RecoveryAction.objects.filter(organization=organization, case=case).select_related(
        "actor"
    )


def cases_for_contact(*, organization, role, contact):
    return _urgency(
        cases_visible(organization=organization, role=role)
        .filter(contact=contact)
        .select_related("owner")
    )


def my_open_cases(*, organization, role, user, limit=3):
    """(how many cases the user owns that need attention, the most urgent ``limit``)."""
    rows = cases_list(organization=organization, role=role, user=user, mine=True).filter(
        status__in=ATTENTION_STATUSES
    )
    return rows.count(), list(rows.select_related("contact")[:limit])


def ask_decision(*, organization, case):
    """Whether "Is this put right?" may be emailed to the person (do-not-contact stops it)."""
    return sending.decide(
        organization=organization,
        contact=case.contact,
        transactional=sending.Transactional.SERVICE,
    )


# --- Working a case -------------------------------------------------------------------------------


def _check_workable(case):
    if case.status not in ATTENTION_STATUSES:
        raise ValidationError(_("This case is closed."))


def _lock(organization, case):
    return RecoveryCase.objects.select_for_update().get(organization=organization, pk=case.pk)


def _first_action(case, at):
    if case.first_action_at is None:
        case.first_action_at = at
        return ["first_action_at"]
    return []


@transaction.atomic
def case_add_note(*, organization, case, actor, note):
    """Record what was done; the first one stops the first-action clock."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say what was done.")})
    case = _lock(organization, case)
    _check_workable(case)
    now = timezone.now()
    changed = _first_action(case, now)
    if changed:
        case.save(update_fields=changed)
    return RecoveryAction.objects.create(
        organization=organization,
        case=case,
        kind=Kind.NOTE,
        note=note,
        actor=actor,
        occurred_at=now,
    )


@transaction.atomic
def case_reassign(*, organization, case, owner, actor):
    """Hand the case to another member who may see its area."""
    if owner is None or not may_see(organization=organization, user=owner, area=case.area):
        raise ValidationError(
            {"owner": _("Choose a member of your organization who may see these cases.")}
        )
    case = _lock(organization, case)
    _check_workable(case)
    if case.owner_id == owner.pk:
        raise ValidationError({"owner": _("This member owns the case already.")})
    previous = case.owner
    case.owner = owner
    case.save(update_fields=["owner"])
    with reading_as(organization=organization):
        note = _("From %(previous)s to %(owner)s") % {
            "previous": previous or _("nobody"),
            "owner": owner,
        }
    RecoveryAction.objects.create(
        organization=organization, case=case, kind=Kind.REASSIGNED, note=note, actor=actor
    )
    return case


def answer_token(*, organization, case):
    return links.sign(organization=organization, salt=ANSWER_SALT, c=case.pk)


def answer_url(*, organization, case):
    return links.absolute_url(
        organization=organization,
        url_name="experience:recovery_answer",
        recovery_token=answer_token(organization=organization, case=case),
    )


def case_ask(*, organization, case, actor):
    """Email the person "Is this put right?" in their language, with a link to answer.

    The question is part of the service they complained about (transactional), so it needs no
    consent, but do-not-contact stops it. Returns the sending Decision: when it is not allowed,
    nothing is sent and the case stays as it was (staff may close it by hand)."""
    with transaction.atomic():
        case = _lock(organization, case)
        _check_workable(case)
        contact = Contact.objects.get(organization=organization, pk=case.contact_id)
        case.contact = contact
        decision = ask_decision(organization=organization, case=case)
        if not decision:
            return decision
        now = timezone.now()
        case.status = Status.ASKED
        case.asked_at = now
        case.closed_at = None
        case.save(update_fields=["status", "asked_at", "closed_at", *_first_action(case, now)])
        RecoveryAction.objects.create(
            organization=organization, case=case, kind=Kind.ASKED, actor=actor, occurred_at=now
        )
        link = answer_url(organization=organization, case=case)
    with reading_as(organization=organization, contact=contact):
        body = render_to_string(
            "emails/recovery_ask.txt",
            {"organization": organization, "contact": contact, "link": link},
        )
        message = branding.email_message(
            organization=organization,
            subject=_("Is this put right?"),
            body=body,
            to=[contact.email],
        )
    try:
        message.send()
    except OSError:
        logger.exception("recovery: question to contact %s failed", contact.pk)
    return decision


def case_for_token(*, organization, token):
    """The case a "put right?" link is about, or None (tampered with, expired, another
    organization's, or the case is gone)."""
    data = links.unsign(
        organization=organization, token=token, salt=ANSWER_SALT, max_age=ANSWER_MAX_AGE
    )
    if data is None:
        return None
    return RecoveryCase.objects.filter(organization=organization, pk=data.get("c")).first()


def case_answer(*, organization, token, restored, comment=""):
    """The person's answer through their link: put right (the case closes as restored) or not
    (it closes the question as not restored and stays on the owner's list; the owner hears)."""
    with transaction.atomic():
        found = case_for_token(organization=organization, token=token)
        if found is None:
            raise ValidationError(_("This link is not valid or has expired."))
        case = _lock(organization, found)
        if case.status != Status.ASKED:
            raise ValidationError(_("This question was answered already."))
        now = timezone.now()
        case.status = Status.RESTORED if restored else Status.NOT_RESTORED
        case.closed_at = now
        case.save(update_fields=["status", "closed_at"])
        RecoveryAction.objects.create(
            organization=organization,
            case=case,
            kind=Kind.ANSWER,
            note=(comment or "").strip(),
            occurred_at=now,
        )
    if not restored and case.owner is not None and case.owner.email:
        _tell_staff(
            organization=organization,
            case=case,
            recipients=[case.owner],
            template="emails/recovery_not_restored.txt",
            subject=lambda: _("Not put right yet: recovery case #%(id)s") % {"id": case.pk},
        )
    return case


@transaction.atomic
def case_close(*, organization, case, actor, note):
    """Close a case without the person's answer (they can't be asked, or did not answer)."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say why the case is closed.")})
    case = _lock(organization, case)
    _check_workable(case)
    now = timezone.now()
    case.status = Status.CLOSED
    case.closed_at = now
    case.save(update_fields=["status", "closed_at", *_first_action(case, now)])
    RecoveryAction.objects.create(
        organization=organization,
        case=case,
        kind=Kind.CLOSED,
        note=note,
        actor=actor,
        occurred_at=now,
    )
    return case


# --- Escalation -----------------------------------------------------------------------------------


def _escalation_recipients(organization):
    target = experience_settings(organization=organization).escalate_to
    if (
        target is not None
        and Membership.objects.filter(organization=organization, user=target).exists()
    ):
        return [target]
    return [
        membership.user
        for membership in Membership.objects.filter(
            organization=organization, role=Role.ADMIN
        ).select_related("user")
    ]


def cases_overdue(*, organization, now):
    """Running cases past their first-action deadline with nothing done, or past their
    put-right deadline, not escalated yet."""
    return RecoveryCase.objects.filter(
        organization=organization, status__in=RUNNING_STATUSES, escalated_at__isnull=True
    ).filter(Q(first_action_at__isnull=True, respond_by__lte=now) | Q(resolve_by__lte=now))


def cases_escalate(*, organization, now=None):
    """Escalate each overdue case once: the claim is a conditional UPDATE, so a doubled beat or
    a second worker finds it taken and sends nothing. Returns how many were escalated."""
    now = now or timezone.now()
    recipients = None
    escalated = 0
    for case_id in list(
        cases_overdue(organization=organization, now=now).values_list("pk", flat=True)[:500]
    ):
        with transaction.atomic():
            claimed = RecoveryCase.objects.filter(
                organization=organization, pk=case_id, escalated_at__isnull=True
            ).update(escalated_at=now)
            if not claimed:
                continue
            case = RecoveryCase.objects.select_related("owner").get(
                organization=organization, pk=case_id
            )
            missed = case.respond_by if case.first_action_at is None else case.resolve_by
            with reading_as(organization=organization):
                note = (
                    _("No first action by the deadline.")
                    if case.first_action_at is None
                    else _("Not put right by the deadline.")
                )
            RecoveryAction.objects.create(
                organization=organization,
                case=case,
                kind=Kind.ESCALATED,
                note=note,
                occurred_at=now,
            )
        escalated += 1
        if recipients is None:
            recipients = [r for r in _escalation_recipients(organization) if r.email]
        if recipients:
            _tell_staff(
                organization=organization,
                case=case,
                recipients=recipients,
                template="emails/recovery_escalation.txt",
                subject=lambda case=case: _("Overdue: recovery case #%(id)s") % {"id": case.pk},
                extra={"missed": missed, "first_action": case.first_action_at is None},
            )
    return escalated


def _tell_staff(*, organization, case, recipients, template, subject, extra=None):
    """One email per staff member, in their own language, with a link and no details about the
    person (the link opens them for those allowed to see)."""
    link = links.absolute_url(
        organization=organization, url_name="experience:recovery_detail", case_id=case.pk
    )
    messages = []
    for user in recipients:
        with reading_as(organization=organization, user=user):
            body = render_to_string(
                template,
                {"organization": organization, "case": case, "link": link, **(extra or {})},
            )
            messages.append(
                EmailMultiAlternatives(
                    subject=str(subject()),
                    body=body,
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    to=[user.email],
                )
            )
    try:
        get_connection().send_messages(messages)
    except OSError:
        logger.exception("recovery: staff email about case %s failed", case.pk)
        return 0
    return len(messages)


# --- The person's timeline ------------------------------------------------------------------------


def timeline_rows(*, organization, contact, before, channel, role):
    """A case opened about the person, in the areas ``role`` sees (the timeline's one query)."""
    from stakeholders.registries import older_than
    from stakeholders.registries import timeline_rows as rows_for_timeline

    rows = (
        cases_visible(organization=organization, role=role)
        .filter(contact=contact)
        .filter(older_than(before, "recovery", at="opened_at"))
        .order_by("-opened_at", "-id")
    )
    return rows_for_timeline(rows, at="opened_at", data={"summary": "summary", "status": "status"})


def timeline_event(organization, occurred_at, key, data):
    from django.urls import reverse

    from stakeholders.registries import TimelineEvent

    return TimelineEvent(
        kind="recovery",
        occurred_at=occurred_at,
        key=key,
        title=_("Recovery case opened"),
        body=data["summary"],
        badge=str(dict(Status.choices).get(data["status"], data["status"])),
        url=reverse(
            "experience:recovery_detail",
            kwargs={"org_slug": organization.slug, "case_id": key},
        ),
    )
