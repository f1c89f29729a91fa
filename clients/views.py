"""Pages of the clients app: the request queue and its requests (caseworkers and admins only),
settings, the help-centre editor, reports, service records; and the public help centre, request
form and status page. Thin: the work is in services and selectors."""

from datetime import datetime, timedelta
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited

from clients import selectors, services
from clients.forms import (
    ArticleCategoryForm,
    ArticleForm,
    AssignForm,
    CallForm,
    ClientMessageForm,
    ClientSettingsForm,
    CompletionForm,
    HelpSearchForm,
    HolidayForm,
    NoteForm,
    ProgrammeForm,
    PublicRequestForm,
    ReplyForm,
    RequestCategoryForm,
    RequestEditForm,
    ResolveForm,
    ServiceLevelFormSet,
    ServiceRecordForm,
    SessionForm,
    StaffRequestForm,
    StatusForm,
    WorkingHoursFormSet,
)
from clients.models import (
    Article,
    ArticleCategory,
    Attendance,
    Priority,
    Programme,
    RequestCategory,
    ServiceLevel,
    ServiceRecord,
    Session,
    Status,
)
from stakeholders import clock, formats
from stakeholders import selectors as stakeholder_selectors
from stakeholders.content_versions import language_name, languages_panel
from stakeholders.forms import add_errors
from stakeholders.models import Holiday, Role, WorkingHours
from stakeholders.public_forms import form_fill_seconds, form_started_token
from stakeholders.replica import reads_from_replica
from stakeholders.tenancy.middleware import organization_public
from stakeholders.tenancy.views import staff_view

CLIENT_ROLES = services.CLIENT_ROLES
ADMINS = (Role.ADMIN,)


def client_view(*, roles=CLIENT_ROLES):
    """Staff pages with client data: other roles get 404, as if the page did not exist (a
    fundraiser sees that someone is a client, nothing more)."""

    def decorator(view):
        guarded = staff_view(roles=roles)(view)

        @wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                return guarded(request, *args, **kwargs)
            except PermissionDenied as error:
                raise Http404 from error

        wrapper.allowed_roles = roles
        return wrapper

    return decorator


def _log(request, *objects, action="view"):
    services.access_record(
        organization=request.organization,
        user=request.user,
        objects=objects,
        action=action,
        path=request.path,
    )


def _get_request(request, request_id):
    found = selectors.request_get(organization=request.organization, request_id=request_id)
    if found is None:
        raise Http404
    return found


def _files(request):
    return request.FILES.getlist("attachments")


# --- Queue ---------------------------------------------------------------------------------------


def _decode_key(raw):
    try:
        at, key = raw.split("|")
        return datetime.fromisoformat(at), int(key)
    except ValueError:
        return None


def _time_left(calendar, now, due):
    """Working time left on the running clock (negative: overdue, by wall time)."""
    if due is None:
        return None
    if due <= now:
        return -(now - due)
    return clock.elapsed(calendar, now, due)


@client_view()
def index(request, org_slug):
    """The queue: most urgent first, breaches highlighted."""
    organization = request.organization
    view = request.GET.get("view", "active")
    if view not in selectors.QUEUE_VIEWS:
        view = "active"
    category_id = request.GET.get("category") or None
    priority = request.GET.get("priority") or None
    if priority not in (None, *Priority.values):
        priority = None
    try:
        category_id = int(category_id) if category_id else None
    except ValueError:
        category_id = None
    rows, next_key = selectors.queue(
        organization=organization,
        view=view,
        user=request.user,
        category_id=category_id,
        priority=priority,
        after=_decode_key(request.GET.get("after", "")),
    )
    now = timezone.now()
    calendar = selectors.calendar_for(organization=organization)
    for row in rows:
        row.time_left = _time_left(calendar, now, row.next_due_at)
        row.breached = row.time_left is not None and row.time_left <= timedelta(0)
    _log(request, *[("request", row.pk, row.contact_id) for row in rows], action="list")
    query = request.GET.copy()
    query.pop("after", None)
    if next_key:
        query["after"] = f"{next_key[0].isoformat()}|{next_key[1]}"
    return render(
        request,
        "clients/queue.html",
        {
            "rows": rows,
            "view": view,
            "views": [
                ("active", _("Open")),
                ("mine", _("Mine")),
                ("breached", _("Breached")),
                ("waiting", _("Waiting on client")),
                ("resolved", _("Resolved")),
                ("closed", _("Closed")),
            ],
            "categories": RequestCategory.objects.filter(organization=organization),
            "priorities": Priority.choices,
            "selected_category": category_id,
            "selected_priority": priority,
            "next_query": query.urlencode() if next_key else "",
        },
    )


@client_view()
def request_create(request, org_slug):
    organization = request.organization
    contact = None
    if request.GET.get("contact"):
        try:
            contact = stakeholder_selectors.contact_get(
                organization=organization, contact_id=int(request.GET["contact"])
            )
        except ValueError:
            contact = None
        if contact is None:
            raise Http404
    form = StaffRequestForm(
        request.POST or None, request.FILES or None, organization=organization, contact=contact
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                client = (
                    contact
                    or services.match_or_create_client(
                        organization=organization,
                        first_name=data["first_name"],
                        last_name=data["last_name"],
                        email=data["email"],
                    )[0]
                )
                created = services.request_create(
                    organization=organization,
                    contact=client,
                    subject=data["subject"],
                    description=data["description"],
                    category=data["category"],
                    kind=data["kind"],
                    complaint_category=data["complaint_category"],
                    priority=data["priority"],
                    channel=data["channel"],
                    assignee=data["assignee"],
                    actor=request.user,
                    files=_files(request),
                )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Request #%(id)s opened.") % {"id": created.number})
            return redirect("clients:request_detail", org_slug=org_slug, request_id=created.pk)
    return render(request, "clients/request_form.html", {"form": form, "contact": contact})


# --- A request -------------------------------------------------------------------------------

ACTIONS = ("reply", "call", "note", "status", "assign", "edit", "resolve")


def _action_forms(organization, service_request, data=None, files=None, action=None):
    def bound(name):
        return data if action == name else None

    return {
        "reply": ReplyForm(bound("reply"), files if action == "reply" else None, prefix="reply"),
        "call": CallForm(bound("call"), prefix="call"),
        "note": NoteForm(bound("note"), prefix="note"),
        "status": StatusForm(
            bound("status"), prefix="status", initial={"status": service_request.status}
        ),
        "assign": AssignForm(
            bound("assign"),
            prefix="assign",
            organization=organization,
            initial={"assignee": service_request.assignee_id},
        ),
        "edit": RequestEditForm(
            bound("edit"),
            prefix="edit",
            organization=organization,
            initial={
                "kind": service_request.kind,
                "category": service_request.category_id,
                "complaint_category": service_request.complaint_category_id,
                "priority": service_request.priority,
            },
        ),
        "resolve": ResolveForm(
            bound("resolve"), prefix="resolve", complaint=service_request.is_complaint
        ),
    }


def _perform(request, action, form, service_request):
    organization, user = request.organization, request.user
    data = form.cleaned_data
    common = {"organization": organization, "request": service_request}
    if action == "reply":
        services.request_reply(
            **common, author=user, body=data["body"], then=data["then"], files=_files(request)
        )
        return _("Reply sent to %(email)s.") % {"email": service_request.contact.email}
    if action == "call":
        services.request_log_call(
            **common, author=user, body=data["body"], direction=data["direction"]
        )
        return _("Call logged.")
    if action == "note":
        services.request_note(**common, author=user, body=data["body"])
        return _("Note added.")
    if action == "status":
        services.request_set_status(**common, status=data["status"], actor=user)
        return _("Status changed.")
    if action == "assign":
        services.request_assign(**common, assignee=data["assignee"], actor=user)
        return _("Assigned.")
    if action == "edit":
        services.request_update(**common, actor=user, **data)
        return _("Saved.")
    services.request_resolve(
        **common,
        actor=user,
        summary=data["summary"],
        resolution_action=data.get("resolution_action", ""),
        satisfaction_restored=data.get("satisfaction_restored"),
    )
    decision = selectors.email_decision(organization=organization, request=service_request)
    if not decision:
        return _("Resolved. The client was not emailed: %(reason)s.") % {
            "reason": decision.reason_label
        }
    return _("Resolved. The client has been told.")


@client_view()
@require_http_methods(["GET", "POST"])
def request_detail(request, org_slug, request_id):
    organization = request.organization
    service_request = _get_request(request, request_id)
    action = request.POST.get("action") if request.method == "POST" else None
    if action is not None and action not in ACTIONS:
        action = None
    forms = _action_forms(organization, service_request, request.POST, request.FILES, action)
    status = 200
    if action:
        form = forms[action]
        if form.is_valid():
            try:
                with transaction.atomic():
                    done = _perform(request, action, form, service_request)
            except ValidationError as error:
                add_errors(form, error)
                service_request = _get_request(request, request_id)
            else:
                messages.success(request, done)
                return redirect("clients:request_detail", org_slug=org_slug, request_id=request_id)
        status = 400
    _log(request, ("request", service_request.pk, service_request.contact_id))
    now = timezone.now()
    calendar = selectors.calendar_for(organization=organization)
    return render(
        request,
        "clients/request_detail.html",
        {
            "req": service_request,
            "forms": forms,
            "open_action": action,
            "thread": selectors.request_messages(
                organization=organization, request=service_request
            ),
            "attachments": selectors.request_attachments(
                organization=organization, request=service_request
            ),
            "time_left": _time_left(calendar, now, service_request.next_due_at),
            "other_requests": selectors.requests_for_contact(
                organization=organization, contact=service_request.contact
            ).exclude(pk=service_request.pk)[:5],
        },
        status=status,
    )


@client_view()
@require_http_methods(["GET"])
def attachment_download(request, org_slug, attachment_id):
    """Attachments are served only here: staff with the client roles, logged, as a download."""
    attachment = selectors.attachment_get(
        organization=request.organization, attachment_id=attachment_id
    )
    if attachment is None:
        raise Http404
    _log(request, ("attachment", attachment.pk, attachment.request.contact_id), action="download")
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- Reports and the access log --------------------------------------------------------------


def _hours(value):
    return round(value.total_seconds() / 3600, 1) if value is not None else 0


@client_view()
@reads_from_replica()
def reports(request, org_slug):
    organization = request.organization
    since = timezone.now() - timedelta(days=365)
    timing = selectors.timing_report_of_the_year(organization=organization)
    top, months = selectors.top_complaint_categories(
        organization=organization,
        since=since,
        staff_role=request.membership.role,
        split=timezone.now() - timedelta(days=90),  # the dashboard's window, for its column
    )
    return render(
        request,
        "clients/reports.html",
        {
            "timing": timing,
            "response_chart": [
                (formats.format_month(row["month"]), _hours(row["response_median"]))
                for row in timing["by_month"]
            ],
            "breach_chart": [
                (row["category__name"] or _("No category"), row["breach_rate"] or 0)
                for row in timing["by_category"]
            ],
            "top_complaints": top,
            "complaint_chart": [
                (row["complaint_category__name"] or _("Not categorised"), row["total"])
                for row in top
            ],
            "complaint_months": months,
            "restored": selectors.satisfaction_restored_rate(
                organization=organization, since=since
            ),
            "csat": selectors.csat_by_month(organization=organization, since=since),
            "unmet": selectors.unmet_searches(organization=organization, since=since),
            "articles": selectors.article_stats(organization=organization)[:10],
        },
    )


ACCESS_PAGE = 100


@client_view(roles=ADMINS)
def access_log(request, org_slug):
    """Newest first, paged by key (the log only grows)."""
    contact_id = request.GET.get("contact", "")
    before = request.GET.get("before", "")
    rows = selectors.access_log(
        organization=request.organization,
        contact_id=int(contact_id) if contact_id.isdigit() else None,
    )
    if before.isdigit():
        rows = rows.filter(id__lt=int(before))
    rows = list(rows[: ACCESS_PAGE + 1])
    query = request.GET.copy()
    if len(rows) > ACCESS_PAGE:
        rows = rows[:ACCESS_PAGE]
        query["before"] = rows[-1].pk
    else:
        query = None
    return render(
        request,
        "clients/access_log.html",
        {"rows": rows, "next_query": query.urlencode() if query else ""},
    )


# --- Settings ------------------------------------------------------------------------------------


@client_view(roles=ADMINS)
def settings_page(request, org_slug):
    organization = request.organization
    current = selectors.client_settings(organization=organization)
    form = ClientSettingsForm(
        request.POST if request.POST.get("section") == "general" else None,
        instance=current,
        organization=organization,
        prefix="general",
    )
    hours = WorkingHoursFormSet(
        request.POST if request.POST.get("section") == "hours" else None,
        queryset=WorkingHours.objects.filter(organization=organization),
        prefix="hours",
    )
    levels = ServiceLevelFormSet(
        request.POST if request.POST.get("section") == "levels" else None,
        queryset=selectors.service_levels(organization=organization),
        prefix="levels",
        form_kwargs={"organization": organization},
    )
    holiday_form = HolidayForm(
        request.POST if request.POST.get("section") == "holiday" else None, prefix="holiday"
    )
    category_form = RequestCategoryForm(
        request.POST if request.POST.get("section") == "category" else None, prefix="category"
    )
    section = request.POST.get("section")
    if request.method == "POST":
        saved = False
        try:
            with transaction.atomic():
                saved = _save_settings(
                    organization, section, form, hours, levels, holiday_form, category_form
                )
        except ValidationError as error:
            target = {"general": form, "holiday": holiday_form, "category": category_form}.get(
                section
            )
            if target is not None:
                add_errors(target, error)
            else:
                messages.error(request, " ".join(error.messages))
        if saved:
            messages.success(request, _("Saved. Open requests' deadlines follow the change."))
            return redirect("clients:settings", org_slug=org_slug)
    return render(
        request,
        "clients/settings.html",
        {
            "form": form,
            "hours": hours,
            "levels": levels,
            "holiday_form": holiday_form,
            "category_form": category_form,
            "holidays": Holiday.objects.filter(organization=organization),
            "categories": RequestCategory.objects.filter(organization=organization),
            "defaults": selectors.DEFAULT_TARGETS,
        },
        status=400 if request.method == "POST" else 200,
    )


def _unique_error(form, field, message):
    form.add_error(field, message)
    return False


def _save_settings(organization, section, form, hours, levels, holiday_form, category_form):
    if section == "general" and form.is_valid():
        services.client_settings_save(
            organization=organization,
            **{name: form.cleaned_data[name] for name in form.Meta.fields},
        )
        return True
    if section == "hours" and hours.is_valid():
        rows = hours.save(commit=False)
        for row in hours.deleted_objects:
            row.delete()
        for row in rows:
            row.organization = organization
            clash = (
                WorkingHours.objects.filter(
                    organization=organization, weekday=row.weekday, opens=row.opens
                )
                .exclude(pk=row.pk)
                .exists()
            )
            if clash:
                raise ValidationError(_("Two periods on the same day open at the same time."))
            row.save()
        services.refresh_open_clocks(organization=organization)
        return True
    if section == "levels" and levels.is_valid():
        rows = levels.save(commit=False)
        for row in rows:
            row.organization = organization
            duplicate = (
                ServiceLevel.objects.filter(
                    organization=organization, category=row.category, priority=row.priority
                )
                .exclude(pk=row.pk)
                .exists()
            )
            if duplicate:
                raise ValidationError(
                    _("There are already targets for that category and priority.")
                )
            row.save()
        for row in levels.deleted_objects:
            row.delete()
        services.refresh_open_clocks(organization=organization)
        return True
    if section == "holiday" and holiday_form.is_valid():
        holiday = holiday_form.save(commit=False)
        if Holiday.objects.filter(organization=organization, date=holiday.date).exists():
            return _unique_error(holiday_form, "date", _("That day is already a holiday."))
        holiday.organization = organization
        holiday.save()
        services.refresh_open_clocks(organization=organization)
        return True
    if section == "category" and category_form.is_valid():
        category = category_form.save(commit=False)
        if RequestCategory.objects.filter(organization=organization, name=category.name).exists():
            return _unique_error(category_form, "name", _("There is a category with that name."))
        category.organization = organization
        category.save()
        return True
    return False


@client_view(roles=ADMINS)
@require_POST
def holiday_delete(request, org_slug, holiday_id):
    deleted, _rows = Holiday.objects.filter(
        organization=request.organization, pk=holiday_id
    ).delete()
    if not deleted:
        raise Http404
    services.refresh_open_clocks(organization=request.organization)
    messages.success(request, _("Holiday removed."))
    return redirect("clients:settings", org_slug=org_slug)


# --- Help-centre editor ------------------------------------------------------------------------


@client_view()
def article_list(request, org_slug):
    organization = request.organization
    category_form = ArticleCategoryForm(request.POST or None, prefix="category")
    if request.method == "POST" and category_form.is_valid():
        category = category_form.save(commit=False)
        if ArticleCategory.objects.filter(organization=organization, name=category.name).exists():
            category_form.add_error("name", _("There is a category with that name."))
        else:
            category.organization = organization
            category.save()
            messages.success(request, _("Category added."))
            return redirect("clients:article_list", org_slug=org_slug)
    since = timezone.now() - timedelta(days=90)
    return render(
        request,
        "clients/articles.html",
        {
            "articles": selectors.article_stats(organization=organization),
            "categories": selectors.article_categories(organization=organization),
            "category_form": category_form,
            "unmet": selectors.unmet_searches(organization=organization, since=since),
        },
        status=400 if category_form.errors else 200,
    )


def _article_edit_url(org_slug):
    return lambda article: reverse(
        "clients:article_edit", kwargs={"org_slug": org_slug, "article_id": article.pk}
    )


@client_view()
def article_edit(request, org_slug, article_id=None):
    """An article or one of its versions (the same form), with its "Languages" panel."""
    organization = request.organization
    article = None
    if article_id is not None:
        article = (
            Article.objects.filter(organization=organization, pk=article_id)
            .select_related("original")
            .first()
        )
        if article is None:
            raise Http404
    form = ArticleForm(request.POST or None, instance=article, organization=organization)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.article_save(
                organization=organization, article=form.save(commit=False), actor=request.user
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Article saved."))
            return redirect("clients:article_edit", org_slug=org_slug, article_id=saved.pk)
    panel = None
    if article is not None:
        panel = languages_panel(
            article,
            edit_url=_article_edit_url(org_slug),
            add_url=reverse(
                "clients:article_translation_add",
                kwargs={"org_slug": org_slug, "article_id": article.root.pk},
            ),
        )
    return render(
        request,
        "clients/article_form.html",
        {
            "form": form,
            "article": article,
            "panel": panel,
            "language_label": language_name(article.language)[0] if article else "",
        },
        status=400 if form.errors else 200,
    )


@client_view()
@require_POST
def article_translation_add(request, org_slug, article_id):
    """Add a version of an article in a language (POST ``language``), then edit it: it starts
    as the original's text and unpublished, so visitors meet it once it is translated."""
    organization = request.organization
    article = Article.objects.filter(
        organization=organization, pk=article_id, original__isnull=True
    ).first()
    if article is None:
        raise Http404
    try:
        version = services.article_translation_add(
            organization=organization,
            article=article,
            language=request.POST.get("language", ""),
            actor=request.user,
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(_article_edit_url(org_slug)(article))
    messages.success(
        request,
        _("The %(language)s version starts as a copy of the original: translate it here.")
        % {"language": language_name(version.language)[0]},
    )
    return redirect(_article_edit_url(org_slug)(version))


# --- Service records -------------------------------------------------------------------------


@client_view()
def programme_list(request, org_slug):
    organization = request.organization
    form = ProgrammeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        programme = form.save(commit=False)
        if Programme.objects.filter(organization=organization, name=programme.name).exists():
            form.add_error("name", _("There is a programme with that name."))
        else:
            programme.organization = organization
            programme.save()
            messages.success(request, _("Programme added."))
            return redirect(
                "clients:programme_detail", org_slug=org_slug, programme_id=programme.pk
            )
    return render(
        request,
        "clients/programmes.html",
        {"programmes": Programme.objects.filter(organization=organization), "form": form},
        status=400 if form.errors else 200,
    )


@client_view()
def programme_detail(request, org_slug, programme_id):
    organization = request.organization
    programme = Programme.objects.filter(organization=organization, pk=programme_id).first()
    if programme is None:
        raise Http404
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        session = form.save(commit=False)
        session.organization, session.programme = organization, programme
        session.save()
        messages.success(request, _("Session added."))
        return redirect("clients:session_detail", org_slug=org_slug, session_id=session.pk)
    records = (
        ServiceRecord.objects.filter(organization=organization, programme=programme)
        .select_related("contact", "staff")
        .order_by("-delivered_on", "-id")[:50]
    )
    _log(request, *[("service_record", r.pk, r.contact_id) for r in records], action="list")
    return render(
        request,
        "clients/programme_detail.html",
        {
            "programme": programme,
            "form": form,
            "sessions": Session.objects.filter(organization=organization, programme=programme)[:50],
            "records": records,
        },
        status=400 if form.errors else 200,
    )


@client_view()
def session_detail(request, org_slug, session_id):
    """Attendance: tick who came; clients are found by the contact search (ids posted)."""
    organization = request.organization
    session = (
        Session.objects.filter(organization=organization, pk=session_id)
        .select_related("programme")
        .first()
    )
    if session is None:
        raise Http404
    if request.method == "POST":
        ids = []
        for raw in request.POST.getlist("present") + request.POST.get("add", "").split(","):
            if raw.strip().isdigit():
                ids.append(int(raw.strip()))
        absent = [
            int(i) for i in request.POST.getlist("listed") if i.isdigit() and int(i) not in ids
        ]
        try:
            services.attendance_record(
                organization=organization,
                session=session,
                present_ids=ids,
                absent_ids=absent,
                actor=request.user,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Attendance saved."))
        return redirect("clients:session_detail", org_slug=org_slug, session_id=session.pk)
    attendance = Attendance.objects.filter(
        organization=organization, session=session
    ).select_related("contact")
    _log(request, *[("attendance", a.pk, a.contact_id) for a in attendance], action="list")
    return render(
        request, "clients/session_detail.html", {"session": session, "attendance": attendance}
    )


@client_view()
def client_services(request, org_slug, contact_id):
    """A client's service records and completed programmes; record a service or a completion."""
    organization = request.organization
    contact = stakeholder_selectors.contact_get(organization=organization, contact_id=contact_id)
    if contact is None:
        raise Http404
    section = request.POST.get("section")
    record_form = ServiceRecordForm(
        request.POST if section == "record" else None,
        organization=organization,
        initial={"delivered_on": timezone.localdate(), "quantity": 1},
    )
    completion_form = CompletionForm(
        request.POST if section == "completion" else None, organization=organization
    )
    if request.method == "POST":
        try:
            if section == "record" and record_form.is_valid():
                services.service_record_add(
                    organization=organization,
                    contact=contact,
                    staff=request.user,
                    **record_form.cleaned_data,
                )
                messages.success(request, _("Service recorded."))
                return redirect(request.path)
            if section == "completion" and completion_form.is_valid():
                services.completion_record(
                    organization=organization,
                    contact=contact,
                    programme=completion_form.cleaned_data["programme"],
                    consent=completion_form.cleaned_data["consent"],
                    actor=request.user,
                )
                messages.success(request, _("Completion recorded."))
                return redirect(request.path)
        except ValidationError as error:
            add_errors(record_form if section == "record" else completion_form, error)
    records = list(selectors.service_records_for(organization=organization, contact=contact)[:100])
    _log(
        request,
        ("contact", contact.pk, contact.pk),
        *[("service_record", r.pk, contact.pk) for r in records],
    )
    return render(
        request,
        "clients/client_services.html",
        {
            "contact": contact,
            "records": records,
            "completions": selectors.completions_for(organization=organization, contact=contact),
            "requests": selectors.requests_for_contact(organization=organization, contact=contact)[
                :20
            ],
            "record_form": record_form,
            "completion_form": completion_form,
        },
        status=400 if request.method == "POST" else 200,
    )


# --- Public: help centre, request form, status page -----------------------------------------


def _public(request, template, context, status=200):
    """Public pages keep the site's same-origin referrer policy: a status link's token never
    leaves for another site, and the browser still sends an Origin for CSRF checks ("no-referrer"
    would make it "null")."""
    response = render(request, template, context, status=status)
    response["Referrer-Policy"] = "same-origin"
    return response


HELP_SEARCH_LOG_IP_RATE = "30/h"
HELP_SEARCH_LOG_ORGANIZATION_RATE = "2000/h"


def _search_visitor(request):
    """Whom to count a help-centre search against; None once this visitor — or everyone, in a
    flood from many addresses — has had enough searches written this hour (the search is still
    answered, just not logged)."""
    group = f"help-search-log-{request.organization.pk}"
    if is_ratelimited(
        request, group=f"{group}-ip", key="ip", rate=HELP_SEARCH_LOG_IP_RATE, increment=True
    ) or is_ratelimited(
        request,
        group=group,
        key=lambda group, req: "organization",
        rate=HELP_SEARCH_LOG_ORGANIZATION_RATE,
        increment=True,
    ):
        return None
    address = request.META.get(settings.RATELIMIT_IP_META_KEY or "REMOTE_ADDR", "")
    return services.help_visitor(address=address, day=timezone.localdate())


@organization_public
@require_http_methods(["GET"])
def help_home(request, org_slug):
    organization = request.organization
    language = translation.get_language()
    form = HelpSearchForm(request.GET or None)
    results = None
    query = ""
    if form.is_valid() and form.cleaned_data["q"].strip():
        query = form.cleaned_data["q"]
        results = services.help_search(
            organization=organization,
            query=query,
            visitor=_search_visitor(request),
            language=language,
        )
    return _public(
        request,
        "clients/public/help_home.html",
        {
            "form": form,
            "query": query,
            "results": results,
            "categories": selectors.help_categories(organization=organization, language=language),
            "faqs": selectors.help_faqs(organization=organization, language=language),
        },
    )


@organization_public
@require_http_methods(["GET"])
def help_article(request, org_slug, article_id):
    """One version of an article (the lists link each visitor to theirs), with links to its
    other published languages."""
    article = selectors.article_for_visitor(
        organization=request.organization, article_id=article_id
    )
    if article is None:
        raise Http404
    return _public(
        request,
        "clients/public/help_article.html",
        {
            "article": article,
            "from_request": request.GET.get("from") == "request",
            "voted": request.GET.get("voted"),
        },
    )


@organization_public
@require_POST
def help_vote(request, org_slug, article_id):
    article = (
        selectors.published_versions(organization=request.organization)
        .select_related("original")
        .filter(pk=article_id)
        .first()
    )
    if article is None:
        raise Http404
    if not is_ratelimited(
        request, group=f"help-vote-{request.organization.pk}", key="ip", rate="30/h", increment=True
    ):
        services.article_vote(
            organization=request.organization,
            article=article,
            helpful=request.POST.get("helpful") == "yes",
            deflected=request.POST.get("deflected") == "yes",
        )
    voted = "deflected" if request.POST.get("deflected") == "yes" else "yes"
    url = reverse("clients:help_article", kwargs={"org_slug": org_slug, "article_id": article.pk})
    return redirect(f"{url}?{urlencode({'voted': voted})}")


@organization_public
@require_http_methods(["GET"])
def help_suggest(request, org_slug):
    """Articles that may answer what the client is typing (htmx partial for the request form)."""
    query = request.GET.get("subject") or request.GET.get("q") or ""
    articles = []
    if len(query.strip()) >= 3 and not is_ratelimited(
        request,
        group=f"help-suggest-{request.organization.pk}",
        key="ip",
        rate="300/h",
        increment=True,
    ):
        articles = selectors.article_search(
            organization=request.organization,
            query=query,
            limit=5,
            prefix=True,
            language=translation.get_language(),
        )
    return _public(request, "clients/public/_suggestions.html", {"articles": articles})


def _min_seconds():
    return getattr(settings, "CLIENTS_FORM_MIN_SECONDS", 3)


@organization_public
@never_cache
@require_http_methods(["GET", "POST"])
def public_request(request, org_slug):
    """The public request form: honeypot, minimum fill time (signed), rate limits per IP and
    per email address; the client is matched or created; the confirmation has the status link."""
    organization = request.organization
    suggest_url = reverse("clients:help_suggest", kwargs={"org_slug": org_slug})
    form = PublicRequestForm(
        request.POST or None,
        request.FILES or None,
        organization=organization,
        suggest_url=suggest_url,
        initial={"started": form_started_token()},
    )
    if request.method == "POST":
        email = (request.POST.get("email") or "").strip().lower()
        limited = is_ratelimited(
            request,
            group=f"client-request-ip-{request.organization.pk}",
            key="ip",
            rate="10/h",
            increment=True,
        )
        limited = (
            is_ratelimited(
                request,
                group=f"client-request-email-{request.organization.pk}",
                key=lambda group, req: email,
                rate="5/h",
                increment=True,
            )
            or limited
        )
        if limited:
            return _public(
                request, "clients/public/request_form.html", {"form": form, "limited": True}, 429
            )
        if form.is_valid():
            elapsed = form_fill_seconds(form.cleaned_data["started"])
            if form.cleaned_data["website"] or elapsed is None:
                # A bot (or a stale page): answer as if it worked, store nothing.
                return _public(request, "clients/public/request_sent.html", {"email": email})
            if elapsed < _min_seconds():
                form.add_error(
                    None, _("That was quick! Please check your request and send it again.")
                )
            elif not services.public_requests_allowed(organization=organization):
                return _public(
                    request, "clients/public/request_form.html", {"form": form, "busy": True}, 429
                )
            else:
                data = form.cleaned_data
                try:
                    services.request_submit_public(
                        organization=organization,
                        first_name=data["first_name"],
                        last_name=data["last_name"],
                        email=data["email"],
                        phone=data["phone"],
                        category=data["category"],
                        subject=data["subject"],
                        description=data["description"],
                        is_complaint=data["is_complaint"],
                        thank_you_consent=data["thank_you_consent"],
                        files=_files(request),
                        language=request.LANGUAGE_CODE,
                        mobile=data["mobile"],
                        reply_channel=data["reply_channel"],
                    )
                except ValidationError as error:
                    add_errors(form, error)
                else:
                    return _public(
                        request, "clients/public/request_sent.html", {"email": data["email"]}
                    )
        form.data = form.data.copy()
        form.data["started"] = form_started_token()
    return _public(
        request,
        "clients/public/request_form.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@organization_public
@never_cache
@require_http_methods(["GET", "POST"])
def public_request_confirm(request, org_slug, request_token):
    """The link in a request's acknowledgement. GET shows a button (mail scanners open links);
    POST confirms the request is the address owner's, then opens its status page."""
    organization = request.organization
    service_request = services.request_from_confirm_token(
        organization=organization, token=request_token
    )
    if service_request is None:
        return _public(request, "clients/public/status_invalid.html", {}, status=400)
    if request.method == "POST":
        services.request_confirm_address(organization=organization, request=service_request)
        token = services.status_token(organization=organization, request=service_request)
        status_path = reverse("clients:public_status", kwargs={"org_slug": org_slug})
        return redirect(f"{status_path}?{urlencode({'t': token})}")
    return _public(request, "clients/public/request_confirm.html", {"req": service_request})


@organization_public
@never_cache
@require_http_methods(["GET", "POST"])
def public_status(request, org_slug):
    """The client's view of their request (signed link from the email): progress, the replies,
    and a box to add a message. Internal notes and calls never show here."""
    organization = request.organization
    token = request.GET.get("t", "")
    service_request = services.request_from_token(organization=organization, token=token)
    if service_request is None:
        return _public(request, "clients/public/status_invalid.html", {}, status=400)
    form = ClientMessageForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if is_ratelimited(
            request,
            group="client-status-message",
            key=lambda group, req: f"r{service_request.pk}",
            rate="20/h",
            increment=True,
        ):
            return _public(
                request,
                "clients/public/status.html",
                {"req": service_request, "form": form, "limited": True, "token": token},
                status=429,
            )
        if form.is_valid():
            try:
                services.request_client_message(
                    organization=organization,
                    request=service_request,
                    body=form.cleaned_data["body"],
                    files=_files(request),
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, _("Thank you — your message has been added."))
                return redirect(f"{request.path}?{urlencode({'t': token})}")
    steps = [Status.NEW, Status.OPEN, Status.RESOLVED]
    return _public(
        request,
        "clients/public/status.html",
        {
            "req": service_request,
            "form": form,
            "token": token,
            "steps": steps,
            "thread": selectors.request_messages(
                organization=organization, request=service_request, client_view=True
            ),
        },
        status=400 if form.errors else 200,
    )
