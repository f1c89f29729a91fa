"""The experience loop in the demo (``manage.py seed_demo``), after every app has seeded its own
data: surveys asked and answered at three touchpoints, a low score that became a recovery case and
was put right, comments tagged as complaints and expectations, people at each journey stage (a few
stuck), and keep-in-touch steps that have opened tasks and sent check-ins. Runs once."""

from datetime import timedelta

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from stakeholders.experience import insights, journeys, keep_in_touch, recovery, surveys
from stakeholders.experience.registry import journeys as journey_registry
from stakeholders.experience.registry import touchpoints
from stakeholders.models import (
    ComplaintCategory,
    ExperienceSettings,
    Feedback,
    KeepInTouchStep,
    Membership,
    RecoveryCase,
    Role,
    SurveyInvitation,
    SurveyRule,
)

# (touchpoint, questions): the surveys a charity would switch on first.
RULES = (
    ("clients.request_resolved", {"ask_csat": True, "ask_comment": True}),
    ("donors.first_thanked", {"ask_csat": True, "ask_nps": True, "ask_comment": True}),
    ("volunteers.shift_completed", {"ask_csat": False, "ask_ces": True, "ask_comment": True}),
)


def seed(*, organization, words, rng):
    if ExperienceSettings.objects.filter(organization=organization).exists():
        return
    ExperienceSettings.objects.create(organization=organization)
    now = timezone.now()
    admin = (
        Membership.objects.filter(organization=organization, role=Role.ADMIN)
        .select_related("user")
        .first()
        .user
    )
    text = words.EXPERIENCE
    with translation.override(organization.language):  # what staff read, in their language
        names = {
            "clients.request_resolved": _("After a request is resolved"),
            "donors.first_thanked": _("After a donor's first thank-you"),
            "volunteers.shift_completed": _("After a volunteer's shift"),
        }
        for key, questions in RULES:
            if touchpoints.get(key) is not None:
                rule = surveys.rule_save(
                    organization=organization,
                    role=Role.ADMIN,
                    name=names[key],
                    touchpoint=key,
                    delay_hours=24,
                    **questions,
                )
                # switched on a month ago, so the last month's touchpoints were asked about
                SurveyRule.objects.filter(pk=rule.pk).update(created_at=now - timedelta(days=30))
    surveys.surveys_schedule(organization=organization, now=now)
    surveys.surveys_send_due(organization=organization, now=now)
    _answer(organization, text, rng)
    _recover(organization, text, admin)
    _tag(organization, text, rng)
    journeys.journeys_refresh(organization=organization, now=now, full=True)
    _keep_in_touch(organization, text, admin, now)


def _answer(organization, text, rng):
    """Most people answer; the answers are mostly good, with one that is not."""
    sent = list(
        SurveyInvitation.objects.filter(
            organization=organization, status=SurveyInvitation.Status.SENT
        )
        .select_related("rule", "contact")
        .order_by("pk")
    )
    for n, invitation in enumerate(sent):
        if n and rng.random() > 0.7:
            continue
        unhappy = n == 0
        scores = {
            "csat": 1 if unhappy else rng.choice((4, 5, 5)),
            "ces": 6 if unhappy else rng.choice((1, 2, 2, 3)),
            "nps": 3 if unhappy else rng.choice((8, 9, 10, 10)),
        }
        comment = text["unhappy"] if unhappy else rng.choice([*text["happy"], ""])
        surveys.survey_answer(
            organization=organization,
            invitation=invitation,
            scores={m: scores[m] for m in invitation.rule.measures},
            comment=comment,
        )


def _recover(organization, text, admin):
    """The low score's case: an apology and a visit, the question, and a "yes, put right"."""
    case = (
        RecoveryCase.objects.filter(organization=organization, feedback__isnull=False)
        .order_by("pk")
        .first()
    )
    if case is None:
        return
    recovery.case_add_note(
        organization=organization, case=case, actor=admin, note=text["put_right"]
    )
    if recovery.case_ask(organization=organization, case=case, actor=admin):
        recovery.case_answer(
            organization=organization,
            token=recovery.answer_token(organization=organization, case=case),
            restored=True,
            comment=text["happy"][0],
        )


def _tag(organization, text, rng):
    """Comments tagged: the unhappy one as a complaint, others as the expectations they voice."""
    expectations = [
        ComplaintCategory.objects.get_or_create(
            organization=organization,
            name=name,
            defaults={"kind": ComplaintCategory.Kind.EXPECTATION},
        )[0]
        for name in text["expectations"]
    ]
    complaint = ComplaintCategory.objects.filter(
        organization=organization, kind=ComplaintCategory.Kind.COMPLAINT
    ).first()
    for feedback in Feedback.objects.filter(organization=organization).exclude(comment=""):
        if feedback.comment == text["unhappy"]:
            category = complaint
        elif rng.random() < 0.6:
            category = rng.choice(expectations)
        else:
            continue
        insights.feedback_tag(organization=organization, feedback=feedback, category=category)


def _keep_in_touch(organization, text, admin, now):
    """A call list for donors who haven't given again, a check-in for clients a month after
    they were helped, and a "we miss you" to lapsed volunteers; on for a while already."""
    subject, body = text["client_check_in"]
    miss_subject, miss_body = text["volunteer_miss_you"]
    specs = (
        {
            "name": text["donor_call"],
            "journey": "donor",
            "stage": "thanked",
            "after_days": 90,
            "action": KeepInTouchStep.Action.TASK,
        },
        {
            "name": subject,
            "journey": "client",
            "stage": "helped",
            "after_days": 30,
            "action": KeepInTouchStep.Action.EMAIL,
            "subject": subject,
            "body": body,
        },
        {
            "name": miss_subject,
            "journey": "volunteer",
            "stage": "lapsed",
            "after_days": 0,
            "action": KeepInTouchStep.Action.EMAIL,
            "subject": miss_subject,
            "body": miss_body,
        },
    )
    for spec in specs:
        if journey_registry.get(spec["journey"]) is None:
            continue
        step = keep_in_touch.step_save(organization=organization, is_active=True, **spec)
        KeepInTouchStep.objects.filter(pk=step.pk).update(created_at=now - timedelta(days=400))
    keep_in_touch.keep_in_touch_run(organization=organization, now=now)
