"""The experience loop's pages, one module per topic; each has its ``urlpatterns``."""
