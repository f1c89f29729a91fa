"""Every language in LANGUAGES is complete: each catalog covers today's source, nothing is left
untranslated or fuzzy, placeholders match (`msgfmt --check`), and no template shows bare text."""

import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest
from django.conf import settings

from tests.processes import ROOT, manage

LANGUAGES = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
BRAND = {"Steward"}  # the product's name is the same in every language


@pytest.fixture(scope="module")
def catalogs(tmp_path_factory):
    """The catalogs as `make messages` would leave them for today's source: copied, then
    updated by makemessages in a scratch folder (the real ones are not touched)."""
    scratch = tmp_path_factory.mktemp("locale") / "locale"
    shutil.copytree(ROOT / "locale", scratch)
    languages = [argument for code in LANGUAGES for argument in ("-l", code)]
    done = manage(
        "makemessages",
        *languages,
        "--no-obsolete",
        "--ignore=.venv/*",
        "--ignore=bench/*",
        "--ignore=tests/*",
        "--ignore=var/*",
        DJANGO_SETTINGS_MODULE="config.settings.development",
        LOCALE_DIR=str(scratch),
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return scratch


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalog_is_complete_and_its_placeholders_match(catalogs, language):
    po = catalogs / language / "LC_MESSAGES" / "django.po"
    done = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    statistics = done.stderr.strip().splitlines()[-1]
    assert "untranslated" not in statistics and "fuzzy" not in statistics, (
        f"{language}: {statistics} — run `make messages` and translate the new strings"
    )


VISIBLE_ATTRIBUTES = {"aria-label", "title", "placeholder", "alt", "aria-description"}
WORD = re.compile(r"[A-Za-z]{2,}")
CSS_CLASS = re.compile(r"^[a-z]+(?:-[a-z]+)*(?:--[a-z-]+)+$")
BLOCK_TRANSLATE = re.compile(r"{%\s*blocktrans(?:late)?\b.*?{%\s*endblocktrans(?:late)?\s*%}", re.S)
COMMENT = re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}", re.S)
TEMPLATE_TAG = re.compile(r"{%.*?%}|{{.*?}}", re.S)


class BareText(HTMLParser):
    """Visible text and labelling attributes that no translation tag produced."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found, self.hidden = [], 0

    def handle_starttag(self, tag, attrs):
        self.hidden += tag in ("script", "style", "code", "pre", "kbd", "samp")
        for name, value in attrs:
            if name in VISIBLE_ATTRIBUTES and value and self._words(value):
                self.found.append((self.getpos()[0], f'{name}="{value}"'))

    def handle_endtag(self, tag):
        self.hidden -= tag in ("script", "style", "code", "pre", "kbd", "samp")

    def handle_data(self, data):
        if not self.hidden and self._words(data):
            self.found.append((self.getpos()[0], data.strip()))

    @staticmethod
    def _words(text):
        words = [w for w in text.replace("§", " ").split() if not CSS_CLASS.match(w)]
        return any(WORD.search(w) for w in words if w.strip("—·:,.()") not in BRAND)


def bare_text(path):
    blank = lambda match: "\n" * match.group(0).count("\n")  # noqa: E731 (keeps line numbers)
    text = COMMENT.sub(blank, path.read_text())
    text = BLOCK_TRANSLATE.sub(blank, text)
    text = TEMPLATE_TAG.sub(lambda match: blank(match) + "§", text)
    parser = BareText()
    parser.feed(text)
    parser.close()
    return parser.found


def test_no_template_shows_text_that_is_not_marked_for_translation():
    found = [
        f"{path.relative_to(ROOT)}:{line}: {text[:80]}"
        for path in sorted((ROOT / "templates").glob("**/*.html"))
        for line, text in bare_text(path)
    ]
    assert found == [], "\n".join(found)


def test_the_scan_finds_bare_text(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        '{% load i18n %}<h1 class="page--wide">{% translate "Gifts" %}</h1>'
        '<p title="Total given">Lifetime</p>{# a comment #}<code>Token abc</code>'
    )
    assert bare_text(page) == [(1, 'title="Total given"'), (1, "Lifetime")]
