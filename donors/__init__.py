"""Gifts, funds, campaigns, pledges, recurring gifts, impact stories and donor updates."""
