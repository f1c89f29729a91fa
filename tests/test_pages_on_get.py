"""Opening a page never shows a form's errors: a form bound to the empty POST of a GET says
"This field is required" and, saved as it stands, would wipe what was there (issue: the
opportunity's Details form). Every staff page of an organization is opened by an admin."""

import pytest

from stakeholders.tenancy.models import organization_scope
from tests.factories import OpportunityFactory
from tests.test_isolation import organization_page_paths

pytestmark = pytest.mark.django_db

ERROR_MARKERS = ('class="form-errors"', 'class="field__errors"', "This field is required")


def test_no_page_opens_with_form_errors(client, org_a, admin_a):
    client.force_login(admin_a)
    opened, failures = 0, []
    for name, path in organization_page_paths(org_a):
        response = client.get(path)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        opened += 1
        page = response.content.decode()
        failures += [f"{name}: {marker}" for marker in ERROR_MARKERS if marker in page]
    assert opened > 60 and failures == [], failures


def test_the_opportunity_details_form_opens_with_what_was_saved(client, org_a, admin_a):
    with organization_scope(org_a):
        opportunity = OpportunityFactory(
            organization=org_a, title="Food bank driver", description="Deliver parcels on Fridays"
        )
    client.force_login(admin_a)
    page = client.get(f"/o/{org_a.slug}/volunteers/opportunities/{opportunity.pk}/")
    html = page.content.decode()
    assert "Deliver parcels on Fridays" in html and "This field is required" not in html
    assert 'name="is_active"' in html and "checked" in html.split('name="is_active"')[1][:80]
