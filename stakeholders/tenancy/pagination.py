"""API pagination (a module of its own: DRF imports it while loading itself)."""

from django.core.exceptions import ValidationError
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination


class KeysetPagination(CursorPagination):
    """Pages by key, not by offset, and never counts the whole table."""

    ordering = "-pk"
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_ordering(self, request, queryset, view):
        """A viewset's ``keyset_ordering`` (e.g. newest first), else by key."""
        return getattr(view, "keyset_ordering", None) or (self.ordering,)

    def paginate_queryset(self, queryset, request, view=None):
        if getattr(view, "relevance_ordered", lambda: False)():
            return self._first_page(queryset, request)
        self.model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        """DRF's cursor, its position checked against the type of the field it pages by: a
        crafted position ("abc" for an id) is an invalid cursor, not an error in the query."""
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None:
            name = self.ordering[0].lstrip("-")
            meta = self.model._meta
            field = meta.pk if name == "pk" else meta.get_field(name)
            try:
                valid = field.to_python(cursor.position) is not None  # "" is None here
            except ValidationError:
                valid = False
            if not valid:
                raise NotFound(self.invalid_cursor_message)
        return cursor

    def _get_position_from_instance(self, instance, ordering):
        """A plain row (``tenancy.plain_rows``) is a dict: ``pk`` is its key's column."""
        if isinstance(instance, dict) and ordering[0].lstrip("-") == "pk":
            return str(instance[self.model._meta.pk.attname])
        return super()._get_position_from_instance(instance, ordering)

    def _first_page(self, queryset, request):
        """Results ranked by relevance (search) come as one page, without a cursor."""
        self.page_size = self.get_page_size(request)
        self.has_next = self.has_previous = False
        self.cursor = None
        self.base_url = request.build_absolute_uri()
        self.page = list(queryset[: self.page_size])
        return self.page

    def get_next_link(self):
        return None if self.cursor is None and not self.has_next else super().get_next_link()

    def get_previous_link(self):
        return (
            None if self.cursor is None and not self.has_previous else super().get_previous_link()
        )
