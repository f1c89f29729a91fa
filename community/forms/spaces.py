"""The staff's space form: the default language's name and description, one pair more for each
of the organization's other languages (kept in ``Space.translations``)."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from community.models import AUDIENCES, Space

LANGUAGE_NAMES = dict(settings.LANGUAGES)


class SpaceForm(forms.ModelForm):
    audiences = forms.MultipleChoiceField(
        label=_("Open to"),
        choices=AUDIENCES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Who may post (and read, in a members-only space). None ticked: everyone."),
    )

    class Meta:
        model = Space
        fields = ["name", "slug", "description", "visibility", "audiences", "position"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "slug": _(
                "Lower-case letters, digits and hyphens: it becomes the space's web address."
            ),
        }

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["position"].required = False
        self.other_languages = [
            code for code in organization.content_languages[1:] if code in LANGUAGE_NAMES
        ]
        translations = self.instance.translations or {}
        for code in self.other_languages:
            version = translations.get(code, {})
            language = LANGUAGE_NAMES[code]
            self.fields[f"name_{code}"] = forms.CharField(
                label=_("Name in %(language)s") % {"language": language},
                max_length=100,
                required=False,
                initial=version.get("name", ""),
            )
            self.fields[f"description_{code}"] = forms.CharField(
                label=_("Description in %(language)s") % {"language": language},
                max_length=300,
                required=False,
                initial=version.get("description", ""),
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            for name in (f"name_{code}", f"description_{code}"):
                self.fields[name].widget.attrs["lang"] = code
                self.fields[name].widget.attrs["dir"] = "auto"

    def clean_position(self):
        """Left empty: where it was (an existing space) or last (a new one, set by the service)."""
        position = self.cleaned_data.get("position")
        if position is None and self.instance.pk:
            return self.instance.position
        return position

    def clean_slug(self):
        return self.cleaned_data["slug"].lower()

    def space_data(self):
        """The cleaned fields as the services take them."""
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        if data["position"] is None:  # left empty: last (a new space) or where it was
            del data["position"]
        data["translations"] = {
            code: {
                "name": self.cleaned_data[f"name_{code}"].strip(),
                "description": self.cleaned_data[f"description_{code}"].strip(),
            }
            for code in self.other_languages
            if self.cleaned_data[f"name_{code}"].strip()
            or self.cleaned_data[f"description_{code}"].strip()
        }
        # Versions in languages the organization no longer offers are kept, not lost.
        for code, version in (self.instance.translations or {}).items():
            if code not in self.other_languages:
                data["translations"][code] = version
        return data
