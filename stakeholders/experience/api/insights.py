"""insights API."""


def register(router):
    pass
