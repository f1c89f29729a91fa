"""The core's API routes beyond contacts and their history, one module per topic (kept out
of ``stakeholders/api.py`` so that file stays readable): complaint categories, relationships,
duplicates and merge, imports, data subject requests, the inbox's saved replies and WhatsApp
templates. ``register`` adds them to the core's router."""


def register(router):
    from stakeholders.core_api import (
        categories,
        data_subjects,
        duplicates,
        imports,
        inbox_settings,
        relationships,
    )

    for topic in (categories, relationships, duplicates, imports, data_subjects, inbox_settings):
        topic.register(router)
