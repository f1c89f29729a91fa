"""Templates staff write can't hurt the server: what would make a huge value is refused before it
is made, what would run too long is stopped, at save and in the nightly batch alike."""

import time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from donors import services as donor_services
from stakeholders import sandbox
from stakeholders.tenancy.models import organization_scope
from tests.factories import ApiTokenFactory, ContactFactory
from thankyous import rendering, services
from thankyous.models import Acknowledgment, Rule, ThankYouTemplate

# Each one hung a worker, or took gigabytes, before the sandbox had limits.
ATTACKS = {
    "power": "{{ 9 ** 999999999 }}",
    "product": "{{ 10 ** 90 * 10 ** 90 }}",
    "list repetition": "{{ [0] * 999999999 }}",
    "text repetition": "{{ 'x' * 10 ** 9 }}",
    "doubling": "{% set a = 'x' * 99999 %}{% set b = a ~ a %}{% set c = b ~ b %}{{ c }}",
    "loops in loops": (
        "{% set many = 'x' * 99999 %}{% for a in many %}{% for b in many %}{% endfor %}{% endfor %}"
    ),
    "range": "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}",
    "recursion": (
        "{% macro twice(n) %}{% if n %}{{ twice(n - 1) }}{{ twice(n - 1) }}{% endif %}"
        "{% endmacro %}{{ twice(60) }}"
    ),
    "format width": "{{ '{:>999999999}'.format(1) }}",
    "percent width": "{{ '%999999999s' % 1 }}",
    "padding": "{{ 'x'.ljust(999999999) }}",
    "join": "{% set a = 'x' * 99999 %}{{ a|join(a) }}",
    "replace": "{% set a = 'x' * 99999 %}{{ a|replace('', a) }}",
}
NOT_HANGING = pytest.mark.timeout(30, method="thread", func_only=True)  # C ignores signals


@pytest.fixture
def org(org_a):
    with organization_scope(org_a):
        yield org_a


def gift(org, email, amount="50"):
    contact = ContactFactory(organization=org, first_name="Ada", email=email)
    return donor_services.gift_record(
        organization=org,
        contact=contact,
        amount=Decimal(amount),
        received_on=timezone.localdate(),
    )


@NOT_HANGING
@pytest.mark.django_db
@pytest.mark.parametrize("part", ["email_body", "letter_body"])
@pytest.mark.parametrize("attack", ATTACKS.values(), ids=ATTACKS.keys())
def test_each_attack_is_refused_at_save_next_to_its_field(org, part, attack):
    started = time.monotonic()
    fields = {"email_subject": "Thank you", "email_body": "Thank you", part: attack}
    with pytest.raises(ValidationError) as error:
        services.template_save(organization=org, name="Attack", **fields)
    assert list(error.value.message_dict) == [part]
    assert time.monotonic() - started < sandbox.RENDER_SECONDS + 2
    assert not ThankYouTemplate.objects.filter(name="Attack").exists()


@pytest.mark.parametrize(
    ("attack", "says"),
    [
        (ATTACKS["power"], "more than 100 digits"),
        (ATTACKS["text repetition"], "more than 100,000 characters"),
        (ATTACKS["loops in loops"], "takes too long to render (more than 1 s)"),
        (ATTACKS["percent width"], "can't be formatted with the percent sign"),
        (ATTACKS["format width"], "'format' of 'str' object is unsafe"),
        (ATTACKS["range"], "'range' is undefined"),
    ],
)
@NOT_HANGING
def test_the_error_says_what_was_refused(attack, says):
    template = ThankYouTemplate(email_subject="Hi", email_body=attack)
    with pytest.raises(ValidationError) as error:
        rendering.check_template(template, {"first_name": "Ada"})
    assert says in error.value.message_dict["email_body"][0]


@pytest.mark.django_db
def test_a_huge_source_is_refused_before_it_is_compiled(org, client, admin_a):
    huge = "x" * (sandbox.MAX_SOURCE + 1)
    with pytest.raises(ValidationError) as error:
        services.template_save(
            organization=org, name="Huge", email_subject="Hi", email_body="Hi", letter_body=huge
        )
    assert error.value.message_dict == {
        "letter_body": [f"Keep this under 50,000 characters (it has {len(huge):,})."]
    }

    client.force_login(admin_a)
    page = client.post(
        "/o/riverside/thank-yous/templates/new/",
        {
            "name": "Huge",
            "rule": "default",
            "email_subject": "Hi",
            "email_body": huge,
            "paper_size": "A4",
            "is_active": "on",
        },
    )
    assert page.status_code == 200
    assert "Keep this under 50,000 characters" in page.context["form"].errors["email_body"][0]

    client.logout()
    token = ApiTokenFactory(organization=org, user=admin_a)
    response = client.post(
        "/api/v1/o/riverside/thank-you-templates/",
        {"name": "Huge", "rule": "default", "email_subject": "Hi", "email_body": huge},
        content_type="application/json",
        headers={"authorization": f"Token {token.key}"},
    )
    assert response.status_code == 400
    assert "Keep this under 50,000 characters" in response.json()["email_body"][0]
    assert not ThankYouTemplate.objects.filter(name="Huge").exists()


def test_what_letters_use_still_works():
    source = (
        "{{ first_name|upper }} {{ last_name|default('friend') }}"
        "{% if amount %} {{ amount ~ ' ' ~ 'GBP' }}{% endif %}"
        " {{ 'ab' * 3 }} {{ 2 ** 10 }} {{ 7 * 6 }} {{ 7 % 4 }} {{ [1, 2] + [3] }}"
        " {% for word in ['a', 'b'] %}{{ loop.index }}{{ word }}{% endfor %}"
        " {{ impact|truncate(9) }} {{ names|join(', ') }} {{ first_name.lower() }}"
    )
    fields = {
        "first_name": "Ada",
        "amount": "£50",
        "impact": "A week of meals",
        "names": ["Ada", "Bo"],
    }
    assert rendering.render_text(source, fields) == (
        "ADA friend £50 GBP ababab 1024 42 3 [1, 2, 3] 1a2b A... Ada, Bo ada"
    )


@pytest.mark.parametrize("name", ["range", "lipsum", "cycler", "joiner", "namespace", "dict"])
def test_the_globals_nobody_needs_are_gone(name):
    with pytest.raises(ValidationError) as error:
        rendering.check_template(ThankYouTemplate(email_subject=f"{{{{ {name} }}}}"), {})
    assert f"'{name}' is undefined" in error.value.message_dict["email_subject"][0]


@NOT_HANGING
@pytest.mark.django_db
@pytest.mark.parametrize("part", ["email_body", "letter_body"])
@pytest.mark.parametrize("attack", ["power", "loops in loops", "recursion"])
def test_in_the_batch_the_letter_goes_to_a_person_and_the_next_is_sent(org, mailbox, part, attack):
    """A template saved before the limits (or failing only with a real donor's fields)."""
    words = {"email_subject": "Thank you", "email_body": "Thank you", "letter_body": "<p>Hi</p>"}
    ThankYouTemplate.objects.create(
        organization=org,
        name="Major gifts",
        rule=Rule.MAJOR_GIFT,
        major_threshold=Decimal("1000"),
        **{**words, part: ATTACKS[attack]},
    )
    major = gift(org, email="major@example.org", amount="5000")
    ordinary = gift(org, email="ada@example.org")

    counts = services.run_batch(organization=org)

    assert (counts["sent"], counts["failed"]) == (1, 1)
    stopped = Acknowledgment.objects.get(target_id=major.pk)
    assert stopped.state == Acknowledgment.State.REVIEW
    assert stopped.last_error.startswith("The template did not work: This ")
    assert Acknowledgment.objects.get(target_id=ordinary.pk).state == Acknowledgment.State.SENT
    assert [message["To"] for message in mailbox.messages] == ["ada@example.org"]
