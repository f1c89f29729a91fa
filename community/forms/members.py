"""The members' forms: join, ask for a sign-in link, and their own settings."""

from django import forms
from django.utils.translation import gettext_lazy as _

from stakeholders.public_forms import GuardedForm


class JoinForm(GuardedForm):
    email = forms.EmailField(
        label=_("Your email address"),
        help_text=_("We send a link to confirm it. Nobody in the community sees it."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=40,
        help_text=_(
            "The only name others see. You don't have to use your real name — many people don't."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    agree = forms.BooleanField(
        label=_(
            "I will be kind, and keep personal details — mine and other people's — out of my posts."
        )
    )

    field_order = ["email", "display_name", "agree", "website", "started"]


class SignInForm(GuardedForm):
    email = forms.EmailField(
        label=_("Your email address"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    next = forms.CharField(widget=forms.HiddenInput, required=False)

    field_order = ["email", "next", "website", "started"]


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=40,
        help_text=_("The only name others see."),
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    digest = forms.TypedChoiceField(
        label=_("Emails about the questions you follow"),
        choices=[
            ("instant", _("One email for each new answer")),
            ("digest", _("One email a day with all new answers")),
        ],
        coerce=lambda value: value == "digest",
        widget=forms.RadioSelect,
    )


class LeaveForm(forms.Form):
    confirm = forms.BooleanField(
        label=_(
            "I understand: my display name and email address are removed, and my posts stay "
            "under “Former member”."
        )
    )
