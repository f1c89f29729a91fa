"""Pages of the core. ``urlpatterns`` live under /o/<slug>/; ``account_urlpatterns`` at the root."""

from django.urls import path

from stakeholders import views

app_name = "stakeholders"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("logo/", views.organization_logo, name="organization_logo"),
    path("brand.css", views.organization_brand_css, name="organization_brand_css"),
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
    path("settings/audit/", views.settings_audit, name="settings_audit"),
    path("settings/tokens/<int:token_id>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    # Contacts and their timeline
    path("contacts/", views.contact_list, name="index"),
    path("contacts/export.csv", views.contact_export, name="contact_export"),
    path("contacts/new/", views.contact_create, name="contact_create"),
    path("contacts/<int:contact_id>/", views.contact_detail, name="contact_detail"),
    path("contacts/<int:contact_id>/edit/", views.contact_edit, name="contact_edit"),
    path("contacts/<int:contact_id>/timeline/", views.contact_timeline, name="contact_timeline"),
    path("contacts/<int:contact_id>/panels/", views.contact_panels_page, name="contact_panels"),
    path("contacts/<int:contact_id>/log/", views.contact_log, name="contact_log"),
    path("contacts/<int:contact_id>/consent/", views.contact_consent, name="contact_consent"),
    path(
        "contacts/<int:contact_id>/relationships/",
        views.contact_relationship_add,
        name="contact_relationship_add",
    ),
    path(
        "relationships/<int:relationship_id>/remove/",
        views.relationship_remove,
        name="relationship_remove",
    ),
    path("contacts/<int:contact_id>/data/", views.contact_data_export, name="contact_data_export"),
    path("contacts/<int:contact_id>/erase/", views.contact_erase, name="contact_erase"),
    path("contacts/import/", views.import_start, name="import_start"),
    path("contacts/import/<int:import_id>/", views.import_detail, name="import_detail"),
    path("contacts/import/<int:import_id>/errors.csv", views.import_errors, name="import_errors"),
    path("contacts/duplicates/", views.duplicate_list, name="duplicate_list"),
    path("contacts/duplicates/<int:pair_id>/", views.duplicate_review, name="duplicate_review"),
    # Interactions
    path("interactions/log/", views.interaction_log, name="interaction_log"),
    path("interactions/<int:interaction_id>/", views.interaction_detail, name="interaction_detail"),
    path(
        "interactions/<int:interaction_id>/follow-up-done/",
        views.follow_up_done,
        name="follow_up_done",
    ),
    path("follow-ups/", views.follow_ups, name="follow_ups"),
    # Public: the stakeholder's answer to a survey link
    path("feedback/<str:token>/", views.feedback_public, name="feedback_public"),
]

account_urlpatterns = [
    path("accounts/language/", views.account_language, name="account_language"),
    path("orgs/", views.organization_picker, name="organization_picker"),
    path("orgs/new/", views.organization_create, name="organization_create"),
    path("invitations/<str:key>/", views.invitation_accept, name="invitation_accept"),
]
