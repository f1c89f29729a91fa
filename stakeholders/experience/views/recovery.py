"""recovery pages."""

urlpatterns = []
