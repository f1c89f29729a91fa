"""Integrations: signed webhooks out, idempotent API writes (issue 22, points 4 and 5).

The core owns them; feature apps only call ``events.emit(...)`` from their services and register
their event types, so nothing here imports a feature app.
"""
