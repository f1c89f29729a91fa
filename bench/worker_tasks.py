"""Tasks only the benchmark's worker loads (``celery worker --include bench.worker_tasks``)."""

import json
from pathlib import Path

from config.celery import app


@app.task(name="bench.render_letters")
def render_letters(organization_id, letters, report):
    """The bare render loop inside a worker process: its rate, written to ``report``."""
    from bench.bare_render import render_rate

    partial = Path(f"{report}.partial")
    partial.write_text(json.dumps(render_rate(organization_id, letters)))
    partial.replace(report)  # the benchmark never reads half a file
