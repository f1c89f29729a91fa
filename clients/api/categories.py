"""Categories of requests and of help-centre articles."""

from django.utils.translation import gettext as _
from rest_framework import mixins, serializers

from clients.api.common import ClientDataViewSet
from clients.api.programmes import unique_name
from clients.models import (
    ArticleCategory,
    RequestCategory,
)
from stakeholders.core_api.docs import documented
from stakeholders.models import Role

# --- Categories of requests and of help-centre articles -----------------------------------------


class RequestCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = RequestCategory
        fields = ["id", "name", "is_public"]
        validators = []

    def validate_name(self, value):
        return unique_name(
            RequestCategory,
            request=self.context["request"],
            instance=self.instance,
            name=value,
            message=_("There is a category with that name."),
        )


@documented(
    "request-categories",
    example={"id": 3, "name": "Housing", "is_public": True},
    request_example={"name": "Housing", "is_public": True},
    summaries={
        "list": "List request categories",
        "retrieve": "Get a request category",
        "create": "Add a request category (admins)",
        "update": "Replace a request category (admins)",
        "partial_update": "Rename a request category or take it off the public form (admins)",
    },
)
class RequestCategoryViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ClientDataViewSet,
):
    """What requests are about: caseworkers read them, admins manage them (the settings page)."""

    model = RequestCategory
    serializer_class = RequestCategorySerializer
    write_roles = (Role.ADMIN,)
    keyset_ordering = ("name", "id")
    filterset_fields = ["is_public"]

    def perform_create(self, serializer):
        serializer.save(organization=self.request.organization)


class ArticleCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = ArticleCategory
        fields = ["id", "name", "description", "position"]
        validators = []

    def validate_name(self, value):
        return unique_name(
            ArticleCategory,
            request=self.context["request"],
            instance=self.instance,
            name=value,
            message=_("There is a category with that name."),
        )


@documented(
    "article-categories",
    example={"id": 5, "name": "Money and benefits", "description": "", "position": 1},
    request_example={"name": "Money and benefits", "position": 1},
    summaries={
        "list": "List help-centre sections",
        "retrieve": "Get a help-centre section",
        "create": "Add a help-centre section",
        "update": "Replace a help-centre section",
        "partial_update": "Rename or reorder a help-centre section",
    },
)
class ArticleCategoryViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ClientDataViewSet,
):
    """The help centre's sections, in their order (caseworkers and admins, as the editor)."""

    model = ArticleCategory
    serializer_class = ArticleCategorySerializer
    keyset_ordering = ("position", "id")

    def perform_create(self, serializer):
        serializer.save(organization=self.request.organization)
