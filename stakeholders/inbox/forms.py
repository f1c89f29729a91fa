"""The shared inbox's forms: the list's filters, the actions on a conversation, the settings and
canned replies. Choices that name rows (members, contacts, templates) are this organization's."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.core.validators import MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from stakeholders.experience.recovery import area_choices
from stakeholders.inbox import selectors
from stakeholders.inbox.models import (
    CannedReply,
    ConversationStatus,
    InboxSettings,
    MessageChannel,
    WhatsAppTemplate,
)
from stakeholders.models import Contact


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name or obj.email


class FilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    stakeholder = forms.ChoiceField(label=_("Stakeholder type"), required=False)
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)
    area = forms.ChoiceField(label=_("Team"), required=False)
    breached = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args, organization, role, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            *ConversationStatus.choices,
            ("all", pgettext_lazy("conversation status", "All")),
        ]
        self.fields["channel"].choices = [
            ("", pgettext_lazy("channels", "All")),
            *MessageChannel.choices,
        ]
        visible = selectors.visible_areas(role)
        stakeholders = [("donor", _("Donors")), ("volunteer", _("Volunteers"))]
        if "client" in visible:
            stakeholders.append(("client", _("Clients")))
        self.fields["stakeholder"].choices = [("", _("Anyone")), *stakeholders]
        self.fields["assignee"].choices = [
            ("", _("Anyone")),
            ("me", _("Me")),
            ("none", _("Nobody (unassigned)")),
            *[
                (str(user.pk), user.name or user.email)
                for user in selectors.members(organization=organization)
            ],
        ]
        self.fields["area"].choices = [("", _("Every team")), *area_choices(role=role)]


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Reply"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 5, "data-inbox-reply": ""}),
    )
    template = forms.ModelChoiceField(
        label=_("WhatsApp template"),
        queryset=WhatsAppTemplate.objects.none(),
        required=False,
        help_text=_(
            "More than 24 hours since they last wrote: WhatsApp allows only an approved template."
        ),
    )
    variables = forms.CharField(
        label=_("Template values"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One line per placeholder: the first line fills {{1}}, the next {{2}}…"),
    )

    def __init__(self, *args, organization, conversation, window_open, **kwargs):
        super().__init__(*args, **kwargs)
        self.template_only = conversation.channel == MessageChannel.WHATSAPP and not window_open
        if self.template_only:
            del self.fields["body"]
            self.fields["template"].required = True
            self.fields["template"].queryset = WhatsAppTemplate.objects.filter(
                organization=organization
            )
        else:
            del self.fields["template"]
            del self.fields["variables"]

    def template_variables(self):
        lines = (self.cleaned_data.get("variables") or "").splitlines()
        return {str(index): line.strip() for index, line in enumerate(lines, start=1)}


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Internal note"),
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only your colleagues see it; it is never sent."),
    )


class AssignForm(forms.Form):
    assignee = MemberChoiceField(
        label=_("Assign to"),
        queryset=None,
        required=False,
        empty_label=_("Nobody (unassigned)"),
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = selectors.members(organization=organization)


SNOOZE_PRESETS = [
    ("hour", _("For an hour")),
    ("tomorrow", _("Until tomorrow at 9:00")),
    ("next_week", _("Until Monday next week at 9:00")),
    ("custom", _("Until a date and time")),
]


def snooze_until(preset, *, organization, custom=None, now=None):
    """The moment a preset means, in the organization's time zone."""
    now = now or timezone.now()
    zone = ZoneInfo(organization.timezone)
    local = now.astimezone(zone)
    if preset == "hour":
        return now + timedelta(hours=1)
    if preset == "tomorrow":
        return datetime.combine(local.date() + timedelta(days=1), time(9), tzinfo=zone)
    if preset == "next_week":
        days = 7 - local.weekday()
        return datetime.combine(local.date() + timedelta(days=days), time(9), tzinfo=zone)
    if custom is not None:
        if timezone.is_naive(custom):
            return custom.replace(tzinfo=zone)
        return custom
    return None


class SnoozeForm(forms.Form):
    preset = forms.ChoiceField(
        label=_("For how long"),
        choices=SNOOZE_PRESETS,
        initial="tomorrow",
        widget=forms.RadioSelect,
    )
    until = forms.DateTimeField(
        label=_("Date and time"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=_("In your organization's time zone. A new message from them wakes it sooner."),
    )

    def __init__(self, *args, organization, **kwargs):
        self.organization = organization
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        preset = data.get("preset")
        if preset == "custom" and not data.get("until"):
            self.add_error("until", _("Choose a date and time."))
            return data
        until = self.data.get(self.add_prefix("until")) and data.get("until")
        if until is not None and timezone.is_aware(until):
            # Django read it in the server's zone: the staff typed the organization's wall time.
            until = timezone.make_naive(until)
        data["moment"] = snooze_until(preset, organization=self.organization, custom=until)
        return data


class MoveForm(forms.Form):
    area = forms.ChoiceField(label=_("Move to team"))

    def __init__(self, *args, role, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = area_choices(role=role)


class LinkContactForm(forms.Form):
    contact = forms.ModelChoiceField(
        label=_("Contact"),
        queryset=None,
        widget=forms.HiddenInput,
        error_messages={
            "required": _("Choose a contact."),
            "invalid_choice": _("Choose a contact of your organization."),
        },
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = Contact.objects.filter(
            organization=organization, merged_into__isnull=True, erased_at__isnull=True
        )


class CreateContactForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)

    def clean(self):
        data = super().clean()
        if not (data.get("first_name") or data.get("last_name")):
            raise forms.ValidationError(_("Give at least a first or a last name."))
        return data


class InboxSettingsForm(forms.ModelForm):
    escalate_to = MemberChoiceField(
        label=_("Escalate overdue conversations to"),
        queryset=None,
        required=False,
        empty_label=_("The admins"),
        help_text=_("Admins hear about them when nobody is set."),
    )

    class Meta:
        model = InboxSettings
        fields = [
            "email_target_minutes",
            "sms_target_minutes",
            "whatsapp_target_minutes",
            "warn_before_minutes",
            "escalate_to",
        ]

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["escalate_to"].queryset = selectors.members(organization=organization)
        for name in self.Meta.fields[:4]:
            self.fields[name].widget.attrs.update({"min": 1, "inputmode": "numeric"})
            self.fields[name].validators.append(MinValueValidator(1))


class CannedReplyForm(forms.ModelForm):
    class Meta:
        model = CannedReply
        fields = ["title", "language", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 8})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = settings.LANGUAGES
