"""Lists and exports read as plain values (issue 22, point 2): ``values()`` rows turned into the
serializer's output without building a model instance per row or walking DRF's field machinery.

Why: a list page's time went mostly to ``to_representation`` — a model instance, then a call per
field per row (DESIGN.md: ``values()`` is 2–3× cheaper). The output must stay byte-for-byte what
the serializer gives (tests/test_api_plain_rows.py compares both for every list that has this
path), so the plan is derived from the serializer's own fields:

- a field that returns its value as stored (text, numbers, booleans, choices, JSON) reads the
  column; a related id (``PrimaryKeyRelatedField``) reads ``<name>_id``;
- dates, times and decimals read the column and go through that field's ``to_representation``
  (time zone, ISO format, decimal places: DRF's rules, not a copy of them);
- anything else (a method field, a nested list, tags) only when the serializer says how, with a
  ``plain_<field>(row)`` method, reading columns it names in ``plain_columns`` or expressions it
  adds in ``plain_annotations()``. A serializer with a field it can't read so keeps the
  instance path: nothing is guessed.
"""

from functools import cached_property
from operator import itemgetter

import orjson
from django.conf import settings
from django.utils import timezone
from rest_framework import ISO_8601, relations
from rest_framework import fields as drf_fields
from rest_framework.settings import api_settings

from stakeholders.tenancy import sql_lines
from stakeholders.tenancy.renderers import FastJSONRenderer

TEXT_TYPES = ("CharField", "TextField", "EmailField", "SlugField", "URLField")
INTEGER_TYPES = (
    "IntegerField",
    "BigIntegerField",
    "SmallIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "PositiveBigIntegerField",
    "AutoField",
    "BigAutoField",
)
# Serializer field → the model fields whose stored value it returns unchanged.
AS_STORED = (
    (drf_fields.CharField, TEXT_TYPES),
    (drf_fields.IntegerField, INTEGER_TYPES),
    (drf_fields.BooleanField, ("BooleanField",)),
    (drf_fields.JSONField, ("JSONField",)),
)
# Fields whose own ``to_representation`` turns the stored value into the output.
CONVERTED = (
    drf_fields.CharField,
    drf_fields.IntegerField,
    drf_fields.BooleanField,
    drf_fields.ChoiceField,
    drf_fields.FloatField,
    drf_fields.JSONField,
    drf_fields.DateTimeField,
    drf_fields.DateField,
    drf_fields.TimeField,
    drf_fields.DecimalField,
    drf_fields.DurationField,
    drf_fields.UUIDField,
)
NOT_PLAIN = (drf_fields.MultipleChoiceField, drf_fields.FilePathField)


def _as_stored(field, model_field):
    internal = model_field.get_internal_type()
    if isinstance(field, drf_fields.ChoiceField) and internal in AS_STORED[0][1]:
        # Text choices: DRF maps str(value) back to the key, which is the value itself.
        return all(isinstance(key, str) for key in field.choice_strings_to_values.values())
    return isinstance(field, drf_fields.ReadOnlyField) or any(
        isinstance(field, kind) and internal in types for kind, types in AS_STORED
    )


def _is_plain_datetime(field):
    """A ``DateTimeField`` in DRF's default ISO 8601 format, in the current time zone: what
    ``to_representation`` does for it is done here once per row with the zone read once per
    page (DRF reads the zone per value, a context-variable lookup that was a third of an
    export's time)."""
    kind = type(field)
    return (
        isinstance(field, drf_fields.DateTimeField)
        and kind.to_representation is drf_fields.DateTimeField.to_representation
        and kind.enforce_timezone is drf_fields.DateTimeField.enforce_timezone
        and kind.default_timezone is drf_fields.DateTimeField.default_timezone
        and not hasattr(field, "timezone")
        and (getattr(field, "format", api_settings.DATETIME_FORMAT) or "").lower() == ISO_8601
        and settings.USE_TZ
    )


class IsoDateTime:
    """Marks a reader whose value is an aware datetime to write as DRF does (see above)."""


def _iso(value, zone):
    # As DRF's enforce_timezone: a naive value is taken to be in the zone.
    naive = timezone.is_naive(value)
    value = timezone.make_aware(value, zone) if naive else value.astimezone(zone)
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class PlainRows:
    """How a serializer's fields are read from ``values()`` rows; build with ``plan_for``."""

    def __init__(self, readers, columns, annotations=dict):
        self.readers = readers  # (output name, column or None, converter or None, method or None)
        self.columns = columns
        self._annotations = annotations  # made when first read: a page read by compiled lines
        # (``sql_lines``) never needs them, and building subqueries costs a list's time

    @cached_property
    def annotations(self):
        return self._annotations()

    def represent_all(self, rows):
        """``rows`` as the serializer gives them, the current time zone read once."""
        zone = timezone.get_current_timezone()
        names = [name for name, *_rest in self.readers]
        # Every column in the fields' order in one C call, then the few that change: a loop
        # per field per row was most of a large export's time.
        columns = [column for _name, column, *_rest in self.readers]
        first = next(filter(None, columns), None)
        if first is None:  # every field computed
            pick = lambda row: (None,) * len(names)  # noqa: E731
        elif len(names) == 1:
            pick = (lambda get: lambda row: (get(row),))(itemgetter(first))
        else:
            pick = itemgetter(*[column or first for column in columns])
        converted = [
            (
                name,
                (lambda value, zone=zone: _iso(value, zone)) if convert is IsoDateTime else convert,
            )
            for name, _column, convert, method in self.readers
            if convert is not None and method is None
        ]
        computed = [(name, method) for name, _c, _v, method in self.readers if method is not None]
        for row in rows:
            output = dict(zip(names, pick(row), strict=True))
            for name, convert in converted:
                value = output[name]
                if value is not None:
                    output[name] = convert(value)
            for name, method in computed:
                output[name] = method(row)
            yield output

    def queryset(self, queryset, keys=()):
        """``queryset`` as rows of the columns the plan reads, and ``keys`` (what a page is
        ordered by); prefetches dropped: the plan's annotations read what they fetched."""
        columns = dict.fromkeys([*self.columns, *keys])
        return (
            queryset.prefetch_related(None)
            .annotate(**self.annotations)
            .values(*columns, *self.annotations)
        )


def _column(field, model_fields):
    """The column a field reads as stored, or None when it reads something else."""
    source = field.source
    if "." in source or source == "*":
        return None
    model_field = model_fields.get(source)
    if model_field is None or not model_field.concrete:
        return None
    if isinstance(field, relations.PrimaryKeyRelatedField):
        return model_field.attname if model_field.is_relation and model_field.many_to_one else None
    if model_field.is_relation:
        return None
    return model_field.attname


def _blueprint(serializer):
    """(readers, columns) of ``serializer``'s class — a reader's method as its name, bound to
    the serializer of each request by ``plan_for`` — or None."""
    meta = getattr(serializer, "Meta", None)
    model = getattr(meta, "model", None)
    if model is None:
        return None
    model_fields = {field.name: field for field in model._meta.get_fields()}
    readers, columns = [], dict.fromkeys(getattr(serializer, "plain_columns", ()))
    for name, field in serializer.fields.items():
        if field.write_only:
            continue
        if hasattr(serializer, f"plain_{name}"):
            readers.append((name, None, None, f"plain_{name}"))
            continue
        related = isinstance(field, relations.PrimaryKeyRelatedField)
        readable = related or isinstance(field, (*CONVERTED, drf_fields.ReadOnlyField))
        if not readable or isinstance(field, NOT_PLAIN) or (related and field.pk_field):
            return None
        column = _column(field, model_fields)
        if column is None:
            return None
        columns[column] = None
        model_field = model_fields[field.source]
        plain = related or _as_stored(field, model_field)
        convert = IsoDateTime if _is_plain_datetime(field) else field.to_representation
        readers.append((name, column, None if plain else convert, None))
    return readers, list(columns)


def _fields_are_static(serializer_class):
    """Whether every instance of the class has the same fields: none of our classes between it
    and DRF's changes them per instance (``get_fields``, ``__init__``)."""
    for klass in serializer_class.__mro__:
        if klass.__module__.startswith("rest_framework"):
            return True
        if "get_fields" in vars(klass) or "__init__" in vars(klass):
            return False
    return True


_BLUEPRINTS = {}


def plan_for(serializer):
    """The plain plan of ``serializer`` (a ``ModelSerializer`` instance), or None when one of its
    output fields can be read only from an instance.

    Building a serializer's fields costs more than reading a page of plain rows, so a class whose
    fields are the same for every instance is looked at once per process; the converters kept
    (dates, decimals, choices) depend on no request, and ``plain_<field>`` methods are bound to
    this request's serializer."""
    serializer_class = type(serializer)
    if serializer_class in _BLUEPRINTS:
        blueprint = _BLUEPRINTS[serializer_class]
    else:
        blueprint = _blueprint(serializer)
        if _fields_are_static(serializer_class):
            _BLUEPRINTS[serializer_class] = blueprint
    if blueprint is None:
        return None
    readers, columns = blueprint
    readers = [
        (name, column, convert, getattr(serializer, method) if method else None)
        for name, column, convert, method in readers
    ]
    annotations = getattr(serializer, "plain_annotations", dict)
    return PlainRows(readers, columns, annotations)


class PlainPage:
    """Stands in for ``get_serializer(page, many=True)`` in DRF's ``list``: its ``data`` is the
    page's rows as the serializer would give them — or, when PostgreSQL wrote them
    (``lines``, ``tenancy.sql_lines``), as JSON fragments the API's renderer embeds as they
    are."""

    def __init__(self, plan, rows, *, lines=None):
        self.plan, self.rows, self.lines = plan, rows, lines

    @property
    def data(self):
        if self.lines is not None:
            return [orjson.Fragment(self.lines.line(row)) for row in self.rows]
        return list(self.plan.represent_all(self.rows))


class PlainListMixin:
    """Part of ``OrganizationViewSet``: a list whose serializer has a plain plan reads its page
    with ``values()`` (and so does an export of it); any other action, or a serializer without a
    plan, is untouched. ``plain_lists = False`` turns it off for a viewset."""

    plain_lists = True

    def plain_keys(self):
        """Columns a list reads beside the serializer's (e.g. for an access log)."""
        return ()

    def plain_plan(self):
        if not self.plain_lists or getattr(self, "action", None) != "list":
            return None
        if not hasattr(self, "_plain_plan"):
            self._plain_plan = plan_for(self.get_serializer())
        return self._plain_plan

    def plain_lines(self, queryset):
        """The page's rows as JSON written by PostgreSQL (``tenancy.sql_lines``, compiled once
        per shape), when the answer is the API's JSON (which can embed them) and every field
        allows it; else None."""
        if not hasattr(self, "_plain_lines"):
            plan, renderer = self.plain_plan(), getattr(self.request, "accepted_renderer", None)
            self._plain_lines = None
            if plan is not None and type(renderer) is FastJSONRenderer:
                serializer, organization = self.get_serializer(), self.request.organization
                membership = getattr(self.request, "membership", None)
                key = (
                    type(serializer),
                    organization.pk,
                    organization.timezone,
                    getattr(membership, "role", None),
                )
                self._plain_lines = sql_lines.compiled_lines.get(
                    key,
                    queryset,
                    plan,
                    lambda: sql_lines.line_shape(serializer, plan, zone=organization.timezone),
                )
        return self._plain_lines

    def paginate_queryset(self, queryset):
        plan = self.plain_plan()
        if plan is not None and self.paginator is not None:
            ordering = self.paginator.get_ordering(self.request, queryset, self)
            pk = queryset.model._meta.pk.attname
            keys = [pk if key.lstrip("-") == "pk" else key.lstrip("-") for key in ordering]
            keys += self.plain_keys()
            lines = self.plain_lines(queryset)
            if lines is not None:
                queryset = lines.queryset(queryset, keys)
            else:
                queryset = plan.queryset(queryset, keys=keys)
        return super().paginate_queryset(queryset)

    def get_serializer(self, *args, **kwargs):
        if args and kwargs.get("many") and self.plain_plan() is not None:
            lines = getattr(self, "_plain_lines", None)
            return PlainPage(self.plain_plan(), args[0], lines=lines)
        return super().get_serializer(*args, **kwargs)
