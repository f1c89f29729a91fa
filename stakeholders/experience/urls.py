"""Pages of the experience loop, under /o/<slug>/experience/ (staff) and the answer links."""

from stakeholders.experience.views import insights, journeys, keep_in_touch, recovery, surveys

app_name = "experience"

urlpatterns = [
    *surveys.urlpatterns,
    *recovery.urlpatterns,
    *journeys.urlpatterns,
    *keep_in_touch.urlpatterns,
    *insights.urlpatterns,
]
