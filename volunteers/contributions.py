"""What the volunteers app adds to the core's registries: shifts on the timeline, a volunteer
summary on the contact page, a dashboard card, milestones as things to thank, and volunteering
moved on merge, anonymised on erasure and included in exports."""

import math

from django.db.models import Count, Window
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stakeholders.integrations import events as webhook_events
from stakeholders.models import Role
from stakeholders.registries import (
    TimelineEvent,
    contact_hooks,
    contact_panels,
    dashboard_cards,
    demo_data,
    older_than,
    related_objects,
    timeline,
    timeline_rows,
)
from thankyous.registry import Thankable, thankables
from volunteers import demo, experience, selectors, services, thanks
from volunteers.models import Assignment, Opportunity, Shift

VOLUNTEER_ROLES = (Role.ADMIN, Role.VOLUNTEER_COORDINATOR, Role.VIEWER)


def shift_rows(*, organization, contact, before, channel):
    rows = (
        Assignment.objects.filter(organization=organization, profile__contact=contact)
        .filter(older_than(before, "volunteer_shift", at="shift__starts_at"))
        .order_by("-shift__starts_at", "-id")
    )
    return timeline_rows(
        rows,
        at="shift__starts_at",
        data={
            "what": "shift__opportunity__title",
            "status": "status",
            "shift": "shift_id",
        },
    )


def shift_event(organization, occurred_at, key, data):
    status = dict(Assignment._meta.get_field("status").flatchoices).get(
        data["status"], data["status"]
    )
    return TimelineEvent(
        kind="volunteer_shift",
        occurred_at=occurred_at,
        key=key,
        title=_("Volunteer shift: %(what)s") % {"what": data["what"]},
        badge=str(status),
        url=reverse(
            "volunteers:shift",
            kwargs={"org_slug": organization.slug, "shift_id": data["shift"]},
        ),
    )


def volunteer_panel(request, contact):
    if not contact.is_volunteer:  # set when a profile is made: no query for everyone else
        return None
    organization = request.organization
    profile = selectors.profile_for_contact(organization=organization, contact=contact)
    if profile is None:
        return None
    return {
        "profile": profile,
        "hours": selectors.hours_total(organization=organization, profile=profile),
        "upcoming": list(
            selectors.assignments_for(
                organization=organization, profile=profile, upcoming=True
            ).filter(status__in=Assignment.ACTIVE)[:3]
        ),
        "milestones": selectors.milestones_for(organization=organization, profile=profile)[:3],
    }


def _first_and_count(queryset, n=5):
    """The first ``n`` rows and how many there are, in one query (a window count)."""
    rows = list(queryset.annotate(total=Window(Count("pk")))[:n])
    return rows, (rows[0].total if rows else 0)


def volunteer_dashboard_card(request):
    """Four queries, whatever the number of volunteers."""
    organization = request.organization
    awaiting, awaiting_count = _first_and_count(
        selectors.awaiting_review(organization=organization)
    )
    not_seen, not_seen_count = _first_and_count(selectors.not_seen(organization=organization))
    short = selectors.shifts_short(organization=organization, days=7)
    weeks = selectors.hours_this_month_by_week(organization=organization)
    return {
        "awaiting": awaiting,
        "awaiting_count": awaiting_count,
        "short": short[:5],
        "short_count": len(short),
        "weeks": weeks,
        "hours_total": (total := sum(hours for _label, hours in weeks)),
        "hours_plural": math.ceil(total),  # 1.5 hours are "hours": plural rules take integers
        "not_seen": not_seen,
        "not_seen_count": not_seen_count,
    }


def register():
    from stakeholders.inbox.threads import thread_kinds

    experience.register()
    webhook_types = webhook_events.event_types
    webhook_types.register(
        "volunteer.confirmed",
        gettext_lazy("A volunteer confirmed their signup"),
        roles=VOLUNTEER_ROLES,
    )
    webhook_types.register(
        "shift.signup", gettext_lazy("A volunteer signed up for a shift"), roles=VOLUNTEER_ROLES
    )
    # Replies to volunteer notices and shift emails land in the inbox, with the coordinators.
    thread_kinds.register(services.THREAD_KIND, area="volunteer")
    thankables.register(
        Thankable(
            kind="volunteer_milestone",
            label=gettext_lazy("Volunteer milestones"),
            candidates=thanks.candidates,
            describe=thanks.describe,
            sample=thanks.sample,
            rules=thanks.RULES,
            default_template=thanks.DEFAULT_TEMPLATE,
        )
    )
    timeline.register(
        "volunteer_shift", gettext_lazy("Volunteer shifts"), rows=shift_rows, event=shift_event
    )
    contact_panels.register(
        "volunteer_summary",
        template="volunteers/_contact_panel.html",
        context=volunteer_panel,
        roles=VOLUNTEER_ROLES,
    )
    dashboard_cards.register(
        "volunteers",
        template="volunteers/_dashboard_card.html",
        context=volunteer_dashboard_card,
        roles=VOLUNTEER_ROLES,
    )
    contact_hooks.register(
        "volunteers",
        merge=services.merge_profiles,
        erase=services.erase_profiles,
        export=services.export_profiles,
        covers=["volunteers.VolunteerProfile.contact", "volunteers.HoursEntry"],
    )
    demo_data.register("volunteers", demo.seed)
    # A personal thank-you points at the shift; a matching invitation at the opportunity.
    related_objects.register(
        "volunteers.shift",
        rows=lambda organization: Shift.objects.filter(organization=organization),
    )
    related_objects.register(
        "volunteers.opportunity",
        rows=lambda organization: Opportunity.objects.filter(organization=organization),
    )
