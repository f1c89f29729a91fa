"""What the experience loop holds about a person, moved on merge, wiped on erasure and exported
for a data subject request (registered with the core's ``contact_hooks``)."""

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from stakeholders.models import (
    JourneyPosition,
    KeepInTouchRun,
    RecoveryAction,
    RecoveryCase,
    SurveyInvitation,
)


def _move_unless_taken(rows, *, keep, same):
    """Give ``keep`` the rows of the removed record, except where ``keep`` already has the row a
    unique constraint allows once (``same``: the other fields of that constraint)."""
    taken = rows.model.objects.filter(
        organization=keep.organization_id,
        contact=keep,
        **{name: OuterRef(name) for name in same},
    )
    rows.filter(Exists(taken)).delete()
    rows.update(contact=keep)


def merge_experience_rows(*, organization, keep, remove):
    def of(model):
        return model.objects.filter(organization=organization, contact=remove)

    _move_unless_taken(
        of(SurveyInvitation), keep=keep, same=("rule_id", "related_kind", "related_id")
    )
    _move_unless_taken(of(KeepInTouchRun), keep=keep, same=("step_id", "stage_entered_at"))
    _move_unless_taken(of(JourneyPosition), keep=keep, same=("journey",))
    of(RecoveryCase).update(contact=keep)
    # The kept person's stages are recomputed with everything now theirs at the next refresh.
    JourneyPosition.objects.filter(organization=organization, contact=keep).update(
        next_change_at=timezone.now()
    )


def erase_experience_rows(*, organization, contact):
    """What went wrong and what was done is wiped; that a case existed stays for the counts."""
    cases = RecoveryCase.objects.filter(organization=organization, contact=contact)
    RecoveryAction.objects.filter(organization=organization, case__in=cases).update(note="")
    cases.update(summary=_("Erased"))
    for model in (SurveyInvitation, JourneyPosition, KeepInTouchRun):
        model.objects.filter(organization=organization, contact=contact).delete()


def export_experience_rows(*, organization, contact):
    cases = RecoveryCase.objects.filter(organization=organization, contact=contact)
    return {
        "surveys_sent": list(
            SurveyInvitation.objects.filter(organization=organization, contact=contact)
            .order_by("due_at")
            .values("rule__name", "touchpoint_at", "status", "sent_at", "answered_at")
        ),
        "recovery_cases": [
            {
                "opened_at": case.opened_at,
                "summary": case.summary,
                "status": case.status,
                "closed_at": case.closed_at,
                "actions": list(
                    RecoveryAction.objects.filter(organization=organization, case=case).values(
                        "occurred_at", "kind", "note"
                    )
                ),
            }
            for case in cases.order_by("opened_at")
        ],
        "journey_stages": list(
            JourneyPosition.objects.filter(organization=organization, contact=contact).values(
                "journey", "stage", "entered_at"
            )
        ),
        "keep_in_touch": list(
            KeepInTouchRun.objects.filter(organization=organization, contact=contact)
            .order_by("created_at")
            .values("step__name", "status", "created_at", "done_at")
        ),
    }


COVERS = [
    "stakeholders.SurveyInvitation.contact",
    "stakeholders.RecoveryCase.contact",
    "stakeholders.JourneyPosition.contact",
    "stakeholders.KeepInTouchRun.contact",
]
