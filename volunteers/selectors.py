"""Reads of the volunteers app: rosters, matching with reasons, hours totals, dashboard figures."""

from collections import defaultdict
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Count, Max, Prefetch, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from stakeholders import formats
from stakeholders.content_versions import LANGUAGE_CODES, choose
from volunteers.models import (
    DAY_PARTS,
    WEEKDAYS,
    Assignment,
    Cause,
    HoursEntry,
    Milestone,
    Opportunity,
    OpportunitySkill,
    OpportunityTraining,
    PendingSignup,
    ProfileCause,
    ProfileSkill,
    Shift,
    Skill,
    Training,
    TrainingRecord,
    VolunteerProfile,
    availability_bit,
    day_part,
)

NOT_SEEN_DAYS = 90


def _today(organization):
    return timezone.localdate(timezone=ZoneInfo(organization.timezone))


def availability_labels(mask):
    return [
        f"{WEEKDAYS[day]} {DAY_PARTS[part].lower()}"
        for day in range(7)
        for part in range(3)
        if mask & availability_bit(day, part)
    ]


def milestone_label(code):
    kind, _sep, number = code.partition("_")
    if code == "first_shift":
        return _("First shift")
    if kind == "hours":
        return ngettext("%(n)s hour", "%(n)s hours", int(number)) % {
            "n": formats.format_number(int(number))
        }
    if kind == "anniversary":
        return ngettext("%(n)s year volunteering", "%(n)s years volunteering", int(number)) % {
            "n": formats.format_number(int(number))
        }
    return code


def signup_options_key(organization):
    return f"volunteers:signup-options:{organization.pk}"


_LOCAL_OPTIONS = {}  # this process's copy: {organization id: (fetched at, options)}
LOCAL_OPTIONS_SECONDS = 10


def signup_options(*, organization):
    """What the public form needs (wording, embedding sites, skills, causes), cached: the form
    is the busiest page there is, and these change only in the volunteer settings (which clear
    the shared cache). Each process also keeps its copy for a few seconds, so a burst of posts
    costs no lookup at all."""
    import time as clock

    from django.core.cache import cache

    from volunteers.models import VolunteerSettings

    local = _LOCAL_OPTIONS.get(organization.pk)
    if local is not None and clock.monotonic() - local[0] < LOCAL_OPTIONS_SECONDS:
        return local[1]
    key = signup_options_key(organization)
    options = cache.get(key)
    if options is None:
        config = VolunteerSettings.objects.get_or_create(organization=organization)[0]
        options = {
            "consent_wording": config.consent_wording,
            "signup_intro": config.signup_intro,
            # What a visitor of each language reads (and agrees to): theirs, else the default.
            "texts": {
                code: {name: config.translated(name, code) for name in config.translated_fields}
                for code in LANGUAGE_CODES
            },
            "origins": config.origins,
            "skills": list(
                Skill.objects.filter(organization=organization).values_list("pk", "name")
            ),
            "causes": list(
                Cause.objects.filter(organization=organization).values_list("pk", "name")
            ),
        }
        cache.set(key, options, timeout=60 * 60)
    _LOCAL_OPTIONS[organization.pk] = (clock.monotonic(), options)
    return options


# --- Profiles ----------------------------------------------------------------------------------


def profiles(*, organization, status=None, search=""):
    queryset = VolunteerProfile.objects.filter(organization=organization).select_related("contact")
    if status:
        queryset = queryset.filter(status=status)
    if search:
        queryset = queryset.filter(
            Q(contact__name__icontains=search) | Q(contact__email__icontains=search)
        )
    return queryset.order_by("contact__search_name", "pk")


def profile_get(*, organization, profile_id):
    return (
        VolunteerProfile.objects.select_related("contact")
        .filter(organization=organization, pk=profile_id)
        .first()
    )


def profile_for_calendar_key(*, organization, key_hash):
    """The volunteer whose calendar feed has this key (its hash): None for an unknown or
    replaced key, another organization's, a volunteer who left or an erased or merged contact."""
    if not key_hash:
        return None
    profile = (
        VolunteerProfile.objects.select_related("contact")
        .filter(organization=organization, calendar_key_hash=key_hash)
        .exclude(status=VolunteerProfile.Status.LEFT)
        .first()
    )
    if profile is None or not profile.contact.is_active:
        return None
    return profile


CALENDAR_PAST_DAYS = 30


def calendar_assignments(*, organization, profile, now=None):
    """The shifts of a volunteer's calendar feed: places they hold (confirmed, or attended) on
    shifts ahead and of the last 30 days — not cancelled, waiting or missed ones."""
    now = now or timezone.now()
    return (
        Assignment.objects.filter(
            organization=organization,
            profile=profile,
            status__in=Assignment.HOLDS_A_PLACE,
            shift__ends_at__gte=now - timedelta(days=CALENDAR_PAST_DAYS),
        )
        .select_related("shift__opportunity")
        .order_by("shift__starts_at", "pk")
    )


def profile_for_contact(*, organization, contact):
    return VolunteerProfile.objects.filter(organization=organization, contact=contact).first()


def profile_for_portal(*, organization, profile_id):
    """A volunteer who may use the portal: not left, their contact neither merged nor erased
    (a merged contact's portal session follows to the kept profile)."""
    profile = profile_get(organization=organization, profile_id=profile_id)
    if profile is None or profile.status == VolunteerProfile.Status.LEFT:
        return None
    if not profile.contact.is_active:
        return None
    return profile


def profile_skill_ids(*, organization, profile):
    return set(
        ProfileSkill.objects.filter(organization=organization, profile=profile).values_list(
            "skill_id", flat=True
        )
    )


def profile_cause_ids(*, organization, profile):
    return set(
        ProfileCause.objects.filter(organization=organization, profile=profile).values_list(
            "cause_id", flat=True
        )
    )


def profile_skills(*, organization, profile):
    """[(skill, source)] — where each skill came from is worth showing."""
    rows = ProfileSkill.objects.filter(organization=organization, profile=profile).select_related(
        "skill"
    )
    return sorted(((r.skill, r.get_source_display()) for r in rows), key=lambda r: r[0].name)


def skills(*, organization):
    return Skill.objects.filter(organization=organization)


def causes(*, organization):
    return Cause.objects.filter(organization=organization)


def trainings(*, organization):
    return Training.objects.filter(organization=organization).select_related("grants_skill")


def training_records(*, organization, profile):
    return TrainingRecord.objects.filter(organization=organization, profile=profile).select_related(
        "training"
    )


def required_trainings(*, organization, opportunity):
    return list(
        Training.objects.filter(
            organization=organization,
            pk__in=OpportunityTraining.objects.filter(
                organization=organization, opportunity=opportunity
            ).values("training_id"),
        )
    )


def valid_training_ids(*, organization, profile, on, records=None):
    if records is None:
        records = TrainingRecord.objects.filter(organization=organization, profile=profile)
    return {
        r.training_id
        for r in records
        if r.completed_on <= on and (r.expires_on is None or r.expires_on >= on)
    }


def has_open_duplicate(*, organization, contact):
    from stakeholders.models import DuplicatePair

    return DuplicatePair.objects.filter(
        Q(contact=contact) | Q(other=contact),
        organization=organization,
        status=DuplicatePair.Status.OPEN,
    ).exists()


# --- Opportunities and shifts --------------------------------------------------------------------


def signup_texts(options, language):
    """The signup form's introduction and consent words for a visitor of ``language``."""
    return options.get("texts", {}).get(language) or {
        "consent_wording": options["consent_wording"],
        "signup_intro": options["signup_intro"],
    }


def opportunities(*, organization, active_only=False):
    """The opportunities (originals: a version in another language is not another one; shifts,
    hours and matching point at the original)."""
    queryset = Opportunity.objects.filter(
        organization=organization, original__isnull=True
    ).select_related("cause")
    if active_only:
        queryset = queryset.filter(is_active=True)
    return queryset


def opportunities_with_versions(*, organization):
    """The opportunities with their versions at hand (the list's missing-languages marker)."""
    return (
        opportunities(organization=organization)
        .select_related("organization")
        .prefetch_related(
            Prefetch(
                "translations",
                queryset=Opportunity.objects.filter(organization=organization)
                .only("pk", "original_id", "language", "title")
                .order_by("language"),
            )
        )
    )


def opportunity_versions(*, organization, language, ids):
    """``{original id: the version a reader of language gets}`` for these opportunities (their
    language, else the organization's, else the original): two queries, whatever the count."""
    originals = Opportunity.objects.filter(
        organization=organization, pk__in=set(ids), original__isnull=True
    ).prefetch_related(
        Prefetch("translations", queryset=Opportunity.objects.filter(organization=organization))
    )
    versions = {}
    for original in originals:
        original.organization = organization  # choose() reads its language: no query per row
        versions[original.pk] = choose(original, language or organization.language)
    return versions


def opportunity_in_language(*, organization, opportunity, language):
    """The version of one opportunity for a reader of ``language`` (an email's recipient)."""
    root = opportunity.root
    return opportunity_versions(organization=organization, language=language, ids=[root.pk]).get(
        root.pk, root
    )


def with_opportunity_versions(rows, *, organization, language, path=()):
    """Give each of ``rows`` (shifts, assignments, hours entries: ``path`` leads from the row to
    the object with ``opportunity_id``) ``opportunity_version``, the opportunity as a reader of
    ``language`` sees it. Returns ``rows``."""

    def target(row):
        for name in path:
            row = getattr(row, name)
        return row

    rows = list(rows)
    ids = {target(row).opportunity_id for row in rows if target(row).opportunity_id}
    versions = opportunity_versions(organization=organization, language=language, ids=ids)
    for row in rows:
        holder = target(row)
        holder.opportunity_version = versions.get(holder.opportunity_id)
    return rows


def opportunity_skill_ids(*, organization, opportunity):
    return set(
        OpportunitySkill.objects.filter(
            organization=organization, opportunity=opportunity
        ).values_list("skill_id", flat=True)
    )


def opportunity_training_ids(*, organization, opportunity):
    return set(
        OpportunityTraining.objects.filter(
            organization=organization, opportunity=opportunity
        ).values_list("training_id", flat=True)
    )


def shifts_with_counts(queryset):
    return queryset.select_related("opportunity").annotate(
        taken=Count("assignments", filter=Q(assignments__status__in=Assignment.HOLDS_A_PLACE)),
        waiting=Count("assignments", filter=Q(assignments__status=Assignment.Status.WAITLISTED)),
    )


def upcoming_shifts(*, organization, opportunity=None, days=None):
    queryset = Shift.objects.filter(organization=organization, ends_at__gt=timezone.now())
    if opportunity is not None:
        queryset = queryset.filter(opportunity=opportunity)
    if days is not None:
        queryset = queryset.filter(starts_at__lt=timezone.now() + timedelta(days=days))
    return shifts_with_counts(queryset).order_by("starts_at", "pk")


def shift_get(*, organization, shift_id):
    return (
        shifts_with_counts(Shift.objects.filter(organization=organization, pk=shift_id))
        .select_related("opportunity__cause")
        .first()
    )


def roster(*, organization, shift):
    """Everyone on the shift: places first, then the waiting list in order, then cancellations."""
    order = {
        Assignment.Status.CONFIRMED: 0,
        Assignment.Status.ATTENDED: 0,
        Assignment.Status.NO_SHOW: 0,
        Assignment.Status.WAITLISTED: 1,
        Assignment.Status.CANCELLED: 2,
    }
    rows = Assignment.objects.filter(organization=organization, shift=shift).select_related(
        "profile__contact"
    )
    return sorted(rows, key=lambda a: (order[a.status], a.created_at, a.pk))


def assignments_for(*, organization, profile, upcoming=None):
    queryset = Assignment.objects.filter(organization=organization, profile=profile).select_related(
        "shift__opportunity"
    )
    if upcoming is True:
        queryset = queryset.filter(shift__ends_at__gt=timezone.now())
    elif upcoming is False:
        queryset = queryset.filter(shift__ends_at__lte=timezone.now())
    return queryset.order_by("shift__starts_at")


def open_shifts_for(*, organization, profile, opportunity_id=None, limit=50):
    """Upcoming shifts of open opportunities, with the volunteer's own place (if any) and
    whether they may take it — for the portal."""
    shifts = list(
        upcoming_shifts(organization=organization)
        .filter(opportunity__is_active=True, starts_at__gt=timezone.now())
        .filter(**({"opportunity_id": opportunity_id} if opportunity_id else {}))[:limit]
    )
    mine = {
        a.shift_id: a
        for a in Assignment.objects.filter(
            organization=organization, profile=profile, shift__in=[s.pk for s in shifts]
        )
    }
    records = list(TrainingRecord.objects.filter(organization=organization, profile=profile))
    required = defaultdict(list)
    for row in OpportunityTraining.objects.filter(
        organization=organization, opportunity_id__in={s.opportunity_id for s in shifts}
    ).select_related("training"):
        required[row.opportunity_id].append(row.training)
    zone = ZoneInfo(organization.timezone)
    result = []
    for shift in shifts:
        day = timezone.localtime(shift.starts_at, zone).date()
        valid = valid_training_ids(
            organization=organization, profile=profile, on=day, records=records
        )
        missing = [t.name for t in required[shift.opportunity_id] if t.pk not in valid]
        result.append({"shift": shift, "mine": mine.get(shift.pk), "missing": missing})
    return result


def shifts_short(*, organization, days=7):
    """Shifts in the next ``days`` with places still free."""
    return [
        s for s in upcoming_shifts(organization=organization, days=days) if s.taken < s.capacity
    ]


# --- Matching ------------------------------------------------------------------------------------


def _near(profile_contact, opportunity):
    """Same town, or the same postcode district when the opportunity names one."""
    if not opportunity.city:
        return False
    place = opportunity.city.strip().casefold()
    return bool(
        (profile_contact.city and profile_contact.city.strip().casefold() == place)
        or (
            profile_contact.postal_code
            and profile_contact.postal_code.split()[0].casefold() == place.split()[0]
        )
    )


def _slots(organization, shifts):
    zone = ZoneInfo(organization.timezone)
    slots = set()
    for shift in shifts:
        local = timezone.localtime(shift.starts_at, zone)
        slots.add((local.weekday(), day_part(local.hour)))
    return slots


def _score(
    *,
    organization,
    profile,
    opportunity,
    needs,
    skill_ids,
    cause_ids,
    records,
    slots,
    last_seen,
    today,
):
    """(score, reasons, blockers) for one volunteer and one opportunity."""
    score, reasons, blockers = 0, [], []
    shared = needs["skills"] & skill_ids
    if shared:
        score += 3 * len(shared)
        reasons.append(
            _("Skills: %(names)s")
            % {"names": ", ".join(sorted(needs["skill_names"][s] for s in shared))}
        )
    elif needs["skills"]:
        score -= 1
    if opportunity.cause_id and opportunity.cause_id in cause_ids:
        score += 2
        reasons.append(_("Interested in %(cause)s") % {"cause": opportunity.cause.name})
    fitting = [s for s in slots if profile.is_available(*s)]
    if fitting:
        score += 2
        day, part = sorted(fitting)[0]
        reasons.append(
            _("Available %(when)s") % {"when": f"{WEEKDAYS[day]} {DAY_PARTS[part].lower()}"}
        )
    valid = valid_training_ids(
        organization=organization, profile=profile, on=today, records=records
    )
    missing = [name for pk, name in needs["trainings"].items() if pk not in valid]
    if needs["trainings"] and not missing:
        score += 2
        reasons.append(_("Trainings done"))
    elif missing:
        blockers.append(_("Needs training: %(names)s") % {"names": ", ".join(missing)})
    if _near(profile.contact, opportunity):
        score += 1
        reasons.append(_("Lives nearby"))
    if last_seen and last_seen >= timezone.now() - timedelta(days=NOT_SEEN_DAYS):
        score += 1
        reasons.append(_("Active in the last 90 days"))
    if opportunity.minimum_age and profile.under_18 and opportunity.minimum_age >= 18:
        blockers.append(_("Under the minimum age"))
    return score, reasons, blockers


def _needs(organization, opportunity):
    skill_rows = OpportunitySkill.objects.filter(
        organization=organization, opportunity=opportunity
    ).select_related("skill")
    training_rows = OpportunityTraining.objects.filter(
        organization=organization, opportunity=opportunity
    ).select_related("training")
    return {
        "skills": {r.skill_id for r in skill_rows},
        "skill_names": {r.skill_id: r.skill.name for r in skill_rows},
        "trainings": {r.training_id: r.training.name for r in training_rows},
    }


def _last_seen(organization, profile_ids):
    return dict(
        Assignment.objects.filter(
            organization=organization,
            profile_id__in=profile_ids,
            status=Assignment.Status.ATTENDED,
        )
        .values_list("profile_id")
        .annotate(last=Max("shift__starts_at"))
    )


def matches_for_opportunity(*, organization, opportunity, limit=50):
    """Applicants and active volunteers ranked for this opportunity, each with the reasons
    (and what stands in the way). A constant number of queries, whatever the count."""
    needs = _needs(organization, opportunity)
    slots = _slots(
        organization, upcoming_shifts(organization=organization, opportunity=opportunity)[:50]
    )
    candidates = list(
        VolunteerProfile.objects.filter(
            organization=organization,
            status__in=[VolunteerProfile.Status.ACTIVE, VolunteerProfile.Status.APPLICANT],
            contact__merged_into__isnull=True,
            contact__erased_at__isnull=True,
        ).select_related("contact")
    )
    ids = [p.pk for p in candidates]
    skill_map, cause_map, record_map = defaultdict(set), defaultdict(set), defaultdict(list)
    for profile_id, skill_id in ProfileSkill.objects.filter(
        organization=organization, profile_id__in=ids
    ).values_list("profile_id", "skill_id"):
        skill_map[profile_id].add(skill_id)
    for profile_id, cause_id in ProfileCause.objects.filter(
        organization=organization, profile_id__in=ids
    ).values_list("profile_id", "cause_id"):
        cause_map[profile_id].add(cause_id)
    for record in TrainingRecord.objects.filter(organization=organization, profile_id__in=ids):
        record_map[record.profile_id].append(record)
    last_seen = _last_seen(organization, ids)
    already = set(
        Assignment.objects.filter(
            organization=organization,
            shift__opportunity=opportunity,
            shift__ends_at__gt=timezone.now(),
            status__in=Assignment.ACTIVE,
        ).values_list("profile_id", flat=True)
    )
    today = _today(organization)
    ranked = []
    for profile in candidates:
        score, reasons, blockers = _score(
            organization=organization,
            profile=profile,
            opportunity=opportunity,
            needs=needs,
            skill_ids=skill_map[profile.pk],
            cause_ids=cause_map[profile.pk],
            records=record_map[profile.pk],
            slots=slots,
            last_seen=last_seen.get(profile.pk),
            today=today,
        )
        ranked.append(
            {
                "profile": profile,
                "score": score,
                "reasons": reasons,
                "blockers": blockers,
                "signed_up": profile.pk in already,
            }
        )
    ranked.sort(key=lambda r: (bool(r["blockers"]), -r["score"], r["profile"].contact.search_name))
    return ranked[:limit]


def opportunities_for_profile(*, organization, profile, limit=10):
    """The open opportunities that fit this volunteer best, with the reasons."""
    skill_ids = profile_skill_ids(organization=organization, profile=profile)
    cause_ids = profile_cause_ids(organization=organization, profile=profile)
    records = list(TrainingRecord.objects.filter(organization=organization, profile=profile))
    last_seen = _last_seen(organization, [profile.pk]).get(profile.pk)
    today = _today(organization)
    found = list(opportunities(organization=organization, active_only=True))
    skill_rows, training_rows = defaultdict(dict), defaultdict(dict)
    for row in OpportunitySkill.objects.filter(
        organization=organization, opportunity__in=found
    ).select_related("skill"):
        skill_rows[row.opportunity_id][row.skill_id] = row.skill.name
    for row in OpportunityTraining.objects.filter(
        organization=organization, opportunity__in=found
    ).select_related("training"):
        training_rows[row.opportunity_id][row.training_id] = row.training.name
    shifts = defaultdict(list)
    for shift in Shift.objects.filter(
        organization=organization, opportunity__in=found, starts_at__gt=timezone.now()
    ).order_by("starts_at")[:500]:
        shifts[shift.opportunity_id].append(shift)
    ranked = []
    for opportunity in found:
        needs = {
            "skills": set(skill_rows[opportunity.pk]),
            "skill_names": skill_rows[opportunity.pk],
            "trainings": training_rows[opportunity.pk],
        }
        score, reasons, blockers = _score(
            organization=organization,
            profile=profile,
            opportunity=opportunity,
            needs=needs,
            skill_ids=skill_ids,
            cause_ids=cause_ids,
            records=records,
            slots=_slots(organization, shifts[opportunity.pk]),
            last_seen=last_seen,
            today=today,
        )
        ranked.append(
            {"opportunity": opportunity, "score": score, "reasons": reasons, "blockers": blockers}
        )
    ranked.sort(key=lambda r: (bool(r["blockers"]), -r["score"], r["opportunity"].title))
    return ranked[:limit]


# --- Hours ------------------------------------------------------------------------------------


def hours_pending(*, organization):
    return (
        HoursEntry.objects.filter(organization=organization, status=HoursEntry.Status.PENDING)
        .select_related("profile__contact", "opportunity")
        .order_by("worked_on", "pk")
    )


def hours_for(*, organization, profile):
    return HoursEntry.objects.filter(organization=organization, profile=profile).select_related(
        "opportunity"
    )


def _approved(organization):
    return HoursEntry.objects.filter(organization=organization, status=HoursEntry.Status.APPROVED)


def hours_total(*, organization, profile):
    total = _approved(organization).filter(profile=profile).aggregate(total=Sum("hours"))["total"]
    return total or Decimal(0)


def hours_totals(*, organization, since=None, hourly_rate=Decimal(0)):
    """Approved hours per volunteer, per opportunity and per month, and what they are worth."""
    approved = _approved(organization)
    if since is not None:
        approved = approved.filter(worked_on__gte=since)
    total = approved.aggregate(total=Sum("hours"))["total"] or Decimal(0)
    return {
        "total": total,
        "value": (total * hourly_rate).quantize(Decimal("0.01")),
        "by_volunteer": list(
            approved.values("profile_id", "profile__contact__name")
            .annotate(hours=Sum("hours"))
            .order_by("-hours", "profile__contact__name")[:20]
        ),
        "by_opportunity": list(
            approved.values("opportunity_id", "opportunity__title")
            .annotate(hours=Sum("hours"))
            .order_by("-hours")[:20]
        ),
        "by_month": list(
            approved.annotate(month=TruncMonth("worked_on"))
            .values("month")
            .annotate(hours=Sum("hours"))
            .order_by("-month")[:12]
        ),
    }


def milestones_for(*, organization, profile):
    return [
        {"code": m.code, "label": milestone_label(m.code), "reached_on": m.reached_on}
        for m in Milestone.objects.filter(organization=organization, profile=profile)
    ]


# --- Dashboard --------------------------------------------------------------------------------


def awaiting_review(*, organization):
    return profiles(organization=organization, status=VolunteerProfile.Status.APPLICANT).order_by(
        "joined_at", "pk"
    )


def not_seen(*, organization, days=NOT_SEEN_DAYS):
    """Active volunteers with no attended shift and no hours in ``days``."""
    since = timezone.now() - timedelta(days=days)
    recent_shift = Assignment.objects.filter(
        organization=organization,
        status=Assignment.Status.ATTENDED,
        shift__starts_at__gte=since,
    ).values("profile_id")
    recent_hours = HoursEntry.objects.filter(
        organization=organization, worked_on__gte=since.date()
    ).values("profile_id")
    return (
        profiles(organization=organization, status=VolunteerProfile.Status.ACTIVE)
        .filter(approved_at__lt=since)
        .exclude(pk__in=recent_shift)
        .exclude(pk__in=recent_hours)
    )


def hours_this_month_by_week(*, organization):
    """[(label, hours)] for each week of this month so far — the dashboard chart."""
    today = _today(organization)
    first = today.replace(day=1)
    rows = dict(
        _approved(organization)
        .filter(worked_on__gte=first, worked_on__lte=today)
        .values_list("worked_on")
        .annotate(hours=Sum("hours"))
    )
    weeks = []
    start = first
    while start <= today:
        end = min(start + timedelta(days=6 - start.weekday()), today)
        total = sum((h for d, h in rows.items() if start <= d <= end), Decimal(0))
        label = formats.format_day(start)
        if end != start:
            label = f"{label}–{formats.format_day(end)}"
        weeks.append((label, float(total)))
        start = end + timedelta(days=1)
    return weeks


def pending_signups_count(*, organization):
    return PendingSignup.objects.filter(
        organization=organization, confirmed_at__isnull=True
    ).count()


def day_bounds(organization, day):
    zone = ZoneInfo(organization.timezone)
    start = datetime.combine(day, time.min, tzinfo=zone)
    return start, start + timedelta(days=1)
