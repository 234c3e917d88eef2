"""Itinerary rules: local times across capitals, working hours, public holidays, double bookings,
interpreters' breaks, slot suggestions and protocol precedence.

Every datetime here is timezone-aware; time zones are IANA names resolved by zoneinfo (tzdata is the
source of truth: Mexico City kept summer time until 2022, the US changed clocks on 14 March 2021).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import holidays as holiday_calendars

UTC = ZoneInfo("UTC")


class PlanningError(ValueError):
    """A rule was broken by the input itself (unknown zone, end before start...)."""


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo:
    """The IANA zone, or a PlanningError naming the unknown one. Cached here: zoneinfo keeps only a few
    zones strongly and reloads the others from disk."""
    if not name or name not in _zones():
        raise PlanningError(f"unknown time zone {name!r}")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise PlanningError(f"unknown time zone {name!r}") from exc


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def local(moment: datetime, tz: str) -> datetime:
    """The same instant on the clocks of ``tz``."""
    if moment.tzinfo is None:
        raise PlanningError("a naive datetime has no place on the world's clocks")
    return moment.astimezone(zone(tz))


def at_local(day: date, clock: time, tz: str) -> datetime:
    """The instant when the clocks of ``tz`` show ``clock`` on ``day``. A time skipped by a change to
    summer time (02:30 on 14 March 2021 in New York) means the instant one hour later on the new clocks;
    a repeated time means its first occurrence (PEP 495, fold=0)."""
    return datetime.combine(day, clock).replace(tzinfo=zone(tz))


@dataclass(frozen=True, order=True)
class Interval:
    """A span of absolute time, kept in UTC: Python adds and subtracts aware datetimes of one zone on
    the wall clock, which is wrong across a change of summer time."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise PlanningError("intervals need timezone-aware datetimes")
        object.__setattr__(self, "start", self.start.astimezone(UTC))
        object.__setattr__(self, "end", self.end.astimezone(UTC))
        if self.end <= self.start:
            raise PlanningError("an engagement must end after it starts")

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    def overlaps(self, other: Interval) -> bool:
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True)
class WorkingHours:
    """A capital's (or delegation's) working day, on its own clocks. Weekdays are ISO (1 = Monday)."""

    tz: str
    start: time = time(9, 0)
    end: time = time(18, 0)
    weekdays: frozenset[int] = frozenset({1, 2, 3, 4, 5})

    def __post_init__(self) -> None:
        zone(self.tz)
        if self.end <= self.start:
            raise PlanningError("working hours must end after they start")

    def contains(self, interval: Interval) -> bool:
        """Whether the whole interval falls within one working day on this capital's clocks."""
        s, e = local(interval.start, self.tz), local(interval.end, self.tz)
        return (s.date() == e.date() and s.isoweekday() in self.weekdays
                and self.start <= s.time() and e.time() <= self.end)


@dataclass(frozen=True)
class Party:
    """A delegation taking part: where its clocks are, when it works, which holidays it keeps."""

    key: str
    name: str
    country: str
    hours: WorkingHours
    subdivision: str | None = None


@lru_cache(maxsize=256)
def _holiday_calendar(country: str, subdivision: str | None, year: int) -> holiday_calendars.HolidayBase:
    try:
        return holiday_calendars.country_holidays(country, subdiv=subdivision, years=year)
    except NotImplementedError:
        return holiday_calendars.HolidayBase()


def holiday(country: str, day: date, subdivision: str | None = None) -> str | None:
    """The public holiday the country (and its capital's region) keeps on that day, if any."""
    return _holiday_calendar(country, subdivision, day.year).get(day)


@dataclass(frozen=True)
class PlanWarning:
    """Something a protocol officer must look at. ``code`` is stable; ``message`` is for people."""

    code: str
    engagement: str
    message: str
    subject: str = ""


@dataclass(frozen=True)
class Booking:
    """One engagement as the rules see it."""

    key: str
    title: str
    interval: Interval
    parties: tuple[Party, ...]
    people: tuple[str, ...] = ()
    interpreters: tuple[str, ...] = ()


def party_warnings(b: Booking) -> list[PlanWarning]:
    out = []
    for p in b.parties:
        if not p.hours.contains(b.interval):
            s, e = local(b.interval.start, p.hours.tz), local(b.interval.end, p.hours.tz)
            out.append(PlanWarning("outside_working_hours", b.key,
                               f"{b.title}: {s:%a %H:%M}–{e:%H:%M} in {p.name}, outside its working hours "
                               f"({p.hours.start:%H:%M}–{p.hours.end:%H:%M})", p.key))
        day = local(b.interval.start, p.hours.tz).date()
        name = holiday(p.country, day, p.subdivision)
        if name:
            out.append(PlanWarning("public_holiday", b.key, f"{b.title}: {day:%d %B %Y} is {name} in {p.name}", p.key))
    return out


def _schedules(bookings: Sequence[Booking], interpreters: bool = False) -> dict[str, list[Booking]]:
    """Each person's bookings, in time order."""
    by_person: dict[str, list[Booking]] = {}
    for b in bookings:
        for person in set(b.interpreters if interpreters else b.people):
            by_person.setdefault(person, []).append(b)
    for mine in by_person.values():
        mine.sort(key=lambda b: b.interval.start)
    return by_person


def double_bookings(bookings: Sequence[Booking]) -> list[PlanWarning]:
    """People booked into overlapping engagements (each pair reported once)."""
    out = []
    for person, mine in _schedules(bookings).items():
        for i, a in enumerate(mine):
            for b in mine[i + 1:]:
                if b.interval.start >= a.interval.end:
                    break
                out.append(PlanWarning("double_booked", b.key, f"{person} is in both {a.title} and {b.title}", person))
    return out


def interpreter_breaks(bookings: Sequence[Booking], *, max_stretch: timedelta = timedelta(minutes=90),
                       min_break: timedelta = timedelta(minutes=15)) -> list[PlanWarning]:
    """An interpreter working more than ``max_stretch`` without a break of at least ``min_break``."""
    out = []
    for person, mine in _schedules(bookings, interpreters=True).items():
        stretch_start, stretch_end = mine[0].interval.start, mine[0].interval.end
        last = mine[0]
        following: list[Booking | None] = [*mine[1:], None]
        for nxt in following:
            if nxt is not None and nxt.interval.start - stretch_end < min_break:
                stretch_end = max(stretch_end, nxt.interval.end)
                last = nxt
                continue
            if stretch_end - stretch_start > max_stretch:
                out.append(PlanWarning("interpreter_no_break", last.key,
                                   f"{person} interprets {_minutes(stretch_end - stretch_start)} min without a "
                                   f"{_minutes(min_break)}-minute break", person))
            if nxt is not None:
                stretch_start, stretch_end, last = nxt.interval.start, nxt.interval.end, nxt
    return out


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def check(bookings: Sequence[Booking]) -> list[PlanWarning]:
    """Every warning for a set of engagements."""
    out: list[PlanWarning] = []
    for b in bookings:
        out.extend(party_warnings(b))
    out.extend(double_bookings(bookings))
    out.extend(interpreter_breaks(bookings))
    return out


@dataclass(frozen=True)
class SlotQuery:
    duration: timedelta
    parties: tuple[Party, ...]
    first_day: date
    days: int = 3
    step: timedelta = timedelta(minutes=15)
    busy: tuple[Interval, ...] = field(default=())
    limit: int = 5


Window = tuple[datetime, datetime]


def _working_windows(p: Party, first: datetime, last: datetime) -> list[Window]:
    """The party's working hours between two instants, as UTC windows, skipping days off and holidays."""
    out: list[Window] = []
    day = local(first, p.hours.tz).date() - timedelta(days=1)
    while True:
        opens = at_local(day, p.hours.start, p.hours.tz)
        if opens >= last:
            return out
        closes = at_local(day, p.hours.end, p.hours.tz)
        if (day.isoweekday() in p.hours.weekdays and closes > first
                and not holiday(p.country, day, p.subdivision)):
            out.append((max(opens, first).astimezone(UTC), min(closes, last).astimezone(UTC)))
        day += timedelta(days=1)


def _intersect(a: list[Window], b: list[Window]) -> list[Window]:
    out: list[Window] = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if lo < hi:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def _subtract(windows: list[Window], busy: Sequence[Interval]) -> list[Window]:
    out: list[Window] = []
    for lo, hi in windows:
        for b in busy:
            if b.end <= lo or b.start >= hi:
                continue
            if b.start > lo:
                out.append((lo, b.start))
            lo = max(lo, b.end)
            if lo >= hi:
                break
        if lo < hi:
            out.append((lo, hi))
    return out


def suggest_slots(q: SlotQuery) -> list[Interval]:
    """Start times, earliest first, when every party is within working hours on a working day that is
    not a public holiday for it, and none of the people concerned is busy. Starts fall on multiples of
    ``step`` from midnight of the first day on the first party's clocks; suggested slots do not overlap.

    Computed by intersecting each party's working windows and removing busy times, so the cost grows
    with parties x days, not with the number of candidate start times."""
    if not q.parties:
        return []
    if q.duration <= timedelta(0) or q.step <= timedelta(0):
        raise PlanningError("a slot needs a positive duration and step")
    origin = at_local(q.first_day, time(0, 0), q.parties[0].hours.tz).astimezone(UTC)
    last = at_local(q.first_day + timedelta(days=q.days), time(0, 0), q.parties[0].hours.tz).astimezone(UTC)
    free = _working_windows(q.parties[0], origin, last)
    for p in q.parties[1:]:
        free = _intersect(free, _working_windows(p, origin, last))
    free = _subtract(free, sorted(q.busy))
    out: list[Interval] = []
    for lo, hi in free:
        t = origin + -((origin - lo) // q.step) * q.step  # first aligned start at or after lo
        while t + q.duration <= hi and len(out) < q.limit:
            out.append(Interval(t, t + q.duration))
            t += max(q.step, q.duration)
            t = origin + -((origin - t) // q.step) * q.step
        if len(out) >= q.limit:
            break
    return out


@dataclass(frozen=True)
class Seat:
    """A participant as precedence sees them."""

    key: str
    host_side: bool
    rank: int
    country: str
    family_name: str
    override: int | None = None


def precedence(seats: Iterable[Seat]) -> list[Seat]:
    """Speaking and gallery order: explicit per-engagement positions first; then the host side; then
    rank; equal ranks in alphabetical order of country, then of family name."""
    return sorted(seats, key=lambda s: (s.override is None, s.override or 0, not s.host_side, s.rank,
                                        s.country, s.family_name))
