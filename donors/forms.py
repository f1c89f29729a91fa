"""Forms of the donors pages."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from donors.models import (
    Campaign,
    DonorSettings,
    DonorUpdate,
    Fund,
    Gift,
    GiftKind,
    Grant,
    ImpactStory,
    PaymentMethod,
    Pledge,
    RecurringGift,
    SoftCredit,
    Tribute,
    WelcomeCallOutcome,
)
from stakeholders import selectors as stakeholder_selectors


class OrganizationChoiceField(forms.ModelChoiceField):
    """A choice among the organization's own rows (the queryset is set per request)."""

    def __init__(self, **kwargs):
        super().__init__(queryset=None, **kwargs)


class GiftRowForm(forms.Form):
    """One line of the batch entry table."""

    contact = forms.IntegerField(
        widget=forms.HiddenInput(attrs={"data-picker-value": ""}), required=False
    )
    contact_label = forms.CharField(label=_("Donor"), required=False)
    amount = forms.DecimalField(label=_("Amount"), max_digits=12, decimal_places=2, required=False)
    received_on = forms.DateField(
        label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    payment_method = forms.ChoiceField(
        label=_("Method"), choices=PaymentMethod.choices, initial="card"
    )
    fund = OrganizationChoiceField(label=_("Fund"), required=False)
    campaign = OrganizationChoiceField(label=_("Campaign"), required=False)
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)

    def __init__(self, *args, organization, **kwargs):
        self.organization = organization
        super().__init__(*args, **kwargs)
        self.fields["fund"].queryset = Fund.objects.filter(
            organization=organization, is_active=True
        )
        self.fields["campaign"].queryset = Campaign.objects.filter(organization=organization)
        self.fields["received_on"].initial = timezone.localdate

    def is_blank(self):
        data = self.cleaned_data
        return not data.get("contact") and data.get("amount") is None and not data.get("reference")

    def clean(self):
        data = super().clean()
        if self.errors or self.is_blank():
            return data
        contact_id = data.get("contact")
        contact = (
            stakeholder_selectors.contact_get(organization=self.organization, contact_id=contact_id)
            if contact_id
            else None
        )
        if contact is None:
            self.add_error("contact_label", _("Choose the donor from the list."))
        data["contact_obj"] = contact
        if data.get("amount") is None:
            self.add_error("amount", _("Enter the amount."))
        if not data.get("received_on"):
            self.add_error("received_on", _("Enter the date."))
        return data


class BaseGiftBatch(forms.BaseFormSet):
    def __init__(self, *args, organization, **kwargs):
        self.organization = organization
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "organization": self.organization}

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__prefix__"),
            empty_permitted=True,
            use_required_attribute=False,
            organization=self.organization,
            renderer=self.renderer,
        )
        self.add_fields(form, None)
        return form

    def rows(self):
        return [f.cleaned_data for f in self.forms if f.cleaned_data and not f.is_blank()]


GiftBatchFormSet = forms.formset_factory(GiftRowForm, formset=BaseGiftBatch, extra=5, max_num=100)


class GiftCorrectionForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount"), max_digits=12, decimal_places=2)
    received_on = forms.DateField(
        label=_("Date received"), widget=forms.DateInput(attrs={"type": "date"})
    )
    fund = OrganizationChoiceField(
        label=_("Fund"),
        required=False,
        empty_label=_("Keep the fund"),
        help_text=_(
            "“Keep the fund” leaves the gift where it is: in its fund with the corrected amount, "
            "or split across its funds as before. Choose a fund to move the whole gift to it."
        ),
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fund"].queryset = Fund.objects.filter(organization=organization)


class GiftRefundForm(forms.Form):
    reason = forms.CharField(label=_("Why was it refunded?"), max_length=200)


class DoNotThankForm(forms.ModelForm):
    class Meta:
        model = Gift
        fields = ["do_not_acknowledge", "do_not_acknowledge_reason"]


class FundForm(forms.ModelForm):
    class Meta:
        model = Fund
        fields = ["name", "description", "impact_unit_amount", "impact_unit_label", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = ["name", "starts_on", "ends_on", "goal"]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
        }


class StoryForm(forms.ModelForm):
    fund = OrganizationChoiceField(label=_("Fund"), required=False, empty_label=_("All donors"))

    class Meta:
        model = ImpactStory
        fields = ["fund", "kind", "title", "body", "photo", "published_on"]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 6}),
            "published_on": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fund"].queryset = Fund.objects.filter(organization=organization)
        self.fields["published_on"].initial = timezone.localdate


class StoryTranslationForm(StoryForm):
    """A story's version in another language: its words; its fund, kind, photo and date are the
    original's (``services.STORY_SHARED_FIELDS``)."""

    fund = None

    class Meta(StoryForm.Meta):
        fields = ["title", "body"]

    def __init__(self, *args, organization, **kwargs):
        forms.ModelForm.__init__(self, *args, **kwargs)


class ImpactLinkRequestForm(forms.Form):
    email = forms.EmailField(label=_("Your email address"))


class DonorSettingsForm(forms.ModelForm):
    donation_url = forms.URLField(
        label=_("Online giving page"), required=False, assume_scheme="https"
    )

    class Meta:
        model = DonorSettings
        fields = [
            "donation_url",
            "giving_instructions",
            "update_interval_days",
            "frequency_cap_days",
            "welcome_call_hour",
        ]
        widgets = {"giving_instructions": forms.Textarea(attrs={"rows": 3})}

    def clean_donation_url(self):
        """Donors type their card details there: only an encrypted page is linked to."""
        url = self.cleaned_data.get("donation_url", "")
        if url and not url.lower().startswith("https://"):
            raise forms.ValidationError(_("Use the page's secure address, starting with https://."))
        return url


class WelcomeCallForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("How did it go?"), choices=[("", _("How did it go?")), *WelcomeCallOutcome.choices]
    )
    notes = forms.CharField(label=_("Notes"), required=False, max_length=2000)


class DonorUpdateForm(forms.ModelForm):
    story = OrganizationChoiceField(label=_("Story"), required=False)
    fund = OrganizationChoiceField(
        label=_("Send to donors of"), required=False, empty_label=_("Every donor")
    )

    class Meta:
        model = DonorUpdate
        fields = ["title", "body", "story", "fund"]
        widgets = {"body": forms.Textarea(attrs={"rows": 8})}

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["story"].queryset = ImpactStory.objects.filter(
            organization=organization, original__isnull=True
        )
        self.fields["fund"].queryset = Fund.objects.filter(organization=organization)


class DonorUpdateTranslationForm(DonorUpdateForm):
    """An update's version in another language: its words; its story and audience are the
    original's, and each donor's email shows the story in their language too."""

    story = fund = None

    class Meta(DonorUpdateForm.Meta):
        fields = ["title", "body"]

    def __init__(self, *args, organization, **kwargs):
        forms.ModelForm.__init__(self, *args, **kwargs)


class GiftForm(forms.Form):
    """One gift of any kind, with the details batch entry leaves out."""

    contact = forms.IntegerField(widget=forms.HiddenInput(attrs={"data-picker-value": ""}))
    kind = forms.ChoiceField(label=_("Kind"), choices=GiftKind.choices)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (Gift.Status.RECEIVED, _("Received")),
            (Gift.Status.EXPECTED, _("Expected (bequest, awarded grant)")),
        ],
    )
    amount = forms.DecimalField(label=_("Amount or value"), max_digits=12, decimal_places=2)
    received_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    payment_method = forms.ChoiceField(label=_("Payment method"), choices=PaymentMethod.choices)
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)
    fund = OrganizationChoiceField(label=_("Fund"), required=False)
    campaign = OrganizationChoiceField(label=_("Campaign"), required=False)
    grant = OrganizationChoiceField(label=_("Grant"), required=False)
    pledge = OrganizationChoiceField(label=_("Pays towards the pledge"), required=False)
    recurring = OrganizationChoiceField(label=_("Instalment of the recurring gift"), required=False)
    tax_deductible_amount = forms.DecimalField(
        label=_("Tax-deductible amount"),
        max_digits=12,
        decimal_places=2,
        required=False,
        help_text=_("Leave empty for the whole amount of a gift of money."),
    )
    description = forms.CharField(
        label=_("What was given or done"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    hours = forms.DecimalField(
        label=_("Hours (pro bono)"), max_digits=7, decimal_places=2, required=False
    )
    tribute = forms.ChoiceField(label=_("Tribute"), choices=Tribute.choices, required=False)
    tribute_name = forms.CharField(
        label=_("In honour or memory of"), max_length=200, required=False
    )
    soft_credit = forms.IntegerField(
        widget=forms.HiddenInput(attrs={"data-picker-value": ""}), required=False
    )
    soft_credit_kind = forms.ChoiceField(
        label=_("Their part"), choices=SoftCredit.Kind.choices, required=False
    )
    do_not_acknowledge = forms.BooleanField(label=_("Do not thank"), required=False)
    do_not_acknowledge_reason = forms.CharField(label=_("Why not"), max_length=200, required=False)

    def __init__(self, *args, organization, **kwargs):
        self.organization = organization
        super().__init__(*args, **kwargs)
        self.fields["fund"].queryset = Fund.objects.filter(
            organization=organization, is_active=True
        )
        self.fields["campaign"].queryset = Campaign.objects.filter(organization=organization)
        self.fields["grant"].queryset = Grant.objects.filter(organization=organization)
        self.fields["pledge"].queryset = Pledge.objects.filter(
            organization=organization, status=Pledge.Status.OPEN
        ).select_related("contact")
        self.fields["pledge"].label_from_instance = lambda p: (
            f"{p.contact.name} — {p.amount} ({p.pledged_on})"
        )
        self.fields["recurring"].queryset = RecurringGift.objects.filter(
            organization=organization, status=RecurringGift.Status.ACTIVE
        ).select_related("contact")
        self.fields["recurring"].label_from_instance = lambda r: (
            f"{r.contact.name} — {r.amount} {r.get_frequency_display()}"
        )
        self.fields["received_on"].initial = timezone.localdate

    def _contact(self, field):
        contact_id = self.cleaned_data.get(field)
        if not contact_id:
            return None
        contact = stakeholder_selectors.contact_get(
            organization=self.organization, contact_id=contact_id
        )
        if contact is None:
            raise forms.ValidationError(_("Choose someone from the list."))
        return contact

    def clean_contact(self):
        return self._contact("contact")

    def clean_soft_credit(self):
        return self._contact("soft_credit")

    def gift_fields(self):
        data = dict(self.cleaned_data)
        soft_contact, soft_kind = (
            data.pop("soft_credit"),
            data.pop("soft_credit_kind") or "solicitor",
        )
        data["soft_credits"] = [(soft_contact, soft_kind)] if soft_contact else []
        return data


class GrantForm(forms.ModelForm):
    funder_id = forms.IntegerField(widget=forms.HiddenInput(attrs={"data-picker-value": ""}))
    fund = OrganizationChoiceField(label=_("Fund"), required=False)

    class Meta:
        model = Grant
        fields = [
            "title",
            "stage",
            "fund",
            "amount_requested",
            "amount_awarded",
            "submitted_on",
            "decided_on",
            "next_report_due",
            "notes",
        ]
        widgets = {
            "submitted_on": forms.DateInput(attrs={"type": "date"}),
            "decided_on": forms.DateInput(attrs={"type": "date"}),
            "next_report_due": forms.DateInput(attrs={"type": "date"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, organization, **kwargs):
        self.organization = organization
        super().__init__(*args, **kwargs)
        self.fields["fund"].queryset = Fund.objects.filter(organization=organization)
        if self.instance.pk:
            self.fields["funder_id"].initial = self.instance.funder_id

    def clean_funder_id(self):
        funder = stakeholder_selectors.contact_get(
            organization=self.organization, contact_id=self.cleaned_data["funder_id"]
        )
        if funder is None:
            raise forms.ValidationError(_("Choose the funder from the list."))
        return funder


class PledgeForm(forms.ModelForm):
    fund = OrganizationChoiceField(label=_("Fund"), required=False)

    class Meta:
        model = Pledge
        fields = ["amount", "pledged_on", "due_by", "fund", "notes"]
        widgets = {
            "pledged_on": forms.DateInput(attrs={"type": "date"}),
            "due_by": forms.DateInput(attrs={"type": "date"}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fund"].queryset = Fund.objects.filter(organization=organization)
        self.fields["pledged_on"].initial = timezone.localdate


class RecurringGiftForm(forms.ModelForm):
    fund = OrganizationChoiceField(label=_("Fund"), required=False)

    class Meta:
        model = RecurringGift
        fields = ["amount", "frequency", "started_on", "payment_method", "fund"]
        widgets = {"started_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fund"].queryset = Fund.objects.filter(organization=organization)
        self.fields["started_on"].initial = timezone.localdate


class GiftFilterForm(forms.Form):
    """The gift list's search and filters (GET): every field optional."""

    q = forms.CharField(label=_("Donor name or reference"), required=False, max_length=100)
    fund = OrganizationChoiceField(label=_("Fund"), required=False, empty_label=_("Any fund"))
    campaign = OrganizationChoiceField(
        label=_("Campaign"), required=False, empty_label=_("Any campaign")
    )
    received_from = forms.DateField(
        label=_("Received from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    received_to = forms.DateField(
        label=_("Received until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    method = forms.ChoiceField(
        label=_("Payment method"),
        required=False,
        choices=[("", pgettext_lazy("payment method", "Any")), *PaymentMethod.choices],
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", pgettext_lazy("gift status", "Any")), *Gift.Status.choices],
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fund"].queryset = Fund.objects.filter(organization=organization)
        self.fields["campaign"].queryset = Campaign.objects.filter(organization=organization)
