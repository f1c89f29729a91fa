"""``complaint-categories``: what people complain about or hoped for. Every role reads them (the
top fives are on the dashboard); the editors add them, through the same service as the
insights page (names unique in the organization whatever their case)."""

from rest_framework import mixins, serializers

from stakeholders.api import EDITOR_ROLES
from stakeholders.core_api.docs import documented
from stakeholders.experience import insights
from stakeholders.models import ComplaintCategory
from stakeholders.tenancy.api import OrganizationViewSet


class ComplaintCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = ComplaintCategory
        fields = ["id", "name", "kind"]
        validators = []  # the service checks the name inside the organization
        extra_kwargs = {"kind": {"default": ComplaintCategory.Kind.COMPLAINT}}


@documented(
    "complaint-categories",
    example={"id": 7, "name": "Waiting times", "kind": "complaint"},
    request_example={"name": "Waiting times", "kind": "complaint"},
    summaries={
        "list": "List complaint and expectation categories",
        "retrieve": "Get a complaint category",
        "create": "Add a complaint or expectation category",
    },
)
class ComplaintCategoryViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, OrganizationViewSet
):
    """Categories of complaints and expectations; filter by ``kind``."""

    model = ComplaintCategory
    serializer_class = ComplaintCategorySerializer
    write_roles = EDITOR_ROLES
    keyset_ordering = ("name", "id")
    filterset_fields = ["kind"]

    def perform_create(self, serializer):
        serializer.instance = insights.category_create(
            organization=self.request.organization, **serializer.validated_data
        )


def register(router):
    router.register("complaint-categories", ComplaintCategoryViewSet, basename="complaint-category")
