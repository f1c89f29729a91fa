"""The shared inbox: settings pages."""

urlpatterns = []
