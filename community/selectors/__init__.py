"""The community's reads, by topic (the same topics as ``community.services``)."""
