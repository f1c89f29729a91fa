"""What the community adds to the core's registries: dashboard cards (the moderation queue,
rising topics), the member panel on the contact page, merge/erase/export hooks, demo data and
known-issue notices for the other public pages."""


def _notices():
    from community.services.notices import notices_for_place
    from stakeholders.registries import public_notices

    public_notices.register("community", notices_for_place)


def _trends():
    """The community's questions as a text source of the weekly trend report, and the
    dashboard's "Rising topics" card (every staff role; terms only, no example text)."""
    from django.utils.translation import gettext_lazy

    from community.selectors import trends
    from stakeholders.registries import dashboard_cards, text_sources

    text_sources.register(
        "community.questions",
        label=gettext_lazy("Community questions"),
        texts=trends.question_texts,
        examples=trends.question_examples,
    )
    dashboard_cards.register(
        "community_rising_topics",
        template="community/manage/insights_card.html",
        context=trends.dashboard_card,
    )


def _moderation():
    """The moderation queue's card on the dashboard (pending posts, open reports), for the
    roles that moderate, counted over the spaces each one moderates."""
    from community.views.moderation import MODERATORS, dashboard_card
    from stakeholders.registries import dashboard_cards

    dashboard_cards.register(
        "community_moderation",
        template="community/manage/_dashboard_card.html",
        context=dashboard_card,
        roles=MODERATORS,
    )


def member_panel(request, contact):
    """The contact's community membership on their page: display name and latest posts. Being
    a client is confidential: for a client, only the roles that see client work get it."""
    from community.selectors.members import latest_posts, member_for_contact
    from stakeholders.models import Role

    if contact.is_client and request.membership.role not in (Role.ADMIN, Role.CASEWORKER):
        return None
    organization = request.organization
    member = member_for_contact(organization=organization, contact=contact)
    if member is None:
        return None
    return {
        "member": member,
        "posts": latest_posts(organization=organization, member=member),
    }


def _members():
    """The member panel on the contact page; merge, erase and export of a person's membership."""
    from community.services import members
    from stakeholders.registries import contact_hooks, contact_panels

    contact_panels.register(
        "community_member", template="community/members/_panel.html", context=member_panel
    )
    contact_hooks.register(
        "community",
        merge=members.merge_members,
        erase=members.erase_members,
        export=members.export_members,
        covers=["community.Member.contact"],
    )


def _demo():
    """A lively community in each demo organization (``seed_demo``)."""
    from community import demo
    from stakeholders.registries import demo_data

    demo_data.register("community", demo.seed)


def register():
    _demo()
    _members()
    _moderation()
    _trends()
    _notices()
