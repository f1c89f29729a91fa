"""Running it for real: request ids, logs without secrets, metrics, error reports, health checks,
queues and time limits, and a compose file that validates."""

import gzip
import io
import json
import logging
import os
import shutil
import subprocess
import threading
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import redis
import yaml
from celery.exceptions import AlwaysEagerIgnored
from django.conf import settings as django_settings
from django.core import mail

from config.celery import app
from stakeholders.operations import celery as operations_celery
from stakeholders.operations import context, metrics
from stakeholders.operations.logging import JsonFormatter, TextFormatter
from stakeholders.operations.redaction import redact
from stakeholders.tenancy import links
from tests.factories import AcknowledgmentFactory, ContactFactory
from tests.processes import ROOT, last_line, manage


@pytest.fixture
def log_lines():
    """Every line the Django loggers write, through the production formatter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    loggers = [logging.getLogger(name) for name in ("django", "steward", "stakeholders")]
    for logger in loggers:
        logger.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    for logger in loggers:
        logger.removeHandler(handler)


# --- Request ids -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_response_carries_a_request_id_and_a_sane_incoming_one_is_kept(client):
    made = client.get("/accounts/login/")["X-Request-ID"]
    assert len(made) == 32 and made != client.get("/accounts/login/")["X-Request-ID"]
    kept = client.get("/accounts/login/", headers={"X-Request-ID": "lb-7f3a9c21"})
    assert kept["X-Request-ID"] == "lb-7f3a9c21"
    forged = client.get("/accounts/login/", headers={"X-Request-ID": "x\nFAKE log line"})
    assert "\n" not in forged["X-Request-ID"] and len(forged["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_a_log_line_is_json_with_request_organization_and_user_and_no_token(
    client, org_a, admin_a, log_lines
):
    client.force_login(admin_a)
    token = links.sign(organization=org_a, salt="not-the-feedback-salt", i=1)
    response = client.get(f"/o/{org_a.slug}/feedback/{token}/?score=5&email=jane@example.org")
    assert response.status_code == 400
    [line] = [line for line in log_lines() if line["logger"] == "django.request"]
    assert line["level"] == "WARNING"
    assert line["request_id"] == response["X-Request-ID"]
    assert line["organization"] == org_a.slug and line["user_id"] == admin_a.pk
    assert line["message"] == f"Bad Request: /o/{org_a.slug}/feedback/[redacted]/"
    assert set(line) == {"time", "level", "logger", "message", "request_id", "organization",
                         "user_id", "status_code"}  # fmt: skip
    assert token not in json.dumps(line) and "request" not in line


def test_redaction_keeps_paths_readable_and_secrets_out():
    signed = "eyJvIjoxLCJyIjoxMn0:1vRmQh:Jk3pL0m2N8q-x1Y7zAbCdEfGhIj"
    cases = {
        f"GET /o/riverside/feedback/{signed}/": "GET /o/riverside/feedback/[redacted]/",
        "/accounts/password/reset/key/1-cz9b1x-7a2f19c8e4b0d6a53f71/": (
            "/accounts/password/reset/key/[redacted]/"
        ),
        "/o/riverside/contacts/1234/?q=Mendoza&page=2": "/o/riverside/contacts/1234/?[redacted]",
        "/o/riverside-food-bank-london/thank-yous/": "/o/riverside-food-bank-london/thank-yous/",
        "Authorization: Token 9f8e7d6c5b4a": "Authorization: [redacted]",
        "login failed password=hunter2 for jane@example.org": (
            "login failed password=[redacted] for [email]"
        ),
        "Did you mean? Yes.": "Did you mean? Yes.",
    }
    for text, expected in cases.items():
        assert redact(text) == expected, text


def test_development_lines_are_readable():
    record = logging.LogRecord("steward", logging.INFO, __file__, 1, "batch done", None, None)
    with context.bind(request_id="abc12345", organization="riverside"):
        line = TextFormatter().format(record)
    assert line.endswith("INFO steward [abc12345 riverside] batch done")


def test_the_request_id_travels_with_queued_tasks_into_the_worker_log_context():
    broker = redis.Redis.from_url(django_settings.CELERY_BROKER_URL)
    broker.delete("default")
    with context.bind(request_id="req-4d1c2b3a"), warnings.catch_warnings():
        warnings.simplefilter("ignore", AlwaysEagerIgnored)  # send_task goes to the broker
        app.send_task("stakeholders.tasks.purge_expired_invitations")
    message = json.loads(broker.lpop("default"))
    assert message["headers"]["request_id"] == "req-4d1c2b3a"

    class Task:  # what the worker hands the task_prerun signal, with the message's headers
        name = "stakeholders.tasks.purge_expired_invitations"

        class request:
            request_id = message["headers"]["request_id"]

    operations_celery.task_started(task_id="t1", task=Task)
    assert context.current() == {"request_id": "req-4d1c2b3a", "task": Task.name}
    operations_celery.task_finished(task_id="t1", task=Task, state="SUCCESS")
    assert context.current() == {}


# --- Error mail and Sentry -----------------------------------------------------------------------


def test_error_mail_to_admins_is_redacted_and_names_the_request(settings):
    settings.ADMINS = [("Ops", "ops@example.org")]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    logger = logging.getLogger("django.request")
    with context.bind(request_id="req-91aa02ff"):
        try:
            raise ValueError("boom for /o/riverside/volunteer/confirm/eyJ2IjoxfQ:1vR:abcDEF123/")
        except ValueError:
            logger.error("Internal Server Error: /o/riverside/x/?token=abc", exc_info=True)
    [message] = mail.outbox
    assert "req-91aa02ff" in message.subject and "token=abc" not in message.subject
    assert "eyJ2IjoxfQ" not in message.body and "Traceback" in message.body


class Collector(BaseHTTPRequestHandler):
    received = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":
            import brotli

            body = brotli.decompress(body)
        Collector.received.append(body.decode())
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


BOOM_URLS = """
from django.http import HttpResponse
from django.urls import path


def boom(request, token):
    note = request.GET["note"]  # a person's words in a local variable: never sent
    raise RuntimeError(f"could not open {request.path} for {request.GET['email']}: {len(note)}")


urlpatterns = [path("p/feedback/<str:token>/", boom)]
"""
SENTRY_SCRIPT = """
import sentry_sdk
from django.test import Client
from django.test.utils import setup_test_environment

setup_test_environment()
client = Client(raise_request_exception=False)
response = client.get(
    "/p/feedback/eyJvIjoxfQ:1vRmQh:Jk3pL0m2N8qx1Y7z/",
    {"email": "jane@example.org", "note": "her landlord"},
    headers={"Cookie": "sessionid=s3cr3t", "Authorization": "Token abcdef"},
)
print(response.status_code)
sentry_sdk.flush()
"""


def test_sentry_gets_the_error_without_personal_data(tmp_path):
    Collector.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    (tmp_path / "boom_urls.py").write_text(BOOM_URLS)
    script = "from django.conf import settings; settings.ROOT_URLCONF = 'boom_urls'\n"
    try:
        done = manage(
            "shell",
            "-c",
            script + SENTRY_SCRIPT,
            DJANGO_SETTINGS_MODULE="config.settings.test",
            SENTRY_DSN=f"http://publickey@127.0.0.1:{server.server_port}/1",
            PYTHONPATH=f"{tmp_path}{os.pathsep}{ROOT}",
        )
    finally:
        server.shutdown()
    assert last_line(done) == "500"
    [event] = [
        json.loads(line)
        for envelope in Collector.received
        for line in envelope.splitlines()
        if '"exception"' in line
    ]
    sent = json.dumps(event)
    assert event["exception"]["values"][0]["type"] == "RuntimeError"
    assert "/p/feedback/[redacted]/" in sent  # the route is there, the token is not
    for secret in ("Jk3pL0m2N8qx1Y7z", "jane@example.org", "s3cr3t", "abcdef", "landlord"):
        assert secret not in sent, secret
    assert event["user"] == {} and "cookies" not in event["request"]


# --- Metrics -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_metrics_are_off_until_a_token_or_network_is_set(client, settings):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_NETWORKS = "", []
    assert client.get("/metrics").status_code == 404
    settings.METRICS_TOKEN = "m-7c1e0a9f"
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert client.get("/metrics", headers={"Authorization": "Bearer m-7c1e0a9f"}).status_code == 200
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_NETWORKS = "", ["10.0.0.0/8"]
    assert client.get("/metrics").status_code == 403  # the test client comes from 127.0.0.1
    settings.METRICS_ALLOWED_NETWORKS = ["127.0.0.0/8", "::1/128"]
    assert client.get("/metrics").status_code == 200


@pytest.mark.django_db
def test_metrics_report_requests_tasks_queues_and_the_thank_you_backlog(client, settings, org_a):
    settings.METRICS_TOKEN = "m-7c1e0a9f"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete(metrics.TASK_KEY, "mail", "letters")
    contact = ContactFactory(organization=org_a)
    AcknowledgmentFactory(organization=org_a, contact=contact, state="pending", attempts=2)
    AcknowledgmentFactory(organization=org_a, contact=ContactFactory(organization=org_a),
                          state="review")  # fmt: skip
    metrics.record_task(name="thankyous.tasks.run_thankyou_batch", state="success", seconds=2.5)
    metrics.record_task(name="thankyous.tasks.run_thankyou_batch", state="failure", seconds=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AlwaysEagerIgnored)
        app.send_task("volunteers.tasks.send_portal_link", kwargs={"organization_id": 1})
    client.get("/accounts/login/")

    text = client.get("/metrics", headers={"Authorization": "Bearer m-7c1e0a9f"}).content.decode()
    broker.delete("mail")
    assert 'steward_http_requests_total{method="GET",route="accounts/login/",status="200"}' in text
    assert "steward_http_request_duration_seconds_bucket" in text
    task = 'task="thankyous.tasks.run_thankyou_batch"'
    assert f'steward_celery_task_runs_total{{state="success",{task}}} 1.0' in text
    assert f'steward_celery_task_runs_total{{state="failure",{task}}} 1.0' in text
    assert f"steward_celery_task_duration_seconds_sum{{{task}}} 3.0" in text
    assert 'steward_celery_queue_length{queue="mail"} 1.0' in text
    assert 'steward_celery_queue_length{queue="letters"} 0.0' in text
    assert "steward_celery_oldest_unacked_seconds" in text
    assert 'steward_thankyou_acknowledgments{state="pending"} 1.0' in text
    assert 'steward_thankyou_acknowledgments{state="review"} 1.0' in text
    assert "steward_thankyou_failed_sends 2.0" in text  # refused once and waiting, or for review
    assert "steward_thankyou_oldest_waiting_seconds" in text
    assert org_a.slug not in text  # no organization names in labels


# --- Health ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_health_answers_for_any_host_and_without_https_redirect(client, settings):
    settings.ALLOWED_HOSTS = ["steward.example.org"]
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz", HTTP_HOST="localhost:8000")
    assert response.status_code == 200 and response.json()["database"] == "ok"
    assert "no-cache" in response["Cache-Control"]
    assert client.get("/accounts/login/", HTTP_HOST="localhost:8000").status_code == 400


# --- Celery in production ----------------------------------------------------------------------


def test_every_task_has_a_queue_of_its_kind_and_a_time_limit():
    app.loader.import_default_modules()
    ours = {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}
    assert len(ours) > 25
    queues = set(django_settings.CELERY_TASK_QUEUE_NAMES)
    router = app.amqp.router
    for name, task in ours.items():
        route = router.route({}, name)
        assert route["queue"].name in queues, name
        hard = task.time_limit or app.conf.task_time_limit
        soft = task.soft_time_limit or app.conf.task_soft_time_limit
        assert hard and soft and soft < hard, name
    assert router.route({}, "thankyous.tasks.run_thankyou_batch")["queue"].name == "letters"
    assert router.route({}, "volunteers.tasks.send_portal_link")["queue"].name == "mail"
    assert router.route({}, "stakeholders.tasks.run_import")["queue"].name == "imports"
    assert router.route({}, "stakeholders.inbox.tasks.file_received_texts")["queue"].name == "inbox"
    assert app.conf.task_reject_on_worker_lost and app.conf.task_acks_late


# --- Deployment files --------------------------------------------------------------------------


def compose_command():
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    pytest.fail("Neither `docker compose` nor docker-compose: `make test` installs docker-compose")


def test_the_compose_file_validates_and_runs_a_worker_per_queue(tmp_path):
    environment = {
        **os.environ,
        "SECRET_KEY": "x" * 50,
        "FIELD_ENCRYPTION_KEYS": "lEa7ZQvVjeXVj3ER6l4Vx0wXH9Qm4o5c7n1xZp8YJQk=",
        "SITE_DOMAIN": "steward.example.org",
        "POSTGRES_PASSWORD": "p" * 20,
        "POSTGRES_APP_PASSWORD": "a" * 20,
    }
    done = subprocess.run(
        [*compose_command(), "--file", "docker-compose.yml", "--profile", "tls", "config"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    services = yaml.safe_load(done.stdout)["services"]
    served = {
        service["command"][service["command"].index("--queues") + 1]
        for service in services.values()
        if "worker" in service.get("command", [])
    }
    assert served == set(django_settings.CELERY_TASK_QUEUE_NAMES)
    assert services["postgres"]["image"] == "pgvector/pgvector:pg18"
    assert services["web"]["environment"]["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    assert "caddy" in services and services["web"]["healthcheck"]["test"][-1].endswith("/healthz")
    # The application connects as a role that owns no table; only migrate knows the owner.
    assert services["web"]["environment"]["DATABASE_URL"].startswith("postgres://steward_app:")
    assert "DATABASE_OWNER_URL" not in services["web"]["environment"]
    assert services["migrate"]["environment"]["DATABASE_OWNER_URL"].startswith(
        "postgres://steward:"
    )
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".env", ".venv", "var", "db.*", ".git"} <= set(ignored)
