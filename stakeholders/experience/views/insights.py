"""insights pages."""

urlpatterns = []
