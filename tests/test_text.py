"""Search that reads Khmer, Persian and Kazakh: words found by ICU, letters unified without
merging different names, and the help centre and the contact search using both."""

import pytest

from clients import selectors as client_selectors
from clients import services as client_services
from stakeholders import selectors, text
from stakeholders.models import Role
from stakeholders.services import normalise_phone
from stakeholders.tenancy.models import organization_scope
from tests.factories import (
    ArticleCategoryFactory,
    ArticleFactory,
    ContactFactory,
    MembershipFactory,
    OrganizationFactory,
)

KHMER_REQUEST = "សូមជួយខ្ញុំបំពេញពាក្យសុំជំនួយ"  # "please help me fill in the aid application"


def test_khmer_is_split_into_words_not_phrases():
    assert text.words(KHMER_REQUEST, "km") == ["សូម", "ជួយ", "ខ្ញុំ", "បំពេញ", "ពាក្យសុំ", "ជំនួយ"]
    assert text.spaced(KHMER_REQUEST, "km") == "សូម ជួយ ខ្ញុំ បំពេញ ពាក្យសុំ ជំនួយ"
    assert text.spaced("Opening hours", "en") == "Opening hours"  # spaced scripts stay as they are


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("علي رضايي", "علی رضایی"),  # Arabic yeh typed, Persian yeh stored
        ("كريمي", "کریمی"),  # Arabic kaf
        ("محمد‌رضا", "محمدرضا"),  # with and without a zero-width non-joiner
        ("Björn Ó Súilleabháin", "bjorn o suilleabhain"),
        ("ЖАНАР ӘБІЛҚАЙЫР", "жанар әбілқайыр"),  # Kazakh letters keep their identity
    ],
)
def test_names_match_whichever_letter_forms_people_type(typed, stored):
    assert text.normalise_text(typed) == text.normalise_text(stored)


def test_khmer_signs_are_part_of_the_letters_and_different_names_stay_different():
    # សុខា (Sokha) and សខា differ by a vowel sign; ស្រី (Srey) and សរី by a subscript (COENG).
    assert text.normalise_text("សុខា") != text.normalise_text("សខា")
    assert text.normalise_text("ស្រី") != text.normalise_text("សរី")
    assert "\u17d2" in text.normalise_text("ស្រី")  # the COENG sign is kept


def test_digits_in_any_script_are_read():
    assert text.ascii_digits("۰۹۱۲ ۳۴۵ ٦٧٨٩ ០១២") == "0912 345 6789 012"
    assert normalise_phone("۰۹۱۲۳۴۵۶۷۸۹", country="IR") == "+989123456789"
    assert normalise_phone("០១២ ៣៤៥ ៦៧៨", country="KH") == "+85512345678"


@pytest.mark.django_db
def test_contact_search_finds_persian_and_khmer_names_however_typed():
    organization = OrganizationFactory(slug="mehr", language="fa")
    with organization_scope(organization):
        zahra = ContactFactory(organization=organization, first_name="زهرا", last_name="کریمی")
        ContactFactory(organization=organization, first_name="سارا", last_name="احمدی")
        sokha = ContactFactory(organization=organization, first_name="សុខា", last_name="ចាន់")
        ContactFactory(organization=organization, first_name="សខា", last_name="ចាន់")

        def found(query):
            return list(selectors.contact_search(organization=organization, query=query)[:5])

        assert found("زهرا كريمي")[0] == zahra  # Arabic kaf and yeh typed
        assert found("کریمی")[0] == zahra
        assert found("زهره کریمی")[0] == zahra  # a typo
        assert found("សុខា") == [sokha]  # not the other name that lacks the vowel sign


@pytest.mark.django_db
def test_the_help_centre_finds_khmer_and_persian_articles_by_a_word_inside_a_phrase():
    organization = OrganizationFactory(slug="phnom-penh-aid", language="km")
    caseworker = MembershipFactory(organization=organization, role=Role.CASEWORKER).user
    with organization_scope(organization):
        category = ArticleCategoryFactory(organization=organization, name="ជំនួយ")
        for title, body in [
            ("របៀបដាក់ពាក្យសុំជំនួយស្បៀង", "សូមយកអត្តសញ្ញាណប័ណ្ណមកជាមួយនៅថ្ងៃអង្គារ"),
            ("ម៉ោងបើកការិយាល័យ", "ការិយាល័យបើកពីម៉ោងប្រាំបីព្រឹកដល់ម៉ោងប្រាំល្ងាច"),
            ("درخواست کمک‌هزینه اجاره‌بها", "برای درخواست، مدارک هویتی خود را بیاورید."),
        ]:
            article = ArticleFactory.build(
                organization=organization, category=category, title=title, body=body
            )
            client_services.article_save(
                organization=organization, article=article, actor=caseworker
            )

        def titles(query, **kwargs):
            return [
                article.title
                for article in client_selectors.article_search(
                    organization=organization, query=query, **kwargs
                )
            ]

        # "ស្បៀង" (food) sits inside the title's single "phrase"; \w+ saw one long word there.
        assert titles("ស្បៀង") == ["របៀបដាក់ពាក្យសុំជំនួយស្បៀង"]
        assert titles("ការិយាល័យ") == ["ម៉ោងបើកការិយាល័យ"]
        assert titles("ពាក្យសុំជំនួយ", prefix=True) == ["របៀបដាក់ពាក្យសុំជំនួយស្បៀង"]
        assert titles("اجاره‌بها") == ["درخواست کمک‌هزینه اجاره‌بها"]


@pytest.mark.parametrize(
    ("first", "last", "shown"),
    [
        ("Ada", "Lovelace", "Ada Lovelace"),
        ("مریم", "رضایی", "مریم رضایی"),
        ("Әлия", "Нұрланқызы", "Әлия Нұрланқызы"),
        ("ចាន់ថា", "សុខ", "សុខ ចាន់ថា"),  # Sok Chantha: the family name first
        ("", "សុខ", "សុខ"),
    ],
)
def test_a_name_is_written_in_its_scripts_order(first, last, shown):
    assert text.person_name(first, last) == shown
