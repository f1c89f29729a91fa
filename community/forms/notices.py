"""The staff form for a known-issue notice (times in the organization's zone)."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from community.models import Notice, NoticePlace

WHEN = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class NoticeForm(forms.ModelForm):
    places = forms.MultipleChoiceField(
        label=_("Shown on"), choices=NoticePlace.choices, widget=forms.CheckboxSelectMultiple
    )
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("Every language")), *settings.LANGUAGES],
        help_text=_("Readers of other languages don't see it."),
    )
    starts_at = forms.DateTimeField(label=_("From"), widget=WHEN)
    ends_at = forms.DateTimeField(label=_("Until"), widget=WHEN)

    class Meta:
        model = Notice
        fields = ["title", "body", "severity", "places", "language", "starts_at", "ends_at"]
        widgets = {"body": forms.Textarea(attrs={"rows": 3})}

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The end must be after the start."))
        return data
