"""How a route is documented in the OpenAPI schema: each operation with its summary, its
resource's tag and a worked example, so integrators read one page per resource."""

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view

WRITES = ("create", "update", "partial_update")


def documented(resource, *, example, summaries, request_example=None):
    """``extend_schema_view`` for the standard actions named in ``summaries``: the summary, the
    tag ``resource``, ``example`` as the response (wrapped in a page for lists) and, for writes,
    ``request_example`` as the body sent. Extra actions carry their own ``extend_schema``."""
    views = {}
    for action, summary in summaries.items():
        examples = []
        if action != "destroy":
            examples.append(OpenApiExample(resource, value=example, response_only=True))
        if request_example is not None and action in WRITES:
            examples.append(OpenApiExample(resource, value=request_example, request_only=True))
        views[action] = extend_schema(summary=summary, tags=[resource], examples=examples)
    return extend_schema_view(**views)


def action_schema(resource, *, summary, example=None, request_example=None, **kwargs):
    """``extend_schema`` for an extra action: its summary, tag and examples."""
    examples = []
    if example is not None:
        responses = kwargs.get("responses")
        codes = [str(code) for code in responses] if isinstance(responses, dict) else None
        examples.append(
            OpenApiExample(resource, value=example, response_only=True, status_codes=codes)
        )
    if request_example is not None:
        examples.append(OpenApiExample(resource, value=request_example, request_only=True))
    return extend_schema(summary=summary, tags=[resource], examples=examples, **kwargs)


def resource_schema(name, example, *, plural=None, create=None, update=None, **actions):
    """The summaries and examples of a resource's usual operations, for ``extend_schema_view``:
    list and get with ``example`` (a row as answered); create and update with the request
    examples ``create`` and ``update`` when the viewset has them. ``actions`` add or replace
    operations by name."""
    plural = plural or f"{name}s"
    a = "an" if name[:1] in "aeiou" else "a"
    row = [OpenApiExample(name.capitalize(), value=example, response_only=True)]
    views = {
        "list": extend_schema(summary=f"List {plural}", examples=row),
        "retrieve": extend_schema(summary=f"Get one {name}", examples=row),
    }
    if create is not None:
        views["create"] = extend_schema(
            summary=f"Create {a} {name}",
            examples=[OpenApiExample("New", value=create, request_only=True)],
        )
    if update is not None:
        views["update"] = extend_schema(summary=f"Replace {a} {name}")
        views["partial_update"] = extend_schema(
            summary=f"Update {a} {name}",
            examples=[OpenApiExample("Changed", value=update, request_only=True)],
        )
    return extend_schema_view(**{**views, **actions})
