"""``data-subjects``: a person's rights over their data, for admins (as the pages). ``export``
answers everything the organization holds about them (the page's JSON export, written to the
audit log); ``erase`` anonymises them everywhere through the erasure service, only when the
request body repeats their name exactly (``confirm``), as the page asks."""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from stakeholders import audit, selectors, services
from stakeholders.core_api.docs import action_schema
from stakeholders.models import AuditAction, Contact, Role
from stakeholders.tenancy.api import OrganizationViewSet


class EraseSerializer(serializers.Serializer):
    confirm = serializers.CharField(
        help_text="The contact's name exactly as stored: erasure can't be undone."
    )


class ErasedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    erased = serializers.BooleanField()
    erased_at = serializers.DateTimeField()


EXPORT_EXAMPLE = {
    "organization": "Riverside Food Bank",
    "exported_at": "2026-03-02T09:15:00+00:00",
    "contact": {"id": 311, "first_name": "Amira", "last_name": "Haddad", "email": "amira@…"},
    "merged_records": [],
    "interactions": [{"occurred_at": "2026-02-11T10:00:00Z", "channel": "phone"}],
}


class DataSubjectViewSet(OrganizationViewSet):
    """Data subject requests about one contact (admins only; a merged record leads to the
    record it was merged into, as on the pages)."""

    model = Contact
    read_roles = write_roles = (Role.ADMIN,)
    pagination_class = None

    def get_object(self):
        contact = selectors.contact_get(
            organization=self.request.organization, contact_id=self.kwargs["pk"]
        )
        if contact is None:
            raise exceptions.NotFound()
        return contact

    @action_schema(
        "data-subjects",
        summary="Export everything held about a person",
        responses=OpenApiTypes.OBJECT,
        example=EXPORT_EXAMPLE,
    )
    @action(detail=True, methods=["get"])
    def export(self, request, *args, **kwargs):
        contact = self.get_object()
        data = selectors.contact_everything(organization=request.organization, contact=contact)
        audit.record(
            organization=request.organization,
            action=AuditAction.SUBJECT_EXPORT,
            target=contact,
            summary=f"contact {contact.pk} (api)",
        )
        response = Response(data)
        response["Content-Disposition"] = f'attachment; filename="contact-{contact.pk}.json"'
        return response

    @action_schema(
        "data-subjects",
        summary="Erase a person (right to erasure); confirm with their name",
        request=EraseSerializer,
        responses=ErasedSerializer,
        request_example={"confirm": "Amira Haddad"},
        example={"id": 311, "erased": True, "erased_at": "2026-03-02T09:15:00Z"},
    )
    @action(detail=True, methods=["post"])
    def erase(self, request, *args, **kwargs):
        contact = self.get_object()
        serializer = EraseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if contact.erased_at is not None:
            raise serializers.ValidationError(
                {"confirm": [_("This person's data was already erased.")]}
            )
        if serializer.validated_data["confirm"] != contact.name:
            raise serializers.ValidationError(
                {"confirm": [_("Type the contact's name exactly to confirm.")]}
            )
        services.contact_erase(
            organization=request.organization, contact=contact, actor=request.user
        )
        erased_at = (
            Contact.objects.filter(organization=request.organization, pk=contact.pk)
            .values_list("erased_at", flat=True)
            .get()
        )
        return Response(
            ErasedSerializer(
                {"id": contact.pk, "erased": True, "erased_at": erased_at or timezone.now()}
            ).data
        )


def register(router):
    router.register("data-subjects", DataSubjectViewSet, basename="data-subject")
