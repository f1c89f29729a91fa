"""Role checks for staff pages under /o/<slug>/ (membership itself is checked by the middleware)."""

from functools import wraps

from django.core.exceptions import PermissionDenied


def staff_view(*, roles=None):
    """Let members with one of ``roles`` (any role when None) into the view; 403 for the others.

    Example::

        @staff_view(roles=[Role.ADMIN])
        def organization_settings(request, org_slug): ...
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            membership = request.membership
            if membership is None:  # the middleware did not run: refuse rather than guess
                raise PermissionDenied
            if roles is not None and membership.role not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.allowed_roles = roles
        return wrapper

    return decorator
