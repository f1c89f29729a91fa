"""Journey pages: the Experience section's hub (a funnel per journey the member may see, read
from the precomputed summaries), a journey with who is stuck, and its stage settings. Also the
contact panel with the person's stage on each journey (registered in
``stakeholders.contributions``)."""

from datetime import datetime

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from stakeholders.experience import journeys
from stakeholders.models import JourneySummary, Role
from stakeholders.tenancy.views import staff_view

# Members who see at least one journey (the viewer sees none).
JOURNEY_ROLES = (Role.ADMIN, Role.FUNDRAISER, Role.VOLUNTEER_COORDINATOR, Role.CASEWORKER)
PAGE_SIZE = 50


def _minutes_ago(moment, now):
    return max(0, int((now - moment).total_seconds() // 60)) if moment else None


def _funnel_context(funnel, now):
    """What a funnel card shows: its bars (the steps of the journey, exits apart) and table."""
    steps = [stage for stage in funnel["stages"] if not stage["exit"]]
    summary = funnel["summary"]
    return {
        **funnel,
        "key": funnel["journey"].key,
        "label": funnel["journey"].label,
        "chart": [(stage["label"], stage["people"]) for stage in steps],
        "now_chart": [(stage["label"], stage["now"]) for stage in funnel["stages"]],
        "exits": [stage for stage in funnel["stages"] if stage["exit"]],
        "minutes_ago": _minutes_ago(summary.computed_at if summary else None, now),
    }


@staff_view(roles=JOURNEY_ROLES)
def index(request, org_slug):
    """The hub: one funnel per journey the member's role sees; two queries whatever the size."""
    now = timezone.now()
    funnels = journeys.funnels(organization=request.organization, role=request.membership.role)
    return render(
        request,
        "experience/journeys/index.html",
        {"funnels": [_funnel_context(funnel, now) for funnel in funnels]},
    )


def _journey_or_404(request, key):
    """A journey the member's role sees and that has been computed for the organization; any
    other (another area's, an unknown key) is not found, as on the client pages."""
    journey = journeys.journey_get(role=request.membership.role, key=key)
    if journey is None:
        raise Http404
    summary = JourneySummary.objects.filter(
        organization=request.organization, journey=journey.key
    ).first()
    if summary is None:
        raise Http404
    return journey, summary


def _after(value):
    """The keyset cursor "<iso time>_<id>" of the last row shown, or None."""
    try:
        at, pk = value.rsplit("_", 1)
        moment = datetime.fromisoformat(at)
        if timezone.is_naive(moment):
            return None
        return moment, int(pk)
    except (AttributeError, ValueError):
        return None


@staff_view(roles=JOURNEY_ROLES)
def journey_detail(request, org_slug, journey):
    """A journey: its stages with the people there now, and who is stuck at a stage (longest
    waiting first, paged by key)."""
    journey, summary = _journey_or_404(request, journey)
    now = timezone.now()
    views = journeys.stage_settings(organization=request.organization, journey_keys=[journey.key])[
        journey.key
    ]
    funnel = _funnel_context(journeys.funnel_of(journey, summary, views), now)
    with_threshold = [stage for stage in funnel["stages"] if stage["stuck_after_days"]]
    stage = request.GET.get("stage")
    if stage not in {s["stage"] for s in with_threshold}:
        stage = next((s["stage"] for s in with_threshold if s["stuck"]), None) or (
            with_threshold[0]["stage"] if with_threshold else None
        )
    after = _after(request.GET.get("after", ""))
    people = []
    if stage:
        people = journeys.stuck_people(
            organization=request.organization,
            journey=journey,
            views=views,
            now=now,
            stage=stage,
            after=after,
            limit=PAGE_SIZE + 1,
        )
    more = len(people) > PAGE_SIZE
    people = people[:PAGE_SIZE]
    for person in people:
        person.days_there = (now - person.entered_at).days
    next_after = f"{people[-1].entered_at.isoformat()}_{people[-1].pk}" if more else ""
    return render(
        request,
        "experience/journeys/detail.html",
        {
            "funnel": funnel,
            "stage": stage,
            "stage_label": next((s["label"] for s in funnel["stages"] if s["stage"] == stage), ""),
            "stuck_stages": with_threshold,
            "people": people,
            "next_after": next_after,
            "paged": after is not None,
            "can_configure": request.membership.role == Role.ADMIN,
        },
    )


class StageSettingsForm(forms.Form):
    """A name and a "stuck after" threshold per stage; empty means the default."""

    def __init__(self, *args, views, **kwargs):
        super().__init__(*args, **kwargs)
        self.stage_rows = []
        for view in views:
            label = forms.CharField(
                label=gettext_lazy("Name"),
                max_length=60,
                required=False,
                initial=view.label if view.label != view.default_label else "",
                widget=forms.TextInput(attrs={"placeholder": view.default_label}),
            )
            days = forms.IntegerField(
                label=gettext_lazy("Stuck after (days)"),
                min_value=0,
                max_value=3650,
                required=False,
                initial=view.stuck_after_days
                if view.stuck_after_days != view.default_stuck_after_days
                else None,
                help_text=(
                    _("Default: %(days)s days. 0: never stuck.")
                    % {"days": view.default_stuck_after_days}
                    if view.default_stuck_after_days
                    else _("Default: never stuck.")
                ),
            )
            self.fields[f"label_{view.key}"] = label
            self.fields[f"days_{view.key}"] = days
            self.stage_rows.append(view)

    def rows(self):
        return [
            (view, self[f"label_{view.key}"], self[f"days_{view.key}"]) for view in self.stage_rows
        ]

    def values(self, journey):
        result = {}
        for stage in journey.stages:
            days = self.cleaned_data.get(f"days_{stage.key}")
            result[stage.key] = (
                self.cleaned_data.get(f"label_{stage.key}") or "",
                stage.stuck_after_days if days is None else days,
            )
        return result


@staff_view(roles=[Role.ADMIN])
@require_http_methods(["GET", "POST"])
def journey_settings(request, org_slug, journey):
    """Admins rename a journey's stages and set when someone there counts as stuck."""
    journey, _summary = _journey_or_404(request, journey)
    views = journeys.stage_settings(organization=request.organization, journey_keys=[journey.key])[
        journey.key
    ]
    form = StageSettingsForm(request.POST or None, views=views)
    if request.method == "POST" and form.is_valid():
        journeys.stage_settings_save(
            organization=request.organization, journey=journey, values=form.values(journey)
        )
        messages.success(request, _("Stages saved. The funnel is up to date."))
        return redirect(
            "experience:journey_detail", org_slug=request.organization.slug, journey=journey.key
        )
    return render(request, "experience/journeys/settings.html", {"journey": journey, "form": form})


def contact_panel(request, contact):
    """The person's stage on each journey the reader's role sees (None: no panel)."""
    rows = journeys.contact_positions(
        organization=request.organization, contact=contact, role=request.membership.role
    )
    return {"positions": rows} if rows else None


urlpatterns = [
    path("", index, name="index"),
    path("journeys/<str:journey>/", journey_detail, name="journey_detail"),
    path("journeys/<str:journey>/settings/", journey_settings, name="journey_settings"),
]
