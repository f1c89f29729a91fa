"""The shared inbox: messaging settings (admins only): the Twilio account, the organization's
SMS and WhatsApp numbers, the WhatsApp templates, and the webhook URLs to paste into Twilio.
The auth token is write-only: the page says it is saved, and typing a new one replaces it."""

import re

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from stakeholders.forms import add_errors
from stakeholders.inbox import twilio
from stakeholders.inbox.models import (
    MessageChannel,
    MessagingAccount,
    MessagingNumber,
    WhatsAppTemplate,
)
from stakeholders.models import Role
from stakeholders.tenancy.views import staff_view

ADMINS = [Role.ADMIN]


class AccountForm(forms.Form):
    account_sid = forms.CharField(
        label=gettext_lazy("Account SID"),
        max_length=64,
        help_text=gettext_lazy("On your Twilio console's home page; it starts with AC."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "dir": "ltr"}),
    )
    auth_token = forms.CharField(
        label=gettext_lazy("Auth token"),
        max_length=128,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "dir": "ltr"}),
    )
    messaging_service_sid = forms.CharField(
        label=gettext_lazy("Messaging service SID (optional)"),
        max_length=64,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "dir": "ltr"}),
    )
    active = forms.BooleanField(
        label=gettext_lazy("Send and receive through this account"), required=False, initial=True
    )

    def __init__(self, *args, has_token=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["auth_token"].help_text = (
            _("Saved. Type a new one only to replace it.")
            if has_token
            else _("Shown next to the account SID; it is stored encrypted and never shown again.")
        )

    def clean_account_sid(self):
        value = self.cleaned_data["account_sid"].strip()
        if not re.fullmatch(r"AC[0-9a-fA-F]{32}", value):
            raise ValidationError(_("An account SID is AC followed by 32 letters and digits."))
        return value

    def clean_messaging_service_sid(self):
        value = self.cleaned_data["messaging_service_sid"].strip()
        if value and not re.fullmatch(r"MG[0-9a-fA-F]{32}", value):
            raise ValidationError(
                _("A messaging service SID is MG followed by 32 letters and digits.")
            )
        return value


class NumberForm(forms.Form):
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"),
        choices=[(MessageChannel.SMS, "SMS"), (MessageChannel.WHATSAPP, "WhatsApp")],
    )
    number = forms.CharField(
        label=gettext_lazy("Number"),
        max_length=40,
        help_text=gettext_lazy("With the country code, e.g. +44 7700 900123."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off", "dir": "ltr"}),
    )
    label = forms.CharField(label=gettext_lazy("Label (optional)"), max_length=100, required=False)


class TemplateForm(forms.ModelForm):
    class Meta:
        model = WhatsAppTemplate
        fields = ["name", "language", "content_sid", "body"]
        widgets = {
            "content_sid": forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off"}),
            "body": forms.Textarea(attrs={"rows": 4, "dir": "auto"}),
        }
        help_texts = {
            "content_sid": gettext_lazy(
                "From Twilio's Content Template Builder; it starts with HX."
            ),
            "body": gettext_lazy(
                "The text as WhatsApp approved it, for staff to read; {{1}}, {{2}}… are filled in "
                "when it is sent."
            ),
        }

    def clean_content_sid(self):
        value = self.cleaned_data["content_sid"].strip()
        if not re.fullmatch(r"HX[0-9a-fA-F]{32}", value):
            raise ValidationError(_("A content SID is HX followed by 32 letters and digits."))
        return value

    def validate_unique(self):
        """The organization isn't a field: ``twilio.template_save`` checks the name."""


def _account_form(organization, account, data=None):
    initial = {"active": True}
    if account is not None:
        initial = {
            "account_sid": account.account_sid,
            "messaging_service_sid": account.messaging_service_sid,
            "active": account.active,
        }
    return AccountForm(data, initial=initial, has_token=account is not None, prefix="account")


def _page(request, *, account_form=None, number_form=None, status=200):
    organization = request.organization
    account = MessagingAccount.objects.filter(organization=organization).first()
    return render(
        request,
        "inbox/messaging.html",
        {
            "tab": "messaging",
            "account": account,
            "account_form": account_form or _account_form(organization, account),
            "number_form": number_form or NumberForm(prefix="number"),
            "numbers": MessagingNumber.objects.filter(organization=organization),
            "templates": WhatsAppTemplate.objects.filter(organization=organization),
            "webhooks": twilio.webhook_urls(organization),
            "file_backend": settings.MESSAGING_BACKEND == "file",
        },
        status=status,
    )


@staff_view(roles=ADMINS)
@require_http_methods(["GET"])
def messaging_settings(request, org_slug):
    return _page(request)


@staff_view(roles=ADMINS)
@require_POST
def messaging_account(request, org_slug):
    organization = request.organization
    account = MessagingAccount.objects.filter(organization=organization).first()
    form = _account_form(organization, account, request.POST)
    if form.is_valid():
        try:
            twilio.account_save(organization=organization, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Twilio account saved."))
            return redirect("inbox:messaging_settings", org_slug=org_slug)
    return _page(request, account_form=form, status=400)


@staff_view(roles=ADMINS)
@require_POST
def messaging_number_add(request, org_slug):
    form = NumberForm(request.POST, prefix="number")
    if form.is_valid():
        try:
            twilio.number_add(organization=request.organization, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Number added."))
            return redirect("inbox:messaging_settings", org_slug=org_slug)
    return _page(request, number_form=form, status=400)


@staff_view(roles=ADMINS)
@require_POST
def messaging_number_remove(request, org_slug, messaging_number_id):
    if not twilio.number_remove(organization=request.organization, number_id=messaging_number_id):
        raise Http404
    messages.success(request, _("Number removed."))
    return redirect("inbox:messaging_settings", org_slug=org_slug)


@staff_view(roles=ADMINS)
@require_http_methods(["GET", "POST"])
def messaging_template(request, org_slug, whatsapp_template_id=None):
    organization = request.organization
    template = None
    if whatsapp_template_id is not None:
        template = WhatsAppTemplate.objects.filter(
            organization=organization, pk=whatsapp_template_id
        ).first()
        if template is None:
            raise Http404
    form = TemplateForm(request.POST or None, instance=template)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                twilio.template_save(
                    organization=organization, template=template, **form.cleaned_data
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, _("WhatsApp template saved."))
                return redirect("inbox:messaging_settings", org_slug=org_slug)
        status = 400
    return render(
        request,
        "inbox/messaging_template.html",
        {"tab": "messaging", "form": form, "template": template},
        status=status,
    )


@staff_view(roles=ADMINS)
@require_POST
def messaging_template_remove(request, org_slug, whatsapp_template_id):
    if not twilio.template_remove(
        organization=request.organization, template_id=whatsapp_template_id
    ):
        raise Http404
    messages.success(request, _("WhatsApp template removed."))
    return redirect("inbox:messaging_settings", org_slug=org_slug)


urlpatterns = [
    path("messaging/", messaging_settings, name="messaging_settings"),
    path("messaging/account/", messaging_account, name="messaging_account"),
    path("messaging/numbers/", messaging_number_add, name="messaging_number_add"),
    path(
        "messaging/numbers/<int:messaging_number_id>/remove/",
        messaging_number_remove,
        name="messaging_number_remove",
    ),
    path("messaging/templates/new/", messaging_template, name="messaging_template_new"),
    path(
        "messaging/templates/<int:whatsapp_template_id>/",
        messaging_template,
        name="messaging_template",
    ),
    path(
        "messaging/templates/<int:whatsapp_template_id>/remove/",
        messaging_template_remove,
        name="messaging_template_remove",
    ),
]
