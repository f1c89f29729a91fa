"""The shared inbox: the list of conversations (Front's "Mine", "Unassigned", "All open"), one
conversation with what staff do on it, a canned reply rendered for it, and its attachments.

Role walls: every page and action asks ``selectors.conversation_get`` with the member's role, so
a conversation of a team the role can't see (a client's, for a fundraiser) is a 404 everywhere,
and it is never in the list or its counts.
"""

from datetime import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from stakeholders.experience.recovery import area_label
from stakeholders.forms import add_errors
from stakeholders.inbox import canned, selectors, services
from stakeholders.inbox.forms import (
    AssignForm,
    CreateContactForm,
    FilterForm,
    LinkContactForm,
    MoveForm,
    NoteForm,
    ReplyForm,
    SnoozeForm,
)
from stakeholders.inbox.models import ConversationStatus, MessageChannel, MessageStatus
from stakeholders.inbox.services import inbox_settings
from stakeholders.models import Role
from stakeholders.templatetags.steward import phone
from stakeholders.tenancy.views import staff_view

# Every role that sees at least the general team; a viewer sees no conversation.
INBOX_ROLES = (Role.ADMIN, Role.FUNDRAISER, Role.VOLUNTEER_COORDINATOR, Role.CASEWORKER)
PAGE_SIZE = 50
PENDING = (MessageStatus.QUEUED, MessageStatus.SENDING)
ACTIONS = ("reply", "note", "assign", "snooze", "close", "reopen", "move", "link", "create")


def _role(request):
    return request.membership.role


def _count_label(count):
    return f"{selectors.COUNT_CAP}+" if count > selectors.COUNT_CAP else str(count)


def clock_rows(organization, conversations, now=None):
    """Each conversation's reply clock for the page: ``waiting`` (how long they have waited),
    ``overdue`` and ``due_soon`` (within the organization's warning time), ``team``."""
    now = now or timezone.now()
    warn = inbox_settings(organization=organization).warn_before_minutes
    for conversation in conversations:
        due = conversation.reply_due_at
        conversation.waiting = (
            now - conversation.awaiting_since if conversation.awaiting_since else None
        )
        conversation.overdue = due is not None and (
            due <= now or conversation.breached_at is not None
        )
        conversation.due_soon = (
            due is not None
            and not conversation.overdue
            and (due - now).total_seconds() <= warn * 60
        )
        conversation.team = area_label(conversation.area)
        conversation.who = (
            conversation.contact.name
            if conversation.contact_id
            else conversation.display_name or _address(conversation)
        )
    return conversations


def _address(conversation):
    if conversation.channel == MessageChannel.EMAIL:
        return conversation.address
    return phone(conversation.address)


def _cursor(raw):
    """``after`` of the list's next-page link: "<ISO time>_<id>" (None when absent or bad)."""
    stamp, _sep, pk = (raw or "").rpartition("_")
    try:
        at = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    if timezone.is_naive(at) or not pk.isdigit():
        return None
    return at, int(pk)


# --- The list ------------------------------------------------------------------------------------


@staff_view(roles=INBOX_ROLES)
@require_http_methods(["GET"])
def inbox_index(request, org_slug):
    organization, role = request.organization, _role(request)
    form = FilterForm(request.GET or None, organization=organization, role=role)
    chosen = (form.is_valid() and form.cleaned_data) or {}
    status = chosen.get("status") or "open"
    filters = {
        "status": status,
        "channel": chosen.get("channel") or "",
        "stakeholder": chosen.get("stakeholder") or "",
        "assignee": chosen.get("assignee") or "",
        "area": chosen.get("area") or "",
        "breached": bool(chosen.get("breached")),
    }
    if not request.GET:
        form = FilterForm(initial={"status": "open"}, organization=organization, role=role)
    rows = selectors.inbox_filtered(
        organization=organization, role=role, user=request.user, **filters
    )
    page, next_key = selectors.inbox_page(
        rows=rows, after=_cursor(request.GET.get("after")), size=PAGE_SIZE
    )
    latest = selectors.latest_messages(organization=organization, conversations=page)
    for conversation in page:
        message = latest.get(conversation.pk)
        text = (message.body if message else "") or ""
        conversation.preview = " ".join(text.split())[:140]
    clock_rows(organization, page)
    counts = selectors.inbox_counts(organization=organization, role=role, user=request.user)
    query = {key: value for key, value in filters.items() if value and key != "breached"}
    if filters["breached"]:
        query["breached"] = "on"
    view = ""
    if status == "open" and not any(
        filters[k] for k in ("channel", "stakeholder", "area", "breached")
    ):
        view = {"me": "mine", "none": "unassigned", "": "all"}.get(filters["assignee"], "")
    next_url = None
    if next_key is not None:
        at, pk = next_key
        next_url = "?" + urlencode({**query, "after": f"{at.isoformat()}_{pk}"})
    return render(
        request,
        "inbox/index.html",
        {
            "form": form,
            "conversations": page,
            "counts": {key: _count_label(value) for key, value in counts.items()},
            "view": view,
            "next_url": next_url,
            "paged": bool(request.GET.get("after")),
            "first_url": "?" + urlencode(query),
            "status": status,
        },
    )


# --- One conversation ----------------------------------------------------------------------------


def _conversation_or_404(request, conversation_id):
    conversation = selectors.conversation_get(
        organization=request.organization, role=_role(request), conversation_id=conversation_id
    )
    if conversation is None:
        raise Http404
    return conversation


def _window_open(conversation):
    return conversation.channel != MessageChannel.WHATSAPP or services.whatsapp_window_open(
        conversation
    )


def _forms(request, conversation, action, initial_reply=""):
    organization = request.organization
    data = request.POST if action else None

    def bound(name):
        return data if action == name else None

    return {
        "reply": ReplyForm(
            bound("reply"),
            prefix="reply",
            organization=organization,
            conversation=conversation,
            window_open=_window_open(conversation),
            initial={"body": initial_reply},
        ),
        "note": NoteForm(bound("note"), prefix="note"),
        "assign": AssignForm(
            bound("assign"),
            prefix="assign",
            organization=organization,
            initial={"assignee": conversation.assignee_id},
        ),
        "snooze": SnoozeForm(bound("snooze"), prefix="snooze", organization=organization),
        "move": MoveForm(
            bound("move"), prefix="move", role=_role(request), initial={"area": conversation.area}
        ),
        "link": LinkContactForm(bound("link"), prefix="link", organization=organization),
        "create": CreateContactForm(
            bound("create"),
            prefix="create",
            initial=dict(
                zip(
                    ("first_name", "last_name"),
                    conversation.display_name.partition(" ")[::2],
                    strict=True,
                )
            ),
        ),
    }


def _perform(request, action, form, conversation):
    """Run one action's service; returns (message for the member, where to go next or None)."""
    organization, user = request.organization, request.user
    data = getattr(form, "cleaned_data", {})
    if action == "reply":
        template = data.get("template")
        services.reply(
            organization=organization,
            conversation=conversation,
            author=user,
            body=data.get("body", ""),
            template=template,
            template_variables=form.template_variables() if template else None,
        )
        return _("Reply queued: it goes out on %(channel)s in a moment.") % {
            "channel": MessageChannel(conversation.channel).label
        }, None
    if action == "note":
        services.add_note(
            organization=organization, conversation=conversation, author=user, body=data["body"]
        )
        return _("Note added."), None
    if action == "assign":
        services.assign(
            organization=organization, conversation=conversation, assignee=data["assignee"]
        )
        if data["assignee"] is None:
            return _("Unassigned."), None
        return _("Assigned to %(name)s.") % {"name": str(data["assignee"])}, None
    if action == "snooze":
        services.snooze(organization=organization, conversation=conversation, until=data["moment"])
        return _("Snoozed."), "index"
    if action == "close":
        services.close(organization=organization, conversation=conversation)
        return _("Closed."), "index"
    if action == "reopen":
        services.reopen(organization=organization, conversation=conversation)
        return _("Reopened."), None
    if action == "move":
        services.move(organization=organization, conversation=conversation, area=data["area"])
        if data["area"] not in selectors.visible_areas(_role(request)):
            return _("Moved to another team."), "index"
        return _("Moved to the %(team)s team.") % {"team": area_label(data["area"])}, None
    if action == "link":
        services.link_contact(
            organization=organization, conversation=conversation, contact=data["contact"]
        )
        return _("Linked to %(name)s.") % {"name": data["contact"].name}, None
    services.create_contact_for(
        organization=organization,
        conversation=conversation,
        first_name=data["first_name"],
        last_name=data["last_name"],
        actor=user,
    )
    return _("Contact created and linked."), None


@staff_view(roles=INBOX_ROLES)
@require_http_methods(["GET", "POST"])
def conversation_detail(request, org_slug, conversation_id):
    organization = request.organization
    conversation = _conversation_or_404(request, conversation_id)
    if request.method == "GET" and request.GET.get("part") == "status":
        return _status_part(request, conversation)
    action = request.POST.get("action") if request.method == "POST" else None
    if request.method == "POST" and action not in ACTIONS:
        action = None
    initial_reply = ""
    canned_error = ""
    if request.method == "GET" and str(request.GET.get("canned", "")).isdigit():
        # Without JavaScript, "Insert" reloads the page with the reply box filled.
        reply = canned.reply_get(organization=organization, reply_id=int(request.GET["canned"]))
        if reply is not None:
            try:
                initial_reply = canned.render_for(
                    organization=organization,
                    reply=reply,
                    conversation=conversation,
                    staff=request.user,
                )
            except ValidationError as error:
                canned_error = " ".join(error.messages)
    forms = _forms(request, conversation, action, initial_reply)
    status = 200
    if action:
        form = forms.get(action)  # close and reopen take no input
        if form is None or form.is_valid():
            try:
                done, go = _perform(request, action, form, conversation)
            except ValidationError as error:
                if form is None:
                    messages.error(request, " ".join(error.messages))
                    return redirect(
                        "inbox:conversation", org_slug=org_slug, conversation_id=conversation.pk
                    )
                add_errors(form, error)
            else:
                messages.success(request, done)
                if go == "index":
                    return redirect("inbox:index", org_slug=org_slug)
                return redirect(
                    "inbox:conversation", org_slug=org_slug, conversation_id=conversation.pk
                )
        status = 400
        conversation = _conversation_or_404(request, conversation_id)
    return render(
        request,
        "inbox/conversation.html",
        _page_context(request, conversation, forms, action, canned_error),
        status=status,
    )


def _page_context(request, conversation, forms, action, canned_error=""):
    organization = request.organization
    clock_rows(organization, [conversation])
    thread = list(selectors.messages_of(organization=organization, conversation=conversation))
    files = selectors.attachments_of(organization=organization, conversation=conversation)
    for message in thread:
        message.files = files.get(message.pk, [])
    pending = [m for m in thread if m.direction == "outbound" and m.status in PENDING]
    return {
        "conversation": conversation,
        "thread": thread,
        "forms": forms,
        "open_action": action,
        "canned_replies": canned.titles(organization=organization),
        "canned_error": canned_error,
        "window_open": _window_open(conversation),
        "pending": bool(pending),
        "last_outbound": next(
            (m for m in reversed(thread) if m.direction == "outbound" and m.kind == "message"),
            None,
        ),
        "is_closed": conversation.status == ConversationStatus.CLOSED,
        "contact_api": reverse("contact-list", kwargs={"org_slug": organization.slug}),
    }


def _status_part(request, conversation):
    """The delivery status of our latest message, polled while one is still on its way."""
    thread = list(
        selectors.messages_of(organization=request.organization, conversation=conversation)
    )
    last = next(
        (m for m in reversed(thread) if m.direction == "outbound" and m.kind == "message"), None
    )
    return render(
        request,
        "inbox/_send_status.html",
        {
            "conversation": conversation,
            "last_outbound": last,
            "pending": bool(last and last.status in PENDING),
            "polled": True,
        },
    )


# --- A canned reply, rendered for this conversation ----------------------------------------------


@staff_view(roles=INBOX_ROLES)
@require_http_methods(["GET"])
def canned_insert(request, org_slug, conversation_id, reply_id):
    """The text of a canned reply for the reply box: the version in the person's language,
    merge fields filled for this conversation (JSON, for inbox.js)."""
    organization = request.organization
    conversation = _conversation_or_404(request, conversation_id)
    reply = canned.reply_get(organization=organization, reply_id=reply_id)
    if reply is None:
        raise Http404
    try:
        text = canned.render_for(
            organization=organization, reply=reply, conversation=conversation, staff=request.user
        )
    except ValidationError as error:
        return JsonResponse({"error": " ".join(error.messages)}, status=400)
    return JsonResponse({"text": text})


# --- Attachments ---------------------------------------------------------------------------------


@staff_view(roles=INBOX_ROLES)
@require_http_methods(["GET"])
def attachment_download(request, org_slug, inbox_attachment_id):
    """A file that came with a message, for the members who may read its conversation; always
    downloaded (never shown inline: it came from outside)."""
    attachment = selectors.attachment_get(
        organization=request.organization, role=_role(request), attachment_id=inbox_attachment_id
    )
    if attachment is None:
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError) as error:
        raise Http404 from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.name,
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns = [
    path("", inbox_index, name="index"),
    path("<int:conversation_id>/", conversation_detail, name="conversation"),
    path(
        "<int:conversation_id>/canned/<int:reply_id>/",
        canned_insert,
        name="canned_insert",
    ),
    path(
        "attachments/<int:inbox_attachment_id>/",
        attachment_download,
        name="attachment",
    ),
]


# --- Dashboard card and contact panel ------------------------------------------------------------


def dashboard_card(request):
    """Open conversations waiting on us in the teams the member sees; overdue; theirs."""
    organization, role = request.organization, _role(request)
    open_rows = selectors.open_conversations(organization=organization, role=role)
    waiting = open_rows.filter(awaiting_since__isnull=False)
    return {
        "inbox": {
            "waiting": _count_label(selectors.capped_count(waiting)),
            "breached": _count_label(
                selectors.capped_count(
                    selectors.inbox_filtered(
                        organization=organization, role=role, user=request.user, breached=True
                    )
                )
            ),
            "mine": _count_label(selectors.capped_count(waiting.filter(assignee=request.user))),
        }
    }


def contact_panel(request, contact):
    """The person's conversations in the teams the reader sees (none: no panel)."""
    organization = request.organization
    conversations = list(
        selectors.conversations_of_contact(
            organization=organization, role=_role(request), contact=contact
        )[:5]
    )
    if not conversations:
        return None
    return {"contact": contact, "conversations": clock_rows(organization, conversations)}
