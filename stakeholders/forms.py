"""Forms of the core pages. Validation that needs the database lives in services."""

import zoneinfo

from babel import Locale
from babel.numbers import list_currencies
from django import forms
from django.conf import settings
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from stakeholders.models import Organization, Role

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
    currency = forms.ChoiceField(label=_("Currency"), choices=currency_choices)

    class Meta:
        model = Organization
        fields = [
            "name",
            "contact_email",
            "sender_name",
            "address",
            "timezone",
            "currency",
            "language",
            "logo",
            "require_mfa",
        ]
        widgets = {
            "address": forms.Textarea(attrs={"rows": 4}),
            "logo": forms.ClearableFileInput(
                attrs={"accept": "image/png,image/jpeg,image/webp,image/gif"}
            ),
        }

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        image = getattr(logo, "image", None)  # set only for a new upload, by forms.ImageField
        if image is None:
            return logo
        if logo.size > settings.LOGO_MAX_BYTES:
            raise forms.ValidationError(
                _("The logo is too large (%(size)d KB); the limit is %(limit)d KB.")
                % {"size": logo.size // 1024, "limit": settings.LOGO_MAX_BYTES // 1024}
            )
        if image.format not in LOGO_FORMATS:
            raise forms.ValidationError(_("Upload a PNG, JPEG, WebP or GIF image."))
        if max(image.size) > LOGO_MAX_PIXELS:
            raise forms.ValidationError(
                _("The logo is too big: at most %(max)d pixels on each side.")
                % {"max": LOGO_MAX_PIXELS}
            )
        return logo


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.VIEWER)


class MembershipRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("What will use it, e.g. “Website donations form”."),
    )
