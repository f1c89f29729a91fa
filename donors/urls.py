"""Donors pages, under /o/<slug>/donors/."""

from django.urls import path

from donors import views

app_name = "donors"

urlpatterns = [
    path("", views.index, name="index"),
    path("gifts/", views.gift_list, name="gift_list"),
    path("gifts/new/", views.gift_batch, name="gift_batch"),
    path("gifts/new/one/", views.gift_create, name="gift_create"),
    path("gifts/<int:gift_id>/", views.gift_detail, name="gift_detail"),
    path("lapsed/", views.lapsed, name="lapsed"),
    path("welcome-calls/", views.welcome_calls, name="welcome_calls"),
    path(
        "contacts/<int:contact_id>/welcome-call/",
        views.welcome_call_log,
        name="welcome_call_log",
    ),
    path("grants/", views.grant_list, name="grant_list"),
    path("grants/new/", views.grant_edit, name="grant_create"),
    path("grants/<int:grant_id>/", views.grant_edit, name="grant_edit"),
    path("settings/", views.donor_settings, name="settings"),
    path("contacts/<int:contact_id>/impact-link/", views.send_impact_link, name="send_impact_link"),
    path("contacts/<int:contact_id>/commitments/", views.commitments, name="commitments"),
    path("funds/", views.fund_list, name="fund_list"),
    path("funds/new/", views.fund_edit, name="fund_create"),
    path("funds/<int:fund_id>/", views.fund_edit, name="fund_edit"),
    path("campaigns/new/", views.campaign_edit, name="campaign_create"),
    path("campaigns/<int:campaign_id>/", views.campaign_edit, name="campaign_edit"),
    path("stories/new/", views.story_edit, name="story_create"),
    path("stories/<int:story_id>/", views.story_edit, name="story_edit"),
    path(
        "stories/<int:story_id>/translations/",
        views.story_translation_add,
        name="story_translation_add",
    ),
    path("updates/", views.update_list, name="update_list"),
    path("updates/new/", views.update_edit, name="update_create"),
    path("updates/<int:update_id>/", views.update_edit, name="update_edit"),
    path(
        "updates/<int:update_id>/translations/",
        views.update_translation_add,
        name="update_translation_add",
    ),
    # Public: the donor's own page and the unsubscribe link, reached by signed links
    path("impact/", views.impact, name="impact"),
    path("impact/link/", views.impact_link, name="impact_link"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
