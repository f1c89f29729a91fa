"""Content written per language through the API: ``POST …/{id}/translations/`` adds a version
of an original in another language, as the pages' "Add a version in…" does (thank-you
templates, donor updates and stories, volunteer opportunities)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from stakeholders.content_versions import translation_add


class VersionLanguageSerializer(serializers.Serializer):
    language = serializers.ChoiceField(choices=settings.LANGUAGES)


class VersionAddMixin:
    """``POST …/{id}/translations/`` with a ``language``: the pages' "Add a version in…" for
    content written per language (thank-you templates, donor updates and stories, volunteer
    opportunities). The new version starts as a copy
    of the original's text, by the core's ``translation_add``; it is then changed with ``PATCH``
    on its own id. ``translation_fields`` are what a version must not copy (a status);
    ``translatable(original)`` says whether it may still get one (else 404, as on the pages)."""

    translation_fields = {}

    def translatable(self, original):
        return True

    @action(detail=True, methods=["post"])
    def translations(self, request, *args, **kwargs):
        original = self.get_object()
        if original.original_id is not None or not self.translatable(original):
            raise exceptions.NotFound()
        data = VersionLanguageSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            with transaction.atomic():
                version = translation_add(
                    original, language=data.validated_data["language"], **self.translation_fields
                )
        except IntegrityError:  # the same language added twice at once
            raise ValidationError(
                {"language": [_("This content already has a version in that language.")]}
            ) from None
        return Response(self.get_serializer(version).data, status=status.HTTP_201_CREATED)


def translation_examples(serializer_class, name):
    """The schema of a ``translations`` action (``VersionAddMixin``)."""
    a = "an" if name[:1] in "aeiou" else "a"
    return extend_schema(
        summary=f"Add a version of {a} {name} in another language",
        description=f"A copy of the original {name}'s text in ``language``, to translate with "
        "``PATCH`` on the new version's id; each reader then gets the version in their "
        "language. An original only, one version per language.",
        request=VersionLanguageSerializer,
        responses={201: serializer_class},
        examples=[OpenApiExample("In Persian", value={"language": "fa"}, request_only=True)],
    )
