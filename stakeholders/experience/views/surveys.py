"""Surveys at touchpoints: the rules and their response rates (staff), and the page a survey
email's links open (public)."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited

from stakeholders import formats
from stakeholders.experience import surveys
from stakeholders.languages import language_for, supported
from stakeholders.models import (
    SCORE_RANGES,
    Channel,
    ExperienceSettings,
    Feedback,
    Role,
    SurveyRule,
)
from stakeholders.tenancy.middleware import organization_public
from stakeholders.tenancy.views import staff_view

ADMINS = [Role.ADMIN]
ANSWERS_PER_HOUR = "10/h"  # per invitation: enough to change one's mind, not to flood
# The token in the address never leaves the site in a Referer; "no-referrer" would also make
# browsers send "Origin: null" with the form, which the CSRF check refuses.
REFERRER_POLICY = "same-origin"


def _verbose(model, name):
    return capfirst(model._meta.get_field(name).verbose_name)


# --- Forms ----------------------------------------------------------------------------------------


class SurveyRuleForm(forms.Form):
    name = forms.CharField(label=_verbose(SurveyRule, "name"), max_length=100)
    touchpoint = forms.ChoiceField(
        label=_verbose(SurveyRule, "touchpoint"),
        help_text=gettext_lazy("The moment after which people are asked how it was."),
    )
    interaction_channel = forms.ChoiceField(
        label=_verbose(SurveyRule, "interaction_channel"),
        required=False,
        help_text=SurveyRule._meta.get_field("interaction_channel").help_text,
    )
    ask_csat = forms.BooleanField(label=_verbose(SurveyRule, "ask_csat"), required=False)
    ask_ces = forms.BooleanField(label=_verbose(SurveyRule, "ask_ces"), required=False)
    ask_nps = forms.BooleanField(label=_verbose(SurveyRule, "ask_nps"), required=False)
    ask_comment = forms.BooleanField(
        label=_verbose(SurveyRule, "ask_comment"),
        required=False,
        help_text=gettext_lazy("“Is there anything you'd like to tell us?”"),
    )
    delay_hours = forms.IntegerField(
        label=_verbose(SurveyRule, "delay_hours"), min_value=0, max_value=24 * 90
    )
    is_active = forms.BooleanField(label=_verbose(SurveyRule, "is_active"), required=False)

    def __init__(self, *args, role, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["touchpoint"].choices = surveys.touchpoint_choices(role)
        self.fields["interaction_channel"].choices = [
            ("", gettext_lazy("Any channel")),
            *Channel.choices,
        ]

    def clean(self):
        data = super().clean()
        if not any(data.get(name) for name in ("ask_csat", "ask_ces", "ask_nps")):
            self.add_error("ask_csat", _("Ask at least one question with a score."))
        return data


class SurveySettingsForm(forms.Form):
    survey_cap_days = forms.IntegerField(
        label=_verbose(ExperienceSettings, "survey_cap_days"),
        help_text=ExperienceSettings._meta.get_field("survey_cap_days").help_text,
        min_value=0,
        max_value=365,
    )


class SurveyAnswerForm(forms.Form):
    """One radio group per score the rule asks (the first required: it is the one the email
    asked), and the open question if the rule has it."""

    def __init__(self, *args, rule, what, **kwargs):
        super().__init__(*args, **kwargs)
        for position, measure in enumerate(rule.measures):
            low, high = SCORE_RANGES[measure]
            lowest, highest = surveys.scale_ends(measure)
            field = forms.TypedChoiceField(
                label=surveys.question(measure, what),
                choices=[(score, formats.format_number(score)) for score in range(low, high + 1)],
                coerce=int,
                required=position == 0,
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose a score.")},
            )
            field.low_label = _("%(score)s = %(meaning)s") % {
                "score": formats.format_number(low),
                "meaning": lowest,
            }
            field.high_label = _("%(score)s = %(meaning)s") % {
                "score": formats.format_number(high),
                "meaning": highest,
            }
            self.fields[measure] = field
        if rule.ask_comment:
            self.fields["comment"] = forms.CharField(
                label=_("Is there anything you'd like to tell us?"),
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 4}),
            )

    def score_fields(self):
        return [self[name] for name in self.fields if name != "comment"]


# --- Staff pages ----------------------------------------------------------------------------------


def _visible_rule(request, rule_id):
    rules = surveys.rules_visible(organization=request.organization, role=request.membership.role)
    return get_object_or_404(rules, pk=rule_id)


@staff_view()
def survey_list(request, org_slug):
    """Each survey rule the member's role may see, with its response rate and scores, and the
    latest answers."""
    organization, role = request.organization, request.membership.role
    rules = list(surveys.rules_visible(organization=organization, role=role))
    stats = surveys.rule_stats(organization=organization, rules=rules)
    labels = dict(surveys.touchpoint_choices(Role.ADMIN))
    for rule in rules:
        rule.stats = stats[rule.pk]
        rule.touchpoint_label = labels.get(rule.touchpoint, rule.touchpoint)
        rule.channel_label = (
            Channel(rule.interaction_channel).label if rule.interaction_channel else ""
        )
    chart = [(rule.name, rule.stats["rate"]) for rule in rules if rule.stats["rate"] is not None]
    answers = surveys.recent_answers(organization=organization, rules=rules)
    return render(
        request,
        "experience/surveys/list.html",
        {
            "rules": rules,
            "chart": chart,
            "answers": answers,
            "is_admin": role == Role.ADMIN,
            "settings": surveys.settings_for(organization=organization),
        },
    )


def _rule_form_page(request, rule=None):
    role = request.membership.role
    initial = {"delay_hours": 24, "ask_csat": True, "ask_comment": True, "is_active": True}
    if rule is not None:
        initial = {name: getattr(rule, name) for name in surveys.RULE_FIELDS}
    form = SurveyRuleForm(request.POST or None, initial=initial, role=role)
    if request.method == "POST" and form.is_valid():
        try:
            saved = surveys.rule_save(
                organization=request.organization, role=role, rule=rule, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The survey “%(name)s” is saved.") % {"name": saved.name})
            return redirect("experience:survey_list", org_slug=request.organization.slug)
    return render(
        request,
        "experience/surveys/form.html",
        {
            "form": form,
            "rule": rule,
            "interaction_touchpoint": surveys.INTERACTION_TOUCHPOINT,
        },
    )


@staff_view(roles=ADMINS)
def survey_create(request, org_slug):
    return _rule_form_page(request)


@staff_view(roles=ADMINS)
def survey_edit(request, org_slug, rule_id):
    return _rule_form_page(request, _visible_rule(request, rule_id))


@staff_view(roles=ADMINS)
@require_POST
def survey_switch(request, org_slug, rule_id):
    """Switch a survey on or off from the list."""
    rule = _visible_rule(request, rule_id)
    try:
        surveys.rule_save(
            organization=request.organization,
            role=request.membership.role,
            rule=rule,
            is_active=not rule.is_active,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if rule.is_active:
            messages.success(request, _("The survey “%(name)s” is on.") % {"name": rule.name})
        else:
            messages.success(request, _("The survey “%(name)s” is off.") % {"name": rule.name})
    return redirect("experience:survey_list", org_slug=org_slug)


@staff_view(roles=ADMINS)
def survey_settings(request, org_slug):
    current = surveys.settings_for(organization=request.organization)
    form = SurveySettingsForm(
        request.POST or None, initial={"survey_cap_days": current.survey_cap_days}
    )
    if request.method == "POST" and form.is_valid():
        surveys.settings_update(organization=request.organization, **form.cleaned_data)
        messages.success(request, _("Survey settings saved."))
        return redirect("experience:survey_list", org_slug=org_slug)
    return render(request, "experience/surveys/settings.html", {"form": form})


# --- The public answer page -----------------------------------------------------------------------


def _read_as_the_person(request, contact):
    """The person's own language, unless this browser chose one with the switcher."""
    if supported(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")):
        return
    language = language_for(contact, request.organization)
    translation.activate(language)
    request.LANGUAGE_CODE = language


def _earlier_answers(organization, invitation):
    rows = Feedback.objects.filter(organization=organization, invitation=invitation)
    initial = {}
    for row in rows.order_by("created_at", "pk"):
        initial[row.measure] = row.score
        if row.comment:
            initial["comment"] = row.comment
    return initial


def _invalid(request):
    response = render(request, "experience/surveys/invalid.html", status=400)
    response["Referrer-Policy"] = REFERRER_POLICY
    return response


@organization_public
@never_cache
@require_http_methods(["GET", "POST"])
def survey_answer(request, org_slug, survey_token):
    """Each score in the email is a link here. GET writes nothing (mail scanners open links):
    it shows the questions with the clicked score chosen; "Send" records them all, and a second
    answer replaces the first."""
    organization = request.organization
    invitation, clicked = surveys.invitation_from_token(
        organization=organization, token=survey_token
    )
    if invitation is None:
        return _invalid(request)
    _read_as_the_person(request, invitation.contact)
    rule = invitation.rule
    what = surveys.what_it_is_about(organization=organization, invitation=invitation)
    initial = _earlier_answers(organization, invitation)
    first = rule.measures[0]
    low, high = SCORE_RANGES[first]
    if clicked is not None and low <= clicked <= high:
        initial[first] = clicked
    form = SurveyAnswerForm(request.POST or None, initial=initial, rule=rule, what=what)
    status = 200
    if request.method == "POST":
        limited = is_ratelimited(
            request,
            group="experience-survey-answer",
            key=lambda group, request: str(invitation.pk),
            rate=ANSWERS_PER_HOUR,
            increment=True,
        )
        if limited:
            form.is_valid()
            form.add_error(None, _("You have sent many answers already. Please try later."))
            status = 429
        elif form.is_valid():
            data = dict(form.cleaned_data)
            comment = data.pop("comment", "")
            try:
                surveys.survey_answer(
                    organization=organization, invitation=invitation, scores=data, comment=comment
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                response = render(
                    request, "experience/surveys/thanks.html", {"invitation": invitation}
                )
                response["Referrer-Policy"] = REFERRER_POLICY
                return response
    response = render(
        request,
        "experience/surveys/answer.html",
        {"form": form, "invitation": invitation, "what": what},
        status=status,
    )
    response["Referrer-Policy"] = REFERRER_POLICY
    return response


urlpatterns = [
    path("surveys/", survey_list, name="survey_list"),
    path("surveys/new/", survey_create, name="survey_create"),
    path("surveys/settings/", survey_settings, name="survey_settings"),
    path("surveys/<int:rule_id>/", survey_edit, name="survey_edit"),
    path("surveys/<int:rule_id>/switch/", survey_switch, name="survey_switch"),
    path("survey/<str:survey_token>/", survey_answer, name="survey_answer"),
]
