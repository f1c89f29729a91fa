"""Writes of the core: organizations, members, invitations and API tokens. Each one is atomic."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from stakeholders import selectors
from stakeholders.models import ApiToken, Invitation, Membership, Organization, Role, hash_secret


@transaction.atomic
def organization_create(*, creator, name, slug, timezone="UTC", currency="USD", language="en"):
    """Create a nonprofit with its creator as the first admin."""
    if Organization.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": _("This web address is already taken.")})
    organization = Organization(
        name=name, slug=slug, timezone=timezone, currency=currency, language=language
    )
    organization.full_clean()
    organization.save()
    Membership.objects.create(organization=organization, user=creator, role=Role.ADMIN)
    return organization


@transaction.atomic
def organization_update(*, organization, **fields):
    for name, value in fields.items():
        setattr(organization, name, value)
    organization.full_clean()
    organization.save()
    return organization


def _ensure_an_admin_remains(*, organization, membership):
    if membership.role == Role.ADMIN and selectors.admin_count(organization=organization) <= 1:
        raise ValidationError({"role": _("An organization needs at least one admin.")})


@transaction.atomic
def membership_set_role(*, organization, membership, role):
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a valid role.")})
    if role != Role.ADMIN:
        _ensure_an_admin_remains(organization=organization, membership=membership)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, organization, membership):
    _ensure_an_admin_remains(organization=organization, membership=membership)
    ApiToken.objects.filter(organization=organization, user=membership.user).delete()
    membership.delete()


def _invitation_url(key):
    return settings.SITE_URL.rstrip("/") + reverse("invitation_accept", kwargs={"key": key})


def _send_invitation(*, invitation, key):
    organization = invitation.organization
    context = {
        "organization": organization,
        "invitation": invitation,
        "inviter": invitation.invited_by,
        "url": _invitation_url(key),
    }
    with translation.override(organization.language):
        subject = _("You are invited to join %(name)s on Steward") % {"name": organization.name}
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string("emails/invitation.txt", context),
            to=[invitation.email],
            reply_to=[organization.contact_email] if organization.contact_email else None,
        )
        message.attach_alternative(render_to_string("emails/invitation.html", context), "text/html")
    message.send()


def _issue_key(invitation):
    key = secrets.token_urlsafe(32)
    invitation.key_hash = hash_secret(key)
    invitation.expires_at = timezone.now() + timedelta(days=settings.INVITATION_MAX_AGE_DAYS)
    return key


@transaction.atomic
def invitation_create(*, organization, email, role, invited_by):
    """Invite ``email`` with ``role``; a newer invitation to the same address replaces the older."""
    email = email.strip().lower()
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise ValidationError({"email": _("This person is already a member.")})
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a valid role.")})
    Invitation.objects.filter(
        organization=organization, email=email, accepted_at__isnull=True
    ).delete()
    invitation = Invitation(
        organization=organization, email=email, role=role, invited_by=invited_by
    )
    key = _issue_key(invitation)
    invitation.full_clean(exclude=["organization"])
    invitation.save()
    transaction.on_commit(lambda: _send_invitation(invitation=invitation, key=key))
    return invitation


@transaction.atomic
def invitation_resend(*, organization, invitation):
    """A fresh link (the old one stops working) with a fresh expiry."""
    key = _issue_key(invitation)
    invitation.save(update_fields=["key_hash", "expires_at"])
    transaction.on_commit(lambda: _send_invitation(invitation=invitation, key=key))
    return invitation


@transaction.atomic
def invitation_revoke(*, organization, invitation):
    invitation.delete()


@transaction.atomic
def invitation_accept(*, invitation, user):
    """Turn an open invitation into a membership for ``user``, who must own the invited address."""
    if invitation.is_expired:
        raise ValidationError(_("This invitation has expired. Ask for a new one."))
    owns_address = user.emailaddress_set.filter(
        email__iexact=invitation.email, verified=True
    ).exists()
    if not owns_address:
        raise ValidationError(
            _("This invitation was sent to %(email)s. Sign in with that address to accept it.")
            % {"email": invitation.email}
        )
    with scopes_disabled():  # the invitee is not a member yet: the key in the link is the proof
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at is not None:
            raise ValidationError(_("This invitation has already been used."))
        membership, _created = Membership.objects.get_or_create(
            organization=invitation.organization, user=user, defaults={"role": invitation.role}
        )
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


def invitations_purge_expired(*, older_than_days=30):
    """Delete invitations that expired long ago, in every organization (a platform chore)."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    with scopes_disabled():
        deleted, _rows = Invitation.objects.filter(
            accepted_at__isnull=True, expires_at__lt=cutoff
        ).delete()
    return deleted


@transaction.atomic
def api_token_create(*, organization, user, name):
    """Create a token; the raw key is returned once and never stored."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name, e.g. the tool that will use it.")})
    key = "stw_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        organization=organization, user=user, name=name, prefix=key[:10], key_hash=hash_secret(key)
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, organization, token):
    token.delete()
