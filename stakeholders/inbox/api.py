"""The shared inbox's API: conversations and their messages (replies, notes, assignment…)."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()
