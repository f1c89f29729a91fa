"""``{% load notices %}{% public_notices "help" %}``: the known-issue notices showing now on a
public page (the core's ``public_notices`` registry), so the help centre and the request form
show the community's notices without importing it. Text is escaped by the template."""

from django import template
from django.utils import translation

from stakeholders.registries import public_notices as registry

register = template.Library()


@register.inclusion_tag("includes/public_notices.html", takes_context=True)
def public_notices(context, place):
    request = context.get("request")
    organization = context.get("organization") or getattr(request, "organization", None)
    if organization is None:
        return {"notices": []}
    notices = registry.for_place(
        organization=organization, place=place, language=translation.get_language()
    )
    return {"notices": notices}
