"""The community's models are managed in Steward's own pages (community/manage/), not here."""
