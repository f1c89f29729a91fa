"""Tenant isolation, proven for every URL the project has — including ones added later.

Every URL pattern and API route is enumerated from the resolver. Each must be either a known
platform route (GLOBAL_ROUTES) or live under /o/<slug>/ or /api/v1/o/<slug>/. For those, a member
(an admin, even) of organization B gets 404 on organization A's pages and objects, with every HTTP
method, and no row of A changes. A URL argument the test can't fill (no entry in
OBJECT_FACTORIES / MODEL_FACTORIES) fails the suite: add the factory when you add the URL.
"""

import datetime
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.forms.models import model_to_dict
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_scopes import scopes_disabled

from clients import services as client_services
from clients.models import Article, ServiceLevel, ServiceRecord, ServiceRequest
from community import models as community_models
from donors import services as donor_services
from donors.models import (
    Appeal,
    Campaign,
    DonorSettings,
    DonorUpdate,
    Fund,
    Gift,
    Grant,
    ImpactStory,
    Pledge,
    RecurringGift,
)
from stakeholders import services
from stakeholders.experience import recovery as experience_recovery
from stakeholders.experience import surveys as experience_surveys
from stakeholders.experience.models import (
    KeepInTouchRun,
    KeepInTouchStep,
    RecoveryCase,
    SurveyInvitation,
    SurveyRule,
)
from stakeholders.inbox.models import Conversation, Message
from stakeholders.models import (
    ApiToken,
    Consent,
    Contact,
    ExportJob,
    Feedback,
    Interaction,
    Invitation,
    Membership,
    Tag,
    WebhookDelivery,
    WebhookEndpoint,
)
from tests.factories import (
    AcknowledgmentFactory,
    ApiTokenFactory,
    ArticleFactory,
    AssignmentFactory,
    AttachmentFactory,
    CampaignFactory,
    CannedReplyFactory,
    ConsentFactory,
    ContactFactory,
    ConversationFactory,
    DataImportFactory,
    DonorUpdateFactory,
    DuplicatePairFactory,
    FeedbackFactory,
    FundFactory,
    GiftFactory,
    GrantFactory,
    HolidayFactory,
    HoursEntryFactory,
    ImpactStoryFactory,
    InteractionFactory,
    InvitationFactory,
    JourneySummaryFactory,
    KeepInTouchRunFactory,
    KeepInTouchStepFactory,
    MembershipFactory,
    MessageAttachmentFactory,
    MessageFactory,
    MessagingNumberFactory,
    OpportunityFactory,
    PledgeFactory,
    PrintBatchFactory,
    ProgrammeFactory,
    RecoveryCaseFactory,
    RecurringGiftFactory,
    RelationshipFactory,
    ServiceLevelFactory,
    ServiceRecordFactory,
    ServiceRequestFactory,
    SessionFactory,
    ShiftFactory,
    SurveyInvitationFactory,
    SurveyRuleFactory,
    TagFactory,
    ThankYouTemplateFactory,
    TrainingFactory,
    TrainingRecordFactory,
    VolunteerProfileFactory,
    WebhookDeliveryFactory,
    WebhookEndpointFactory,
    WhatsAppTemplateFactory,
)
from tests.test_tenancy import TENANT_APPS
from thankyous import services as thankyou_services
from thankyous.models import Acknowledgment, PrintBatch, ThankYouSettings, ThankYouTemplate
from volunteers import services as volunteer_services
from volunteers.models import (
    Assignment,
    Cause,
    HoursEntry,
    Milestone,
    Opportunity,
    PendingSignup,
    Shift,
    ShiftSeries,
    Skill,
    Training,
    TrainingRecord,
    VolunteerProfile,
    VolunteerSettings,
)

# Platform routes outside any organization, by prefix of the route.
GLOBAL_ROUTES = (
    "admin/",  # Django admin: platform operators only (is_staff)
    "accounts/",  # django-allauth: the signed-in user's own account
    "accounts/language/",  # the signed-in user's own interface language (test_public_language)
    "i18n/",  # language switch
    "jsi18n/",  # the JavaScript catalog of the active language (public, no data)
    "api/schema/",
    "api/docs/",
    "metrics",  # Prometheus: a token or network setting, no organization data (test_operations)
    "orgs/",  # the user's own organizations, and creating a new one
    "invitations/<str:key>/",  # the key is the proof; covered in test_auth
    "",
)

# A URL argument name of an HTML page → a factory making that object in a given organization.
OBJECT_FACTORIES = {
    "membership_id": lambda org: MembershipFactory(organization=org),
    "invitation_id": lambda org: InvitationFactory(organization=org),
    "token_id": lambda org: ApiTokenFactory(
        organization=org, user=MembershipFactory(organization=org).user
    ),
    "contact_id": lambda org: ContactFactory(organization=org),
    "interaction_id": lambda org: InteractionFactory(contact__organization=org),
    "pair_id": lambda org: DuplicatePairFactory(organization=org),
    "import_id": lambda org: DataImportFactory(organization=org),
    "relationship_id": lambda org: RelationshipFactory(organization=org),
    "gift_id": lambda org: GiftFactory(contact__organization=org),
    "fund_id": lambda org: FundFactory(organization=org),
    "campaign_id": lambda org: CampaignFactory(organization=org),
    "story_id": lambda org: ImpactStoryFactory(organization=org),
    "update_id": lambda org: DonorUpdateFactory(organization=org),
    "grant_id": lambda org: GrantFactory(funder__organization=org),
    "template_id": lambda org: ThankYouTemplateFactory(organization=org),
    "ack_id": lambda org: AcknowledgmentFactory(contact__organization=org),
    "batch_id": lambda org: PrintBatchFactory(organization=org),
    "request_id": lambda org: ServiceRequestFactory(contact__organization=org),
    "attachment_id": lambda org: AttachmentFactory(request__contact__organization=org),
    "holiday_id": lambda org: HolidayFactory(organization=org),
    "article_id": lambda org: ArticleFactory(category__organization=org),
    "programme_id": lambda org: ProgrammeFactory(organization=org),
    "session_id": lambda org: SessionFactory(programme__organization=org),
    "profile_id": lambda org: VolunteerProfileFactory(contact__organization=org),
    "opportunity_id": lambda org: OpportunityFactory(organization=org),
    "shift_id": lambda org: ShiftFactory(opportunity__organization=org),
    "training_id": lambda org: TrainingFactory(organization=org),
    # signed links of the volunteers' public pages, made for ``org``
    "confirm_token": lambda org: SimpleNamespace(
        pk=volunteer_services.confirm_token(
            organization=org,
            pending=PendingSignup.objects.create(
                organization=org, email="new@example.org", data={"email": "new@example.org"}
            ),
        )
    ),
    "portal_token": lambda org: SimpleNamespace(
        pk=volunteer_services.portal_token(
            organization=org, profile=VolunteerProfileFactory(contact__organization=org)
        )
    ),
    # the secret key of a volunteer's calendar feed address
    "calendar_token": lambda org: SimpleNamespace(
        pk=volunteer_services.calendar_key_create(
            organization=org, profile=VolunteerProfileFactory(contact__organization=org)
        )
    ),
    # the link confirming a public request of ``org`` (clients)
    "request_token": lambda org: SimpleNamespace(
        pk=client_services.confirm_token(
            organization=org, request=ServiceRequestFactory(contact__organization=org)
        )
    ),
    # a signed survey link for an interaction of ``org`` (public page: the token is the key)
    "token": lambda org: SimpleNamespace(
        pk=services.feedback_link_token(
            organization=org, interaction=InteractionFactory(contact__organization=org)
        )
    ),
    # a recovery case, and the signed "Is this put right?" link of one (public page)
    "case_id": lambda org: RecoveryCaseFactory(contact__organization=org),
    "recovery_token": lambda org: SimpleNamespace(
        pk=experience_recovery.answer_token(
            organization=org,
            case=RecoveryCaseFactory(contact__organization=org, status=RecoveryCase.Status.ASKED),
        )
    ),
    # a keep-in-touch step, and one person's task of a step
    "step_id": lambda org: KeepInTouchStepFactory(organization=org),
    "run_id": lambda org: KeepInTouchRunFactory(step__organization=org),
    # a journey (its key; the page needs the organization's computed funnel of it)
    "journey": lambda org: SimpleNamespace(
        pk=JourneySummaryFactory(organization=org, journey="donor").journey
    ),
    # the shared inbox: a conversation, a canned reply, a message's attachment
    "conversation_id": lambda org: ConversationFactory(contact__organization=org),
    "reply_id": lambda org: CannedReplyFactory(organization=org),
    "inbox_attachment_id": lambda org: MessageAttachmentFactory(
        message__conversation__contact__organization=org
    ),
    # a survey rule, and the signed one-click answer link of an invitation (public page)
    "rule_id": lambda org: SurveyRuleFactory(organization=org),
    "survey_token": lambda org: SimpleNamespace(
        pk=experience_surveys.answer_token(
            organization=org,
            invitation=SurveyInvitationFactory(rule__organization=org),
            score=4,
        )
    ),
    # the shared inbox's messaging settings: a number, a WhatsApp template (admins)
    "messaging_number_id": lambda org: MessagingNumberFactory(organization=org),
    "whatsapp_template_id": lambda org: WhatsAppTemplateFactory(organization=org),
}

# Webhook endpoints and their delivery log (admins' settings pages and the API).
OBJECT_FACTORIES["endpoint_id"] = lambda org: WebhookEndpointFactory(organization=org)
OBJECT_FACTORIES["delivery_id"] = lambda org: WebhookDeliveryFactory(endpoint__organization=org)


def _community_space(org):
    """A public space of ``org``'s community (open), for the community's pages."""
    from community.models import CommunitySettings, Space

    CommunitySettings.objects.update_or_create(organization=org, defaults={"enabled": True})
    number = Space.objects.filter(organization=org).count() + 1
    return Space.objects.create(organization=org, name="Getting help", slug=f"help-{number}")


def _community_question(org):
    """A published question (with a published answer) of ``org``'s community."""
    from community.models import Answer, Question

    asker = _community_member(org)  # a new one each time: pages of many questions are opened
    question = Question.objects.create(
        organization=org,
        space=_community_space(org),
        author=asker,
        title="Where is it?",
        body="Where is the food bank?",
        language="en",
        status="published",
    )
    Answer.objects.create(
        organization=org,
        question=question,
        author=asker,
        body="On Mill Lane.",
        status="published",
    )
    return question


# The community: a space by its address (public pages) or its id (staff), a question.
OBJECT_FACTORIES["space_slug"] = lambda org: SimpleNamespace(pk=_community_space(org).slug)
OBJECT_FACTORIES["space_id"] = _community_space
OBJECT_FACTORIES["question_id"] = _community_question


def _community_member(org):
    """A member of ``org``'s community (moderators' block page)."""
    from community.models import Member, MemberStatus

    number = Member.objects.filter(organization=org).count() + 1
    return Member.objects.create(
        organization=org,
        email=f"member{number}@{org.slug}.example",
        display_name=f"Member {number} {org.slug}",
        status=MemberStatus.ACTIVE,
    )


# Community moderation: a post by its kind and id (a question), a member; the public report.
OBJECT_FACTORIES["post_kind"] = lambda org: SimpleNamespace(pk="question")
OBJECT_FACTORIES["post_id"] = _community_question
OBJECT_FACTORIES["member_id"] = _community_member


def _community_idea(org):
    from community.models import Idea

    return Idea.objects.create(
        organization=org,
        space=_community_space(org),
        author=_community_member(org),
        title="Open on Saturdays",
        body="Many of us work on weekdays.",
        moderation="published",
    )


def _community_notice(org):
    from datetime import timedelta

    from django.utils import timezone

    from community.models import Notice

    return Notice.objects.create(
        organization=org,
        title="Closed on Friday",
        places=["community", "help", "request"],
        ends_at=timezone.now() + timedelta(days=1),
    )


def _community_expert_session(org):
    from datetime import timedelta

    from django.utils import timezone

    from community.models import ExpertSession

    starts = timezone.now() + timedelta(days=1)
    return ExpertSession.objects.create(
        organization=org,
        space=_community_space(org),
        title="Ask us about benefits",
        host=MembershipFactory(organization=org).user,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
    )


# Community ideas, known-issue notices and expert hours.
OBJECT_FACTORIES["idea_id"] = _community_idea
OBJECT_FACTORIES["notice_id"] = _community_notice
OBJECT_FACTORIES["expert_session_id"] = _community_expert_session


def _community_link(org, kind):
    """A signed link of ``org``'s community members' pages: the confirmation of a join, a
    sign-in link (both for a member of ``org``), or the unsubscribe link of a follow."""
    from community.models import Follow
    from community.services import members as community_members
    from community.services import notifications as community_notifications

    member = _community_member(org)
    if kind == "join":
        return community_members.join_token(organization=org, member=member)
    if kind == "enter":
        return community_members.enter_token(organization=org, member=member)
    follow = Follow.objects.create(
        organization=org, member=member, question=_community_question(org)
    )
    return community_notifications.unsubscribe_token(organization=org, follows=[follow])


# Community members: the join confirmation, the sign-in link, the one-click unsubscribe.
OBJECT_FACTORIES["join_token"] = lambda org: SimpleNamespace(pk=_community_link(org, "join"))
OBJECT_FACTORIES["sign_in_token"] = lambda org: SimpleNamespace(pk=_community_link(org, "enter"))
OBJECT_FACTORIES["unsubscribe_token"] = lambda org: SimpleNamespace(
    pk=_community_link(org, "unsubscribe")
)

# An API viewset's model → a factory making one of its rows in a given organization.
MODEL_FACTORIES = {
    WebhookEndpoint: OBJECT_FACTORIES["endpoint_id"],
    WebhookDelivery: OBJECT_FACTORIES["delivery_id"],
    Membership: OBJECT_FACTORIES["membership_id"],
    Invitation: OBJECT_FACTORIES["invitation_id"],
    ApiToken: OBJECT_FACTORIES["token_id"],
    Contact: OBJECT_FACTORIES["contact_id"],
    Interaction: OBJECT_FACTORIES["interaction_id"],
    Tag: lambda org: TagFactory(organization=org),
    Consent: lambda org: ConsentFactory(contact__organization=org),
    Feedback: lambda org: FeedbackFactory(contact__organization=org),
    Gift: OBJECT_FACTORIES["gift_id"],
    Fund: OBJECT_FACTORIES["fund_id"],
    Campaign: OBJECT_FACTORIES["campaign_id"],
    ImpactStory: OBJECT_FACTORIES["story_id"],
    Pledge: lambda org: PledgeFactory(contact__organization=org),
    Acknowledgment: OBJECT_FACTORIES["ack_id"],
    ThankYouTemplate: OBJECT_FACTORIES["template_id"],
    PrintBatch: OBJECT_FACTORIES["batch_id"],
    RecurringGift: lambda org: RecurringGiftFactory(contact__organization=org),
    ServiceRequest: OBJECT_FACTORIES["request_id"],
    ServiceLevel: lambda org: ServiceLevelFactory(organization=org),
    Article: OBJECT_FACTORIES["article_id"],
    ServiceRecord: lambda org: ServiceRecordFactory(contact__organization=org),
    VolunteerProfile: OBJECT_FACTORIES["profile_id"],
    Opportunity: OBJECT_FACTORIES["opportunity_id"],
    Shift: OBJECT_FACTORIES["shift_id"],
    Training: OBJECT_FACTORIES["training_id"],
    Assignment: lambda org: AssignmentFactory(shift__opportunity__organization=org),
    HoursEntry: lambda org: HoursEntryFactory(profile__contact__organization=org),
    TrainingRecord: lambda org: TrainingRecordFactory(profile__contact__organization=org),
    RecoveryCase: OBJECT_FACTORIES["case_id"],
    KeepInTouchStep: OBJECT_FACTORIES["step_id"],
    KeepInTouchRun: OBJECT_FACTORIES["run_id"],
    SurveyRule: OBJECT_FACTORIES["rule_id"],
    SurveyInvitation: lambda org: SurveyInvitationFactory(rule__organization=org),
    # the shared inbox's API: a conversation, and a message of one (in the general team)
    Conversation: OBJECT_FACTORIES["conversation_id"],
    Message: lambda org: MessageFactory(conversation__contact__organization=org),
}


def _named_row(model):
    """An appeal, skill or cause of an organization, under a name of its own."""

    def make(org):
        number = model.objects.filter(organization=org).count() + 1
        return model.objects.create(organization=org, name=f"{model.__name__} {number}")

    return make


def _milestone(org):
    return Milestone.objects.create(
        organization=org,
        profile=VolunteerProfileFactory(contact__organization=org),
        code="first_shift",
        reached_on="2026-11-20",
    )


def _shift_series(org):
    """A repeating shift, made as the opportunity page makes it (three weekly shifts)."""
    shifts = volunteer_services.shift_create(
        organization=org,
        opportunity=OpportunityFactory(organization=org),
        date=datetime.date(2027, 1, 9),
        starts=datetime.time(9),
        ends=datetime.time(12),
        capacity=3,
        repeat_weeks=1,
        until=datetime.date(2027, 1, 23),
    )
    return ShiftSeries.objects.get(organization=org, pk=shifts[0].series_id)


def _settings_row(service):
    """An organization's one settings row, made as its page makes it."""
    return lambda org: service(organization=org)


# Donors, volunteers and thank-you routes of issue 22: appeals, grants, donor updates, settings,
# skills, causes, milestones.
MODEL_FACTORIES.update(
    {
        Appeal: _named_row(Appeal),
        Grant: OBJECT_FACTORIES["grant_id"],
        DonorUpdate: OBJECT_FACTORIES["update_id"],
        DonorSettings: _settings_row(donor_services.donor_settings),
        ThankYouSettings: _settings_row(thankyou_services.thankyou_settings),
        VolunteerSettings: _settings_row(volunteer_services.volunteer_settings),
        Skill: _named_row(Skill),
        Cause: _named_row(Cause),
        Milestone: _milestone,
        ShiftSeries: _shift_series,
    }
)

# The community's API: spaces, questions, answers (one of a question), ideas, notices.
MODEL_FACTORIES.update(
    {
        community_models.Space: OBJECT_FACTORIES["space_id"],
        community_models.Question: OBJECT_FACTORIES["question_id"],
        community_models.Answer: lambda org: community_models.Answer.objects.filter(
            question=_community_question(org)
        ).first(),
        community_models.Idea: OBJECT_FACTORIES["idea_id"],
        community_models.Notice: OBJECT_FACTORIES["notice_id"],
    }
)


# Programmes, sessions, attendance, categories, relationships, duplicates, imports (routes-b).
def _core_route_factories():
    import datetime

    from clients import models as client_models
    from stakeholders import models as core_models
    from tests.factories import ArticleCategoryFactory, RequestCategoryFactory

    return {
        client_models.Programme: OBJECT_FACTORIES["programme_id"],
        client_models.Session: OBJECT_FACTORIES["session_id"],
        client_models.Attendance: lambda org: client_models.Attendance.objects.create(
            organization=org,
            session=SessionFactory(programme__organization=org),
            contact=ContactFactory(organization=org),
        ),
        client_models.RequestCategory: lambda org: RequestCategoryFactory(organization=org),
        client_models.ArticleCategory: lambda org: ArticleCategoryFactory(organization=org),
        core_models.ComplaintCategory: lambda org: core_models.ComplaintCategory.objects.create(
            organization=org, name="Waiting times"
        ),
        core_models.Relationship: OBJECT_FACTORIES["relationship_id"],
        core_models.DuplicatePair: OBJECT_FACTORIES["pair_id"],
        core_models.DataImport: OBJECT_FACTORIES["import_id"],
        client_models.Attachment: OBJECT_FACTORIES["attachment_id"],
        core_models.CannedReply: OBJECT_FACTORIES["reply_id"],
        core_models.WhatsAppTemplate: OBJECT_FACTORIES["whatsapp_template_id"],
        client_models.ProgrammeCompletion: lambda org: (
            client_models.ProgrammeCompletion.objects.create(
                organization=org,
                contact=ContactFactory(organization=org),
                programme=ProgrammeFactory(organization=org),
                completed_on=datetime.date(2026, 3, 30),
            )
        ),
        client_models.RequestMessage: lambda org: client_models.RequestMessage.objects.create(
            organization=org,
            request=OBJECT_FACTORIES["request_id"](org),
            kind=client_models.MessageKind.NOTE,
            body="Called the landlord.",
        ),
        core_models.WorkingHours: lambda org: core_models.WorkingHours.objects.create(
            organization=org, weekday=0, opens=datetime.time(9), closes=datetime.time(17)
        ),
        core_models.Holiday: lambda org: core_models.Holiday.objects.create(
            organization=org, date=datetime.date(2026, 12, 25), name="Christmas Day"
        ),
    }


MODEL_FACTORIES.update(_core_route_factories())


def _export_job(org):
    """A background export of the organization's contacts, asked for by one of its members."""
    return ExportJob.objects.create(
        organization=org,
        requested_by=MembershipFactory(organization=org).user,
        list_name="contacts",
        format="csv",
        expires_at=datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC),
    )


MODEL_FACTORIES[ExportJob] = _export_job

ORG_PREFIXES = ("o/<slug:org_slug>/", "api/v1/o/<slug:org_slug>/")
METHODS = ("get", "post", "put", "patch", "delete")


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, route, ns)
        elif isinstance(entry, URLPattern):
            yield route, (namespace + entry.name) if entry.name else None, entry


def all_routes():
    return list(_walk(get_resolver().url_patterns))


def organization_routes():
    routes = [r for r in all_routes() if r[0].startswith(ORG_PREFIXES)]
    assert routes, "no organization routes found"
    return routes


def _params(pattern_route, entry):
    """Names of the URL's arguments other than org_slug."""
    from django.urls.resolvers import RegexPattern, RoutePattern

    names = set()
    for part in pattern_route.split("/"):
        if part.startswith("<") and part.endswith(">"):
            names.add(part.strip("<>").split(":")[-1])
    if isinstance(entry.pattern, RegexPattern | RoutePattern):
        names |= set(entry.pattern.regex.groupindex)
    names.discard("org_slug")
    names.discard("format")
    return sorted(names)


def _factory_for(name, entry):
    if name in OBJECT_FACTORIES:
        return OBJECT_FACTORIES[name]
    viewset = getattr(entry.callback, "cls", None)
    model = getattr(viewset, "model", None)
    if name == "pk" and model in MODEL_FACTORIES:
        return MODEL_FACTORIES[model]
    return None


def organization_page_paths(organization):
    """(name, path) of every named page of ``organization`` with one made object of each kind
    its URL names (pages whose arguments no factory makes are left out)."""
    found = []
    for route, name, entry in organization_routes():
        if not route.startswith("o/<slug:org_slug>/") or name is None:
            continue
        kwargs = {}
        for param in _params(route, entry):
            make = _factory_for(param, entry)
            if make is None:
                break
            with scopes_disabled():
                kwargs[param] = make(organization).pk
        else:
            found.append((name, reverse(name, kwargs={"org_slug": organization.slug, **kwargs})))
    return found


def test_every_url_is_classified():
    unclassified = []
    for route, _name, entry in all_routes():
        if route.startswith(ORG_PREFIXES):
            missing = [p for p in _params(route, entry) if _factory_for(p, entry) is None]
            if missing:
                unclassified.append(f"{route} (no factory for {', '.join(missing)})")
            continue
        if not any(
            route == g or (g and route.startswith(g)) or (route.startswith("^") and g == "")
            for g in GLOBAL_ROUTES
        ):
            unclassified.append(route)
    assert unclassified == [], (
        "URLs the isolation test cannot classify; add them to GLOBAL_ROUTES or a factory to "
        f"OBJECT_FACTORIES / MODEL_FACTORIES: {unclassified}"
    )


def snapshot(organization):
    """Every row of every model that belongs to ``organization`` (memberships included)."""
    rows = {}
    with scopes_disabled():
        for app_label in TENANT_APPS:
            for model in apps.get_app_config(app_label).get_models():
                if "organization" not in {f.name for f in model._meta.fields}:
                    continue
                queryset = model._default_manager
                if hasattr(queryset, "with_scopes_disabled"):
                    queryset = queryset.with_scopes_disabled()
                rows[model._meta.label] = sorted(
                    (
                        model_to_dict(obj) | {"pk": obj.pk}
                        for obj in queryset.filter(organization=organization)
                    ),
                    key=lambda row: row["pk"],
                )
    return rows


def _request(client, method, url):
    kwargs = {"content_type": "application/json", "data": {}} if method != "get" else {}
    return getattr(client, method)(url, **kwargs)


@pytest.fixture
def intruder(client, org_a, org_b, admin_a, admin_b):
    """A logged-in admin of organization B."""
    client.force_login(admin_b)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    "route,name,entry", organization_routes(), ids=[r[0] for r in organization_routes()]
)
def test_organization_b_cannot_reach_organization_a(intruder, org_a, org_b, route, name, entry):
    params = _params(route, entry)
    with scopes_disabled():
        objects = {p: _factory_for(p, entry)(org_a) for p in params}
    kwargs = {p: obj.pk for p, obj in objects.items()}
    before = snapshot(org_a)

    if getattr(entry.callback, "organization_public", False):
        # Public pages open for anyone under A's slug; A's keys must not work under B's slug.
        if params:
            url = reverse(name, kwargs={"org_slug": org_b.slug, **kwargs})
            statuses = {method: _request(intruder, method, url).status_code for method in METHODS}
            assert set(statuses.values()) <= {400, 404, 405}, f"{url}: {statuses}"
        assert snapshot(org_a) == before, f"{route} changed organization A's rows"
        return

    # 1. A's slug in the URL: B's member is not a member of A.
    url = reverse(name, kwargs={"org_slug": org_a.slug, **kwargs})
    for method in METHODS:
        response = _request(intruder, method, url)
        assert response.status_code == 404, f"{method.upper()} {url} → {response.status_code}"

    # 2. B's own slug with A's object ids: the object is not found in B's scope.
    if params:
        url = reverse(name, kwargs={"org_slug": org_b.slug, **kwargs})
        statuses = {method: _request(intruder, method, url).status_code for method in METHODS}
        assert set(statuses.values()) <= {404, 405}, f"{url}: {statuses}"
        assert 404 in statuses.values(), f"{url}: {statuses}"

    assert snapshot(org_a) == before, f"{route} changed organization A's rows"


@pytest.mark.django_db
def test_a_token_of_organization_b_is_unknown_in_organization_a(client, org_a, org_b, admin_b):
    token = ApiTokenFactory(organization=org_b, user=admin_b)
    headers = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    assert client.get("/api/v1/o/hope/members/", **headers).status_code == 200
    assert client.get("/api/v1/o/riverside/members/", **headers).status_code == 401


@pytest.mark.django_db
def test_a_status_link_of_organization_a_opens_nothing_under_b(client, org_a, org_b):
    """The client's status page takes its key in the query string: A's link under B's slug is
    refused (and changes nothing), whatever is posted."""
    with scopes_disabled():
        request = ServiceRequestFactory(contact__organization=org_a)
        token = client_services.status_token(organization=org_a, request=request)
    before = snapshot(org_a)
    url = f"/o/{org_b.slug}/help/request/status/?t={token}"
    assert client.get(url).status_code == 400
    assert client.post(url, {"body": "Hello"}).status_code == 400
    assert client.get(f"/o/{org_a.slug}/help/request/status/?t={token}").status_code == 200
    assert snapshot(org_a) == before
