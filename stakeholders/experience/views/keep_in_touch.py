"""Keep-in-touch pages: the steps of each journey (admins write them, with a preview of who gets
what next), and each member's own keep-in-touch tasks. The dashboard card's context is
``keep_in_touch.dashboard_card`` (registered in ``stakeholders.contributions``)."""

import copy

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from stakeholders.content_versions import language_name
from stakeholders.experience import keep_in_touch
from stakeholders.experience.models import KeepInTouchStep
from stakeholders.forms import add_errors
from stakeholders.models import Channel, Role, User
from stakeholders.tenancy.views import staff_view

Action = KeepInTouchStep.Action


def _label(name):
    return capfirst(KeepInTouchStep._meta.get_field(name).verbose_name)


# --- Forms ------------------------------------------------------------------------------------


class StepForm(forms.Form):
    """A step; the email's subject and text get one box more per language of the
    organization's readers besides its default."""

    name = forms.CharField(label=_label("name"), max_length=100)
    journey_stage = forms.ChoiceField(
        label=gettext_lazy("Journey stage"),
        help_text=gettext_lazy("The step acts for each person who reaches this stage."),
    )
    after_days = forms.IntegerField(
        label=_label("after_days"),
        min_value=0,
        max_value=3650,
        initial=30,
        help_text=gettext_lazy("How long someone has been at the stage when the step acts."),
    )
    action = forms.ChoiceField(
        label=_label("action"), choices=Action.choices, widget=forms.RadioSelect
    )
    task_owner = forms.ModelChoiceField(
        label=_label("task_owner"),
        queryset=User.objects.none(),
        required=False,
        help_text=KeepInTouchStep._meta.get_field("task_owner").help_text,
    )
    subject = forms.CharField(label=_label("subject"), max_length=200, required=False)
    body = forms.CharField(
        label=_label("body"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=KeepInTouchStep._meta.get_field("body").help_text,
    )
    is_active = forms.BooleanField(label=_label("is_active"), required=False, initial=True)

    TRANSLATED = {"subject": 200, "body": None}

    def __init__(self, *args, organization, languages=(), **kwargs):
        super().__init__(*args, **kwargs)
        labels = keep_in_touch.stage_labels(organization=organization)
        self.fields["journey_stage"].choices = [
            (
                str(journey.label),
                [
                    (f"{journey.key}:{stage.key}", labels[(journey.key, stage.key)])
                    for stage in journey.stages
                ],
            )
            for journey in keep_in_touch.journeys
        ]
        self.fields["task_owner"].queryset = User.objects.filter(
            memberships__organization=organization
        ).order_by("name", "email")
        self.languages = list(languages)
        order = []
        for name in list(self.fields):
            order.append(name)
            if name not in self.TRANSLATED:
                continue
            base = self.fields[name]
            for code in self.languages:
                widget = (
                    forms.Textarea(attrs={"rows": 4, "lang": code, "dir": "auto"})
                    if name == "body"
                    else forms.TextInput(attrs={"lang": code, "dir": "auto"})
                )
                self.fields[f"{name}_{code}"] = forms.CharField(
                    label=_("%(label)s in %(language)s")
                    % {"label": base.label, "language": language_name(code)[0]},
                    required=False,
                    max_length=self.TRANSLATED[name],
                    widget=widget,
                )
                order.append(f"{name}_{code}")
        self.order_fields(order)

    def step_data(self):
        """What ``keep_in_touch.step_save`` takes."""
        data = self.cleaned_data
        journey, _sep, stage = data["journey_stage"].partition(":")
        return {
            "name": data["name"],
            "journey": journey,
            "stage": stage,
            "after_days": data["after_days"],
            "action": data["action"],
            "task_owner": data["task_owner"],
            "subject": data["subject"],
            "body": data["body"],
            "is_active": data["is_active"],
            "text_translations": {
                code: {name: data.get(f"{name}_{code}", "") for name in self.TRANSLATED}
                for code in self.languages
            },
        }


class DoneForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("What happened (optional)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("A note goes on the person's timeline."),
    )
    channel = forms.ChoiceField(
        label=gettext_lazy("How"), choices=Channel.choices, initial=Channel.PHONE
    )


# --- Pages ------------------------------------------------------------------------------------


def _role(request):
    return request.membership.role


@staff_view()
@require_http_methods(["GET"])
def keep_in_touch_index(request, org_slug):
    organization = request.organization
    role = _role(request)
    return render(
        request,
        "experience/keep_in_touch/index.html",
        {
            "groups": keep_in_touch.steps_by_journey(organization=organization, role=role),
            "can_edit": role == Role.ADMIN,
            "task_count": keep_in_touch.tasks_open(
                organization=organization, user=request.user, role=role
            ).count(),
            "cap_days": keep_in_touch.cap_days(organization=organization),
        },
    )


def _step_initial(step):
    initial = {
        "name": step.name,
        "journey_stage": f"{step.journey}:{step.stage}",
        "after_days": step.after_days,
        "action": step.action,
        "task_owner": step.task_owner_id,
        "subject": step.subject,
        "body": step.body,
        "is_active": step.is_active,
    }
    for code, texts in (step.text_translations or {}).items():
        for name in step.translated_fields:
            initial[f"{name}_{code}"] = texts.get(name, "")
    return initial


def _unsaved(step, data, organization):
    """``step`` as the form would save it, for a preview (nothing is written)."""
    draft = copy.copy(step) if step is not None else KeepInTouchStep(organization=organization)
    fields = dict(data)
    translations = fields.pop("text_translations")
    owner = fields.pop("task_owner")
    for name, value in fields.items():
        setattr(draft, name, value)
    draft.task_owner_id = owner.pk if owner else None
    draft.text_translations = {
        code: {name: value for name, value in texts.items() if value}
        for code, texts in translations.items()
    }
    return draft


def _step_page(request, step):
    organization = request.organization
    languages = organization.content_languages[1:]
    initial = _step_initial(step) if step else {"action": Action.EMAIL, "after_days": 30}
    form = StepForm(
        request.POST or None, initial=initial, organization=organization, languages=languages
    )
    shown = step
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            shown = _unsaved(step, form.step_data(), organization)
        else:
            try:
                saved = keep_in_touch.step_save(
                    organization=organization, step=step, **form.step_data()
                )
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for name in ("journey", "stage"):
                        if name in error.error_dict:
                            error.error_dict["journey_stage"] = error.error_dict.pop(name)
                add_errors(form, error)
            else:
                messages.success(request, _("Keep-in-touch step saved."))
                return redirect(
                    "experience:keep_in_touch_step", org_slug=organization.slug, step_id=saved.pk
                )
    preview = None
    if shown is not None and keep_in_touch.journeys.get(shown.journey):
        preview = keep_in_touch.preview(organization=organization, step=shown)
    return render(
        request,
        "experience/keep_in_touch/step.html",
        {
            "form": form,
            "step": step,
            "preview": preview,
            "previewed": shown,
            "cap_days": keep_in_touch.cap_days(organization=organization),
        },
    )


@staff_view(roles=[Role.ADMIN])
@require_http_methods(["GET", "POST"])
def keep_in_touch_step_new(request, org_slug):
    return _step_page(request, None)


def _step_or_404(request, step_id):
    step = keep_in_touch.step_get(
        organization=request.organization, step_id=step_id, role=_role(request)
    )
    if step is None:
        raise Http404
    return step


@staff_view(roles=[Role.ADMIN])
@require_http_methods(["GET", "POST"])
def keep_in_touch_step(request, org_slug, step_id):
    return _step_page(request, _step_or_404(request, step_id))


@staff_view(roles=[Role.ADMIN])
@require_POST
def keep_in_touch_step_switch(request, org_slug, step_id):
    step = _step_or_404(request, step_id)
    active = request.POST.get("active") == "1"
    keep_in_touch.step_set_active(organization=request.organization, step=step, active=active)
    messages.success(
        request,
        _("“%(name)s” is on.") % {"name": step.name}
        if active
        else _("“%(name)s” is off.") % {"name": step.name},
    )
    return redirect("experience:keep_in_touch", org_slug=org_slug)


@staff_view()
@require_http_methods(["GET"])
def keep_in_touch_tasks(request, org_slug):
    organization = request.organization
    tasks = list(
        keep_in_touch.tasks_open(organization=organization, user=request.user, role=_role(request))
    )
    labels = keep_in_touch.stage_labels(organization=organization)
    for task in tasks:
        task.stage_label = labels.get((task.step.journey, task.step.stage), task.step.stage)
        task.form = DoneForm(prefix=f"task-{task.pk}")
    return render(request, "experience/keep_in_touch/tasks.html", {"tasks": tasks})


@staff_view()
@require_POST
def keep_in_touch_task_done(request, org_slug, run_id):
    organization = request.organization
    run = keep_in_touch.task_get(
        organization=organization, run_id=run_id, user=request.user, role=_role(request)
    )
    if run is None:
        raise Http404
    form = DoneForm(request.POST, prefix=f"task-{run.pk}")
    if form.is_valid():
        try:
            keep_in_touch.task_done(
                organization=organization,
                run=run,
                user=request.user,
                note=form.cleaned_data["note"],
                channel=form.cleaned_data["channel"],
            )
        except ValidationError as error:
            for text in error.messages:
                messages.error(request, text)
        else:
            messages.success(request, _("Done: %(name)s.") % {"name": run.contact.name})
    else:
        messages.error(request, _("Please correct the errors below."))
    return redirect("experience:keep_in_touch_tasks", org_slug=org_slug)


urlpatterns = [
    path("keep-in-touch/", keep_in_touch_index, name="keep_in_touch"),
    path("keep-in-touch/new/", keep_in_touch_step_new, name="keep_in_touch_step_new"),
    path("keep-in-touch/<int:step_id>/", keep_in_touch_step, name="keep_in_touch_step"),
    path(
        "keep-in-touch/<int:step_id>/switch/",
        keep_in_touch_step_switch,
        name="keep_in_touch_step_switch",
    ),
    path("keep-in-touch/tasks/", keep_in_touch_tasks, name="keep_in_touch_tasks"),
    path(
        "keep-in-touch/tasks/<int:run_id>/done/",
        keep_in_touch_task_done,
        name="keep_in_touch_task_done",
    ),
]
