"""Known-issue notices ("the food bank is closed on Friday"): staff write, change and end them;
the core's ``public_notices`` registry shows the current ones on the community, the help
centre and the request form (``notices_for_place`` is the provider)."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community.selectors.notices import current_notices
from stakeholders import audit
from stakeholders.models import AuditAction, Role
from stakeholders.registries import PublicNotice

AUDIT_ACTION = AuditAction.COMMUNITY_NOTICE

# Who manages them on the pages and in the API.
NOTICE_ROLES = (Role.ADMIN, Role.CASEWORKER, Role.VOLUNTEER_COORDINATOR, Role.FUNDRAISER)


def _check(notice):
    if not notice.places:
        raise ValidationError({"places": _("Choose at least one place to show the notice.")})
    if notice.starts_at and notice.ends_at and notice.ends_at <= notice.starts_at:
        raise ValidationError({"ends_at": _("The end must be after the start.")})
    notice.full_clean(exclude=["organization", "created_by"])


@transaction.atomic
def notice_save(*, organization, notice, actor):
    """Create or change a notice (checked first: nothing is saved half)."""
    notice.organization = organization
    new = notice.pk is None
    if new:
        notice.created_by = actor
    _check(notice)
    notice.save()
    audit.record(
        organization=organization,
        action=AUDIT_ACTION,
        summary=(_("Notice posted: %(title)s") if new else _("Notice changed: %(title)s"))
        % {"title": notice.title},
        target=notice,
        changes={"places": notice.places, "until": notice.ends_at.isoformat()},
        actor=actor,
    )
    return notice


@transaction.atomic
def notice_end(*, organization, notice, actor, now=None):
    """End a notice now (one that had not started yet never shows)."""
    now = now or timezone.now()
    if notice.ends_at <= now:
        return notice
    if notice.starts_at >= now:
        notice.starts_at = now - timedelta(seconds=1)
    notice.ends_at = now
    notice.save(update_fields=["starts_at", "ends_at"])
    audit.record(
        organization=organization,
        action=AUDIT_ACTION,
        summary=_("Notice ended: %(title)s") % {"title": notice.title},
        target=notice,
        actor=actor,
    )
    return notice


def notices_for_place(*, organization, place, language):
    """The ``public_notices`` provider: current notices as the core's plain records."""
    return [
        PublicNotice(
            title=notice.title, body=notice.body, severity=notice.severity, ends_at=notice.ends_at
        )
        for notice in current_notices(organization=organization, place=place, language=language)
    ]
