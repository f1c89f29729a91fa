"""``relationships``: a person linked to an organization or a household (employee, trustee,
household member…). Read by every role that reads contacts; linked and unlinked by the
editors through the services the contact page uses."""

from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from stakeholders import selectors, services
from stakeholders.api import EDITOR_ROLES, OrganizationRelatedField
from stakeholders.core_api.docs import documented
from stakeholders.models import Contact, ContactKind, Relationship
from stakeholders.tenancy.api import OrganizationViewSet


class ActiveContactField(OrganizationRelatedField):
    """A contact of the organization that was neither merged away nor erased."""

    def get_queryset(self):
        return selectors.contacts_active(organization=self.context["request"].organization)


class RelationshipSerializer(serializers.ModelSerializer):
    person = ActiveContactField(Contact)
    related = ActiveContactField(Contact)

    class Meta:
        model = Relationship
        fields = ["id", "person", "related", "kind", "role_title"]
        validators = []  # linking twice updates the link (the service), it is no error


RELATIONSHIP_EXAMPLE = {
    "id": 21,
    "person": 311,
    "related": 40,
    "kind": "trustee",
    "role_title": "Treasurer",
}


@documented(
    "relationships",
    example=RELATIONSHIP_EXAMPLE,
    request_example={k: v for k, v in RELATIONSHIP_EXAMPLE.items() if k != "id"},
    summaries={
        "list": "List relationships (filter by person or related contact)",
        "retrieve": "Get a relationship",
        "create": "Link a person to an organization or household",
        "destroy": "Remove a link",
    },
)
class RelationshipViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    OrganizationViewSet,
):
    """Links between people and organizations or households. The two contacts may come in
    either order (as on the contact page): the person is the one of kind ``person``."""

    model = Relationship
    serializer_class = RelationshipSerializer
    write_roles = EDITOR_ROLES
    keyset_ordering = ("-id",)
    filterset_fields = ["person", "related", "kind"]

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        person, related = data["person"], data["related"]
        if person.kind != ContactKind.PERSON:
            person, related = related, person
        relationship = services.relationship_add(
            organization=request.organization,
            person=person,
            related=related,
            kind=data["kind"],
            role_title=data.get("role_title", ""),
        )
        return Response(self.get_serializer(relationship).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.relationship_remove(organization=self.request.organization, relationship=instance)


def register(router):
    router.register("relationships", RelationshipViewSet, basename="relationship")
