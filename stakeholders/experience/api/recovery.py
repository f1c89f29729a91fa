"""recovery API."""


def register(router):
    pass
