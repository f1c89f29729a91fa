"""The shared inbox's API, one module per topic: conversations and their messages
(``conversations``), and the providers' webhooks as the API docs describe them
(``webhook_docs``)."""

from stakeholders.inbox.api.conversations import router

__all__ = ["router"]
