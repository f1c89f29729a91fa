"""Development (`make run`): DEBUG on, the embedded PostgreSQL, a development secret key and an
encryption key derived from it, mail written to files in var/mail. Never for real data."""

import os

os.environ.setdefault("DEBUG", "1")

from .base import *  # noqa: F403
