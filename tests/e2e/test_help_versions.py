"""A Persian visitor of the help centre reads, and finds by search, the Persian version of an
article written in English."""

import pytest
from playwright.sync_api import expect

from clients import services
from stakeholders.tenancy.models import organization_scope
from tests.factories import ArticleCategoryFactory, ArticleFactory, OrganizationFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TITLE = "درخواست بسته غذایی"


def test_a_persian_visitor_reads_the_persian_version(live_server, browser, screenshot):
    organization = OrganizationFactory(
        name="Riverside Food Bank", slug="riverside", language="en", other_languages=["fa"]
    )
    with organization_scope(organization):
        category = ArticleCategoryFactory(organization=organization, name="Food")
        article = services.article_save(
            organization=organization,
            article=ArticleFactory.build(
                organization=organization,
                category=category,
                title="Applying for food parcels",
                summary="What to bring and when to come.",
                body="Bring proof of address.",
            ),
            actor=None,
        )
        version = services.article_translation_add(
            organization=organization, article=article, language="fa", actor=None
        )
        version.title, version.summary = TITLE, "چه چیزی بیاورید و چه زمانی بیایید."
        version.body, version.is_published = "مدرک نشانی خود را بیاورید.", True
        services.article_save(organization=organization, article=version, actor=None)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fa-IR")
    page = context.new_page()
    page.goto(f"{live_server.url}/o/riverside/help/?q=بسته+غذایی")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.get_by_role("link", name=TITLE).first).to_be_visible()
    assert "Applying for food parcels" not in page.content()
    screenshot(page, "versions-help-fa")
    page.get_by_role("link", name=TITLE).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_role("link", name="English")).to_be_visible()  # the other language
    context.close()
