"""Surveys at touchpoints: who to ask about what (rules), asking exactly once (invitations), the
answers and what the staff read of them (response rates, averages, NPS).

The database is the source of truth, as for the thank-you batch:

- ``surveys_schedule`` turns each active rule's touchpoint occurrences (a resolved request, a
  completed shift…) into ``SurveyInvitation`` rows, unique per (rule, person, thing): a doubled
  beat inserts nothing twice. Only occurrences since the rule was switched on count.
- ``surveys_send_due`` claims due rows with ``SELECT … FOR UPDATE SKIP LOCKED`` (committed as
  "sending"), then sends each under a lock on the person, after the survey cap (one survey per
  person every N days, whatever the touchpoint) and the sending decision (consent,
  do-not-contact…). A worker killed after claiming leaves rows "sending"; the sweep marks them
  "failed" after 15 minutes — never sent again, since the email may have gone.
"""

import logging
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stakeholders import branding, formats, sending, services
from stakeholders.experience.registry import GENERAL, Occurrence, areas, touchpoints
from stakeholders.languages import reading_as
from stakeholders.models import (
    SCORE_RANGES,
    Channel,
    ConsentChannel,
    ConsentPurpose,
    Contact,
    Direction,
    ExperienceSettings,
    Feedback,
    FeedbackMeasure,
    Interaction,
    InteractionKind,
    SurveyInvitation,
    SurveyRule,
)
from stakeholders.registries import restricted_interactions
from stakeholders.tenancy import links

logger = logging.getLogger(__name__)

SURVEY_SALT = "steward.experience.survey"
LINK_AGE = timedelta(days=60)  # how long a survey email's links work
LOOKBACK = timedelta(days=30)  # touchpoints older than this are never asked about
STUCK_AFTER = timedelta(minutes=15)
CHUNK = 50  # invitations claimed at once
INTERACTION_TOUCHPOINT = "stakeholders.interaction"
INTERACTION_KIND = "stakeholders.interaction"
MEASURES = (FeedbackMeasure.CSAT, FeedbackMeasure.CES, FeedbackMeasure.NPS)

# Why an invitation was not sent, beyond the sending decision's reasons.
CAPPED = "survey cap"
RULE_OFF = "rule off"
SEND_FAILED = "send failed"
INTERRUPTED = "interrupted"
SKIP_LABELS = {
    CAPPED: gettext_lazy("asked for another survey too recently"),
    RULE_OFF: gettext_lazy("the survey was switched off"),
    SEND_FAILED: gettext_lazy("the email could not be sent"),
    INTERRUPTED: gettext_lazy("interrupted while sending"),
}


def reason_label(reason):
    if reason in SKIP_LABELS:
        return SKIP_LABELS[reason]
    try:
        return sending.Reason(reason).label
    except ValueError:
        return reason


# --- The core's touchpoint: a logged interaction --------------------------------------------------


def interaction_occurrences(organization, since, until, rule):
    """Conversations staff logged (not bulk messages, not what Steward logs itself, not
    confidential casework), on the rule's channel if it names one."""
    rows = (
        Interaction.objects.filter(
            organization=organization,
            occurred_at__gte=since,
            occurred_at__lt=until,
            kind=InteractionKind.CONVERSATION,
            staff__isnull=False,
            is_bulk_message=False,
        )
        .exclude(related_kind__in=restricted_interactions.hidden_from(None))
        .order_by()
    )
    if rule is not None and rule.interaction_channel:
        rows = rows.filter(channel=rule.interaction_channel)
    return [
        Occurrence(contact_id, INTERACTION_KIND, pk, at)
        for pk, contact_id, at in rows.values_list("pk", "contact_id", "occurred_at")
    ]


def describe_interaction(organization, related_kind, related_id):
    at = (
        Interaction.objects.filter(organization=organization, pk=related_id)
        .values_list("occurred_at", flat=True)
        .first()
    )
    if at is None:
        return _("our recent conversation")
    return _("our conversation on %(date)s") % {"date": formats.format_date(at, style="long")}


def register_core_touchpoint():
    touchpoints.register(
        INTERACTION_TOUCHPOINT,
        gettext_lazy("A logged interaction"),
        area=GENERAL,
        occurrences=interaction_occurrences,
        describe=describe_interaction,
    )


# --- Rules ----------------------------------------------------------------------------------------


def settings_for(*, organization):
    return ExperienceSettings.objects.get_or_create(organization=organization)[0]


def settings_update(*, organization, survey_cap_days):
    row = settings_for(organization=organization)
    row.survey_cap_days = survey_cap_days
    row.save(update_fields=["survey_cap_days"])
    return row


def touchpoint_area(key):
    touchpoint = touchpoints.get(key)
    return touchpoint.area if touchpoint else None


def touchpoints_visible_to(role):
    """The touchpoints whose area a member with ``role`` may see."""
    allowed = set(areas.visible_to(role))
    return [t for t in touchpoints if t.area in allowed]


def touchpoint_choices(role):
    return [(t.key, t.label) for t in touchpoints_visible_to(role)]


def rules_visible(*, organization, role):
    keys = [t.key for t in touchpoints_visible_to(role)]
    return SurveyRule.objects.filter(organization=organization, touchpoint__in=keys)


RULE_FIELDS = (
    "name",
    "touchpoint",
    "interaction_channel",
    "ask_csat",
    "ask_ces",
    "ask_nps",
    "ask_comment",
    "delay_hours",
    "is_active",
)


def _clean_rule(rule, *, organization, role):
    errors = {}
    if rule.touchpoint not in {t.key for t in touchpoints_visible_to(role)}:
        errors["touchpoint"] = [_("Choose one of the touchpoints in the list.")]
    if rule.touchpoint != INTERACTION_TOUCHPOINT:
        rule.interaction_channel = ""
    elif rule.interaction_channel and rule.interaction_channel not in Channel.values:
        errors["interaction_channel"] = [_("Choose one of the channels in the list.")]
    if not (rule.ask_csat or rule.ask_ces or rule.ask_nps):
        errors["ask_csat"] = [_("Ask at least one question with a score.")]
    if not rule.name.strip():
        errors["name"] = [_("Give the survey a name.")]
    if rule.delay_hours is None or rule.delay_hours > 24 * 90:
        errors["delay_hours"] = [_("Give a delay from 0 to 2160 hours (90 days).")]
    if not errors:
        taken = SurveyRule.objects.filter(
            organization=organization,
            touchpoint=rule.touchpoint,
            interaction_channel=rule.interaction_channel,
        ).exclude(pk=rule.pk)
        if taken.exists():
            errors["touchpoint"] = [_("There is already a survey for this touchpoint.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def rule_save(*, organization, role, rule=None, **fields):
    """Create or change a survey rule. Switching a rule on (again) starts from now: it never
    surveys what happened before, nor while it was off."""
    was_active = rule.is_active if rule is not None and rule.pk else False
    if rule is None:
        rule = SurveyRule(organization=organization)
    for name, value in fields.items():
        if name in RULE_FIELDS:
            setattr(rule, name, value)
    rule.name = (rule.name or "").strip()
    _clean_rule(rule, organization=organization, role=role)
    if rule.is_active and not was_active:
        rule.created_at = timezone.now()
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError:  # two admins at once
        raise ValidationError(
            {"touchpoint": [_("There is already a survey for this touchpoint.")]}
        ) from None
    return rule


def rule_delete(*, organization, rule):
    rule.delete()


# --- Scheduling and sending -----------------------------------------------------------------------


def surveys_schedule(*, organization, now=None):
    """Invitations for every occurrence of each active rule's touchpoint since the rule was
    switched on (and at most 30 days back), due ``delay_hours`` after it. Returns how many
    occurrences were seen (rows already there stay as they are)."""
    now = now or timezone.now()
    seen = 0
    for rule in SurveyRule.objects.filter(organization=organization, is_active=True):
        touchpoint = touchpoints.get(rule.touchpoint)
        if touchpoint is None:
            continue
        since = max(rule.created_at, now - LOOKBACK)
        if since >= now:
            continue
        delay = timedelta(hours=rule.delay_hours)
        rows = [
            SurveyInvitation(
                organization=organization,
                rule=rule,
                contact_id=o.contact_id,
                related_kind=o.related_kind,
                related_id=o.related_id,
                touchpoint_at=o.occurred_at,
                due_at=o.occurred_at + delay,
            )
            for o in touchpoint.occurrences(organization, since, now, rule)
        ]
        SurveyInvitation.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
        seen += len(rows)
    return seen


def surveys_sweep(*, organization, now=None):
    """Rows a worker claimed and never finished: failed, never sent again (the email may have
    gone). Returns how many."""
    cutoff = (now or timezone.now()) - STUCK_AFTER
    return SurveyInvitation.objects.filter(
        organization=organization,
        status=SurveyInvitation.Status.SENDING,
        claimed_at__lt=cutoff,
    ).update(status=SurveyInvitation.Status.FAILED, reason=INTERRUPTED)


@transaction.atomic
def surveys_claim(*, organization, now=None, size=CHUNK):
    """Take due pending invitations no other worker holds, committed as "sending"."""
    now = now or timezone.now()
    ids = list(
        SurveyInvitation.objects.select_for_update(skip_locked=True)
        .filter(organization=organization, status=SurveyInvitation.Status.PENDING, due_at__lte=now)
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)[:size]
    )
    SurveyInvitation.objects.filter(organization=organization, pk__in=ids).update(
        status=SurveyInvitation.Status.SENDING, claimed_at=now
    )
    return ids


def surveys_send_due(*, organization, now=None):
    """Sweep, then claim and send due invitations chunk by chunk. Returns counts by outcome."""
    now = now or timezone.now()
    counts = {"sent": 0, "skipped": 0, "failed": 0}
    counts["failed"] += surveys_sweep(organization=organization, now=now)
    while ids := surveys_claim(organization=organization, now=now):
        for pk in ids:
            outcome = invitation_send(organization=organization, invitation_id=pk, now=now)
            if outcome:
                counts[outcome] += 1
    return counts


def _finish(invitation, status, reason="", **fields):
    invitation.status, invitation.reason = status, reason
    for name, value in fields.items():
        setattr(invitation, name, value)
    invitation.save(update_fields=["status", "reason", *fields])


def _is_confidential(invitation):
    return invitation.related_kind in restricted_interactions.hidden_from(None)


@transaction.atomic
def invitation_send(*, organization, invitation_id, now=None):
    """Send one claimed invitation, or say why not. The person's row is locked meanwhile, so two
    workers sending two surveys to one person take turns and the second sees the first."""
    now = now or timezone.now()
    invitation = (
        SurveyInvitation.objects.select_related("rule")
        .filter(organization=organization, pk=invitation_id, status=SurveyInvitation.Status.SENDING)
        .first()
    )
    if invitation is None:
        return None
    contact = (
        Contact.objects.select_for_update(of=("self",))
        .filter(organization=organization, pk=invitation.contact_id)
        .first()
    )
    rule = invitation.rule
    Skipped = SurveyInvitation.Status.SKIPPED
    if not rule.is_active or touchpoints.get(rule.touchpoint) is None:
        _finish(invitation, Skipped, RULE_OFF)
        return "skipped"
    cap_days = settings_for(organization=organization).survey_cap_days
    recent = SurveyInvitation.objects.filter(
        organization=organization,
        contact_id=invitation.contact_id,
        sent_at__isnull=False,
        sent_at__gt=now - timedelta(days=cap_days),
    ).exclude(pk=invitation.pk)
    if cap_days and recent.exists():
        _finish(invitation, Skipped, CAPPED)
        return "skipped"
    decision = sending.decide(
        organization=organization,
        contact=contact,
        channel=ConsentChannel.EMAIL,
        purpose=ConsentPurpose.SURVEYS,
        now=now,
    )
    if not decision:
        _finish(invitation, Skipped, decision.reason)
        if not _is_confidential(invitation):  # the timeline is read by every role
            services.message_not_sent_record(
                organization=organization,
                contact=contact,
                message=_("Survey “%(name)s”") % {"name": rule.name},
                decision=decision,
            )
        return "skipped"
    message = survey_email(organization=organization, invitation=invitation, contact=contact)
    try:
        message.send()
    except OSError:
        logger.exception("surveys: email for invitation %s failed", invitation.pk)
        _finish(invitation, SurveyInvitation.Status.FAILED, SEND_FAILED)
        return "failed"
    _finish(invitation, SurveyInvitation.Status.SENT, sent_at=now)
    services.interaction_log(
        organization=organization,
        contact=contact,
        staff=None,
        channel=Channel.EMAIL,
        direction=Direction.OUTBOUND,
        subject=(_("Survey sent: %(name)s") % {"name": rule.name})[:200],
        occurred_at=min(now, timezone.now()),
        related_kind=invitation.related_kind,
        related_id=invitation.related_id,
    )
    return "sent"


# --- The email and its links ----------------------------------------------------------------------


def answer_token(*, organization, invitation, score=None):
    ids = {"i": invitation.pk}
    if score is not None:
        ids["s"] = score
    return links.sign(organization=organization, salt=SURVEY_SALT, **ids)


def answer_url(*, organization, invitation, score=None):
    return links.absolute_url(
        organization=organization,
        url_name="experience:survey_answer",
        survey_token=answer_token(organization=organization, invitation=invitation, score=score),
    )


def invitation_from_token(*, organization, token):
    """(invitation, the score the link carries or None), or (None, None) for a link that is
    tampered with, expired, another organization's or of an invitation no longer there."""
    data = links.unsign(organization=organization, token=token, salt=SURVEY_SALT, max_age=LINK_AGE)
    if data is None or not isinstance(data.get("i"), int):
        return None, None
    invitation = (
        SurveyInvitation.objects.select_related("rule", "contact")
        .filter(organization=organization, pk=data["i"])
        .first()
    )
    if invitation is None:
        return None, None
    score = data.get("s")
    return invitation, score if isinstance(score, int) else None


def what_it_is_about(*, organization, invitation):
    """The touchpoint in the person's words ("your shift on 3 May"), in the active language."""
    touchpoint = touchpoints.get(invitation.rule.touchpoint)
    if touchpoint is not None and touchpoint.describe is not None:
        try:
            return str(
                touchpoint.describe(organization, invitation.related_kind, invitation.related_id)
            )
        except Exception:  # a thing deleted since: the question still reads
            logger.exception("surveys: describing invitation %s failed", invitation.pk)
    return _("your recent contact with us")


def question(measure, what):
    if measure == FeedbackMeasure.CSAT:
        return _("How satisfied are you with %(what)s?") % {"what": what}
    if measure == FeedbackMeasure.CES:
        return _("Thinking of %(what)s: how easy did we make things for you?") % {"what": what}
    return _("Thinking of %(what)s: how likely are you to recommend us to a friend?") % {
        "what": what
    }


def scale_ends(measure):
    """What the lowest and the highest score mean."""
    if measure == FeedbackMeasure.CSAT:
        return _("very unsatisfied"), _("very satisfied")
    if measure == FeedbackMeasure.CES:
        return _("very easy"), _("very difficult")
    return _("not at all likely"), _("extremely likely")


def score_links(*, organization, invitation, measure):
    low, high = SCORE_RANGES[measure]
    lowest, highest = scale_ends(measure)
    return [
        {
            "score": score,
            "label": formats.format_number(score),
            "meaning": lowest if score == low else highest if score == high else "",
            "url": answer_url(organization=organization, invitation=invitation, score=score),
        }
        for score in range(low, high + 1)
    ]


def survey_email(*, organization, invitation, contact):
    """The survey email in the person's language, from the charity: the first question with one
    link per score."""
    measure = invitation.rule.measures[0]
    with reading_as(organization=organization, contact=contact):
        what = what_it_is_about(organization=organization, invitation=invitation)
        context = {
            "organization": organization,
            "contact": contact,
            "question": question(measure, what),
            "scores": score_links(
                organization=organization, invitation=invitation, measure=measure
            ),
            "answer_url": answer_url(organization=organization, invitation=invitation),
        }
        return branding.email_message(
            organization=organization,
            subject=_("How did we do? A one-click question from %(name)s")
            % {"name": organization.sender_name or organization.name},
            body=render_to_string("emails/survey.txt", context),
            html=render_to_string("emails/survey.html", context),
            to=[contact.email],
        )


# --- Answers --------------------------------------------------------------------------------------


@transaction.atomic
def survey_answer(*, organization, invitation, scores, comment=""):
    """Record the person's answers (``scores``: {measure: score}, the measures the rule asks);
    answering again replaces the earlier answers to this invitation."""
    rule = invitation.rule
    answered = {m: s for m, s in scores.items() if m in rule.measures and s not in (None, "")}
    if not answered:
        raise ValidationError({rule.measures[0]: [_("Choose a score.")]})
    Feedback.objects.filter(organization=organization, invitation=invitation).delete()
    comment = (comment or "").strip() if rule.ask_comment else ""
    interaction = None
    if invitation.related_kind == INTERACTION_KIND:
        interaction = Interaction.objects.filter(
            organization=organization, pk=invitation.related_id, contact_id=invitation.contact_id
        ).first()
    recorded = []
    for measure in MEASURES:
        if measure not in answered:
            continue
        recorded.append(
            services.feedback_record(
                organization=organization,
                contact=invitation.contact,
                measure=measure,
                score=answered[measure],
                interaction=interaction,
                comment="" if recorded else comment,  # the comment goes with the first score
                by_contact=True,
                related_kind=invitation.related_kind,
                related_id=invitation.related_id,
                invitation=invitation,
            )
        )
    invitation.answered_at = timezone.now()
    invitation.save(update_fields=["answered_at"])
    _answered_event(organization=organization, invitation=invitation, scores=answered)
    return recorded


def _answered_event(*, organization, invitation, scores):
    """Webhooks hear of the answer with the walls of the feedback API: an answer about a
    client's request only reaches the roles that see casework."""
    from stakeholders.integrations import events as webhook_events
    from stakeholders.models import Role
    from stakeholders.registries import restricted_interactions

    kind = invitation.related_kind
    roles = [role for role in Role.values if kind not in restricted_interactions.hidden_from(role)]
    webhook_events.emit(
        organization=organization,
        type="survey.answered",
        data=lambda: {
            "object": "survey_answer",
            "id": invitation.pk,
            "rule": invitation.rule_id,
            "touchpoint": invitation.rule.touchpoint,
            "scores": scores,
            "related_kind": kind,
            "related_id": invitation.related_id,
            "answered_at": invitation.answered_at,
            "contact": webhook_events.contact_data(invitation.contact),
        },
        contact=invitation.contact_id,
        roles=roles or [Role.ADMIN],
    )


# --- What the staff read --------------------------------------------------------------------------


def nps(promoters, detractors, answers):
    """% promoters − % detractors, from −100 to 100; None without answers."""
    if not answers:
        return None
    return round(100 * (promoters - detractors) / answers)


def rule_stats(*, organization, rules):
    """For each rule (by id): sent, answered, response rate (%), average CSAT and CES and the
    NPS. Two queries, whatever the number of rules and invitations."""
    ids = [rule.pk for rule in rules]
    stats = {
        pk: {
            "sent": 0,
            "answered": 0,
            "rate": None,
            "csat": None,
            "ces": None,
            "nps": None,
            "answers": 0,
        }
        for pk in ids
    }
    counted = (
        SurveyInvitation.objects.filter(organization=organization, rule_id__in=ids)
        .values("rule_id")
        .annotate(
            sent=Count("pk", filter=Q(sent_at__isnull=False)),
            answered=Count("pk", filter=Q(sent_at__isnull=False, answered_at__isnull=False)),
        )
        .order_by()
    )
    for row in counted:
        entry = stats[row["rule_id"]]
        entry["sent"], entry["answered"] = row["sent"], row["answered"]
        if row["sent"]:
            entry["rate"] = 100 * row["answered"] / row["sent"]
    scored = (
        Feedback.objects.filter(organization=organization, invitation__rule_id__in=ids)
        .values("invitation__rule_id", "measure")
        .annotate(
            average=Avg("score"),
            answers=Count("pk"),
            promoters=Count("pk", filter=Q(score__gte=9)),
            detractors=Count("pk", filter=Q(score__lte=6)),
        )
        .order_by()
    )
    for row in scored:
        entry = stats[row["invitation__rule_id"]]
        if row["measure"] == FeedbackMeasure.NPS:
            entry["nps"] = nps(row["promoters"], row["detractors"], row["answers"])
        else:
            entry[row["measure"]] = row["average"]
    return stats


def recent_answers(*, organization, rules, limit=20):
    """The latest answers to these rules' surveys, with comments first in mind: one row per
    answered invitation, newest first, with its scores."""
    invitations = list(
        SurveyInvitation.objects.filter(
            organization=organization, rule__in=rules, answered_at__isnull=False
        )
        .select_related("rule", "contact")
        .order_by("-answered_at", "-pk")[:limit]
    )
    feedback = Feedback.objects.filter(
        organization=organization, invitation__in=[i.pk for i in invitations]
    ).values("invitation_id", "measure", "score", "comment")
    by_invitation = {}
    for row in feedback:
        by_invitation.setdefault(row["invitation_id"], []).append(row)
    for invitation in invitations:
        rows = by_invitation.get(invitation.pk, [])
        invitation.scores = {row["measure"]: row["score"] for row in rows}
        invitation.comment = next((row["comment"] for row in rows if row["comment"]), "")
    return invitations
