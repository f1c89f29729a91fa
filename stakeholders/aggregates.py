"""Aggregates PostgreSQL has and Django doesn't, for the reports of every app."""

from django.db.models import Aggregate, FloatField


class Percentile(Aggregate):
    """PostgreSQL's percentile_cont: the median is Percentile(field, 0.5)."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)
