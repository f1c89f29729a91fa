"""Emails written out in one piece per part: the same bytes as Django's, for less CPU.

Python's email generator writes a part's body line by line, two writes a line: the base64 of a
61 KB PDF letter is about 1,100 lines, 2,200 writes, each encoded apart (``BytesGenerator``) —
most of what sending a thank-you with its letter costs the batch. Here a part's lines are joined
and written at once, with the same line endings, so ``as_bytes()`` and ``as_string()`` return
exactly what Django's would (``tests/test_mail.py`` compares them).

``in_one_write(message)`` makes an ``EmailMessage`` (or ``EmailMultiAlternatives``) write its
MIME message so (and look for a boundary in its parts, and fold its headers, for less);
``attachment(…)`` makes the part ``message.attach(filename, content, mimetype)`` would, without
the round trips Django's way takes. Everything else — headers, parts, how a backend sends the
email — stays Django's. The thank-you batch sends its letters so (issue 21).
"""

import binascii
import re
from email.generator import NLCRE, BytesGenerator, Generator
from email.mime.base import MIMEBase
from email.policy import Compat32, compat32
from functools import lru_cache
from io import BytesIO, StringIO

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.message import SafeMIMEMultipart, SafeMIMEText


class _LinesAtOnce:
    def _write_lines(self, lines):
        # What the standard generator writes line by line (each line ending made ``_NL``, a
        # trailing end of line kept, nothing added), joined first.
        if not lines:
            return
        if "\r" in lines:
            self.write(self._NL.join(NLCRE.split(lines)))
        else:  # the same, when every line ends in "\n" (base64 does)
            self.write(lines.replace("\n", self._NL))

    @classmethod
    def _make_boundary(cls, text=None):
        # The standard generator's boundary (the same random one, then ".0", ".1"… while a line
        # of the parts is that boundary), but a boundary found nowhere in the text is on none of
        # its lines: a substring test spares compiling a pattern and running it over the text.
        boundary = super()._make_boundary()
        if text is None:
            return boundary
        found, counter = boundary, 0
        while _contains(text, "--" + found) and cls._compile_re(
            "^--" + re.escape(found) + "(--)?$", re.MULTILINE
        ).search(text):
            found = boundary + "." + str(counter)
            counter += 1
        return found


def _contains(text, needle):
    return (needle.encode("ascii") if isinstance(text, bytes) else needle) in text


class OneWriteBytesGenerator(_LinesAtOnce, BytesGenerator):
    def _write_headers(self, msg):
        # As BytesGenerator's, each header folded once per process: most of an email's headers
        # are the same in every email (Content-Type, MIME-Version, Content-Transfer-Encoding…),
        # and folding is pure for the compat32 policy Django's messages have.
        policy = self.policy
        if type(policy) is not Compat32:
            super()._write_headers(msg)
            return
        settings = (policy.linesep, policy.max_line_length, policy.cte_type)
        for name, value in msg.raw_items():
            if type(value) is str:
                self._fp.write(_folded(settings, name, value))
            else:  # a Header object
                self._fp.write(policy.fold_binary(name, value))
        self.write(self._NL)


@lru_cache(maxsize=1024)
def _folded(settings, name, value):
    linesep, max_line_length, cte_type = settings
    policy = compat32.clone(linesep=linesep, max_line_length=max_line_length, cte_type=cte_type)
    return policy.fold_binary(name, value)


class OneWriteGenerator(_LinesAtOnce, Generator):
    pass


class _WrittenAtOnce:
    """Django's ``MIMEMixin`` (no "From " mangling) with the generators above."""

    def as_string(self, unixfrom=False, linesep="\n"):
        fp = StringIO()
        OneWriteGenerator(fp, mangle_from_=False).flatten(self, unixfrom=unixfrom, linesep=linesep)
        return fp.getvalue()

    def as_bytes(self, unixfrom=False, linesep="\n"):
        fp = BytesIO()
        OneWriteBytesGenerator(fp, mangle_from_=False).flatten(
            self, unixfrom=unixfrom, linesep=linesep
        )
        return fp.getvalue()


class _Multipart(_WrittenAtOnce, SafeMIMEMultipart):
    pass


class _Text(_WrittenAtOnce, SafeMIMEText):
    pass


# The top-level MIME classes Django's message() returns, and their one-write versions (a
# generator's parts are written by its clones: the top level decides for the whole message).
_AT_ONCE = {SafeMIMEMultipart: _Multipart, SafeMIMEText: _Text}


class _Message:
    def message(self):
        message = super().message()
        at_once = _AT_ONCE.get(type(message))
        if at_once is not None:  # the same object, only written out faster
            message.__class__ = at_once
        return message


class _EmailMessage(_Message, EmailMessage):
    pass


class _EmailMultiAlternatives(_Message, EmailMultiAlternatives):
    pass


def attachment(filename, content, mimetype):
    """What ``EmailMessage.attach(filename, content, mimetype)`` makes of bytes of a type that
    is not text nor a message (a PDF), the same part, made faster: Django's way stores the bytes
    as text (each byte above 127 escaped), turns them back into bytes and encodes them 57 bytes
    at a time. ``email.attach(attachment(…))`` then writes exactly what ``email.attach(…)``
    would have."""
    basetype, subtype = mimetype.split("/", 1)
    if basetype in ("text", "message"):
        raise ValueError("only for parts Django encodes with base64")
    part = MIMEBase(basetype, subtype)
    part.set_payload(_base64_lines(content))
    part["Content-Transfer-Encoding"] = "base64"  # as encoders.encode_base64 says it
    if filename:
        try:
            filename.encode("ascii")
        except UnicodeEncodeError:
            filename = ("utf-8", "", filename)
        part.add_header("Content-Disposition", "attachment", filename=filename)
    return part


_LINE = 57  # bytes a line of base64 holds (76 characters), as base64.encodebytes makes them


def _base64_lines(content):
    """``base64.encodebytes(content)`` as text, what ``encoders.encode_base64`` writes."""
    encoded = binascii.b2a_base64(content, newline=False)
    width = _LINE // 3 * 4
    lines = [encoded[start : start + width] for start in range(0, len(encoded), width)]
    return (b"\n".join(lines) + b"\n" if lines else b"").decode("ascii")


_EMAILS = {EmailMessage: _EmailMessage, EmailMultiAlternatives: _EmailMultiAlternatives}


def in_one_write(email):
    """``email`` (the same object, returned), now writing its MIME message in one piece per
    part. An email of another class (a subclass with its own ``message()``) is left as it is."""
    faster = _EMAILS.get(type(email))
    if faster is not None:
        email.__class__ = faster
    return email
