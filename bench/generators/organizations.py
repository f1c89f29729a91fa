"""Organizations with many members, loaded in bulk."""

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password

from stakeholders.models import Membership, Organization, Role, User

ROLES = list(Role.values)


def organization_with_members(slug, members, *, password="bench-password"):  # noqa: S107
    """An organization with ``members`` staff users, the first an admin; returns (org, admin)."""
    organization = Organization.objects.create(name=slug.title(), slug=slug)
    hashed = make_password(password)
    users = User.objects.bulk_create(
        User(email=f"{slug}-{i}@bench.example.org", name=f"Member {i}", password=hashed)
        for i in range(members)
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users
    )
    Membership.objects.bulk_create(
        Membership(
            organization=organization, user=u, role=Role.ADMIN if i == 0 else ROLES[i % len(ROLES)]
        )
        for i, u in enumerate(users)
    )
    return organization, users[0]
