"""The community's posting forms. Asking and answering are public-facing forms (a honeypot and
a fill-time stamp from the core's ``GuardedForm``); the rest is checked by the services."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from community.services.questions import MAX_TAGS, normalise_tags
from stakeholders.public_forms import GuardedForm


class AskForm(GuardedForm):
    space = forms.ChoiceField(label=_("Space"))
    title = forms.CharField(
        label=_("Your question"),
        min_length=10,
        max_length=200,
        help_text=_("One sentence, as you would ask a friend."),
    )
    body = forms.CharField(
        label=_("Details"),
        min_length=20,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "What happened, what you tried. Please leave out names, addresses and phone numbers."
        ),
    )
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=250,
    )

    field_order = ["space", "title", "body", "tags", "website", "started"]

    def __init__(self, *args, spaces, similar_url="", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tags"].help_text = _("Up to %(count)d, separated by commas.") % {
            "count": MAX_TAGS
        }
        self.spaces = {space.slug: space for space in spaces}
        self.fields["space"].choices = [(space.slug, space.shown_name) for space in spaces]
        if similar_url:  # similar questions and help articles as one types the title
            self.fields["title"].widget.attrs.update(
                {
                    "hx-get": similar_url,
                    "hx-trigger": "input changed delay:400ms",
                    "hx-target": "#similar",
                    "aria-describedby": "id_title_helptext similar",
                    "autocomplete": "off",
                }
            )

    def clean_tags(self):
        try:
            return normalise_tags(self.cleaned_data.get("tags", ""))
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from error

    def clean_title(self):
        return " ".join(self.cleaned_data["title"].split())

    @property
    def chosen_space(self):
        return self.spaces[self.cleaned_data["space"]]


class AnswerForm(GuardedForm):
    body = forms.CharField(
        label=_("Your answer"),
        min_length=10,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Share what worked for you. Please leave out names and phone numbers."),
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"),
        min_length=2,
        max_length=600,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    answer = forms.IntegerField(required=False, widget=forms.HiddenInput)
