"""Staff pages of the volunteers app, under /o/<slug>/volunteers/. Thin: services write,
selectors read. The public pages (signup, portal) are in ``volunteers.public``."""

from functools import wraps
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from stakeholders import formats
from stakeholders.content_versions import language_name, languages_panel, translation_add_view
from stakeholders.forms import add_errors
from stakeholders.models import Role
from stakeholders.tenancy.views import staff_view
from volunteers import selectors, services
from volunteers.forms import (
    AssignForm,
    HoursForm,
    OpportunityForm,
    OpportunityVersionForm,
    ProfileForm,
    SettingsForm,
    ShiftEditForm,
    ShiftForm,
    ThankForm,
    TrainingForm,
    TrainingRecordForm,
    availability_values,
)
from volunteers.models import (
    Assignment,
    Cause,
    HoursEntry,
    Opportunity,
    Skill,
    Training,
    VolunteerProfile,
)

COORDINATING = [Role.ADMIN, Role.VOLUNTEER_COORDINATOR]
READERS = [Role.ADMIN, Role.VOLUNTEER_COORDINATOR, Role.VIEWER]


def in_organization_time(view):
    """Show times in the organization's own time zone (a shift at 9:00 is at 9:00 there)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        with timezone.override(ZoneInfo(request.organization.timezone)):
            return view(request, *args, **kwargs)

    return wrapper


def _can_edit(request):
    return request.membership.role in COORDINATING


def _require_edit(request):
    if request.method == "POST" and not _can_edit(request):
        raise PermissionDenied


def _profile_choices(organization):
    return [
        (p.pk, f"{p.contact.name} ({p.get_status_display()})")
        for p in selectors.profiles(organization=organization).exclude(
            status=VolunteerProfile.Status.LEFT
        )[:1000]
    ]


@staff_view(roles=READERS)
@in_organization_time
def index(request, org_slug):
    organization = request.organization
    config = services.volunteer_settings(organization=organization)
    month_start = timezone.localdate().replace(day=1)
    context = {
        "awaiting": selectors.awaiting_review(organization=organization)[:20],
        "short": selectors.shifts_short(organization=organization, days=7)[:20],
        "upcoming": selectors.upcoming_shifts(organization=organization, days=14)[:20],
        "pending_hours": selectors.hours_pending(organization=organization).count(),
        "pending_signups": selectors.pending_signups_count(organization=organization),
        "month": selectors.hours_totals(
            organization=organization, since=month_start, hourly_rate=config.hourly_rate
        ),
        "weeks": selectors.hours_this_month_by_week(organization=organization),
        "can_edit": _can_edit(request),
    }
    return render(request, "volunteers/index.html", context)


@staff_view(roles=READERS)
@in_organization_time
def volunteer_list(request, org_slug):
    status = request.GET.get("status", "")
    if status not in VolunteerProfile.Status.values:
        status = ""
    query = request.GET.get("q", "").strip()[:100]
    page = Paginator(
        selectors.profiles(organization=request.organization, status=status, search=query), 50
    ).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "query": query,
        "status": status,
        "statuses": VolunteerProfile.Status.choices,
    }
    return render(request, "volunteers/volunteers.html", context)


@staff_view(roles=READERS)
@in_organization_time
def profile(request, org_slug, profile_id):
    """A volunteer: details and preferences, trainings, hours, shifts, what fits them."""
    organization = request.organization
    _require_edit(request)
    volunteer = selectors.profile_get(organization=organization, profile_id=profile_id)
    if volunteer is None:
        raise Http404
    initial = {
        "status": volunteer.status,
        "birth_date": volunteer.birth_date,
        "notes": volunteer.notes,
        "skills": [
            str(pk)
            for pk in selectors.profile_skill_ids(organization=organization, profile=volunteer)
        ],
        "causes": [
            str(pk)
            for pk in selectors.profile_cause_ids(organization=organization, profile=volunteer)
        ],
        "availability": availability_values(volunteer.availability),
        "other_skills": volunteer.other_skills,
        "languages": volunteer.languages,
    }
    action = request.POST.get("action", "")
    calendar_url = None
    form = ProfileForm(
        request.POST if action == "save" else None, initial=initial, organization=organization
    )
    training_form = TrainingRecordForm(
        request.POST if action == "training" else None, organization=organization
    )
    if action == "save" and form.is_valid():
        data = form.cleaned_data
        try:
            services.preferences_save(
                organization=organization,
                profile=volunteer,
                status=data["status"],
                birth_date=data["birth_date"],
                notes=data["notes"],
                **form.preference_data(),
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Volunteer saved."))
            return redirect("volunteers:profile", org_slug=org_slug, profile_id=volunteer.pk)
    elif action == "training" and training_form.is_valid():
        training = get_object_or_404(
            Training, organization=organization, pk=training_form.cleaned_data["training"]
        )
        try:
            services.training_record(
                organization=organization,
                profile=volunteer,
                training=training,
                completed_on=training_form.cleaned_data["completed_on"],
                actor=request.user,
            )
        except ValidationError as error:
            add_errors(training_form, error)
        else:
            messages.success(request, _("Training recorded."))
            return redirect("volunteers:profile", org_slug=org_slug, profile_id=volunteer.pk)
    elif action == "approve":
        services.profile_set_status(
            organization=organization, profile=volunteer, status=VolunteerProfile.Status.ACTIVE
        )
        messages.success(request, _("%(name)s is now an active volunteer.") % {"name": volunteer})
        return redirect("volunteers:profile", org_slug=org_slug, profile_id=volunteer.pk)
    elif action == "portal_link":
        try:
            sent = services.portal_link_send(
                organization=organization, email=volunteer.contact.email, staff_sent=True
            )
        except ValidationError as refused:
            messages.error(request, " ".join(refused.messages))
        else:
            if sent:
                messages.success(request, _("Their volunteer page link is on its way."))
            else:
                messages.error(request, _("We can't email this person."))
        return redirect("volunteers:profile", org_slug=org_slug, profile_id=volunteer.pk)
    elif action == "calendar":
        # shown on this answer only (the key is not kept): no redirect
        key = services.calendar_key_create(organization=organization, profile=volunteer)
        calendar_url = services.calendar_url(organization=organization, key=key)
    config = services.volunteer_settings(organization=organization)
    hours = selectors.hours_total(organization=organization, profile=volunteer)
    context = {
        "volunteer": volunteer,
        "form": form,
        "training_form": training_form,
        "skills": selectors.profile_skills(organization=organization, profile=volunteer),
        "availability": selectors.availability_labels(volunteer.availability),
        "records": selectors.training_records(organization=organization, profile=volunteer),
        "assignments": selectors.assignments_for(organization=organization, profile=volunteer),
        "entries": selectors.hours_for(organization=organization, profile=volunteer)[:50],
        "hours": hours,
        "value": hours * config.hourly_rate,
        "milestones": selectors.milestones_for(organization=organization, profile=volunteer),
        "fits": selectors.opportunities_for_profile(organization=organization, profile=volunteer),
        "duplicate": selectors.has_open_duplicate(
            organization=organization, contact=volunteer.contact
        ),
        "can_edit": _can_edit(request),
        "calendar_url": calendar_url,
    }
    response = render(request, "volunteers/profile.html", context)
    if calendar_url:
        response["Cache-Control"] = "private, no-store"
        response["Referrer-Policy"] = "no-referrer"
    return response


@staff_view(roles=READERS)
@in_organization_time
def opportunity_list(request, org_slug):
    organization = request.organization
    context = {
        "opportunities": selectors.opportunities_with_versions(organization=organization),
        "can_edit": _can_edit(request),
    }
    return render(request, "volunteers/opportunities.html", context)


def _opportunity_form(request, opportunity):
    organization = request.organization
    initial = None
    if opportunity is not None:
        initial = {
            "title": opportunity.title,
            "description": opportunity.description,
            "cause": opportunity.cause_id,
            "skills": list(
                selectors.opportunity_skill_ids(organization=organization, opportunity=opportunity)
            ),
            "trainings": list(
                selectors.opportunity_training_ids(
                    organization=organization, opportunity=opportunity
                )
            ),
            "location": opportunity.location,
            "city": opportunity.city,
            "minimum_age": opportunity.minimum_age,
            "is_active": opportunity.is_active,
        }
    posted = request.method == "POST" and request.POST.get("action", "save") == "save"
    form = OpportunityForm(
        request.POST if posted else None,  # never bound on a GET: it would wipe the details
        initial=initial,
        organization=organization,
    )
    if request.method == "POST" and form.is_bound and form.is_valid():
        data = dict(form.cleaned_data)
        data["cause"] = (
            Cause.objects.filter(organization=organization, pk=data["cause"]).first()
            if data["cause"]
            else None
        )
        data["skills"] = list(
            Skill.objects.filter(organization=organization, pk__in=data["skills"])
        )
        data["trainings"] = list(
            Training.objects.filter(organization=organization, pk__in=data["trainings"])
        )
        try:
            saved = services.opportunity_save(
                organization=organization, opportunity=opportunity, **data
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Opportunity saved."))
            return redirect(
                "volunteers:opportunity", org_slug=organization.slug, opportunity_id=saved.pk
            )
    return form


@staff_view(roles=READERS)
@in_organization_time
def opportunity(request, org_slug, opportunity_id):
    """An opportunity: its details (editable), its shifts and a form to add one or a series."""
    organization = request.organization
    _require_edit(request)
    found = get_object_or_404(
        Opportunity.objects.select_related("original"), organization=organization, pk=opportunity_id
    )
    if found.original_id:
        return _opportunity_version(request, found)
    action = request.POST.get("action", "")
    form = _opportunity_form(request, found) if _can_edit(request) else None
    if form is not None and not isinstance(form, OpportunityForm):
        return form  # saved: a redirect
    shift_form = ShiftForm(request.POST if action == "shift" else None)
    if action == "shift" and shift_form.is_valid():
        try:
            created = services.shift_create(
                organization=organization, opportunity=found, **shift_form.cleaned_data
            )
        except ValidationError as error:
            add_errors(shift_form, error)
        else:
            messages.success(
                request,
                ngettext("%(count)s shift added.", "%(count)s shifts added.", len(created))
                % {"count": formats.format_number(len(created))},
            )
            return redirect("volunteers:opportunity", org_slug=org_slug, opportunity_id=found.pk)
    context = {
        "opportunity": found,
        "form": form,
        "shift_form": shift_form,
        "shifts": selectors.upcoming_shifts(organization=organization, opportunity=found)[:100],
        "can_edit": _can_edit(request),
        "panel": _languages_panel(request, found),
    }
    return render(request, "volunteers/opportunity.html", context)


def _opportunity_url(org_slug):
    return lambda opportunity: reverse(
        "volunteers:opportunity", kwargs={"org_slug": org_slug, "opportunity_id": opportunity.pk}
    )


def _languages_panel(request, opportunity):
    slug = request.organization.slug
    return languages_panel(
        opportunity,
        edit_url=_opportunity_url(slug),
        add_url=reverse(
            "volunteers:opportunity_translation_add",
            kwargs={"org_slug": slug, "opportunity_id": opportunity.root.pk},
        ),
        can_add=_can_edit(request),
    )


def _opportunity_version(request, version):
    """A version of an opportunity in another language: its words, editable (or deleted) by
    those who edit opportunities; shifts and matching stay on the original."""
    organization = request.organization
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if action == "delete":
        original = version.original
        version.delete()
        messages.success(request, _("The version is deleted."))
        return redirect(_opportunity_url(organization.slug)(original))
    form = OpportunityVersionForm(
        request.POST if action == "save" else None,
        initial={
            "title": version.title,
            "description": version.description,
            "location": version.location,
        },
        language=version.language,
    )
    if action == "save" and form.is_valid():
        try:
            services.opportunity_version_save(
                organization=organization, version=version, **form.cleaned_data
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Opportunity saved."))
            return redirect(_opportunity_url(organization.slug)(version))
    context = {
        "opportunity": version,
        "form": form if _can_edit(request) else None,
        "can_edit": _can_edit(request),
        "panel": _languages_panel(request, version),
        "language_label": language_name(version.language)[0],
    }
    return render(
        request,
        "volunteers/opportunity_version.html",
        context,
        status=400 if form.errors else 200,
    )


@staff_view(roles=COORDINATING)
@require_POST
def opportunity_translation_add(request, org_slug, opportunity_id):
    """Add a version of an opportunity in a language (POST ``language``), then edit it."""
    found = get_object_or_404(
        Opportunity, organization=request.organization, pk=opportunity_id, original__isnull=True
    )
    return translation_add_view(request, found, edit_url=_opportunity_url(org_slug))


@staff_view(roles=COORDINATING)
@in_organization_time
def opportunity_new(request, org_slug):
    form = _opportunity_form(request, None)
    if not isinstance(form, OpportunityForm):
        return form
    return render(request, "volunteers/opportunity_new.html", {"form": form})


@staff_view(roles=READERS)
@in_organization_time
def matches(request, org_slug, opportunity_id):
    """Who fits this opportunity, best first, and why; invite with one click (POST)."""
    organization = request.organization
    _require_edit(request)
    found = get_object_or_404(
        Opportunity, organization=organization, pk=opportunity_id, original__isnull=True
    )
    if request.method == "POST":
        profile_id = request.POST.get("profile", "")
        invitee = (
            selectors.profile_get(organization=organization, profile_id=int(profile_id))
            if profile_id.isdigit()
            else None
        )
        if invitee is None:
            raise Http404
        try:
            services.opportunity_invite(
                organization=organization, opportunity=found, profile=invitee, actor=request.user
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, _("%(name)s is invited to %(what)s.") % {"name": invitee, "what": found}
            )
        return redirect("volunteers:matches", org_slug=org_slug, opportunity_id=found.pk)
    context = {
        "opportunity": found,
        "rows": selectors.matches_for_opportunity(organization=organization, opportunity=found),
        "can_edit": _can_edit(request),
    }
    return render(request, "volunteers/matches.html", context)


@staff_view(roles=READERS)
@in_organization_time
def shift(request, org_slug, shift_id):
    """The roster: assign someone, take attendance, cancel a place, say a personal thank-you."""
    organization = request.organization
    _require_edit(request)
    found = selectors.shift_get(organization=organization, shift_id=shift_id)
    if found is None:
        raise Http404
    action = request.POST.get("action", "")
    assign_form = AssignForm(
        request.POST if action == "assign" else None, choices=_profile_choices(organization)
    )
    thank_form = ThankForm(request.POST if action == "thank" else None)
    edit_form = ShiftEditForm(
        request.POST if action == "edit" else None,
        initial={"capacity": found.capacity, "notes": found.notes},
    )
    forms_by_action = {"assign": assign_form, "thank": thank_form, "edit": edit_form}
    if request.method == "POST":
        try:
            response = _shift_action(request, found, action, forms_by_action)
        except ValidationError as error:
            target = forms_by_action.get(action)
            if target is not None:
                add_errors(target, error)
            else:
                messages.error(request, " ".join(error.messages))
                return redirect("volunteers:shift", org_slug=org_slug, shift_id=found.pk)
        else:
            if response is not None:
                return response
    context = {
        "shift": found,
        "roster": selectors.roster(organization=organization, shift=found),
        "assign_form": assign_form,
        "thank_form": thank_form,
        "edit_form": edit_form,
        "thank_for": request.POST.get("assignment", "") if action == "thank" else "",
        "started": found.starts_at <= timezone.now(),
        "can_edit": _can_edit(request),
    }
    return render(request, "volunteers/shift.html", context)


def _shift_action(request, shift, action, forms_by_action):
    organization = request.organization
    back = redirect("volunteers:shift", org_slug=organization.slug, shift_id=shift.pk)
    assign_form, thank_form = forms_by_action["assign"], forms_by_action["thank"]
    if action == "edit":
        form = forms_by_action["edit"]
        if not form.is_valid():
            return None
        services.shift_update(organization=organization, shift=shift, **form.cleaned_data)
        messages.success(request, _("Shift saved."))
        return back
    if action == "assign":
        if not assign_form.is_valid():
            return None
        volunteer = selectors.profile_get(
            organization=organization, profile_id=assign_form.cleaned_data["profile"]
        )
        if volunteer is None:
            raise Http404
        row = services.shift_signup(
            organization=organization,
            shift=shift,
            profile=volunteer,
            source=Assignment.Source.COORDINATOR,
        )
        messages.success(
            request,
            _("%(name)s: %(status)s.") % {"name": volunteer, "status": row.get_status_display()},
        )
        return back
    assignment_id = request.POST.get("assignment", "")
    assignment = (
        Assignment.objects.filter(
            organization=organization, shift=shift, pk=int(assignment_id)
        ).first()
        if assignment_id.isdigit()
        else None
    )
    if assignment is None:
        raise Http404
    if action in ("attended", "no_show"):
        services.attendance_record(
            organization=organization,
            assignment=assignment,
            attended=action == "attended",
            actor=request.user,
        )
        return back
    if action == "cancel":
        services.assignment_cancel(organization=organization, assignment=assignment)
        messages.success(request, _("Place cancelled."))
        return back
    if action == "thank":
        if not thank_form.is_valid():
            return None
        services.shift_thank(
            organization=organization,
            assignment=assignment,
            message=thank_form.cleaned_data["message"],
            actor=request.user,
        )
        messages.success(request, _("Your thank-you is on its way."))
        return back
    raise Http404


@staff_view(roles=READERS)
@in_organization_time
def hours(request, org_slug):
    """Hours waiting for approval, hours logged by a coordinator, and the totals."""
    organization = request.organization
    _require_edit(request)
    config = services.volunteer_settings(organization=organization)
    action = request.POST.get("action", "")
    form = HoursForm(
        request.POST if action == "log" else None,
        organization=organization,
        profiles=_profile_choices(organization),
    )
    if action in ("approve", "reject"):
        entry_id = request.POST.get("entry", "")
        entry = (
            HoursEntry.objects.filter(organization=organization, pk=int(entry_id)).first()
            if entry_id.isdigit()
            else None
        )
        if entry is None:
            raise Http404
        try:
            services.hours_decide(
                organization=organization,
                entry=entry,
                approve=action == "approve",
                actor=request.user,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("volunteers:hours", org_slug=org_slug)
    if action == "log" and form.is_valid():
        data = form.cleaned_data
        volunteer = selectors.profile_get(organization=organization, profile_id=data["profile"])
        opportunity = (
            Opportunity.objects.filter(organization=organization, pk=data["opportunity"]).first()
            if data["opportunity"]
            else None
        )
        if volunteer is None:
            raise Http404
        try:
            services.hours_log(
                organization=organization,
                profile=volunteer,
                worked_on=data["worked_on"],
                hours=data["hours"],
                opportunity=opportunity,
                description=data["description"],
                actor=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Hours saved."))
            return redirect("volunteers:hours", org_slug=org_slug)
    year_start = timezone.localdate().replace(month=1, day=1)
    context = {
        "pending": selectors.hours_pending(organization=organization)[:100],
        "form": form,
        "totals": selectors.hours_totals(
            organization=organization, since=year_start, hourly_rate=config.hourly_rate
        ),
        "config": config,
        "can_edit": _can_edit(request),
    }
    return render(request, "volunteers/hours.html", context)


@staff_view(roles=READERS)
@in_organization_time
def trainings(request, org_slug):
    organization = request.organization
    _require_edit(request)
    form = TrainingForm(request.POST or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["grants_skill"] = (
            Skill.objects.filter(organization=organization, pk=data["grants_skill"]).first()
            if data["grants_skill"]
            else None
        )
        try:
            services.training_save(organization=organization, **data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Training saved."))
            return redirect("volunteers:trainings", org_slug=org_slug)
    context = {
        "trainings": selectors.trainings(organization=organization),
        "form": form,
        "can_edit": _can_edit(request),
    }
    return render(request, "volunteers/trainings.html", context)


@staff_view(roles=COORDINATING)
@in_organization_time
def training_edit(request, org_slug, training_id):
    organization = request.organization
    training = get_object_or_404(Training, organization=organization, pk=training_id)
    form = TrainingForm(
        request.POST or None,
        organization=organization,
        initial={
            "name": training.name,
            "description": training.description,
            "valid_months": training.valid_months,
            "grants_skill": training.grants_skill_id,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["grants_skill"] = (
            Skill.objects.filter(organization=organization, pk=data["grants_skill"]).first()
            if data["grants_skill"]
            else None
        )
        try:
            services.training_save(organization=organization, training=training, **data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Training saved."))
            return redirect("volunteers:trainings", org_slug=org_slug)
    return render(
        request, "volunteers/edit.html", {"form": form, "title": _("Training"), "object": training}
    )


@staff_view(roles=COORDINATING)
@in_organization_time
def volunteer_settings(request, org_slug):
    organization = request.organization
    config = services.volunteer_settings(organization=organization)
    # One box per language of the organization's readers besides its default, for each text.
    languages = organization.content_languages[1:]
    initial = {
        "hourly_rate": config.hourly_rate,
        "signup_intro": config.signup_intro,
        "consent_wording": config.consent_wording,
        "embed_origins": config.embed_origins,
        "skills_text": "\n".join(s.name for s in selectors.skills(organization=organization)),
        "causes_text": "\n".join(c.name for c in selectors.causes(organization=organization)),
    }
    for code in languages:
        for name in config.translated_fields:
            initial[f"{name}_{code}"] = (config.text_translations.get(code) or {}).get(name, "")
    form = SettingsForm(request.POST or None, initial=initial, languages=languages)
    if request.method == "POST" and form.is_valid():
        try:
            services.settings_save(organization=organization, **form.settings_data())
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Volunteer settings saved."))
            return redirect("volunteers:settings", org_slug=org_slug)
    embed_url = request.build_absolute_uri(
        reverse("volunteers:signup_embed", kwargs={"org_slug": org_slug})
    )
    return render(
        request,
        "volunteers/settings.html",
        {
            "form": form,
            "config": config,
            "embed_url": embed_url,
            "signup_url": request.build_absolute_uri(
                reverse("volunteers:signup", kwargs={"org_slug": org_slug})
            ),
        },
    )
