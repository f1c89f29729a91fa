"""Volunteers pages, mounted at /o/<slug>/: staff under volunteers/, public pages under
volunteer/ (singular: the address volunteers see and share)."""

from django.urls import path

from volunteers import public, views

app_name = "volunteers"

urlpatterns = [
    path("volunteers/", views.index, name="index"),
    path("volunteers/people/", views.volunteer_list, name="list"),
    path("volunteers/people/<int:profile_id>/", views.profile, name="profile"),
    path("volunteers/opportunities/", views.opportunity_list, name="opportunities"),
    path("volunteers/opportunities/new/", views.opportunity_new, name="opportunity_new"),
    path("volunteers/opportunities/<int:opportunity_id>/", views.opportunity, name="opportunity"),
    path("volunteers/opportunities/<int:opportunity_id>/matches/", views.matches, name="matches"),
    path(
        "volunteers/opportunities/<int:opportunity_id>/translations/",
        views.opportunity_translation_add,
        name="opportunity_translation_add",
    ),
    path("volunteers/shifts/<int:shift_id>/", views.shift, name="shift"),
    path("volunteers/hours/", views.hours, name="hours"),
    path("volunteers/trainings/", views.trainings, name="trainings"),
    path("volunteers/trainings/<int:training_id>/", views.training_edit, name="training_edit"),
    path("volunteers/settings/", views.volunteer_settings, name="settings"),
    # Public: the signup form, its confirmation and the volunteer portal
    path("volunteer/", public.signup, name="signup"),
    path("volunteer/embed/", public.signup_embed, name="signup_embed"),
    path("volunteer/confirm/<str:confirm_token>/", public.signup_confirm, name="signup_confirm"),
    path("volunteer/portal/", public.portal, name="portal"),
    path("volunteer/portal/enter/<str:portal_token>/", public.portal_enter, name="portal_enter"),
    path("volunteer/portal/shifts/", public.portal_shifts, name="portal_shifts"),
    path("volunteer/portal/hours/", public.portal_hours, name="portal_hours"),
    path("volunteer/portal/preferences/", public.portal_preferences, name="portal_preferences"),
    path("volunteer/portal/sign-out/", public.portal_signout, name="portal_signout"),
    path("volunteer/portal/calendar/", public.portal_calendar, name="portal_calendar"),
    # A volunteer's shifts for their calendar app (the secret key is the only credential)
    path(
        "volunteer/calendar/<str:calendar_token>.ics",
        public.calendar_feed,
        name="calendar_feed",
    ),
]
