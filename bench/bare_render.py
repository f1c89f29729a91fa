"""WeasyPrint alone, in a fresh process: ``python -m bench.bare_render ORGANIZATION_ID LETTERS``
renders the organization's default thank-you letter and prints its rate as JSON.

The thank-you benchmark runs as many at once as its worker has processes (two on shared cores,
one pinned to the worker's core with ``taskset``), next to its batch, for the bare render rate at
the worker's concurrency on the same machine at the same time; and (``bench/worker_tasks.py``)
the same loop inside the worker's own processes, without the batch around it.
"""

import json
import os
import sys
import time

from bench.run import setup_django


def render_rate(organization_id, letters):
    from stakeholders.models import Organization
    from stakeholders.tenancy.models import organization_scope
    from thankyous import rendering
    from thankyous.models import Rule, ThankYouTemplate
    from thankyous.registry import thankables

    organization = Organization.objects.get(pk=organization_id)
    with organization_scope(organization):
        template = ThankYouTemplate.objects.get(rule=Rule.DEFAULT)
        fields = thankables["gift"].sample(organization)
    rendering.letter_pdf(organization=organization, template=template, fields=fields)  # warm up
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(letters):
        rendering.letter_pdf(organization=organization, template=template, fields=fields)
    elapsed = time.perf_counter() - start
    return {
        "rate": letters / elapsed,
        "cpu_ms": (time.process_time() - cpu) * 1000 / letters,
        "pid": os.getpid(),
    }


if __name__ == "__main__":
    setup_django()
    print(json.dumps(render_rate(int(sys.argv[1]), int(sys.argv[2]))))
