"""The OpenAPI schema's operations, each with a one-line summary.

drf-spectacular groups operations by the path segment after ``SCHEMA_PATH_PREFIX`` (the
resource: ``gifts``, ``contacts``…) and takes descriptions from docstrings, but leaves the
summary empty, so the docs page lists bare paths. A summary is made here from what the view
does: the action's own docstring when it has one, else its verb and the model's name.
"""

from drf_spectacular.openapi import AutoSchema

VERBS = {
    "list": "List {plural}",
    "retrieve": "Get one {name}",
    "create": "Create {a} {name}",
    "update": "Replace {a} {name}",
    "partial_update": "Update {a} {name}",
    "destroy": "Delete {a} {name}",
}


class StewardAutoSchema(AutoSchema):
    def get_summary(self):
        summary = super().get_summary()
        if summary:
            return summary
        action = getattr(self.view, "action", None)
        handler = getattr(self.view, action or "", None) or getattr(
            self.view, self.method.lower(), None
        )
        if action not in VERBS and handler is not None and handler.__doc__:
            return handler.__doc__.strip().splitlines()[0].rstrip(".")
        name, plural = self._names()
        if action in VERBS:
            a = "an" if name[:1].lower() in "aeiou" else "a"
            return VERBS[action].format(a=a, name=name, plural=plural)
        if action:
            return f"{action.replace('_', ' ').capitalize()} ({name})"
        verb = {
            "get": "Get",
            "post": "Send",
            "put": "Replace",
            "patch": "Update",
            "delete": "Delete",
        }
        return f"{verb.get(self.method.lower(), self.method)} {plural}"

    def _names(self):
        model = getattr(self.view, "model", None)
        queryset = getattr(self.view, "queryset", None)
        if model is None and queryset is not None:
            model = queryset.model
        if model is not None:
            return str(model._meta.verbose_name), str(model._meta.verbose_name_plural)
        words = self.get_tags()[0].replace("-", " ").replace("_", " ")
        return words, words
