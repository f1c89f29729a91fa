"""journeys pages."""

urlpatterns = []
