"""Content in several languages: what staff write for people (thank-you templates, donor updates,
impact stories, help articles, volunteer opportunities) can have a version per language.

A version is a row of the same model: the **original** (``original`` empty) is what lists, links
and reports count, and each translation points at it with its own ``language``. A reader gets the
version in their language, else the one in the organization's language, else the original — so
a person never meets a blank, and staff see which of the organization's languages are missing.
Short texts that belong to a settings row (a form's introduction, its consent wording) keep their
translations beside them in a JSON field instead (``TranslatedTexts``).

Rows, not a JSON column, for content: each version is searched (full-text, in its own language),
edited, published and audited as itself, and a translation added later needs no migration.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import migrations, models
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

LANGUAGE_CODES = tuple(code for code, _name in settings.LANGUAGES)


class LanguageVersions(models.Model):
    """Abstract: a row that is the original of some content, or its translation into one
    language. Subclasses are ``TenantOwned``; the constraints are made per model."""

    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default="", blank=True
    )
    original = models.ForeignKey(
        "self",
        verbose_name=_("translation of"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="translations",
        editable=False,
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self.language:
            self.language = self.organization.language
        super().save(*args, **kwargs)

    @classmethod
    def version_constraints(cls, name):
        """One version per language of an original (the original is one of them). With
        ``organization`` first, as every tenant constraint (tests/test_tenancy.py)."""
        return [
            models.UniqueConstraint(
                fields=["organization", "original", "language"],
                condition=models.Q(original__isnull=False),
                name=f"uniq_{name}_version_language",
            )
        ]

    def clean(self):
        super().clean()
        original = self.original
        if original is not None and original.original_id is not None:
            raise ValidationError({"original": _("Translate the original, not a translation.")})
        if original is not None and original.language == self.language:
            raise ValidationError({"language": _("The original is already in this language.")})
        if (
            original is None
            and self.pk
            and self.language
            and type(self)
            ._default_manager.filter(original_id=self.pk, language=self.language)
            .exists()
        ):  # an original moved into the language of one of its translations
            raise ValidationError(
                {"language": _("This content already has a version in that language.")}
            )

    @property
    def root(self):
        """The original of this content (itself when it is the original)."""
        return self.original if self.original_id else self

    def versions(self):
        """Every version of this content, the original first."""
        root = self.root
        return [root, *sorted(root.translations.all(), key=lambda version: version.language)]

    def languages(self):
        return {version.language for version in self.versions()}

    def missing_languages(self):
        """The organization's languages this content has no version in yet, in their order."""
        present = self.languages()
        return [code for code in self.organization.content_languages if code not in present]


def originals(queryset):
    """The originals of ``queryset``'s model, each with its translations at hand (one query
    more, whatever the count)."""
    return (
        queryset.filter(original__isnull=True)
        .select_related("organization")  # missing_languages() and choose() read it per row
        .prefetch_related(
            Prefetch("translations", queryset=queryset.model._default_manager.order_by("language"))
        )
    )


class VersionsViewSetMixin:
    """For an API viewset (before ``OrganizationViewSet``): its list shows originals only, each
    with its translations' ids; a version is read and changed by its own id."""

    def scope_queryset(self, queryset):
        queryset = super().scope_queryset(queryset)
        if getattr(self, "action", None) == "list":
            return originals(queryset)
        return queryset.prefetch_related("translations")


def choose(original, language):
    """The version of ``original`` a reader of ``language`` gets: theirs, else the one in the
    organization's language, else the original. Uses the prefetched translations of
    ``originals()`` when there are any."""
    if original is None:
        return None
    by_language = {version.language: version for version in original.translations.all()}
    by_language.setdefault(original.language, original)
    return by_language.get(language) or by_language.get(original.organization.language) or original


def in_language(queryset, language):
    """The contents of ``queryset`` as a reader of ``language`` sees them: one version each, in
    the queryset's order."""
    return [choose(original, language) for original in originals(queryset)]


def translation_add(original, *, language, **fields):
    """A new version of ``original`` in ``language``, starting from the original's text so the
    translator sees what to translate. Fields named in ``fields`` replace the copied ones."""
    original = original.root
    if language not in LANGUAGE_CODES:
        raise ValidationError({"language": _("Choose a language from the list.")})
    if language in original.languages():
        raise ValidationError(
            {"language": _("This content already has a version in that language.")}
        )
    copy = type(original)._default_manager.get(pk=original.pk)
    copy.pk = copy.id = None
    copy._state.adding = True
    copy.original = original
    copy.language = language
    for name, value in fields.items():
        setattr(copy, name, value)
    copy.full_clean()
    copy.save()
    return copy


class TranslatedTexts(models.Model):
    """Abstract: short public texts on a settings row (a form's introduction, its consent
    wording), with their translations in ``text_translations``: ``{"fa": {"signup_intro": …}}``.
    ``translated(name, language)`` gives the reader's version, else the field itself."""

    text_translations = models.JSONField(_("translations"), default=dict, blank=True)

    translated_fields = ()

    class Meta:
        abstract = True

    def translated(self, name, language):
        assert name in self.translated_fields, name
        return (self.text_translations.get(language) or {}).get(name) or getattr(self, name)

    def missing_languages(self):
        languages = self.organization.content_languages
        written = [name for name in self.translated_fields if getattr(self, name)]
        return [
            code
            for code in languages
            if code != self.organization.language
            and any(not (self.text_translations.get(code) or {}).get(n) for n in written)
        ]


def language_name(code):
    """``code``'s name in the reader's interface language, then in itself when that differs:
    "Persian (فارسی)" for an English reader, "فارسی" for a Persian one."""
    from stakeholders.languages import NATIVE_NAMES

    name = str(dict(settings.LANGUAGES).get(code, code))
    native = NATIVE_NAMES.get(code, name)
    return name, (native if native != name else "")


def languages_panel(content, *, edit_url, add_url, can_add=True):
    """What ``includes/content_languages.html`` shows for a piece of content (original or version).

    Usage, in the view of an edit page::

        panel = languages_panel(story, add_url=reverse("donors:story_translation_add", …),
                                edit_url=lambda version: reverse("donors:story_edit", …version.pk))
        {% include "includes/content_languages.html" with panel=panel %}   ← in the template

    ``add_url`` takes a POST with ``language``: make it with ``translation_add_view()``.
    """
    root = content.root
    versions = []
    for version in root.versions():
        name, native = language_name(version.language)
        versions.append(
            {
                "code": version.language,
                "name": name,
                "native": native,
                "is_original": version.pk == root.pk,
                "is_current": version.pk == content.pk,
                "url": edit_url(version),
            }
        )
    missing = []
    for code in root.missing_languages():
        name, native = language_name(code)
        missing.append({"code": code, "name": name, "native": native})
    return {"versions": versions, "missing": missing, "add_url": add_url, "can_add": can_add}


def translation_add_view(request, original, *, edit_url, **fields):
    """The body of an "Add a version" view (POST ``language``): a new version of ``original``
    from its text, then the new version's edit form; a refused language goes back to the
    original's page with the reason. The caller checks the role and finds ``original`` in the
    request's organization (404 otherwise), so the app's view stays three lines. ``fields``
    go to ``translation_add`` (what a version must not copy, e.g. a status)."""
    from django.contrib import messages
    from django.http import HttpResponseNotAllowed
    from django.shortcuts import redirect

    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        version = translation_add(original, language=request.POST.get("language", ""), **fields)
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
        return redirect(edit_url(original.root))
    name, _native = language_name(version.language)
    messages.success(
        request,
        _("The %(language)s version starts as a copy of the original: translate it here.")
        % {"language": name},
    )
    return redirect(edit_url(version))


def in_organization_language(app_label, *model_names):
    """A migration step for a model that gains versions: rows written before versions existed are
    in their organization's language. Migrations run as the table owner, whom row-level security
    does not filter: one statement per model for every organization."""

    def forwards(apps, schema_editor):
        Organization = apps.get_model("stakeholders", "Organization")
        language = Organization.objects.filter(pk=models.OuterRef("organization_id")).values(
            "language"
        )[:1]
        for name in model_names:
            apps.get_model(app_label, name)._base_manager.filter(language="").update(
                language=models.Subquery(language)
            )

    return migrations.RunPython(forwards, migrations.RunPython.noop)
