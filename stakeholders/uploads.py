"""What a member of the public may send us as a file: the request form's attachments and the
files that come with an email to the inbox are checked by the same rules, once.

A file is judged by its name *and* its first bytes (a renamed program is not a PDF), by its size,
and by how many come together. Staff-side uploads have their own rules elsewhere.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from stakeholders import formats

# What may be attached: extension → (content type, how the file must begin).
ALLOWED_FILES = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (b"PK\x03\x04",),
    ),
    "txt": ("text/plain", None),
}
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FILES = 3


def check_file(upload):
    """The content type ``upload`` is stored with; a ValidationError (on ``attachments``) saying
    what is wrong with it otherwise."""
    name = upload.name or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ALLOWED_FILES:
        raise ValidationError(
            {
                "attachments": _("“%(name)s”: attach a PDF, photo (JPEG, PNG), Word or text file.")
                % {"name": name}
            }
        )
    if upload.size > MAX_FILE_BYTES:
        raise ValidationError(
            {"attachments": _("“%(name)s” is larger than 10 MB.") % {"name": name}}
        )
    content_type, signatures = ALLOWED_FILES[extension]
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    if signatures is None:
        valid = b"\x00" not in head
    else:
        valid = any(head.startswith(signature) for signature in signatures)
    if not valid:
        raise ValidationError(
            {
                "attachments": _("“%(name)s” does not look like a %(kind)s file.")
                % {"name": name, "kind": extension.upper()}
            }
        )
    return content_type


def check_count(files):
    if len(files) > MAX_FILES:
        raise ValidationError(
            {
                "attachments": _("Attach at most %(n)s files.")
                % {"n": formats.format_number(MAX_FILES)}
            }
        )


def check_files(files):
    """All of ``files`` or none: [(upload, content type)], or the first problem as a
    ValidationError (a form shows it and the person fixes it)."""
    files = [f for f in files or () if f]
    check_count(files)
    return [(upload, check_file(upload)) for upload in files]


def sort_files(files):
    """(accepted [(upload, content type)], refused [(name, reason)]) of ``files``: for a message
    that can't be sent back to be fixed (an email), the good files are kept, the rest named."""
    accepted, refused = [], []
    for upload in files or ():
        if len(accepted) >= MAX_FILES:
            refused.append(
                (
                    upload.name,
                    _("Attach at most %(n)s files.") % {"n": formats.format_number(MAX_FILES)},
                )
            )
            continue
        try:
            accepted.append((upload, check_file(upload)))
        except ValidationError as error:
            refused.append((upload.name, "; ".join(error.messages)))
    return accepted, refused
