"""Forms of ideas: a member's new idea (honeypot and fill-time stamp, as every public form) and
staff's status with a note."""

from django import forms
from django.utils.translation import gettext_lazy as _

from community.models import IdeaStatus
from stakeholders.public_forms import GuardedForm


class IdeaForm(GuardedForm):
    title = forms.CharField(label=_("Your idea in a few words"), max_length=200)
    body = forms.CharField(
        label=_("What would it change, and for whom?"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Please leave out names, phone numbers and addresses: everyone can read it."),
    )


class IdeaStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=IdeaStatus.choices)
    note = forms.CharField(
        label=_("Note from the team"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Shown with the idea. Moving it to “planned” or “done” emails its author and voters."
        ),
    )
