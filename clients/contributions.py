"""What the clients app adds to the core's registries: the client panel on the contact page
(caseworkers and admins only), dashboard cards, merge/erase/export hooks and the participation
thank-you. Replies and calls reach the timeline as core interactions (see services)."""

from django.core.cache import cache
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy

from clients import demo, experience, knowledge, selectors, services, thanks
from clients.models import (
    ACTIVE_STATUSES,
    COMPLAINT_KINDS,
    AccessLog,
    Attachment,
    Attendance,
    HelpSearch,
    ProgrammeCompletion,
    RequestMessage,
    ServiceRecord,
    ServiceRequest,
    Status,
)
from stakeholders.integrations import events as webhook_events
from stakeholders.registries import (
    TextExample,
    TextItem,
    complaint_sources,
    contact_hooks,
    contact_panels,
    dashboard_cards,
    demo_data,
    organization_hooks,
    related_objects,
    restricted_contact_roles,
    restricted_interactions,
    text_sources,
)
from stakeholders.storage import delete_on_commit
from thankyous.registry import Thankable, thankables

CLIENT_ROLES = services.CLIENT_ROLES
ERASED = "—"


def client_panel(request, contact):
    """The contact's requests and services; reading it is written to the access log."""
    if not contact.is_client:
        return None
    organization = request.organization
    requests = list(selectors.requests_for_contact(organization=organization, contact=contact)[:5])
    records = list(selectors.service_records_for(organization=organization, contact=contact)[:5])
    services.access_record(
        organization=organization,
        user=request.user,
        objects=[("contact", contact.pk, contact.pk)],
        action="view",
        path=request.path,
    )
    return {
        "contact": contact,
        "client_requests": requests,
        "service_records": records,
        "completions": list(selectors.completions_for(organization=organization, contact=contact)),
    }


CARD_SECONDS = 60


def clients_dashboard_card(request):
    """Figures kept for a minute: the dashboard is opened often, the queue is the live view."""
    organization = request.organization
    figures = cache.get_or_set(
        f"clients:dashboard:{organization.pk}",
        lambda: selectors.dashboard_figures(organization=organization),
        CARD_SECONDS,
    )
    figures = {
        **figures,
        "by_status": [(Status(code).label, n) for code, n in figures["by_status"]],
    }
    return {"clients": figures}


def merge_client_rows(*, organization, keep, remove):
    for model in (ServiceRequest, ServiceRecord):
        model.objects.filter(organization=organization, contact=remove).update(contact=keep)
    kept_sessions = Attendance.objects.filter(organization=organization, contact=keep).values(
        "session_id"
    )
    Attendance.objects.filter(
        organization=organization, contact=remove, session_id__in=kept_sessions
    ).delete()
    Attendance.objects.filter(organization=organization, contact=remove).update(contact=keep)
    kept_programmes = ProgrammeCompletion.objects.filter(
        organization=organization, contact=keep
    ).values("programme_id")
    ProgrammeCompletion.objects.filter(
        organization=organization, contact=remove, programme_id__in=kept_programmes
    ).delete()
    ProgrammeCompletion.objects.filter(organization=organization, contact=remove).update(
        contact=keep
    )
    # The access log is history: it keeps naming the record that was read.


def erase_client_rows(*, organization, contact):
    """Words about the person go (and their files); counts and timings stay for the reports."""
    requests = ServiceRequest.objects.filter(organization=organization, contact=contact)
    for attachment in Attachment.objects.filter(organization=organization, request__in=requests):
        delete_on_commit(attachment.file)
    Attachment.objects.filter(organization=organization, request__in=requests).delete()
    RequestMessage.objects.filter(organization=organization, request__in=requests).update(
        body=ERASED
    )
    for request in requests:
        request.subject, request.description, request.resolution_action = ERASED, "", ""
        request.save(update_fields=["subject", "description", "resolution_action"])
    for record in ServiceRecord.objects.filter(organization=organization, contact=contact).exclude(
        notes=""
    ):
        record.notes = ""
        record.save(update_fields=["notes"])
    ServiceRequest.objects.filter(
        Q(status__in=[*ACTIVE_STATUSES, Status.WAITING]),
        organization=organization,
        contact=contact,
    ).update(status=Status.CLOSED, next_due_at=None)


def export_client_rows(*, organization, contact):
    requests = list(
        ServiceRequest.objects.filter(organization=organization, contact=contact).order_by(
            "created_at"
        )
    )
    messages = RequestMessage.objects.filter(
        organization=organization, request__in=[r.pk for r in requests]
    ).exclude(kind="note")
    return {
        "service_requests": [
            {
                "id": r.pk,
                "created_at": r.created_at,
                "status": r.status,
                "kind": r.kind,
                "subject": r.subject,
                "description": r.description,
                "resolved_at": r.resolved_at,
                "resolution_action": r.resolution_action,
            }
            for r in requests
        ],
        "request_messages": [
            {"request": m.request_id, "kind": m.kind, "at": m.created_at, "body": m.body}
            for m in messages.order_by("created_at")
        ],
        "service_records": [
            {
                "programme": s.programme.name,
                "delivered_on": s.delivered_on,
                "quantity": s.quantity,
                "notes": s.notes,
            }
            for s in selectors.service_records_for(organization=organization, contact=contact)
        ],
        "access_log": list(
            AccessLog.objects.filter(organization=organization, contact=contact)
            .order_by("at")
            .values("at", "object_kind", "action")
        ),
        "programme_sessions": list(
            Attendance.objects.filter(organization=organization, contact=contact)
            .order_by("session__starts_at")
            .values("session__programme__name", "session__title", "session__starts_at", "status")
        ),
        "programmes_completed": [
            {"programme": c.programme.name, "completed_on": c.completed_on}
            for c in selectors.completions_for(organization=organization, contact=contact)
        ],
    }


def help_search_texts(*, organization, since, until):
    """What people searched the help centre for (one row a person a day): the ones that found
    nothing are unmet needs."""
    rows = HelpSearch.objects.filter(
        organization=organization, created_at__gte=since, created_at__lt=until
    ).values_list("pk", "created_at", "query", "results")
    for key, at, query, results in rows.iterator(chunk_size=500):
        yield TextItem(key=key, at=at, text=query, unmet=results == 0)


def help_search_examples(*, organization, keys, role):
    rows = HelpSearch.objects.filter(organization=organization, pk__in=keys)
    return {key: TextExample(text=query) for key, query in rows.values_list("pk", "query")}


def request_texts(*, organization, since, until):
    """Requests' subjects (decrypted here, never stored by the report), tagged with their
    category."""
    rows = (
        ServiceRequest.objects.filter(
            organization=organization, created_at__gte=since, created_at__lt=until
        )
        .select_related("category")
        .only("pk", "created_at", "subject", "category__name")
        .order_by()
    )
    for row in rows.iterator(chunk_size=500):
        tags = (row.category.name,) if row.category else ()
        yield TextItem(key=row.pk, at=row.created_at, text=row.subject, tags=tags)


def request_examples(*, organization, keys, role):
    if role not in CLIENT_ROLES:
        return {}
    rows = ServiceRequest.objects.filter(organization=organization, pk__in=keys).only(
        "pk", "subject"
    )
    return {
        row.pk: TextExample(
            text=row.subject,
            url=reverse(
                "clients:request_detail",
                kwargs={"org_slug": organization.slug, "request_id": row.pk},
            ),
        )
        for row in rows
    }


def _register_text_sources():
    """Help-centre searches and client requests for the community's trend report; their texts
    are shown as examples to caseworkers and admins only."""
    text_sources.register(
        "clients.help_searches",
        label=gettext_lazy("Help-centre searches"),
        texts=help_search_texts,
        examples=help_search_examples,
        roles=CLIENT_ROLES,
    )
    text_sources.register(
        "clients.requests",
        label=gettext_lazy("Client requests"),
        texts=request_texts,
        examples=request_examples,
        roles=CLIENT_ROLES,
    )


def register():
    from clients import inbound
    from stakeholders.inbox.threads import thread_kinds

    _register_text_sources()

    experience.register()
    knowledge.register()  # the help centre as the core's knowledge provider
    webhook_types = webhook_events.event_types
    webhook_types.register(
        "request.created", gettext_lazy("A service request was opened"), roles=services.CLIENT_ROLES
    )
    webhook_types.register(
        "request.resolved",
        gettext_lazy("A service request was resolved"),
        roles=services.CLIENT_ROLES,
    )
    # A reply to an email about a request: the client's joins the request, anyone else's goes
    # to the inbox, with caseworkers.
    thread_kinds.register(services.RELATED_KIND, area="client", on_reply=inbound.on_reply)
    thankables.register(
        Thankable(
            kind=thanks.KIND,
            label=gettext_lazy("Client participation"),
            candidates=thanks.candidates,
            describe=thanks.describe,
            sample=thanks.sample,
            rules=thanks.RULES,
            default_template=thanks.DEFAULT_TEMPLATE,
            needs_a_yes=True,
            roles=CLIENT_ROLES,
        )
    )
    contact_panels.register(
        "client_summary",
        template="clients/_client_panel.html",
        context=client_panel,
        roles=CLIENT_ROLES,
    )
    dashboard_cards.register(
        "clients",
        template="clients/_dashboard_card.html",
        context=clients_dashboard_card,
        roles=CLIENT_ROLES,
    )
    contact_hooks.register(
        "clients",
        merge=merge_client_rows,
        erase=erase_client_rows,
        export=export_client_rows,
        files=selectors.attachment_files,
        covers=[
            "clients.ServiceRequest.contact",
            "clients.RequestMessage",
            "clients.Attachment.file",
            "clients.ServiceRecord.contact",
        ],
        kept={
            "clients.Attendance.contact": "a session attended or missed, no words: the "
            "programme's numbers keep it, on the anonymised contact",
            "clients.ProgrammeCompletion.contact": "a programme completed, no words: the "
            "programme's numbers keep it, on the anonymised contact",
            "clients.AccessLog.contact": "append-only: who read the record and when, no words "
            "about the person",
        },
    )
    # Replies, calls and messages of a request (and the client's survey answers about it) are
    # on the client's timeline for caseworkers and admins; the other roles don't even learn
    # that the person is a client.
    restricted_interactions.register(services.RELATED_KIND, roles=CLIENT_ROLES)
    restricted_contact_roles.register("client", roles=CLIENT_ROLES)
    complaint_sources.register(
        "clients.request",
        rows=lambda organization: ServiceRequest.objects.filter(
            organization=organization, kind__in=COMPLAINT_KINDS
        ),
        category="complaint_category",
        at="created_at",
        roles=CLIENT_ROLES,
    )
    related_objects.register(
        services.RELATED_KIND,
        rows=lambda organization: ServiceRequest.objects.filter(organization=organization),
    )
    demo_data.register("clients", demo.seed)
    organization_hooks.register("clients", services.organization_changed)
