"""django-allauth hooks."""

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        """Operators of a private install can close self-service signup (ACCOUNT_ALLOW_SIGNUP)."""
        return settings.ACCOUNT_ALLOW_SIGNUP
