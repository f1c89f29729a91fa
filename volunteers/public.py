"""Public pages of the volunteers app, under /o/<slug>/volunteer/: the signup form (also an
iframe-embeddable variant), the email confirmation, and the volunteer portal reached by a
magic link.

The signup form takes no CSRF token: it is anonymous (there is no session to ride on), it must
work inside an iframe on another site (where the CSRF cookie is a third-party cookie) and it is
guarded by a signed form stamp, a honeypot and rate limits instead. Every page that binds the
portal to a session (the confirmation, the magic link) and the portal itself keep Django's CSRF
protection: a forged post must not sign a browser into someone else's portal.
"""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited

from stakeholders.forms import add_errors
from stakeholders.public_forms import form_fill_seconds, form_started_token
from stakeholders.tenancy.middleware import organization_public
from volunteers import ical, selectors, services, tasks
from volunteers.forms import (
    EmailForm,
    HoursForm,
    PortalPreferencesForm,
    SignupForm,
    availability_values,
)
from volunteers.models import Assignment, Shift
from volunteers.views import in_organization_time

PORTAL_SESSION = "volunteer_portal"


def _private(response, *, token_in_url=False, posts_form=False):
    response["Cache-Control"] = "private, no-store"
    if posts_form:
        # The link's own page, with a button that posts back: the token stays on this site
        # (same-origin), and the browser still sends an Origin for the CSRF check
        # ("no-referrer" would make it "null").
        response["Referrer-Policy"] = "same-origin"
    elif token_in_url:  # a signed link must not travel on in a Referer header
        response["Referrer-Policy"] = "no-referrer"
    return response


def _email_key(group, request):
    return (request.POST.get("email") or "").strip().lower()


def _limited(request, prefix):
    """Per IP and per email address; an over-limit request is counted but changes nothing."""
    by_ip = is_ratelimited(
        request,
        group=f"{prefix}-ip-{request.organization.pk}",  # each organization its own budget
        key="ip",
        rate=settings.VOLUNTEER_SIGNUP_IP_RATE,
        increment=True,
    )
    by_email = is_ratelimited(
        request,
        group=f"{prefix}-email-{request.organization.pk}",
        key=_email_key,
        rate=settings.VOLUNTEER_SIGNUP_EMAIL_RATE,
        increment=True,
    )
    return by_ip or by_email


def _signup(request, *, embed):
    organization = request.organization
    options = selectors.signup_options(organization=organization)
    response = _signup_response(request, organization=organization, options=options, embed=embed)
    if embed:  # every answer of the embedded form is shown in the iframe, the thanks included
        response._csp_replace = {"frame-ancestors": options["origins"] or ["https:"]}
    return _private(response)


def _signup_response(request, *, organization, options, embed):
    template = "volunteers/public/signup_embed.html" if embed else "volunteers/public/signup.html"
    # The visitor reads (and agrees to) the words in their language: what they ticked is what
    # their consent record keeps.
    texts = selectors.signup_texts(options, translation.get_language())
    form = SignupForm(
        request.POST or None,
        organization=organization,
        consent_wording=texts["consent_wording"],
        skills=options["skills"],
        causes=options["causes"],
    )
    status = 200
    if request.method == "POST":
        if _limited(request, "volunteer-signup"):
            return render(request, "volunteers/public/limited.html", {"embed": embed}, status=429)
        seconds = form_fill_seconds(request.POST.get("started"))
        if form.is_bot:
            # a filled honeypot: answer like a success, keep nothing
            return render(request, "volunteers/public/sent.html", {"embed": embed})
        if seconds is None or seconds < settings.VOLUNTEER_SIGNUP_MIN_SECONDS:
            form.is_valid()
            form.add_error(
                None,
                _("That was very quick — please check your answers and send the form again."),
            )
            status = 400
        elif form.is_valid():
            services.signup_submit(
                organization=organization,
                data=form.signup_data(),
                language=request.LANGUAGE_CODE,
            )
            return render(request, "volunteers/public/sent.html", {"embed": embed})
    if form.is_bound:  # shown again (errors): a fresh stamp for the next try
        form.data = form.data.copy()
        form.data["started"] = form_started_token()
    else:
        form.initial["started"] = form_started_token()
    context = {"form": form, "config": {**options, **texts}, "embed": embed}
    return render(request, template, context, status=status)


@csrf_exempt
@organization_public
@never_cache
@require_http_methods(["GET", "POST"])
@in_organization_time
def signup(request, org_slug):
    """The public self-signup form (double opt-in: nothing is kept until the email is
    confirmed). The page reads the same whether or not the address is known."""
    return _signup(request, embed=False)


@csrf_exempt
@xframe_options_exempt
@organization_public
@never_cache
@require_http_methods(["GET", "POST"])
@in_organization_time
def signup_embed(request, org_slug):
    """The same form for an iframe on the organization's website: no site header, and framing
    allowed (only by the websites listed in the volunteer settings, if any)."""
    return _signup(request, embed=True)


@organization_public
@never_cache
@require_http_methods(["GET", "POST"])
@in_organization_time
def signup_confirm(request, org_slug, confirm_token):
    """GET shows a button (mail scanners open links); POST confirms."""
    organization = request.organization
    pending = services.pending_from_token(organization=organization, token=confirm_token)
    if pending is None:
        return _private(
            render(request, "volunteers/public/link_invalid.html", status=400), token_in_url=True
        )
    if request.method == "POST":
        first_time = pending.confirmed_at is None
        profile = services.signup_confirm(organization=organization, pending=pending)
        if first_time:  # a used link (a forwarded email, a shared computer) opens no portal
            _portal_login(request, profile)
        return _private(
            render(
                request,
                "volunteers/public/confirmed.html",
                {"profile": profile, "first_time": first_time},
            ),
            token_in_url=True,
        )
    return _private(
        render(
            request, "volunteers/public/confirm.html", {"pending": pending, "token": confirm_token}
        ),
        posts_form=True,
    )


# --- The portal --------------------------------------------------------------------------------


def _portal_login(request, profile):
    """Bind the portal to this browser's session, for this organization only."""
    bound = dict(request.session.get(PORTAL_SESSION, {}))
    bound[str(request.organization.pk)] = profile.pk
    request.session[PORTAL_SESSION] = bound
    request.session.cycle_key()


def _portal_profile(request):
    profile_id = request.session.get(PORTAL_SESSION, {}).get(str(request.organization.pk))
    if not profile_id:
        return None
    return selectors.profile_for_portal(organization=request.organization, profile_id=profile_id)


def portal_view(view):
    """A portal page: the volunteer bound to this session in this organization, else the page
    asking for a link."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        profile = _portal_profile(request)
        if profile is None:
            return redirect("volunteers:portal", org_slug=request.organization.slug)
        request.volunteer = profile
        return _private(view(request, *args, **kwargs))

    return organization_public(never_cache(wrapper))


@organization_public
@never_cache
@require_http_methods(["GET", "POST"])
@in_organization_time
def portal_enter(request, org_slug, portal_token):
    """A magic link to the portal. GET shows a button (mail scanners open links and must not
    spend them); POST spends the link, once, and binds this browser to the volunteer. A used
    link offers to email a fresh one to the volunteer's own address."""
    organization = request.organization
    link = services.portal_link_check(organization=organization, token=portal_token)
    if link is None:
        return _private(
            render(
                request,
                "volunteers/public/link_invalid.html",
                {"portal": True},
                status=400,
            ),
            token_in_url=True,
        )
    profile, used = link
    if request.method == "POST" and request.POST.get("action") == "resend":
        return _portal_link_resend(request, profile)
    if request.method == "POST" and not used:
        entered = services.portal_link_use(organization=organization, token=portal_token)
        if entered is not None:
            _portal_login(request, entered)
            target = reverse("volunteers:portal_shifts", kwargs={"org_slug": org_slug})
            opportunity = request.GET.get("opportunity", "")
            if opportunity.isdigit():
                return _private(redirect(f"{target}?opportunity={opportunity}"), token_in_url=True)
            return _private(redirect("volunteers:portal", org_slug=org_slug), token_in_url=True)
        used = True  # spent by another tab a moment ago
    return _private(
        render(
            request,
            "volunteers/public/portal_enter.html",
            {"used": used},
            status=410 if used else 200,
        ),
        posts_form=True,
    )


def _portal_link_resend(request, profile):
    """A fresh link to the address we hold (never one typed here), rate limited per volunteer
    and per IP address."""
    organization = request.organization
    by_volunteer = is_ratelimited(
        request,
        group=f"volunteer-portal-resend-{organization.pk}",
        key=lambda group, req: str(profile.pk),
        rate=settings.VOLUNTEER_SIGNUP_EMAIL_RATE,
        increment=True,
    )
    by_ip = is_ratelimited(
        request,
        group=f"volunteer-portal-resend-ip-{organization.pk}",
        key="ip",
        rate=settings.VOLUNTEER_SIGNUP_IP_RATE,
        increment=True,
    )
    if by_volunteer or by_ip:
        return _private(
            render(request, "volunteers/public/limited.html", {"embed": False}, status=429)
        )
    tasks.send_portal_link.delay_on_commit(
        organization_id=organization.pk, email=profile.contact.email
    )
    return _private(
        render(request, "volunteers/public/portal_enter.html", {"used": True, "sent": True}),
        posts_form=True,
    )


@organization_public
@never_cache
@require_http_methods(["GET", "POST"])
@in_organization_time
def portal(request, org_slug):
    """The volunteer's own page; without a session, where to ask for a link by email."""
    organization = request.organization
    profile = _portal_profile(request)
    if profile is None:
        form = EmailForm(request.POST or None)
        sent = False
        if request.method == "POST":
            if _limited(request, "volunteer-portal-link"):
                return _private(
                    render(request, "volunteers/public/limited.html", {"embed": False}, status=429)
                )
            if form.is_valid():
                tasks.send_portal_link.delay_on_commit(
                    organization_id=organization.pk, email=form.cleaned_data["email"]
                )
                sent = True
        return _private(
            render(request, "volunteers/portal/link.html", {"form": form, "sent": sent})
        )
    if request.method == "POST":
        raise Http404
    language = translation.get_language()
    suggested = [
        row
        for row in selectors.opportunities_for_profile(
            organization=organization, profile=profile, limit=3
        )
        if not row["blockers"]
    ]
    versions = selectors.opportunity_versions(
        organization=organization,
        language=language,
        ids=[row["opportunity"].pk for row in suggested],
    )
    for row in suggested:
        row["version"] = versions.get(row["opportunity"].pk, row["opportunity"])
    context = {
        "profile": profile,
        "upcoming": selectors.with_opportunity_versions(
            selectors.assignments_for(
                organization=organization, profile=profile, upcoming=True
            ).filter(status__in=[Assignment.Status.CONFIRMED, Assignment.Status.WAITLISTED]),
            organization=organization,
            language=language,
            path=("shift",),
        ),
        "hours": selectors.hours_total(organization=organization, profile=profile),
        "pending_hours": selectors.hours_for(organization=organization, profile=profile).filter(
            status="pending"
        ),
        "milestones": selectors.milestones_for(organization=organization, profile=profile),
        "trainings": selectors.training_records(organization=organization, profile=profile),
        "suggested": suggested,
    }
    return _private(render(request, "volunteers/portal/home.html", context))


@portal_view
@require_http_methods(["GET", "POST"])
@in_organization_time
def portal_shifts(request, org_slug):
    """Open shifts to sign up for; POST signs up for one (``shift``) or cancels a place
    (``cancel``)."""
    organization, profile = request.organization, request.volunteer
    if request.method == "POST":
        try:
            if request.POST.get("cancel", "").isdigit():
                assignment = Assignment.objects.filter(
                    organization=organization, profile=profile, pk=int(request.POST["cancel"])
                ).first()
                if assignment is None:
                    raise Http404
                services.assignment_cancel(organization=organization, assignment=assignment)
                messages.success(request, _("Your place is cancelled. Thank you for telling us."))
            else:
                shift_id = request.POST.get("shift", "")
                shift = (
                    Shift.objects.filter(  # only what the portal offers: open and ahead
                        organization=organization,
                        pk=int(shift_id),
                        opportunity__is_active=True,
                        starts_at__gt=timezone.now(),
                    ).first()
                    if shift_id.isdigit()
                    else None
                )
                if shift is None:
                    raise Http404
                row = services.shift_signup(organization=organization, shift=shift, profile=profile)
                if row.status == Assignment.Status.CONFIRMED:
                    messages.success(request, _("You're on the shift. See you there!"))
                else:
                    messages.success(
                        request,
                        _(
                            "The shift is full: you're on the waiting list. We'll email you if a "
                            "place opens up."
                        ),
                    )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect(request.get_full_path())
    opportunity = request.GET.get("opportunity", "")
    language = translation.get_language()
    rows = selectors.open_shifts_for(
        organization=organization,
        profile=profile,
        opportunity_id=int(opportunity) if opportunity.isdigit() else None,
    )
    selectors.with_opportunity_versions(
        [row["shift"] for row in rows], organization=organization, language=language
    )
    context = {"profile": profile, "rows": rows}
    return render(request, "volunteers/portal/shifts.html", context)


@portal_view
@require_http_methods(["GET", "POST"])
@in_organization_time
def portal_hours(request, org_slug):
    organization, profile = request.organization, request.volunteer
    language = translation.get_language()
    form = HoursForm(request.POST or None, organization=organization, language=language)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        opportunity = (
            selectors.opportunities(organization=organization)
            .filter(pk=data["opportunity"])
            .first()
            if data["opportunity"]
            else None
        )
        try:
            services.hours_log(
                organization=organization,
                profile=profile,
                worked_on=data["worked_on"],
                hours=data["hours"],
                opportunity=opportunity,
                description=data["description"],
                by_volunteer=True,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Thank you! A coordinator will confirm your hours."))
            return redirect("volunteers:portal_hours", org_slug=org_slug)
    context = {
        "form": form,
        "profile": profile,
        "entries": selectors.with_opportunity_versions(
            selectors.hours_for(organization=organization, profile=profile)[:50],
            organization=organization,
            language=language,
        ),
        "total": selectors.hours_total(organization=organization, profile=profile),
    }
    return render(request, "volunteers/portal/hours.html", context)


@portal_view
@require_http_methods(["GET", "POST"])
@in_organization_time
def portal_preferences(request, org_slug):
    organization, profile = request.organization, request.volunteer
    initial = {
        "skills": [
            str(pk)
            for pk in selectors.profile_skill_ids(organization=organization, profile=profile)
        ],
        "causes": [
            str(pk)
            for pk in selectors.profile_cause_ids(organization=organization, profile=profile)
        ],
        "availability": availability_values(profile.availability),
        "other_skills": profile.other_skills,
        "languages": profile.languages,
    }
    form = PortalPreferencesForm(request.POST or None, initial=initial, organization=organization)
    if request.method == "POST" and form.is_valid():
        prefs = form.preference_data()
        try:
            services.preferences_save(organization=organization, profile=profile, **prefs)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Your preferences are saved."))
            return redirect("volunteers:portal_preferences", org_slug=org_slug)
    return render(request, "volunteers/portal/preferences.html", {"form": form, "profile": profile})


@portal_view
@require_POST
@in_organization_time
def portal_calendar(request, org_slug):
    """A new address for the volunteer's calendar feed (the old one stops working), shown on
    this page only: it is not kept, so it can't be shown again."""
    organization, profile = request.organization, request.volunteer
    key = services.calendar_key_create(organization=organization, profile=profile)
    response = render(
        request,
        "volunteers/portal/calendar.html",
        {"profile": profile, "url": services.calendar_url(organization=organization, key=key)},
    )
    response["Referrer-Policy"] = "no-referrer"  # the page shows a secret address
    return response


@organization_public
@never_cache
@require_http_methods(["GET", "HEAD"])
def calendar_feed(request, org_slug, calendar_token):
    """A volunteer's shifts as an iCalendar feed, for their calendar app. The key in the address
    is the only credential: unknown, replaced or another organization's is a 404."""
    organization = request.organization
    by_ip = is_ratelimited(
        request,
        group=f"volunteer-calendar-ip-{organization.pk}",
        key="ip",
        rate=settings.VOLUNTEER_CALENDAR_IP_RATE,
        increment=True,
    )
    key_hash = services.calendar_key_hash(calendar_token[:200])
    by_feed = is_ratelimited(
        request,
        group=f"volunteer-calendar-{organization.pk}",
        key=lambda group, req: key_hash,
        rate=settings.VOLUNTEER_CALENDAR_FEED_RATE,
        increment=True,
    )
    if by_ip or by_feed:
        response = HttpResponse(
            _("Too many requests. Please try again later."),
            status=429,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = "3600"
        return _private(response, token_in_url=True)
    profile = selectors.profile_for_calendar_key(organization=organization, key_hash=key_hash)
    if profile is None:
        raise Http404
    assignments = selectors.with_opportunity_versions(
        selectors.calendar_assignments(organization=organization, profile=profile),
        organization=organization,
        language=organization.language,
        path=("shift",),
    )
    response = HttpResponse(
        ical.feed(organization=organization, assignments=assignments),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = 'inline; filename="shifts.ics"'
    return _private(response, token_in_url=True)


@organization_public
@require_POST
@in_organization_time
def portal_signout(request, org_slug):
    bound = dict(request.session.get(PORTAL_SESSION, {}))
    bound.pop(str(request.organization.pk), None)
    request.session[PORTAL_SESSION] = bound
    return redirect("volunteers:portal", org_slug=org_slug)
