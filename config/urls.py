"""URL map: accounts, organization pages under /o/<slug>/, the API under /api/v1/o/<slug>/."""

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from clients import api as client_api
from community import api as community_api
from donors import api as donor_api
from stakeholders import api as stakeholder_api
from stakeholders import urls as stakeholder_urls
from stakeholders import views as stakeholder_views
from stakeholders.experience import api as experience_api
from stakeholders.inbox import api as inbox_api
from stakeholders.integrations import api as integrations_api
from stakeholders.operations import metrics
from thankyous import api as thankyou_api
from volunteers import api as volunteer_api

urlpatterns = [
    path("", stakeholder_views.home, name="home"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("", include(stakeholder_urls.account_urlpatterns)),
    path("o/<slug:org_slug>/", include(stakeholder_urls)),
    path("o/<slug:org_slug>/experience/", include("stakeholders.experience.urls")),
    path("o/<slug:org_slug>/webhooks/email/", include("stakeholders.email_webhooks")),
    path("o/<slug:org_slug>/webhooks/", include("stakeholders.inbox.webhooks")),
    path("o/<slug:org_slug>/inbox/", include("stakeholders.inbox.urls")),
    path("o/<slug:org_slug>/settings/webhooks/", include("stakeholders.integrations.urls")),
    path("o/<slug:org_slug>/donors/", include("donors.urls")),
    path("o/<slug:org_slug>/thank-yous/", include("thankyous.urls")),
    path("o/<slug:org_slug>/", include("clients.urls")),
    path("o/<slug:org_slug>/", include("volunteers.urls")),
    path("o/<slug:org_slug>/community/", include("community.urls")),
    path("api/v1/o/<slug:org_slug>/", include(stakeholder_api.router.urls)),
    path("api/v1/o/<slug:org_slug>/", include(experience_api.router.urls)),
    path("api/v1/o/<slug:org_slug>/", include(inbox_api.router.urls)),
    path("api/v1/o/<slug:org_slug>/", include(integrations_api.router.urls)),
    path("api/v1/o/<slug:org_slug>/", include(donor_api.router.urls)),
    path("api/v1/o/<slug:org_slug>/", include(thankyou_api.router.urls)),
    path("api/v1/o/<slug:org_slug>/", include(client_api.router.urls)),
    path("api/v1/o/<slug:org_slug>/", include(volunteer_api.router.urls)),
    path("api/v1/o/<slug:org_slug>/", include(community_api.router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    # Swagger UI sets inline style attributes as it renders: allowed on this page only.
    path(
        "api/docs/",
        csp_update({"style-src": [UNSAFE_INLINE]})(
            SpectacularSwaggerSplitView.as_view(url_name="api_schema")
        ),
        name="api_docs",
    ),
]

if settings.ADMIN_ENABLED:
    urlpatterns.append(path(settings.ADMIN_URL, admin.site.urls))

handler404 = "stakeholders.views.page_not_found"
handler500 = "stakeholders.views.server_error"
