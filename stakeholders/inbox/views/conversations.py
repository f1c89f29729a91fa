"""The shared inbox: conversations pages."""

urlpatterns = []
