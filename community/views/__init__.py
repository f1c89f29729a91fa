"""The community's pages, by topic; each module lists its own ``urlpatterns``."""
