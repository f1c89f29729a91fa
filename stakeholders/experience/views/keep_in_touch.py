"""keep_in_touch pages."""

urlpatterns = []
