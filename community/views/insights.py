"""Staff's page of community insights: the week's rising topics (across the community, the help
centre, client requests and feedback) and the community's activity. Every staff role reads it;
the examples of a source are shown only to the roles that may read that source."""

from datetime import date

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited

from community.selectors import activity
from community.selectors import trends as trend_selectors
from community.services import trends
from stakeholders import formats
from stakeholders.replica import reads_from_replica
from stakeholders.tenancy.views import staff_view

REFRESH_RATE = "6/h"  # per organization: each run reads five weeks of every source


def _week(value):
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Http404 from None


@staff_view()
@reads_from_replica()
def insights(request, org_slug):
    organization = request.organization
    week = _week(request.GET.get("week"))
    report = trend_selectors.report_get(organization=organization, week_start=week)
    if week is not None and report is None:
        raise Http404
    now = timezone.now()  # one "now" for both monthly series, so their months match
    by_month = activity.answering_by_month(organization=organization, now=now)
    active = activity.active_members_by_month(organization=organization, now=now)
    return render(
        request,
        "community/manage/insights.html",
        {
            "report": report,
            "weeks": trend_selectors.reports(organization=organization),
            "topics": trend_selectors.topics_shown(
                organization=organization, report=report, role=request.membership.role
            ),
            "min_count": trends.MIN_COUNT,
            "previous_weeks": trends.PREVIOUS_WEEKS,
            "top_members": activity.top_members(organization=organization),
            "month_rows": [
                {**row, "active": members}
                for row, (_month, members) in zip(by_month, active, strict=True)
            ],
            "overall": activity.answering_overall(by_month),
            "median_wait": activity.median_first_answer(organization=organization, now=now),
            "active_chart": [(formats.format_month(month), n) for month, n in active],
            "wait_chart": [
                (formats.format_month(row["month"]), round((row["wait"] or 0) / 3600, 1))
                for row in by_month
            ],
        },
    )


@require_POST
@staff_view()
def insights_refresh(request, org_slug):
    """Compute this week's report now (the weekly run makes last week's by itself)."""
    organization = request.organization
    if is_ratelimited(
        request,
        group=f"community-trends-{organization.pk}",
        key=lambda group, req: "organization",
        rate=REFRESH_RATE,
        increment=True,
    ):
        messages.error(request, _("The report was updated several times this hour: try later."))
        return redirect("community:manage_insights", org_slug=organization.slug)
    report = trends.report_current_week(organization=organization)
    messages.success(request, _("This week's report is up to date."))
    url = reverse("community:manage_insights", kwargs={"org_slug": organization.slug})
    return redirect(f"{url}?week={report.week_start.isoformat()}")


urlpatterns = [
    path("manage/insights/", insights, name="manage_insights"),
    path("manage/insights/refresh/", insights_refresh, name="manage_insights_refresh"),
]
