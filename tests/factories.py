"""factory_boy factories for the core models."""

import secrets
from datetime import timedelta
from decimal import Decimal

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from donors.models import (
    Campaign,
    DonorUpdate,
    Fund,
    Gift,
    Grant,
    ImpactStory,
    Pledge,
    RecurringGift,
)
from stakeholders.models import (
    ApiToken,
    Channel,
    Consent,
    ConsentChannel,
    ConsentPurpose,
    ConsentSource,
    Contact,
    ContactKind,
    DataImport,
    Direction,
    DuplicatePair,
    Feedback,
    FeedbackMeasure,
    Holiday,
    Interaction,
    Invitation,
    Membership,
    Organization,
    Relationship,
    Role,
    Tag,
    User,
    hash_secret,
)
from stakeholders.services import normalise_text
from stakeholders.tenancy.models import TenantOwned, organization_scope
from thankyous.models import Acknowledgment, PrintBatch, ThankYouTemplate

PASSWORD = "correct horse battery staple"


class DjangoModelFactory(factory.django.DjangoModelFactory):
    """Writes tenant rows inside their organization's scope, as the application does: row-level
    security refuses a row written outside its organization's scope."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        organization = kwargs.get("organization")
        if organization is not None and issubclass(model_class, TenantOwned):
            with organization_scope(organization):
                return super()._create(model_class, *args, **kwargs)
        return super()._create(model_class, *args, **kwargs)


class UserFactory(DjangoModelFactory):
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


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Charity {n}")
    slug = factory.Sequence(lambda n: f"charity-{n}")
    timezone = "Europe/London"
    currency = "GBP"
    contact_email = factory.Sequence(lambda n: f"hello{n}@charity.example.org")
    language = "en"
    solar_hijri = factory.LazyAttribute(lambda organization: organization.language == "fa")


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.ADMIN


class InvitationFactory(DjangoModelFactory):
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


class ApiTokenFactory(DjangoModelFactory):
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


class ContactFactory(DjangoModelFactory):
    class Meta:
        model = Contact

    organization = factory.SubFactory(OrganizationFactory)
    kind = ContactKind.PERSON
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    name = factory.LazyAttribute(lambda o: f"{o.first_name} {o.last_name}".strip())
    search_name = factory.LazyAttribute(lambda o: normalise_text(o.name))
    email = factory.Sequence(lambda n: f"person{n}@example.org")


class InteractionFactory(DjangoModelFactory):
    class Meta:
        model = Interaction

    organization = factory.SelfAttribute("contact.organization")
    contact = factory.SubFactory(ContactFactory)
    channel = Channel.PHONE
    direction = Direction.INBOUND
    subject = factory.Faker("sentence", nb_words=4)
    occurred_at = factory.LazyFunction(timezone.now)


class TagFactory(DjangoModelFactory):
    class Meta:
        model = Tag

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"tag {n}")


class ConsentFactory(DjangoModelFactory):
    class Meta:
        model = Consent

    organization = factory.SelfAttribute("contact.organization")
    contact = factory.SubFactory(ContactFactory)
    channel = ConsentChannel.EMAIL
    purpose = ConsentPurpose.DONOR_UPDATES
    granted = True
    source = ConsentSource.STAFF


class FeedbackFactory(DjangoModelFactory):
    class Meta:
        model = Feedback

    organization = factory.SelfAttribute("contact.organization")
    contact = factory.SubFactory(ContactFactory)
    measure = FeedbackMeasure.CSAT
    score = 4


class DuplicatePairFactory(DjangoModelFactory):
    class Meta:
        model = DuplicatePair

    organization = factory.SubFactory(OrganizationFactory)
    contact = factory.SubFactory(
        ContactFactory, organization=factory.SelfAttribute("..organization")
    )
    other = factory.SubFactory(ContactFactory, organization=factory.SelfAttribute("..organization"))
    reasons = "email"


class DataImportFactory(DjangoModelFactory):
    class Meta:
        model = DataImport

    organization = factory.SubFactory(OrganizationFactory)
    file = factory.django.FileField(
        filename="people.csv", data=b"first_name,last_name\nAda,Lovelace\n"
    )
    original_name = "people.csv"
    encoding = "utf-8"
    delimiter = ","
    headers = ["first_name", "last_name"]
    mapping = {"first_name": "first_name", "last_name": "last_name"}
    total_rows = 1


class RelationshipFactory(DjangoModelFactory):
    class Meta:
        model = Relationship

    organization = factory.SubFactory(OrganizationFactory)
    person = factory.SubFactory(
        ContactFactory, organization=factory.SelfAttribute("..organization")
    )
    related = factory.SubFactory(
        ContactFactory,
        organization=factory.SelfAttribute("..organization"),
        kind=ContactKind.ORGANIZATION,
        organization_name="Acme Trust",
    )
    kind = "trustee"


class FundFactory(DjangoModelFactory):
    class Meta:
        model = Fund

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Fund {n}")
    impact_unit_amount = Decimal("25.00")
    impact_unit_label = "one week of meals"


class CampaignFactory(DjangoModelFactory):
    class Meta:
        model = Campaign

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Appeal {n}")


class GiftFactory(DjangoModelFactory):
    class Meta:
        model = Gift

    organization = factory.SelfAttribute("contact.organization")
    contact = factory.SubFactory(ContactFactory)
    amount = Decimal("50.00")
    received_on = factory.LazyFunction(timezone.localdate)


class ImpactStoryFactory(DjangoModelFactory):
    class Meta:
        model = ImpactStory

    organization = factory.SubFactory(OrganizationFactory)
    title = "A warm winter"
    body = "Thanks to you, 40 families had a hot meal every day."
    published_on = factory.LazyFunction(timezone.localdate)


class PledgeFactory(DjangoModelFactory):
    class Meta:
        model = Pledge

    organization = factory.SelfAttribute("contact.organization")
    contact = factory.SubFactory(ContactFactory)
    amount = Decimal("1200.00")
    pledged_on = factory.LazyFunction(timezone.localdate)


class RecurringGiftFactory(DjangoModelFactory):
    class Meta:
        model = RecurringGift

    organization = factory.SelfAttribute("contact.organization")
    contact = factory.SubFactory(ContactFactory)
    amount = Decimal("10.00")
    frequency = "monthly"
    started_on = factory.LazyFunction(timezone.localdate)


class DonorUpdateFactory(DjangoModelFactory):
    class Meta:
        model = DonorUpdate

    organization = factory.SubFactory(OrganizationFactory)
    title = "Winter news"
    body = "Thanks to you, the shelter stayed open all winter."


class GrantFactory(DjangoModelFactory):
    class Meta:
        model = Grant

    organization = factory.SelfAttribute("funder.organization")
    funder = factory.SubFactory(
        ContactFactory, kind=ContactKind.ORGANIZATION, organization_name="Trust"
    )
    title = "Youth club 2027"


class ThankYouTemplateFactory(DjangoModelFactory):
    class Meta:
        model = ThankYouTemplate

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Template {n}")
    email_subject = "Thank you, {{ first_name }}"
    email_body = "{{ salutation }}, thank you for {{ amount }}."
    letter_body = "<p>{{ salutation }}</p>"


class AcknowledgmentFactory(DjangoModelFactory):
    class Meta:
        model = Acknowledgment

    organization = factory.SelfAttribute("contact.organization")
    contact = factory.SubFactory(ContactFactory)
    kind = "gift"
    target_id = factory.Sequence(lambda n: n + 1)
    state = "review"
    received_at = factory.LazyFunction(timezone.now)
    pdf = factory.django.FileField(filename="letter.pdf", data=b"%PDF-1.7 test")


class PrintBatchFactory(DjangoModelFactory):
    class Meta:
        model = PrintBatch

    organization = factory.SubFactory(OrganizationFactory)
    letters = 1
    pdf = factory.django.FileField(filename="batch.pdf", data=b"%PDF-1.7 test")


# --- Clients -----------------------------------------------------------------------------------
# (imported here, at the end, so the factories above stay as they were)
from clients import models as client_models  # noqa: E402


class RequestCategoryFactory(DjangoModelFactory):
    class Meta:
        model = client_models.RequestCategory

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Topic {n}")


class ServiceRequestFactory(DjangoModelFactory):
    """A request written straight to the table (clocks unset): tests of the clocks use services."""

    class Meta:
        model = client_models.ServiceRequest

    organization = factory.SelfAttribute("contact.organization")
    contact = factory.SubFactory(ContactFactory)
    subject = "Help with my housing benefit form"
    description = "I don't understand page 3."
    channel = "web_form"
    next_due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=4))


class RequestMessageFactory(DjangoModelFactory):
    class Meta:
        model = client_models.RequestMessage

    organization = factory.SelfAttribute("request.organization")
    request = factory.SubFactory(ServiceRequestFactory)
    kind = "note"
    body = "Called the council."


class AttachmentFactory(DjangoModelFactory):
    class Meta:
        model = client_models.Attachment

    organization = factory.SelfAttribute("request.organization")
    request = factory.SubFactory(ServiceRequestFactory)
    file = factory.django.FileField(filename="letter.pdf", data=b"%PDF-1.7 test")
    original_name = "letter.pdf"
    content_type = "application/pdf"
    size = 13


class ServiceLevelFactory(DjangoModelFactory):
    class Meta:
        model = client_models.ServiceLevel

    organization = factory.SubFactory(OrganizationFactory)
    priority = factory.Iterator(["low", "normal", "high", "urgent"])
    first_response_minutes = 120
    resolution_minutes = 960


class HolidayFactory(DjangoModelFactory):
    class Meta:
        model = Holiday

    organization = factory.SubFactory(OrganizationFactory)
    date = factory.Sequence(lambda n: timezone.localdate() + timedelta(days=100 + n))
    name = "Founders' day"


class ArticleCategoryFactory(DjangoModelFactory):
    class Meta:
        model = client_models.ArticleCategory

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Section {n}")


class ArticleFactory(DjangoModelFactory):
    """A published article (its search vector is set by ``clients.services.article_save``)."""

    class Meta:
        model = client_models.Article

    organization = factory.SelfAttribute("category.organization")
    category = factory.SubFactory(ArticleCategoryFactory)
    title = factory.Sequence(lambda n: f"How to apply for a food parcel ({n})")
    body = "Come to the hall on Tuesday with proof of address."
    is_published = True


class ProgrammeFactory(DjangoModelFactory):
    class Meta:
        model = client_models.Programme

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Budgeting course {n}")
    sessions_to_complete = 3


class SessionFactory(DjangoModelFactory):
    class Meta:
        model = client_models.Session

    organization = factory.SelfAttribute("programme.organization")
    programme = factory.SubFactory(ProgrammeFactory)
    title = "Week 1"
    starts_at = factory.LazyFunction(timezone.now)


class ServiceRecordFactory(DjangoModelFactory):
    class Meta:
        model = client_models.ServiceRecord

    organization = factory.SelfAttribute("contact.organization")
    contact = factory.SubFactory(ContactFactory)
    programme = factory.SubFactory(
        ProgrammeFactory, organization=factory.SelfAttribute("..contact.organization")
    )
    delivered_on = factory.LazyFunction(timezone.localdate)
    quantity = Decimal("1")
    notes = "Went through the budget sheet."


# --- Volunteers -----------------------------------------------------------------------------

from volunteers.models import (  # noqa: E402
    Assignment,
    HoursEntry,
    Opportunity,
    Shift,
    Training,
    TrainingRecord,
    VolunteerProfile,
)


class VolunteerProfileFactory(DjangoModelFactory):
    class Meta:
        model = VolunteerProfile

    organization = factory.SelfAttribute("contact.organization")
    contact = factory.SubFactory(ContactFactory, is_volunteer=True)
    status = VolunteerProfile.Status.ACTIVE
    approved_at = factory.LazyFunction(timezone.now)


class OpportunityFactory(DjangoModelFactory):
    class Meta:
        model = Opportunity

    organization = factory.SubFactory(OrganizationFactory)
    title = factory.Sequence(lambda n: f"Food sorting {n}")


class ShiftFactory(DjangoModelFactory):
    class Meta:
        model = Shift

    organization = factory.SelfAttribute("opportunity.organization")
    opportunity = factory.SubFactory(OpportunityFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=3))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=3))
    capacity = 2


class AssignmentFactory(DjangoModelFactory):
    class Meta:
        model = Assignment

    organization = factory.SelfAttribute("shift.organization")
    shift = factory.SubFactory(ShiftFactory)
    profile = factory.SubFactory(
        VolunteerProfileFactory, contact__organization=factory.SelfAttribute("...organization")
    )
    status = Assignment.Status.CONFIRMED


class HoursEntryFactory(DjangoModelFactory):
    class Meta:
        model = HoursEntry

    organization = factory.SelfAttribute("profile.organization")
    profile = factory.SubFactory(VolunteerProfileFactory)
    worked_on = factory.LazyFunction(timezone.localdate)
    hours = Decimal("3.00")
    status = HoursEntry.Status.PENDING
    source = HoursEntry.Source.SELF


class TrainingFactory(DjangoModelFactory):
    class Meta:
        model = Training

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Food hygiene {n}")
    valid_months = 24


class TrainingRecordFactory(DjangoModelFactory):
    class Meta:
        model = TrainingRecord

    organization = factory.SelfAttribute("profile.organization")
    profile = factory.SubFactory(VolunteerProfileFactory)
    training = factory.SubFactory(
        TrainingFactory, organization=factory.SelfAttribute("..profile.organization")
    )
    completed_on = factory.LazyFunction(timezone.localdate)


# --- Recovery cases (issue 18) --------------------------------------------------------------------

from stakeholders.experience.models import RecoveryCase  # noqa: E402


class RecoveryCaseFactory(DjangoModelFactory):
    """An open case about a person, in the general area unless told."""

    class Meta:
        model = RecoveryCase

    organization = factory.SelfAttribute("contact.organization")
    contact = factory.SubFactory(ContactFactory)
    area = "general"
    summary = factory.Faker("sentence", nb_words=6)
    status = RecoveryCase.Status.OPEN
    opened_at = factory.LazyFunction(timezone.now)
    respond_by = factory.LazyAttribute(lambda o: o.opened_at + timedelta(hours=4))
    resolve_by = factory.LazyAttribute(lambda o: o.opened_at + timedelta(days=3))


# --- Keep-in-touch steps (issue 18) ---------------------------------------------------------------

from stakeholders.experience.models import KeepInTouchRun, KeepInTouchStep  # noqa: E402


class KeepInTouchStepFactory(DjangoModelFactory):
    """A task step on the donor journey unless told (``action="email"`` needs subject/body)."""

    class Meta:
        model = KeepInTouchStep

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Check in {n}")
    journey = "donor"
    stage = "thanked"
    after_days = 30
    action = KeepInTouchStep.Action.TASK
    created_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=365))


class KeepInTouchRunFactory(DjangoModelFactory):
    """An open keep-in-touch task for one person."""

    class Meta:
        model = KeepInTouchRun

    organization = factory.SelfAttribute("step.organization")
    step = factory.SubFactory(KeepInTouchStepFactory)
    contact = factory.SubFactory(
        ContactFactory, organization=factory.SelfAttribute("..step.organization")
    )
    stage_entered_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=40))
    status = KeepInTouchRun.Status.OPEN
    due_on = factory.LazyFunction(timezone.localdate)


from stakeholders.experience.models import SurveyInvitation, SurveyRule  # noqa: E402


class SurveyRuleFactory(DjangoModelFactory):
    """A survey after a logged interaction (the core's touchpoint), on since a year ago."""

    class Meta:
        model = SurveyRule

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"After a call {n}")
    touchpoint = "stakeholders.interaction"
    # a rule per channel: several rules of one organization don't collide on its touchpoint
    interaction_channel = factory.Sequence(lambda n: ["", *Channel.values][n % (len(Channel) + 1)])
    delay_hours = 24
    created_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=365))


class SurveyInvitationFactory(DjangoModelFactory):
    """A survey sent yesterday about an interaction of the person."""

    class Meta:
        model = SurveyInvitation

    organization = factory.SelfAttribute("rule.organization")
    rule = factory.SubFactory(SurveyRuleFactory)
    contact = factory.SubFactory(
        ContactFactory, organization=factory.SelfAttribute("..rule.organization")
    )
    related_kind = "stakeholders.interaction"
    related_id = factory.Sequence(lambda n: n + 1)
    touchpoint_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=2))
    due_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    status = SurveyInvitation.Status.SENT
    sent_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))


from stakeholders.experience.models import JourneyPosition, JourneySummary  # noqa: E402


class JourneySummaryFactory(DjangoModelFactory):
    """A journey's funnel, as the refresh stores it (empty until people are on it)."""

    class Meta:
        model = JourneySummary
        django_get_or_create = ("organization", "journey")  # one funnel per journey

    organization = factory.SubFactory(OrganizationFactory)
    journey = "donor"
    stages = factory.LazyFunction(list)
    computed_at = factory.LazyFunction(timezone.now)
    refreshed_until = factory.LazyFunction(timezone.now)


class JourneyPositionFactory(DjangoModelFactory):
    class Meta:
        model = JourneyPosition

    organization = factory.SelfAttribute("contact.organization")
    contact = factory.SubFactory(ContactFactory)
    journey = "donor"
    stage = "first_gift"
    entered_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=30))
    reached = factory.LazyAttribute(lambda o: [o.entered_at, None, None, None, None, None])


# --- The shared inbox (issue 19) ------------------------------------------------------------------

from stakeholders.inbox.models import (  # noqa: E402
    CannedReply,
    Conversation,
    Message,
    MessagingAccount,
    MessagingNumber,
    WhatsAppTemplate,
)


class ConversationFactory(DjangoModelFactory):
    """An open email conversation with a known contact, in the general team unless told."""

    class Meta:
        model = Conversation

    organization = factory.SelfAttribute("contact.organization")
    contact = factory.SubFactory(ContactFactory)
    channel = "email"
    area = "general"
    address = factory.LazyAttribute(lambda o: (o.contact.email or "someone@example.org").lower())
    subject = factory.Faker("sentence", nb_words=5)


class MessageFactory(DjangoModelFactory):
    """A message they sent, on the conversation's channel."""

    class Meta:
        model = Message

    conversation = factory.SubFactory(ConversationFactory)
    organization = factory.SelfAttribute("conversation.organization")
    direction = "inbound"
    channel = factory.SelfAttribute("conversation.channel")
    body = factory.Faker("paragraph")
    status = "received"


class MessageAttachmentFactory(DjangoModelFactory):
    """A small text file that came with an inbound message."""

    class Meta:
        model = "stakeholders.MessageAttachment"

    message = factory.SubFactory(MessageFactory)
    organization = factory.SelfAttribute("message.organization")
    file = factory.django.FileField(filename="note.txt", data=b"Hello from the inbox")
    name = "note.txt"
    content_type = "text/plain"
    size = 20


class CannedReplyFactory(DjangoModelFactory):
    class Meta:
        model = CannedReply

    organization = factory.SubFactory(OrganizationFactory)
    title = factory.Sequence(lambda n: f"Reply {n}")
    language = "en"
    body = "Hello {{ first_name }}, thank you for writing to us."


class MessagingAccountFactory(DjangoModelFactory):
    class Meta:
        model = MessagingAccount

    organization = factory.SubFactory(OrganizationFactory)
    account_sid = factory.Sequence(lambda n: f"AC{n:032d}")
    auth_token = "0123456789abcdef0123456789abcdef"


class MessagingNumberFactory(DjangoModelFactory):
    class Meta:
        model = MessagingNumber

    organization = factory.SubFactory(OrganizationFactory)
    channel = "sms"
    number = factory.Sequence(lambda n: f"+4477009{n:05d}")


class WhatsAppTemplateFactory(DjangoModelFactory):
    class Meta:
        model = WhatsAppTemplate

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"follow_up_{n}")
    language = "en"
    content_sid = factory.Sequence(lambda n: f"HX{n:032d}")
    body = "Hello {{1}}, we have news about your message. Reply to continue."


# --- Integrations (webhooks out) ------------------------------------------------------------------


class WebhookEndpointFactory(DjangoModelFactory):
    """An endpoint; its secret in clear on ``endpoint.secret``. The URL is not resolved here
    (the service checks it): tests that send point it at their loopback receiver."""

    class Meta:
        model = "stakeholders.WebhookEndpoint"

    organization = factory.SubFactory(OrganizationFactory)
    url = "https://hooks.example.org/steward"
    events = factory.LazyFunction(lambda: ["contact.created"])
    role = "admin"
    secret = factory.LazyFunction(lambda: "whsec_" + secrets.token_urlsafe(24))


class WebhookEventFactory(DjangoModelFactory):
    class Meta:
        model = "stakeholders.WebhookEvent"

    organization = factory.SubFactory(OrganizationFactory)
    type = "contact.created"
    payload = factory.LazyFunction(lambda: {"object": "contact", "id": 1})


class WebhookDeliveryFactory(DjangoModelFactory):
    class Meta:
        model = "stakeholders.WebhookDelivery"

    endpoint = factory.SubFactory(WebhookEndpointFactory)
    organization = factory.SelfAttribute("endpoint.organization")
    event = factory.SubFactory(
        WebhookEventFactory, organization=factory.SelfAttribute("..organization")
    )
    status = "succeeded"
    response_status = 200


# --- Community ---------------------------------------------------------------------------------
from community import models as community_models  # noqa: E402


class CommunitySpaceFactory(DjangoModelFactory):
    class Meta:
        model = community_models.Space

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Space {n}")
    slug = factory.Sequence(lambda n: f"space-{n}")


class CommunityMemberFactory(DjangoModelFactory):
    """A stakeholder who joined (an active member linked to a contact)."""

    class Meta:
        model = community_models.Member

    organization = factory.SubFactory(OrganizationFactory)
    contact = factory.SubFactory(
        ContactFactory, organization=factory.SelfAttribute("..organization")
    )
    email = factory.SelfAttribute("contact.email")
    display_name = factory.Sequence(lambda n: f"Neighbour {n}")
    status = community_models.MemberStatus.ACTIVE
    confirmed_at = factory.LazyFunction(timezone.now)


class CommunityQuestionFactory(DjangoModelFactory):
    class Meta:
        model = community_models.Question

    space = factory.SubFactory(CommunitySpaceFactory)
    organization = factory.SelfAttribute("space.organization")
    author = factory.SubFactory(
        CommunityMemberFactory, organization=factory.SelfAttribute("..organization")
    )
    title = factory.Sequence(lambda n: f"How do I collect a food parcel? ({n})")
    body = "What do I need to bring with me?"
    language = "en"
    status = community_models.PostStatus.PUBLISHED


class CommunityAnswerFactory(DjangoModelFactory):
    class Meta:
        model = community_models.Answer

    question = factory.SubFactory(CommunityQuestionFactory)
    organization = factory.SelfAttribute("question.organization")
    author = factory.SubFactory(
        CommunityMemberFactory, organization=factory.SelfAttribute("..organization")
    )
    body = "Bring a letter with your address on it."
    status = community_models.PostStatus.PUBLISHED


class CommunityIdeaFactory(DjangoModelFactory):
    class Meta:
        model = community_models.Idea

    space = factory.SubFactory(CommunitySpaceFactory)
    organization = factory.SelfAttribute("space.organization")
    author = factory.SubFactory(
        CommunityMemberFactory, organization=factory.SelfAttribute("..organization")
    )
    title = factory.Sequence(lambda n: f"Open on Saturdays ({n})")
    body = "Many of us work on weekdays."
    moderation = community_models.PostStatus.PUBLISHED


class CommunityNoticeFactory(DjangoModelFactory):
    class Meta:
        model = community_models.Notice

    organization = factory.SubFactory(OrganizationFactory)
    title = "The food bank is closed on Friday"
    places = factory.LazyFunction(lambda: ["community"])
    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    ends_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=2))
