"""CSV imports: read any encoding and delimiter, map columns, dry-run, then apply.

The engine here is shared; each kind of row (contacts here, gifts in ``donors``) is an
``Importer`` registered in ``importers``. Nothing is written before the dry run has read the
whole file; a malformed file (undecodable, no required column) stops at upload or mapping with
a message saying what is wrong.
"""

import csv
import io
import re
from dataclasses import dataclass

from babel import Locale
from charset_normalizer import from_bytes
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stakeholders import audit, services
from stakeholders.csv_export import defuse
from stakeholders.models import (
    AuditAction,
    ConsentChannel,
    ConsentPurpose,
    ConsentSource,
    Contact,
    ContactEvent,
    ContactKind,
    DataImport,
)
from stakeholders.storage import delete_on_commit

CHUNK = 500


class Importer:
    """What an app tells the engine about one kind of row. Subclasses fill in the blanks."""

    kind = ""
    label = ""
    roles = None  # staff roles that may run it and read its jobs (None: anyone who edits contacts)
    aliases: dict = {}  # target → header spellings (normalised, see normalise_header)
    required: list = []  # [(targets, message)]: at least one target of each group is mapped
    same_row_message = ""
    summary_labels: dict = {}

    @property
    def targets(self):
        return list(self.aliases)

    def allows(self, staff_role):
        return self.roles is None or staff_role in self.roles

    def parse(self, values, mapping, organization):
        """The row's payload, or a ValidationError naming the fields."""
        raise NotImplementedError

    def key(self, payload):
        """What makes two rows the same thing (an id, an email), to refuse repeats in a file."""
        return None

    def prepare(self, organization, job):
        """State shared by the chunks of one pass (caches); None by default."""
        return None

    def resolve(self, organization, rows, state):
        """Set ``row.existing`` for a chunk (override to look up a whole chunk at once)."""
        for row in rows:
            row.existing = self.existing(organization, row.payload)

    def existing(self, organization, payload):
        return None

    def flagged(self, organization, row, state):
        """Dry run: would this row be flagged (e.g. as a possible duplicate)?"""
        return False

    def apply_chunk(self, organization, job, rows, state):
        """Write a chunk; sets ``row.flagged`` or ``row.error``. By default row by row, each in
        its own savepoint, so one bad row spoils nothing else."""
        for row in rows:
            try:
                with transaction.atomic():
                    row.flagged = self.apply(organization, job, row.payload, row.existing)
            except ValidationError as error:
                row.error = error

    def apply(self, organization, job, payload, existing):
        """Write one row; returns whether it was flagged."""
        raise NotImplementedError

    def finish(self, organization, job, state):
        """After a run (e.g. queue a duplicate check of the contacts it created)."""


importers: dict[str, Importer] = {}


def register(importer):
    importers[importer.kind] = importer
    return importer


def imports_for(*, organization, staff_role):
    """The import jobs a member with ``staff_role`` may see and run: those of the kinds they may
    import (a gift import's file and errors are donors' gifts, not a caseworker's to read)."""
    kinds = [kind for kind, importer in importers.items() if importer.allows(staff_role)]
    return DataImport.objects.filter(organization=organization, kind__in=kinds)


# Target field → header spellings seen in CiviCRM, Salesforce NPSP and spreadsheet exports
# (compared after normalising: lower case, non-letters to "_", NPSP's "Contact1_" and "__c" cut).
HEADER_ALIASES = {
    "first_name": ["first_name", "firstname", "first", "given_name", "forename"],
    "last_name": ["last_name", "lastname", "last", "surname", "family_name"],
    "organization_name": [
        "organization_name",
        "organisation_name",
        "organization",
        "organisation",
        "company",
        "account_name",
        "employer",
    ],
    "title": ["title", "prefix", "individual_prefix", "salutation_title"],
    "salutation": ["salutation", "greeting", "email_greeting", "postal_greeting"],
    "email": [
        "email",
        "email_address",
        "e_mail",
        "personal_email",
        "preferred_email",
        "work_email",
    ],
    "phone": ["phone", "phone_number", "telephone", "home_phone", "tel"],
    "mobile": ["mobile", "mobile_phone", "cell", "cell_phone", "mobile_number"],
    "street": [
        "street",
        "street_address",
        "address",
        "address_1",
        "address_line_1",
        "home_street",
        "mailing_street",
        "supplemental_address_1",
    ],
    "city": ["city", "town", "home_city", "mailing_city"],
    "region": [
        "state",
        "region",
        "province",
        "county",
        "state_province",
        "home_state_province",
        "mailing_state",
    ],
    "postal_code": [
        "postal_code",
        "postcode",
        "post_code",
        "zip",
        "zip_code",
        "home_zip_postal_code",
        "mailing_postal_code",
    ],
    "country": ["country", "home_country", "mailing_country"],
    "external_id": ["external_id", "external_identifier", "legacy_id", "constituent_id"],
    "kind": ["contact_type", "type", "kind"],
    "preferred_language": ["preferred_language", "language"],
    "notes": ["notes", "note", "description", "comments"],
    "tags": ["tags", "tag", "groups"],
    "do_not_contact": ["do_not_contact", "do_not_mail_at_all", "do_not_trade"],
    "do_not_email": ["do_not_email", "email_opt_out", "has_opted_out_of_email"],
    "deceased": ["deceased", "is_deceased"],
}
NAME_TARGETS = {"last_name", "first_name", "organization_name"}
TRUE = {"1", "y", "yes", "true", "t", "x", "ja", "oui", "si", "sí"}
FALSE = {"", "0", "n", "no", "false", "f"}
KINDS = {
    "individual": ContactKind.PERSON,
    "person": ContactKind.PERSON,
    "organization": ContactKind.ORGANIZATION,
    "organisation": ContactKind.ORGANIZATION,
    "household": ContactKind.HOUSEHOLD,
}


def normalise_header(header):
    text = re.sub(r"[^a-z0-9]+", "_", header.strip().lower()).strip("_")
    text = re.sub(r"^contact\d*_", "", text)
    return re.sub(r"_+c$", "", text)


def guess_mapping(headers, aliases):
    """{header: target} for the headers we recognise; each target used once."""
    mapping, used = {}, set()
    for header in headers:
        key = normalise_header(header)
        for target, spellings in aliases.items():
            if target not in used and key in spellings:
                mapping[header] = target
                used.add(target)
                break
    return mapping


# When several encodings read a file equally well, the ones spreadsheets write most often win.
COMMON_ENCODINGS = ["cp1252", "latin_1", "cp1250", "cp1251", "iso8859_2", "mac_roman", "cp1256"]
ENCODING_CHOICES = [
    "utf-8",
    "cp1252",
    "latin_1",
    "cp1250",
    "cp1251",
    "iso8859_2",
    "mac_roman",
    "cp1256",
    "utf_16",
]


def decode(raw: bytes, encoding=None):
    """(text, encoding) of an upload: the given encoding, else UTF-8, else the best guess."""
    unreadable = _("The file is not text we can read. Save it as CSV (UTF-8) and try again.")
    if encoding:
        try:
            return raw.decode("utf-8-sig" if encoding == "utf-8" else encoding), encoding
        except (UnicodeDecodeError, LookupError) as error:
            raise ValidationError(
                _("The file can't be read as %(encoding)s.") % {"encoding": encoding}
            ) from error
    if b"\x00" in raw[:4096] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ValidationError(unreadable)
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    matches = [m for m in from_bytes(raw) if m.encoding]
    if not matches:
        raise ValidationError(unreadable)
    least_chaos = min(m.chaos for m in matches)
    candidates = [m for m in matches if m.chaos == least_chaos]
    best = next(
        (m for name in COMMON_ENCODINGS for m in candidates if m.encoding == name), candidates[0]
    )
    return str(best), best.encoding


def sniff_delimiter(text):
    sample = text[:20000]
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def read_rows(text, delimiter):
    return csv.DictReader(io.StringIO(text), delimiter=delimiter)


def _read_layout(raw, encoding=None):
    """Encoding, delimiter, headers and row count of a file, or a ValidationError saying why not."""
    text, encoding = decode(raw, encoding)
    delimiter = sniff_delimiter(text)
    reader = read_rows(text, delimiter)
    headers = [h for h in (reader.fieldnames or []) if h is not None]
    if len(headers) < 2:
        raise ValidationError(
            _("We found no columns in this file. Is it a CSV file with a header row?")
        )
    if len(set(headers)) != len(headers):
        raise ValidationError(_("Two columns have the same name; rename one and upload again."))
    total = sum(1 for _row in reader)
    if total == 0:
        raise ValidationError(_("The file has a header row but no data."))
    return {"encoding": encoding, "delimiter": delimiter, "headers": headers, "total_rows": total}


@transaction.atomic
def import_create(*, organization, upload, actor, kind="contacts"):
    """Store the upload and read its header; a file we can't read is refused here."""
    importer = importers[kind]
    layout = _read_layout(upload.read())
    job = DataImport(
        organization=organization,
        kind=kind,
        original_name=upload.name[:200],
        mapping=guess_mapping(layout["headers"], importer.aliases),
        created_by=actor,
        **layout,
    )
    upload.seek(0)
    job.file.save(f"{upload.name}.csv", upload, save=False)
    job.save()
    return job


def set_encoding(*, job, encoding):
    """Read the file again in the encoding a person chose after seeing the preview."""
    if encoding not in ENCODING_CHOICES:
        raise ValidationError(_("Choose one of the listed encodings."))
    with job.file.open("rb") as handle:
        layout = _read_layout(handle.read(), encoding)
    for name, value in layout.items():
        setattr(job, name, value)
    job.mapping = guess_mapping(job.headers, importers[job.kind].aliases)
    job.status = DataImport.Status.UPLOADED
    job.summary, job.errors = {}, []
    job.save()


def preview(job, rows=3):
    """The first rows as read, so people can see that accents and columns came out right."""
    with job.file.open("rb") as handle:
        text, _encoding = decode(handle.read(), job.encoding)
    reader = read_rows(text, job.delimiter)
    return [
        [row.get(h, "") for h in job.headers] for _n, row in zip(range(rows), reader, strict=False)
    ]


def set_mapping(*, job, mapping):
    """Check the mapping people confirmed: known targets, each once, the required columns."""
    importer = importers[job.kind]
    clean = {h: t for h, t in mapping.items() if h in job.headers and t in importer.aliases}
    targets = list(clean.values())
    if len(targets) != len(set(targets)):
        raise ValidationError(_("Each Steward field can take one column only."))
    for group, message in importer.required:
        if not set(group) & set(targets):
            raise ValidationError(message)
    job.mapping = clean
    job.status = DataImport.Status.UPLOADED
    job.save(update_fields=["mapping", "status"])


def _bool(value, field):
    text = (value or "").strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ValidationError({field: _("“%(value)s” is not yes or no.") % {"value": value}})


def _country(value):
    text = (value or "").strip()
    if not text:
        return ""
    if len(text) == 2 and text.isalpha():
        return text.upper()
    names = {
        name.lower(): code for code, name in Locale("en").territories.items() if len(code) == 2
    }
    code = names.get(text.lower())
    if code is None:
        raise ValidationError(
            {"country": _("“%(value)s” is not a country we know.") % {"value": text}}
        )
    return code


def parse_row(row, mapping, organization):
    """(contact fields, extras) from one CSV row, or a ValidationError naming the fields."""
    values = {target: (row.get(header) or "").strip() for header, target in mapping.items()}
    fields, extras, errors = {}, {}, {}
    try:
        country = _country(values.get("country", ""))
    except ValidationError:
        country = ""  # reported below, with the country column
    for target, value in values.items():
        try:
            if target in ("do_not_contact", "deceased"):
                fields[target] = _bool(value, target)
            elif target == "do_not_email":
                extras["do_not_email"] = _bool(value, target)
            elif target == "tags":
                extras["tags"] = [t.strip() for t in re.split(r"[,;|]", value) if t.strip()]
            elif target == "kind":
                fields["kind"] = KINDS.get(value.lower(), ContactKind.PERSON)
            elif target == "country":
                fields["country"] = _country(value)
            elif target == "email":
                if value:
                    validate_email(value)
                fields["email"] = value.lower()
            elif target in ("phone", "mobile"):
                fields[target] = services.normalise_phone(
                    value, country=country or organization.country
                )
            else:
                fields[target] = value[: Contact._meta.get_field(target).max_length or None]
        except ValidationError as error:
            errors[target] = error.messages
    if fields.get("kind", ContactKind.PERSON) != ContactKind.PERSON and not fields.get(
        "organization_name"
    ):
        fields["organization_name"] = " ".join(
            v for v in (fields.get("first_name"), fields.get("last_name")) if v
        )
    name_present = (
        fields.get("organization_name")
        if fields.get("kind", ContactKind.PERSON) != ContactKind.PERSON
        else fields.get("first_name") or fields.get("last_name")
    )
    if not name_present:
        errors["name"] = [_("No name in this row.")]
    if errors:
        raise ValidationError(errors)
    return fields, extras


def _match(organization, fields):
    live = Contact.objects.filter(
        organization=organization, merged_into__isnull=True, erased_at__isnull=True
    )
    if fields.get("external_id"):
        found = live.filter(external_id=fields["external_id"]).first()
        if found:
            return found
    if fields.get("email"):
        return live.filter(email=fields["email"]).first()
    return None


@dataclass
class Row:
    """One parsed line of the file, as it moves through the engine."""

    number: int
    values: dict
    payload: object
    existing: object = None
    flagged: bool = False
    error: ValidationError | None = None


def _process(job, *, apply):
    """Read the file chunk by chunk: parse each row, let the importer look up a whole chunk at
    once (a few queries per chunk, not per row), then count (dry run) or write it."""
    importer = importers[job.kind]
    organization = job.organization
    with job.file.open("rb") as handle:
        text, _encoding = decode(handle.read(), job.encoding)
    counts = {"create": 0, "update": 0, "duplicate": 0, "error": 0}
    errors = []
    seen_keys = set()
    state = importer.prepare(organization, job)
    chunk = []

    def fail(number, values, error):
        counts["error"] += 1
        messages = error.message_dict if hasattr(error, "error_dict") else {"row": error.messages}
        errors.append({"row": number, "errors": messages, "values": values})

    def handle(rows):
        importer.resolve(organization, rows, state)
        if apply:
            importer.apply_chunk(organization, job, rows, state)
        else:
            for row in rows:
                row.flagged = importer.flagged(organization, row, state)
        for row in rows:
            if row.error is not None:
                fail(row.number, row.values, row.error)
                continue
            counts["update" if row.existing is not None else "create"] += 1
            counts["duplicate"] += int(bool(row.flagged))
        DataImport.objects.filter(pk=job.pk).update(processed_rows=rows[-1].number - 1)

    for number, values in enumerate(read_rows(text, job.delimiter), start=2):
        try:
            payload = importer.parse(values, job.mapping, organization)
            key = importer.key(payload)
            if key and key in seen_keys:
                raise ValidationError({"row": [importer.same_row_message]})
            if key:
                seen_keys.add(key)
        except ValidationError as error:
            fail(number, values, error)
            continue
        chunk.append(Row(number, values, payload))
        if len(chunk) >= CHUNK:
            handle(chunk)
            chunk = []
    if chunk:
        handle(chunk)
    job.processed_rows = job.total_rows
    job.summary = counts
    job.errors = errors[:5000]
    if apply:
        importer.finish(organization, job, state)
    return job


def _looks_like_duplicate(organization, fields):
    probe = Contact(
        organization=organization,
        **{k: v for k, v in fields.items() if k in {"email", "phone", "mobile", "postal_code"}},
    )
    probe.search_name = services.normalise_text(
        " ".join(
            v
            for v in (
                fields.get("first_name"),
                fields.get("last_name"),
                fields.get("organization_name"),
            )
            if v
        )
    )
    from stakeholders import selectors

    return bool(selectors.duplicate_candidates(organization=organization, contact=probe))


def _apply(organization, job, existing, fields, extras):
    if existing is None:
        contact = services.contact_create(
            organization=organization,
            actor=job.created_by,
            tags=extras.get("tags", ()),
            event=ContactEvent.Kind.IMPORTED,
            **fields,
        )
    else:
        updates = {k: v for k, v in fields.items() if v not in ("", None)}
        contact = services.contact_update(
            organization=organization, contact=existing, actor=job.created_by, **updates
        )
        if extras.get("tags"):
            services.contact_set_tags(
                organization=organization, contact=contact, names=extras["tags"]
            )
    if extras.get("do_not_email"):
        for purpose in ConsentPurpose.values:
            services.consent_record(
                organization=organization,
                contact=contact,
                channel=ConsentChannel.EMAIL,
                purpose=purpose,
                granted=False,
                source=ConsentSource.IMPORT,
                wording=_("“Do not email” in %(file)s") % {"file": job.original_name},
            )
    return contact


def check(job):
    """The dry run: what would be created, updated, flagged; nothing is written."""
    job.status = DataImport.Status.CHECKING
    job.save(update_fields=["status"])
    _process(job, apply=False)
    job.status = DataImport.Status.CHECKED
    job.save(update_fields=["status", "processed_rows", "summary", "errors"])


def run(job):
    job.status = DataImport.Status.IMPORTING
    job.processed_rows = 0
    job.save(update_fields=["status", "processed_rows"])
    _process(job, apply=True)
    job.status = DataImport.Status.DONE
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "processed_rows", "summary", "errors", "finished_at"])
    audit.record(
        organization=job.organization,
        action=AuditAction.IMPORT,
        target=job,
        summary=f"{job.kind}: {job.original_name} ({job.total_rows} rows)",
        changes={key: value for key, value in job.summary.items() if isinstance(value, int)},
        actor=job.created_by,
    )


def errors_csv(job):
    """The rows that could not be imported, with the reason, for fixing and uploading again."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("row"), _("problem"), *(defuse(header) for header in job.headers)])
    for error in job.errors:
        problem = "; ".join(
            f"{field}: {' '.join(messages)}" for field, messages in error["errors"].items()
        )
        values = [defuse(error["values"].get(h, "")) for h in job.headers]
        writer.writerow([error["row"], defuse(problem), *values])
    return out.getvalue()


# --- A person in the stored files (data subject requests) ---------------------------------------


def _name_key(*parts):
    return " ".join(" ".join(part.split()) for part in parts if part and part.strip()).casefold()


class PersonInRows:
    """Whether a line of an import file is about a person: one of their email addresses in any
    column, their external id in the external id column, or their name in the name columns.
    A namesake's line without an address or id counts too: that errs on the side of the person
    asking to be forgotten."""

    def __init__(self, contact):
        self.emails = {email.casefold() for email in (contact.email, contact.email_alt) if email}
        self.external_id = contact.external_id
        self.names = {
            name
            for name in (
                _name_key(contact.first_name, contact.last_name),
                _name_key(contact.organization_name),
            )
            if name
        }

    def about(self, values, mapping):
        cells = [value for value in values.values() if isinstance(value, str)]
        if any(cell.strip().casefold() in self.emails for cell in cells):
            return True
        mapped = {target: (values.get(header) or "") for header, target in mapping.items()}
        if self.external_id and mapped.get("external_id", "").strip() == self.external_id:
            return True
        return bool(
            {
                _name_key(mapped.get("first_name", ""), mapped.get("last_name", "")),
                _name_key(mapped.get("organization_name", "")),
            }
            & self.names
        )


def _mapping_for(job):
    """The columns as mapped, and where nobody mapped one, as we would have guessed."""
    importer = importers.get(job.kind)
    guessed = guess_mapping(job.headers, importer.aliases) if importer else {}
    return {**guessed, **job.mapping}


def _stored_rows(job):
    if not job.file:
        return []
    try:
        with job.file.open("rb") as handle:
            text, _encoding = decode(handle.read(), job.encoding)
    except FileNotFoundError:
        return []
    return list(read_rows(text, job.delimiter))


def rows_about(*, organization, contact):
    """The lines about a person in the organization's imports: those of each stored file, and
    of a file no longer stored, the failed lines kept to explain the errors."""
    person = PersonInRows(contact)
    found = []
    for job in DataImport.objects.filter(organization=organization).order_by("created_at"):
        mapping = _mapping_for(job)
        rows = _stored_rows(job) or [error["values"] for error in job.errors]
        found.extend(
            {"import": job.original_name, "uploaded_at": job.created_at, "row": row}
            for row in rows
            if person.about(row, mapping)
        )
    return found


def erase_person(*, organization, contact):
    """Take a person out of the stored import files and the failed lines kept with them.

    A finished import (done or failed) no longer needs its file: its counts, summary and
    mapping stay on the job, so a file with the person in it is deleted whole — it holds many
    people, and a rewritten copy would no longer be the record of what was imported. An import
    not run yet keeps its file without the person's lines, so that running it later can't
    bring them back, and goes back to its dry run, whose counts included them.
    """
    person = PersonInRows(contact)
    finished = (DataImport.Status.DONE, DataImport.Status.FAILED)
    for job in DataImport.objects.select_for_update().filter(organization=organization):
        mapping = _mapping_for(job)
        errors = [error for error in job.errors if not person.about(error["values"], mapping)]
        rows = _stored_rows(job)
        kept = [row for row in rows if not person.about(row, mapping)]
        if len(errors) == len(job.errors) and len(kept) == len(rows):
            continue
        job.errors = errors
        if len(kept) < len(rows):
            delete_on_commit(job.file)
            if job.status in finished or not kept:
                job.file = ""
            else:
                job.file.save(job.original_name, ContentFile(_encoded(job, kept)), save=False)
                job.total_rows = len(kept)
                job.message = _(
                    "Lines about a person who was erased were taken out of this file: check "
                    "it again before importing."
                )
            if job.status not in finished and job.status != DataImport.Status.IMPORTING:
                job.status = DataImport.Status.UPLOADED if kept else DataImport.Status.FAILED
                job.summary, job.errors, job.processed_rows = {}, [], 0
                if not kept:
                    job.message = _("Every line was about a person who was erased.")
        job.save()


def _encoded(job, rows):
    out = io.StringIO()
    writer = csv.DictWriter(
        out, fieldnames=job.headers, delimiter=job.delimiter, extrasaction="ignore"
    )
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(job.encoding)


class ContactImporter(Importer):
    kind = "contacts"
    label = gettext_lazy("contacts")
    aliases = HEADER_ALIASES
    required = [
        (
            NAME_TARGETS,
            gettext_lazy(
                "Map at least one name column (last name, first name or organization name)."
            ),
        ),
    ]
    same_row_message = gettext_lazy("Same person as an earlier row.")
    summary_labels = {
        "create": gettext_lazy("New contacts"),
        "update": gettext_lazy("Contacts updated"),
        "duplicate": gettext_lazy("Possible duplicates"),
    }

    def parse(self, values, mapping, organization):
        return parse_row(values, mapping, organization)

    def key(self, payload):
        fields, _extras = payload
        return fields.get("external_id") or fields.get("email")

    def existing(self, organization, payload):
        return _match(organization, payload[0])

    def flagged(self, organization, row, state):
        return row.existing is None and _looks_like_duplicate(organization, row.payload[0])

    def apply(self, organization, job, payload, existing):
        fields, extras = payload
        contact = _apply(organization, job, existing, fields, extras)
        if existing is not None:
            return False
        return services.duplicates_record_for(organization=organization, contact=contact) > 0


register(ContactImporter())
