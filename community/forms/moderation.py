"""The moderators' forms (one per action, each posting to the post's page with ``step``), the
community settings form (admins) and the public report form."""

from django import forms
from django.utils.translation import gettext_lazy as _

from community.models import CommunitySettings
from stakeholders.public_forms import GuardedForm

REASON = forms.CharField(
    label=_("Reason"),
    max_length=300,
    help_text=_("Kept in the audit trail; the other moderators see it."),
)


class ReasonForm(forms.Form):
    """Reject, hide, block: a reason is required."""

    reason = REASON


class DismissForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class EditForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 8}))
    reason = forms.CharField(
        label=_("Reason for the edit"),
        max_length=300,
        help_text=_("Kept with the earlier version."),
    )

    def __init__(self, *args, kind, **kwargs):
        super().__init__(*args, **kwargs)
        if kind == "question":
            self.fields["title"].required = True
        else:
            del self.fields["title"]


class MoveForm(forms.Form):
    space = forms.ModelChoiceField(
        label=_("Move to space"), queryset=None, empty_label=_("Choose a space")
    )

    def __init__(self, *args, spaces, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["space"].queryset = spaces


class MergeForm(forms.Form):
    target = forms.IntegerField(
        label=_("Number of the question to keep"),
        min_value=1,
        help_text=_("Its address ends with this number: …/community/q/123/."),
    )

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions

    def clean_target(self):
        number = self.cleaned_data["target"]
        question = self.questions.filter(pk=number).first()
        if question is None:
            raise forms.ValidationError(
                _("No question with this number in the spaces you moderate.")
            )
        return question


class SettingsForm(forms.ModelForm):
    class Meta:
        model = CommunitySettings
        fields = ["enabled", "approve_first_posts", "held_words", "posts_per_hour"]
        widgets = {"held_words": forms.Textarea(attrs={"rows": 6})}
        help_texts = {
            "enabled": _("When closed, members can't ask, answer or join."),
            "approve_first_posts": _("0: everyone posts freely (the automatic holds still apply)."),
        }

    def clean_posts_per_hour(self):
        value = self.cleaned_data["posts_per_hour"]
        if value < 1:
            raise forms.ValidationError(_("At least one post an hour."))
        return value


class ReportForm(GuardedForm):
    """The public "report this post" form: a reason, the honeypot and the fill-time stamp."""

    REASONS = (
        ("spam", _("Spam or advertising")),
        ("rude", _("Rude or hurtful")),
        ("personal", _("Shares someone's personal details")),
        ("unsafe", _("Someone may be at risk")),
        ("other", _("Something else")),
    )
    kind = forms.ChoiceField(label=_("What is wrong?"), choices=REASONS, widget=forms.RadioSelect)
    details = forms.CharField(
        label=_("Details (optional)"),
        max_length=250,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def reason(self):
        """Stored as "kind|details": each moderator reads the kind in their own language."""
        details = self.cleaned_data.get("details", "").strip()
        return f"{self.cleaned_data['kind']}|{details}"


def reason_display(reason):
    """(label, details) of a stored report reason."""
    kind, _sep, details = reason.partition("|")
    return dict(ReportForm.REASONS).get(kind, kind), details
