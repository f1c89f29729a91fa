"""Staff pages of the donors app: overview, batch entry, gifts, lapsed donors, funds, stories."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited

from donors import selectors, services
from donors import updates as donor_updates
from donors.forms import (
    CampaignForm,
    DonorSettingsForm,
    DonorUpdateForm,
    DonorUpdateTranslationForm,
    DoNotThankForm,
    FundForm,
    GiftBatchFormSet,
    GiftCorrectionForm,
    GiftFilterForm,
    GiftForm,
    GiftRefundForm,
    GrantForm,
    ImpactLinkRequestForm,
    PledgeForm,
    RecurringGiftForm,
    StoryForm,
    StoryTranslationForm,
    WelcomeCallForm,
)
from donors.models import (
    Campaign,
    DonorUpdate,
    Fund,
    Gift,
    Grant,
    ImpactStory,
    Pledge,
    RecurringGift,
)
from stakeholders import audit, csv_export, formats
from stakeholders import selectors as stakeholder_selectors
from stakeholders import services as stakeholder_services
from stakeholders.content_versions import languages_panel, originals, translation_add_view
from stakeholders.forms import add_errors as _add_errors
from stakeholders.models import AuditAction, ConsentChannel, ConsentPurpose, Role
from stakeholders.replica import reads_from_replica
from stakeholders.tenancy.middleware import organization_public
from stakeholders.tenancy.views import staff_view
from thankyous import services as thankyou_services
from thankyous.models import Acknowledgment

FUNDRAISING = [Role.ADMIN, Role.FUNDRAISER]
READERS = [Role.ADMIN, Role.FUNDRAISER, Role.VIEWER]


@staff_view(roles=READERS)
@reads_from_replica()
def index(request, org_slug):
    organization = request.organization
    today = timezone.localdate()
    figures = selectors.report_figures(organization=organization, today=today)
    retention = figures["retention_by_month"]
    recent = Gift.objects.filter(organization=organization).select_related("contact")[:25]
    context = {
        "month": figures["month"],
        "retention": retention[-1][1] if retention else None,
        "retention_chart": [
            (
                formats.format_month(point),
                round(value["rate"] * 100) if value["rate"] is not None else 0,
            )
            for point, value in retention
        ],
        "lybunt_count": figures["lybunt_count"],
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
                    ngettext(
                        "%(count)s gift saved (total %(total)s).",
                        "%(count)s gifts saved (total %(total)s).",
                        len(rows),
                    )
                    % {
                        "count": formats.format_number(len(rows)),
                        "total": formats.format_money(total, request.organization.currency),
                    },
                )
                return redirect("donors:gift_batch", org_slug=org_slug)
    return render(request, "donors/gift_batch.html", {"formset": formset, "duplicates": duplicates})


GIFTS_PER_PAGE = 50


class _CappedPaginator(Paginator):
    """Counts no further than ``selectors.GIFT_COUNT_CAP`` + 1: a large list says "10,000+"."""

    @property
    def count(self):
        if not hasattr(self, "_capped"):
            self._capped = selectors.capped_count(self.object_list)
        return self._capped


class _CountedPaginator(Paginator):
    """A paginator told its count (the lapsed lists' counts are cached report figures)."""

    def __init__(self, object_list, per_page, *, count):
        super().__init__(object_list, per_page)
        self._count = count

    @property
    def count(self):
        return self._count


@staff_view(roles=READERS)
@reads_from_replica()
def gift_list(request, org_slug):
    """Every gift, searchable and filtered, with a count and pages."""
    organization = request.organization
    form = GiftFilterForm(request.GET or None, organization=organization)
    filters = form.cleaned_data if form.is_valid() else {}
    gifts = selectors.gift_list(
        organization=organization,
        query=filters.get("q", ""),
        fund=filters.get("fund"),
        campaign=filters.get("campaign"),
        received_from=filters.get("received_from"),
        received_to=filters.get("received_to"),
        method=filters.get("method", ""),
        status=filters.get("status", ""),
    )
    page = _CappedPaginator(gifts, GIFTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    count = page.paginator.count
    context = {
        "form": form,
        "gifts": page,
        "count": min(count, selectors.GIFT_COUNT_CAP),
        "more": count > selectors.GIFT_COUNT_CAP,
        "filtered": any(value not in (None, "") for value in filters.values()),
        "extra": query.urlencode(),
    }
    return render(request, "donors/gifts.html", context)


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
            elif action == "thank_now":
                thankyou_services.thank_now(
                    organization=organization, kind="gift", target_id=gift.pk, user=request.user
                )
                messages.success(request, _("Thanking now: the thank-you goes out in a moment."))
                return redirect(request.path)
            elif action == "received":
                services.gift_mark_received(organization=organization, gift=gift)
                messages.success(request, _("Marked received."))
                return redirect(request.path)
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
        "acknowledgment": Acknowledgment.objects.filter(
            organization=organization, kind="gift", target_id=gift.pk
        ).first(),
        "allocations": gift.allocations.select_related("fund"),
        "soft_credits": gift.soft_credits.select_related("contact"),
        "correction_form": correction,
        "refund_form": refund,
        "thank_form": thank,
        "can_edit": can_edit and gift.status == Gift.Status.RECEIVED,
    }
    return render(request, "donors/gift_detail.html", context)


@staff_view(roles=READERS)
@reads_from_replica()
def lapsed(request, org_slug):
    """LYBUNT/SYBUNT with what a fundraiser does next: export them, give them a relationship
    manager, call them (the row's link opens quick-log on a phone call)."""
    organization = request.organization
    kind = "sybunt" if request.GET.get("kind") == "sybunt" else "lybunt"
    donors = selectors.lapsed_donors(organization=organization, kind=kind)
    can_edit = request.membership.role in FUNDRAISING
    if request.method == "POST" and can_edit:
        manager = stakeholder_selectors.organization_members(organization=organization).filter(
            user_id=request.POST.get("manager") or 0
        )
        ids = [int(i) for i in request.POST.getlist("contact") if i.isdigit()]
        if manager and ids:
            changed = stakeholder_services.contacts_assign_manager(
                organization=organization, contact_ids=ids, manager=manager[0].user
            )
            messages.success(
                request,
                ngettext(
                    "%(number)s donor now has %(name)s as relationship manager.",
                    "%(number)s donors now have %(name)s as relationship manager.",
                    changed,
                )
                % {"number": formats.format_number(changed), "name": manager[0].user},
            )
        else:
            messages.error(request, _("Choose donors and a relationship manager."))
        return redirect(f"{reverse('donors:lapsed', kwargs={'org_slug': org_slug})}?kind={kind}")
    if request.GET.get("format") == "csv":
        contacts = stakeholder_selectors.contacts_active(organization=organization).filter(
            pk__in=donors.values("contact_id")
        )
        audit.record(
            organization=organization,
            action=AuditAction.EXPORT,
            summary=f"{kind} donors CSV",
        )
        response = StreamingHttpResponse(
            csv_export.rows_in_scope(
                contacts.select_related("relationship_manager").order_by("search_name", "pk"),
                organization=organization,
            ),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{kind}.csv"'
        return response
    counted = selectors.report_figures(organization=organization)[f"{kind}_count"]
    page = _CountedPaginator(donors, 50, count=counted).get_page(request.GET.get("page"))
    context = {
        "kind": kind,
        "donors": page,
        "can_edit": can_edit,
        "managers": stakeholder_selectors.organization_members(organization=organization),
    }
    return render(request, "donors/lapsed.html", context)


@staff_view(roles=READERS)
def fund_list(request, org_slug):
    organization = request.organization
    funds = selectors.funds_with_totals(organization=organization)
    context = {
        "funds": funds,
        "campaigns": Campaign.objects.filter(organization=organization),
        "stories": originals(ImpactStory.objects.filter(organization=organization)).select_related(
            "fund"
        )[:20],
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
    form_class = StoryTranslationForm if story and story.original_id else StoryForm
    form = form_class(
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
        languages=story
        and languages_panel(
            story,
            edit_url=lambda version: reverse("donors:story_edit", args=[org_slug, version.pk]),
            add_url=reverse("donors:story_translation_add", args=[org_slug, story.pk]),
        ),
    )


@staff_view(roles=FUNDRAISING)
@require_POST
def story_translation_add(request, org_slug, story_id):
    """ "Add a version in <language>": a copy of the original story, then its edit form."""
    story = get_object_or_404(
        ImpactStory, organization=request.organization, pk=story_id, original=None
    )
    return translation_add_view(
        request,
        story,
        edit_url=lambda version: reverse("donors:story_edit", args=[org_slug, version.pk]),
    )


# --- The donor's own impact page (public, reached by a signed link) ---------------------------


def _impact_response(request, template, context, status=200):
    response = render(request, template, context, status=status)
    response["Referrer-Policy"] = "no-referrer"  # the link's token must not travel anywhere
    response["Cache-Control"] = "private, no-store"
    return response


# With Referrer-Policy: no-referrer, browsers post these forms with "Origin: null", which
# Django's CSRF check refuses. The impact page's POST carries the secret signed token (what CSRF
# protects against is a forged request *without* it); the link form is anonymous and rate limited.
@csrf_exempt
@organization_public
@never_cache
@require_http_methods(["GET", "POST"])
def impact(request, org_slug):
    """What a donor's gifts changed, their manager, their preferences. GET changes nothing."""
    organization = request.organization
    token = request.GET.get("t") or request.POST.get("t", "")
    contact = services.impact_contact_from_token(organization=organization, token=token)
    if contact is None or not contact.is_active:
        return _impact_response(
            request, "donors/impact_invalid.html", {"form": ImpactLinkRequestForm()}, status=400
        )
    current = stakeholder_selectors.consent_current(organization=organization, contact=contact)
    purposes = services.DONOR_PREFERENCE_PURPOSES
    channels = [ConsentChannel.EMAIL, ConsentChannel.POST]
    if request.method == "POST":
        choices = {
            (channel, purpose): request.POST.get(f"pref-{channel}-{purpose}") == "yes"
            for channel in channels
            for purpose in purposes
        }
        services.impact_preferences_save(
            organization=organization,
            contact=contact,
            choices=choices,
            wording=_("Chosen on their impact page"),
        )
        messages.success(request, _("Thank you — your preferences are saved."))
        return redirect(f"{request.path}?{urlencode({'t': token})}")
    impact_rows = selectors.impact_for(organization=organization, contact=contact)
    context = {
        "contact": contact,
        "token": token,
        "summary": selectors.donor_summary(organization=organization, contact=contact),
        "gifts": selectors.gifts_for(organization=organization, contact=contact).filter(
            status=Gift.Status.RECEIVED
        )[:50],
        "impact": impact_rows,
        "stories": selectors.stories_for_funds(  # in the language the page is read in
            organization=organization,
            fund_ids=[row["fund_id"] for row in impact_rows],
            language=translation.get_language(),
        ),
        "manager": contact.relationship_manager,
        "settings": services.donor_settings(organization=organization),
        "preferences": [
            {
                "purpose": purpose,
                "label": ConsentPurpose(purpose).label,
                "cells": [
                    {
                        "channel": channel,
                        "label": ConsentChannel(channel).label,
                        "granted": bool(
                            current.get((channel, purpose)) and current[(channel, purpose)].granted
                        ),
                    }
                    for channel in channels
                ],
            }
            for purpose in purposes
        ],
    }
    return _impact_response(request, "donors/impact.html", context)


@csrf_exempt
@organization_public
@never_cache
@require_http_methods(["GET", "POST"])
def impact_link(request, org_slug):
    """A donor types their email to get a fresh link; the answer never says if we know them."""
    form = ImpactLinkRequestForm(request.POST or None)
    sent = False
    if request.method == "POST":
        limited = is_ratelimited(
            request, group="impact-link-ip", key="ip", rate="10/h", increment=True
        )
        email_key = lambda group, req: (req.POST.get("email") or "").strip().lower()  # noqa: E731
        limited = (
            is_ratelimited(
                request, group="impact-link-email", key=email_key, rate="3/h", increment=True
            )
            or limited
        )
        if limited:
            return _impact_response(
                request, "donors/impact_link.html", {"form": form, "limited": True}, status=429
            )
        if form.is_valid():
            services.impact_link_send(
                organization=request.organization, email=form.cleaned_data["email"]
            )
            sent = True
    return _impact_response(request, "donors/impact_link.html", {"form": form, "sent": sent})


@staff_view(roles=[Role.ADMIN])
def donor_settings(request, org_slug):
    organization = request.organization
    instance = services.donor_settings(organization=organization)
    form = DonorSettingsForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Donor settings saved."))
        return redirect("donors:settings", org_slug=org_slug)
    return render(request, "donors/edit.html", {"form": form, "title": _("Donor settings")})


@staff_view(roles=READERS)
def welcome_calls(request, org_slug):
    """New donors waiting for a thank-you call: mine by default, or nobody's, or everyone's."""
    which = request.GET.get("manager", "me")
    manager = {"me": request.user, "none": None}.get(which, selectors.ANY_MANAGER)
    due = selectors.welcome_calls_due(organization=request.organization, manager=manager)
    page = Paginator(due, 50).get_page(request.GET.get("page"))
    can_log = request.membership.role in FUNDRAISING
    for contact in page:
        contact.form = WelcomeCallForm(prefix=f"c{contact.pk}") if can_log else None
    return render(
        request, "donors/welcome_calls.html", {"which": which, "due": page, "can_log": can_log}
    )


@require_http_methods(["POST"])
@staff_view(roles=FUNDRAISING)
def welcome_call_log(request, org_slug, contact_id):
    contact = stakeholder_selectors.contact_get(
        organization=request.organization, contact_id=contact_id
    )
    if contact is None:
        raise Http404
    form = WelcomeCallForm(request.POST, prefix=f"c{contact.pk}")
    if form.is_valid():
        try:
            services.welcome_call_log(
                organization=request.organization,
                contact=contact,
                user=request.user,
                **form.cleaned_data,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, _("Call with %(name)s logged on their timeline.") % {"name": contact.name}
            )
    else:
        messages.error(request, _("Choose how the call went."))
    which = request.POST.get("manager")
    url = reverse("donors:welcome_calls", kwargs={"org_slug": org_slug})
    return redirect(url + (f"?manager={which}" if which in ("none", "all") else ""))


@require_http_methods(["POST"])
@staff_view(roles=FUNDRAISING)
def send_impact_link(request, org_slug, contact_id):
    """Email a donor the link to their impact page (e.g. after a call)."""
    contact = stakeholder_selectors.contact_get(
        organization=request.organization, contact_id=contact_id
    )
    if contact is None:
        raise Http404
    try:
        sent = bool(contact.email) and services.impact_link_send(
            organization=request.organization, email=contact.email, staff_sent=True
        )
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        if sent:
            messages.success(
                request,
                _("Their impact page link is on its way to %(email)s.") % {"email": contact.email},
            )
        else:
            messages.error(request, _("They need an email address and at least one gift."))
    return redirect("stakeholders:contact_detail", org_slug=org_slug, contact_id=contact.pk)


# --- Donor updates ----------------------------------------------------------------------------


@staff_view(roles=READERS)
def update_list(request, org_slug):
    organization = request.organization
    context = {
        "updates": originals(DonorUpdate.objects.filter(organization=organization)).select_related(
            "fund"
        )[:50],
        "settings": services.donor_settings(organization=organization),
        "can_edit": request.membership.role in FUNDRAISING,
    }
    return render(request, "donors/updates.html", context)


@staff_view(roles=FUNDRAISING)
def update_edit(request, org_slug, update_id=None):
    """Compose an update, see how many donors it would reach and why the others won't, schedule."""
    organization = request.organization
    update = (
        get_object_or_404(DonorUpdate, organization=organization, pk=update_id)
        if update_id
        else None
    )
    editable = update is None or donor_updates.editable(update)
    form_class = DonorUpdateTranslationForm if update and update.original_id else DonorUpdateForm
    form = form_class(request.POST or None, instance=update, organization=organization)
    if request.method == "POST" and editable:
        action = "save" if update and update.original_id else request.POST.get("action", "save")
        if form.is_valid():
            update = services.update_save(
                organization=organization,
                update=update,
                created_by=request.user,
                **form.cleaned_data,
            )
            if action == "schedule":
                donor_updates.schedule(organization=organization, update=update)
                messages.success(
                    request, _("Scheduled: it goes out at the next slot your cadence allows.")
                )
                return redirect("donors:update_list", org_slug=org_slug)
            messages.success(request, _("Draft saved."))
            return redirect("donors:update_edit", org_slug=org_slug, update_id=update.pk)
    counts = (
        donor_updates.audience(organization=organization, update=update.root)[1] if update else None
    )
    languages = update and languages_panel(
        update,
        edit_url=lambda version: reverse("donors:update_edit", args=[org_slug, version.pk]),
        add_url=reverse("donors:update_translation_add", args=[org_slug, update.root.pk]),
        can_add=update.root.status in donor_updates.TRANSLATABLE,
    )
    return render(
        request,
        "donors/update_form.html",
        {
            "form": form,
            "update": update,
            "counts": counts,
            "editable": editable,
            "languages": languages,
        },
    )


@staff_view(roles=FUNDRAISING)
@require_POST
def update_translation_add(request, org_slug, update_id):
    """ "Add a version in <language>" of an update not sent yet: a copy to translate."""
    update = get_object_or_404(
        DonorUpdate,
        organization=request.organization,
        pk=update_id,
        original=None,
        status__in=donor_updates.TRANSLATABLE,
    )
    return translation_add_view(
        request,
        update,
        edit_url=lambda version: reverse("donors:update_edit", args=[org_slug, version.pk]),
        **donor_updates.TRANSLATION_FIELDS,
    )


@csrf_exempt  # RFC 8058: the mail client POSTs with no cookies; the signed token is the key
@organization_public
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request, org_slug, token):
    """One-click unsubscribe from donor updates (GET asks, POST does it: scanners open links)."""
    organization = request.organization
    contact = donor_updates.contact_from_unsubscribe_token(organization=organization, token=token)
    if contact is None:
        return _impact_response(request, "donors/unsubscribe.html", {"invalid": True}, status=400)
    if request.method == "POST":
        donor_updates.unsubscribe(organization=organization, contact=contact)
        return _impact_response(request, "donors/unsubscribe.html", {"done": True})
    return _impact_response(request, "donors/unsubscribe.html", {})


@staff_view(roles=FUNDRAISING)
def gift_create(request, org_slug):
    """One gift of any kind: in-kind, pro bono, grant payment, bequest, tribute, soft credit."""
    organization = request.organization
    initial = {"kind": request.GET.get("kind", "money"), "status": "received"}
    contact = None
    if request.GET.get("contact", "").isdigit():
        contact = stakeholder_selectors.contact_get(
            organization=organization, contact_id=int(request.GET["contact"])
        )
        if contact is not None:
            initial["contact"] = contact.pk
    form = GiftForm(request.POST or None, organization=organization, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            gift = services.gift_record(
                organization=organization, created_by=request.user, **form.gift_fields()
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Gift saved."))
            return redirect("donors:gift_detail", org_slug=org_slug, gift_id=gift.pk)
    return render(request, "donors/gift_form.html", {"form": form, "contact": contact})


@staff_view(roles=READERS)
def grant_list(request, org_slug):
    grants = Grant.objects.filter(organization=request.organization).select_related(
        "funder", "fund"
    )
    return render(
        request,
        "donors/grants.html",
        {
            "grants": grants,
            "today": timezone.localdate(),
            "can_edit": request.membership.role in FUNDRAISING,
        },
    )


@staff_view(roles=FUNDRAISING)
def grant_edit(request, org_slug, grant_id=None):
    organization = request.organization
    grant = get_object_or_404(Grant, organization=organization, pk=grant_id) if grant_id else None
    form = GrantForm(request.POST or None, instance=grant, organization=organization)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["funder"] = data.pop("funder_id")
        try:
            services.grant_save(organization=organization, grant=grant, **data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Grant saved."))
            return redirect("donors:grant_list", org_slug=org_slug)
    return render(request, "donors/grant_form.html", {"form": form, "grant": grant})


@staff_view(roles=READERS)
def commitments(request, org_slug, contact_id):
    """A donor's pledges (paid and outstanding) and recurring gifts; fundraisers add new ones."""
    organization = request.organization
    contact = stakeholder_selectors.contact_get(organization=organization, contact_id=contact_id)
    if contact is None:
        raise Http404
    can_edit = request.membership.role in FUNDRAISING
    pledge_form = PledgeForm(organization=organization, prefix="pledge")
    recurring_form = RecurringGiftForm(organization=organization, prefix="recurring")
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        action = request.POST.get("action")
        try:
            if action == "pledge":
                pledge_form = PledgeForm(request.POST, organization=organization, prefix="pledge")
                if pledge_form.is_valid():
                    services.pledge_create(
                        organization=organization, contact=contact, **pledge_form.cleaned_data
                    )
                    messages.success(request, _("Pledge recorded."))
                    return redirect(request.path)
            elif action == "recurring":
                recurring_form = RecurringGiftForm(
                    request.POST, organization=organization, prefix="recurring"
                )
                if recurring_form.is_valid():
                    services.recurring_create(
                        organization=organization, contact=contact, **recurring_form.cleaned_data
                    )
                    messages.success(request, _("Recurring gift recorded."))
                    return redirect(request.path)
            elif action in ("pledge_status", "recurring_status"):
                model = Pledge if action == "pledge_status" else RecurringGift
                target = get_object_or_404(
                    model, organization=organization, contact=contact, pk=request.POST.get("id")
                )
                setter = (
                    services.pledge_set_status if model is Pledge else services.recurring_set_status
                )
                setter(
                    organization=organization,
                    **{"pledge" if model is Pledge else "recurring": target},
                    status=request.POST.get("status"),
                )
                messages.success(request, _("Saved."))
                return redirect(request.path)
        except ValidationError as error:
            form = pledge_form if action == "pledge" else recurring_form
            _add_errors(form, error)
    context = {
        "contact": contact,
        "pledges": selectors.pledges_for(organization=organization, contact=contact),
        "recurring": selectors.recurring_for(organization=organization, contact=contact),
        "pledge_form": pledge_form,
        "recurring_form": recurring_form,
        "can_edit": can_edit,
        "pledge_statuses": Pledge.Status.choices,
        "recurring_statuses": RecurringGift.Status.choices,
    }
    return render(request, "donors/commitments.html", context)
