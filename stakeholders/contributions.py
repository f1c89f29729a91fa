"""The core's own entries in its registries: interactions, consent changes, feedback and record
events on the timeline; moving, anonymising and exporting its rows (and the lines of import
files about the person) on merge, erasure and data subject export."""

from functools import cache

from django.db.models import Q
from django.urls import reverse
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stakeholders import importing, selectors
from stakeholders.experience import contacts as experience_contacts
from stakeholders.experience import surveys as experience_surveys
from stakeholders.models import (
    Consent,
    ContactEvent,
    ContactTag,
    DuplicatePair,
    Feedback,
    Interaction,
    InteractionKind,
    Relationship,
)
from stakeholders.registries import (
    TextExample,
    TextItem,
    TimelineEvent,
    contact_hooks,
    older_than,
    text_sources,
    timeline,
    timeline_rows,
)


@cache
def _choices(model, field):
    return dict(model._meta.get_field(field).flatchoices)  # lazy labels: read in the language


def _display(model, field, value):
    """The label of a choice, as ``get_<field>_display()`` gives it (the value when unknown)."""
    return str(_choices(model, field).get(value, value))


def _user_name(name, email):
    """A user as ``str(user)`` writes them, from the two columns."""
    return name or email or ""


def interaction_rows(*, organization, contact, before, channel, role):
    rows = (
        selectors.interactions_visible(organization=organization, staff_role=role)
        .filter(contact=contact)
        .filter(older_than(before, "interaction"))
        .order_by("-occurred_at", "-id")
    )
    if channel:
        rows = rows.filter(channel=channel)
    return timeline_rows(
        rows,
        at="occurred_at",
        data={
            "subject": "subject",
            "notes": "notes",
            "channel": "channel",
            "direction": "direction",
            "kind": "kind",
            "outcome": "outcome",
            "staff_name": "staff__name",
            "staff_email": "staff__email",
            "follow_up_on": "follow_up_on",
            "follow_up_done_at": "follow_up_done_at",
            "category": "complaint_category__name",
            "resolved_at": "resolved_at",
        },
    )


def interaction_event(organization, occurred_at, key, data):
    is_complaint = data["kind"] == InteractionKind.COMPLAINT
    return TimelineEvent(
        kind="interaction",
        occurred_at=occurred_at,
        key=key,
        title=data["subject"],
        body=data["notes"],
        channel=data["channel"],
        channel_label=_display(Interaction, "channel", data["channel"]),
        badge=_("Complaint")
        if is_complaint
        else _display(Interaction, "direction", data["direction"]),
        url=reverse(
            "stakeholders:interaction_detail",
            kwargs={"org_slug": organization.slug, "interaction_id": key},
        ),
        meta={
            "staff": _user_name(data["staff_name"], data["staff_email"]),
            "outcome": data["outcome"],
            "follow_up_on": parse_date(data["follow_up_on"]) if data["follow_up_on"] else None,
            "follow_up_done": data["follow_up_done_at"] is not None,
            "complaint_category": data["category"] or "",
            "resolved": data["resolved_at"] is not None,
        },
    )


def consent_rows(*, organization, contact, before, channel):
    rows = (
        Consent.objects.filter(organization=organization, contact=contact)
        .filter(older_than(before, "consent", at="recorded_at"))
        .order_by("-recorded_at", "-id")
    )
    fields = ("channel", "purpose", "granted", "wording", "source")
    return timeline_rows(rows, at="recorded_at", data={name: name for name in fields})


def consent_event(organization, occurred_at, key, data):
    return TimelineEvent(
        kind="consent",
        occurred_at=occurred_at,
        key=key,
        title=(
            _("Agreed to %(purpose)s by %(channel)s")
            if data["granted"]
            else _("Withdrew %(purpose)s by %(channel)s")
        )
        % {
            "purpose": _display(Consent, "purpose", data["purpose"]).lower(),
            "channel": _display(Consent, "channel", data["channel"]).lower(),
        },
        body=data["wording"],
        badge=_display(Consent, "source", data["source"]),
    )


def feedback_rows(*, organization, contact, before, channel, role):
    rows = (
        selectors.feedback_visible(organization=organization, staff_role=role)
        .filter(contact=contact)
        .filter(older_than(before, "feedback", at="created_at"))
        .order_by("-created_at", "-id")
    )
    fields = ("measure", "score", "comment", "by_contact")
    return timeline_rows(rows, at="created_at", data={name: name for name in fields})


def feedback_event(organization, occurred_at, key, data):
    return TimelineEvent(
        kind="feedback",
        occurred_at=occurred_at,
        key=key,
        title=_("%(measure)s score: %(score)s")
        % {"measure": _display(Feedback, "measure", data["measure"]), "score": data["score"]},
        body=data["comment"],
        badge=_("From them") if data["by_contact"] else _("Recorded by staff"),
    )


def record_rows(*, organization, contact, before, channel):
    rows = (
        ContactEvent.objects.filter(organization=organization, contact=contact)
        .filter(older_than(before, "record"))
        .order_by("-occurred_at", "-id")
    )
    return timeline_rows(
        rows,
        at="occurred_at",
        data={
            "summary": "summary",
            "kind": "kind",
            "actor_name": "actor__name",
            "actor_email": "actor__email",
        },
    )


def record_event(organization, occurred_at, key, data):
    return TimelineEvent(
        kind="record",
        occurred_at=occurred_at,
        key=key,
        title=data["summary"],
        badge=_display(ContactEvent, "kind", data["kind"]),
        meta={"staff": _user_name(data["actor_name"], data["actor_email"])},
    )


def merge_core_rows(*, organization, keep, remove):
    for model in (Interaction, Feedback, ContactEvent):
        model.objects.filter(organization=organization, contact=remove).update(contact=keep)
    # Consent is append-only: the kept record gains a copy of each decision (same time, source
    # and wording); the merged record keeps its own history untouched.
    copies = list(Consent.objects.filter(organization=organization, contact=remove))
    for consent in copies:
        consent.pk, consent.contact = None, keep
    Consent.objects.bulk_create(copies)
    kept_tags = ContactTag.objects.filter(organization=organization, contact=keep).values("tag_id")
    ContactTag.objects.filter(
        organization=organization, contact=remove, tag_id__in=kept_tags
    ).delete()
    ContactTag.objects.filter(organization=organization, contact=remove).update(contact=keep)
    for field in ("person", "related"):
        for relationship in Relationship.objects.filter(
            organization=organization, **{field: remove}
        ):
            duplicate = Relationship.objects.filter(
                organization=organization,
                **{field: keep},
                **{
                    f: getattr(relationship, f) for f in ("person", "related", "kind") if f != field
                },
            ).exists()
            if duplicate:
                relationship.delete()
            else:
                setattr(relationship, field, keep)
                relationship.save(update_fields=[field])


def erase_core_rows(*, organization, contact):
    """Words about the person go; consent decisions stay (append-only, see ``register``)."""
    Interaction.objects.filter(organization=organization, contact=contact).update(
        subject=_("Erased"), notes="", outcome="", resolution=""
    )
    Feedback.objects.filter(organization=organization, contact=contact).update(comment="")
    ContactEvent.objects.filter(organization=organization, contact=contact).delete()
    ContactTag.objects.filter(organization=organization, contact=contact).delete()
    Relationship.objects.filter(organization=organization).filter(
        Q(person=contact) | Q(related=contact)
    ).delete()
    DuplicatePair.objects.filter(organization=organization).filter(
        Q(contact=contact) | Q(other=contact)
    ).delete()
    importing.erase_person(organization=organization, contact=contact)


def export_core_rows(*, organization, contact):
    relationships = Relationship.objects.filter(organization=organization).filter(
        Q(person=contact) | Q(related=contact)
    )
    duplicates = DuplicatePair.objects.filter(organization=organization).filter(
        Q(contact=contact) | Q(other=contact)
    )
    return {
        "interactions": list(
            Interaction.objects.filter(organization=organization, contact=contact)
            .order_by("occurred_at")
            .values(
                "occurred_at",
                "channel",
                "direction",
                "kind",
                "subject",
                "notes",
                "outcome",
                "resolution",
            )
        ),
        "consents": list(
            Consent.objects.filter(organization=organization, contact=contact)
            .order_by("recorded_at")
            .values("recorded_at", "channel", "purpose", "granted", "source", "wording")
        ),
        "feedback": list(
            Feedback.objects.filter(organization=organization, contact=contact)
            .order_by("created_at")
            .values("created_at", "measure", "score", "comment")
        ),
        "record_events": list(
            ContactEvent.objects.filter(organization=organization, contact=contact)
            .order_by("occurred_at")
            .values("occurred_at", "kind", "summary")
        ),
        "relationships": [
            {
                "kind": row.kind,
                "role_title": row.role_title,
                "with": (row.related if row.person_id == contact.pk else row.person).name,
            }
            for row in relationships.select_related("person", "related")
        ],
        "possible_duplicates": [
            {
                "record": row.other_id if row.contact_id == contact.pk else row.contact_id,
                "reasons": row.reasons,
                "status": row.status,
            }
            for row in duplicates
        ],
        "imported_lines": importing.rows_about(organization=organization, contact=contact),
    }


def feedback_texts(*, organization, since, until):
    """Feedback comments for the trend report, tagged with the complaint or expectation they
    were filed under."""
    rows = (
        Feedback.objects.filter(organization=organization, created_at__gte=since)
        .filter(created_at__lt=until)
        .exclude(comment="")
        .values_list("pk", "created_at", "comment", "category__name")
    )
    for key, at, comment, category in rows.iterator(chunk_size=500):
        yield TextItem(key=key, at=at, text=comment, tags=(category,) if category else ())


def feedback_examples(*, organization, keys, role):
    """Comments the reader's role may read (none given on casework hidden from it)."""
    rows = (
        selectors.feedback_visible(organization=organization, staff_role=role)
        .filter(pk__in=keys)
        .values_list("pk", "comment")
    )
    return {key: TextExample(text=comment) for key, comment in rows}


def register():
    text_sources.register(
        "stakeholders.feedback",
        label=gettext_lazy("Feedback comments"),
        texts=feedback_texts,
        examples=feedback_examples,
    )
    experience_surveys.register_core_touchpoint()
    _register_journeys()
    _register_keep_in_touch()
    contact_hooks.register(
        "experience",
        merge=experience_contacts.merge_experience_rows,
        erase=experience_contacts.erase_experience_rows,
        export=experience_contacts.export_experience_rows,
        covers=experience_contacts.COVERS,
    )
    timeline.register(
        "interaction",
        gettext_lazy("Interactions"),
        rows=interaction_rows,
        event=interaction_event,
        has_channels=True,
        wants_role=True,
    )
    timeline.register(
        "consent", gettext_lazy("Consent changes"), rows=consent_rows, event=consent_event
    )
    timeline.register(
        "feedback",
        gettext_lazy("Feedback"),
        rows=feedback_rows,
        event=feedback_event,
        wants_role=True,
    )
    timeline.register(
        "record", gettext_lazy("Record changes"), rows=record_rows, event=record_event
    )
    contact_hooks.register(
        "stakeholders",
        merge=merge_core_rows,
        erase=erase_core_rows,
        export=export_core_rows,
        covers=[
            # Records merged into the person's are the same person: erased and exported with it
            # (``services.contact_erase``, ``selectors.contact_everything``).
            "stakeholders.Contact.merged_into",
            "stakeholders.ContactTag.contact",
            "stakeholders.Relationship.person",
            "stakeholders.Relationship.related",
            "stakeholders.Interaction.contact",
            "stakeholders.ContactEvent.contact",
            "stakeholders.Feedback.contact",
            "stakeholders.DuplicatePair.contact",
            "stakeholders.DuplicatePair.other",
            # Files of many people: the lines about the person are exported; at erasure the
            # file goes or is rewritten without them (``importing.erase_person``).
            "stakeholders.DataImport",
            "stakeholders.DataImport.file",
        ],
        kept={
            "stakeholders.Consent.contact": "append-only (a database trigger refuses changes): "
            "the proof of each consent decision, holding no words about the person beyond the "
            "consent wording they agreed to",
        },
        no_personal_data={
            "stakeholders.Organization.logo": "the organization's own logo",
        },
    )
    _register_recovery()
    _register_deliverability()
    inbox_contributions.register()
    integrations_contributions.register()


from stakeholders.inbox import contributions as inbox_contributions  # noqa: E402
from stakeholders.integrations import contributions as integrations_contributions  # noqa: E402


def _register_deliverability():
    """Bounces, complaints and unsubscribes: the providers' webhooks, the person's page, the
    dashboard, and the person's suppressions at merge, erasure and export."""
    from stakeholders import deliverability
    from stakeholders.registries import contact_panels, dashboard_cards

    deliverability.connect()
    contact_hooks.register(
        "deliverability",
        merge=deliverability.merge_suppressions,
        erase=deliverability.erase_suppressions,
        export=deliverability.export_suppressions,
        kept={
            "stakeholders.EmailSuppression.contact": "a suppression must keep protecting the "
            "address after erasure: it is unlinked from the record and keeps only the address "
            "and why (a bounce, a complaint, an unsubscribe), none of the provider's words",
        },
    )
    dashboard_cards.register(
        "delivery_health",
        template="stakeholders/deliverability/_dashboard_card.html",
        context=deliverability.dashboard_card,
    )
    contact_panels.register(
        "email_delivery",
        template="stakeholders/deliverability/_contact_panel.html",
        context=deliverability.contact_panel,
    )


def _register_recovery():
    """Recovery cases: a dashboard card, a panel and timeline events on the person's page (each
    shows only the areas the reader's role sees)."""
    from stakeholders.experience import recovery
    from stakeholders.experience.views import recovery as recovery_views
    from stakeholders.registries import contact_panels, dashboard_cards

    dashboard_cards.register(
        "recovery_cases",
        template="experience/recovery/_dashboard_card.html",
        context=recovery_views.dashboard_card,
        roles=recovery.CASE_ROLES,
    )
    contact_panels.register(
        "recovery_cases",
        template="experience/recovery/_contact_panel.html",
        context=recovery_views.contact_panel,
        roles=recovery.CASE_ROLES,
    )
    timeline.register(
        "recovery",
        gettext_lazy("Recovery cases"),
        rows=recovery.timeline_rows,
        event=recovery.timeline_event,
        wants_role=True,
    )


def _register_journeys():
    """The person's stage on each journey the reader's role sees, on their page."""
    from stakeholders.experience.views import journeys as journey_views
    from stakeholders.registries import contact_panels

    contact_panels.register(
        "journeys",
        template="experience/journeys/_contact_panel.html",
        context=journey_views.contact_panel,
        roles=journey_views.JOURNEY_ROLES,
    )


def _register_keep_in_touch():
    """ "Your keep-in-touch tasks" on the dashboard: the member's open tasks due (hidden when
    none; only journeys the member's role sees)."""
    from stakeholders.experience import keep_in_touch
    from stakeholders.registries import dashboard_cards

    dashboard_cards.register(
        "keep_in_touch_tasks",
        template="experience/keep_in_touch/_dashboard_card.html",
        context=keep_in_touch.dashboard_card,
    )
