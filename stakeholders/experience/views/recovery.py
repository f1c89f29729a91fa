"""Recovery pages: the list of cases (most urgent first), a case with its history and what staff
can do on it, and the public page where the person answers "Is this put right?". Also the
dashboard card and the contact panel (registered in ``stakeholders.contributions``)."""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_http_methods

from stakeholders import selectors
from stakeholders.experience import recovery
from stakeholders.experience.models import RecoveryCase
from stakeholders.forms import add_errors
from stakeholders.tenancy.middleware import organization_public
from stakeholders.tenancy.views import staff_view

Status = RecoveryCase.Status
PAGE_SIZE = 50


# --- Forms ----------------------------------------------------------------------------------------


class CaseFilterForm(forms.Form):
    show = forms.ChoiceField(
        label=gettext_lazy("Whose"),
        required=False,
        choices=[
            ("all", pgettext_lazy("recovery cases", "Everyone’s")),
            ("mine", gettext_lazy("Mine")),
        ],
    )
    area = forms.ChoiceField(label=gettext_lazy("Stakeholder type"), required=False)
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)

    def __init__(self, *args, role, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", _("All")), *recovery.area_choices(role=role)]
        self.fields["status"].choices = [
            ("attention", _("Needs attention")),
            ("any", _("Any status")),
            *Status.choices,
        ]


class NoteForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("What was done"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("The first note stops the first-action clock."),
    )


class ReassignForm(forms.Form):
    owner = forms.ModelChoiceField(label=gettext_lazy("New owner"), queryset=None)

    def __init__(self, *args, organization, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = recovery.owner_choices(
            organization=organization, area=case.area
        )


class CloseForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Why close it without their answer?"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AskForm(forms.Form):
    """No fields: the button asks."""


class AnswerForm(forms.Form):
    restored = forms.TypedChoiceField(
        label=gettext_lazy("Is this put right?"),
        choices=[
            ("yes", gettext_lazy("Yes, it is put right")),
            ("no", gettext_lazy("No, not yet")),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose yes or no.")},
    )
    comment = forms.CharField(
        label=gettext_lazy("Anything you would like to tell us? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# --- Helpers --------------------------------------------------------------------------------------


def _clock_rows(organization, cases, now=None):
    """Each case with its running clock: ``due`` (the deadline), ``left`` (working time, as
    a positive duration) and ``overdue``."""
    now = now or timezone.now()
    calendar = selectors.calendar_for(organization=organization)
    for case in cases:
        left = recovery.time_left(calendar=calendar, case=case, now=now)
        case.due = recovery.next_due(case)
        case.overdue = left is not None and (left.total_seconds() < 0 or case.due <= now)
        case.left = abs(left) if left is not None else None
        case.area_label = recovery.area_label(case.area)
    return cases


def _role(request):
    return request.membership.role


# --- Staff pages ----------------------------------------------------------------------------------


@staff_view(roles=recovery.CASE_ROLES)
@require_http_methods(["GET"])
def recovery_list(request, org_slug):
    organization = request.organization
    form = CaseFilterForm(request.GET or None, role=_role(request))
    choices = (form.is_valid() and form.cleaned_data) or {}
    show = choices.get("show") or "all"
    area = choices.get("area") or ""
    status = choices.get("status") or "attention"
    cases = recovery.cases_list(
        organization=organization,
        role=_role(request),
        user=request.user,
        mine=show == "mine",
        area=area,
        status="" if status == "any" else status,
    )
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    _clock_rows(organization, page.object_list)
    return render(
        request,
        "experience/recovery/list.html",
        {
            "form": form,
            "page": page,
            "cases": page.object_list,
            "extra": urlencode({"show": show, "area": area, "status": status}),
        },
    )


def _case_or_404(request, case_id):
    case = recovery.case_get(
        organization=request.organization, role=_role(request), case_id=case_id
    )
    if case is None:
        raise Http404
    return case


def _forms(organization, case, data, action):
    def bound(name):
        return data if action == name else None

    return {
        "note": NoteForm(bound("note"), prefix="note"),
        "reassign": ReassignForm(
            bound("reassign"), prefix="reassign", organization=organization, case=case
        ),
        "ask": AskForm(bound("ask"), prefix="ask"),
        "close": CloseForm(bound("close"), prefix="close"),
    }


def _perform(request, action, form, case):
    organization, actor = request.organization, request.user
    if action == "note":
        recovery.case_add_note(
            organization=organization, case=case, actor=actor, note=form.cleaned_data["note"]
        )
        return _("Noted.")
    if action == "reassign":
        recovery.case_reassign(
            organization=organization, case=case, owner=form.cleaned_data["owner"], actor=actor
        )
        return _("Owner changed.")
    if action == "ask":
        decision = recovery.case_ask(organization=organization, case=case, actor=actor)
        if not decision:
            raise ValidationError(
                _("Not asked: %(reason)s. You can close the case with a note.")
                % {"reason": decision.reason_label}
            )
        return _("Asked. Their answer will show here.")
    recovery.case_close(
        organization=organization, case=case, actor=actor, note=form.cleaned_data["note"]
    )
    return _("Case closed.")


@staff_view(roles=recovery.CASE_ROLES)
@require_http_methods(["GET", "POST"])
def recovery_detail(request, org_slug, case_id):
    organization = request.organization
    case = _case_or_404(request, case_id)
    action = request.POST.get("action") if request.method == "POST" else None
    if action not in ("note", "reassign", "ask", "close"):
        action = None
    forms_ = _forms(organization, case, request.POST, action)
    status = 200
    if action:
        form = forms_[action]
        if form.is_valid():
            try:
                done = _perform(request, action, form, case)
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, done)
                return redirect("experience:recovery_detail", org_slug=org_slug, case_id=case.pk)
        status = 400
        case = _case_or_404(request, case_id)
    _clock_rows(organization, [case])
    return render(
        request,
        "experience/recovery/detail.html",
        {
            "case": case,
            "actions": recovery.case_actions(organization=organization, case=case),
            "forms": forms_,
            "open_action": action,
            "workable": case.status in recovery.ATTENTION_STATUSES,
            "ask": recovery.ask_decision(organization=organization, case=case),
        },
        status=status,
    )


# --- The person's answer (public) -----------------------------------------------------------------


@organization_public
@require_http_methods(["GET", "POST"])
def recovery_answer(request, org_slug, recovery_token):
    """GET shows the question (mail scanners open links); the click on "Send" answers it."""
    organization = request.organization
    case = recovery.case_for_token(organization=organization, token=recovery_token)
    if case is None or case.status not in (Status.ASKED, Status.RESTORED, Status.NOT_RESTORED):
        return render(request, "experience/recovery/answer_invalid.html", status=400)
    if case.status != Status.ASKED:
        return render(request, "experience/recovery/answer_thanks.html", {"already": True})
    form = AnswerForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                recovery.case_answer(
                    organization=organization, token=recovery_token, **form.cleaned_data
                )
            except ValidationError:
                return render(request, "experience/recovery/answer_invalid.html", status=400)
            return render(
                request,
                "experience/recovery/answer_thanks.html",
                {"restored": form.cleaned_data["restored"]},
            )
        status = 400
    response = render(request, "experience/recovery/answer.html", {"form": form}, status=status)
    # Not "no-referrer": the browser would then send "Origin: null" with the POST, which the
    # CSRF check refuses; "same-origin" still keeps the token from any other site.
    response["Referrer-Policy"] = "same-origin"
    return response


# --- Dashboard card and contact panel -------------------------------------------------------------


def dashboard_card(request):
    """Your open recovery cases: how many, and the most urgent few."""
    organization = request.organization
    count, urgent = recovery.my_open_cases(
        organization=organization, role=_role(request), user=request.user
    )
    return {"recovery": {"count": count, "urgent": _clock_rows(organization, urgent)}}


def contact_panel(request, contact):
    """The person's recovery cases in the areas the reader sees (none: no panel)."""
    organization = request.organization
    cases = list(
        recovery.cases_for_contact(organization=organization, role=_role(request), contact=contact)[
            :5
        ]
    )
    if not cases:
        return None
    return {"contact": contact, "cases": _clock_rows(organization, cases)}


urlpatterns = [
    path("recovery/", recovery_list, name="recovery_list"),
    path("recovery/<int:case_id>/", recovery_detail, name="recovery_detail"),
    path("put-right/<str:recovery_token>/", recovery_answer, name="recovery_answer"),
]
