"""The community: spaces where stakeholders ask and answer each other's questions, with staff
as experts and moderators, ideas they vote on, staff's expert hours and known-issue notices.

Members are contacts who joined with their email (double opt-in) and sign in by single-use
links; what others see of them is the display name they chose, never their contact's name nor
whether they are a client. Staff post as members linked to their user (the "expert" badge).
Posts by new members, and posts that trip the automatic holds (links, phone numbers, email
addresses, the organization's word list), wait in the moderation queue (``status = pending``).
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stakeholders.tenancy.models import TenantOwned

# The stakeholder types a space can be open to (the core's contact roles).
AUDIENCES = (("donor", _("Donors")), ("volunteer", _("Volunteers")), ("client", _("Clients")))


class CommunitySettings(TenantOwned):
    """One row per organization (created on first use)."""

    enabled = models.BooleanField(_("community open"), default=False)
    approve_first_posts = models.PositiveSmallIntegerField(
        _("posts approved by a moderator before a member posts freely"), default=2
    )
    held_words = models.TextField(
        _("words that hold a post for moderation"),
        blank=True,
        help_text=_("One word or phrase per line."),
    )
    posts_per_hour = models.PositiveSmallIntegerField(_("posts per member per hour"), default=10)

    class Meta:
        verbose_name = _("community settings")
        verbose_name_plural = _("community settings")
        constraints = [
            models.UniqueConstraint(fields=["organization"], name="uniq_community_settings")
        ]


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Anyone can read")
    MEMBERS = "members", _("Signed-in members only")


class Space(TenantOwned):
    """A place for one kind of conversation ("Getting help", "Volunteers", "Supporters").
    ``translations``: {language: {"name": …, "description": …}} for the organization's other
    languages; ``audiences`` empty means open to every stakeholder type."""

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("address"), max_length=60)
    description = models.CharField(_("description"), max_length=300, blank=True)
    translations = models.JSONField(default=dict, blank=True)
    visibility = models.CharField(
        _("who can read"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    audiences = ArrayField(
        models.CharField(max_length=20, choices=AUDIENCES),
        verbose_name=_("open to"),
        default=list,
        blank=True,
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_archived = models.BooleanField(_("archived"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="uniq_space_slug")
        ]

    def __str__(self):
        return self.name


class MemberStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for email confirmation")
    ACTIVE = "active", _("Active")
    BLOCKED = "blocked", _("Blocked")
    LEFT = "left", _("Left the community")


class Member(TenantOwned):
    """A person in the community: a contact (a stakeholder who joined) or a staff user.
    ``display_name`` is all others see. ``approved_posts`` counts posts a moderator let through
    (or that went out freely): below the settings' threshold, a post waits."""

    contact = models.ForeignKey(
        "stakeholders.Contact", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    email = models.EmailField(_("email"))
    display_name = models.CharField(_("display name"), max_length=40)
    status = models.CharField(max_length=10, choices=MemberStatus.choices)
    approved_posts = models.PositiveIntegerField(default=0)
    reputation = models.IntegerField(default=0)
    digest = models.BooleanField(_("one email a day instead of one per answer"), default=False)
    blocked_reason = models.CharField(max_length=300, blank=True)
    joined_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "organization", Lower("email"), name="uniq_community_member_email"
            ),
            models.UniqueConstraint(
                "organization", Lower("display_name"), name="uniq_community_display_name"
            ),
            models.UniqueConstraint(
                fields=["organization", "user"],
                condition=models.Q(user__isnull=False),
                name="uniq_community_staff_member",
            ),
            models.UniqueConstraint(
                fields=["organization", "contact"],
                condition=models.Q(contact__isnull=False),
                name="uniq_community_contact_member",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "-reputation"], name="community_member_rep"),
            models.Index(fields=["organization", "contact"], name="community_member_contact"),
        ]

    def __str__(self):
        return self.display_name

    @property
    def is_expert(self):
        return self.user_id is not None

    @property
    def shown_name(self):
        """What others see: the display name, or "Former member" once they left or were erased
        (their posts stay)."""
        if self.status == MemberStatus.LEFT:
            return _("Former member")
        return self.display_name


class PostStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for moderation")
    PUBLISHED = "published", _("Published")
    HIDDEN = "hidden", _("Hidden")


class Post(TenantOwned):
    """What questions and answers share: an author, text, a moderation status and a score."""

    author = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("text"))
    status = models.CharField(max_length=10, choices=PostStatus.choices)
    hold_reason = models.CharField(max_length=200, blank=True)
    score = models.IntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class Question(Post):
    space = models.ForeignKey(Space, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    tags = ArrayField(models.CharField(max_length=40), verbose_name=_("tags"), default=list)
    language = models.CharField(max_length=10, choices=settings.LANGUAGES)
    search_vector = SearchVectorField(null=True, editable=False)
    answer_count = models.PositiveIntegerField(default=0)
    accepted_answer = models.ForeignKey(
        "Answer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_locked = models.BooleanField(_("locked"), default=False)
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    first_answer_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(default=timezone.now)
    # The help-centre article this question's answer became (core knowledge registry).
    article_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["organization", "space", "-last_activity_at", "-id"],
                condition=models.Q(status="published"),
                name="community_question_recent",
            ),
            models.Index(
                fields=["organization", "space", "-score", "-id"],
                condition=models.Q(status="published"),
                name="community_question_votes",
            ),
            models.Index(
                fields=["organization", "status", "created_at"], name="community_question_status"
            ),
            GinIndex(fields=["search_vector"], name="community_question_search"),
            GinIndex(fields=["tags"], name="community_question_tags"),
        ]

    def __str__(self):
        return self.title


class Answer(Post):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    is_accepted = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(
                fields=["organization", "question", "created_at"], name="community_answer_question"
            ),
            models.Index(
                fields=["organization", "status", "created_at"], name="community_answer_status"
            ),
        ]


class Comment(TenantOwned):
    """A short remark under a question or an answer (one of the two is set)."""

    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    answer = models.ForeignKey(
        Answer, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    author = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    body = models.CharField(_("comment"), max_length=600)
    status = models.CharField(max_length=10, choices=PostStatus.choices)
    hold_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(question__isnull=True) ^ models.Q(answer__isnull=True),
                name="community_comment_one_target",
            )
        ]
        indexes = [
            models.Index(fields=["organization", "question"], name="community_comment_question"),
            models.Index(fields=["organization", "answer"], name="community_comment_answer"),
        ]


class Vote(TenantOwned):
    """An upvote of a question or an answer, one per member and post."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    answer = models.ForeignKey(
        Answer, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(question__isnull=True) ^ models.Q(answer__isnull=True),
                name="community_vote_one_target",
            ),
            models.UniqueConstraint(
                fields=["organization", "member", "question"],
                condition=models.Q(question__isnull=False),
                name="uniq_community_question_vote",
            ),
            models.UniqueConstraint(
                fields=["organization", "member", "answer"],
                condition=models.Q(answer__isnull=False),
                name="uniq_community_answer_vote",
            ),
        ]


class Follow(TenantOwned):
    """A member following a question: an email on each new answer, or in the daily digest."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # When the member's last daily digest went (one a day at most), and the answers published
    # since, waiting for the next digest (appended when each is published).
    digested_until = models.DateTimeField(null=True, blank=True)
    digest_answer_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "member", "question"], name="uniq_community_follow"
            )
        ]
        indexes = [
            models.Index(fields=["organization", "question"], name="community_follow_question")
        ]


class Report(TenantOwned):
    """Someone flagged a post (a member, or a visitor: ``member`` empty)."""

    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    answer = models.ForeignKey(
        Answer, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    idea = models.ForeignKey(
        "Idea", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    member = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Who reported, for "the same person counts once": the member, or a keyed hash of a
    # visitor's network address (never the address itself).
    reporter_key = models.CharField(max_length=64, blank=True)
    reason = models.CharField(_("reason"), max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolution = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["organization", "created_at"],
                condition=models.Q(resolved_at__isnull=True),
                name="community_report_open",
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", target, "reporter_key"],
                condition=models.Q(**{f"{target}__isnull": False}, resolved_at__isnull=True),
                name=f"uniq_community_open_report_{target}",
            )
            for target in ("question", "answer", "comment", "idea")
        ]


class Revision(TenantOwned):
    """What a post said before a moderator (or its author) edited it, and why."""

    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    answer = models.ForeignKey(
        Answer, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    title = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)


class ExpertSession(TenantOwned):
    """Staff answering live in a space at a set time (announced, with a reminder)."""

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("host")
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["organization", "starts_at"], name="community_session")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="community_session_ends_after_start",
            )
        ]


class SessionReminder(TenantOwned):
    """A member who asked to be reminded of an expert session (sent once)."""

    session = models.ForeignKey(ExpertSession, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "session", "member"], name="uniq_community_reminder"
            )
        ]


class NoticePlace(models.TextChoices):
    COMMUNITY = "community", _("Community")
    HELP_CENTRE = "help", _("Help centre")
    REQUEST_FORM = "request", _("Request form")


class Notice(TenantOwned):
    """A known issue ("the food bank is closed on Friday"), shown where chosen for a set time."""

    class Severity(models.TextChoices):
        INFO = "info", _("Information")
        WARNING = "warning", _("Disruption")

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    severity = models.CharField(
        _("kind"), max_length=10, choices=Severity.choices, default=Severity.INFO
    )
    places = ArrayField(
        models.CharField(max_length=10, choices=NoticePlace.choices),
        verbose_name=_("shown on"),
        default=list,
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True
    )
    starts_at = models.DateTimeField(_("from"), default=timezone.now)
    ends_at = models.DateTimeField(_("until"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["organization", "ends_at"], name="community_notice_ends")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="community_notice_ends_after_start",
            )
        ]

    def __str__(self):
        return self.title


class IdeaStatus(models.TextChoices):
    UNDER_REVIEW = "review", _("Under review")
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Done")
    NOT_NOW = "not_now", _("Not now")


class Idea(TenantOwned):
    space = models.ForeignKey(Space, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    status = models.CharField(
        _("status"), max_length=10, choices=IdeaStatus.choices, default=IdeaStatus.UNDER_REVIEW
    )
    moderation = models.CharField(max_length=10, choices=PostStatus.choices)
    hold_reason = models.CharField(max_length=200, blank=True)
    staff_note = models.TextField(_("note from the team"), blank=True)
    vote_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    # The last status its author and voters were emailed about (each such status once).
    notified_status = models.CharField(max_length=10, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["organization", "space", "-vote_count"], name="community_idea_votes"
            )
        ]

    def __str__(self):
        return self.title


class IdeaVote(TenantOwned):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "idea", "member"], name="uniq_community_idea_vote"
            )
        ]


class TrendReport(TenantOwned):
    """The weekly rising topics (``topics``: [{term, source, count, previous, growth,
    examples}]), computed once a week and kept for comparison."""

    week_start = models.DateField()
    topics = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-week_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "week_start"], name="uniq_community_trend_week"
            )
        ]
