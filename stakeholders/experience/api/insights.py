"""insights API: ``insights`` (read-only) — what separates the satisfied from the rest, one section
per area the member's role sees, and the top five complaints and expectations with their monthly
trend. Tagging a comment is a PATCH of ``category`` on ``feedback`` (stakeholders/api.py)."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from stakeholders.experience import insights
from stakeholders.models import Feedback
from stakeholders.tenancy.api import OrganizationViewSet


class NumberComparisonSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    unit = serializers.CharField(help_text="hours, working_hours, days or empty")
    satisfied_median = serializers.FloatField(allow_null=True)
    dissatisfied_median = serializers.FloatField(allow_null=True)
    satisfied_answers = serializers.IntegerField()
    dissatisfied_answers = serializers.IntegerField()
    highlight = serializers.BooleanField()
    sentence = serializers.CharField()


class CategoryValueSerializer(serializers.Serializer):
    value = serializers.CharField()
    answers = serializers.IntegerField()
    dissatisfied = serializers.IntegerField()
    share = serializers.FloatField(help_text="Dissatisfied answers with this value, in percent.")
    highlight = serializers.BooleanField()
    sentence = serializers.CharField(required=False)


class CategoryComparisonSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    values = CategoryValueSerializer(many=True)
    more_values = serializers.IntegerField()
    highlight = serializers.BooleanField()


class SectionSerializer(serializers.Serializer):
    area = serializers.CharField()
    label = serializers.CharField()
    answers = serializers.IntegerField()
    satisfied = serializers.IntegerField()
    dissatisfied = serializers.IntegerField()
    enough = serializers.BooleanField(help_text="False: too few answers to compare.")
    overall_share = serializers.FloatField(required=False)
    highlights = serializers.ListField(child=serializers.CharField())
    numbers = NumberComparisonSerializer(many=True)
    categories = CategoryComparisonSerializer(many=True)


class TopRowSerializer(serializers.Serializer):
    category_id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField(allow_null=True)
    kind = serializers.CharField()
    total = serializers.IntegerField(help_text="In the last 12 months.")
    recent = serializers.IntegerField(help_text="In the last 90 days.")
    trend = serializers.ListField(child=serializers.IntegerField())


class TopFiveSerializer(serializers.Serializer):
    months = serializers.ListField(child=serializers.DateField())
    complaint = TopRowSerializer(many=True)
    expectation = TopRowSerializer(many=True)


class InsightsSerializer(serializers.Serializer):
    separates = SectionSerializer(many=True)
    top_five = TopFiveSerializer()


class OneReportSchema(AutoSchema):
    """The collection route answers one report object, not a list of rows."""

    def _is_list_view(self, serializer=None):
        return False


class InsightsViewSet(OrganizationViewSet):
    """What separates the satisfied from the rest (the areas the member's role sees) and the
    top five complaints and expectations of the last twelve months."""

    model = Feedback
    pagination_class = None
    schema = OneReportSchema()

    @extend_schema(responses=InsightsSerializer)
    def list(self, request, *args, **kwargs):
        organization = request.organization
        role = request.membership.role
        data = {
            "separates": insights.separates(organization=organization, staff_role=role),
            "top_five": insights.top_fives(organization=organization, staff_role=role),
        }
        return Response(InsightsSerializer(data).data)


def register(router):
    router.register("insights", InsightsViewSet, basename="insights")
