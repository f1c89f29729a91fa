"""Forms of the core pages. Validation that needs the database lives in services."""

import re
import zoneinfo

from babel import Locale
from babel.numbers import list_currencies
from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from stakeholders.models import (
    CONTACT_EDITABLE_FIELDS,
    ApiTokenScope,
    AuditAction,
    ComplaintCategory,
    ConsentChannel,
    ConsentPurpose,
    Contact,
    FeedbackMeasure,
    Interaction,
    Organization,
    RelationshipKind,
    Role,
    User,
)
from stakeholders.quick_widgets import render_in_python

LOGO_FORMATS = {"PNG", "JPEG", "WEBP", "GIF"}
LOGO_MAX_PIXELS = 4000


def timezone_choices():
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


def currency_choices():
    locale = Locale.parse(get_language() or "en", sep="-")
    return sorted(
        ((code, f"{code} — {locale.currencies.get(code, code)}") for code in list_currencies()),
        key=lambda choice: choice[0],
    )


class SignupDetailsForm(forms.Form):
    """Extra fields on allauth's signup form."""

    name = forms.CharField(label=_("Your name"), max_length=150)

    def signup(self, request, user):
        user.name = self.cleaned_data["name"]
        user.save(update_fields=["name"])


class UserLanguageForm(forms.Form):
    """A staff user's own interface language; each language is named in itself."""

    language = forms.ChoiceField(
        label=_("Interface language"),
        required=False,
        help_text=_("Leave empty to follow your browser's language."),
    )

    def __init__(self, *args, **kwargs):
        from stakeholders.languages import language_choices

        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [
            ("", _("Follow my browser")),
            *language_choices(),
        ]


class OrganizationCreateForm(forms.Form):
    name = forms.CharField(label=_("Name of your organization"), max_length=200)
    slug = forms.SlugField(
        label=_("Web address"),
        max_length=60,
        required=False,
        help_text=_("Used in your Steward links: /o/<web address>/. Letters, digits and hyphens."),
    )
    timezone = forms.ChoiceField(label=_("Time zone"), choices=timezone_choices, initial="UTC")
    currency = forms.ChoiceField(label=_("Currency"), choices=currency_choices, initial="USD")
    language = forms.ChoiceField(label=_("Default language"), choices=settings.LANGUAGES)

    def clean_slug(self):
        slug = self.cleaned_data.get("slug") or slugify(self.cleaned_data.get("name", ""))
        if not slug:
            raise forms.ValidationError(_("Choose a web address made of letters and digits."))
        return slug[:60]


class OrganizationProfileForm(forms.ModelForm):
    timezone = forms.ChoiceField(label=_("Time zone"), choices=timezone_choices)
    country = forms.ChoiceField(
        label=_("Country"), choices=lambda: country_choices(), required=False
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=currency_choices)
    other_languages = forms.MultipleChoiceField(
        label=_("Other languages of its readers"),
        choices=settings.LANGUAGES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=Organization._meta.get_field("other_languages").help_text,
    )

    class Meta:
        model = Organization
        fields = [
            "name",
            "contact_email",
            "phone",
            "sender_name",
            "address",
            "brand_color",
            "country",
            "timezone",
            "currency",
            "language",
            "other_languages",
            "solar_hijri",
            "khmer_digits",
            "logo",
            "require_mfa",
        ]
        widgets = {
            "address": forms.Textarea(attrs={"rows": 4}),
            "brand_color": forms.TextInput(
                attrs={  # text, not type=color: a colour input can't be left empty
                    "pattern": "#[0-9a-fA-F]{6}",
                    "placeholder": "#1d4ed8",
                    "dir": "ltr",
                    "spellcheck": "false",
                    "size": 8,
                }
            ),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "dir": "ltr"}),
            "logo": forms.ClearableFileInput(
                attrs={"accept": "image/png,image/jpeg,image/webp,image/gif"}
            ),
        }

    def clean_logo(self):
        return check_image_upload(self.cleaned_data.get("logo"))

    def clean_brand_color(self):
        return (self.cleaned_data.get("brand_color") or "").strip().lower()

    def clean_other_languages(self):
        """The default language is never one of the others."""
        language = self.cleaned_data.get("language") or self.instance.language
        return [code for code in self.cleaned_data["other_languages"] if code != language]


def check_image_upload(upload):
    """An uploaded image (logo, signature) a letter can carry: a known format, small enough."""
    image = getattr(upload, "image", None)  # set only for a new upload, by forms.ImageField
    if image is None:
        return upload
    if upload.size > settings.LOGO_MAX_BYTES:
        raise forms.ValidationError(
            _("The image is too large (%(size)d KB); the limit is %(limit)d KB.")
            % {"size": upload.size // 1024, "limit": settings.LOGO_MAX_BYTES // 1024}
        )
    if image.format not in LOGO_FORMATS:
        raise forms.ValidationError(_("Upload a PNG, JPEG, WebP or GIF image."))
    if max(image.size) > LOGO_MAX_PIXELS:
        raise forms.ValidationError(
            _("The image is too big: at most %(max)d pixels on each side.")
            % {"max": LOGO_MAX_PIXELS}
        )
    return upload


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.VIEWER)


class MembershipRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


DATE_INPUT = forms.DateInput({"type": "date"})


class AuditFilterForm(forms.Form):
    """Filters of the audit log page (GET): what, who, between which days."""

    action = forms.ChoiceField(label=_("What"), required=False)
    actor = forms.TypedChoiceField(label=_("Who"), required=False, coerce=int, empty_value=None)
    since = forms.DateField(
        label=pgettext_lazy("start of a date range", "From"),
        required=False,
        widget=forms.DateInput({"type": "date"}),
    )
    until = forms.DateField(
        label=pgettext_lazy("end of a date range", "To"),
        required=False,
        widget=forms.DateInput({"type": "date"}),
    )

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("Everything")), *AuditAction.choices]
        self.fields["actor"].choices = [("", _("Anyone"))] + [
            (member.user_id, member.user.email) for member in members
        ]


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("What will use it, e.g. “Website donations form”."),
    )
    scope = forms.ChoiceField(
        label=_("Access"),
        choices=ApiTokenScope.choices,
        initial=ApiTokenScope.READ,
        help_text=_("A read-only token can look but not change anything."),
    )
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for a token that works until it is revoked."),
    )
    rate_limit_per_minute = forms.IntegerField(
        label=_("Requests per minute"),
        required=False,
        min_value=1,
        max_value=100000,
        help_text=_("Leave empty for the default limit."),
    )

    def clean_expires_on(self):
        value = self.cleaned_data.get("expires_on")
        if value is not None and value <= timezone.localdate():
            raise forms.ValidationError(_("Choose a date after today."))
        return value


# --- Contacts ----------------------------------------------------------------------------------


def country_choices():
    locale = Locale.parse(get_language() or "en", sep="-")
    countries = (
        (code, name)
        for code, name in locale.territories.items()
        if len(code) == 2 and code.isalpha()
    )
    return [("", "—"), *sorted(countries, key=lambda item: item[1])]


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return user.name or user.email


class ContactForm(forms.ModelForm):
    """The contact record. Phone numbers are normalised (and checked) by the service."""

    country = forms.ChoiceField(label=_("Country"), choices=country_choices, required=False)
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        help_text=_("Separate tags with commas, e.g. “major donor, newsletter”."),
    )
    relationship_manager = MemberChoiceField(
        label=_("Relationship manager"),
        queryset=None,
        required=False,
        help_text=_("The staff member who knows them best; personal messages come from them."),
    )

    class Meta:
        model = Contact
        fields = list(CONTACT_EDITABLE_FIELDS)
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 3}),
            "deceased_on": forms.DateInput(attrs={"type": "date"}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
            "mobile": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        }

    def __init__(self, *args, organization, tags=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["relationship_manager"].queryset = User.objects.filter(
            memberships__organization=organization
        ).order_by("name", "email")
        if tags:
            self.fields["tags"].initial = ", ".join(tags)
        # Email unless told (a form posted without it, e.g. by an older page, keeps working).
        self.fields["preferred_channel"].required = False

    def clean_preferred_channel(self):
        return self.cleaned_data.get("preferred_channel") or "email"

    def clean(self):
        data = super().clean()
        # Also checked by the service (``clean_contact``); here it is an error next to the field.
        texts = data.get("preferred_channel") in ("sms", "whatsapp")
        if texts and not data.get("mobile") and "mobile" not in self.errors:
            self.add_error(
                "preferred_channel", _("Add a mobile number to send them text messages.")
            )
        return data

    def clean_tags(self):
        """Tags as typed, separated by commas: Latin, Arabic-script "،" or full-width "，"."""
        raw = re.split(r"[,،，]", self.cleaned_data["tags"])
        return [tag.strip() for tag in raw if tag.strip()]

    def contact_fields(self):
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class InteractionForm(forms.ModelForm):
    """Quick-log: what a person types in a few seconds after a call."""

    occurred_at = forms.DateTimeField(
        label=_("When"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Leave empty for now."),
    )
    follow_up_owner = MemberChoiceField(label=_("Follow-up owner"), queryset=None, required=False)
    complaint_category = forms.ModelChoiceField(
        label=_("Complaint category"), queryset=None, required=False
    )

    class Meta:
        model = Interaction
        fields = [
            "channel",
            "direction",
            "initiated_by_contact",
            "subject",
            "notes",
            "outcome",
            "occurred_at",
            "kind",
            "complaint_category",
            "follow_up_on",
            "follow_up_owner",
        ]
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 3}),
            "follow_up_on": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, organization, choices=None, **kwargs):
        """``choices``: {field: [(id, label)]} already read (the contact page reads them with its
        other lists, ``contact_page.side_lists``): rendering then costs no query."""
        super().__init__(*args, **kwargs)
        self.fields["follow_up_owner"].queryset = User.objects.filter(
            memberships__organization=organization
        ).order_by("name", "email")
        self.fields["complaint_category"].queryset = ComplaintCategory.objects.filter(
            organization=organization
        )
        for name, rows in (choices or {}).items():
            field = self.fields[name]
            field.choices = [("", field.empty_label), *rows]  # validation still asks the queryset
        render_in_python(self)  # the same HTML, without a template per widget and per option
        self.fields["channel"].initial = "phone"
        self.fields["subject"].required = False  # a note alone is enough (see the service)
        self.fields["subject"].help_text = _("Optional for a note: its first line is used.")

    def interaction_fields(self):
        fields = dict(self.cleaned_data)
        if not fields.get("occurred_at"):
            fields.pop("occurred_at", None)
        return fields


class ComplaintResolutionForm(forms.ModelForm):
    class Meta:
        model = Interaction
        fields = ["resolution", "resolved_at"]
        widgets = {
            "resolution": forms.Textarea(attrs={"rows": 3}),
            "resolved_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
        }


class ConsentForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=ConsentChannel.choices)
    purpose = forms.ChoiceField(label=_("Purpose"), choices=ConsentPurpose.choices)
    granted = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("yes", _("Agreed")), ("no", _("Withdrew or refused"))],
        coerce=lambda value: value == "yes",
    )
    wording = forms.CharField(
        label=_("Wording they agreed to"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Or how they told you, e.g. “said on the phone they want the newsletter”."),
    )


class StaffFeedbackForm(forms.Form):
    measure = forms.ChoiceField(label=_("Measure"), choices=FeedbackMeasure.choices)
    score = forms.IntegerField(label=_("Score"), min_value=1, max_value=7)
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class PublicFeedbackForm(forms.Form):
    score = forms.IntegerField(min_value=1, max_value=7, widget=forms.HiddenInput)
    comment = forms.CharField(
        label=_("Anything you would like to tell us? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def import_kind_choices():
    from stakeholders.importing import importers

    return [(kind, str(importer.label).capitalize()) for kind, importer in importers.items()]


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What are you importing?"), choices=import_kind_choices, widget=forms.RadioSelect
    )
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("Exports from CiviCRM, Salesforce NPSP, spreadsheets… up to 20 MB."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 20 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 20 MB; split it into parts."))
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        return upload


class RelationshipForm(forms.Form):
    related = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("Relationship"), choices=RelationshipKind.choices)
    role_title = forms.CharField(label=_("Job title or role"), max_length=100, required=False)


def add_errors(form, error):
    """Put a service's ValidationError next to the field it names (or on top of the form)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
