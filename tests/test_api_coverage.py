"""Every kind of row staff manage has an API route (issue 22: "every resource").

The tenant-owned models of the apps are enumerated, and so are the models the API's routes
serve (each router registration's ``model``, its serializers' models and the models of the
serializers nested in them). A model served by no route must be in ``NOT_RESOURCES`` with the
reason it is deliberately not a resource; a model staff manage that still lacks its route is in
``MISSING_ROUTES`` until the route lands — and an entry that is no longer true (the model got a
route, or is gone) fails too, so neither list can go stale.
"""

from django.apps import apps
from rest_framework import serializers

from stakeholders.tenancy.models import TenantOwned
from tests.test_isolation import all_routes

APPS = ("stakeholders", "donors", "volunteers", "clients", "thankyous", "community")

# Rows that are deliberately not API resources, each with why.
NOT_RESOURCES = {
    # Settings singletons: one row per organization, created on first use and edited on the
    # app's settings page (they change how the product behaves, not data integrations move).
    "stakeholders.ExperienceSettings": "settings singleton (experience settings page)",
    "stakeholders.InboxSettings": "settings singleton (inbox settings page)",
    "clients.ClientSettings": "settings singleton (clients settings page)",
    "community.CommunitySettings": "settings singleton (community settings page)",
    "stakeholders.JourneyStageSetting": (
        "per-stage settings of the journeys (their names and 'stuck after'), edited with the "
        "journeys settings; the journeys route reports the stages with them"
    ),
    # Credentials and what comes with them: set up by a signed-in admin, never by a token (a
    # leaked token must not mint tokens or read a provider's secrets).
    "stakeholders.ApiToken": "credentials: made and revoked on the signed-in settings page",
    "stakeholders.MessagingAccount": "the Twilio account and its encrypted auth token",
    "stakeholders.MessagingNumber": (
        "the account's phone numbers, set up with the messaging account on the inbox settings"
    ),
    # Join tables: read and written through the rows they join.
    "stakeholders.ContactTag": "join table: a contact's tags are its `tags` field",
    "volunteers.ProfileSkill": "join table: a volunteer profile's skills",
    "volunteers.ProfileCause": "join table: a volunteer profile's causes",
    "volunteers.OpportunitySkill": "join table: an opportunity's skills",
    "volunteers.OpportunityTraining": "join table: an opportunity's required trainings",
    "community.Vote": "join table: a member's upvote of a post (its count is on the post)",
    "community.IdeaVote": "join table: a member's vote for an idea (its count is on the idea)",
    # Parts of another resource, read and written with it.
    "donors.GiftAllocation": "part of a gift: `allocations` of gifts",
    "donors.SoftCredit": "part of a gift: `soft_credits` of gifts",
    "stakeholders.RecoveryAction": "part of a recovery case: `actions` of recovery-cases",
    "stakeholders.MessageAttachment": "part of an inbox message: `attachments` of messages",
    # Logs: append-only records of what happened, read on their pages and in the exports.
    "stakeholders.AuditEvent": "append-only audit log (settings › audit page)",
    "clients.AccessLog": "append-only access log of client records (access-log page)",
    "stakeholders.ContactEvent": "a contact's record history, shown on their timeline",
    "stakeholders.EmailSuppression": (
        "written by bounces, complaints and unsubscribes (not by staff); shown on the contact "
        "and in their data export"
    ),
    "clients.HelpSearch": "what visitors searched the help centre for (reports)",
    "clients.ArticleVote": "visitors' 'was this helpful?' (its counts are on the article)",
    # Internal state of the machinery.
    "stakeholders.ScheduledRun": "internal: when a daily job last ran",
    "stakeholders.UsedLink": "internal: single-use links already used",
    "stakeholders.ReceivedText": "internal: an SMS or WhatsApp waiting to be filed",
    "stakeholders.WebhookEvent": "internal: an event to deliver (webhook-deliveries show them)",
    "stakeholders.IdempotencyRecord": "internal: the first response to an Idempotency-Key",
    "donors.UpdateDelivery": "internal: one donor's copy of an update, so none is sent twice",
    "donors.DonorYear": "derived: a donor's year of giving, kept by triggers on gifts "
    "(lapsed donors and retention read it)",
    "donors.GivingVersion": "internal: the key of the cached giving figures, bumped by triggers",
    "thankyous.AcknowledgmentCount": "derived: thank-yous per kind and state, kept by "
    "triggers on acknowledgments (the thank-you page reads it)",
    "stakeholders.ContactName": "derived: the search's dictionary of names, kept by triggers "
    "on contacts (the contact search reads it)",
    "stakeholders.ContactNameWord": "derived: the words of the search's names, kept by triggers "
    "on the names",
    "volunteers.PendingSignup": "internal: a public signup waiting for its email confirmation",
    # The community (issue 20) is being built: its staff routes come with it.
    "community.Member": "members join by email and are moderated on the community's pages",
    "community.Comment": "remarks members write under posts (moderated on the pages)",
    "community.Follow": "a member's own choice of notifications",
    "community.Report": "flags from members and visitors, handled in the moderation queue",
    "community.Revision": "a post's edit history, part of the post",
    "community.ExpertSession": "expert hours, scheduled on the community's pages",
    "community.SessionReminder": "a member's reminder request",
    "community.TrendReport": "computed weekly; shown on the insights page",
}

# Rows staff manage that have no route yet (known gaps of issue 22, point 1): remove an entry
# when its route lands (the test below then insists on it).
MISSING_ROUTES = {}


def _serializer_models(serializer_class, seen):
    """The models of ``serializer_class`` and of the serializers nested in it."""
    if serializer_class is None or serializer_class in seen:
        return set()
    seen.add(serializer_class)
    found = set()
    model = getattr(getattr(serializer_class, "Meta", None), "model", None)
    if model is not None:
        found.add(model)
    for field in getattr(serializer_class, "_declared_fields", {}).values():
        nested = field.child if isinstance(field, serializers.ListSerializer) else field
        if isinstance(nested, serializers.BaseSerializer):
            found |= _serializer_models(type(nested), seen)
    return found


def served_models():
    """Models that some API route serves."""
    served, seen = set(), set()
    for route, _name, entry in all_routes():
        viewset = getattr(entry.callback, "cls", None)
        if not route.startswith("api/") or viewset is None:
            continue
        if getattr(viewset, "model", None) is not None:
            served.add(viewset.model)
        served |= _serializer_models(getattr(viewset, "serializer_class", None), seen)
    return {model._meta.label for model in served}


def tenant_models():
    return {
        model._meta.label
        for app in APPS
        for model in apps.get_app_config(app).get_models()
        if issubclass(model, TenantOwned)
    }


def test_every_model_staff_manage_has_a_route():
    unserved = tenant_models() - served_models() - NOT_RESOURCES.keys() - MISSING_ROUTES.keys()
    assert unserved == set(), (
        "Tenant-owned models no API route serves: give each a route (with the pages' services "
        "and roles), or add it to NOT_RESOURCES with the reason it is not a resource: "
        f"{sorted(unserved)}"
    )


def test_the_lists_are_true():
    served, models = served_models(), tenant_models()
    listed = NOT_RESOURCES.keys() | MISSING_ROUTES.keys()
    assert sorted(listed - models) == [], "listed models that no longer exist"
    assert sorted(listed & served) == [], "listed as without a route, but a route serves them"
    assert sorted(NOT_RESOURCES.keys() & MISSING_ROUTES.keys()) == []
    assert all(reason.strip() for reason in [*NOT_RESOURCES.values(), *MISSING_ROUTES.values()])


def test_the_routes_added_for_issue_22_serve_their_models():
    served = served_models()
    for label in (
        "clients.Programme",
        "clients.Session",
        "clients.Attendance",
        "clients.ProgrammeCompletion",
        "clients.RequestCategory",
        "clients.ArticleCategory",
        "clients.RequestMessage",
        "clients.Attachment",
        "stakeholders.WorkingHours",
        "stakeholders.Holiday",
        "stakeholders.ComplaintCategory",
        "stakeholders.Relationship",
        "stakeholders.DuplicatePair",
        "stakeholders.DataImport",
        "stakeholders.CannedReply",
        "stakeholders.WhatsAppTemplate",
    ):
        assert label in served, label
