"""Service recovery: a low score or a complaint opens a case with an owner and a working-time
clock, until the person says whether it is put right."""


def case_open_for_feedback(*, organization, feedback):
    """Open a recovery case when ``feedback`` is a low score (the organization's thresholds)."""
    return None


def case_open_for_complaint(*, organization, interaction):
    """Open a recovery case for an interaction logged as a complaint."""
    return None
