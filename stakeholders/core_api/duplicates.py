"""``duplicates``: pairs of contacts that look like one person, open for review (as the
duplicates page, for the editors). A pair is dismissed ("not the same person") or merged into
the record to keep, through the page's merge service: every app moves its rows, the merge is
audited and announced, and the removed record leads to the kept one."""

from django.utils.translation import gettext as _
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from stakeholders import selectors, services, tasks
from stakeholders.api import EDITOR_ROLES, ContactSerializer
from stakeholders.core_api.docs import action_schema, documented
from stakeholders.models import Contact, DuplicatePair
from stakeholders.tenancy.api import OrganizationViewSet


class PairContactSerializer(serializers.ModelSerializer):
    """What a reviewer compares (the fields of the review page)."""

    # Plain strings: a blank address is "" (an email format would refuse it in the schema).
    email = serializers.CharField(read_only=True)
    email_alt = serializers.CharField(read_only=True)

    class Meta:
        model = Contact
        fields = [
            "id",
            "name",
            "email",
            "email_alt",
            "phone",
            "mobile",
            "street",
            "city",
            "postal_code",
            "external_id",
        ]
        read_only_fields = fields


class DuplicatePairSerializer(serializers.ModelSerializer):
    contact = PairContactSerializer(read_only=True)
    other = PairContactSerializer(read_only=True)
    reasons = serializers.SerializerMethodField()

    class Meta:
        model = DuplicatePair
        fields = ["id", "contact", "other", "reasons", "status", "created_at"]
        read_only_fields = fields

    def get_reasons(self, pair) -> list[str]:
        return [reason for reason in pair.reasons.split(",") if reason]


class MergeSerializer(serializers.Serializer):
    keep = serializers.IntegerField(help_text="The id of the record to keep: one of the pair.")


class ScanSerializer(serializers.Serializer):
    detail = serializers.CharField()


def _contact_example(contact_id, name, email):
    return {
        "id": contact_id,
        "name": name,
        "email": email,
        "email_alt": "",
        "phone": "+44 20 7946 0018",
        "mobile": "",
        "street": "12 Mill Lane",
        "city": "Leeds",
        "postal_code": "LS1 4AB",
        "external_id": "",
    }


PAIR_EXAMPLE = {
    "id": 77,
    "contact": _contact_example(311, "Amira Haddad", "amira@example.org"),
    "other": _contact_example(512, "Amira Hadad", ""),
    "reasons": ["phone", "name"],
    "status": "open",
    "created_at": "2026-03-02T09:15:00Z",
}


MERGED_EXAMPLE = {
    "id": 311,
    "name": "Amira Haddad",
    "kind": "person",
    "first_name": "Amira",
    "last_name": "Haddad",
    "email": "amira@example.org",
    "phone": "+44 20 7946 0018",
    "city": "Leeds",
    "tags": ["newsletter"],
    "roles": ["donor"],
    "last_interaction_at": "2026-02-11T10:00:00Z",
    "created_at": "2025-06-01T08:00:00Z",
    "updated_at": "2026-03-02T09:15:00Z",
}


@documented(
    "duplicates",
    example=PAIR_EXAMPLE,
    summaries={
        "list": "List open duplicate pairs, newest first",
        "retrieve": "Get a duplicate pair",
    },
)
class DuplicatePairViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet):
    """Open pairs only: a dismissed or merged pair is decided and gone from here."""

    model = DuplicatePair
    serializer_class = DuplicatePairSerializer
    read_roles = write_roles = EDITOR_ROLES
    keyset_ordering = ("-created_at", "-id")

    def scope_queryset(self, queryset):
        # The page's selector: the same organization's rows, open ones, both contacts joined.
        return selectors.duplicate_pairs_open(organization=self.request.organization)

    @action_schema(
        "duplicates",
        summary="Dismiss a pair: they are different people",
        request=None,
        responses=DuplicatePairSerializer,
        example={**PAIR_EXAMPLE, "status": "dismissed"},
    )
    @action(detail=True, methods=["post"])
    def dismiss(self, request, *args, **kwargs):
        pair = self.get_object()
        services.duplicate_dismiss(organization=request.organization, pair=pair, actor=request.user)
        return Response(self.get_serializer(pair).data)

    @action_schema(
        "duplicates",
        summary="Merge a pair into the record to keep",
        request=MergeSerializer,
        responses=ContactSerializer,
        request_example={"keep": 311},
        example=MERGED_EXAMPLE,
    )
    @action(detail=True, methods=["post"])
    def merge(self, request, *args, **kwargs):
        pair = self.get_object()
        serializer = MergeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        keep_id = serializer.validated_data["keep"]
        if keep_id not in (pair.contact_id, pair.other_id):
            raise serializers.ValidationError({"keep": [_("Choose the record to keep.")]})
        keep, remove = (
            (pair.contact, pair.other) if keep_id == pair.contact_id else (pair.other, pair.contact)
        )
        kept = services.contact_merge(
            organization=request.organization, keep=keep, remove=remove, actor=request.user
        )
        kept = (
            Contact.objects.filter(organization=request.organization, pk=kept.pk)
            .select_related("relationship_manager")
            .prefetch_related("tags")
            .get()
        )
        return Response(ContactSerializer(kept, context=self.get_serializer_context()).data)

    @action_schema(
        "duplicates",
        summary="Look for new duplicates in the background",
        request=None,
        responses={202: ScanSerializer},
        example={"detail": "Looking for duplicates. Refresh in a moment."},
    )
    @action(detail=False, methods=["post"])
    def scan(self, request, *args, **kwargs):
        tasks.scan_duplicates.delay_on_commit(organization_id=request.organization.pk)
        return Response(
            {"detail": _("Looking for duplicates. Refresh in a moment.")},
            status=status.HTTP_202_ACCEPTED,
        )


def register(router):
    router.register("duplicates", DuplicatePairViewSet, basename="duplicate")
