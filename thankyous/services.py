"""The thank-you batch: find what is not yet thanked, claim it, render it, send it — once.

The database is the source of truth. Each acknowledgment row is unique per thing thanked and
moves pending → sending → sent (or print, skipped, review). A row is claimed with
SELECT … FOR UPDATE SKIP LOCKED, so two batches never take the same one; it is marked "sending"
with its Message-ID *before* the SMTP conversation, so a crash in between leaves a row that is
put in front of a person ("review") instead of being sent again.
"""

import io
import logging
import time
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import FileField, Value
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from jinja2 import TemplateError

from stakeholders import branding, formats, mail, sending
from stakeholders import selectors as stakeholder_selectors
from stakeholders.content_versions import choose, originals
from stakeholders.inbox import threads
from stakeholders.integrations import events as webhook_events
from stakeholders.languages import language_for, reading_as
from stakeholders.models import ConsentChannel, ConsentPurpose
from stakeholders.sending import Reason
from stakeholders.storage import delete_on_commit
from thankyous import rendering, selectors
from thankyous.models import (
    Acknowledgment,
    PrintBatch,
    Rule,
    ThankYouSettings,
    ThankYouTemplate,
)
from thankyous.registry import thankables

logger = logging.getLogger(__name__)
STUCK_AFTER = timedelta(minutes=15)
THREAD_KIND = "thankyous.acknowledgment"  # what a reply to a thank-you email answers (inbox)
CHUNK = 25  # rows claimed at once
TASK_SIZE = 100  # rows per task: every worker process shares a big organization's night
MAX_ATTEMPTS = 5
RETRY_AFTER = timedelta(minutes=5)
DATABASE_ERRORS = (OperationalError, InterfaceError)  # the connection, not the query, failed


def thankyou_settings(*, organization):
    return ThankYouSettings.objects.get_or_create(organization=organization)[0]


@transaction.atomic
def template_save(*, organization, template=None, **fields):
    """Save a template after rendering it with a sample: a bad merge field is refused now."""
    template = template or ThankYouTemplate(organization=organization)
    for name, value in fields.items():
        if value is False and isinstance(template._meta.get_field(name), FileField):
            value = ""  # the form's "clear" box: no image any more
        setattr(template, name, value)
    if template.rule == Rule.MAJOR_GIFT and not template.major_threshold:
        raise ValidationError({"major_threshold": [_("Say from which amount a gift is major.")]})
    if (
        template.original_id is None
        and ThankYouTemplate.objects.filter(
            organization=organization, name=template.name, original__isnull=True
        )
        .exclude(pk=template.pk)
        .exists()
    ):
        raise ValidationError({"name": [_("There is already a template with this name.")]})
    try:
        thankable = thankables.for_rule(template.rule)
    except LookupError:
        raise ValidationError({"rule": [_("Nothing of this kind is thanked here.")]}) from None
    rendering.check_template(template, thankable.sample(organization))
    try:
        template.full_clean(exclude=["organization"])
    except ValidationError as error:
        raise ValidationError(error.message_dict) from error
    template.save()
    if template.original_id is None and template.pk:
        # Its translations follow what is not text: when it is used, how it is sent and signed.
        template.translations.update(
            **{name: getattr(template, name) for name in TEMPLATE_SHARED_FIELDS}
        )
    return template


# What a template's translations take from their original (their own are its texts).
TEMPLATE_SHARED_FIELDS = [
    "name",
    "rule",
    "major_threshold",
    "paper_size",
    "signature_image",
    "attach_letter",
    "post_letter_too",
    "is_active",
]


def pick_template(*, organization, kind, item, templates=None):
    """The most specific template for the item (its kind's rules, in their order), else the
    kind's own "any" template: a volunteer milestone never gets the gift letter."""
    if templates is None:
        templates = list(
            ThankYouTemplate.objects.filter(
                organization=organization, is_active=True, original__isnull=True
            )
        )
    *specific, fallback = thankables[kind].rules
    for rule in specific:
        for template in templates:
            if template.rule != rule:
                continue
            if rule == Rule.MAJOR_GIFT:
                if item.amount is not None and item.amount >= template.major_threshold:
                    return template
            elif rule in item.rules:
                return template
    return next((t for t in templates if t.rule == fallback), None)


def enqueue(*, organization, kind=None, ids=None):
    """Create a pending row for everything not thanked yet (a rerun adds nothing twice)."""
    created = 0
    for thankable in thankables:
        if kind and thankable.kind != kind:
            continue
        candidates = thankable.candidates(organization) if ids is None else ids
        done = Acknowledgment.objects.filter(organization=organization, kind=thankable.kind).values(
            "target_id"
        )
        todo = list(
            candidates.exclude(pk__in=done).values_list("pk", flat=True)
            if hasattr(candidates, "exclude")
            else [
                i
                for i in candidates
                if not Acknowledgment.objects.filter(
                    organization=organization, kind=thankable.kind, target_id=i
                ).exists()
            ]
        )
        for start in range(0, len(todo), 500):
            items = thankable.describe(organization, todo[start : start + 500])
            rows = Acknowledgment.objects.bulk_create(
                [
                    Acknowledgment(
                        organization=organization,
                        kind=thankable.kind,
                        target_id=target_id,
                        contact=item.contact,
                        received_at=item.received_at,
                        state=Acknowledgment.State.SKIPPED
                        if item.skip_reason
                        else Acknowledgment.State.PENDING,
                        skip_reason=item.skip_reason,
                    )
                    for target_id, item in items.items()
                ],
                ignore_conflicts=True,
            )
            created += len(rows)
    return created


def _decide(organization, acknowledgment, known):
    """(channel, skip reason) by the core's sending decision: an email, else a letter. Thank-yous
    are expected: only a "no" for the channel stops one (unless the kind needs a "yes").
    ``known``: what the decision needs, read for the whole chunk (``_known``)."""
    by_email, by_post = (
        _decision(organization, acknowledgment, known, channel)
        for channel in (ConsentChannel.EMAIL, ConsentChannel.POST)
    )
    if by_email:
        return Acknowledgment.Channel.EMAIL, ""
    if by_post:
        return Acknowledgment.Channel.LETTER, ""
    reasons = {by_email.reason, by_post.reason}
    if len(reasons) == 1:  # the person (deceased, do not contact…), or both channels alike
        return "", by_email.reason
    return "", Reason.NO_CONSENT if Reason.NO_CONSENT in reasons else Reason.NO_ADDRESS


def _decision(organization, acknowledgment, known, channel):
    return sending.decide(
        organization=organization,
        contact=acknowledgment.contact,
        channel=channel,
        purpose=ConsentPurpose.THANK_YOUS,
        needs_a_yes=thankables[acknowledgment.kind].needs_a_yes,
        **known,
    )


def _known(organization, rows):
    """The chunk's people's latest thank-you decisions and their addresses' suppressions, each
    in one query: ``sending.decide``'s ``consents`` and ``suppressions``."""
    return {
        "consents": stakeholder_selectors.consent_latest(
            organization=organization,
            contact_ids={row.contact_id for row in rows},
            purpose=ConsentPurpose.THANK_YOUS,
        ),
        "suppressions": sending.email_suppressions(
            organization=organization, emails={row.contact.email for row in rows}
        ),
    }


def release_stuck(*, organization, now=None):
    """After a crash: rows a worker had taken but not started go back to the queue (they were
    never sent); a row left "sending" may or may not have gone, so a person decides."""
    cutoff = (now or timezone.now()) - STUCK_AFTER
    Acknowledgment.objects.filter(
        organization=organization, state=Acknowledgment.State.CLAIMED, claimed_at__lt=cutoff
    ).update(state=Acknowledgment.State.PENDING)
    return (
        Acknowledgment.objects.filter(
            organization=organization, state=Acknowledgment.State.SENDING, sent_at__isnull=True
        )
        .filter(claimed_at__lt=cutoff)
        .update(
            state=Acknowledgment.State.REVIEW,
            last_error=_("Interrupted while sending; check the mail log."),
        )
    )


def process(*, organization, limit=None, only=None, retries_only=False):
    """Thank every pending row (or ``only`` these ids).

    A chunk of rows is taken at once (one SELECT … FOR UPDATE SKIP LOCKED, committed as
    "claimed", then one lookup of what they thank); each row is then marked "sending" with its
    Message-ID just before its own SMTP conversation, so a crash leaves at most one row whose
    fate is unknown.
    """
    counts = {"sent": 0, "print": 0, "skipped": 0, "failed": 0}
    pending = selectors.due(organization=organization)
    if retries_only:
        pending = pending.filter(retry_at__isnull=False)
    if only is not None:
        pending = pending.filter(pk__in=only)
    templates = list(  # originals, each with its versions per language at hand
        originals(ThankYouTemplate.objects.filter(organization=organization, is_active=True))
    )
    mailer = _Mailer(get_connection())  # one SMTP conversation for the whole run
    lost = 0  # chunks in a row that lost the database
    try:
        while limit is None or sum(counts.values()) < limit:
            size = CHUNK if limit is None else min(CHUNK, limit - sum(counts.values()))
            rows, mailed = [], set()  # mailed: the rows whose SMTP conversation began
            try:
                rows = _claim(pending, size)
                if not rows:
                    break
                _thank_chunk(organization, rows, templates, mailer, counts, mailed)
                lost = 0
            except DATABASE_ERRORS:
                lost += 1
                if lost > 3:
                    raise
                logger.warning("thank-you batch lost the database; waiting for it", exc_info=True)
                _wait_for_database()
                # What this run took and never mailed goes straight back to the queue, even a
                # row whose "sending" mark may have reached the database as it went away. A row
                # that was mailed stays as it is: "sent" if that was recorded, else a person
                # decides (release_stuck). A claim lost with its reply waits for release_stuck.
                Acknowledgment.objects.filter(
                    pk__in=[r.pk for r in rows if r.pk not in mailed],
                    state__in=[Acknowledgment.State.CLAIMED, Acknowledgment.State.SENDING],
                ).update(state=Acknowledgment.State.PENDING)
    finally:
        mailer.close()
    return counts


@transaction.atomic
def _claim(pending, size):
    """Take a chunk no other worker holds, committed as "claimed"."""
    rows = list(pending.select_for_update(skip_locked=True).select_related("contact")[:size])
    Acknowledgment.objects.filter(pk__in=[r.pk for r in rows]).update(
        state=Acknowledgment.State.CLAIMED, claimed_at=timezone.now()
    )
    return rows


def _thank_chunk(organization, rows, templates, mailer, counts, mailed):
    items = _describe(organization, rows)
    known = _known(organization, rows)
    try:
        # One row ahead: while a row's email is recorded and sent, the next row's letter is
        # already being made on the render thread.
        ahead = None
        for row in rows:
            outcome, finish = _prepare(
                organization, row, templates, items.get((row.kind, row.target_id)), known
            )
            if ahead:
                _send(*ahead, mailer, counts, mailed)
            ahead = (row, finish) if finish else None
            if outcome:
                counts[outcome] += 1
        if ahead:
            _send(*ahead, mailer, counts, mailed)
    finally:  # the chunk's last email, recorded before anything else happens to its rows
        if outcome := mailer.finish():
            counts[outcome] += 1


def _send(row, finish, mailer, counts, mailed):
    outcome, message = finish()
    if outcome == "send":
        outcome = mailer.send(row, message, mailed)
    if outcome:
        counts[outcome] += 1


def _describe(organization, rows):
    """What the chunk's rows thank, looked up together: {(kind, target_id): ThankItem}."""
    items = {}
    for kind in {row.kind for row in rows}:
        targets = [row.target_id for row in rows if row.kind == kind]
        for target_id, item in thankables[kind].describe(organization, targets).items():
            items[(kind, target_id)] = item
    return items


def _prepare(organization, row, templates, item, known):
    """Decide, and start the letter. Returns an outcome known now ("skipped", "failed"), or
    what finishes the row once its letter is made (``_finish``)."""
    if item is None or item.skip_reason:
        row.state, row.skip_reason = (
            Acknowledgment.State.SKIPPED,
            (item.skip_reason if item else "gone"),
        )
        row.save(update_fields=["state", "skip_reason"])
        return "skipped", None
    channel, reason = _decide(organization, row, known)
    if not channel:
        row.state, row.skip_reason = Acknowledgment.State.SKIPPED, reason
        row.save(update_fields=["state", "skip_reason"])
        return "skipped", None
    template = pick_template(
        organization=organization, kind=row.kind, item=item, templates=templates
    )
    if template is None:
        row.state, row.last_error = Acknowledgment.State.REVIEW, _("No thank-you template in use.")
        row.save(update_fields=["state", "last_error"])
        return "failed", None
    if (
        channel == Acknowledgment.Channel.EMAIL
        and template.post_letter_too
        and template.letter_body
        and _decision(organization, row, known, ConsentChannel.POST)
    ):
        channel = Acknowledgment.Channel.BOTH
    language = language_for(row.contact, organization)
    template = choose(template, language)  # the version in their language, else the default's
    row.channel, row.template = channel, template
    letter = None
    with translation.override(language):
        fields = item.fields  # made here: dates, amounts in words, salutation in their language
        if template.letter_body and (
            channel != Acknowledgment.Channel.EMAIL or template.attach_letter
        ):
            try:
                letter = rendering.letter_pdf_started(
                    organization=organization, template=template, fields=fields
                )
            except TemplateError as error:
                return _needs_a_person(row, error), None
    return None, partial(_finish, organization, row, template, fields, language, letter)


def _needs_a_person(row, error):
    """The template failed for this row (it took too long, or wants a field this row lacks):
    a person looks at it, and the batch goes on with the next row."""
    logger.warning("thank-you %s: its template failed: %s", row.pk, error)
    row.state = Acknowledgment.State.REVIEW
    reason = _("The template did not work: %(error)s") % {"error": error.message or error}
    row.last_error = reason[:300]
    row.save(update_fields=["state", "last_error", "channel", "template", "pdf"])
    return "failed"


def _finish(organization, row, template, fields, language, letter):
    """Keep the letter's PDF and write the email (the row is marked "sending" when it goes)."""
    with translation.override(language):
        pdf = letter.result() if letter else None
        if pdf:
            if row.pdf:  # a retry's letter replaces the refused one's: no file left behind
                row.pdf.delete(save=False)
            row.pdf.save(f"{row.kind}-{row.target_id}.pdf", ContentFile(pdf), save=False)
        if row.channel == Acknowledgment.Channel.LETTER:
            row.state = Acknowledgment.State.PRINT
            row.save(update_fields=["state", "channel", "template", "pdf"])
            return "print", None
        try:
            subject = rendering.render_text(template.email_subject, fields)
            text = rendering.render_text(template.email_body, fields)
            body = rendering.email_html_body(template=template, fields=fields, text=text)
        except TemplateError as error:
            return _needs_a_person(row, error), None
        # Signed, naming the thank-you: a reply threads to it in the inbox (a retry keeps it).
        row.message_id = row.message_id or threads.message_id(
            organization=organization, kind=THREAD_KIND, object_id=row.pk
        )
        message = branding.email_message(
            organization=organization,
            subject=subject,
            body=text,
            html=rendering.email_html_in_layout(organization=organization, body=body),
            to=[row.contact.email],
            headers={"Message-ID": row.message_id},
            thread=(THREAD_KIND, row.pk),
        )
        if pdf:  # the part Django would make of it, made faster (stakeholders.mail)
            message.attach(mail.attachment(_("thank-you.pdf"), pdf, "application/pdf"))
    return "send", mail.in_one_write(message)


class _Mailer:
    """One email at a time over one SMTP connection (the next row's letter renders meanwhile).

    A row is marked "sending" (committed) before its email goes, in the same transaction that
    records how the previous one went: one commit per email, and a crash leaves at most one row
    whose fate is unknown.
    """

    def __init__(self, smtp):
        self.smtp = smtp
        self.delivered = None  # (row, error or None): the last email, not recorded yet

    def send(self, row, message, mailed):
        """Mark the row "sending" and send its email; returns how the previous email went
        ("sent", "failed" or None)."""
        row.state, row.claimed_at = Acknowledgment.State.SENDING, timezone.now()
        row.attempts += 1
        outcome = self._record(starting=row)
        mailed.add(row.pk)
        self.delivered = (row, self._deliver(message))
        return outcome

    def finish(self):
        """Record how the last email went."""
        return self._record(starting=None)

    def close(self):
        try:
            self.finish()
        finally:
            self.smtp.close()

    def _deliver(self, message):
        """The error that stopped the email, or None once it is out."""
        try:
            self.smtp.open()  # once open (any backend's open() is idempotent), it stays open
            self.smtp.send_messages([message])
        except Exception as error:  # SMTP refused or unreachable: back to the queue, then a person
            self.smtp.close()  # a broken conversation is not reused: the next opens a new one
            return error
        return None

    def _record(self, *, starting):
        finished, self.delivered = self.delivered, None
        try:
            return _save_progress(finished, starting)
        except DATABASE_ERRORS:
            if finished and finished[1] is None:  # it went out: say so when the database is back
                _wait_for_database()
                _save_progress(finished, None)
            raise


# Acknowledgment's table (a test checks the name).
SENT_SQL = (
    "UPDATE thankyous_acknowledgment SET state = %s, sent_at = %s, retry_at = NULL WHERE id = %s"
)
REFUSED_SQL = (
    "UPDATE thankyous_acknowledgment SET state = %s, retry_at = %s, last_error = %s WHERE id = %s"
)
SENDING_SQL = (
    "UPDATE thankyous_acknowledgment SET state = %s, channel = %s, template_id = %s, pdf = %s, "
    "message_id = %s, claimed_at = %s, attempts = %s WHERE id = %s"
)


def _save_progress(finished, starting):
    """Record how the last email went (``finished``: its row and error) and mark the next row
    "sending", in one commit: the batch's hot path, written in plain SQL (the ORM's two updates
    cost a fifth of the work around a letter). Returns the outcome."""
    statements, outcome = [], None
    if finished:
        row, error = finished
        if error is None:
            outcome = "sent"
            state = (
                Acknowledgment.State.PRINT  # emailed; the posted letter awaits the print batch
                if row.channel == Acknowledgment.Channel.BOTH
                else Acknowledgment.State.SENT
            )
            statements.append((SENT_SQL, [state, timezone.now(), row.pk]))
        else:  # tried again after 5, 10, 20, 40 minutes, then a person looks at it
            outcome = "failed"
            logger.warning("thank-you %s not sent: %s", row.pk, error)
            state, retry_at = Acknowledgment.State.REVIEW, None
            if row.attempts < MAX_ATTEMPTS:
                state = Acknowledgment.State.PENDING
                retry_at = timezone.now() + RETRY_AFTER * 2 ** (row.attempts - 1)
            statements.append((REFUSED_SQL, [state, retry_at, str(error)[:300], row.pk]))
    if starting is not None:
        values = [starting.state, starting.channel, starting.template_id, starting.pdf.name]
        values += [starting.message_id, starting.claimed_at, starting.attempts, starting.pk]
        statements.append((SENDING_SQL, values))
    if not statements:
        return None
    with transaction.atomic(), connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
        if outcome == "sent":
            acknowledgment_sent_event(row=finished[0])
    return outcome


THANKYOU_READERS = ("admin", "fundraiser", "viewer")


def acknowledgment_sent_event(*, row):
    """Tell the webhooks a thank-you went out, walled like the thank-you queue: a client's
    (a programme completion) only for the roles that may see it."""
    roles = [role for role in THANKYOU_READERS if row.kind not in thankables.hidden_from(role)]
    webhook_events.emit(
        organization=row.organization_id,
        type="acknowledgment.sent",
        data=lambda: {
            "object": "acknowledgment",
            "id": row.pk,
            "kind": row.kind,
            "target_id": row.target_id,
            "channel": row.channel,
            "contact": webhook_events.contact_data(row.contact),
            "sent_at": timezone.now(),
        },
        contact=row.contact_id,
        roles=roles or ["admin"],
    )


def _wait_for_database(seconds=30):
    """After a lost connection: reconnect when the database answers again, or give up."""
    deadline, pause = time.monotonic() + seconds, 0.25
    while True:
        connection.close()
        try:
            connection.ensure_connection()
            return
        except DATABASE_ERRORS:
            if time.monotonic() > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 4)


def prepare_batch(*, organization):
    """The nightly run's first step: rows a crashed worker left are sorted out, and everything
    not yet thanked gets its pending row."""
    ensure_default_templates(organization=organization)
    release_stuck(organization=organization)
    return enqueue(organization=organization)


def run_batch(*, organization):
    """The nightly run for one organization in one go (what the command uses; the beat spreads
    the same work over the workers in tasks of TASK_SIZE rows)."""
    enqueued = prepare_batch(organization=organization)
    return {"enqueued": enqueued, **process(organization=organization)}


@transaction.atomic
def thank_now(*, organization, kind, target_id, user=None):
    """Thank one thing immediately, through the same rows and the same guarantees."""
    ensure_default_templates(organization=organization)
    enqueue(organization=organization, kind=kind, ids=[target_id])
    row = Acknowledgment.objects.get(organization=organization, kind=kind, target_id=target_id)
    transaction.on_commit(lambda: process(organization=organization, only=[row.pk]))
    return row


def ensure_default_templates(*, organization):
    """A new organization can thank from day one, each kind in its own words; staff then make the
    words their own. A kind whose fallback rule has a template (even a paused one) is left be."""
    have = set(
        ThankYouTemplate.objects.filter(organization=organization).values_list("rule", flat=True)
    )
    with translation.override(organization.language):
        for thankable in thankables:
            default, rule = thankable.default_template, thankable.rules[-1]
            if default is None or rule in have:
                continue
            ThankYouTemplate.objects.get_or_create(
                organization=organization,
                original=None,
                name=str(default.name),
                defaults={
                    "rule": rule,
                    "email_subject": str(default.email_subject),
                    "email_body": str(default.email_body),
                    "letter_body": str(default.letter_body),
                },
            )


@transaction.atomic
def print_batch_create(*, organization, user, staff_role):
    """Merge the letters waiting for the post that ``staff_role`` may read into PDFs sorted for
    mailing, each with a cover sheet. Letters only some roles may read (a client's) get a batch
    of their own, so a batch never shows one role what belongs to another. Returns the
    batches."""
    rows = list(
        selectors.print_queue(organization=organization, staff_role=staff_role).select_for_update(
            of=("self",), skip_locked=True
        )
    )
    if not rows:
        raise ValidationError(_("No letters are waiting to be printed."))
    audiences = {}  # the roles that may read a letter → its letters, in mailing order
    for row in rows:
        audiences.setdefault(thankables[row.kind].roles, []).append(row)
    return [_print_batch(organization, user, letters) for letters in audiences.values()]


def _merged_letters(organization, rows):
    """One PDF: a cover sheet listing ``rows``, then each row's letter."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    cover = rendering.cover_sheet_pdf(organization=organization, rows=rows)
    for page in PdfReader(io.BytesIO(cover)).pages:
        writer.add_page(page)
    for row in rows:
        with row.pdf.open("rb") as handle:
            for page in PdfReader(io.BytesIO(handle.read())).pages:
                writer.add_page(page)
    buffer = io.BytesIO()
    writer.write(buffer)
    return ContentFile(buffer.getvalue())


def _print_batch(organization, user, rows):
    batch = PrintBatch(organization=organization, created_by=user, letters=len(rows))
    batch.pdf.save(
        f"letters-{timezone.localdate().isoformat()}.pdf",
        _merged_letters(organization, rows),
        save=False,
    )
    batch.save()
    Acknowledgment.objects.filter(pk__in=[r.pk for r in rows]).update(print_batch=batch)
    return batch


@transaction.atomic
def acknowledgments_erase(*, organization, contact):
    """An erased person's letters are deleted, with what was written about their thank-yous,
    and one not sent yet never will be. A print batch that held a letter of theirs is made
    again without it."""
    rows = Acknowledgment.objects.select_for_update().filter(
        organization=organization, contact=contact
    )
    batch_ids = set()
    for row in rows:
        delete_on_commit(row.pdf)
        batch_ids.add(row.print_batch_id)
    rows.exclude(state=Acknowledgment.State.SENT).update(
        state=Acknowledgment.State.SKIPPED, skip_reason=Reason.ERASED
    )
    rows.update(pdf="", last_error="", print_batch=None)
    for batch in PrintBatch.objects.select_for_update().filter(
        organization=organization, pk__in=batch_ids - {None}
    ):
        _print_batch_rebuild(organization, batch)


def _print_batch_rebuild(organization, batch):
    """Make a batch's PDF again from the letters left in it, after one was taken out.

    Rebuilt rather than deleted: a batch not printed yet is still work to do, and one that was
    printed is the record of that post run — neither should lose the other people's letters.
    When it can't be rebuilt (no letter left, or a letter's file is gone) the merged PDF is
    deleted all the same: a batch not printed yet then disappears and its letters wait for the
    next one; a printed one stays, without a file, as the record that it went out. ``letters``
    of a printed batch keeps the number posted.
    """
    rows = list(selectors.print_batch_letters(organization=organization, batch=batch))
    delete_on_commit(batch.pdf)
    if rows and all(row.pdf and row.pdf.storage.exists(row.pdf.name) for row in rows):
        batch.pdf.save(
            f"letters-{timezone.localdate(batch.created_at).isoformat()}.pdf",
            _merged_letters(organization, rows),
            save=False,
        )
        if batch.printed_at is None:
            batch.letters = len(rows)
        batch.save(update_fields=["pdf", "letters"])
    elif batch.printed_at is None:
        Acknowledgment.objects.filter(organization=organization, print_batch=batch).update(
            print_batch=None
        )
        batch.delete()
    else:
        batch.pdf = ""
        batch.save(update_fields=["pdf"])


@transaction.atomic
def print_batch_mark_printed(*, organization, batch, user):
    """The letters went into the post: they count as sent."""
    if batch.printed_at is None:
        now = timezone.now()
        batch.printed_at = now
        batch.save(update_fields=["printed_at"])
        letters = Acknowledgment.objects.filter(organization=organization, print_batch=batch)
        for row in letters.exclude(state=Acknowledgment.State.SENT).select_related("contact"):
            acknowledgment_sent_event(row=row)
        Acknowledgment.objects.filter(organization=organization, print_batch=batch).update(
            state=Acknowledgment.State.SENT, sent_at=Coalesce("sent_at", Value(now)), sent_by=user
        )
    return batch


@transaction.atomic
def acknowledgment_retry(*, organization, acknowledgment):
    """Back to the queue after a person checked it (e.g. the mail log says it never went)."""
    if acknowledgment.state not in (Acknowledgment.State.REVIEW, Acknowledgment.State.SKIPPED):
        raise ValidationError(_("Only a thank-you in review or not sent can be retried."))
    acknowledgment.state, acknowledgment.skip_reason = Acknowledgment.State.PENDING, ""
    acknowledgment.attempts, acknowledgment.retry_at = 0, None
    acknowledgment.save(update_fields=["state", "skip_reason", "attempts", "retry_at"])
    return acknowledgment


@transaction.atomic
def acknowledgment_skip(*, organization, acknowledgment, reason, user=None):
    """Not to be sent (the mail log shows it went out, or the donor was thanked in person)."""
    if acknowledgment.state == Acknowledgment.State.SENT:
        raise ValidationError(_("It was already sent."))
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why.")]})
    acknowledgment.state, acknowledgment.skip_reason = (
        Acknowledgment.State.SKIPPED,
        reason.strip()[:40],
    )
    acknowledgment.sent_by = user
    acknowledgment.save(update_fields=["state", "skip_reason", "sent_by"])
    return acknowledgment


def template_sample(*, organization, template):
    """Sample merge fields for the template's kind (a sample donor, volunteer, client…)."""
    return thankables.for_rule(template.rule).sample(organization)


def merge_fields(*, organization):
    """What a template may say, per kind of thank-you: [(label, rules, field names)]."""
    return [
        (thankable.label, thankable.rules, sorted(thankable.sample(organization)))
        for thankable in thankables
    ]


def template_preview(*, organization, template, fields=None):
    """The email as a sample recipient would get it: subject, text and the HTML body (the
    letter previews as a PDF)."""
    fields = fields or template_sample(organization=organization, template=template)
    text = rendering.render_text(template.email_body, fields)
    return {
        "subject": rendering.render_text(template.email_subject, fields),
        "body": text,
        "body_html": rendering.email_html_body(template=template, fields=fields, text=text),
    }


def template_preview_unsaved(*, organization, template, changes):
    """The preview of edits not saved yet: (preview, errors), errors as [(field, message)]."""
    for name, value in changes.items():
        setattr(template, name, value)
    fields = template_sample(organization=organization, template=template)
    try:
        rendering.check_template(template, fields)
    except ValidationError as error:
        return None, [
            (name, message) for name, messages in error.message_dict.items() for message in messages
        ]
    return template_preview(organization=organization, template=template, fields=fields), []


def template_test_send(*, organization, template, user):
    """Send the template, with sample fields, to the staff member trying it."""
    fields = template_sample(organization=organization, template=template)
    preview = template_preview(organization=organization, template=template, fields=fields)
    message = EmailMultiAlternatives(
        subject="[TEST] " + preview["subject"], body=preview["body"], to=[user.email]
    )
    html = rendering.email_html(organization=organization, body=preview["body_html"])
    message.attach_alternative(html, "text/html")
    if template.letter_body and template.attach_letter:
        pdf = rendering.letter_pdf(organization=organization, template=template, fields=fields)
        message.attach(_("thank-you.pdf"), pdf, "application/pdf")
    transaction.on_commit(message.send)


def alert_overdue(*, organization, today=None):
    """Once a day at most: tell the admins when gifts have waited longer than the target."""
    from stakeholders.models import Membership, Role
    from thankyous.selectors import time_to_thank

    today = today or timezone.localdate()
    settings_ = thankyou_settings(organization=organization)
    if settings_.last_alert_on == today:
        return 0
    overdue = time_to_thank(
        organization=organization, staff_role=Role.ADMIN, target_hours=settings_.target_hours
    )["overdue"]
    if not overdue:
        return 0
    admins = [
        membership.user
        for membership in Membership.objects.filter(
            organization=organization, role=Role.ADMIN
        ).select_related("user")
    ]
    url = settings.SITE_URL.rstrip("/") + f"/o/{organization.slug}/thank-yous/"
    messages = []
    for admin in admins:  # each in their own language
        with reading_as(organization=organization, user=admin):
            numbers = {
                "count": formats.format_number(overdue),
                "name": organization.name,
                "hours": formats.format_number(settings_.target_hours),
                "url": url,
            }
            messages.append(
                EmailMultiAlternatives(
                    subject=ngettext(
                        "%(count)s gift is waiting to be thanked",
                        "%(count)s gifts are waiting to be thanked",
                        overdue,
                    )
                    % numbers,
                    body=ngettext(
                        "%(count)s gift to %(name)s has waited more than %(hours)s hours for "
                        "its thank-you. See the queue: %(url)s",
                        "%(count)s gifts to %(name)s have waited more than %(hours)s hours for "
                        "their thank-you. See the queue: %(url)s",
                        overdue,
                    )
                    % numbers,
                    to=[admin.email],
                )
            )
    transaction.on_commit(lambda: [message.send() for message in messages])
    settings_.last_alert_on = today
    settings_.save(update_fields=["last_alert_on"])
    return overdue
