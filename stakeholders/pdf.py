"""PDFs in every script (letters, cover sheets, data exports): what WeasyPrint needs around it so
that Khmer (and the other scripts written without spaces or with reordered clusters) both wraps
and can be copied, searched and read back with ``pdftotext``.

- **Wrapping.** Pango breaks lines at spaces only for Khmer, Thai, Lao and Myanmar: a Khmer
  phrase, written without spaces between its words, runs off the page. ``breakable_html`` puts a
  zero-width space between the words ICU's dictionary finds, the invisible break Khmer writers
  use themselves.
- **Copying.** A PDF maps each glyph to one text, once per font. A Khmer cluster is several
  glyphs drawn out of reading order (a vowel sign before its consonant, a subscript below it), so
  WeasyPrint's map gives one glyph the whole cluster and the others nothing: "ចាន់ថា" reads back
  as "ចា ់ ថា". ``install`` wraps each line of such text in an ``/ActualText`` span (PDF 32000
  §14.9.4) holding the line as written, which readers (poppler, pdf.js, Acrobat) use instead.
  Persian is left to the glyph map: its glyphs are in order, and readers put right-to-left lines
  back in reading order themselves (an ActualText span would make them reverse it twice).
"""

import re
import unicodedata

import pydyf
from icu4py.breakers import WordBreaker

from stakeholders.text import UNSPACED

# Scripts whose clusters are several glyphs, some drawn before the letter they follow: the
# Indic scripts, Sinhala, Thai, Lao, Tibetan, Myanmar and Khmer (all written left to right).
CLUSTERED = re.compile(
    "[\u0900-\u0dff\u0e00-\u0eff\u0f00-\u0fff\u1000-\u109f\u1780-\u17ff\u19e0-\u19ff]"
)
TAG = re.compile(r"(<[^>]*>)")
ZWSP = "\u200b"


def _letter(character):
    return unicodedata.category(character)[0] in "LM"


def breakable(text):
    """``text`` with a zero-width space between two words of a script written without spaces
    (never before punctuation such as the Khmer full stop ។, nor inside a word)."""
    if not UNSPACED.search(text):
        return text
    pieces, previous = [], ""
    for segment in WordBreaker(text, "km"):
        if (
            previous
            and UNSPACED.match(previous[-1])
            and UNSPACED.match(segment[0])
            and _letter(previous[-1])
            and unicodedata.category(segment[0]).startswith("L")
        ):
            pieces.append(ZWSP)
        pieces.append(segment)
        previous = segment
    return "".join(pieces)


def breakable_html(html):
    """``breakable`` on the text between the tags of a rendered document (Django's templates and
    the letter sandbox escape ``<`` and ``>`` in text and attributes, so a tag ends at ``>``)."""
    if not UNSPACED.search(html):
        return html
    return "".join(part if part.startswith("<") else breakable(part) for part in TAG.split(html))


def _actual_text(draw_first_line):
    def draw_first_line_as_written(stream, textbox, *args, **kwargs):
        text = textbox.text
        if not CLUSTERED.search(text) or not text.strip():
            return draw_first_line(stream, textbox, *args, **kwargs)
        # The zero-width spaces are only line-break opportunities: a search for a phrase in the
        # PDF must find it as it was typed.
        written = pydyf.String(text.replace(ZWSP, ""))
        stream.begin_marked_content("Span", pydyf.Dictionary({"ActualText": written}))
        try:
            return draw_first_line(stream, textbox, *args, **kwargs)
        finally:
            stream.end_marked_content()

    draw_first_line_as_written.steward_actual_text = True
    return draw_first_line_as_written


def install():
    """Wrap WeasyPrint's line drawing once per process (called when Django starts). WeasyPrint's
    ``draw_text`` looks ``draw_first_line`` up in its module at each call."""
    from weasyprint.draw import text as weasyprint_text

    if not getattr(weasyprint_text.draw_first_line, "steward_actual_text", False):
        weasyprint_text.draw_first_line = _actual_text(weasyprint_text.draw_first_line)
