"""Service requests with response targets, the help centre, service records and the access log.

Free text about a client (request descriptions, messages, case notes) is encrypted at rest
(``stakeholders.fields.EncryptedTextField``). Who read a client's record is kept in ``AccessLog``,
which can be added to but never changed.
"""

import secrets

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import connection, models, transaction
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from stakeholders.content_versions import LanguageVersions
from stakeholders.fields import EncryptedTextField
from stakeholders.storage import get_private_storage
from stakeholders.tenancy.models import TenantOwned


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Status(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    WAITING = "waiting", _("Waiting on client")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


ACTIVE_STATUSES = (Status.NEW, Status.OPEN)


class RequestKind(models.TextChoices):
    QUESTION = "question", _("Question")
    REQUEST = "request", _("Request for help")
    COMPLAINT = "complaint", _("Complaint")
    FAILURE = "failure", _("Service failure")


COMPLAINT_KINDS = (RequestKind.COMPLAINT, RequestKind.FAILURE)


class RequestChannel(models.TextChoices):
    WEB_FORM = "web_form", _("Web form")
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    IN_PERSON = "in_person", _("In person")
    LETTER = "letter", _("Letter")
    SMS = "sms", _("SMS")
    WHATSAPP = "whatsapp", _("WhatsApp")
    OTHER = "other", _("Other")


class ClientSettings(TenantOwned):
    """How the organization's clocks run and who hears about requests about to breach."""

    around_the_clock = models.BooleanField(
        _("targets count every hour (24/7)"),
        default=False,
        help_text=_("Otherwise only working hours count, and holidays don't."),
    )
    warn_before_minutes = models.PositiveIntegerField(
        _("warn this many minutes before a target"), default=60
    )
    team_lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("team lead"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Hears about breaches (admins do when nobody is set)."),
    )
    csat_after_resolution = models.BooleanField(
        _("ask for a satisfaction score after a request is resolved"), default=True
    )

    class Meta:
        verbose_name = _("client settings")
        verbose_name_plural = _("client settings")
        constraints = [
            models.UniqueConstraint(fields=["organization"], name="uniq_client_settings")
        ]


class RequestCategory(TenantOwned):
    """What a request is about (housing, benefits, food…): targets and reports are per category."""

    name = models.CharField(_("name"), max_length=100)
    is_public = models.BooleanField(_("offered on the public request form"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("request categories")
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="uniq_request_category")
        ]

    def __str__(self):
        return self.name


class ServiceLevel(TenantOwned):
    """Response targets for a category (or any category) and priority, in working minutes."""

    category = models.ForeignKey(
        RequestCategory,
        verbose_name=_("category"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Leave empty for every category without its own targets."),
    )
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices)
    first_response_minutes = models.PositiveIntegerField(_("first response within (minutes)"))
    resolution_minutes = models.PositiveIntegerField(_("resolution within (minutes)"))

    class Meta:
        ordering = ["category__name", "priority"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "category", "priority"],
                nulls_distinct=False,
                name="uniq_service_level",
            ),
            models.CheckConstraint(
                condition=models.Q(first_response_minutes__gt=0, resolution_minutes__gt=0),
                name="service_level_positive",
            ),
        ]


class ServiceRequest(TenantOwned):
    """A client's request, question or complaint, with two clocks: first response and resolution.

    ``next_due_at`` is the deadline of the clock that is running (none while waiting on the
    client or once resolved): the queue is ordered by it and an index matches that order.
    """

    contact = models.ForeignKey(
        "stakeholders.Contact", verbose_name=_("client"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=RequestKind.choices, default=RequestKind.REQUEST
    )
    category = models.ForeignKey(
        RequestCategory,
        verbose_name=_("category"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    complaint_category = models.ForeignKey(
        "stakeholders.ComplaintCategory",
        verbose_name=_("complaint about"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.NEW
    )
    channel = models.CharField(_("received by"), max_length=10, choices=RequestChannel.choices)
    subject = EncryptedTextField(_("subject"))
    description = EncryptedTextField(_("description"), blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    next_due_at = models.DateTimeField(null=True, blank=True)
    first_responded_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    waiting_since = models.DateTimeField(null=True, blank=True)
    pauses = models.JSONField(default=list, blank=True)  # [[start, end], …] ISO instants
    # Working seconds, fixed when the clock stops: reports read them without recomputing.
    first_response_seconds = models.PositiveIntegerField(null=True, blank=True)
    resolution_seconds = models.PositiveIntegerField(null=True, blank=True)
    first_response_breached = models.BooleanField(null=True, blank=True)
    resolution_breached = models.BooleanField(null=True, blank=True)
    # How far the escalation of the running clock went (0 none, 1 assignee, 2 team lead).
    response_escalation = models.PositiveSmallIntegerField(default=0)
    resolution_escalation = models.PositiveSmallIntegerField(default=0)
    # Problem resolution: what was done, and whether the client is satisfied again.
    resolution_action = EncryptedTextField(_("what we did to put it right"), blank=True)
    satisfaction_restored = models.BooleanField(_("satisfied again"), null=True, blank=True)
    # From the public form or by email, anyone can type anyone's address: until its owner
    # confirms (the link in our acknowledgement), the request changes nothing on their record.
    confirmed_at = models.DateTimeField(_("address confirmed"), null=True, blank=True)
    wants_thank_you = models.BooleanField(default=False, db_default=False)  # once confirmed
    updated_at = models.DateTimeField(auto_now=True)
    # What people read and quote: the organization's own count (its 9th request is #9), not the
    # row id shared by every organization. Given on the first save (``_number_next``).
    number = models.PositiveIntegerField(_("number"), editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="uniq_request_number")
        ]
        indexes = [
            models.Index(
                fields=["organization", "next_due_at", "id"],
                condition=models.Q(status__in=["new", "open"]),
                name="request_queue",
            ),
            models.Index(
                fields=["organization", "assignee", "next_due_at", "id"],
                condition=models.Q(status__in=["new", "open"]),
                name="request_queue_assignee",
            ),
            models.Index(
                fields=["organization", "status", "-created_at", "-id"], name="request_by_status"
            ),
            models.Index(fields=["organization", "contact", "-created_at"], name="request_contact"),
            models.Index(fields=["organization", "-created_at", "-id"], name="request_recent"),
            # Complaints (the dashboard's and the reports' top fives): only those rows, however
            # many requests an organization has.
            models.Index(
                fields=["organization", "created_at"],
                condition=models.Q(kind__in=["complaint", "failure"]),
                name="request_complaints",
            ),
        ]

    def __str__(self):
        return f"#{self.number}"

    def save(self, *args, **kwargs):
        if self.number is None:
            with transaction.atomic():
                self.number = self._number_next()
                super().save(*args, **kwargs)
            return
        super().save(*args, **kwargs)

    def _number_next(self):
        """The organization's next request number. Two requests opened at once wait for each
        other on a lock of this organization's numbering (held to the end of the transaction),
        so neither takes the other's number."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext('steward.request_number'), %s)",
                [self.organization_id],
            )
        last = ServiceRequest.objects.filter(organization_id=self.organization_id).aggregate(
            last=models.Max("number")
        )["last"]
        return (last or 0) + 1

    @property
    def is_complaint(self):
        return self.kind in COMPLAINT_KINDS

    @property
    def is_active(self):
        return self.status in ACTIVE_STATUSES

    @property
    def is_breached(self):
        return self.next_due_at is not None and self.next_due_at <= timezone.now()

    @property
    def is_confirmed(self):
        return self.confirmed_at is not None


class MessageKind(models.TextChoices):
    CLIENT = "client", _("From the client")
    REPLY = "reply", _("Reply to the client")
    CALL = "call", _("Call")
    NOTE = "note", _("Internal note")


CLIENT_VISIBLE_KINDS = (MessageKind.CLIENT, MessageKind.REPLY)


class RequestMessage(TenantOwned):
    """A message, call or note on a request; each one with the client is also an Interaction."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=MessageKind.choices)
    body = EncryptedTextField(_("message"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    interaction = models.ForeignKey(
        "stakeholders.Interaction",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["organization", "request", "created_at"], name="message_request")
        ]


def attachment_upload_to(attachment, filename):
    return f"clients/{attachment.organization_id}/{secrets.token_hex(16)}"


class Attachment(TenantOwned):
    """A file a client or caseworker added. Stored privately under a random name."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(
        RequestMessage, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    file = models.FileField(storage=get_private_storage, upload_to=attachment_upload_to)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["organization", "request"], name="attachment_request")]


# --- Help centre ---------------------------------------------------------------------------


class ArticleCategory(TenantOwned):
    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = _("article categories")
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="uniq_article_category")
        ]

    def __str__(self):
        return self.name


class Article(LanguageVersions, TenantOwned):
    """A help-centre article or FAQ, or its version in another language (``original`` set).
    ``search_vector`` is kept by the services in the version's own language (PostgreSQL text
    search configuration), so each version is found by words of its language."""

    category = models.ForeignKey(
        ArticleCategory, verbose_name=_("category"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    body = models.TextField(_("text"))
    is_faq = models.BooleanField(_("frequently asked question"), default=False)
    is_published = models.BooleanField(_("published"), default=False)
    search_vector = SearchVectorField(null=True, editable=False)
    helpful_count = models.PositiveIntegerField(default=0, editable=False)
    unhelpful_count = models.PositiveIntegerField(default=0, editable=False)
    deflection_count = models.PositiveIntegerField(default=0, editable=False)
    # The community discussion this article grew from (a promoted accepted answer).
    community_url = models.URLField(max_length=500, blank=True, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["category__position", "title"]
        indexes = [
            GinIndex(fields=["search_vector"], name="article_search"),
            models.Index(fields=["organization", "category", "title"], name="article_category"),
        ]
        constraints = LanguageVersions.version_constraints("article")

    def __str__(self):
        return self.title


class ArticleVote(TenantOwned):
    """ "Was this helpful?" — and, from the request form, "this answered my question" (a request
    that did not need to be sent: a deflection)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    helpful = models.BooleanField()
    deflected = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["organization", "article"], name="vote_article")]


class HelpSearch(TenantOwned):
    """What people searched the help centre for; the ones that found nothing are unmet needs.

    One row per normalised query per visitor per day (``visitor``: a keyed hash of their
    address that changes every day), repeats counted in ``searches``: someone pressing Enter a
    thousand times is one person asking, and the table grows with people, not with requests.
    """

    query = models.CharField(max_length=200)
    results = models.PositiveIntegerField()
    # Database defaults: rows written by the release before this one (during an upgrade).
    day = models.DateField(default=timezone.localdate, db_default=Now())
    visitor = models.CharField(max_length=32, db_default="")
    searches = models.PositiveIntegerField(default=1, db_default=1)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("help search")
        verbose_name_plural = _("help searches")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "day", "visitor", "query"],
                condition=~models.Q(visitor=""),
                name="uniq_help_search",
            )
        ]
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="help_search_recent"),
            models.Index(
                fields=["organization", "query"],
                condition=models.Q(results=0),
                name="help_search_unmet",
            ),
        ]


# --- Service records ---------------------------------------------------------------------------


class Programme(TenantOwned):
    """A service the organization delivers (a course, food parcels, advice sessions)."""

    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    unit = models.CharField(_("unit"), max_length=50, default=_("sessions"))
    sessions_to_complete = models.PositiveSmallIntegerField(
        _("sessions attended to complete"),
        null=True,
        blank=True,
        help_text=_("Completion (and a thank-you) comes after this many; empty: staff decide."),
    )
    is_active = models.BooleanField(_("running"), default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="uniq_programme")
        ]

    def __str__(self):
        return self.name


class ServiceRecord(TenantOwned):
    """A service delivered to a client: what, when, how much and by whom."""

    contact = models.ForeignKey(
        "stakeholders.Contact", verbose_name=_("client"), on_delete=models.PROTECT, related_name="+"
    )
    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="+"
    )
    delivered_on = models.DateField(_("date"))
    quantity = models.DecimalField(_("quantity"), max_digits=9, decimal_places=2, default=1)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    notes = EncryptedTextField(_("case notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-delivered_on", "-id"]
        indexes = [
            models.Index(
                fields=["organization", "contact", "-delivered_on"], name="service_record_contact"
            ),
            models.Index(
                fields=["organization", "programme", "-delivered_on"],
                name="service_record_programme",
            ),
        ]


class Session(TenantOwned):
    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField(_("title"), max_length=150)
    starts_at = models.DateTimeField(_("starts at"))
    location = models.CharField(_("where"), max_length=150, blank=True)

    class Meta:
        ordering = ["-starts_at"]
        indexes = [
            models.Index(
                fields=["organization", "programme", "-starts_at"], name="session_programme"
            )
        ]

    def __str__(self):
        return self.title


class Attendance(TenantOwned):
    class Status(models.TextChoices):
        ATTENDED = "attended", _("Attended")
        ABSENT = "absent", _("Absent")
        EXCUSED = "excused", _("Excused")

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey("stakeholders.Contact", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ATTENDED)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "session", "contact"], name="uniq_attendance"
            )
        ]
        indexes = [models.Index(fields=["organization", "contact"], name="attendance_contact")]


class ProgrammeCompletion(TenantOwned):
    """A client completed a programme: what the participation thank-you thanks."""

    contact = models.ForeignKey("stakeholders.Contact", on_delete=models.CASCADE, related_name="+")
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="+")
    completed_on = models.DateField(_("completed on"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-completed_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "contact", "programme"], name="uniq_completion"
            )
        ]


# --- Access log ----------------------------------------------------------------------------------


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The access log is append-only.")

    def delete(self):
        raise PermissionError("The access log is append-only.")


class AccessLog(TenantOwned):
    """Who read which client record, when. Rows are only ever added: no update or delete path
    exists in the code, the admin is read-only, and database triggers refuse UPDATE, DELETE and
    TRUNCATE (``AppendOnly``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        related_name="+",
        db_constraint=False,
    )
    contact = models.ForeignKey(
        "stakeholders.Contact",
        on_delete=models.DO_NOTHING,
        null=True,
        related_name="+",
        db_constraint=False,
    )
    object_kind = models.CharField(max_length=30)
    object_id = models.BigIntegerField(null=True)
    action = models.CharField(max_length=20)
    path = models.CharField(max_length=300)
    at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(
        organization="organization", _manager_class=models.Manager.from_queryset(AppendOnlyQuerySet)
    )

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["organization", "-id"], name="access_log_recent"),
            models.Index(fields=["organization", "contact", "-at"], name="access_log_contact"),
        ]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The access log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The access log is append-only.")
