"""``{% organization_brand organization as brand %}``: the organization's colours, logo and
contact details (``stakeholders.branding.brand``) for email and letter layouts."""

from django import template

from stakeholders import branding

register = template.Library()


@register.simple_tag
def organization_brand(organization):
    return branding.brand(organization)
