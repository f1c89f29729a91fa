"""The community, mounted at /o/<slug>/community/: public pages at the top, staff pages under
manage/ (each topic's module lists its own patterns)."""

from community.views import (
    ideas,
    insights,
    members,
    moderation,
    notices,
    promotion,
    questions,
    sessions,
    spaces,
)

app_name = "community"

urlpatterns = [
    *members.urlpatterns,
    *questions.urlpatterns,
    *spaces.urlpatterns,
    *moderation.urlpatterns,
    *ideas.urlpatterns,
    *notices.urlpatterns,
    *sessions.urlpatterns,
    *promotion.urlpatterns,
    *insights.urlpatterns,
]
