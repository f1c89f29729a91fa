"""Forms of the volunteers app: the public signup, the portal and the staff pages. Validation that
needs the database lives in services."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from stakeholders import formats
from stakeholders.content_versions import language_name
from stakeholders.services import normalise_phone
from volunteers import selectors
from volunteers.models import (
    DAY_PARTS,
    WEEKDAYS,
    HeardFrom,
    VolunteerProfile,
    availability_bit,
)

DATE = forms.DateInput(attrs={"type": "date"})
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
AVAILABILITY_CHOICES = [
    (f"{day}-{part}", format_lazy("{} {}", WEEKDAYS[day], DAY_PARTS[part]))
    for day in range(7)
    for part in range(3)
]


def availability_mask(values):
    mask = 0
    for value in values or ():
        day, part = (int(x) for x in value.split("-"))
        mask |= availability_bit(day, part)
    return mask


def availability_values(mask):
    return [f"{d}-{p}" for d in range(7) for p in range(3) if mask & availability_bit(d, p)]


def availability_grid(field):
    """Rows for the weekday × part-of-day table: each cell knows its value and whether it is
    ticked."""
    chosen = set(field.value() or [])
    return [
        {
            "day": WEEKDAYS[day],
            "cells": [
                {
                    "value": f"{day}-{part}",
                    "label": f"{WEEKDAYS[day]} {DAY_PARTS[part]}",
                    "checked": f"{day}-{part}" in chosen,
                    "id": f"{field.auto_id}_{day}_{part}",
                }
                for part in range(3)
            ],
        }
        for day in week_days()
    ]


def week_days():
    """Monday = 0 … Sunday = 6, from the day the reader's week starts on."""
    first = formats.first_weekday()
    return [(first + offset) % 7 for offset in range(7)]


class _Preferences(forms.Form):
    """Skills, interests and availability: the same on the signup form, in the portal and on
    the staff profile page."""

    skills = forms.MultipleChoiceField(
        label=_("Skills"), required=False, widget=forms.CheckboxSelectMultiple
    )
    other_skills = forms.CharField(
        label=_("Other skills"),
        max_length=300,
        required=False,
        help_text=_("Anything else you are good at or would like to learn."),
    )
    causes = forms.MultipleChoiceField(
        label=_("What would you like to help with?"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    availability = forms.MultipleChoiceField(
        label=_("When are you usually free?"),
        required=False,
        choices=AVAILABILITY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )
    languages = forms.CharField(
        label=_("Languages you speak"),
        max_length=200,
        required=False,
        help_text=_("e.g. English, Persian, Khmer"),
    )

    def __init__(self, *args, organization, skills=None, causes=None, **kwargs):
        """``skills`` and ``causes`` ([(id, name)]) may come from a cache (the public form)."""
        super().__init__(*args, **kwargs)
        self.organization = organization
        if skills is None:
            skills = [(s.pk, s.name) for s in selectors.skills(organization=organization)]
        if causes is None:
            causes = [(c.pk, c.name) for c in selectors.causes(organization=organization)]
        self.fields["skills"].choices = [(str(pk), name) for pk, name in skills]
        self.fields["causes"].choices = [(str(pk), name) for pk, name in causes]
        if not self.fields["skills"].choices:
            del self.fields["skills"]
        if not self.fields["causes"].choices:
            del self.fields["causes"]

    @property
    def availability_rows(self):
        return availability_grid(self["availability"])

    def preference_data(self):
        data = self.cleaned_data
        return {
            "skill_ids": [int(pk) for pk in data.get("skills", [])],
            "cause_ids": [int(pk) for pk in data.get("causes", [])],
            "availability": availability_mask(data.get("availability")),
            "other_skills": data.get("other_skills", ""),
            "languages": data.get("languages", ""),
        }


class SignupForm(_Preferences):
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    email = forms.EmailField(label=_("Email"), max_length=254)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    heard_from = forms.ChoiceField(
        label=_("How did you hear about us?"),
        choices=[("", "—"), *HeardFrom.choices],
        required=False,
    )
    under_18 = forms.BooleanField(label=_("I am under 18"), required=False)
    guardian_name = forms.CharField(
        label=_("Parent or guardian's name"), max_length=150, required=False
    )
    guardian_email = forms.EmailField(label=_("Parent or guardian's email"), required=False)
    guardian_phone = forms.CharField(
        label=_("Parent or guardian's phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel"}),
    )
    consent = forms.BooleanField(label=_("I agree"))
    # The honeypot: hidden from people (and from screen readers); bots fill it in.
    website = forms.CharField(
        label=_("Leave this empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
    started = forms.CharField(widget=forms.HiddenInput, required=False)

    FIELD_ORDER = [
        "first_name",
        "last_name",
        "email",
        "phone",
        "skills",
        "other_skills",
        "causes",
        "availability",
        "languages",
        "heard_from",
        "under_18",
        "guardian_name",
        "guardian_email",
        "guardian_phone",
        "consent",
        "website",
        "started",
    ]

    def __init__(self, *args, consent_wording="", **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(self.FIELD_ORDER)
        self.consent_wording = consent_wording or str(
            _(
                "I agree that this organization keeps my details to arrange volunteering and "
                "emails me about it. I can ask for them to be removed at any time."
            )
        )
        self.fields["consent"].label = self.consent_wording
        self.fields["first_name"].widget.attrs["autocomplete"] = "given-name"
        self.fields["last_name"].widget.attrs["autocomplete"] = "family-name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"

    def _phone(self, name):
        value = self.cleaned_data.get(name, "")
        try:
            return normalise_phone(value, country=self.organization.country)
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from error

    def clean_phone(self):
        return self._phone("phone")

    def clean_guardian_phone(self):
        return self._phone("guardian_phone")

    def clean(self):
        data = super().clean()
        if data.get("under_18"):
            for name in ("guardian_name", "guardian_email"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(
                        name, _("Under 18: we need a parent or guardian's name and email.")
                    )
        return data

    @property
    def is_bot(self):
        return bool(self.data.get("website"))

    def signup_data(self):
        data = self.cleaned_data
        prefs = self.preference_data()
        under_18 = bool(data.get("under_18"))
        return {
            "first_name": data["first_name"].strip(),
            "last_name": data["last_name"].strip(),
            "email": data["email"],
            "phone": data.get("phone", ""),
            "skills": prefs["skill_ids"],
            "other_skills": prefs["other_skills"],
            "causes": prefs["cause_ids"],
            "availability": prefs["availability"],
            "languages": prefs["languages"],
            "heard_from": data.get("heard_from", ""),
            "under_18": under_18,
            "guardian_name": data.get("guardian_name", "") if under_18 else "",
            "guardian_email": data.get("guardian_email", "") if under_18 else "",
            "guardian_phone": data.get("guardian_phone", "") if under_18 else "",
            "consent": True,
            "consent_wording": self.consent_wording,
        }


class EmailForm(forms.Form):
    email = forms.EmailField(label=_("Your email address"))


class PortalPreferencesForm(_Preferences):
    pass


class ProfileForm(_Preferences):
    status = forms.ChoiceField(label=_("Status"), choices=VolunteerProfile.Status.choices)
    birth_date = forms.DateField(label=_("Date of birth"), required=False, widget=DATE)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(["status", "birth_date"])


class HoursForm(forms.Form):
    worked_on = forms.DateField(label=_("Date"), widget=DATE)
    hours = forms.DecimalField(
        label=_("Hours"), min_value=Decimal("0.25"), max_value=24, decimal_places=2, max_digits=5
    )
    opportunity = forms.TypedChoiceField(
        label=_("Opportunity"), required=False, coerce=int, empty_value=None
    )
    description = forms.CharField(label=_("What did you do?"), max_length=300, required=False)

    def __init__(self, *args, organization, profiles=None, language=None, **kwargs):
        super().__init__(*args, **kwargs)
        found = list(selectors.opportunities(organization=organization))
        # A volunteer picks from the titles in their language; the choice is the original.
        versions = (
            selectors.opportunity_versions(
                organization=organization, language=language, ids=[o.pk for o in found]
            )
            if language
            else {}
        )
        self.fields["opportunity"].choices = [("", "—")] + [
            (o.pk, versions.get(o.pk, o).title) for o in found
        ]
        if profiles is not None:
            self.fields["profile"] = forms.TypedChoiceField(
                label=_("Volunteer"), coerce=int, choices=profiles
            )
            self.order_fields(["profile"])


class OpportunityVersionForm(forms.Form):
    """A version of an opportunity in another language: its words (the rest is the original's)."""

    title = forms.CharField(label=_("Title"), max_length=150)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    location = forms.CharField(label=_("Location"), max_length=200, required=False)

    def __init__(self, *args, language, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # typed in the version's language and direction
            field.widget.attrs.update({"lang": language, "dir": "auto"})


class OpportunityForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=150)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    cause = forms.TypedChoiceField(
        label=_("Cause or programme"), required=False, coerce=int, empty_value=None
    )
    skills = forms.TypedMultipleChoiceField(
        label=_("Skills needed"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    trainings = forms.TypedMultipleChoiceField(
        label=_("Trainings required"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Volunteers can only take its shifts once these are done and valid."),
    )
    location = forms.CharField(label=_("Location"), max_length=200, required=False)
    city = forms.CharField(
        label=_("Town or city"),
        max_length=100,
        required=False,
        help_text=_("Used to match people nearby."),
    )
    minimum_age = forms.IntegerField(
        label=_("Minimum age"), required=False, min_value=0, max_value=120
    )
    is_active = forms.BooleanField(label=_("Open for volunteers"), required=False, initial=True)

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cause"].choices = [("", "—")] + [
            (c.pk, c.name) for c in selectors.causes(organization=organization)
        ]
        self.fields["skills"].choices = [
            (s.pk, s.name) for s in selectors.skills(organization=organization)
        ]
        self.fields["trainings"].choices = [
            (t.pk, t.name) for t in selectors.trainings(organization=organization)
        ]


class ShiftForm(forms.Form):
    REPEAT = [
        (0, _("Only once")),
        (1, _("Every week")),
        (2, _("Every two weeks")),
        (4, _("Every four weeks")),
    ]
    date = forms.DateField(label=_("Date"), widget=DATE)
    starts = forms.TimeField(label=_("Starts"), widget=TIME)
    ends = forms.TimeField(label=_("Ends"), widget=TIME)
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=500, initial=1)
    location = forms.CharField(
        label=_("Location"),
        max_length=200,
        required=False,
        help_text=_("Empty: the opportunity's."),
    )
    notes = forms.CharField(
        label=_("Notes for volunteers"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    repeat_weeks = forms.TypedChoiceField(label=_("Repeat"), choices=REPEAT, coerce=int, initial=0)
    until = forms.DateField(label=_("Repeat until"), required=False, widget=DATE)


class ShiftEditForm(forms.Form):
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=500)
    notes = forms.CharField(
        label=_("Notes for volunteers"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class AssignForm(forms.Form):
    profile = forms.TypedChoiceField(label=_("Volunteer"), coerce=int)

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["profile"].choices = choices


class ThankForm(forms.Form):
    message = forms.CharField(
        label=_("Your message"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Sent by email in your name, and kept on their timeline."),
    )


class TrainingForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    valid_months = forms.IntegerField(
        label=_("Valid for (months)"),
        required=False,
        min_value=1,
        max_value=240,
        help_text=_("Empty: it never expires."),
    )
    grants_skill = forms.TypedChoiceField(
        label=_("Skill it gives"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grants_skill"].choices = [("", "—")] + [
            (s.pk, s.name) for s in selectors.skills(organization=organization)
        ]


class TrainingRecordForm(forms.Form):
    training = forms.TypedChoiceField(label=_("Training"), coerce=int)
    completed_on = forms.DateField(label=_("Completed on"), widget=DATE)

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["training"].choices = [
            (t.pk, t.name) for t in selectors.trainings(organization=organization)
        ]


class SettingsForm(forms.Form):
    """The volunteer settings; the public texts get one box more per language of the
    organization's readers besides its default (``languages``)."""

    hourly_rate = forms.DecimalField(
        label=_("Value of a volunteer hour"),
        min_value=0,
        max_digits=8,
        decimal_places=2,
        help_text=_("Used to show the value of volunteer time (e.g. the national rate)."),
    )
    signup_intro = forms.CharField(
        label=_("Introduction on the signup form"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    consent_wording = forms.CharField(
        label=_("Consent wording"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What people agree to on the signup form (shown next to a required tick)."),
    )
    skills_text = forms.CharField(
        label=_("Skills (one per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Removing a line removes that skill from profiles and opportunities."),
    )
    causes_text = forms.CharField(
        label=_("Causes and programmes (one per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    embed_origins = forms.CharField(
        label=_("Websites that may embed the form"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "One address per line, e.g. https://www.example.org. Empty: any https website."
        ),
    )

    TRANSLATED = {"signup_intro": 1000, "consent_wording": None}

    def __init__(self, *args, languages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.languages = list(languages)
        order = []
        for name in list(self.fields):
            order.append(name)
            if name not in self.TRANSLATED:
                continue
            for code in self.languages:
                base = self.fields[name]
                self.fields[f"{name}_{code}"] = forms.CharField(
                    label=_("%(label)s in %(language)s")
                    % {"label": base.label, "language": language_name(code)[0]},
                    required=False,
                    max_length=self.TRANSLATED[name],
                    widget=forms.Textarea(attrs={"rows": 3, "lang": code, "dir": "auto"}),
                )
                order.append(f"{name}_{code}")
        self.order_fields(order)

    def text_translations(self):
        """``{"fa": {"signup_intro": …, "consent_wording": …}}`` from the language boxes."""
        return {
            code: {name: self.cleaned_data.get(f"{name}_{code}", "") for name in self.TRANSLATED}
            for code in self.languages
        }

    def settings_data(self):
        """What ``services.settings_save`` takes."""
        data = {
            name: value for name, value in self.cleaned_data.items() if name in self.base_fields
        }
        return {**data, "text_translations": self.text_translations()}
