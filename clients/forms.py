"""Forms of the clients pages. Validation that needs the database lives in services."""

from django import forms
from django.forms import modelformset_factory
from django.utils.translation import gettext_lazy as _

from clients.models import (
    Article,
    ArticleCategory,
    ClientSettings,
    Priority,
    Programme,
    RequestCategory,
    RequestChannel,
    RequestKind,
    ServiceLevel,
    Session,
    Status,
)
from stakeholders.models import ComplaintCategory, Direction, Holiday, Role, User, WorkingHours
from stakeholders.services import normalise_phone

CLIENT_ROLES = (Role.ADMIN, Role.CASEWORKER)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (checked by the service: type, size, number)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,.docx,.txt"})
        )
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


def _caseworkers(organization):
    return User.objects.filter(
        memberships__organization=organization, memberships__role__in=CLIENT_ROLES
    ).order_by("name", "email")


class OrganizationChoicesMixin:
    def _limit(self, organization):
        if "category" in self.fields:
            self.fields["category"].queryset = RequestCategory.objects.filter(
                organization=organization
            )
        if "complaint_category" in self.fields:
            self.fields["complaint_category"].queryset = ComplaintCategory.objects.filter(
                organization=organization
            )
        if "assignee" in self.fields:
            self.fields["assignee"].queryset = _caseworkers(organization)


class StaffRequestForm(OrganizationChoicesMixin, forms.Form):
    """A request staff log for a client (found by id, or named here)."""

    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    channel = forms.ChoiceField(label=_("Received by"), choices=RequestChannel.choices)
    kind = forms.ChoiceField(label=_("Kind"), choices=RequestKind.choices, initial="request")
    category = forms.ModelChoiceField(label=_("Category"), queryset=None, required=False)
    complaint_category = forms.ModelChoiceField(
        label=_("Complaint about"), queryset=None, required=False
    )
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial="normal")
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)
    assignee = forms.ModelChoiceField(label=_("Assign to"), queryset=None, required=False)
    attachments = MultipleFileField(label=_("Attachments"))

    def __init__(self, *args, organization, contact=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.contact = contact
        self._limit(organization)
        if contact is not None:
            for name in ("first_name", "last_name", "email"):
                del self.fields[name]

    def clean(self):
        data = super().clean()
        if self.contact is None and not (data.get("last_name") or data.get("first_name")):
            self.add_error("last_name", _("Give the client's name."))
        return data


class RequestEditForm(OrganizationChoicesMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=RequestKind.choices)
    category = forms.ModelChoiceField(label=_("Category"), queryset=None, required=False)
    complaint_category = forms.ModelChoiceField(
        label=_("Complaint about"), queryset=None, required=False
    )
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self._limit(organization)


class AssignForm(OrganizationChoicesMixin, forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("Assign to"), queryset=None, required=False, empty_label=_("Nobody")
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self._limit(organization)


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (s.value, s.label) for s in (Status.NEW, Status.OPEN, Status.WAITING, Status.CLOSED)
        ],
    )


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Reply to the client (sent by email)"), widget=forms.Textarea)
    then = forms.ChoiceField(
        label=_("Then"),
        choices=[
            (Status.WAITING.value, _("Wait for the client")),
            (Status.OPEN.value, _("Keep open")),
        ],
        initial=Status.WAITING,
    )
    attachments = MultipleFileField(label=_("Attachments"))


class CallForm(forms.Form):
    direction = forms.ChoiceField(label=_("Who called"), choices=Direction.choices)
    body = forms.CharField(label=_("What was said"), widget=forms.Textarea)


class NoteForm(forms.Form):
    body = forms.CharField(label=_("Internal note (not sent)"), widget=forms.Textarea)


class ResolveForm(forms.Form):
    summary = forms.CharField(
        label=_("How it was resolved (sent to the client)"), widget=forms.Textarea
    )
    resolution_action = forms.CharField(
        label=_("What did we do to put it right?"), widget=forms.Textarea, required=False
    )
    satisfaction_restored = forms.TypedChoiceField(
        label=_("Is the client satisfied again?"),
        choices=[("", _("Choose…")), ("yes", _("Yes")), ("no", _("No, not yet"))],
        coerce=lambda value: value == "yes",
        empty_value=None,
        required=False,
    )

    def __init__(self, *args, complaint=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not complaint:
            del self.fields["resolution_action"]
            del self.fields["satisfaction_restored"]


# --- Public forms ------------------------------------------------------------------------------


class PublicRequestForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    email = forms.EmailField(
        label=_("Email"), help_text=_("We send the link to follow your request here.")
    )
    phone = forms.CharField(
        label=_("Phone (optional)"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    reply_channel = forms.ChoiceField(
        label=_("How should we reply?"),
        choices=[
            ("email", _("By email")),
            ("sms", _("By text message (SMS)")),
            ("whatsapp", _("By WhatsApp")),
        ],
        initial="email",
        required=False,
        help_text=_(
            "We tell you about your request this way once you have confirmed it from our email."
        ),
    )
    mobile = forms.CharField(
        label=_("Mobile number (for SMS or WhatsApp)"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    category = forms.ModelChoiceField(
        label=_("What is it about?"), queryset=None, required=False, empty_label=_("Something else")
    )
    subject = forms.CharField(
        label=_("Your question in a few words"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    description = forms.CharField(label=_("Tell us more"), widget=forms.Textarea, required=False)
    is_complaint = forms.BooleanField(
        label=_("This is a complaint about our service"), required=False
    )
    attachments = MultipleFileField(
        label=_("Documents (optional)"),
        help_text=_("Up to 3 files: PDF, photo (JPEG, PNG), Word or text, 10 MB each."),
    )
    thank_you_consent = forms.BooleanField(
        label=_("You may send me a thank-you when I complete a programme"), required=False
    )
    # Anti-abuse: a field people don't see (bots fill it) and when the form was opened.
    website = forms.CharField(required=False, label=_("Leave this empty"))
    started = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, organization, suggest_url="", **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["category"].queryset = RequestCategory.objects.filter(
            organization=organization, is_public=True
        )
        if suggest_url:  # articles that may answer it, shown as the client types
            self.fields["subject"].widget.attrs.update(
                {
                    "hx-get": suggest_url,
                    "hx-trigger": "keyup changed delay:400ms",
                    "hx-target": "#suggestions",
                    "aria-describedby": "suggestions",
                }
            )
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})

    def clean_mobile(self):
        mobile = self.cleaned_data.get("mobile", "")
        return normalise_phone(mobile, country=self.organization.country) if mobile else ""

    def clean(self):
        data = super().clean()
        data["reply_channel"] = data.get("reply_channel") or "email"
        if (
            data["reply_channel"] != "email"
            and not data.get("mobile")
            and "mobile" not in self.errors
        ):
            self.add_error("mobile", _("Give your mobile number to get our answers by text."))
        return data


class ClientMessageForm(forms.Form):
    body = forms.CharField(label=_("Your message"), widget=forms.Textarea)
    attachments = MultipleFileField(
        label=_("Documents (optional)"),
        help_text=_("Up to 3 files: PDF, photo (JPEG, PNG), Word or text, 10 MB each."),
    )


class HelpSearchForm(forms.Form):
    q = forms.CharField(label=_("Search the help centre"), max_length=200, required=False)


# --- Settings --------------------------------------------------------------------------------


class ClientSettingsForm(forms.ModelForm):
    class Meta:
        model = ClientSettings
        fields = ["around_the_clock", "warn_before_minutes", "team_lead", "csat_after_resolution"]

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team_lead"].queryset = _caseworkers(organization)


WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class WorkingHoursForm(forms.ModelForm):
    weekday = forms.TypedChoiceField(label=_("Day"), choices=WEEKDAYS, coerce=int)

    class Meta:
        model = WorkingHours
        fields = ["weekday", "opens", "closes"]
        widgets = {
            "opens": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "closes": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }


WorkingHoursFormSet = modelformset_factory(
    WorkingHours, form=WorkingHoursForm, extra=2, can_delete=True
)


class HolidayForm(forms.ModelForm):
    class Meta:
        model = Holiday
        fields = ["date", "name"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"})}


class ServiceLevelForm(forms.ModelForm):
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=None, required=False, empty_label=_("Any category")
    )

    class Meta:
        model = ServiceLevel
        fields = ["category", "priority", "first_response_minutes", "resolution_minutes"]

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = RequestCategory.objects.filter(organization=organization)


ServiceLevelFormSet = modelformset_factory(
    ServiceLevel, form=ServiceLevelForm, extra=1, can_delete=True
)


class RequestCategoryForm(forms.ModelForm):
    class Meta:
        model = RequestCategory
        fields = ["name", "is_public"]


# --- Help centre editor ------------------------------------------------------------------------


class ArticleForm(forms.ModelForm):
    category = forms.ModelChoiceField(label=_("Category"), queryset=None)

    class Meta:
        model = Article
        fields = ["category", "title", "summary", "body", "is_faq", "is_published"]
        widgets = {"body": forms.Textarea(attrs={"rows": 14})}

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = ArticleCategory.objects.filter(organization=organization)


class ArticleCategoryForm(forms.ModelForm):
    class Meta:
        model = ArticleCategory
        fields = ["name", "description", "position"]


# --- Service records -------------------------------------------------------------------------


class ProgrammeForm(forms.ModelForm):
    class Meta:
        model = Programme
        fields = ["name", "description", "unit", "sessions_to_complete", "is_active"]


class ServiceRecordForm(forms.Form):
    programme = forms.ModelChoiceField(label=_("Programme"), queryset=None)
    delivered_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    quantity = forms.DecimalField(label=_("Quantity"), min_value=0, max_digits=9, decimal_places=2)
    notes = forms.CharField(label=_("Case notes"), widget=forms.Textarea, required=False)

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = Programme.objects.filter(
            organization=organization, is_active=True
        )


class CompletionForm(forms.Form):
    programme = forms.ModelChoiceField(label=_("Programme completed"), queryset=None)
    consent = forms.TypedChoiceField(
        label=_("May we send them a thank-you?"),
        choices=[("", _("Not asked")), ("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
        empty_value=None,
        required=False,
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = Programme.objects.filter(organization=organization)


class SessionForm(forms.ModelForm):
    class Meta:
        model = Session
        fields = ["title", "starts_at", "location"]
        widgets = {"starts_at": forms.DateTimeInput(attrs={"type": "datetime-local"})}
