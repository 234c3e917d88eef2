"""Itinerary rules: local times across capitals, working hours, public holidays, double bookings,
interpreters' breaks, slot suggestions and protocol precedence.

Every datetime here is timezone-aware; time zones are IANA names resolved by zoneinfo (tzdata is the
source of truth: Mexico City kept summer time until 2022, the US changed clocks on 14 March 2021).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import NamedTuple
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
    """IANA's zones, without the files that name this machine's own clock or no place at all."""
    return frozenset(available_timezones()) - {"localtime", "posixrules", "Factory"}


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
    """The country's calendar for its capital's region; its national one when the region is unknown to
    the calendar (a region mistyped, or a country without regions), never none at all."""
    for subdiv in dict.fromkeys((subdivision, None)):
        try:
            return holiday_calendars.country_holidays(country, subdiv=subdiv, years=year)
        except NotImplementedError:
            continue
    return holiday_calendars.HolidayBase()


def holiday(country: str, day: date, subdivision: str | None = None) -> str | None:
    """The public holiday the country (and its capital's region) keeps on that day, if any."""
    return _holiday_calendar(country, subdivision, day.year).get(day)


@dataclass(frozen=True)
class PlanWarning:
    """Something a protocol officer must look at. ``code`` is stable; ``message`` is the sentence in
    English (the API's and the logs'); ``related`` is the other engagement of a double booking.

    ``params`` are what the sentence says, as named strings, so that a page can say it in its reader's
    language (the domain knows no languages). Per code:

    - ``outside_working_hours``: ``title``, ``place``, ``tz``, ``start`` and ``end`` (ISO 8601 instants,
      UTC), ``opens`` and ``closes`` (the working day, ``HH:MM`` on the place's clocks);
    - ``public_holiday``: ``title``, ``place``, ``day`` (ISO date on the place's clocks), ``holiday`` (its
      name), ``country`` and ``subdivision`` (the calendar it comes from);
    - ``double_booked``: ``person``, ``first`` and ``second`` (the two engagements' titles, in time order);
    - ``interpreter_no_break``: ``person``, ``minutes`` (the stretch) and ``pause`` (the break it lacks),
      whole minutes.
    """

    code: str
    engagement: str
    message: str
    subject: str = ""
    related: str = ""
    params: tuple[tuple[str, str], ...] = ()

    def param(self, name: str) -> str:
        """One of ``params`` by name ("" if the warning has none of that name)."""
        return next((value for key, value in self.params if key == name), "")


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
            params: tuple[tuple[str, str], ...] = (("title", b.title), ("place", p.name), ("tz", p.hours.tz),
                                                   ("start", b.interval.start.isoformat()),
                                                   ("end", b.interval.end.isoformat()),
                                                   ("opens", f"{p.hours.start:%H:%M}"),
                                                   ("closes", f"{p.hours.end:%H:%M}"))
            out.append(PlanWarning("outside_working_hours", b.key,
                                   f"{b.title}: {s:%a %H:%M}–{e:%H:%M} in {p.name}, outside its working hours "
                                   f"({p.hours.start:%H:%M}–{p.hours.end:%H:%M})", p.key, params=params))
        day = local(b.interval.start, p.hours.tz).date()
        name = holiday(p.country, day, p.subdivision)
        if name:
            params = (("title", b.title), ("place", p.name), ("day", day.isoformat()), ("holiday", name),
                      ("country", p.country), ("subdivision", p.subdivision or ""))
            out.append(PlanWarning("public_holiday", b.key, f"{b.title}: {day:%d %B %Y} is {name} in {p.name}",
                                   p.key, params=params))
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


def double_bookings(bookings: Sequence[Booking], concerning: Collection[str] | None = None) -> list[PlanWarning]:
    """People booked into overlapping engagements, each pair reported once: on the later engagement, or
    on the one of the pair that is among ``concerning`` (the engagements a page or a trip is about; the
    others are there only as what their people also attend). Pairs of two others are not reported."""
    out = []
    for person, mine in _schedules(bookings).items():
        for i, a in enumerate(mine):
            for b in mine[i + 1:]:
                if b.interval.start >= a.interval.end:
                    break
                on, other = (b, a) if concerning is None or b.key in concerning else (a, b)
                if concerning is None or on.key in concerning:
                    out.append(PlanWarning("double_booked", on.key, f"{person} is in both {a.title} and {b.title}",
                                           person, other.key,
                                           (("person", person), ("first", a.title), ("second", b.title))))
    return out


def interpreter_breaks(bookings: Sequence[Booking], *, max_stretch: timedelta = timedelta(minutes=90),
                       min_break: timedelta = timedelta(minutes=15),
                       concerning: Collection[str] | None = None) -> list[PlanWarning]:
    """An interpreter working more than ``max_stretch`` without a break of at least ``min_break``: on the
    stretch's last engagement, or its last among ``concerning`` (none if it has none)."""
    out = []
    for person, mine in _schedules(bookings, interpreters=True).items():
        stretch: list[Booking] = [mine[0]]
        stretch_start, stretch_end = mine[0].interval.start, mine[0].interval.end
        following: list[Booking | None] = [*mine[1:], None]
        for nxt in following:
            if nxt is not None and nxt.interval.start - stretch_end < min_break:
                stretch_end = max(stretch_end, nxt.interval.end)
                stretch.append(nxt)
                continue
            on = [b for b in stretch if concerning is None or b.key in concerning]
            if stretch_end - stretch_start > max_stretch and on:
                worked, pause = _minutes(stretch_end - stretch_start), _minutes(min_break)
                out.append(PlanWarning("interpreter_no_break", on[-1].key,
                                       f"{person} interprets {worked} min without a {pause}-minute break", person,
                                       params=(("person", person), ("minutes", str(worked)), ("pause", str(pause)))))
            if nxt is not None:
                stretch, stretch_start, stretch_end = [nxt], nxt.interval.start, nxt.interval.end
    return out


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def check(bookings: Sequence[Booking], concerning: Collection[str] | None = None) -> list[PlanWarning]:
    """Every warning for a set of engagements; with ``concerning``, only those about the engagements of
    these keys, the other bookings counting only as what their people also attend (another trip's, or
    none's: a double booking across trips is reported on the side concerned)."""
    out: list[PlanWarning] = []
    for b in bookings:
        if concerning is None or b.key in concerning:
            out.extend(party_warnings(b))
    out.extend(double_bookings(bookings, concerning))
    out.extend(interpreter_breaks(bookings, concerning=concerning))
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


class Outside(NamedTuple):
    """How far a slot falls outside one party's working hours: the minutes by which its working day
    would have to start earlier or end later (or move from a day off) to hold the whole slot."""

    party: str
    minutes: int


class OnHoliday(NamedTuple):
    """A public holiday that a slot falls on for one party."""

    party: str
    name: str


@dataclass(frozen=True)
class SlotSuggestion:
    """A suggested slot and what is wrong with it, if anything: ``outside`` lists, in the query's order
    of parties, each party the slot falls outside working hours for (never with zero minutes), and
    ``holidays`` each party whose public holiday it falls on (offered only once no free slot clear of
    holidays is left)."""

    interval: Interval
    outside: tuple[Outside, ...] = ()
    holidays: tuple[OnHoliday, ...] = ()

    @property
    def fits(self) -> bool:
        """Every party within working hours on a working day that is not a public holiday for it."""
        return not self.outside and not self.holidays

    @property
    def start(self) -> datetime:
        return self.interval.start

    @property
    def end(self) -> datetime:
        return self.interval.end

    @property
    def minutes_outside(self) -> int:
        return sum(o.minutes for o in self.outside)

    @property
    def worst(self) -> int:
        """The most minutes outside for any single party."""
        return max((o.minutes for o in self.outside), default=0)

    @property
    def rank(self) -> tuple[int, int, int, datetime]:
        """The order of suggestions: fewest parties on a holiday, then fewest minutes outside working
        hours summed over the parties, then the smallest worst single party, then the earliest."""
        return len(self.holidays), self.minutes_outside, self.worst, self.interval.start


def suggest_slots(q: SlotQuery) -> list[SlotSuggestion]:
    """Up to ``limit`` slots of the query's duration, best first (``SlotSuggestion.rank``), never during
    a busy interval and never overlapping each other. Slots where every party fits come first, earliest
    first; when fewer than ``limit`` fit, the least-bad of the others follow. Starts fall on multiples of
    ``step`` from midnight of the first day on the first party's clocks, and slots end by midnight after
    the last day. The list is empty only when there are no parties, or when every such start is busy.

    Fitting slots are found by intersecting each party's working windows and removing busy times, so the
    cost grows with parties x days, not with the number of candidate start times; only when too few fit
    is every candidate start scored (see ``_least_bad``)."""
    if not q.parties:
        return []
    if q.duration <= timedelta(0) or q.step <= timedelta(0):
        raise PlanningError("a slot needs a positive duration and step")
    origin = at_local(q.first_day, time(0, 0), q.parties[0].hours.tz).astimezone(UTC)
    last = at_local(q.first_day + timedelta(days=q.days), time(0, 0), q.parties[0].hours.tz).astimezone(UTC)
    busy = sorted(q.busy)
    free = _working_windows(q.parties[0], origin, last)
    for p in q.parties[1:]:
        free = _intersect(free, _working_windows(p, origin, last))
    free = _subtract(free, busy)
    out: list[SlotSuggestion] = []
    for lo, hi in free:
        t = _aligned(origin, lo, q.step)
        while t + q.duration <= hi and len(out) < q.limit:
            out.append(SlotSuggestion(Interval(t, t + q.duration)))
            t = _aligned(origin, t + max(q.step, q.duration), q.step)
        if len(out) >= q.limit:
            break
    if len(out) < q.limit:
        out.extend(_least_bad(q, origin, last, busy, taken=[s.interval for s in out]))
    return out


def _aligned(origin: datetime, moment: datetime, step: timedelta) -> datetime:
    """The first start at or after ``moment`` on the grid of ``step`` from ``origin``."""
    return origin + -((origin - moment) // step) * step


def _least_bad(q: SlotQuery, origin: datetime, last: datetime, busy: Sequence[Interval],
               taken: list[Interval]) -> list[SlotSuggestion]:
    """The best-ranked slots that do not fit everyone, none busy or overlapping ``taken`` or each other.

    Every aligned start is scored: times are whole microseconds from ``origin``, and each party's score
    is computed for runs of starts at once rather than start by start, which keeps a week of searches
    across twenty capitals within the planning benchmark's goal."""
    step, length = _us(q.step), _us(q.duration)
    n = max(0, (_us(last - origin) - length) // step + 1)
    starts = range(0, n * step, step)
    blocked = bytearray(n)
    for b in busy:  # starts t with t < busy end and t + length > busy start
        _mark(blocked, (_us(b.start - origin) - length) // step + 1, -(-_us(b.end - origin) // step))
    minutes = [_outside_minutes(p, origin, last, starts, length) for p in q.parties]
    on_holiday = [_holiday_starts(p, origin, last, starts, length) for p in q.parties]
    holidays = [sum(h) for h in zip(*on_holiday, strict=True)]
    totals = [sum(m) for m in zip(*minutes, strict=True)]
    worst = [max(m) for m in zip(*minutes, strict=True)]
    ranked = sorted((holidays[i], totals[i], worst[i], i) for i in range(n)
                    if not blocked[i] and (holidays[i] or totals[i]))
    out: list[SlotSuggestion] = []
    for *_, i in ranked:
        if len(taken) >= q.limit:
            break
        slot = Interval(origin + i * q.step, origin + i * q.step + q.duration)
        if _overlaps_any(slot, taken):
            continue
        outside = tuple(Outside(p.key, m[i]) for p, m in zip(q.parties, minutes, strict=True) if m[i])
        named = tuple(OnHoliday(p.key, _holiday_in(p, slot)) for p, h in zip(q.parties, on_holiday, strict=True)
                      if h[i])
        out.append(SlotSuggestion(slot, outside, named))
        taken.append(slot)
    return out


_US = timedelta(microseconds=1)
_MINUTE_US = 60_000_000
_FAR = 1 << 62  # farther than any working day


def _us(delta: timedelta) -> int:
    return delta // _US


def _outside_minutes(p: Party, origin: datetime, last: datetime, starts: range, length: int) -> list[int]:
    """For each start, how far a slot of ``length`` from it falls outside the party's working hours:
    the least stretch of one of its working days (holidays included: those count on their own) that
    would hold it, in minutes rounded up.

    A working day [lo, hi) needs max(lo - t, length - (hi - lo), t + length - hi, 0) for a slot starting
    at t. The nearest day is the last one opening by t or one opening before the slot ends, so each day
    is scored only for the starts from just after the previous day's opening (less the length) to the
    next day's opening."""
    n, step = len(starts), starts.step
    # a week either side, so that a slot on a long weekend still finds the nearest working day
    first_day = local(origin - timedelta(days=7) - timedelta(microseconds=length), p.hours.tz).date()
    days = [(_us(lo - origin), _us(hi - origin))
            for lo, hi in _week_windows(p.hours, first_day, local(last, p.hours.tz).date() + timedelta(days=7))]
    if not days:
        return [-(-length // _MINUTE_US)] * n
    best = [_FAR] * n
    for k, (lo, hi) in enumerate(days):
        after = days[k - 1][0] - length if k else -length - step
        before = days[k + 1][0] if k + 1 < len(days) else n * step
        first, stop = max(0, after // step + 1), min(n, -(-before // step))
        if first >= stop:
            continue
        # the score falls while the slot starts before the day opens (or before hi - length), is flat,
        # then rises once it ends after the day closes (or starts after it opens)
        floor = max(0, length - (hi - lo))
        falls_until = min(stop, max(first, -(-min(lo, hi - length) // step)))
        rises_from = min(stop, max(falls_until, -(-max(lo, hi - length) // step)))
        scores = [lo - t for t in range(first * step, falls_until * step, step)]
        scores += [floor] * (rises_from - falls_until)
        scores += [t + length - hi for t in range(rises_from * step, stop * step, step)]
        best[first:stop] = map(min, best[first:stop], scores)
    return [-(-b // _MINUTE_US) for b in best]  # every start has a day opening by it: none is left _FAR


def _holiday_starts(p: Party, origin: datetime, last: datetime, starts: range, length: int) -> bytearray:
    """For each start, whether a slot of ``length`` from it touches a public holiday of the party."""
    step = starts.step
    marks = bytearray(len(starts))
    day = local(origin, p.hours.tz).date() - timedelta(days=1)
    while (opens := at_local(day, time(0), p.hours.tz)) < last:
        if holiday(p.country, day, p.subdivision):
            lo, hi = _us(opens - origin), _us(at_local(day + timedelta(days=1), time(0), p.hours.tz) - origin)
            _mark(marks, (lo - length) // step + 1, -(-hi // step))
        day += timedelta(days=1)
    return marks


def _mark(flags: bytearray, first: int, stop: int) -> None:
    """Set the flags from ``first`` up to ``stop``, both clipped to the array."""
    first, stop = max(0, first), min(len(flags), stop)
    if first < stop:
        flags[first:stop] = b"\x01" * (stop - first)


def _holiday_in(p: Party, slot: Interval) -> str:
    """The first public holiday of the party on a day the slot touches on its clocks."""
    day, last = local(slot.start, p.hours.tz).date(), local(slot.end - _US, p.hours.tz).date()
    while day <= last:
        name = holiday(p.country, day, p.subdivision)
        if name:
            return name
        day += timedelta(days=1)
    return ""


def _overlaps_any(slot: Interval, intervals: Iterable[Interval]) -> bool:
    return any(slot.overlaps(other) for other in intervals)


@lru_cache(maxsize=4096)
def _week_windows(hours: WorkingHours, first: date, last: date) -> tuple[Window, ...]:
    """Working hours on the working days from ``first`` to ``last`` on their own clocks (holidays
    included), as UTC windows. Cached: the same delegations and days come up in every search of a plan."""
    days = (first + timedelta(days=k) for k in range((last - first).days + 1))
    return tuple((at_local(d, hours.start, hours.tz).astimezone(UTC), at_local(d, hours.end, hours.tz).astimezone(UTC))
                 for d in days if d.isoweekday() in hours.weekdays)


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
