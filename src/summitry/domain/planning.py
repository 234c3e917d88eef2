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


def zone(name: str) -> ZoneInfo:
    """The IANA zone, or a PlanningError naming the unknown one."""
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
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise PlanningError("intervals need timezone-aware datetimes")
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


def double_bookings(bookings: Sequence[Booking]) -> list[PlanWarning]:
    """People booked into overlapping engagements (each pair reported once)."""
    by_person: dict[str, list[Booking]] = {}
    for b in bookings:
        for person in set(b.people):
            by_person.setdefault(person, []).append(b)
    out = []
    for person, mine in by_person.items():
        mine.sort(key=lambda b: b.interval.start)
        for i, a in enumerate(mine):
            for b in mine[i + 1:]:
                if b.interval.start >= a.interval.end:
                    break
                out.append(PlanWarning("double_booked", b.key, f"{person} is in both {a.title} and {b.title}", person))
    return out


def interpreter_breaks(bookings: Sequence[Booking], *, max_stretch: timedelta = timedelta(minutes=90),
                       min_break: timedelta = timedelta(minutes=15)) -> list[PlanWarning]:
    """An interpreter working more than ``max_stretch`` without a break of at least ``min_break``."""
    by_person: dict[str, list[Booking]] = {}
    for b in bookings:
        for person in set(b.interpreters):
            by_person.setdefault(person, []).append(b)
    out = []
    for person, mine in by_person.items():
        mine.sort(key=lambda b: b.interval.start)
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


def suggest_slots(q: SlotQuery) -> list[Interval]:
    """Start times, earliest first, when every party is within working hours on a working day that is
    not a public holiday for it, and none of the people concerned is busy."""
    if not q.parties:
        return []
    if q.duration <= timedelta(0):
        raise PlanningError("a slot needs a positive duration")
    anchor = q.parties[0].hours.tz
    out: list[Interval] = []
    busy = sorted(q.busy)
    for offset in range(q.days):
        day = q.first_day + timedelta(days=offset)
        # the window on the first party's clocks bounds the search; every party is then checked
        start = at_local(day, time(0, 0), anchor)
        end = start + timedelta(days=1)
        t = start
        while t + q.duration <= end and len(out) < q.limit:
            slot = Interval(t, t + q.duration)
            if all(p.hours.contains(slot) and not holiday(p.country, local(t, p.hours.tz).date(), p.subdivision)
                   for p in q.parties) and not any(slot.overlaps(b) for b in busy):
                out.append(slot)
                t += max(q.step, q.duration)
                continue
            t += q.step
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
