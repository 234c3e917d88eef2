"""Planning writes and checks: each write is a small function in one transaction; checks turn
models into the pure rules of ``summitry.domain.planning``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from asgiref.sync import async_to_sync
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from summitry.accounts.models import Country, Delegation, Person
from summitry.audit.log import record
from summitry.domain.access import EngagementState, Role
from summitry.domain.planning import (
    Booking,
    Interval,
    Party,
    PlanningError,
    PlanWarning,
    Seat,
    SlotQuery,
    SlotSuggestion,
    WorkingHours,
    check,
    local,
    precedence,
    suggest_slots,
)
from summitry.meetings import services as meeting_services
from summitry.meetings.models import Engagement, MediaGrant, Participation

from .exchange import PlanError
from .models import Segment, Stop, Trip


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
    """Warnings for these engagements, with double bookings (and interpreters' breaks) checked against
    everything else their people attend on the same days, in another trip or in none: such a warning is
    reported on the engagement here, naming the other one."""
    if not engagements:
        return []
    first = min(e.starts_at for e in engagements) - timedelta(days=1)
    last = max(e.ends_at for e in engagements) + timedelta(days=1)
    people = {p.person_id for e in engagements for p in e.participations.all()}
    others = list(_engagements().filter(starts_at__lt=last, ends_at__gt=first, participations__person__in=people)
                  .exclude(pk__in=[e.pk for e in engagements]).distinct())
    mine = {e.slug for e in engagements}
    return check([booking(e) for e in [*engagements, *others]], concerning=mine)


def trip_engagements(trip: Trip) -> list[Engagement]:
    return list(_engagements().filter(trip=trip).order_by("starts_at"))


def suggestions(e: Engagement, days: int = 3, limit: int = 5) -> list[SlotSuggestion]:
    """Slots of the same length from the engagement's day on, never when one of its people is busy: those
    where every party works first, then (when too few fit) the least-bad, each saying which parties it
    falls outside working hours for, by how many minutes, or on whose public holiday."""
    return suggestions_for([e], days=days, limit=limit)[e.slug]


def suggestions_for(engagements: Sequence[Engagement], days: int = 3,
                    limit: int = 5) -> dict[str, list[SlotSuggestion]]:
    """Suggestions (as ``suggestions``) for several engagements, reading everyone's other engagements,
    of any trip or none, in one query."""
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
def reschedule(e: Engagement, starts_at: datetime, actor: str = "system") -> Engagement:
    """Move the engagement (and its segments) to a new start; calendars see a new SEQUENCE."""
    if starts_at.tzinfo is None:
        raise PlanError(gettext("the new start needs a time zone"))
    try:
        ends_at = starts_at + (e.ends_at - e.starts_at)
    except OverflowError:
        ends_at = None
    if ends_at is None or not in_calendar(starts_at.date()) or not in_calendar(ends_at.date()):
        raise PlanError(gettext("the new start must fall between the years %(first)s and %(last)s") % {
            "first": CALENDAR_YEARS.start, "last": CALENDAR_YEARS.stop - 1})
    delta = starts_at - e.starts_at
    record("engagement_rescheduled", actor=actor, engagement=e.slug, previous=e.starts_at.isoformat(),
           starts=starts_at.isoformat())
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
def add_stop(trip: Trip, country: Country, title: str = "", arrives_on: date | None = None,
             departs_on: date | None = None) -> Stop:
    if arrives_on and departs_on and departs_on < arrives_on:
        raise PlanError(gettext("The departure comes on or after the arrival."))
    order = (trip.stops.order_by("-order").values_list("order", flat=True).first() or 0) + 1
    return Stop.objects.create(trip=trip, country=country, order=order, title=title or country.capital,
                               arrives_on=arrives_on, departs_on=departs_on)


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
        raise PlanError(gettext("That stop belongs to another trip."))
    invitees = list(invitees)
    seen: set[int] = set()
    for inv in invitees:
        if inv.person.pk in seen:
            raise PlanError(gettext("%(name)s is invited twice.") % {"name": inv.person})
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


# Editing an engagement from its page. Each write is one transaction; whoever loses media because of it
# (taken off the list, given another role, the engagement cancelled) is cut at Janus once it commits.

def _cut_after_commit(e: Engagement, participations: QuerySet[Participation], actor: str) -> None:
    grants = [(g, g.participation.publisher_id) for g in MediaGrant.objects.select_related(
        "participation__person").filter(participation__in=participations, revoked_at__isnull=True)]
    if grants:
        slug = e.slug
        transaction.on_commit(lambda: async_to_sync(meeting_services.cut_removed)(slug, grants, actor))
    # Their live channels too, grant or not: each knew the old role, booth and host rights (booth chat,
    # the lobby's list); the page reconnects and is read anew, or refused.
    ids = list(participations.values_list("pk", flat=True))
    if ids:
        transaction.on_commit(lambda: async_to_sync(meeting_services.close_live_channels)(ids))


@dataclass(frozen=True)
class Details:
    title: str
    kind: str
    host: Delegation
    stop: Stop | None
    starts_at: datetime
    ends_at: datetime
    languages: tuple[str, ...]


@transaction.atomic
def update_engagement(e: Engagement, d: Details, actor: str) -> bool:
    """New details for an engagement; returns whether its time changed (calendars then get a new SEQUENCE).
    A language dropped takes its booth from the interpreters who had it."""
    try:
        Interval(d.starts_at, d.ends_at)
    except PlanningError as exc:
        raise PlanError(str(exc)) from None
    if not (in_calendar(d.starts_at.date()) and in_calendar(d.ends_at.date())):
        raise PlanError(gettext("The engagement must fall between the years %(first)s and %(last)s.") % {
            "first": CALENDAR_YEARS.start, "last": CALENDAR_YEARS.stop - 1})
    if d.stop is not None and d.stop.trip_id != e.trip_id:
        raise PlanError(gettext("That stop belongs to another trip."))
    moved = (d.starts_at, d.ends_at) != (e.starts_at, e.ends_at)
    same_length = (d.ends_at - d.starts_at) == (e.ends_at - e.starts_at)
    if moved and same_length:  # a move carries the segments with it
        delta = d.starts_at - e.starts_at
        for s in e.segments.all():
            s.starts_at, s.ends_at = s.starts_at + delta, s.ends_at + delta
            s.save(update_fields=["starts_at", "ends_at"])
    elif moved:
        outside = e.segments.filter(Q(starts_at__lt=d.starts_at) | Q(ends_at__gt=d.ends_at)).count()
        if outside:
            raise PlanError(ngettext(
                "%(n)s segment would fall outside the new times: change it first.",
                "%(n)s segments would fall outside the new times: change them first.", outside) % {"n": outside})
    dropped = set(e.languages.split(",")) - set(d.languages)
    if dropped:
        losing = e.participations.filter(booth__in=dropped)
        _cut_after_commit(e, losing, actor)
        losing.update(booth="")
    e.title, e.kind, e.host, e.stop = d.title, d.kind, d.host, d.stop
    e.starts_at, e.ends_at, e.languages = d.starts_at, d.ends_at, ",".join(d.languages)
    if moved:
        e.sequence += 1
    e.save()
    record("engagement_edited", actor=actor, engagement=e.slug, moved=moved)
    return moved


def _check_booth(e: Engagement, role: str, booth: str) -> None:
    if booth and role != Role.INTERPRETER:
        raise PlanError(gettext("Only an interpreter has a booth."))
    if booth and booth not in e.languages.split(","):
        raise PlanError(gettext("The booth must be one of the engagement's languages."))


@transaction.atomic
def add_participant(e: Engagement, person: Person, role: str, booth: str = "", precedence: int | None = None,
                    actor: str = "") -> Participation:
    _check_booth(e, role, booth)
    if e.participations.filter(person=person).exists():
        raise PlanError(gettext("%(name)s takes part already.") % {"name": person})
    p = Participation.objects.create(engagement=e, person=person, role=role, booth=booth, precedence=precedence)
    record("participant_added", actor=actor, engagement=e.slug, subject=person.slug, role=role)
    return p


@transaction.atomic
def update_participant(p: Participation, role: str, booth: str, precedence: int | None, actor: str) -> bool:
    """A new role, booth or place in the order. A visit under the old role or booth is cut: the
    participant joins again with the rights of the new one. Returns whether a visit was cut."""
    _check_booth(p.engagement, role, booth)
    rights_changed = (role, booth) != (p.role, p.booth)
    if rights_changed:
        _cut_after_commit(p.engagement, Participation.objects.filter(pk=p.pk), actor)
    p.role, p.booth, p.precedence = role, booth, precedence
    p.save(update_fields=["role", "booth", "precedence"])
    record("participant_changed", actor=actor, engagement=p.engagement.slug, subject=p.person.slug, role=role)
    return rights_changed


@transaction.atomic
def remove_participant(p: Participation, actor: str) -> None:
    """Off the list: a live visit is cut at Janus once this commits."""
    e = p.engagement
    _cut_after_commit(e, Participation.objects.filter(pk=p.pk), actor)
    record("participant_removed", actor=actor, engagement=e.slug, subject=p.person.slug)
    p.delete()


@transaction.atomic
def add_segment(e: Engagement, kind: str, title: str, starts_at: datetime, ends_at: datetime,
                actor: str) -> Segment:
    """A segment inside the engagement that overlaps no other."""
    if ends_at <= starts_at:
        raise PlanError(gettext("A segment ends after it starts."))
    if starts_at < e.starts_at or ends_at > e.ends_at:
        raise PlanError(gettext("A segment lies inside the engagement's times."))
    clash = e.segments.filter(starts_at__lt=ends_at, ends_at__gt=starts_at).first()
    if clash is not None:
        raise PlanError(gettext("It overlaps the segment “%(title)s”.") % {
            "title": clash.title or clash.get_kind_display()})
    s = Segment.objects.create(engagement=e, kind=kind, title=title, starts_at=starts_at, ends_at=ends_at)
    record("segment_added", actor=actor, engagement=e.slug, kind=kind)
    return s


@transaction.atomic
def remove_segment(s: Segment, actor: str) -> None:
    record("segment_removed", actor=actor, engagement=s.engagement.slug, kind=s.kind)
    s.delete()


@transaction.atomic
def cancel_engagement(e: Engagement, actor: str) -> Engagement:
    """Cancelled for everyone: a meeting in progress closes once this commits (media ends, room closed)."""
    if e.state == EngagementState.CANCELLED:
        return e
    cancel(e)
    record("engagement_cancel_planned", actor=actor, engagement=e.slug)
    slug = e.slug
    transaction.on_commit(lambda: async_to_sync(meeting_services.close_meeting)(
        slug, EngagementState.CANCELLED, actor))
    return e


@transaction.atomic
def reinstate(e: Engagement, actor: str) -> Engagement:
    """Undo a cancellation (calendars get the invitation back, with a new SEQUENCE)."""
    if e.state != EngagementState.CANCELLED:
        raise PlanError(gettext("Only a cancelled engagement can be reinstated."))
    if e.ends_at <= timezone.now():
        raise PlanError(gettext("It has already ended: plan a new one instead."))
    e.state = EngagementState.SCHEDULED
    e.sequence += 1
    e.save(update_fields=["state", "sequence"])
    record("engagement_reinstated", actor=actor, engagement=e.slug)
    return e


def may_delete(e: Engagement) -> bool:
    """An engagement may be deleted only while nobody has ever joined it; one that was held is kept
    (cancel it instead): its audit trail and records refer to it."""
    return not MediaGrant.objects.filter(participation__engagement=e).exists()


@transaction.atomic
def delete_engagement(e: Engagement, actor: str) -> None:
    if not may_delete(e):
        raise PlanError(gettext("People have joined it already: cancel it instead, so that its records stay."))
    record("engagement_deleted", actor=actor, engagement=e.slug, title=e.title)
    e.delete()


@transaction.atomic
def update_trip(trip: Trip, title: str, traveller: Person | None, description: str, actor: str) -> Trip:
    trip.title, trip.traveller, trip.description = title, traveller, description
    trip.save(update_fields=["title", "traveller", "description"])
    record("trip_changed", actor=actor, trip=trip.slug)
    return trip


# Stops: added with their dates, reordered, edited and removed.

@transaction.atomic
def update_stop(s: Stop, title: str, arrives_on: date | None, departs_on: date | None, actor: str) -> Stop:
    if arrives_on and departs_on and departs_on < arrives_on:
        raise PlanError(gettext("The departure comes on or after the arrival."))
    s.title, s.arrives_on, s.departs_on = title, arrives_on, departs_on
    s.save(update_fields=["title", "arrives_on", "departs_on"])
    record("stop_changed", actor=actor, trip=s.trip.slug, stop=s.order)
    return s


@transaction.atomic
def move_stop(s: Stop, by: int, actor: str) -> Stop:
    """One place earlier (``by=-1``) or later (``+1``) in the trip; the engagements keep their stop."""
    other = Stop.objects.select_for_update().filter(trip=s.trip, order=s.order + by).first()
    if other is None:
        raise PlanError(gettext("It is already the first stop.") if by < 0 else gettext("It is already the last stop."))
    mine, theirs = s.order, other.order
    s.order = 0  # (trip, order) is unique: free the place first
    s.save(update_fields=["order"])
    other.order = mine
    other.save(update_fields=["order"])
    s.order = theirs
    s.save(update_fields=["order"])
    record("stop_moved", actor=actor, trip=s.trip.slug, stop=theirs, previous=mine)
    return s


@transaction.atomic
def remove_stop(s: Stop, actor: str) -> None:
    """Only a stop with no engagements: an engagement never silently loses its place."""
    n = s.engagements.count()
    if n:
        raise PlanError(ngettext(
            "%(n)s engagement takes place at this stop: move it to another stop first.",
            "%(n)s engagements take place at this stop: move them to another stop first.", n) % {"n": n})
    trip, order = s.trip, s.order
    s.delete()
    for later in trip.stops.filter(order__gt=order).order_by("order"):
        later.order -= 1
        later.save(update_fields=["order"])
    record("stop_removed", actor=actor, trip=trip.slug, stop=order)


# The protocol office's landing page

def upcoming(now: datetime, days: int = 14) -> list[Engagement]:
    """Engagements not cancelled that are in progress or begin in the next ``days`` days."""
    return list(_engagements().filter(ends_at__gt=now, starts_at__lt=now + timedelta(days=days))
                .exclude(state=EngagementState.ENDED).select_related("trip").order_by("starts_at"))


def needing_attention(now: datetime, limit: int = 20) -> list[tuple[Engagement, list[PlanWarning]]]:
    """Engagements still to come that have warnings, soonest first, with their warnings."""
    future = list(_engagements().filter(ends_at__gt=now).exclude(state=EngagementState.ENDED)
                  .select_related("trip").order_by("starts_at")[:200])
    found: dict[str, list[PlanWarning]] = {}
    for w in warnings_for(future):
        found.setdefault(w.engagement, []).append(w)
    return [(e, found[e.slug]) for e in future if e.slug in found][:limit]


def warning_counts(trips: Iterable[Trip]) -> dict[int, int]:
    """How many warnings each trip's engagements have."""
    return {t.pk: len(warnings_for(trip_engagements(t))) for t in trips}
