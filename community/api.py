"""The community API (staff): spaces, questions, answers, ideas and notices."""

from rest_framework.routers import SimpleRouter

router = SimpleRouter()
