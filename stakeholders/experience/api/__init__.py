"""The experience loop's API: surveys and answers, recovery cases, journeys, keep-in-touch steps."""

from rest_framework.routers import SimpleRouter

from stakeholders.experience.api import insights, journeys, keep_in_touch, recovery, surveys

router = SimpleRouter()
for topic in (surveys, recovery, journeys, keep_in_touch, insights):
    topic.register(router)
