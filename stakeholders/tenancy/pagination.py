"""API pagination (a module of its own: DRF imports it while loading itself)."""

from rest_framework.pagination import CursorPagination


class KeysetPagination(CursorPagination):
    """Pages by key, not by offset, and never counts the whole table."""

    ordering = "-pk"
    page_size_query_param = "page_size"
    max_page_size = 200
