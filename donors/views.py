"""Staff pages of the donors app: overview, batch entry, gifts, lapsed donors, funds, stories."""

from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from donors import selectors, services
from donors.forms import (
    CampaignForm,
    DoNotThankForm,
    FundForm,
    GiftBatchFormSet,
    GiftCorrectionForm,
    GiftRefundForm,
    StoryForm,
)
from donors.models import Campaign, Fund, Gift, ImpactStory
from stakeholders import selectors as stakeholder_selectors
from stakeholders.models import Role
from stakeholders.tenancy.views import staff_view

FUNDRAISING = [Role.ADMIN, Role.FUNDRAISER]
READERS = [Role.ADMIN, Role.FUNDRAISER, Role.VIEWER]


def _add_errors(form, error):
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@staff_view(roles=READERS)
def index(request, org_slug):
    organization = request.organization
    today = timezone.localdate()
    month_start = today.replace(day=1)
    last_year_month = date(today.year - 1, today.month, 1)
    last_year_same_day = date(today.year - 1, today.month, min(today.day, 28))
    gifts = selectors.counted_gifts(organization=organization)
    month = gifts.aggregate(
        count=Count("pk", filter=Q(received_on__gte=month_start)),
        total=Sum("amount", filter=Q(received_on__gte=month_start)),
        last_year_count=Count(
            "pk", filter=Q(received_on__gte=last_year_month, received_on__lte=last_year_same_day)
        ),
        last_year_total=Sum(
            "amount",
            filter=Q(received_on__gte=last_year_month, received_on__lte=last_year_same_day),
        ),
    )
    retention = selectors.retention_by_month(organization=organization, months=12, today=today)
    recent = Gift.objects.filter(organization=organization).select_related("contact")[:25]
    context = {
        "month": month,
        "retention": retention[-1][1] if retention else None,
        "retention_chart": [
            (point.strftime("%b"), round(value["rate"] * 100) if value["rate"] is not None else 0)
            for point, value in retention
        ],
        "lybunt_count": selectors.lapsed_donors(organization=organization).count(),
        "recent": recent,
    }
    return render(request, "donors/index.html", context)


@staff_view(roles=FUNDRAISING)
def gift_batch(request, org_slug):
    """Fast entry of many gifts: keyboard-first rows, a running total, a duplicate warning."""
    organization = request.organization
    initial = None
    contact_id = request.GET.get("contact", "")
    if contact_id.isdigit():
        contact = stakeholder_selectors.contact_get(
            organization=organization, contact_id=int(contact_id)
        )
        if contact is not None:
            initial = [{"contact": contact.pk, "contact_label": contact.name}]
    formset = GiftBatchFormSet(
        request.POST or None, organization=organization, prefix="gifts", initial=initial
    )
    duplicates = []
    if request.method == "POST" and formset.is_valid():
        rows = formset.rows()
        duplicates = [
            row
            for row in rows
            if Gift.objects.filter(
                organization=organization,
                contact=row["contact_obj"],
                amount=row["amount"],
                received_on=row["received_on"],
                status=Gift.Status.RECEIVED,
            ).exists()
        ]
        if not rows:
            formset.non_form_errors().append(_("Enter at least one gift."))
        elif duplicates and not request.POST.get("confirm_duplicates"):
            pass  # shown as a warning with a checkbox to save anyway
        else:
            try:
                with transaction.atomic():
                    for row in rows:
                        services.gift_record(
                            organization=organization,
                            contact=row["contact_obj"],
                            amount=row["amount"],
                            received_on=row["received_on"],
                            payment_method=row["payment_method"],
                            fund=row["fund"],
                            campaign=row["campaign"],
                            reference=row["reference"],
                            created_by=request.user,
                        )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                total = sum(row["amount"] for row in rows)
                messages.success(
                    request,
                    _("%(count)d gifts saved (total %(total)s).")
                    % {"count": len(rows), "total": total},
                )
                return redirect("donors:gift_batch", org_slug=org_slug)
    return render(request, "donors/gift_batch.html", {"formset": formset, "duplicates": duplicates})


@staff_view(roles=READERS)
def gift_detail(request, org_slug, gift_id):
    organization = request.organization
    gift = get_object_or_404(
        Gift.objects.filter(organization=organization).select_related(
            "contact", "campaign", "appeal", "replaces"
        ),
        pk=gift_id,
    )
    can_edit = request.membership.role in FUNDRAISING
    correction = GiftCorrectionForm(
        organization=organization,
        initial={"amount": gift.amount, "received_on": gift.received_on},
    )
    refund = GiftRefundForm()
    thank = DoNotThankForm(instance=gift)
    if request.method == "POST":
        if not can_edit:
            return render(request, "403.html", status=403)
        action = request.POST.get("action")
        try:
            if action == "refund":
                refund = GiftRefundForm(request.POST)
                if refund.is_valid():
                    services.gift_refund(
                        organization=organization, gift=gift, reason=refund.cleaned_data["reason"]
                    )
                    messages.success(request, _("The gift is marked refunded."))
                    return redirect(request.path)
            elif action == "correct":
                correction = GiftCorrectionForm(request.POST, organization=organization)
                if correction.is_valid():
                    changes = {k: v for k, v in correction.cleaned_data.items() if v is not None}
                    new = services.gift_correct(
                        organization=organization, gift=gift, created_by=request.user, **changes
                    )
                    messages.success(request, _("Corrected. The original stays in the history."))
                    return redirect("donors:gift_detail", org_slug=org_slug, gift_id=new.pk)
            elif action == "thank":
                thank = DoNotThankForm(request.POST, instance=gift)
                if thank.is_valid():
                    services.gift_set_acknowledgement(
                        organization=organization,
                        gift=gift,
                        do_not_acknowledge=thank.cleaned_data["do_not_acknowledge"],
                        reason=thank.cleaned_data["do_not_acknowledge_reason"],
                    )
                    messages.success(request, _("Saved."))
                    return redirect(request.path)
        except ValidationError as error:
            form = {"refund": refund, "correct": correction, "thank": thank}.get(action)
            if form is not None:
                _add_errors(form, error)
            gift.refresh_from_db()
    context = {
        "gift": gift,
        "allocations": gift.allocations.select_related("fund"),
        "soft_credits": gift.soft_credits.select_related("contact"),
        "correction_form": correction,
        "refund_form": refund,
        "thank_form": thank,
        "can_edit": can_edit and gift.status == Gift.Status.RECEIVED,
    }
    return render(request, "donors/gift_detail.html", context)


@staff_view(roles=READERS)
def lapsed(request, org_slug):
    kind = "sybunt" if request.GET.get("kind") == "sybunt" else "lybunt"
    donors = selectors.lapsed_donors(organization=request.organization, kind=kind)
    page = Paginator(donors, 50).get_page(request.GET.get("page"))
    return render(request, "donors/lapsed.html", {"kind": kind, "donors": page})


@staff_view(roles=READERS)
def fund_list(request, org_slug):
    organization = request.organization
    funds = selectors.funds_with_totals(organization=organization)
    context = {
        "funds": funds,
        "campaigns": Campaign.objects.filter(organization=organization),
        "stories": ImpactStory.objects.filter(organization=organization).select_related("fund")[
            :20
        ],
        "can_edit": request.membership.role in FUNDRAISING,
    }
    return render(request, "donors/funds.html", context)


def _edit(request, *, form, save, template, success, **extra):
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, success)
            return redirect("donors:fund_list", org_slug=request.organization.slug)
    return render(request, template, {"form": form, **extra})


@staff_view(roles=FUNDRAISING)
def fund_edit(request, org_slug, fund_id=None):
    organization = request.organization
    fund = get_object_or_404(Fund, organization=organization, pk=fund_id) if fund_id else None
    form = FundForm(request.POST or None, instance=fund)
    return _edit(
        request,
        form=form,
        save=lambda data: services.fund_save(organization=organization, fund=fund, **data),
        template="donors/edit.html",
        success=_("Fund saved."),
        title=_("Fund"),
    )


@staff_view(roles=FUNDRAISING)
def campaign_edit(request, org_slug, campaign_id=None):
    organization = request.organization
    campaign = (
        get_object_or_404(Campaign, organization=organization, pk=campaign_id)
        if campaign_id
        else None
    )
    form = CampaignForm(request.POST or None, instance=campaign)
    return _edit(
        request,
        form=form,
        save=lambda data: services.campaign_save(
            organization=organization, campaign=campaign, **data
        ),
        template="donors/edit.html",
        success=_("Campaign saved."),
        title=_("Campaign"),
    )


@staff_view(roles=FUNDRAISING)
def story_edit(request, org_slug, story_id=None):
    organization = request.organization
    story = (
        get_object_or_404(ImpactStory, organization=organization, pk=story_id) if story_id else None
    )
    form = StoryForm(
        request.POST or None, request.FILES or None, instance=story, organization=organization
    )
    return _edit(
        request,
        form=form,
        save=lambda data: services.story_save(organization=organization, story=story, **data),
        template="donors/edit.html",
        success=_("Story saved."),
        title=_("Impact story"),
        multipart=True,
    )
