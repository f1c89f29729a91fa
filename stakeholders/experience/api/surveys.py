"""surveys API."""


def register(router):
    pass
