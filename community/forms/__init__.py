"""The community's forms, by topic (the same topics as ``community.services``)."""
