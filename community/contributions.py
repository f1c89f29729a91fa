"""What the community adds to the core's registries: dashboard cards (the moderation queue,
rising topics), the member panel on the contact page, merge/erase/export hooks, demo data and
known-issue notices for the other public pages."""


def register():
    pass
