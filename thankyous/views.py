"""Staff pages of the thank-you app: the queue and time to thank, templates, print batches."""

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_replace
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from stakeholders import formats
from stakeholders.content_versions import languages_panel, translation_add_view
from stakeholders.forms import add_errors as _add_errors
from stakeholders.models import Role
from stakeholders.tenancy.views import staff_view
from thankyous import rendering, selectors, services, tasks
from thankyous.forms import SettingsForm, SkipForm, TemplateForm, TemplateTranslationForm
from thankyous.models import ThankYouTemplate

MANAGERS = [Role.ADMIN, Role.FUNDRAISER]
READERS = [Role.ADMIN, Role.FUNDRAISER, Role.VIEWER]


@staff_view(roles=READERS)
def index(request, org_slug):
    organization = request.organization
    if request.method == "POST":
        if request.membership.role not in MANAGERS:
            return render(request, "403.html", status=403)
        tasks.run_thankyou_batch.delay_on_commit(organization_id=organization.pk)
        messages.success(request, _("The batch is running. Refresh in a moment."))
        return redirect(request.path)
    role = request.membership.role
    target = services.thankyou_settings(organization=organization).target_hours
    figures = selectors.time_to_thank(
        organization=organization, staff_role=role, target_hours=target
    )
    counts = selectors.queue_counts(organization=organization, staff_role=role)
    context = {
        "counts": counts,
        "next_run": selectors.next_run(organization=organization, staff_role=role, counts=counts),
        "waiting": selectors.waiting(organization=organization, staff_role=role),
        "figures": figures,
        "target_hours": target,
        "print_waiting": selectors.print_queue(organization=organization, staff_role=role).count(),
        "batches": selectors.print_batches(organization=organization, staff_role=role)[:20],
        "can_edit": role in MANAGERS,
    }
    return render(request, "thankyous/index.html", context)


@staff_view(roles=MANAGERS)
def template_list(request, org_slug):
    services.ensure_default_templates(organization=request.organization)
    return render(
        request,
        "thankyous/templates.html",
        {"templates": selectors.templates(organization=request.organization)},
    )


@staff_view(roles=MANAGERS)
def template_edit(request, org_slug, template_id=None):
    organization = request.organization
    template = (
        get_object_or_404(ThankYouTemplate, organization=organization, pk=template_id)
        if template_id
        else None
    )
    form_class = TemplateTranslationForm if template and template.original_id else TemplateForm
    form = form_class(request.POST or None, request.FILES or None, instance=template)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.template_save(
                organization=organization, template=template, **form.cleaned_data
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            if request.POST.get("action") == "test":
                services.template_test_send(
                    organization=organization, template=saved, user=request.user
                )
                messages.success(
                    request,
                    _("A test email is on its way to %(email)s.") % {"email": request.user.email},
                )
            else:
                messages.success(request, _("Template saved."))
            return redirect("thankyous:template_edit", org_slug=org_slug, template_id=saved.pk)
    return render(
        request,
        "thankyous/template_form.html",
        {
            "form": form,
            "template": template,
            "merge_fields": services.merge_fields(organization=organization),
            "languages": template
            and languages_panel(
                template,
                edit_url=lambda version: reverse(
                    "thankyous:template_edit", args=[org_slug, version.pk]
                ),
                add_url=reverse("thankyous:template_translation_add", args=[org_slug, template.pk]),
            ),
        },
    )


@staff_view(roles=MANAGERS)
@require_POST
def template_translation_add(request, org_slug, template_id):
    """ "Add a version in <language>": a copy of the original's texts, then its edit form."""
    template = get_object_or_404(
        ThankYouTemplate, organization=request.organization, pk=template_id, original=None
    )
    return translation_add_view(
        request,
        template,
        edit_url=lambda version: reverse("thankyous:template_edit", args=[org_slug, version.pk]),
    )


PREVIEWED = ["rule", "email_subject", "email_body", "email_html"]  # what the email preview shows


@staff_view(roles=MANAGERS)
@csp_replace({"style-src": [UNSAFE_INLINE], "frame-ancestors": [SELF]})
@xframe_options_sameorigin
def template_email_preview(request, org_slug, template_id):
    """The email with a sample recipient, in the template page's frame: the saved template, or
    (POST, as staff type) the edits not saved yet. Emails carry their styles inline, so this
    page allows inline styles and nothing else."""
    organization = request.organization
    template = get_object_or_404(ThankYouTemplate, organization=organization, pk=template_id)
    preview, errors = None, []
    if request.method == "POST":
        form = TemplateForm(request.POST, instance=template)
        form.is_valid()  # fills cleaned_data; the preview needs only the words and the rule
        errors = [
            (form.fields[name].label, message)
            for name in PREVIEWED
            for message in form.errors.get(name, [])
        ]
        if not errors:
            changes = {name: form.cleaned_data[name] for name in PREVIEWED}
            preview, errors = services.template_preview_unsaved(
                organization=organization, template=template, changes=changes
            )
            errors = [(form.fields[name].label, message) for name, message in errors]
    else:
        preview = services.template_preview(organization=organization, template=template)
    return render(request, "thankyous/email_preview.html", {"preview": preview, "errors": errors})


@staff_view(roles=MANAGERS)
def template_letter_preview(request, org_slug, template_id):
    template = get_object_or_404(
        ThankYouTemplate, organization=request.organization, pk=template_id
    )
    fields = services.template_sample(organization=request.organization, template=template)
    pdf = rendering.letter_pdf(organization=request.organization, template=template, fields=fields)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="preview.pdf"'
    return response


@staff_view(roles=MANAGERS)
def settings_edit(request, org_slug):
    instance = services.thankyou_settings(organization=request.organization)
    form = SettingsForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Saved."))
        return redirect("thankyous:index", org_slug=org_slug)
    return render(request, "thankyous/settings.html", {"form": form})


def _acknowledgment(request, ack_id):
    visible = selectors.acknowledgments_visible(
        organization=request.organization, staff_role=request.membership.role
    )
    return get_object_or_404(visible, pk=ack_id)


def _print_batch(request, batch_id):
    visible = selectors.print_batches(
        organization=request.organization, staff_role=request.membership.role
    )
    return get_object_or_404(visible, pk=batch_id)


@require_POST
@staff_view(roles=MANAGERS)
def acknowledgment_retry(request, org_slug, ack_id):
    try:
        services.acknowledgment_retry(
            organization=request.organization, acknowledgment=_acknowledgment(request, ack_id)
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Back in the queue for the next run."))
    return redirect("thankyous:index", org_slug=org_slug)


@require_POST
@staff_view(roles=MANAGERS)
def acknowledgment_skip(request, org_slug, ack_id):
    acknowledgment = _acknowledgment(request, ack_id)  # another organization's: 404 first
    form = SkipForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors["reason"])
        services.acknowledgment_skip(
            organization=request.organization,
            acknowledgment=acknowledgment,
            reason=form.cleaned_data["reason"],
            user=request.user,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Marked as not to be sent."))
    return redirect("thankyous:index", org_slug=org_slug)


@staff_view(roles=READERS)
def acknowledgment_letter(request, org_slug, ack_id):
    acknowledgment = _acknowledgment(request, ack_id)
    if not acknowledgment.pdf:
        raise Http404
    return FileResponse(
        acknowledgment.pdf.open("rb"),
        content_type="application/pdf",
        filename=f"thank-you-{acknowledgment.pk}.pdf",
        as_attachment=True,
    )


@require_POST
@staff_view(roles=MANAGERS)
def print_batch_create(request, org_slug):
    try:
        batches = services.print_batch_create(
            organization=request.organization,
            user=request.user,
            staff_role=request.membership.role,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        letters = sum(batch.letters for batch in batches)
        messages.success(
            request,
            ngettext(
                "%(count)s letter is ready to print.",
                "%(count)s letters are ready to print.",
                letters,
            )
            % {"count": formats.format_number(letters)},
        )
    return redirect("thankyous:index", org_slug=org_slug)


@staff_view(roles=MANAGERS)
def print_batch_pdf(request, org_slug, batch_id):
    batch = _print_batch(request, batch_id)
    if not batch.pdf:  # deleted when a person in it was erased (see acknowledgments_erase)
        raise Http404
    return FileResponse(
        batch.pdf.open("rb"),
        content_type="application/pdf",
        filename=f"letters-{batch.pk}.pdf",
        as_attachment=True,
    )


@require_POST
@staff_view(roles=MANAGERS)
def print_batch_printed(request, org_slug, batch_id):
    batch = _print_batch(request, batch_id)
    services.print_batch_mark_printed(
        organization=request.organization, batch=batch, user=request.user
    )
    messages.success(request, _("Marked printed: those letters count as sent."))
    return redirect("thankyous:index", org_slug=org_slug)
