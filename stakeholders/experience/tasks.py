"""Background work of the experience loop. Thin: each task calls a service; beat's fan-outs run
every organization in its own scope."""

from celery import shared_task  # noqa: F401

from stakeholders.tenancy.tasks import OrganizationTask  # noqa: F401

# --- Surveys --------------------------------------------------------------------------------------


# --- Recovery cases -------------------------------------------------------------------------------


# --- Journeys -------------------------------------------------------------------------------------


# --- Keep in touch --------------------------------------------------------------------------------
