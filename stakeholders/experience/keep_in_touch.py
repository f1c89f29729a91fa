"""Keep-in-touch steps: something done for each person who has been at a journey stage for a
while — a personal task for a member of staff, or an email in the person's language.

Exactly once per person, step and stay in a stage: the runner first writes one
``KeepInTouchRun`` per (step, contact, stage_entered_at) with ``bulk_create(ignore_conflicts=
True)`` on the unique constraint, so a doubled beat or a second worker writes nothing twice; an
email is then claimed (``sending``, with the moment in ``done_at``) under ``SKIP LOCKED`` and
committed before it goes. A worker killed while sending leaves the row ``sending``: after
``STUCK_AFTER`` it becomes ``failed`` and is never sent again (a second email is worse than none).

Only stays that began after the step was switched on (``created_at``) count, so switching a step
on never floods the people already at the stage.
"""

import logging
import re
from collections import Counter
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from stakeholders import branding, sending
from stakeholders import services as stakeholder_services
from stakeholders.experience.registry import GENERAL, areas, journeys
from stakeholders.languages import language_for, reading_as
from stakeholders.models import (
    Channel,
    ConsentChannel,
    ConsentPurpose,
    Contact,
    Direction,
    ExperienceSettings,
    JourneyPosition,
    JourneyStageSetting,
    KeepInTouchRun,
    KeepInTouchStep,
    Membership,
    Role,
)
from stakeholders.registries import restricted_contact_roles
from stakeholders.sending import Reason

logger = logging.getLogger(__name__)

Status = KeepInTouchRun.Status
Action = KeepInTouchStep.Action

CHUNK = 200
STUCK_AFTER = timedelta(minutes=15)
INTERRUPTED = "interrupted"  # a run's reason when its worker died while sending
SEND_ERROR = "send error"

# What an email of each area is sent for: donors and volunteers said "yes" to hearing from us; a
# client's check-in about the service they had is like a survey (silence is consent).
PURPOSES = {
    "donor": ConsentPurpose.DONOR_UPDATES,
    "volunteer": ConsentPurpose.VOLUNTEER_NEWS,
    "client": ConsentPurpose.SURVEYS,
    GENERAL: ConsentPurpose.SURVEYS,
}

# Reasons a preview counts people out by (the sending rules, grouped as staff read them).
NEVER = (Reason.MERGED, Reason.ERASED, Reason.DECEASED, Reason.DO_NOT_CONTACT)

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def interaction_kind(area):
    """``related_kind`` of what a step logs on the timeline: walled like its area (a client's
    check-in is read by the roles that see clients only; see ``registry.Areas.register``)."""
    return f"experience.keep_in_touch.{area}"


def purpose_for(area):
    return PURPOSES.get(area, ConsentPurpose.SURVEYS)


def cap_days(*, organization):
    row = ExperienceSettings.objects.filter(organization=organization).first()
    if row is not None:
        return row.keep_in_touch_cap_days
    return ExperienceSettings._meta.get_field("keep_in_touch_cap_days").default


def fill(text, fields):
    """``text`` with ``{name}`` replaced by ``fields[name]``; an unknown or stray brace stays
    as written (staff text is never run through ``str.format``)."""

    def replace(match):
        value = fields.get(match.group(1))
        return match.group(0) if value is None else str(value)

    return PLACEHOLDER.sub(replace, text or "")


# --- Selectors --------------------------------------------------------------------------------


def journeys_for(role):
    """The journeys a member with ``role`` may see (their area's roles), in registry order."""
    return journeys.visible_to(role)


def stage_labels(*, organization):
    """{(journey, stage): label}: the organization's own names, else the registry's."""
    labels = {
        (journey.key, stage.key): str(stage.label)
        for journey in journeys
        for stage in journey.stages
    }
    for journey, stage, label in JourneyStageSetting.objects.filter(
        organization=organization
    ).values_list("journey", "stage", "label"):
        if label:
            labels[(journey, stage)] = label
    return labels


def steps_visible(*, organization, role):
    keys = [journey.key for journey in journeys_for(role)]
    return KeepInTouchStep.objects.filter(organization=organization, journey__in=keys)


def steps_by_journey(*, organization, role):
    """[(journey, [step, …])] for the journeys ``role`` sees, each step with ``stage_label``
    and its ``open_tasks``, ``done`` (done or sent) and ``skipped`` (or failed) counts."""
    labels = stage_labels(organization=organization)
    rows = (
        steps_visible(organization=organization, role=role)
        .select_related("task_owner", "organization")
        .order_by("journey", "stage", "after_days", "pk")
    )
    counts = _run_counts(organization=organization)
    grouped = {journey.key: [] for journey in journeys_for(role)}
    for step in rows:
        step.stage_label = labels.get((step.journey, step.stage), step.stage)
        step.open_tasks, step.done, step.skipped = counts.get(step.pk, (0, 0, 0))
        grouped[step.journey].append(step)
    return [(journey, grouped[journey.key]) for journey in journeys_for(role)]


def _run_counts(*, organization):
    """{step id: (open tasks, done or sent, skipped or failed)} in one query."""
    rows = (
        KeepInTouchRun.objects.filter(organization=organization)
        .values("step_id")
        .annotate(
            open=Count("pk", filter=Q(status=Status.OPEN)),
            done=Count("pk", filter=Q(status__in=[Status.DONE, Status.SENT])),
            skipped=Count("pk", filter=Q(status__in=[Status.SKIPPED, Status.FAILED])),
        )
    )
    return {row["step_id"]: (row["open"], row["done"], row["skipped"]) for row in rows}


def step_get(*, organization, step_id, role):
    """A step of a journey ``role`` may see, or None (another organization's is None too)."""
    return (
        steps_visible(organization=organization, role=role)
        .select_related("organization", "task_owner")
        .filter(pk=step_id)
        .first()
    )


def tasks_open(*, organization, user, role, due_by=None):
    """``user``'s open keep-in-touch tasks on journeys ``role`` may see, the oldest due first."""
    keys = [journey.key for journey in journeys_for(role)]
    rows = KeepInTouchRun.objects.filter(
        organization=organization,
        owner=user,
        status=Status.OPEN,
        step__action=Action.TASK,
        step__journey__in=keys,
    )
    if due_by is not None:
        rows = rows.filter(due_on__lte=due_by)
    return rows.select_related("contact", "step").order_by("due_on", "pk")


def task_get(*, organization, run_id, user, role):
    """An open or done task of ``user`` (any member's, for an admin) on a journey ``role`` may
    see; None otherwise."""
    keys = [journey.key for journey in journeys_for(role)]
    rows = KeepInTouchRun.objects.filter(
        organization=organization, step__action=Action.TASK, step__journey__in=keys
    )
    if role != Role.ADMIN:
        rows = rows.filter(owner=user)
    return rows.select_related("contact", "step").filter(pk=run_id).first()


def _members(*, organization):
    """{user id: role}, in the order they joined (the first admin is the last resort)."""
    return dict(
        Membership.objects.filter(organization=organization)
        .order_by("created_at", "pk")
        .values_list("user_id", "role")
    )


def _stays(*, organization, step, now, started=None):
    """The positions at the step's stage whose stay began once the step was on and has lasted
    ``after_days`` by ``now`` (``started``: when the step starts counting, for a preview of a
    step not yet saved or switched on)."""
    started = started or step.created_at
    rows = JourneyPosition.objects.filter(
        organization=organization,
        journey=step.journey,
        stage=step.stage,
        entered_at__gte=started,
    )
    if now is not None:
        rows = rows.filter(entered_at__lte=now - timedelta(days=step.after_days))
    if step.pk:
        done = KeepInTouchRun.objects.filter(
            organization=organization,
            step=step,
            contact=OuterRef("contact_id"),
            stage_entered_at=OuterRef("entered_at"),
        )
        rows = rows.exclude(Exists(done))
    return rows


def _never_reachable(contact):
    """The reason nobody should call or write to ``contact`` at all, or ""."""
    if contact.merged_into_id:
        return Reason.MERGED
    if contact.erased_at:
        return Reason.ERASED
    if contact.deceased:
        return Reason.DECEASED
    if contact.do_not_contact:
        return Reason.DO_NOT_CONTACT
    return ""


def task_owner_for(*, organization, step, area, contact, members):
    """Who gets a task: the step's own owner, else the person's relationship manager (when
    their role sees the area), else the area's usual owner, else the first admin."""
    if step.task_owner_id and step.task_owner_id in members:
        return step.task_owner_id
    manager = contact.relationship_manager_id
    if manager and members.get(manager) in area.roles:
        return manager
    if area.owner is not None:
        owner = area.owner(
            organization=organization, contact=contact, related_kind="", related_id=None
        )
        if owner is not None and members.get(owner.pk) in area.roles:
            return owner.pk
    return next((user for user, role in members.items() if role == Role.ADMIN), None)


# --- Preview --------------------------------------------------------------------------------


def preview(*, organization, step, now=None, limit=10):
    """Who will get what next, and why others are left out, for ``step`` (saved or not).

    A step that is off (or not saved yet) is previewed as if switched on now: people already at
    the stage are counted (``before_start``) but never reached, as the runner will do.
    Returns {"upcoming": [{contact, due_on, language, subject, owner}], "due": n (people who
    would be reached), "left_out": {reason key: n}, "already_done": n, "before_start": n}."""
    now = now or timezone.now()
    journey = journeys.get(step.journey)
    area = areas.get(journey.area if journey else GENERAL)
    started = step.created_at if (step.pk and step.is_active) else now
    at_stage = JourneyPosition.objects.filter(
        organization=organization, journey=step.journey, stage=step.stage
    )
    before_start = at_stage.filter(entered_at__lt=started).count()
    already_done = 0
    if step.pk:
        already_done = (
            KeepInTouchRun.objects.filter(organization=organization, step=step)
            .exclude(status=Status.SKIPPED)
            .count()
        )
    stays = _stays(organization=organization, step=step, now=None, started=started)
    contact_ids = stays.values("contact_id")
    contacts = Contact.objects.filter(organization=organization, pk__in=contact_ids)
    left_out = {"do_not_contact": 0, "no_consent": 0, "no_email": 0, "recently_messaged": 0}
    if step.action == Action.EMAIL:
        eligible, counts = sending.audience(
            organization=organization,
            contacts=contacts,
            purpose=purpose_for(area.key),
            channel=ConsentChannel.EMAIL,
            frequency_cap_days=cap_days(organization=organization),
            now=now,
        )
        left_out = {
            "do_not_contact": sum(counts[reason] for reason in NEVER),
            "no_consent": counts[Reason.NO_CONSENT],
            "no_email": counts[Reason.NO_ADDRESS],
            "recently_messaged": counts[Reason.RECENTLY_MESSAGED],
        }
    else:
        eligible = contacts.filter(
            merged_into__isnull=True, erased_at__isnull=True, deceased=False, do_not_contact=False
        )
        left_out["do_not_contact"] = contacts.count() - eligible.count()
    reached = stays.filter(contact_id__in=eligible.values("pk"))
    due = reached.count()
    members = _members(organization=organization) if step.action == Action.TASK else {}
    upcoming = []
    rows = reached.select_related("contact").order_by("entered_at", "pk")[:limit]
    for position in rows:
        contact = position.contact
        due_on = timezone.localdate(position.entered_at + timedelta(days=step.after_days))
        row = {"contact": contact, "due_on": max(due_on, timezone.localdate(now))}
        if step.action == Action.EMAIL:
            language = language_for(contact, organization)
            row["language"] = language
            row["subject"] = fill(
                step.translated("subject", language),
                {
                    "first_name": contact.first_name or contact.name,
                    "organization": organization.name,
                },
            )
        else:
            owner_id = task_owner_for(
                organization=organization, step=step, area=area, contact=contact, members=members
            )
            row["owner_id"] = owner_id
        upcoming.append(row)
    if members:
        from stakeholders.models import User

        users = User.objects.in_bulk([row["owner_id"] for row in upcoming if row["owner_id"]])
        for row in upcoming:
            row["owner"] = users.get(row.pop("owner_id"))
    return {
        "upcoming": upcoming,
        "due": due,
        "left_out": left_out,
        "already_done": already_done,
        "before_start": before_start,
    }


# --- Steps ----------------------------------------------------------------------------------


def _validate_step(*, organization, step):
    errors = {}
    journey = journeys.get(step.journey)
    if journey is None:
        errors["journey"] = [_("Choose a journey from the list.")]
    elif journey.stage(step.stage) is None:
        errors["stage"] = [_("Choose a stage of this journey.")]
    if step.action == Action.EMAIL:
        if not (step.subject or "").strip():
            errors["subject"] = [_("An email needs a subject.")]
        if not (step.body or "").strip():
            errors["body"] = [_("An email needs a text.")]
    if step.task_owner_id:
        role = (
            Membership.objects.filter(organization=organization, user_id=step.task_owner_id)
            .values_list("role", flat=True)
            .first()
        )
        if role is None:
            errors["task_owner"] = [_("Choose a member of your organization.")]
        elif journey is not None and role not in areas.get(journey.area).roles:
            errors["task_owner"] = [_("This member's role may not see this journey's people.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def step_save(*, organization, step=None, text_translations=None, **fields):
    """Create or change a step. ``text_translations`` (``{"fa": {"subject": …, "body": …}}``)
    replaces the versions of the languages it names; an empty language is removed."""
    step = step or KeepInTouchStep(organization=organization)
    was_active = step.is_active if step.pk else False
    for name, value in fields.items():
        setattr(step, name, value)
    if isinstance(step.subject, str):
        step.subject = step.subject.strip()
    if step.action == Action.TASK:
        step.subject = step.subject or ""
    if text_translations is not None:
        merged = dict(step.text_translations or {})
        for code, texts in text_translations.items():
            kept = {
                name: value.strip()
                for name, value in texts.items()
                if name in step.translated_fields and (value or "").strip()
            }
            if kept:
                merged[code] = kept
            else:
                merged.pop(code, None)
        step.text_translations = merged
    _validate_step(organization=organization, step=step)
    if step.is_active and not was_active:
        step.created_at = timezone.now()  # switched on: only stays from now on count
    try:
        step.full_clean(exclude=["organization", "task_owner"])
    except ValidationError as error:
        raise ValidationError(error.message_dict) from error
    step.save()
    return step


@transaction.atomic
def step_set_active(*, organization, step, active):
    """Switch a step on or off; switching on starts counting stays from now."""
    if step.is_active == bool(active):
        return step
    step.is_active = bool(active)
    fields = ["is_active"]
    if step.is_active:
        step.created_at = timezone.now()
        fields.append("created_at")
    step.save(update_fields=fields)
    return step


@transaction.atomic
def step_delete(*, organization, step):
    step.delete()


# --- Tasks ----------------------------------------------------------------------------------


@transaction.atomic
def task_done(*, organization, run, user, note="", channel=Channel.PHONE):
    """Mark a task done; a note goes on the person's timeline as an interaction."""
    run = (
        KeepInTouchRun.objects.select_for_update(of=("self",))
        .select_related("step", "contact")
        .get(organization=organization, pk=run.pk)
    )
    if run.step.action != Action.TASK or run.status != Status.OPEN:
        raise ValidationError(_("This task is already done."))
    if channel not in Channel.values:
        raise ValidationError({"channel": [_("Choose a channel from the list.")]})
    now = timezone.now()
    run.status, run.done_at = Status.DONE, now
    run.save(update_fields=["status", "done_at"])
    note = (note or "").strip()
    if note:
        journey = journeys.get(run.step.journey)
        stakeholder_services.interaction_log(
            organization=organization,
            contact=run.contact,
            staff=user,
            channel=channel,
            direction=Direction.OUTBOUND,
            subject=run.step.name[:200],
            notes=note,
            occurred_at=now,
            related_kind=interaction_kind(journey.area if journey else GENERAL),
            related_id=run.pk,
        )
    return run


# --- The runner -----------------------------------------------------------------------------


def runs_fail_stuck(*, organization, now=None):
    """Emails whose worker died while sending: failed, never sent again."""
    now = now or timezone.now()
    return KeepInTouchRun.objects.filter(
        organization=organization, status=Status.SENDING, done_at__lt=now - STUCK_AFTER
    ).update(status=Status.FAILED, reason=INTERRUPTED)


def keep_in_touch_run(*, organization, now=None):
    """Do every active step for the people due: write their runs once, then open the tasks
    and send the emails. Safe to run twice at once. Returns counts by outcome."""
    now = now or timezone.now()
    counts = Counter()
    counts["failed"] = runs_fail_stuck(organization=organization, now=now)
    steps = list(
        KeepInTouchStep.objects.filter(organization=organization, is_active=True).order_by("pk")
    )
    if not steps:
        return counts
    members = _members(organization=organization)
    cap = cap_days(organization=organization)
    for step in steps:
        journey = journeys.get(step.journey)
        if journey is None or journey.stage(step.stage) is None:
            continue  # a journey whose app is gone, or a stage renamed away: nothing to do
        area = areas.get(journey.area)
        counts["created"] += _create_runs(
            organization=organization, step=step, area=area, members=members, now=now
        )
        if step.action == Action.EMAIL:
            counts.update(
                _send_claimed(organization=organization, step=step, journey=journey, cap=cap)
            )
    return counts


def _create_runs(*, organization, step, area, members, now):
    today = timezone.localdate(now)
    created = 0
    while True:
        stays = list(
            _stays(organization=organization, step=step, now=now)
            .order_by("entered_at", "pk")
            .values_list("contact_id", "entered_at")[:CHUNK]
        )
        if not stays:
            return created
        contacts = Contact.objects.filter(organization=organization).in_bulk(
            [contact_id for contact_id, _entered in stays]
        )
        runs = []
        for contact_id, entered_at in stays:
            contact = contacts.get(contact_id)
            if contact is None:  # erased between the two reads: its position goes with it
                continue
            run = KeepInTouchRun(
                organization=organization,
                step=step,
                contact=contact,
                stage_entered_at=entered_at,
                status=Status.OPEN,
                due_on=today,
            )
            if step.action == Action.TASK:
                reason = _never_reachable(contact)
                if reason:
                    run.status, run.reason = Status.SKIPPED, reason
                else:
                    run.owner_id = task_owner_for(
                        organization=organization,
                        step=step,
                        area=area,
                        contact=contact,
                        members=members,
                    )
            runs.append(run)
        if not runs:
            return created
        # The unique constraint decides: of two workers writing the same run, one row stays.
        before = KeepInTouchRun.objects.filter(organization=organization, step=step).count()
        KeepInTouchRun.objects.bulk_create(runs, ignore_conflicts=True)
        created += (
            KeepInTouchRun.objects.filter(organization=organization, step=step).count() - before
        )


def _send_claimed(*, organization, step, journey, cap):
    """Claim the step's unsent emails a chunk at a time (another worker skips the locked
    rows), commit the claim, then send each."""
    counts = Counter()
    while True:
        with transaction.atomic():
            batch = list(
                KeepInTouchRun.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(organization=organization, step=step, status=Status.OPEN)
                .order_by("pk")[:CHUNK]
            )
            if not batch:
                return counts
            claimed_at = timezone.now()
            KeepInTouchRun.objects.filter(pk__in=[run.pk for run in batch]).update(
                status=Status.SENDING, done_at=claimed_at
            )
        contacts = Contact.objects.filter(organization=organization).in_bulk(
            [run.contact_id for run in batch]
        )
        for run in batch:
            run.contact = contacts[run.contact_id]
            run.status, run.done_at = Status.SENDING, claimed_at
            counts[
                _send_one(organization=organization, run=run, step=step, journey=journey, cap=cap)
            ] += 1


def _confidential(area):
    """Whether being in this area is itself private (a client): nothing about it goes on the
    "not sent" record, which every role reads."""
    return any(area in restricted_contact_roles.hidden_from(role) for role in Role.values)


def merge_fields(*, organization, journey, contact):
    fields = {
        "first_name": contact.first_name or contact.name,
        "organization": organization.name,
    }
    if journey.merge_fields is not None:
        fields.update(journey.merge_fields(organization=organization, contact=contact) or {})
    return fields


def render_email(*, organization, step, journey, contact):
    """(language, subject, text, html) of the step's email for ``contact``, in their language."""
    language = language_for(contact, organization)
    with reading_as(organization=organization, contact=contact):
        fields = merge_fields(organization=organization, journey=journey, contact=contact)
        subject = fill(step.translated("subject", language), fields)
        body = fill(step.translated("body", language), fields)
        context = {"organization": organization, "contact": contact, "body": body}
        text = render_to_string("emails/keep_in_touch.txt", context)
        html = render_to_string("emails/keep_in_touch.html", context)
    return language, subject, text, html


def _send_one(*, organization, run, step, journey, cap):
    contact = run.contact
    decision = sending.decide(
        organization=organization,
        contact=contact,
        channel=ConsentChannel.EMAIL,
        purpose=purpose_for(journey.area),
        frequency_cap_days=cap,
    )
    if not decision:
        KeepInTouchRun.objects.filter(pk=run.pk, status=Status.SENDING).update(
            status=Status.SKIPPED, reason=decision.reason
        )
        if not _confidential(journey.area) and not (contact.merged_into_id or contact.erased_at):
            stakeholder_services.message_not_sent_record(
                organization=organization,
                contact=contact,
                message=_("Keep-in-touch email “%(name)s”") % {"name": step.name},
                decision=decision,
            )
        return "skipped"
    try:
        _language, subject, text, html = render_email(
            organization=organization, step=step, journey=journey, contact=contact
        )
        message = branding.email_message(
            organization=organization, subject=subject, body=text, html=html, to=[contact.email]
        )
        message.send()
    except Exception:  # the email did not go: say so rather than try again later
        logger.exception("keep-in-touch run %s: sending failed", run.pk)
        KeepInTouchRun.objects.filter(pk=run.pk, status=Status.SENDING).update(
            status=Status.FAILED, reason=SEND_ERROR
        )
        return "failed"
    now = timezone.now()
    with transaction.atomic():
        KeepInTouchRun.objects.filter(pk=run.pk).update(status=Status.SENT, done_at=now)
        stakeholder_services.interaction_log(
            organization=organization,
            contact=contact,
            staff=None,
            channel=Channel.EMAIL,
            direction=Direction.OUTBOUND,
            subject=(_("Keep in touch: %(subject)s") % {"subject": subject})[:200],
            occurred_at=now,
            related_kind=interaction_kind(journey.area),
            related_id=run.pk,
            is_bulk_message=True,  # counts towards the frequency cap
        )
    return "sent"


# --- Dashboard ------------------------------------------------------------------------------


def dashboard_card(request):
    """ "Your keep-in-touch tasks": the member's open tasks due by today (hidden when none)."""
    organization = request.organization
    tasks = tasks_open(
        organization=organization,
        user=request.user,
        role=request.membership.role,
        due_by=timezone.localdate(),
    )
    first = list(tasks[:5])
    if not first:
        return None
    count = len(first) if len(first) < 5 else tasks.count()
    return {"keep_in_touch": {"tasks": first, "count": count}}
