"""``python -m config.translations``: compile the .po catalogs in locale/ into the .mo files Django
reads, with Babel — so installing needs no gettext package and no Django settings (`make` runs it
before anything starts; so does the Docker image). Only catalogs newer than their .mo are read."""

import logging
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def compile_catalogs(locale_dir=LOCALE_DIR):
    compiled = 0
    for po in sorted(Path(locale_dir).glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalog = read_po(source, locale=po.parent.parent.name)
        with mo.open("wb") as target:
            write_mo(target, catalog, use_fuzzy=False)
        compiled += 1
    return compiled


if __name__ == "__main__":
    logging.basicConfig(level=logging.ERROR)
    print(f"{compile_catalogs()} catalog(s) compiled")
    sys.exit(0)
