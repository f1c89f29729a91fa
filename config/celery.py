"""The Celery app: Django-aware tasks (`delay_on_commit`), configured from CELERY_* settings, with
the operations signals: request ids in task headers, task metrics, Django's logging."""

import ctypes.util
import gc
import logging
import os

from celery import Celery
from celery.signals import (
    before_task_publish,
    setup_logging,
    task_postrun,
    task_prerun,
    worker_init,
    worker_process_init,
)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("steward", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _operations():
    from stakeholders.operations import celery as operations  # after Django is set up

    return operations


@before_task_publish.connect
def add_request_id(**kwargs):
    _operations().add_request_id(**kwargs)


@task_prerun.connect
def task_started(**kwargs):
    _operations().task_started(**kwargs)


@task_postrun.connect
def task_finished(**kwargs):
    _operations().task_finished(**kwargs)


@setup_logging.connect
def configure_logging(**kwargs):
    _operations().configure_logging(**kwargs)


@worker_init.connect
def warn_without_harfbuzz_subset(**kwargs):
    """WeasyPrint makes letters ~7x slower without HarfBuzz's subsetter: say so at worker start."""
    if ctypes.util.find_library("harfbuzz-subset") is None:
        logging.getLogger("steward").warning(
            "libharfbuzz-subset0 is not installed: PDF letters will render ~7x slower. "
            "Install it (apt-get install libharfbuzz-subset0) or use the project's Docker image."
        )


@worker_process_init.connect
def freeze_startup_objects(**kwargs):
    """Everything imported at start lives as long as the process: keep it out of the garbage
    collector's full passes, which a letter-rendering worker triggers often."""
    gc.freeze()
