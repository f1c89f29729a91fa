"""Who reads and who changes the volunteers app through the API (as on its pages)."""

from stakeholders.models import Role

READERS = (Role.ADMIN, Role.VOLUNTEER_COORDINATOR, Role.VIEWER)
WRITERS = (Role.ADMIN, Role.VOLUNTEER_COORDINATOR)
