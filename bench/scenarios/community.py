"""Community: one space with 100,000 questions and 500,000 answers (issue 20's benchmark).

Targets: the space's question list and its search p95 < 80 ms, a question page p95 < 50 ms
with the same number of queries whatever the number of answers. Timed through the real views
(Django's test client, as a visitor reads them; the public space of an open community), as the
application's role under row-level security (``bench/roles.py``); the data is loaded by the
owner with COPY (``bench/generators/community.py``). A case over its target keeps the plan of
its slowest query.

``BENCH_COMMUNITY_QUESTIONS=10000`` (answers five times as many) runs a moderate size in a
database of its own.
"""

import html
import os
import re
import time

from django.db import connection
from django.test import Client

from bench import roles, timing
from bench.generators import community as generator
from community.models import CommunitySettings, Space
from stakeholders.models import Organization
from stakeholders.tenancy.models import organization_scope

LARGE = True
QUESTIONS = int(os.environ.get("BENCH_COMMUNITY_QUESTIONS", "100000"))
DATABASE = "steward_bench_community" + (
    f"_{QUESTIONS}" if os.environ.get("BENCH_COMMUNITY_QUESTIONS") else ""
)
KEEP_DATABASE = True
SLUG = "bench"
SPACE = "getting-help"
REQUESTS = 200
# A few rows and requests: the test suite runs every scenario so (tests/test_bench.py).
TINY = {"questions": 300, "answers": 1500, "members": 50, "requests": 2}

TARGET_LIST_MS = 80
TARGET_SEARCH_MS = 80
TARGET_QUESTION_MS = 50


def _organization():
    organization = Organization.objects.filter(slug=SLUG).first()
    if organization is None:
        organization = Organization.objects.create(
            name="Bench community",
            slug=SLUG,
            country="GB",
            language="en",
            other_languages=["es", "fr", "fa", "km"],
        )
    return organization


def _prepare(questions, answers, members):
    """The organization, its open community and the space, filled once (the database is kept
    between runs); returns the organization and what the generator reported."""
    with roles.loading():
        organization = _organization()
        with organization_scope(organization):
            CommunitySettings.objects.update_or_create(
                organization=organization, defaults={"enabled": True}
            )
            space = Space.objects.filter(organization=organization, slug=SPACE).first()
            if space is None:
                space = Space.objects.create(
                    organization=organization, name="Getting help", slug=SPACE
                )
            data = generator.load(
                organization=organization,
                space=space,
                questions=questions,
                answers=answers,
                members=members,
            )
    return organization, data


def _time(client, path, requests, target_ms):
    """p50/p95 of ``path`` and the queries of one request (the slowest one's plan on a miss)."""
    response = client.get(path)  # warm up
    assert response.status_code == 200, (path, response.status_code)
    with timing.recording_queries() as queries:
        body = client.get(path).content.decode()
    timings = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    result, slowest = timing.summary(path, timings, queries, target_ms)
    if not result["target_met"]:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest[1], slowest[2])
            result["slowest_query_plan"] = [row[0] for row in cursor.fetchall()]
    return result, body


def _next_page(body):
    found = re.search(r'href="(\?[^"]*after=[^"]*)"', body)
    return html.unescape(found.group(1)) if found else None


def run(*, questions=QUESTIONS, answers=None, members=None, requests=REQUESTS):
    answers = answers if answers is not None else questions * 5
    members = members if members is not None else max(50, questions // 20)
    with roles.loading():
        organization = _organization()
        with organization_scope(organization):
            loaded = Space.objects.filter(organization=organization, slug=SPACE).exists() and (
                generator.question_count(organization=organization) >= questions
            )
    data = None
    if not loaded:
        organization, data = _prepare(questions, answers, members)
    with roles.loading(), organization_scope(organization):
        ids = generator.sample_ids(organization=organization)
    base = f"/o/{SLUG}/community"
    visitor = Client(HTTP_HOST="localhost")
    results = {
        "data": data
        or {"questions": questions, "answers": answers, "members": members, "loaded": "before"},
        "measured_as": None,
        # Timings on a busy machine are not the application's: the load is kept beside them.
        "load_average_at_start": [round(load, 2) for load in os.getloadavg()],
    }
    with roles.measuring(), organization_scope(organization):
        results["measured_as"] = roles.current_role()
        first, body = _time(visitor, f"{base}/s/{SPACE}/", requests, TARGET_LIST_MS)
        results["space page, latest activity"] = first
        following = _next_page(body)
        cases = [
            ("space page 2 (by key)", f"{base}/s/{SPACE}/{following}", TARGET_LIST_MS),
            ("space page, unanswered", f"{base}/s/{SPACE}/?sort=unanswered", TARGET_LIST_MS),
            ("space page, most votes", f"{base}/s/{SPACE}/?sort=votes", TARGET_LIST_MS),
            ("space page, a tag", f"{base}/s/{SPACE}/?tag=housing", TARGET_LIST_MS),
            ("search, common words", f"{base}/s/{SPACE}/?q=food+parcels", TARGET_SEARCH_MS),
            ("search, a rarer word", f"{base}/s/{SPACE}/?q=bailiff", TARGET_SEARCH_MS),
            ("search, Spanish", f"{base}/s/{SPACE}/?q=alquiler", TARGET_SEARCH_MS),
            ("search, Persian", f"{base}/s/{SPACE}/?q=اجاره", TARGET_SEARCH_MS),
            ("search, Khmer (no spaces)", f"{base}/s/{SPACE}/?q=ប័ណ្ណសមធម៌", TARGET_SEARCH_MS),
            (
                "question page, typical",
                f"{base}/q/{ids['typical_question']}/",
                TARGET_QUESTION_MS,
            ),
            (
                "question page, heavy (most answers)",
                f"{base}/q/{ids['heavy_question']}/",
                TARGET_QUESTION_MS,
            ),
            (
                "question page, unanswered",
                f"{base}/q/{ids['unanswered_question']}/",
                TARGET_QUESTION_MS,
            ),
        ]
        for label, path, target in cases:
            if following is None and "by key" in label:
                continue
            results[label] = _time(visitor, path, requests, target)[0]
    pages = [results[label] for label in results if label.startswith("question page")]
    results["question page queries"] = {
        "answers": {"typical": ids["typical_answers"], "heavy": ids["heavy_answers"]},
        "queries": sorted({page["queries"] for page in pages}),
        "constant": len({page["queries"] for page in pages}) == 1,
    }
    results["load_average_at_end"] = [round(load, 2) for load in os.getloadavg()]
    results["targets_missed"] = [
        label
        for label, value in results.items()
        if isinstance(value, dict) and value.get("target_met") is False
    ]
    return results
