"""The shared inbox: messaging pages."""

urlpatterns = []
