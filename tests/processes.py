"""Running Steward's own commands in a fresh process, as an operator would."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def python(*args, unset=(), timeout=300, **env):
    """``python *args`` in the project folder with the tests' environment plus ``env``, minus
    ``unset`` (and the browser tests' async switch)."""
    environment = dict(os.environ)
    for name in ("DJANGO_ALLOW_ASYNC_UNSAFE", *unset):
        environment.pop(name, None)
    environment.update(env)
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def manage(*args, **env):
    return python("manage.py", *args, **env)


def last_line(done):
    """The last line a successful command printed."""
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    return lines[-1] if lines else ""
