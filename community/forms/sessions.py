"""The staff form for an expert session (times in the organization's zone; the space and host
are chosen among the organization's own)."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from community.forms.notices import WHEN
from community.models import ExpertSession, Space
from stakeholders.models import Membership


class SessionForm(forms.ModelForm):
    # Chosen among the organization's open spaces (set per form: the manager needs a scope).
    space = forms.ModelChoiceField(label=_("Space"), queryset=None)
    starts_at = forms.DateTimeField(label=_("Starts"), widget=WHEN)
    ends_at = forms.DateTimeField(label=_("Ends"), widget=WHEN)

    class Meta:
        model = ExpertSession
        fields = ["space", "title", "description", "host", "starts_at", "ends_at"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"host": _("The staff member who answers live.")}

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["space"].queryset = Space.objects.filter(
            organization=organization, is_archived=False
        )
        self.fields["host"].queryset = (
            get_user_model()
            .objects.filter(
                pk__in=Membership.objects.filter(organization=organization).values("user_id")
            )
            .order_by("name", "email")
        )
        self.fields["host"].label_from_instance = lambda user: user.name or user.email

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The end must be after the start."))
        return data
