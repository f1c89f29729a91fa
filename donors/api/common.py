"""Who reads and who changes the donors app through the API (as on its pages)."""

from stakeholders.models import Role

READERS = (Role.ADMIN, Role.FUNDRAISER, Role.VIEWER)
WRITERS = (Role.ADMIN, Role.FUNDRAISER)
