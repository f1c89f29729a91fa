"""Who reads which language: staff pages, public pages, and every email and letter.

One rule per reader, kept here so that no page or message decides it on its own:

- A stakeholder (donor, volunteer, client) reads their preferred language, else the
  organization's (``language_for``); emails and letters render inside ``reading_as``.
- A staff user reads their interface language, else the organization's (``staff_language_for``).
- A visitor of a public page reads the language they chose with the switcher (a cookie), else
  their browser's (Accept-Language), else the organization's (``LanguageMiddleware``).
"""

from contextlib import contextmanager
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import trans_real

# Each language named in itself, for the switcher: a reader looks for their own language's name.
NATIVE_NAMES = {
    "en": "English",
    "es": "Español",
    "fr": "Français",
    "fa": "فارسی",
    "km": "ខ្មែរ",
    "kk": "Қазақша",
}


def supported(code):
    """``code`` as one of LANGUAGES ("fa-IR" → "fa"), or "" when Steward has no such language."""
    if not code:
        return ""
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return ""


def language_choices():
    """(code, name in itself) for every language in LANGUAGES, in their order."""
    return [(code, NATIVE_NAMES.get(code, str(name))) for code, name in settings.LANGUAGES]


def language_for(contact, organization):
    """The language a stakeholder reads: their preferred one, else the organization's."""
    preferred = supported(getattr(contact, "preferred_language", "") if contact else "")
    return preferred or supported(organization.language) or settings.LANGUAGE_CODE


def staff_language_for(user, organization=None):
    """The language a staff member reads emails in: their interface language, else the
    organization's (their browser is not there when a task sends)."""
    chosen = supported(getattr(user, "language", "") if user else "")
    if chosen:
        return chosen
    if organization is not None:
        return supported(organization.language) or settings.LANGUAGE_CODE
    return settings.LANGUAGE_CODE


@contextmanager
def reading_as(*, organization, contact=None, user=None, language=""):
    """Render a message as its reader reads it: language, then dates in the organization's zone.

    Pass ``contact`` for a stakeholder, ``user`` for a staff member, or ``language`` for someone
    who is not a contact yet (a pending signup: the language of the page they used); the subject,
    the body and the email layout's own words must all render inside this block.
    """
    if user is not None:
        language = staff_language_for(user, organization)
    elif contact is not None:
        language = language_for(contact, organization)
    else:
        language = supported(language) or language_for(None, organization)
    with (
        translation.override(language),
        timezone.override(ZoneInfo(organization.timezone)),
    ):
        yield language


def _browser_language(request):
    """The first of the browser's Accept-Language that Steward speaks, or ""."""
    header = request.headers.get("Accept-Language", "")
    for code, _quality in trans_real.parse_accept_lang_header(header):
        if code != "*" and (found := supported(code)):
            return found
    return ""


def _cookie_language(request):
    return supported(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, ""))


def _user_language(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    return supported(user.language)


def page_language(request, *, public):
    """The language of a page. On public pages the visitor's own choice (cookie) comes first; on
    staff pages the signed-in user's interface language does. Then the browser, then the
    organization (when the page is under /o/<slug>/), then LANGUAGE_CODE."""
    chosen = (_cookie_language, _user_language) if public else (_user_language, _cookie_language)
    organization = getattr(request, "organization", None)
    return (
        chosen[0](request)
        or chosen[1](request)
        or _browser_language(request)
        or (supported(organization.language) if organization is not None else "")
        or settings.LANGUAGE_CODE
    )


class LanguageMiddleware:
    """Activates ``page_language`` for every HTML page. Goes after LocaleMiddleware (which it
    refines) and OrganizationMiddleware (which tells it the organization and which pages are
    public). Responses vary on Accept-Language and Cookie so no cache serves one reader's
    language to another."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path_info.startswith("/api/"):
            patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None  # the API answers in LocaleMiddleware's language; tokens have no user page
        public = getattr(view_func, "organization_public", False)
        language = page_language(request, public=public)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        return None
