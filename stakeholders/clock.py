"""The business-hours clock: pure functions, no database.

Working time between two instants counts only the organization's opening hours (in its own time
zone, daylight-saving changes included), skips holidays, and leaves out pauses (while a request
waits on the client). ``deadline`` is the inverse: the instant when a target amount of working
time has passed. All arithmetic is done on UTC instants: subtracting two aware datetimes that share
a tzinfo would compare wall clocks and be an hour off across a DST change.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

ZERO = timedelta(0)
MAX_DAYS = 3 * 366  # a deadline further away than this is treated as "never"


@dataclass(frozen=True)
class Calendar:
    """Opening hours per weekday (0 = Monday) as (opens, closes) local times; a period that
    closes at or before it opens runs past midnight (e.g. 22:00–06:00, or 09:00–00:00)."""

    zone: ZoneInfo
    hours: dict = field(default_factory=dict)  # {weekday: ((opens, closes), …)}
    holidays: frozenset = frozenset()
    around_the_clock: bool = False

    @classmethod
    def always(cls):
        return cls(zone=ZoneInfo("UTC"), around_the_clock=True)

    def has_hours(self):
        return self.around_the_clock or any(self.hours.get(day) for day in range(7))


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("the clock needs aware datetimes")
    return moment.astimezone(UTC)


def _local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a local wall time (PEP 495, fold=0): a time skipped by the spring DST
    change lands the gap's length later; a repeated autumn time is its first occurrence."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def _periods_of_day(calendar: Calendar, day: date) -> Iterator[tuple[datetime, datetime]]:
    if day in calendar.holidays:
        return
    for opens, closes in calendar.hours.get(day.weekday(), ()):
        start = _local_instant(day, opens, calendar.zone)
        end_day = day if closes > opens else day + timedelta(days=1)
        end = _local_instant(end_day, closes, calendar.zone)
        if end > start:
            yield start, end


def working_periods(calendar: Calendar, start: datetime, end: datetime):
    """The working periods (UTC) that overlap [start, end), clipped to it, in order."""
    start, end = _utc(start), _utc(end)
    if end <= start:
        return
    if calendar.around_the_clock:
        yield start, end
        return
    # A period may start the evening before (overnight hours): begin one local day early.
    day = start.astimezone(calendar.zone).date() - timedelta(days=1)
    last = end.astimezone(calendar.zone).date()
    while day <= last:
        for period_start, period_end in _periods_of_day(calendar, day):
            lo, hi = max(period_start, start), min(period_end, end)
            if hi > lo:
                yield lo, hi
        day += timedelta(days=1)


def merge_pauses(pauses: Iterable) -> list[tuple[datetime, datetime]]:
    """Pauses as sorted, non-overlapping UTC intervals (an open pause has end None = forever)."""
    far = datetime.max.replace(tzinfo=UTC)
    intervals = sorted((_utc(s), _utc(e) if e is not None else far) for s, e in pauses)
    merged = []
    for start, end in intervals:
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _subtract(periods, pauses):
    """Working periods with the paused parts cut out."""
    for start, end in periods:
        cursor = start
        for pause_start, pause_end in pauses:
            if pause_end <= cursor or pause_start >= end:
                continue
            if pause_start > cursor:
                yield cursor, pause_start
            cursor = max(cursor, pause_end)
            if cursor >= end:
                break
        if cursor < end:
            yield cursor, end


def elapsed(calendar: Calendar, start: datetime, end: datetime, pauses: Iterable = ()) -> timedelta:
    """Working time between two instants, pauses left out. Zero when ``end`` <= ``start``."""
    merged = merge_pauses(pauses)
    total = ZERO
    for lo, hi in _subtract(working_periods(calendar, start, end), merged):
        total += hi - lo
    return total


def deadline(
    calendar: Calendar, start: datetime, target: timedelta, pauses: Iterable = ()
) -> datetime | None:
    """The instant when ``target`` working time has passed since ``start`` (pauses left out);
    None when that never happens (no working hours, or a pause that has not ended)."""
    start = _utc(start)
    if target <= ZERO:
        return start
    if not calendar.has_hours():
        return None
    merged = merge_pauses(pauses)
    remaining = target
    if calendar.around_the_clock:
        chunks = [(start, datetime.max.replace(tzinfo=UTC))]
        for lo, hi in _subtract(chunks, merged):
            if hi - lo >= remaining:
                return lo + remaining
            remaining -= hi - lo
        return None
    window = timedelta(days=7)
    cursor = start
    horizon = start + timedelta(days=MAX_DAYS)
    while cursor < horizon:
        stop = cursor + window
        for lo, hi in _subtract(working_periods(calendar, cursor, stop), merged):
            if hi - lo >= remaining:
                return lo + remaining
            remaining -= hi - lo
        cursor = stop
    return None
