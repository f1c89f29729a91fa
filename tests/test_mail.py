"""stakeholders.mail: an email written in one piece per part is byte for byte Django's."""

import os
from email import generator
from io import BytesIO, StringIO

import pytest
from django.core.mail import EmailMessage, EmailMultiAlternatives

from stakeholders import mail


def _email(cls=EmailMultiAlternatives, *, pdf_size=62_000):
    email = cls(
        subject="Merci pour votre don — شكراً",
        body="Dear Ana,\r\nthank you.\n\nFrom the Kitchen\rline\n" + "é" * 1200 + "\n",
        from_email="Charity <thanks@charity.example.org>",
        to=["ana@example.org"],
        reply_to=["inbox@charity.example.org"],
        headers={"Message-ID": "<1.2@steward>", "Date": "Mon, 07 Dec 2026 00:00:00 -0000"},
    )
    if isinstance(email, EmailMultiAlternatives):
        email.attach_alternative("<p>Dear Ana,</p>\n<p>thank you — ខ្មែរ</p>", "text/html")
    email.attach("thank-you.pdf", os.urandom(pdf_size), "application/pdf")
    email.attach("merci-reçu.pdf", os.urandom(100), "application/pdf")
    email.attach("notes.txt", "one\ntwo\r\nthree", "text/plain")
    return email


def _django_bytes(message, linesep):
    fp = BytesIO()
    generator.BytesGenerator(fp, mangle_from_=False).flatten(message, linesep=linesep)
    return fp.getvalue()


def _django_string(message, linesep):
    fp = StringIO()
    generator.Generator(fp, mangle_from_=False).flatten(message, linesep=linesep)
    return fp.getvalue()


@pytest.mark.parametrize("cls", [EmailMultiAlternatives, EmailMessage])
@pytest.mark.parametrize("linesep", ["\r\n", "\n"])
@pytest.mark.parametrize("pdf_size", [0, 1, 57, 62_000])
def test_the_same_bytes_as_djangos(cls, linesep, pdf_size):
    email = mail.in_one_write(_email(cls, pdf_size=pdf_size))
    assert isinstance(email, cls)
    message = email.message()
    assert isinstance(message, mail._WrittenAtOnce)
    ours = message.as_bytes(linesep=linesep)  # sets the boundaries: the same for both below
    assert ours == _django_bytes(message, linesep)
    assert message.as_string(linesep=linesep) == _django_string(message, linesep)
    assert ours.count(b"Content-Type: application/pdf") == 2


def test_a_plain_email_and_a_sent_one_are_the_same():
    """Without attachments (a single text part), and through the SMTP backend's call."""
    email = mail.in_one_write(
        EmailMessage(
            subject="Hi",
            body="a\nb\r\nc\r",
            to=["a@example.org"],
            headers={"Message-ID": "<x@y>", "Date": "Mon, 07 Dec 2026 00:00:00 -0000"},
        )
    )
    message = email.message()
    assert isinstance(message, mail._WrittenAtOnce)
    assert message.as_bytes(linesep="\r\n") == _django_bytes(message, "\r\n")


def test_another_email_class_is_left_alone():
    class Own(EmailMessage):
        pass

    email = Own(subject="Hi", body="a", to=["a@example.org"])
    assert type(mail.in_one_write(email)) is Own


@pytest.mark.parametrize("size", [0, 1, 2, 56, 57, 58, 114, 62_000])
@pytest.mark.parametrize("filename", ["thank-you.pdf", "សូមអរគុណ.pdf", "", None])
def test_a_prepared_attachment_is_djangos(size, filename):
    content = os.urandom(size)
    ours = mail.attachment(filename, content, "application/pdf")
    djangos = EmailMessage()._create_attachment(filename, content, "application/pdf")
    assert _django_bytes(ours, "\r\n") == _django_bytes(djangos, "\r\n")
    assert ours.get_payload(decode=True) == content


def test_an_email_with_a_prepared_attachment_is_the_same():
    content = os.urandom(61_500)
    emails = []
    for prepared in (False, True):
        email = _email(pdf_size=0)
        email.attachments = []
        if prepared:
            email.attach(mail.attachment("merci.pdf", content, "application/pdf"))
        else:
            email.attach("merci.pdf", content, "application/pdf")
        emails.append(mail.in_one_write(email) if prepared else email)
    djangos, ours = (email.message() for email in emails)
    expected = djangos.as_bytes(linesep="\r\n")
    ours.set_boundary(djangos.get_boundary())
    ours.get_payload(0).set_boundary(djangos.get_payload(0).get_boundary())
    assert ours.as_bytes(linesep="\r\n") == expected


def test_text_is_not_prepared():
    with pytest.raises(ValueError):
        mail.attachment("a.txt", b"a", "text/plain")


@pytest.mark.parametrize("subject", ["Thank you " * 30, "شكراً لكم " * 20, "x" * 200])
def test_long_headers_are_folded_as_djangos(subject):
    email = mail.in_one_write(
        EmailMessage(
            subject=subject,
            body="a",
            to=["a@example.org"],
            headers={"Message-ID": f"<{'7' * 120}@steward>", "Date": "Mon, 07 Dec 2026"},
        )
    )
    for _ in range(2):  # folded, then from the cache
        message = email.message()
        assert message.as_bytes(linesep="\r\n") == _django_bytes(message, "\r\n")


@pytest.mark.parametrize("as_bytes", [True, False])
def test_a_boundary_found_in_the_parts_is_changed_as_djangos(as_bytes):
    import random

    ours, djangos = (
        (mail.OneWriteBytesGenerator, generator.BytesGenerator)
        if as_bytes
        else (mail.OneWriteGenerator, generator.Generator)
    )
    random.seed(21)
    taken = djangos._make_boundary()
    for text in (f"a\n--{taken}\nb", f"--{taken}--", f"--{taken}.0\n--{taken}", f"x--{taken}"):
        text = text.encode() if as_bytes else text
        random.seed(21)
        expected = djangos._make_boundary(text)
        random.seed(21)
        assert ours._make_boundary(text) == expected
    assert expected == taken  # only a whole line counts
