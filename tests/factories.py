"""factory_boy factories for the core models."""

import secrets
from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from stakeholders.models import (
    ApiToken,
    Invitation,
    Membership,
    Organization,
    Role,
    User,
    hash_secret,
)

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    """A staff user with a verified primary email, able to sign in with PASSWORD."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"staff{n}@example.org")
    name = factory.Faker("name")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified(user, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Charity {n}")
    slug = factory.Sequence(lambda n: f"charity-{n}")
    timezone = "Europe/London"
    currency = "GBP"
    contact_email = factory.Sequence(lambda n: f"hello{n}@charity.example.org")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.ADMIN


class InvitationFactory(factory.django.DjangoModelFactory):
    """An open invitation; its raw key is on ``invitation.key`` (only the hash is stored)."""

    class Meta:
        model = Invitation

    organization = factory.SubFactory(OrganizationFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.org")
    role = Role.FUNDRAISER
    key = factory.LazyFunction(lambda: secrets.token_urlsafe(32))
    key_hash = factory.LazyAttribute(lambda o: hash_secret(o.key))
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))

    @classmethod
    def _create(cls, model_class, *args, key=None, **kwargs):
        invitation = super()._create(model_class, *args, **kwargs)
        invitation.key = key
        return invitation


class ApiTokenFactory(factory.django.DjangoModelFactory):
    """A token; its raw key is on ``token.key``."""

    class Meta:
        model = ApiToken

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    name = "Test token"
    key = factory.LazyFunction(lambda: "stw_" + secrets.token_urlsafe(32))
    prefix = factory.LazyAttribute(lambda o: o.key[:10])
    key_hash = factory.LazyAttribute(lambda o: hash_secret(o.key))

    @classmethod
    def _create(cls, model_class, *args, key=None, **kwargs):
        token = super()._create(model_class, *args, **kwargs)
        token.key = key
        return token
