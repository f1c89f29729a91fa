"""Forms of the thank-you pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from stakeholders.forms import check_image_upload
from thankyous.models import ThankYouSettings, ThankYouTemplate


class TemplateForm(forms.ModelForm):
    class Meta:
        model = ThankYouTemplate
        fields = [
            "name",
            "rule",
            "major_threshold",
            "email_subject",
            "email_body",
            "email_html",
            "letter_body",
            "paper_size",
            "signature_image",
            "attach_letter",
            "post_letter_too",
            "is_active",
        ]
        widgets = {
            "signature_image": forms.ClearableFileInput(
                attrs={"accept": "image/png,image/jpeg,image/webp,image/gif"}
            ),
            "email_body": forms.Textarea(attrs={"rows": 8, "class": "code"}),
            "email_html": forms.Textarea(attrs={"rows": 6, "class": "code"}),
            "letter_body": forms.Textarea(attrs={"rows": 10, "class": "code"}),
        }
        help_texts = {
            "email_body": _("Merge fields are listed beside the form, for each kind of thank-you.")
        }

    def clean_signature_image(self):
        return check_image_upload(self.cleaned_data.get("signature_image"))


class TemplateTranslationForm(TemplateForm):
    """A template's version in another language: its texts only; when it is used, how it is
    sent and who signs are the original's (``services.TEMPLATE_SHARED_FIELDS``)."""

    class Meta(TemplateForm.Meta):
        fields = ["email_subject", "email_body", "email_html", "letter_body"]


class SettingsForm(forms.ModelForm):
    class Meta:
        model = ThankYouSettings
        fields = ["batch_hour", "target_hours", "thank_on_entry"]

    def clean_batch_hour(self):
        hour = self.cleaned_data["batch_hour"]
        if hour > 23:
            raise forms.ValidationError(_("An hour from 0 to 23."))
        return hour


class SkipForm(forms.Form):
    reason = forms.CharField(label=_("Why is it not sent?"), max_length=40)
