"""Rendering thank-yous: a sandboxed template language for what staff write, and WeasyPrint
locked down so a letter can't read the server's files or reach the network.

One FontConfiguration and the letter stylesheet are made once per process and reused (a fresh
FontConfiguration per letter makes memory grow; see DESIGN.md). PDFs are made on one thread per
process (``_on_render_thread``), so a letter costs the same wherever it is asked for.
"""

import mimetypes
import os
from concurrent.futures import ThreadPoolExecutor
from functools import cache, lru_cache

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import conditional_escape, linebreaks, urlize
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from jinja2 import TemplateError
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from stakeholders import branding, sandbox
from stakeholders.pdf import breakable_html

TEXT = sandbox.LetterEnvironment(autoescape=False)
MARKUP = sandbox.LetterEnvironment(autoescape=True)
LOGO_URL = "steward-logo:"
SIGNATURE_URL = "steward-signature:"


def render_text(source, fields, *, html=False):
    """Render what staff wrote with merge fields only: plain strings, no attributes to walk, no
    settings, no other organization's data; an unknown field is an error, not a blank. Within
    the sandbox's limits of size and time (``stakeholders.sandbox``), or a ``TemplateError``."""
    return sandbox.render(_compiled(source, html), fields)


@lru_cache(maxsize=512)
def _compiled(source, html):
    """Compiling costs more than rendering: a batch compiles each template once per process."""
    return (MARKUP if html else TEXT).compile_checked(source)


def check_template(template, fields):
    """Render every part with sample fields: mistakes show when the template is saved."""
    errors = {}
    parts = (
        ("email_subject", False),
        ("email_body", False),
        ("email_html", True),
        ("letter_body", True),
    )
    for name, html in parts:
        source = getattr(template, name)
        if not source:
            continue
        try:
            render_text(source, fields, html=html)
        except sandbox.LimitExceeded as error:
            errors[name] = [error.message]
        except TemplateError as error:
            errors[name] = [_("This does not work: %(error)s") % {"error": error.message or error}]
    if errors:
        raise ValidationError(errors)


class LetterFetcher(URLFetcher):
    """Serves the organization's logo and the template's signature image, and nothing else: no
    file://, no http(s), no data of other tenants. Anything refused is left out of the letter."""

    def __init__(self, logo_name, signature_name):
        super().__init__(allowed_protocols={"steward-logo", "steward-signature"})
        self.files = {LOGO_URL: logo_name, SIGNATURE_URL: signature_name}

    def fetch(self, url, headers=None):
        name = self.files.get(url)
        if not name:
            raise ValueError(f"refused: {url[:80]}")
        with default_storage.open(name, "rb") as handle:
            body = handle.read()
        content_type = mimetypes.guess_type(name)[0] or "image/png"
        return URLFetcherResponse(url, body, {"Content-Type": content_type}, 200)


@lru_cache(maxsize=256)
def _fetcher(logo_name, signature_name):
    """One fetcher per pair of files (making one costs more than a letter's database work); a
    new image has a new file name, so a cached fetcher never serves an old one."""
    return LetterFetcher(logo_name, signature_name)


def fetcher_for(organization, template=None):
    signature = template.signature_image if template is not None else None
    return _fetcher(
        organization.logo.name if organization.logo else "",
        signature.name if signature else "",
    )


@cache
def _fonts():
    return FontConfiguration()


@cache
def _letter_css(paper_size):
    return CSS(
        string=render_to_string("letters/letter.css", {"paper": paper_size}), font_config=_fonts()
    )


def letter_html(*, organization, template, fields):
    # Safe to insert as HTML: the markup is the staff's own, and the sandbox escaped every field.
    body = mark_safe(render_text(template.letter_body, fields, html=True))  # noqa: S308
    return render_to_string(
        "letters/letter.html",
        {
            "organization": organization,
            "body": body,
            "fields": fields,
            "logo_url": LOGO_URL,
            "signature_url": SIGNATURE_URL if template.signature_image else "",
        },
    )


def email_html(*, organization, body):
    """The email's HTML part: ``body`` (from ``email_html_body``) in the email layout."""
    return render_to_string("emails/thankyou.html", {"organization": organization, "body": body})


_BODY = "\ufdd0body\ufdd0"  # a noncharacter: in no layout and no body


def email_html_in_layout(*, organization, body):
    """``email_html``, the same HTML, for a batch: the layout (``emails/thankyou.html``) shows
    the organization's name and brand in the language of the email, so it is rendered once for
    each of those and each body put in its place."""
    brand = branding.brand(organization)
    key = (translation.get_language(), organization.pk, organization.name, *brand.items())
    parts = _email_layout(key, organization)
    if len(parts) != 2:  # the body is not once in the layout: rendered as it is
        return email_html(organization=organization, body=body)
    # As ``{{ body }}`` puts it: escaped, unless marked safe (``email_html_body``'s is).
    return mark_safe(parts[0] + conditional_escape(body) + parts[1])  # noqa: S308


@lru_cache(maxsize=256)
def _email_layout(key, organization):
    # ``key`` is all the layout shows (``organization`` adds only its id, already in ``key``).
    return email_html(organization=organization, body=mark_safe(_BODY)).split(_BODY)  # noqa: S308


def email_html_body(*, template, fields, text):
    """What staff wrote in HTML, or else the email's ``text`` with paragraphs and links that can
    be clicked."""
    if template.email_html:
        # Safe as HTML: the markup is the staff's own, and the sandbox escaped every field.
        return mark_safe(render_text(template.email_html, fields, html=True))  # noqa: S308
    return mark_safe(linebreaks(urlize(text, autoescape=True)))  # noqa: S308 (escaped)


def letter_pdf(*, organization, template, fields):
    return letter_pdf_started(organization=organization, template=template, fields=fields).result()


def letter_pdf_started(*, organization, template, fields):
    """The letter's PDF as a Future: it is made on the render thread while the caller goes on."""
    html = letter_html(organization=organization, template=template, fields=fields)
    fetcher = fetcher_for(organization, template)
    return _on_render_thread(_pdf, html, fetcher, template.paper_size, base_url=LOGO_URL)


def cover_sheet_pdf(*, organization, rows):
    html = render_to_string(
        "letters/cover.html",
        {"organization": organization, "rows": rows, "count": len(rows), "made_at": timezone.now()},
    )
    return _on_render_thread(_pdf, html, fetcher_for(organization), "A4").result()


def _pdf(html, fetcher, paper_size, base_url=None):
    # Khmer wraps between its words, not only at spaces (stakeholders/pdf.py).
    document = HTML(string=breakable_html(html), url_fetcher=fetcher, base_url=base_url)
    return document.write_pdf(stylesheets=[_letter_css(paper_size)], font_config=_fonts())


def _on_render_thread(function, *args, **kwargs):
    """Run WeasyPrint on this process's render thread, which starts with an empty call stack;
    returns a Future.

    CPython 3.11 keeps frames in 16 KiB chunks and unmaps a chunk as soon as the call that
    opened it returns (CPython gh-142183; 3.13 and 3.14 got a fix in 2026). WeasyPrint recurses
    deeply, so at an unlucky starting depth every letter maps and unmaps a chunk thousands of
    times: measured in a Celery worker, 150 page faults and 1 ms of system time per letter
    (0.9 of the speed of a plain process). From a thread of its own the depth is the same
    wherever the letter is asked for — batch, preview, "Thank now", benchmark.
    """
    return _renderer.submit(function, *args, **kwargs)


def _new_renderer():
    """The thread starts with the first letter. A forked child (a Celery pool process) gets a
    renderer of its own: it has no copy of its parent's threads."""
    global _renderer
    _renderer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="weasyprint")


_new_renderer()
os.register_at_fork(after_in_child=_new_renderer)
