"""``imports``: CSV imports as the import pages run them — upload a file (multipart), read its
columns and the mapping guessed for them (``preview`` shows the first rows as read), confirm a
mapping to start the dry run (``check``), then ``run`` it; each step is a background task and
the job shows its status, progress and the rows that failed (``errors``). A member sees and
runs only the kinds their role may import."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from stakeholders import importing, tasks
from stakeholders.api import EDITOR_ROLES
from stakeholders.core_api.docs import action_schema, documented
from stakeholders.models import DataImport
from stakeholders.tenancy.api import OrganizationViewSet
from stakeholders.tenancy.parsers import JSONObjectParser

MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # as the upload form
EDITABLE = (DataImport.Status.UPLOADED, DataImport.Status.CHECKED)


class DataImportSerializer(serializers.ModelSerializer):
    targets = serializers.SerializerMethodField(help_text="Fields a column may be mapped to.")
    progress = serializers.IntegerField(read_only=True, help_text="Percent of rows processed.")
    error_count = serializers.SerializerMethodField()

    class Meta:
        model = DataImport
        fields = [
            "id",
            "kind",
            "original_name",
            "status",
            "encoding",
            "delimiter",
            "headers",
            "mapping",
            "targets",
            "total_rows",
            "processed_rows",
            "progress",
            "summary",
            "error_count",
            "message",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_targets(self, job) -> list[str]:
        return importing.importers[job.kind].targets

    def get_error_count(self, job) -> int:
        return len(job.errors)


class UploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[], default="contacts")
    file = serializers.FileField(help_text="A CSV file of up to 20 MB with a header row.")

    def __init__(self, *args, staff_role=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [
            kind for kind, importer in importing.importers.items() if importer.allows(staff_role)
        ]

    def validate_file(self, upload):
        if upload.size > MAX_UPLOAD_BYTES:
            raise serializers.ValidationError(
                _("The file is larger than 20 MB; split it into parts.")
            )
        if upload.size == 0:
            raise serializers.ValidationError(_("The file is empty."))
        return upload


class MappingSerializer(serializers.Serializer):
    mapping = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        help_text="Column header → field (one of the job's targets); left out: as it is.",
    )


class EncodingSerializer(serializers.Serializer):
    encoding = serializers.ChoiceField(choices=importing.ENCODING_CHOICES)


class ImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="The row's number in the file.")
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    values = serializers.DictField(child=serializers.CharField(allow_blank=True))


class PreviewSerializer(serializers.Serializer):
    headers = serializers.ListField(child=serializers.CharField())
    rows = serializers.ListField(
        child=serializers.ListField(child=serializers.CharField(allow_blank=True)),
        help_text="The first rows, one value per header.",
    )


IMPORT_EXAMPLE = {
    "id": 9,
    "kind": "contacts",
    "original_name": "supporters.csv",
    "status": "checked",
    "encoding": "utf-8",
    "delimiter": ",",
    "headers": ["First name", "Surname", "Email"],
    "mapping": {"First name": "first_name", "Surname": "last_name", "Email": "email"},
    "targets": ["first_name", "last_name", "email", "phone"],
    "total_rows": 1200,
    "processed_rows": 1200,
    "progress": 100,
    "summary": {"created": 1150, "updated": 38, "flagged": 4, "failed": 8},
    "error_count": 8,
    "message": "",
    "created_at": "2026-03-02T09:15:00Z",
    "finished_at": None,
}


def _field_error(error, field):
    """A ValidationError of the import engine, on the field the request sent."""
    return serializers.ValidationError({field: error.messages})


@documented(
    "imports",
    example=IMPORT_EXAMPLE,
    summaries={
        "list": "List import jobs, newest first",
        "retrieve": "Get an import job: status, progress, summary",
        "create": "Start an import from an uploaded CSV file",
    },
)
class DataImportViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, OrganizationViewSet
):
    """Import jobs of the kinds the member's role may import (another kind's job is a 404)."""

    model = DataImport
    serializer_class = DataImportSerializer
    read_roles = write_roles = EDITOR_ROLES
    keyset_ordering = ("-created_at", "-id")
    filterset_fields = ["kind", "status"]
    parser_classes = (JSONObjectParser, MultiPartParser, FormParser)

    def scope_queryset(self, queryset):
        # The pages' selector: the kinds this role may import, in the request's organization.
        return importing.imports_for(
            organization=self.request.organization, staff_role=self.request.membership.role
        )

    def get_serializer_class(self):
        return UploadSerializer if self.action == "create" else DataImportSerializer

    def get_serializer(self, *args, **kwargs):
        if self.action == "create":
            kwargs["staff_role"] = self.request.membership.role
        return super().get_serializer(*args, **kwargs)

    @action_schema(
        "imports",
        summary="Start an import from an uploaded CSV file",
        request={"multipart/form-data": UploadSerializer},
        responses={201: DataImportSerializer},
        example={**IMPORT_EXAMPLE, "status": "uploaded", "processed_rows": 0, "progress": 0},
    )
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            job = importing.import_create(
                organization=request.organization,
                upload=serializer.validated_data["file"],
                actor=request.user,
                kind=serializer.validated_data["kind"],
            )
        except ValidationError as error:
            raise _field_error(error, "file") from error
        return Response(DataImportSerializer(job).data, status=status.HTTP_201_CREATED)

    def _editable(self):
        job = self.get_object()
        if job.status not in EDITABLE:
            raise serializers.ValidationError(
                {"status": [_("This import is already running or finished.")]}
            )
        return job

    @action_schema(
        "imports",
        summary="Confirm the column mapping and start the dry run",
        request=MappingSerializer,
        responses={202: DataImportSerializer},
        request_example={"mapping": {"First name": "first_name", "Surname": "last_name"}},
        example={**IMPORT_EXAMPLE, "status": "checking"},
    )
    @action(detail=True, methods=["post"])
    def check(self, request, *args, **kwargs):
        job = self._editable()
        serializer = MappingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            importing.set_mapping(
                job=job, mapping=serializer.validated_data.get("mapping", job.mapping)
            )
        except ValidationError as error:
            raise _field_error(error, "mapping") from error
        tasks.check_import.delay_on_commit(
            organization_id=request.organization.pk, import_id=job.pk
        )
        return Response(DataImportSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @action_schema(
        "imports",
        summary="Read the file again in another encoding",
        request=EncodingSerializer,
        responses=DataImportSerializer,
        request_example={"encoding": "cp1252"},
        example={**IMPORT_EXAMPLE, "status": "uploaded", "encoding": "cp1252"},
    )
    @action(detail=True, methods=["post"])
    def encoding(self, request, *args, **kwargs):
        job = self._editable()
        serializer = EncodingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            importing.set_encoding(job=job, encoding=serializer.validated_data["encoding"])
        except ValidationError as error:
            raise _field_error(error, "encoding") from error
        return Response(DataImportSerializer(job).data)

    @action_schema(
        "imports",
        summary="Run a checked import",
        request=None,
        responses={202: DataImportSerializer},
        example={**IMPORT_EXAMPLE, "status": "importing", "processed_rows": 0, "progress": 0},
    )
    @action(detail=True, methods=["post"])
    def run(self, request, *args, **kwargs):
        job = self.get_object()
        if job.status != DataImport.Status.CHECKED:
            raise serializers.ValidationError(
                {"status": [_("Check the import (the dry run) before running it.")]}
            )
        # As the import page: the job shows as importing at once, the task does the work.
        DataImport.objects.filter(organization=request.organization, pk=job.pk).update(
            status=DataImport.Status.IMPORTING
        )
        tasks.run_import.delay_on_commit(organization_id=request.organization.pk, import_id=job.pk)
        job.refresh_from_db()
        return Response(DataImportSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @action_schema(
        "imports",
        summary="Preview the first rows as read (check accents and columns)",
        responses=PreviewSerializer,
        example={
            "headers": ["First name", "Surname", "Email"],
            "rows": [["Zoë", "Ó Briain", "zoe@example.org"], ["Ana", "Silva", "ana@example.org"]],
        },
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def preview(self, request, *args, **kwargs):
        job = self._editable()
        return Response(
            PreviewSerializer({"headers": job.headers, "rows": importing.preview(job)}).data
        )

    @action_schema(
        "imports",
        summary="List the rows that could not be imported, with the reason",
        responses=ImportErrorSerializer(many=True),
        example=[
            {
                "row": 14,
                "errors": {"email": ["Enter a valid email address."]},
                "values": {"First name": "Ana", "Surname": "Silva", "Email": "ana@"},
            }
        ],
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def errors(self, request, *args, **kwargs):
        job = self.get_object()
        return Response(ImportErrorSerializer(job.errors, many=True).data)


def register(router):
    router.register("imports", DataImportViewSet, basename="import")
