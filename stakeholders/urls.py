"""Pages of the core. ``urlpatterns`` live under /o/<slug>/; ``account_urlpatterns`` at the root."""

from django.urls import path

from stakeholders import views

app_name = "stakeholders"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("logo/", views.organization_logo, name="organization_logo"),
    path("settings/", views.settings_profile, name="settings_profile"),
    path("settings/members/", views.settings_members, name="settings_members"),
    path("settings/members/<int:membership_id>/role/", views.member_role, name="member_role"),
    path("settings/members/<int:membership_id>/remove/", views.member_remove, name="member_remove"),
    path("settings/invitations/new/", views.invitation_create, name="invitation_create"),
    path(
        "settings/invitations/<int:invitation_id>/resend/",
        views.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "settings/invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("settings/tokens/", views.settings_tokens, name="settings_tokens"),
    path("settings/tokens/<int:token_id>/revoke/", views.api_token_revoke, name="api_token_revoke"),
]

account_urlpatterns = [
    path("orgs/", views.organization_picker, name="organization_picker"),
    path("orgs/new/", views.organization_create, name="organization_create"),
    path("invitations/<str:key>/", views.invitation_accept, name="invitation_accept"),
]
