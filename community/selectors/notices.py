"""Known-issue notices: the ones showing now on a public page, and the staff list."""

from datetime import timedelta

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from community.models import Notice


def current_notices(*, organization, place, language, now=None):
    """Notices showing now on ``place`` for a reader of ``language`` (a notice for every
    language, or for theirs): started, not ended; disruptions first, then the newest."""
    now = now or timezone.now()
    return list(
        Notice.objects.filter(
            organization=organization,
            places__contains=[place],
            starts_at__lte=now,
            ends_at__gt=now,
        )
        .filter(Q(language="") | Q(language=language))
        .order_by("-severity", "-starts_at", "-pk")[:5]
    )


def staff_notices(*, organization, now=None):
    """(showing now, coming, ended recently) for the staff page: ended ones for 30 days."""
    now = now or timezone.now()
    rows = list(
        Notice.objects.filter(
            organization=organization, ends_at__gt=now - timedelta(days=30)
        ).order_by("starts_at", "pk")
    )
    showing = [n for n in rows if n.starts_at <= now < n.ends_at]
    coming = [n for n in rows if n.starts_at > now]
    ended = sorted((n for n in rows if n.ends_at <= now), key=lambda n: n.ends_at, reverse=True)
    return showing, coming, ended


def notice_get(*, organization, notice_id):
    return get_object_or_404(Notice, organization=organization, pk=notice_id)
