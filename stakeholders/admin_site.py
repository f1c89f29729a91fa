"""The platform operator's admin, as safe as the front door.

- Signing in goes through allauth (``secure_admin_login``): the same rate limits, the same
  email verification, and the second factor for accounts that have one — never Django's own
  password-only form.
- Every staff or superuser account must have MFA: without it, the admin sends them to set it up
  first (enrolment is forced on first use).
- Changes to organizations and memberships made here are written to the audit log of the
  organization concerned.
"""

from functools import update_wrapper
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.shortcuts import redirect
from django.urls import reverse
from django_scopes import scopes_disabled


class StewardAdminSite(admin.AdminSite):
    site_header = "Steward platform"
    site_title = "Steward platform"

    def login(self, request, extra_context=None):
        from allauth.account.decorators import secure_admin_login  # needs the app registry

        return secure_admin_login(super().login)(request, extra_context)

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def require_mfa(request, *args, **kwargs):
            from stakeholders.selectors import user_has_mfa

            user = request.user
            if user.is_authenticated and user.is_staff and not user_has_mfa(user=user):
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"{reverse('mfa_activate_totp')}?{query}")
            with scopes_disabled():  # a platform tool, across organizations (and RLS agrees)
                return inner(request, *args, **kwargs)

        return update_wrapper(require_mfa, inner)


class StewardAdminConfig(AdminConfig):
    default_site = "stakeholders.admin_site.StewardAdminSite"
