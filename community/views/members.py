"""The members' pages: join (double opt-in), sign in by a single-use link, sign out, their own
settings (display name, instant or daily emails, the questions they follow), leaving, and the
one-click unsubscribe of the follow emails. Thin: the work is in ``community.services.members``
and ``community.services.notifications``.

Pages that carry a link's token answer ``no-referrer`` (the token must not travel on) or, where
a button posts back, ``same-origin``; a link's GET never spends it (mail scanners open links).
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from community import tasks
from community.forms.members import JoinForm, LeaveForm, ProfileForm, SignInForm
from community.selectors import members as selectors
from community.services import members as services
from community.services import notifications
from community.views.questions import public_page, render_page
from stakeholders.forms import add_errors
from stakeholders.public_forms import over_limit
from stakeholders.tenancy.middleware import organization_public


def _private(response, *, token_in_url=False, posts_form=False):
    response["Cache-Control"] = "private, no-store"
    if posts_form:  # the button posts back: same-origin keeps the Origin for the CSRF check
        response["Referrer-Policy"] = "same-origin"
    elif token_in_url:
        response["Referrer-Policy"] = "no-referrer"
    return response


def _home(request):
    return reverse("community:home", kwargs={"org_slug": request.organization.slug})


def _limited(request, prefix, email):
    return over_limit(
        request,
        prefix=prefix,
        email=email,
        ip_rate=settings.COMMUNITY_JOIN_IP_RATE,
        email_rate=settings.COMMUNITY_JOIN_EMAIL_RATE,
    )


def _render(request, template, context=None, status=200, **private):
    """A member page in the community's layout (its bar needs the reader and the state)."""
    return _private(render_page(request, template, dict(context or {}), status), **private)


# --- Join -------------------------------------------------------------------------------------


@public_page
@require_http_methods(["GET", "POST"])
def join(request, org_slug):
    """The join form. Every valid address gets the same answer ("check your email"): what the
    email says — a confirmation, a sign-in link, nothing — is decided out of sight."""
    if selectors.current_member(request) is not None:
        return redirect("community:profile", org_slug=org_slug)
    form = JoinForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if _limited(request, "community-join", request.POST.get("email")):
            return _render(request, "community/members/limited.html", status=429)
        if form.is_bot:  # a filled honeypot: answer like a success, keep nothing
            return _render(request, "community/members/join_sent.html")
        if form.too_quick(min_seconds=settings.COMMUNITY_FORM_MIN_SECONDS):
            form.is_valid()
            form.add_error(
                None,
                _("That was very quick — please check your answers and send the form again."),
            )
        elif form.is_valid():
            try:
                services.join_request(
                    organization=request.organization,
                    email=form.cleaned_data["email"],
                    display_name=form.cleaned_data["display_name"],
                    language=translation.get_language(),
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                return _render(request, "community/members/join_sent.html")
        status = 400
        form.restamp()
    return _render(request, "community/members/join.html", {"form": form}, status=status)


@public_page
@require_http_methods(["GET", "POST"])
def join_confirm(request, org_slug, join_token):
    """The confirmation link: GET shows a button, POST confirms, once, and signs in."""
    organization = request.organization
    checked = services.join_link_check(organization=organization, token=join_token)
    if checked is None:
        return _render(
            request, "community/members/link_invalid.html", status=400, token_in_url=True
        )
    member, used = checked
    if request.method == "POST" and not used:
        confirmed = services.join_confirm(
            organization=organization, token=join_token, language=translation.get_language()
        )
        if confirmed is not None:
            services.sign_in(request, confirmed)
            messages.success(
                request,
                _("Welcome, %(name)s! You are a member now.") % {"name": confirmed.display_name},
            )
            return _private(redirect("community:profile", org_slug=org_slug), token_in_url=True)
        used = True
    if used:
        return _render(request, "community/members/link_used.html", status=410, token_in_url=True)
    return _render(
        request, "community/members/join_confirm.html", {"member": member}, posts_form=True
    )


# --- Sign in and out ----------------------------------------------------------------------------


@public_page
@require_http_methods(["GET", "POST"])
def sign_in(request, org_slug):
    """Ask for a sign-in link by email. The answer is the same for any address."""
    organization = request.organization
    next_path = services.safe_next(
        organization=organization, path=request.POST.get("next") or request.GET.get("next")
    )
    if selectors.current_member(request) is not None:
        return redirect(next_path or _home(request))
    form = SignInForm(request.POST or None, initial={"next": next_path})
    status = 200
    if request.method == "POST":
        if _limited(request, "community-sign-in", request.POST.get("email")):
            return _render(request, "community/members/limited.html", status=429)
        if form.is_bot:
            return _render(request, "community/members/sign_in_sent.html")
        # One field (often filled in by the browser): a second is already slow for a bot.
        if form.too_quick(min_seconds=min(1, settings.COMMUNITY_FORM_MIN_SECONDS)):
            form.is_valid()
            form.add_error(None, _("That was very quick — please send the form again."))
        elif form.is_valid():
            tasks.send_sign_in_link.delay_on_commit(
                organization_id=organization.pk,
                email=form.cleaned_data["email"],
                next_path=next_path,
                language=translation.get_language(),
            )
            return _render(request, "community/members/sign_in_sent.html")
        status = 400
        form.restamp()
    return _render(request, "community/members/sign_in.html", {"form": form}, status=status)


@public_page
@require_http_methods(["GET", "POST"])
def enter(request, org_slug, sign_in_token):
    """A sign-in link: GET shows a button (mail scanners open links and must not spend them);
    POST spends it, once, and signs this browser in."""
    organization = request.organization
    checked = services.sign_in_link_check(organization=organization, token=sign_in_token)
    if checked is None:
        return _render(
            request, "community/members/link_invalid.html", status=400, token_in_url=True
        )
    member, used, _next = checked
    if request.method == "POST" and not used:
        entered = services.sign_in_link_use(organization=organization, token=sign_in_token)
        if entered is not None:
            member, next_path = entered
            services.sign_in(request, member)
            return _private(redirect(next_path or _home(request)), token_in_url=True)
        used = True
    if used:
        return _render(request, "community/members/link_used.html", status=410, token_in_url=True)
    return _render(request, "community/members/enter.html", {"member": member}, posts_form=True)


@organization_public
@require_POST
def sign_out(request, org_slug):
    services.sign_out(request)
    messages.success(request, _("You are signed out."))
    return redirect(_home(request))


# --- The member's own page ------------------------------------------------------------------------


@public_page
@require_http_methods(["GET", "POST"])
def profile(request, org_slug):
    """Display name, instant emails or a daily digest, the questions followed (unfollow)."""
    member = selectors.current_member(request)
    if member is None:
        return selectors.redirect_to_sign_in(request)
    organization = request.organization
    action = request.POST.get("action") if request.method == "POST" else None
    if action not in (None, "unfollow", "profile"):
        raise Http404
    if action == "unfollow":
        follow_id = request.POST.get("follow", "")
        if follow_id.isdigit() and services.follow_remove(
            organization=organization, member=member, follow_id=int(follow_id)
        ):
            messages.success(request, _("You no longer follow that question."))
        return redirect("community:profile", org_slug=org_slug)
    initial = {"display_name": member.display_name, "digest": "digest" if member.digest else ""}
    form = ProfileForm(request.POST if action == "profile" else None, initial=initial)
    status = 200
    if action == "profile":
        if form.is_valid():
            try:
                services.profile_update(
                    organization=organization,
                    member=member,
                    display_name=form.cleaned_data["display_name"],
                    digest=form.cleaned_data["digest"],
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, _("Your settings are saved."))
                return redirect("community:profile", org_slug=org_slug)
        status = 400
    if not form.is_bound:
        form.initial["digest"] = "digest" if member.digest else "instant"
    context = {
        "member": member,
        "form": form,
        "follows": selectors.member_follows(organization=organization, member=member)[:200],
    }
    return _render(request, "community/members/profile.html", context, status=status)


@public_page
@require_http_methods(["GET", "POST"])
def leave(request, org_slug):
    """Leave the community: asked once more, then done at once."""
    member = selectors.current_member(request)
    if member is None:
        return selectors.redirect_to_sign_in(request)
    if member.is_expert:
        raise Http404
    form = LeaveForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.member_leave(organization=request.organization, member=member)
        services.sign_out(request)
        return _render(request, "community/members/left.html")
    status = 400 if form.is_bound else 200
    return _render(request, "community/members/leave.html", {"form": form}, status=status)


# --- One-click unsubscribe (RFC 8058) ------------------------------------------------------------


@csrf_exempt  # RFC 8058: the mail client POSTs with no cookies; the signed token is the key
@public_page
@require_http_methods(["GET", "POST"])
def unsubscribe(request, org_slug, unsubscribe_token):
    """GET asks (scanners open links), POST stops following what the email was about."""
    organization = request.organization
    follows = notifications.follows_from_token(organization=organization, token=unsubscribe_token)
    if follows is None:
        return _render(
            request, "community/members/link_invalid.html", status=400, token_in_url=True
        )
    if request.method == "POST":
        notifications.unsubscribe(organization=organization, token=unsubscribe_token)
        return _render(
            request,
            "community/members/unsubscribe.html",
            {"done": True, "follows": follows},
            token_in_url=True,
        )
    return _render(
        request, "community/members/unsubscribe.html", {"follows": follows}, token_in_url=True
    )


urlpatterns = [
    path("join/", join, name="join"),
    path("join/<str:join_token>/", join_confirm, name="join_confirm"),
    path("sign-in/", sign_in, name="sign_in"),
    path("sign-in/<str:sign_in_token>/", enter, name="enter"),
    path("sign-out/", sign_out, name="sign_out"),
    path("me/", profile, name="profile"),
    path("me/leave/", leave, name="leave"),
    path("unsubscribe/<str:unsubscribe_token>/", unsubscribe, name="unsubscribe"),
]
