"""The Celery app: Django-aware tasks (`delay_on_commit`), configured from CELERY_* settings."""

import ctypes.util
import gc
import logging
import os

from celery import Celery
from celery.signals import worker_init, worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("steward", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


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
