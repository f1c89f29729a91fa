"""What the volunteers app plugs into the experience loop (stakeholders/experience/registry.py): its
area with who may see it and who owns a recovery case, its touchpoints worth a survey, its journey
and what it knows about the experience behind a score."""

from django.utils.translation import gettext_lazy

from stakeholders.experience.registry import areas
from stakeholders.models import Role

AREA = "volunteer"
ROLES = (Role.ADMIN, Role.VOLUNTEER_COORDINATOR)


# --- Area and recovery-case owner -------------------------------------------------------------


def case_owner(*, organization, contact, related_kind, related_id):
    """Who usually puts things right for this person (None: the core's fallback)."""
    return None


# --- Touchpoints --------------------------------------------------------------------------------


def _register_touchpoints():
    pass


# --- Journey ------------------------------------------------------------------------------------


def _register_journey():
    pass


# --- Insight attributes -------------------------------------------------------------------------


def _register_insights():
    pass


def register():
    areas.register(AREA, gettext_lazy("Volunteers"), roles=ROLES, owner=case_owner)
    _register_touchpoints()
    _register_journey()
    _register_insights()
