"""journeys API."""


def register(router):
    pass
