"""What the clients app plugs into the experience loop (stakeholders/experience/registry.py): its
area with who may see it and who owns a recovery case, its touchpoints worth a survey, its journey
and what it knows about the experience behind a score."""

from django.utils.translation import gettext, gettext_lazy

from stakeholders.experience.registry import Occurrence, areas, touchpoints
from stakeholders.models import Role

AREA = "client"
ROLES = (Role.ADMIN, Role.CASEWORKER)


# --- Area and recovery-case owner -------------------------------------------------------------


def case_owner(*, organization, contact, related_kind, related_id):
    """Who usually puts things right for this person: the caseworker the service request is
    assigned to (None: the core's fallback)."""
    from clients.models import ServiceRequest
    from clients.services import RELATED_KIND

    if related_kind != RELATED_KIND or related_id is None:
        return None
    request = (
        ServiceRequest.objects.filter(organization=organization, pk=related_id)
        .select_related("assignee")
        .first()
    )
    return request.assignee if request is not None else None


# --- Touchpoints --------------------------------------------------------------------------------


REQUEST_RESOLVED = "clients.request_resolved"
PROGRAMME_COMPLETED = "clients.programme_completed"
REQUEST_KIND = "clients.request"  # clients.services.RELATED_KIND
COMPLETION_KIND = "clients.programme_completion"


def requests_resolved(organization, since, until, rule=None):
    """A service request resolved in [since, until) (and not reopened), whose requester
    confirmed it is theirs: an address typed on the public form may be someone else's."""
    from clients.models import ServiceRequest, Status

    rows = (
        ServiceRequest.objects.filter(
            organization=organization,
            resolved_at__gte=since,
            resolved_at__lt=until,
            status__in=[Status.RESOLVED, Status.CLOSED],
            confirmed_at__isnull=False,
        )
        .order_by()
        .values_list("contact_id", "pk", "resolved_at")
    )
    return [Occurrence(contact_id, REQUEST_KIND, pk, at) for contact_id, pk, at in rows]


def programmes_completed(organization, since, until, rule=None):
    """A programme completion recorded in [since, until)."""
    from clients.models import ProgrammeCompletion

    rows = (
        ProgrammeCompletion.objects.filter(
            organization=organization, created_at__gte=since, created_at__lt=until
        )
        .order_by()
        .values_list("contact_id", "pk", "created_at")
    )
    return [Occurrence(contact_id, COMPLETION_KIND, pk, at) for contact_id, pk, at in rows]


def describe_request(organization, related_kind, related_id):
    from clients.models import ServiceRequest

    number = (
        ServiceRequest.objects.filter(organization=organization, pk=related_id)
        .values_list("number", flat=True)
        .first()
    )
    if number is None:
        return gettext("how we handled your request")
    return gettext("how we handled your request #%(number)s") % {"number": number}


def describe_completion(organization, related_kind, related_id):
    from clients.models import ProgrammeCompletion

    name = (
        ProgrammeCompletion.objects.filter(organization=organization, pk=related_id)
        .values_list("programme__name", flat=True)
        .first()
    )
    if name is None:
        return gettext("the programme you completed")
    return gettext("the programme “%(name)s”") % {"name": name}


def _register_touchpoints():
    from stakeholders.registries import restricted_interactions

    touchpoints.register(
        REQUEST_RESOLVED,
        gettext_lazy("A client's request resolved"),
        area=AREA,
        occurrences=requests_resolved,
        describe=describe_request,
    )
    touchpoints.register(
        PROGRAMME_COMPLETED,
        gettext_lazy("A client's programme completed"),
        area=AREA,
        occurrences=programmes_completed,
        describe=describe_completion,
    )
    # A survey about a completed programme (sent, answered) says the person is a client: only
    # the client roles see it, as for requests.
    restricted_interactions.register(COMPLETION_KIND, roles=ROLES)


# --- Journey ------------------------------------------------------------------------------------


# Client: first request → helped (a request resolved) → returning (a new request after the first
# one was resolved). Questions and requests for help count; complaints are the recovery loop's.
REQUEST_KINDS = ("question", "request")


def journey_rows(organization, contact_ids, now):
    """(sql, params): one row per client — contact_id, reached[3], next_change_at (never)."""
    from clients.models import ServiceRequest

    only = "AND r.contact_id = ANY(%(ids)s)" if contact_ids is not None else ""
    table = ServiceRequest._meta.db_table
    sql = f"""
        WITH r AS (
            SELECT r.contact_id, r.created_at, r.resolved_at
            FROM {table} r
            WHERE r.organization_id = %(org)s AND r.kind = ANY(%(kinds)s) {only}
        ),
        per AS (
            SELECT contact_id, min(created_at) AS first_at, min(resolved_at) AS helped_at
            FROM r GROUP BY contact_id
        )
        SELECT per.contact_id,
               ARRAY[
                   per.first_at,
                   per.helped_at,
                   (SELECT min(r.created_at) FROM r
                    WHERE r.contact_id = per.contact_id AND r.created_at > per.helped_at)
               ]::timestamptz[] AS reached,
               NULL::timestamptz AS next_change_at
        FROM per
    """  # noqa: S608 (our own table names; values are parameters)
    return sql, {
        "org": organization.pk,
        "ids": list(contact_ids or []),
        "kinds": list(REQUEST_KINDS),
    }


def journey_changed_since(organization, since):
    """Clients with a request made since ``since`` (indexed), or a first request resolved since
    (looked up only for the people still waiting at the first stage)."""
    from clients.models import ServiceRequest
    from stakeholders.models import JourneyPosition

    requests = ServiceRequest.objects.filter(organization=organization)
    ids = set(requests.filter(created_at__gte=since).values_list("contact_id", flat=True))
    waiting = JourneyPosition.objects.filter(
        organization=organization, journey=AREA, stage="first_request"
    ).values("contact_id")
    ids |= set(
        requests.filter(contact_id__in=waiting, resolved_at__gte=since).values_list(
            "contact_id", flat=True
        )
    )
    return ids


def _register_journey():
    from stakeholders.experience.registry import Journey, Stage, journeys

    journeys.register(
        Journey(
            key=AREA,
            area=AREA,
            label=gettext_lazy("Clients"),
            stages=(
                Stage("first_request", gettext_lazy("First request"), stuck_after_days=14),
                Stage("helped", gettext_lazy("Helped")),
                Stage("returning", gettext_lazy("Returning")),
            ),
            compute=journey_rows,
            changed_since=journey_changed_since,
        )
    )


# --- Insight attributes -------------------------------------------------------------------------


def insight_values(organization, rows):
    """For each answer: the service request it is about (else the person's latest request made
    by then) — its first response in working hours (the request's own clock, pauses left out),
    category, channel and caseworker. One query, whatever the number of answers."""
    from django.db.models import F

    from clients.models import RequestChannel, ServiceRequest
    from clients.services import RELATED_KIND

    if not rows:
        return {}
    requests = {}
    by_id = {}
    for request in (
        ServiceRequest.objects.filter(
            organization=organization, contact_id__in={row["contact_id"] for row in rows}
        )
        .order_by("created_at", "pk")
        .values(
            "id",
            "contact_id",
            "created_at",
            "first_response_seconds",
            "channel",
            category_name=F("category__name"),
            assignee_name=F("assignee__name"),
            assignee_email=F("assignee__email"),
        )
    ):
        requests.setdefault(request["contact_id"], []).append(request)
        by_id[request["id"]] = request
    channels = dict(RequestChannel.choices)
    found = {}
    for row in rows:
        request = by_id.get(row["related_id"]) if row["related_kind"] == RELATED_KIND else None
        if request is None or request["contact_id"] != row["contact_id"]:
            made = [
                r
                for r in requests.get(row["contact_id"], [])
                if r["created_at"] <= row["created_at"]
            ]
            request = made[-1] if made else None
        if request is None:
            continue
        seconds = request["first_response_seconds"]
        found[row["id"]] = {
            "first_response": seconds / 3600 if seconds is not None else None,
            "request_category": request["category_name"],
            "request_channel": str(channels.get(request["channel"], "")) or None,
            "caseworker": request["assignee_name"] or request["assignee_email"],
        }
    return found


def _register_insights():
    from stakeholders.experience.registry import Attribute, insights

    insights.register(
        AREA,
        attributes=(
            Attribute(
                "first_response",
                gettext_lazy("Time to first response"),
                "number",
                "working_hours",
            ),
            Attribute("request_category", gettext_lazy("Request category"), "category"),
            Attribute("request_channel", gettext_lazy("Request received by"), "category"),
            Attribute("caseworker", gettext_lazy("Caseworker"), "category"),
        ),
        values=insight_values,
    )


def register():
    areas.register(AREA, gettext_lazy("Clients"), roles=ROLES, owner=case_owner)
    _register_touchpoints()
    _register_journey()
    _register_insights()
