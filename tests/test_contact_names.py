"""The search's dictionary of names (stakeholders/search/models.py, migration 0031): every way a
contact is written keeps each active name's count and words exact, and the contact search reads
name starts and the closest names from it — the same people, in the same order, as the contacts
themselves say, counted without reading them."""

import pytest
from django.db import connection
from django.db.models import Count

from stakeholders import selectors, services, timeline_sql
from stakeholders.models import Contact, ContactName, ContactNameWord
from stakeholders.tenancy.models import organization_scope
from stakeholders.text import normalise_text, person_name

pytestmark = pytest.mark.django_db


def dictionary(organization):
    """{name: contacts} of the organization's dictionary."""
    return dict(
        ContactName.objects.filter(organization=organization).values_list("search_name", "contacts")
    )


def recounted(organization):
    """The same, counted from the contacts themselves."""
    return dict(
        Contact.objects.filter(
            organization=organization, merged_into__isnull=True, erased_at__isnull=True
        )
        .values_list("search_name")
        .annotate(n=Count("id"))
    )


def add(organization, first, last, **fields):
    return services.contact_create(
        organization=organization, first_name=first, last_name=last, **fields
    )


def test_each_way_a_contact_is_written_keeps_the_names_exact(org_a, org_b, admin_a):
    with organization_scope(org_a):
        ada = add(org_a, "Ada", "Obi")
        twin = add(org_a, "Ada", "Obi")
        Contact.objects.bulk_create(  # one statement, as imports and COPY write
            Contact(
                organization=org_a,
                first_name=first,
                last_name=last,
                name=person_name(first, last),
                search_name=normalise_text(person_name(first, last)),
            )
            for first, last in [("Bola", "Ade"), ("Bola", "Ade"), ("Chidi", "Eze")]
        )
        assert dictionary(org_a) == {"ada obi": 2, "bola ade": 2, "chidi eze": 1}
        services.contact_update(organization=org_a, contact=twin, last_name="Obiora")
        assert dictionary(org_a) == {"ada obi": 1, "ada obiora": 1, "bola ade": 2, "chidi eze": 1}
        chidi = Contact.objects.get(search_name="chidi eze")
        services.contact_merge(organization=org_a, keep=ada, remove=twin, actor=admin_a)
        services.contact_erase(organization=org_a, contact=chidi, actor=admin_a)
        Contact.objects.filter(search_name="bola ade").first().delete()
        assert dictionary(org_a) == recounted(org_a) == {"ada obi": 1, "bola ade": 1}
        # A name nobody bears any more leaves with its words; the others keep theirs.
        assert set(ContactNameWord.objects.values_list("word", flat=True)) == {
            "ada",
            "obi",
            "bola",
            "ade",
        }
    with organization_scope(org_b):
        add(org_b, "Ada", "Obi")
        assert dictionary(org_b) == {"ada obi": 1}
    with organization_scope(org_a):
        assert dictionary(org_a) == {"ada obi": 1, "bola ade": 1}


def test_words_are_filed_by_their_first_letters_with_the_words_before_them(scope_a):
    add(scope_a, "Fatima", "Fatimah")
    words = ContactNameWord.objects.filter(search_name="fatima fatimah")
    assert sorted(words.values_list("head", "word", "earlier")) == [
        ("fat", "fatima", ""),
        ("fat", "fatimah", " fatima"),
    ]


def test_a_name_start_lists_what_the_contacts_say_in_their_order(scope_a):
    names = [
        ("Fatima", "Adeyemi"),
        ("Fatima", "Adeyemi"),
        ("Fatima", "Fatimah"),  # two words start alike: listed once
        ("Amina", "Fatimson"),  # a later word starts so
        ("Fatou", "Diallo"),
        ("Mary", "Fat"),
        ("María José", "de la Cruz"),
        (
            "Olga",
            "Fatimova",
        ),
    ]
    for first, last in names:
        add(scope_a, first, last)
    contacts = Contact.objects.filter(organization=scope_a).order_by("search_name", "pk")
    timeline_sql._shapes.clear()
    # Twice: the page's SQL is compiled for the first start of as many words, and bound to each
    # later one (``ContactSearch.rows``), in each page's place.
    queries = ["fatim", "Fatim ade", "fat", "fati fatimah", "cruz jos", "de la", "mar cru"]
    for query in queries + queries:
        typed = normalise_text(query).split()
        expected = [
            contact.pk
            for contact in contacts
            if all(any(word.startswith(t) for word in contact.search_name.split()) for t in typed)
        ]
        search = selectors.contact_searched(organization=scope_a, query=query)
        assert [contact.pk for contact in search.contacts] == expected, query
        assert search.count(cap=10_000) == len(expected), query
        for start in (0, 1):
            rows = search.rows(["pk", "name", "last_interaction_at"], start=start, size=2)
            assert rows == list(
                contacts.filter(pk__in=expected).values("pk", "name", "last_interaction_at")[
                    start : start + 2
                ]
            ), query
    shapes = [
        shape for key, (_expires, shape) in timeline_sql._shapes.items() if "name start" in key
    ]
    assert shapes and all(shape is not timeline_sql.UNCACHEABLE for shape in shapes)


def test_a_name_start_learnt_from_a_query_that_is_its_own_first_letters_binds_each_place(
    scope_a,
):
    """ "fat" is both the query (the external id looked up) and its first letters (the words'
    head): the SQL learnt from it must still bind each to its place for "fatim" after it."""
    fatima = add(scope_a, "Fatima", "Adeyemi")
    add(scope_a, "Fatou", "Diallo")
    bjorn = add(scope_a, "Björn", "Nguyen")
    Contact.objects.filter(pk=bjorn.pk).update(external_id="fatim")
    timeline_sql._shapes.clear()
    assert selectors.contact_searched(organization=scope_a, query="fat").count() == 2
    search = selectors.contact_searched(organization=scope_a, query="fatim")
    # Björn by his external id, Fatima by her name
    assert {contact.pk for contact in search.contacts} == {bjorn.pk, fatima.pk}
    assert {row["pk"] for row in search.rows(["pk"], start=0, size=5)} == {bjorn.pk, fatima.pk}


def test_counting_a_name_start_reads_no_contact(scope_a, django_assert_num_queries):
    """The count comes with the search's one query, from the names' counts (the contacts are
    read there only for an external id equal to the query)."""
    for _ in range(3):
        add(scope_a, "Fatima", "Adeyemi")
    with django_assert_num_queries(1) as context:
        search = selectors.contact_searched(organization=scope_a, query="fatim")
    with django_assert_num_queries(0):
        assert search.count(cap=10_000) == 3
    (found,) = context.captured_queries
    assert found["sql"].count('FROM "stakeholders_contact"') == 1  # the external id's lookup
    assert '"stakeholders_contact"."external_id" =' in found["sql"]


def test_filters_count_the_contacts_themselves(scope_a):
    add(scope_a, "Fatima", "Adeyemi")
    donor = add(scope_a, "Fatima", "Bello")
    Contact.objects.filter(pk=donor.pk).update(is_donor=True)
    search = selectors.contact_searched(organization=scope_a, query="fatim", role="donor")
    assert [contact.pk for contact in search.contacts] == [donor.pk]
    assert search.count(cap=10_000) == 1
    closest = selectors.contact_searched(organization=scope_a, query="Fatma Belo", role="donor")
    assert [contact.pk for contact in closest.contacts] == [donor.pk]
    assert closest.count(cap=10_000) == 1


def test_the_closest_names_list_their_bearers_and_count_them(scope_a):
    first = add(scope_a, "Fatima", "Adeyemi")
    second = add(scope_a, "Fatima", "Adeyemi")
    add(scope_a, "Fatma", "Aydın")
    search = selectors.contact_searched(organization=scope_a, query="Fatma Adeymi")
    found = list(search.contacts)
    assert [contact.pk for contact in found[:2]] == [first.pk, second.pk]
    assert all(hasattr(contact, "suggestion_rank") for contact in found)
    assert search.count(cap=10_000) == len(found) == 3


def test_the_application_sees_only_its_organizations_names(org_a, org_b):
    with organization_scope(org_a):
        add(org_a, "Ada", "Obi")
    with organization_scope(org_b):
        add(org_b, "Bola", "Ade")
        with connection.cursor() as cursor:
            cursor.execute("SELECT search_name FROM stakeholders_contactname")
            assert cursor.fetchall() == [("bola ade",)]
            cursor.execute("SELECT DISTINCT search_name FROM stakeholders_contactnameword")
            assert cursor.fetchall() == [("bola ade",)]


def test_the_closest_names_stop_at_the_people_listed_without_a_filter(scope_a, monkeypatch):
    """A name is never split, and with a filter every close name stays (its count is not what
    the filter lists)."""
    from stakeholders.search import closest

    monkeypatch.setattr(closest, "PEOPLE_LISTED", 2)
    adeyemis = [add(scope_a, "Fatima", "Adeyemi") for _ in range(2)]
    aydin = add(scope_a, "Fatma", "Aydın")
    Contact.objects.filter(pk=aydin.pk).update(is_donor=True)
    search = selectors.contact_searched(organization=scope_a, query="Fatma Adeymi")
    assert [contact.pk for contact in search.contacts] == [c.pk for c in adeyemis]
    assert search.count(cap=10_000) == 2
    donors = selectors.contact_searched(organization=scope_a, query="Fatma Adeymi", role="donor")
    assert [contact.pk for contact in donors.contacts] == [aydin.pk]


@pytest.mark.parametrize(
    "query",
    ["%", "_", "a%b", "\\", "x" * 500, "ab " * 60, "🙂🙂🙂", "fat\x00im", "e\u0301e\u0301e\u0301"],
)
def test_any_text_typed_is_a_search_not_an_error(scope_a, query):
    """Wildcards, backslashes, a NUL, a word longer than any name, many words, emoji."""
    add(scope_a, "Fatima", "O'Brien")
    search = selectors.contact_searched(organization=scope_a, query=query)
    found = [contact.name for contact in search.contacts[:51]]
    assert search.count(cap=10_000) == len(found)
    assert found == (["Fatima O'Brien"] if query == "fat\x00im" else [])


@pytest.mark.parametrize(
    "params", [{"tag": "a\x00b"}, {"search": "fat\x00im"}, {"search": "x" * 2000}]
)
def test_the_api_and_the_box_answer_any_text(client, org_a, admin_a, params):
    from tests.factories import ApiTokenFactory

    token = ApiTokenFactory(organization=org_a, user=admin_a)
    api = client.get(
        "/api/v1/o/riverside/contacts/", params, HTTP_AUTHORIZATION=f"Token {token.key}"
    )
    refused = any("\x00" in value for value in params.values())
    assert api.status_code == (400 if refused else 200), api.content
    client.force_login(admin_a)
    box = {"q": params.get("search", ""), "tag": params.get("tag", "")}
    assert client.get("/o/riverside/contacts/", box).status_code == 200
