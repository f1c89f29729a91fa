"""Every operation of the API schema, fuzzed with schemathesis through the real WSGI app and
PostgreSQL: no server error, responses that match the schema, and nothing of the other
organization — its ids in the path are 404, in a body or a filter 400 or 404, and its rows
never show up in a response.

Two organizations hold one row of every kind each, under ids that say whose it is (800001 for
Riverside's, 900001 for Hope's, in every table); each generated request goes as one of them,
with their token, and may carry their own ids or the other's. ``API_FUZZ_EXAMPLES`` sets the
examples per operation (default 12: the whole file runs in about two minutes).
"""

import os
from datetime import timedelta
from decimal import Decimal

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections, transaction
from django.utils import timezone
from django_filters import ModelChoiceFilter, ModelMultipleChoiceFilter
from django_filters.rest_framework import DjangoFilterBackend
from django_scopes import scopes_disabled
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework import serializers
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from clients.models import RequestCategory
from config.wsgi import application
from donors.models import Appeal, DonorSettings
from stakeholders.models import ComplaintCategory, Role
from tests.factories import (
    AcknowledgmentFactory,
    ApiTokenFactory,
    ArticleCategoryFactory,
    ArticleFactory,
    AssignmentFactory,
    CampaignFactory,
    CommunityAnswerFactory,
    CommunityIdeaFactory,
    CommunityMemberFactory,
    CommunityNoticeFactory,
    CommunityQuestionFactory,
    CommunitySpaceFactory,
    ConsentFactory,
    ContactFactory,
    ConversationFactory,
    DonorUpdateFactory,
    FeedbackFactory,
    FundFactory,
    GiftFactory,
    GrantFactory,
    HoursEntryFactory,
    ImpactStoryFactory,
    InteractionFactory,
    InvitationFactory,
    MembershipFactory,
    MessageFactory,
    OpportunityFactory,
    OrganizationFactory,
    PledgeFactory,
    PrintBatchFactory,
    ProgrammeFactory,
    RecoveryCaseFactory,
    RecurringGiftFactory,
    ServiceLevelFactory,
    ServiceRecordFactory,
    ServiceRequestFactory,
    ShiftFactory,
    TagFactory,
    ThankYouTemplateFactory,
    TrainingFactory,
    TrainingRecordFactory,
    UserFactory,
    VolunteerProfileFactory,
    WebhookDeliveryFactory,
    WebhookEndpointFactory,
)
from tests.test_isolation import all_routes
from thankyous.models import ThankYouSettings
from volunteers.models import Cause, Milestone, ShiftSeries, Skill, VolunteerSettings

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "12"))
IDS = {"riverside": 800001, "hope": 900001}

SCHEMA = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
# The API's operations (the schema also documents the providers' webhooks into the inbox: they
# take no token, the provider's signature is their key, and their own tests fuzz them).
OPERATIONS = [
    operation
    for operation in (result.ok() for result in SCHEMA.get_all_operations())
    if operation.path.startswith("/api/")
]


def relation_fields():
    """The writable fields of API serializers that take ids of rows: name → takes a list."""
    names = {"related_id": False}
    for route, _name, entry in all_routes():
        serializer_class = getattr(getattr(entry.callback, "cls", None), "serializer_class", None)
        if not route.startswith("api/") or serializer_class is None:
            continue
        for name, field in serializer_class(context={"request": None}).fields.items():
            if isinstance(field, serializers.RelatedField | serializers.ManyRelatedField):
                names[name] = isinstance(field, serializers.ManyRelatedField)
    return names


def id_filters():
    """Names of the API's query filters that take an id of a row."""
    names = set()
    backend = DjangoFilterBackend()
    for route, _name, entry in all_routes():
        view = getattr(entry.callback, "cls", None)
        if not route.startswith("api/") or getattr(view, "model", None) is None:
            continue
        with scopes_disabled():
            filterset = backend.get_filterset_class(view(), view.model._default_manager.none())
        if filterset is not None:
            names |= {
                name
                for name, choice in filterset.base_filters.items()
                if isinstance(choice, ModelChoiceFilter | ModelMultipleChoiceFilter)
            }
    return names


RELATIONS = relation_fields()
ID_FILTERS = id_filters()


def world(organization, key):
    """One row of every kind the API reaches, each with the id ``key`` and, in its text, the
    organization's canary (no response to the other organization may carry it)."""
    canary = f"canary-{organization.slug}"
    with scopes_disabled():
        user = UserFactory(id=key, email=f"{canary}@example.org")
        MembershipFactory(id=key, organization=organization, user=user, role=Role.VIEWER)
        contact = ContactFactory(
            id=key, organization=organization, first_name=canary, email=f"{canary}@example.net"
        )
        common = {"id": key, "organization": organization}
        fund = FundFactory(**common, name=f"{canary} fund")
        campaign = CampaignFactory(**common, name=f"{canary} campaign")
        GiftFactory(id=key, contact=contact, campaign=campaign)
        PledgeFactory(id=key, contact=contact)
        RecurringGiftFactory(id=key, contact=contact)
        ImpactStoryFactory(**common, title=f"{canary} story", fund=fund)
        DonorUpdateFactory(**common, title=f"{canary} update")
        Appeal.objects.create(**common, name=f"{canary} appeal", campaign=campaign)
        GrantFactory(id=key, funder=contact, title=f"{canary} grant", fund=fund)
        DonorSettings.objects.create(**common, giving_instructions=canary)
        ThankYouSettings.objects.create(**common)
        interaction = InteractionFactory(id=key, contact=contact, subject=f"{canary} call")
        FeedbackFactory(id=key, contact=contact, interaction=interaction, comment=canary)
        ConsentFactory(id=key, contact=contact, wording=canary)
        TagFactory(**common, name=f"{canary} tag")
        InvitationFactory(**common, email=f"{canary}@example.com")
        ComplaintCategory.objects.create(**common, name=f"{canary} complaint")
        ThankYouTemplateFactory(**common, name=f"{canary} template")
        AcknowledgmentFactory(id=key, contact=contact)
        PrintBatchFactory(**common)
        category = RequestCategory.objects.create(**common, name=f"{canary} topic")
        ServiceRequestFactory(id=key, contact=contact, category=category, subject=canary)
        ServiceLevelFactory(**common, category=category, priority="normal")
        ArticleFactory(id=key, category=ArticleCategoryFactory(**common), title=f"{canary} article")
        programme = ProgrammeFactory(**common, name=f"{canary} programme")
        ServiceRecordFactory(id=key, contact=contact, programme=programme, notes=canary)
        core_route_rows(organization, key, canary, contact=contact, programme=programme)
        skill = Skill.objects.create(**common, name=f"{canary} skill")
        cause = Cause.objects.create(**common, name=f"{canary} cause")
        training = TrainingFactory(**common, name=f"{canary} training", grants_skill=skill)
        opportunity = OpportunityFactory(**common, title=f"{canary} opportunity", cause=cause)
        profile = VolunteerProfileFactory(id=key, contact=contact, other_skills=canary)
        started = timezone.now() - timedelta(hours=4)  # attendance can be taken
        series = ShiftSeries.objects.create(
            **common,
            opportunity=opportunity,
            first_date=timezone.localdate(),
            until_date=timezone.localdate(),
        )
        shift = ShiftFactory(id=key, opportunity=opportunity, starts_at=started, series=series)
        AssignmentFactory(id=key, shift=shift, profile=profile)
        HoursEntryFactory(id=key, profile=profile, opportunity=opportunity, hours=Decimal(2))
        TrainingRecordFactory(id=key, profile=profile, training=training)
        Milestone.objects.create(
            **common, profile=profile, code="hours_50", reached_on=timezone.localdate()
        )
        VolunteerSettings.objects.create(**common, signup_intro=canary)
        RecoveryCaseFactory(id=key, contact=contact, summary=canary)
        endpoint = WebhookEndpointFactory(
            **common, url=f"https://{canary}.example.org/hook", description=canary
        )
        WebhookDeliveryFactory(
            id=key,
            endpoint=endpoint,
            event__payload={"object": "contact", "id": key, "name": canary},
            response_body=canary,
        )
        conversation = ConversationFactory(id=key, contact=contact, subject=f"{canary} thread")
        MessageFactory(id=key, conversation=conversation, body=canary)
        space = CommunitySpaceFactory(**common, name=f"{canary} space", slug=f"{canary}-space")
        member = CommunityMemberFactory(
            id=key, organization=organization, contact=contact, display_name=f"{canary} member"
        )
        question = CommunityQuestionFactory(
            id=key, space=space, author=member, title=f"{canary} question", tags=[canary]
        )
        CommunityAnswerFactory(
            id=key, question=question, author=member, body=canary, status="pending"
        )
        CommunityIdeaFactory(id=key, space=space, author=member, title=f"{canary} idea")
        CommunityNoticeFactory(**common, title=f"{canary} notice")


def core_route_rows(organization, key, canary, *, contact, programme):
    """Rows of the routes of programmes' sessions, categories, relationships, duplicates,
    imports, request messages, the clock and the inbox's saved texts (issue 22)."""
    from clients import models as client_models
    from stakeholders import models as core_models
    from tests.factories import (
        AttachmentFactory,
        CannedReplyFactory,
        DataImportFactory,
        DuplicatePairFactory,
        RelationshipFactory,
        SessionFactory,
        WhatsAppTemplateFactory,
    )

    common = {"id": key, "organization": organization}
    session = SessionFactory(id=key, programme=programme, title=f"{canary} session")
    client_models.Attendance.objects.create(**common, session=session, contact=contact)
    client_models.ProgrammeCompletion.objects.create(
        **common, contact=contact, programme=programme, completed_on=timezone.localdate()
    )
    request = client_models.ServiceRequest.objects.get(organization=organization, pk=key)
    client_models.RequestMessage.objects.create(
        **common, request=request, kind=client_models.MessageKind.NOTE, body=canary
    )
    AttachmentFactory(id=key, request=request, original_name=f"{canary}.pdf")
    household = ContactFactory(
        id=key + 1, organization=organization, kind="household", last_name=f"{canary} home"
    )
    RelationshipFactory(
        **common, person=contact, related=household, kind="household_member", role_title=canary
    )
    DuplicatePairFactory(**common, contact=contact, other=household)
    DataImportFactory(**common, original_name=f"{canary}.csv")
    core_models.WorkingHours.objects.create(**common, weekday=0, opens="09:00", closes="17:00")
    core_models.Holiday.objects.create(**common, date="2026-12-25", name=f"{canary} day")
    CannedReplyFactory(**common, title=f"{canary} reply")
    WhatsAppTemplateFactory(**common, name=f"{canary}_template")


@pytest.fixture(scope="module")
def worlds(django_db_setup, django_db_blocker):
    """Both organizations, their rows and an admin's token each (the only admin: it can't be
    demoted), made once for the module in a transaction rolled back at its end; each test's
    own writes roll back to a savepoint inside it."""
    with django_db_blocker.unblock(), transaction.atomic():
        tokens = {}
        for slug, key in IDS.items():
            organization = OrganizationFactory(slug=slug)
            admin = MembershipFactory(organization=organization, role=Role.ADMIN).user
            world(organization, key)
            tokens[slug] = ApiTokenFactory(organization=organization, user=admin).key
        yield tokens
        transaction.set_rollback(True)


@pytest.fixture
def tokens(worlds, db, settings):
    """The tokens, with no rate limit, and requests through the WSGI app in the test's
    transaction: as with Django's test client, the end of a request must not close the
    connection under it."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_user": None, "api_organization": None},
    }
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield worlds
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def replace_ids(value, draw_id):
    """``value`` with the ids in relation fields drawn again (the own or the other's rows)."""
    if isinstance(value, list):
        return [replace_ids(item, draw_id) for item in value]
    if not isinstance(value, dict):
        return value
    replaced = {}
    for name, item in value.items():
        many = RELATIONS.get(name)
        if many and isinstance(item, list) and all(isinstance(i, int) for i in item):
            replaced[name] = [draw_id() for _ in item]
        elif many is False and isinstance(item, int) and not isinstance(item, bool):
            replaced[name] = draw_id()
        else:
            replaced[name] = replace_ids(item, draw_id)
    return replaced


@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.label for op in OPERATIONS])
def test_operation(operation, tokens):
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def fuzz(data):
        mode = data.draw(st.sampled_from(list(schemathesis.GenerationMode)), label="mode")
        case = data.draw(operation.as_strategy(generation_mode=mode), label="case")
        slug = data.draw(st.sampled_from(sorted(IDS)), label="as")
        own, foreign = IDS[slug], next(key for other, key in IDS.items() if other != slug)

        sent_ids = []

        def draw_id():
            sent_ids.append(data.draw(st.sampled_from([own, foreign]), label="id"))
            return sent_ids[-1]

        case.path_parameters["org_slug"] = slug
        for name in ("id", "conversation_id"):  # a row's id, or its parent's in the path
            if name in case.path_parameters:
                case.path_parameters[name] = data.draw(st.sampled_from([own, foreign]), label=name)
        if isinstance(case.query, dict):
            for name in set(case.query) & ID_FILTERS:
                case.query[name] = draw_id()
        if isinstance(case.body, dict | list):
            case.body = replace_ids(case.body, draw_id)

        # identity: the WSGI transport hands back the body as sent, gzipped or not
        headers = {"Authorization": f"Token {tokens[slug]}", "Accept-Encoding": "identity"}
        response = case.call(headers=headers)
        case.validate_response(
            response,
            checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
        )
        label = f"{case.method} {case.formatted_path} {case.query} {case.body!r}"
        if foreign in (case.path_parameters.get("id"), case.path_parameters.get("conversation_id")):
            assert response.status_code == 404, f"{label} → {response.status_code}"
        if foreign in sent_ids:
            assert response.status_code in (400, 404), f"{label} → {response.status_code}"
        other = next(name for name in IDS if name != slug)
        assert f"canary-{other}".encode() not in response.content, label

    fuzz()
