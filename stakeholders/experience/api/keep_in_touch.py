"""keep_in_touch API."""


def register(router):
    pass
