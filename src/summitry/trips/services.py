"""Planning writes and checks: each write is a small function in one transaction; checks turn
models into the pure rules of ``summitry.domain.planning``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from summitry.accounts.models import Country, Delegation, Person
from summitry.domain.access import EngagementState, Role
from summitry.domain.planning import (
    Booking,
    Interval,
    Party,
    PlanningError,
    PlanWarning,
    Seat,
    SlotQuery,
    WorkingHours,
    check,
    local,
    precedence,
    suggest_slots,
)
from summitry.meetings.models import Engagement, Participation

from .exchange import PlanError
from .models import Stop, Trip


def party(d: Delegation) -> Party:
    hours = WorkingHours(d.country.timezone, d.work_start, d.work_end, frozenset(int(x) for x in d.work_days))
    return Party(d.slug, f"{d.country.capital} ({d.name})", d.country.code, hours,
                 d.country.holiday_subdivision or None)


def _engagements() -> QuerySet[Engagement]:
    return Engagement.objects.exclude(state=EngagementState.CANCELLED).select_related(
        "host__country").prefetch_related("participations__person__delegation__country")


def booking(e: Engagement) -> Booking:
    parts = list(e.participations.all())
    delegations = {e.host_id: e.host} | {p.person.delegation_id: p.person.delegation for p in parts}
    return Booking(key=e.slug, title=e.title, interval=Interval(e.starts_at, e.ends_at),
                   parties=tuple(party(d) for d in delegations.values()),
                   people=tuple(str(p.person) for p in parts),
                   interpreters=tuple(str(p.person) for p in parts if p.role == Role.INTERPRETER))


def warnings_for(engagements: Sequence[Engagement]) -> list[PlanWarning]:
    """Warnings for these engagements, with double bookings checked against everything else their
    people attend on the same days."""
    if not engagements:
        return []
    first = min(e.starts_at for e in engagements) - timedelta(days=1)
    last = max(e.ends_at for e in engagements) + timedelta(days=1)
    people = {p.person_id for e in engagements for p in e.participations.all()}
    others = list(_engagements().filter(starts_at__lt=last, ends_at__gt=first, participations__person__in=people)
                  .exclude(pk__in=[e.pk for e in engagements]).distinct())
    mine = {e.slug for e in engagements}
    return [w for w in check([booking(e) for e in [*engagements, *others]]) if w.engagement in mine]


def trip_engagements(trip: Trip) -> list[Engagement]:
    return list(_engagements().filter(trip=trip).order_by("starts_at"))


def suggestions(e: Engagement, days: int = 3, limit: int = 5) -> list[Interval]:
    """Slots of the same length from the engagement's day on, when every party works and nobody is busy."""
    return suggestions_for([e], days=days, limit=limit)[e.slug]


def suggestions_for(engagements: Sequence[Engagement], days: int = 3, limit: int = 5) -> dict[str, list[Interval]]:
    """Suggestions for several engagements, reading everyone's other engagements in one query."""
    if not engagements:
        return {}
    first = min(e.starts_at for e in engagements) - timedelta(days=1)
    last = max(e.starts_at for e in engagements) + timedelta(days=days + 1)
    people = {p.person_id for e in engagements for p in e.participations.all()}
    busy_by_person: dict[int, list[tuple[int, Interval]]] = {}
    for person_id, pk, start, end in (Participation.objects.filter(
            person__in=people, engagement__starts_at__lt=last, engagement__ends_at__gt=first)
            .exclude(engagement__state=EngagementState.CANCELLED)
            .values_list("person_id", "engagement_id", "engagement__starts_at", "engagement__ends_at")):
        busy_by_person.setdefault(person_id, []).append((pk, Interval(start, end)))
    out = {}
    for e in engagements:
        b = booking(e)
        busy = {iv for p in e.participations.all() for pk, iv in busy_by_person.get(p.person_id, []) if pk != e.pk}
        first_day = local(e.starts_at, e.host.country.timezone).date()
        out[e.slug] = suggest_slots(SlotQuery(b.interval.duration, b.parties, first_day, days=days,
                                              busy=tuple(busy), limit=limit))
    return out


@transaction.atomic
def reschedule(e: Engagement, starts_at: datetime) -> Engagement:
    """Move the engagement (and its segments) to a new start; calendars see a new SEQUENCE."""
    if starts_at.tzinfo is None:
        raise PlanError("the new start needs a time zone")
    try:
        ends_at = starts_at + (e.ends_at - e.starts_at)
    except OverflowError:
        ends_at = None
    if ends_at is None or not in_calendar(starts_at.date()) or not in_calendar(ends_at.date()):
        raise PlanError(f"the new start must fall between the years {CALENDAR_YEARS.start} and "
                        f"{CALENDAR_YEARS.stop - 1}")
    delta = starts_at - e.starts_at
    e.starts_at, e.ends_at = e.starts_at + delta, e.ends_at + delta
    e.sequence += 1
    e.save(update_fields=["starts_at", "ends_at", "sequence"])
    for s in e.segments.all():
        s.starts_at, s.ends_at = s.starts_at + delta, s.ends_at + delta
        s.save(update_fields=["starts_at", "ends_at"])
    return e


@transaction.atomic
def cancel(e: Engagement) -> Engagement:
    e.state = EngagementState.CANCELLED
    e.sequence += 1
    e.save(update_fields=["state", "sequence"])
    return e


def create_trip(*, slug: str, title: str, organizer: Delegation, traveller: Person | None = None,
                description: str = "") -> Trip:
    try:
        with transaction.atomic():
            return Trip.objects.create(slug=slug, title=title, organizer=organizer, traveller=traveller,
                                       description=description)
    except IntegrityError:
        raise PlanError(f"a trip called {slug!r} exists already") from None


@transaction.atomic
def add_stop(trip: Trip, country: Country, title: str = "") -> Stop:
    order = (trip.stops.order_by("-order").values_list("order", flat=True).first() or 0) + 1
    return Stop.objects.create(trip=trip, country=country, order=order, title=title or country.capital)


@dataclass(frozen=True)
class Invitee:
    person: Person
    role: Role


def create_engagement(*, trip: Trip | None, stop: Stop | None, slug: str, title: str, kind: str,
                      host: Delegation, starts_at: datetime, ends_at: datetime, invitees: Iterable[Invitee],
                      languages: Sequence[str] = ("en",)) -> Engagement:
    """A new engagement with its participants, all or nothing."""
    try:
        Interval(starts_at, ends_at)
    except PlanningError as exc:
        raise PlanError(str(exc)) from None
    if stop is not None and stop.trip_id != getattr(trip, "pk", None):
        raise PlanError("that stop belongs to another trip")
    invitees = list(invitees)
    seen: set[int] = set()
    for inv in invitees:
        if inv.person.pk in seen:
            raise PlanError(f"{inv.person} is invited twice")
        seen.add(inv.person.pk)
    try:
        with transaction.atomic():
            e = Engagement.objects.create(slug=slug, title=title, kind=kind, host=host, starts_at=starts_at,
                                          ends_at=ends_at, trip=trip, stop=stop, languages=",".join(languages))
            Participation.objects.bulk_create(Participation(engagement=e, person=i.person, role=i.role)
                                              for i in invitees)
    except IntegrityError:
        raise PlanError(f"an engagement called {slug!r} exists already") from None
    return e


def ordered_participants(e: Engagement) -> list[Participation]:
    """Participants in the engagement's speaking and gallery order."""
    parts = {p.pk: p for p in e.participations.select_related("person__delegation__country")}
    seats = [Seat(str(pk), p.person.delegation_id == e.host_id, p.person.rank, p.person.delegation.country.name,
                  p.person.family_name, p.precedence) for pk, p in parts.items()]
    return [parts[int(s.key)] for s in precedence(seats)]


def week(start: date, *, ministry: str = "", country: str = "",
         among: QuerySet[Engagement] | None = None) -> list[Engagement]:
    """Every ministry's engagements (or those of ``among``: what the reader may see) in the seven days
    from ``start`` (UTC days), filterable."""
    first = datetime(start.year, start.month, start.day, tzinfo=UTC)
    base = among if among is not None else Engagement.objects.all()
    qs = base.filter(starts_at__gte=first, starts_at__lt=first + timedelta(days=7)).select_related(
        "host__country", "trip").prefetch_related("participations__person__delegation__country")
    if ministry:
        qs = qs.filter(Q(host__ministry=ministry) | Q(participations__person__delegation__ministry=ministry))
    if country:
        qs = qs.filter(Q(host__country__code=country) | Q(participations__person__delegation__country__code=country))
    return list(qs.distinct().order_by("starts_at"))


CALENDAR_YEARS = range(1900, 9001)  # weeks shown and searched: far from the limits of Python's dates


def in_calendar(day: date) -> bool:
    return day.year in CALENDAR_YEARS
