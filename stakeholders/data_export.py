"""The PDF summary of a data subject access request, rendered with WeasyPrint, locked down."""

from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import HTML
from weasyprint.urls import URLFetcher


def render_pdf(*, organization, contact, data):
    """The summary needs no resource from anywhere: only inline data: URLs may be fetched."""
    language = contact.preferred_language or organization.language
    with translation.override(language):
        html = render_to_string(
            "stakeholders/contacts/data_export.html",
            {"organization": organization, "contact": contact, "data": data},
        )
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf()
