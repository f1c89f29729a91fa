"""The business-hours clock: a table of cases, then properties checked by hypothesis."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stakeholders.clock import Calendar, deadline, elapsed

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
NINE_TO_FIVE = {day: ((time(9), time(17)),) for day in range(5)}  # Monday–Friday


def at(zone, *args):
    return datetime(*args, tzinfo=zone)


def hours(n):
    return timedelta(hours=n)


OFFICE = Calendar(zone=LONDON, hours=NINE_TO_FIVE)
OFFICE_WITH_HOLIDAY = Calendar(
    zone=LONDON, hours=NINE_TO_FIVE, holidays=frozenset({date(2026, 12, 25)})
)
SPLIT_DAY = Calendar(zone=LONDON, hours={0: ((time(9), time(12)), (time(13), time(17)))})
NIGHT_SHIFT = Calendar(zone=LONDON, hours={4: ((time(22), time(6)),)})  # Friday night
NY_OFFICE = Calendar(zone=NEW_YORK, hours=NINE_TO_FIVE)
SUNDAY_NIGHT = Calendar(zone=LONDON, hours={6: ((time(0, 30), time(3)),)})
ALL_WEEK_NY = Calendar(zone=NEW_YORK, hours={d: ((time(0), time(0)),) for d in range(7)})

# (calendar, start, end, pauses, expected working time)
ELAPSED_CASES = [
    ("within a day", OFFICE, at(LONDON, 2026, 11, 23, 10), at(LONDON, 2026, 11, 23, 12), (), 2),
    ("before opening", OFFICE, at(LONDON, 2026, 11, 23, 7), at(LONDON, 2026, 11, 23, 10), (), 1),
    ("over a night", OFFICE, at(LONDON, 2026, 11, 23, 16), at(LONDON, 2026, 11, 24, 10), (), 2),
    # Friday 16:00 → Monday 10:00: the weekend does not count
    ("weekend", OFFICE, at(LONDON, 2026, 11, 27, 16), at(LONDON, 2026, 11, 30, 10), (), 2),
    ("all weekend", OFFICE, at(LONDON, 2026, 11, 28, 8), at(LONDON, 2026, 11, 29, 20), (), 0),
    # Thursday 24 Dec 16:00 → Monday 28 Dec 10:00 with Christmas Day (Friday) off
    (
        "holiday",
        OFFICE_WITH_HOLIDAY,
        at(LONDON, 2026, 12, 24, 16),
        at(LONDON, 2026, 12, 28, 10),
        (),
        2,
    ),
    (
        "pause inside",
        OFFICE,
        at(LONDON, 2026, 11, 23, 9),
        at(LONDON, 2026, 11, 23, 17),
        ((at(LONDON, 2026, 11, 23, 11), at(LONDON, 2026, 11, 23, 14)),),
        5,
    ),
    (
        "overlapping pauses",
        OFFICE,
        at(LONDON, 2026, 11, 23, 9),
        at(LONDON, 2026, 11, 23, 17),
        (
            (at(LONDON, 2026, 11, 23, 10), at(LONDON, 2026, 11, 23, 12)),
            (at(LONDON, 2026, 11, 23, 11), at(LONDON, 2026, 11, 23, 13)),
        ),
        5,
    ),
    (
        "open pause",
        OFFICE,
        at(LONDON, 2026, 11, 23, 9),
        at(LONDON, 2026, 11, 25, 17),
        ((at(LONDON, 2026, 11, 23, 10), None),),
        1,
    ),
    ("lunch break", SPLIT_DAY, at(LONDON, 2026, 11, 23, 11), at(LONDON, 2026, 11, 23, 14), (), 2),
    ("overnight", NIGHT_SHIFT, at(LONDON, 2026, 11, 27, 23), at(LONDON, 2026, 11, 28, 5), (), 6),
    # Spring forward in London (29 March 2026, 01:00 → 02:00): a 24/7 Sunday has 23 hours.
    (
        "DST spring, 24/7 local day",
        Calendar(zone=LONDON, hours={6: ((time(0), time(0)),)}),
        at(LONDON, 2026, 3, 29, 0),
        at(LONDON, 2026, 3, 30, 0),
        (),
        23,
    ),
    # Autumn back in New York (1 November 2026): that Sunday has 25 hours.
    (
        "DST autumn, New York",
        ALL_WEEK_NY,
        at(NEW_YORK, 2026, 11, 1),
        at(NEW_YORK, 2026, 11, 2),
        (),
        25,
    ),
    # Office hours stay 9–5 local across the change: Friday 16:00 → Monday 10:00 is 2 hours.
    (
        "DST weekend office",
        NY_OFFICE,
        at(NEW_YORK, 2026, 10, 30, 16),
        at(NEW_YORK, 2026, 11, 2, 10),
        (),
        2,
    ),
    ("24/7", Calendar.always(), at(UTC, 2026, 11, 28, 8), at(UTC, 2026, 11, 29, 20), (), 36),
    # Opening hours across the change itself: 00:30–03:00 loses or gains the hour.
    (
        "DST gap inside opening hours",
        SUNDAY_NIGHT,
        at(LONDON, 2026, 3, 29, 0),
        at(LONDON, 2026, 3, 29, 4),
        (),
        1.5,
    ),
    (
        "DST repeat inside opening hours",
        SUNDAY_NIGHT,
        at(UTC, 2026, 10, 24, 22),
        at(UTC, 2026, 10, 25, 6),
        (),
        3.5,
    ),
    ("backwards", OFFICE, at(LONDON, 2026, 11, 23, 12), at(LONDON, 2026, 11, 23, 10), (), 0),
]


@pytest.mark.parametrize(
    "calendar,start,end,pauses,expected",
    [case[1:] for case in ELAPSED_CASES],
    ids=[case[0] for case in ELAPSED_CASES],
)
def test_elapsed(calendar, start, end, pauses, expected):
    assert elapsed(calendar, start, end, pauses) == hours(expected)


DEADLINE_CASES = [
    ("same day", OFFICE, at(LONDON, 2026, 11, 23, 10), 4, (), at(LONDON, 2026, 11, 23, 14)),
    ("next morning", OFFICE, at(LONDON, 2026, 11, 23, 15), 4, (), at(LONDON, 2026, 11, 24, 11)),
    ("after hours", OFFICE, at(LONDON, 2026, 11, 23, 20), 1, (), at(LONDON, 2026, 11, 24, 10)),
    ("over a weekend", OFFICE, at(LONDON, 2026, 11, 27, 15), 4, (), at(LONDON, 2026, 11, 30, 11)),
    (
        "over Christmas",
        OFFICE_WITH_HOLIDAY,
        at(LONDON, 2026, 12, 24, 15),
        4,
        (),
        at(LONDON, 2026, 12, 28, 11),
    ),
    (
        "paused a day",
        OFFICE,
        at(LONDON, 2026, 11, 23, 9),
        8,
        ((at(LONDON, 2026, 11, 23, 13), at(LONDON, 2026, 11, 24, 13)),),
        at(LONDON, 2026, 11, 24, 17),
    ),
    (
        "open pause",
        OFFICE,
        at(LONDON, 2026, 11, 23, 9),
        8,
        ((at(LONDON, 2026, 11, 23, 10), None),),
        None,
    ),
    # Across the US autumn change: 9–5 stays local, so the deadline is 11:00 local (16:00 UTC).
    (
        "DST New York",
        NY_OFFICE,
        at(NEW_YORK, 2026, 10, 30, 15),
        4,
        (),
        at(NEW_YORK, 2026, 11, 2, 11),
    ),
    ("24/7", Calendar.always(), at(UTC, 2026, 11, 28, 8), 30, (), at(UTC, 2026, 11, 29, 14)),
    ("no hours at all", Calendar(zone=LONDON), at(LONDON, 2026, 11, 23, 9), 1, (), None),
]


@pytest.mark.parametrize(
    "calendar,start,target,pauses,expected",
    [case[1:] for case in DEADLINE_CASES],
    ids=[case[0] for case in DEADLINE_CASES],
)
def test_deadline(calendar, start, target, pauses, expected):
    assert deadline(calendar, start, hours(target), pauses) == expected


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        elapsed(OFFICE, datetime(2026, 1, 1), datetime(2026, 1, 2))


# --- Properties ------------------------------------------------------------------------------

CALENDARS = st.sampled_from(
    [
        OFFICE,
        OFFICE_WITH_HOLIDAY,
        SPLIT_DAY,
        NIGHT_SHIFT,
        NY_OFFICE,
        ALL_WEEK_NY,
        SUNDAY_NIGHT,
        Calendar.always(),
    ]
)
# Instants around both DST changes of 2026 and Christmas, to the minute.
BASE = datetime(2026, 3, 1, tzinfo=UTC)
INSTANTS = st.integers(min_value=0, max_value=320 * 24 * 60).map(
    lambda m: BASE + timedelta(minutes=m)
)
TARGETS = st.integers(min_value=1, max_value=80 * 60).map(lambda m: timedelta(minutes=m))
PAUSES = st.lists(
    st.tuples(INSTANTS, st.integers(min_value=1, max_value=5 * 24 * 60)).map(
        lambda p: (p[0], p[0] + timedelta(minutes=p[1]))
    ),
    max_size=3,
)


@settings(max_examples=150, deadline=None)
@given(CALENDARS, INSTANTS, TARGETS, PAUSES)
def test_the_deadline_is_exactly_the_target_in_working_time(calendar, start, target, pauses):
    due = deadline(calendar, start, target, pauses)
    assert due is not None and due > start
    assert elapsed(calendar, start, due, pauses) == target
    # and not a moment earlier
    assert elapsed(calendar, start, due - timedelta(microseconds=1), pauses) < target


@settings(max_examples=150, deadline=None)
@given(CALENDARS, INSTANTS, INSTANTS, INSTANTS, PAUSES)
def test_elapsed_adds_up_and_never_exceeds_wall_time(calendar, a, b, c, pauses):
    a, b, c = sorted((a, b, c))
    assert elapsed(calendar, a, b, pauses) + elapsed(calendar, b, c, pauses) == elapsed(
        calendar, a, c, pauses
    )
    assert timedelta(0) <= elapsed(calendar, a, c, pauses) <= c - a


@settings(max_examples=100, deadline=None)
@given(CALENDARS, INSTANTS, TARGETS, TARGETS)
def test_a_longer_target_never_ends_sooner(calendar, start, first, second):
    short, long = sorted((first, second))
    assert deadline(calendar, start, short) <= deadline(calendar, start, long)


@settings(max_examples=100, deadline=None)
@given(INSTANTS, INSTANTS)
def test_around_the_clock_is_wall_time(a, b):
    a, b = sorted((a, b))
    assert elapsed(Calendar.always(), a, b) == b - a


@settings(max_examples=100, deadline=None)
@given(CALENDARS, INSTANTS, INSTANTS, PAUSES)
def test_a_pause_only_ever_takes_time_away(calendar, a, b, pauses):
    a, b = sorted((a, b))
    assert elapsed(calendar, a, b, pauses) <= elapsed(calendar, a, b)
