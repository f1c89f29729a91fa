"""Clients pages, mounted at /o/<slug>/: staff pages under clients/, public ones under help/."""

from django.urls import path

from clients import views

app_name = "clients"

urlpatterns = [
    # Staff (caseworkers and admins; other roles get 404)
    path("clients/", views.index, name="index"),
    path("clients/requests/new/", views.request_create, name="request_create"),
    path("clients/requests/<int:request_id>/", views.request_detail, name="request_detail"),
    path(
        "clients/attachments/<int:attachment_id>/",
        views.attachment_download,
        name="attachment_download",
    ),
    path("clients/reports/", views.reports, name="reports"),
    path("clients/access-log/", views.access_log, name="access_log"),
    path("clients/settings/", views.settings_page, name="settings"),
    path(
        "clients/settings/holidays/<int:holiday_id>/delete/",
        views.holiday_delete,
        name="holiday_delete",
    ),
    path("clients/articles/", views.article_list, name="article_list"),
    path("clients/articles/new/", views.article_edit, name="article_create"),
    path("clients/articles/<int:article_id>/", views.article_edit, name="article_edit"),
    path(
        "clients/articles/<int:article_id>/translations/",
        views.article_translation_add,
        name="article_translation_add",
    ),
    path("clients/programmes/", views.programme_list, name="programme_list"),
    path("clients/programmes/<int:programme_id>/", views.programme_detail, name="programme_detail"),
    path("clients/sessions/<int:session_id>/", views.session_detail, name="session_detail"),
    path(
        "clients/contacts/<int:contact_id>/services/",
        views.client_services,
        name="client_services",
    ),
    # Public: the help centre, the request form and the status page (signed link)
    path("help/", views.help_home, name="help_home"),
    path("help/articles/<int:article_id>/", views.help_article, name="help_article"),
    path("help/articles/<int:article_id>/vote/", views.help_vote, name="help_vote"),
    path("help/suggest/", views.help_suggest, name="help_suggest"),
    path("help/request/", views.public_request, name="public_request"),
    path(
        "help/request/confirm/<str:request_token>/",
        views.public_request_confirm,
        name="public_request_confirm",
    ),
    path("help/request/status/", views.public_status, name="public_status"),
]
