"""The README's Integrations worked example, run as written against a live server, so it can't
rot: the gift-pulling block (marked ``<!-- integrations-example: pull-gifts -->``) pages through
more than one cursor page, yields each gift once, and on the next run only the new ones."""

import datetime
import re
from decimal import Decimal
from pathlib import Path

import pytest

from stakeholders.models import Role
from stakeholders.tenancy.models import organization_scope
from tests.factories import ApiTokenFactory, ContactFactory, GiftFactory, MembershipFactory

README = Path(__file__).resolve().parents[1] / "README.md"
MARKER = "<!-- integrations-example: pull-gifts -->"


def readme_block():
    text = README.read_text()
    assert MARKER in text, "the README lost its worked example"
    match = re.search(r"```python\n(.*?)```", text[text.index(MARKER) :], re.S)
    return match.group(1)


@pytest.mark.django_db(transaction=True)
def test_the_readme_pulls_new_gifts_by_cursor_once_each(live_server, org_a, org_b, tmp_path):
    viewer = MembershipFactory(organization=org_a, role=Role.VIEWER).user
    token = ApiTokenFactory(organization=org_a, user=viewer)
    today = datetime.date.today()
    with organization_scope(org_a):
        donor = ContactFactory(organization=org_a)
        recent = [
            GiftFactory(contact=donor, received_on=today - datetime.timedelta(days=n % 30))
            for n in range(205)  # more than one page of 200
        ]
        GiftFactory(contact=donor, received_on=today - datetime.timedelta(days=90))  # too old
    with organization_scope(org_b):
        GiftFactory(contact=ContactFactory(organization=org_b))  # another organization's

    namespace = {"__name__": "readme_example"}  # not "__main__": the hourly loop is not run
    exec(compile(readme_block(), "README.md", "exec"), namespace)  # noqa: S102 (our own README)
    api = f"{live_server.url}/api/v1/o/{org_a.slug}/"
    state = tmp_path / "state.json"

    def pull():
        return list(namespace["new_gifts"](api=api, token=token.key, state_file=state))

    first = pull()
    assert sorted(g["id"] for g in first) == sorted(g.pk for g in recent)
    assert all(Decimal(g["amount"]) == Decimal("50.00") for g in first)
    assert pull() == []  # an hour later, nothing new: nothing handled twice

    with organization_scope(org_a):
        late = GiftFactory(contact=donor, received_on=today - datetime.timedelta(days=20))
        fresh = GiftFactory(contact=donor)
    assert sorted(g["id"] for g in pull()) == sorted([late.pk, fresh.pk])

    # A wrong token is an error the script raises, not an empty list.
    with pytest.raises(Exception, match="401"):
        list(namespace["new_gifts"](api=api, token="stw_wrong", state_file=state))


def test_the_readme_verification_is_the_one_the_webhook_tests_run():
    """The verify() shown beside the example is word for word the one tests run."""
    from tests.test_webhooks_out import readme_verify  # noqa: F401 (the tested copy)

    text = README.read_text()
    block = re.search(r"```python\n(import hashlib, hmac, time.*?)```", text, re.S).group(1)
    namespace = {}
    exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 (our own README)
    import hashlib
    import hmac
    import time

    secret, body = "whsec_test", b'{"id":"evt_1"}'
    t = int(time.time())
    v1 = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    assert namespace["verify"](secret, body, f"t={t},v1={v1}")
    assert not namespace["verify"](secret, body + b" ", f"t={t},v1={v1}")
    old = hmac.new(secret.encode(), f"{t - 301}.".encode() + body, hashlib.sha256).hexdigest()
    assert not namespace["verify"](secret, body, f"t={t - 301},v1={old}")  # a replay
