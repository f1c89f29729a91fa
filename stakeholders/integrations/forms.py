"""Forms of the webhook pages."""

from django import forms
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from stakeholders.integrations.events import event_types
from stakeholders.models import Role


class WebhookEndpointForm(forms.Form):
    url = forms.URLField(
        label=_("Endpoint URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("Where Steward sends the events, e.g. https://example.org/steward-events."),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=200,
        required=False,
        help_text=_("What receives them, e.g. “Accounting sync”."),
    )
    role = forms.ChoiceField(
        label=_("Receives what this role may see"),
        choices=Role.choices,
        initial=Role.VIEWER,
        help_text=_(
            "A client's data goes only to the caseworker and admin roles; gifts to roles that "
            "see donors; shifts to roles that see volunteers."
        ),
    )
    events = forms.MultipleChoiceField(
        label=_("Events to send"),
        choices=(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["events"].choices = [  # the code isolated: it reads left to right in Persian
            (name, format_html('{} (<bdi dir="ltr">{}</bdi>)', label, name))
            for name, label in event_types.choices()
        ]
