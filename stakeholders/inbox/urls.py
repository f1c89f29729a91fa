"""The shared inbox's pages, under /o/<slug>/inbox/ (each views module lists its own)."""

from stakeholders.inbox.views import conversations, messaging, settings

app_name = "inbox"

urlpatterns = [*conversations.urlpatterns, *settings.urlpatterns, *messaging.urlpatterns]
