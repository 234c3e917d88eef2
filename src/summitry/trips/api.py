"""JSON API for planning (django-ninja): trips, stops, engagements, warnings, slots, plans, the week.
Who may read what is decided in ``access``: reading trips, warnings, slots and exports, and every write,
is for the protocol office; the week shows others only their own engagements."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from asgiref.sync import async_to_sync
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.security import django_auth

from summitry.accounts.models import Country, Delegation, Person
from summitry.domain.access import EngagementState, Role
from summitry.domain.planning import local
from summitry.meetings import services as meeting_services
from summitry.meetings.models import Engagement

from . import access, editing, exchange, services
from .models import Trip

router = Router(tags=["planning"], auth=django_auth)
PLAN = access.PLAN


@contextmanager
def _refusals() -> Iterator[None]:
    """An ``access`` refusal as the API's JSON answer (its status and sentence)."""
    try:
        yield
    except access.NoAccess as exc:
        raise HttpError(exc.status, exc.message) from None


def _planner(request: HttpRequest) -> None:
    with _refusals():
        access.check_plans(request.user)


def _reader(request: HttpRequest) -> None:
    with _refusals():
        access.check_reads_plans(request.user)


class StopOut(Schema):
    order: int
    country: str
    capital: str
    timezone: str


class TripOut(Schema):
    slug: str
    title: str
    organizer: str
    traveller: str | None
    stops: list[StopOut]


class TripIn(Schema):
    slug: str
    title: str
    organizer: str
    traveller: str | None = None


class StopIn(Schema):
    country: str


class LocalTime(Schema):
    capital: str
    timezone: str
    starts: datetime
    ends: datetime


class EngagementOut(Schema):
    slug: str
    title: str
    kind: str
    host: str
    state: str
    starts_at: datetime
    ends_at: datetime
    local_times: list[LocalTime]
    participants: list[str]


class ParticipantIn(Schema):
    person: str
    role: Role


class EngagementIn(Schema):
    slug: str
    title: str
    kind: Engagement.Kind
    host: str
    starts_at: datetime
    ends_at: datetime
    stop: int | None = None
    languages: list[str] = ["en"]
    participants: list[ParticipantIn] = []


class WarningOut(Schema):
    code: str
    engagement: str
    subject: str
    message: str
    related: str = Field("", description="The other engagement of a double booking (of any trip, or none)")


class SlotOutside(Schema):
    party: str = Field(description="The delegation")
    capital: str
    minutes: int = Field(gt=0, description="How far its working day would have to stretch to hold the slot")


class SlotHoliday(Schema):
    party: str = Field(description="The delegation")
    capital: str
    name: str = Field(description="The public holiday")


class SlotOut(Schema):
    starts_at: datetime
    ends_at: datetime
    local_times: list[LocalTime]
    fits: bool = Field(description="Every party within working hours, on no public holiday")
    outside: list[SlotOutside] = Field(description="Parties for whom the slot falls outside working hours")
    holidays: list[SlotHoliday] = Field(description="Parties on whose public holiday the slot falls")


class RescheduleIn(Schema):
    starts_at: datetime


class ImportOut(Schema):
    change: int = Field(description="The import's record: GET /trips/imports/{change}/ shows it and offers undo")
    countries: int
    delegations: int
    people: int
    trips: int
    engagements: int


def _trip_out(t: Trip) -> dict[str, Any]:
    return {"slug": t.slug, "title": t.title, "organizer": t.organizer.slug,
            "traveller": t.traveller.slug if t.traveller else None,
            "stops": [{"order": s.order, "country": s.country.code, "capital": s.country.capital,
                       "timezone": s.country.timezone} for s in t.stops.all()]}


def _zones(e: Engagement) -> list[tuple[str, str]]:
    zones = {e.host.country.timezone: e.host.country.capital}
    for p in e.participations.all():
        zones.setdefault(p.person.delegation.country.timezone, p.person.delegation.country.capital)
    return [(cap, tz) for tz, cap in zones.items()]


def _local_times(start: datetime, end: datetime, zones: list[tuple[str, str]]) -> list[dict[str, Any]]:
    return [{"capital": cap, "timezone": tz, "starts": local(start, tz), "ends": local(end, tz)} for cap, tz in zones]


def _engagement_out(e: Engagement) -> dict[str, Any]:
    return {"slug": e.slug, "title": e.title, "kind": e.kind, "host": e.host.slug, "state": e.state,
            "starts_at": e.starts_at, "ends_at": e.ends_at, "local_times": _local_times(e.starts_at, e.ends_at,
                                                                                        _zones(e)),
            "participants": [p.person.slug for p in services.ordered_participants(e)]}


def _trip(slug: str) -> Trip:
    return get_object_or_404(Trip.objects.select_related("organizer", "traveller").prefetch_related(
        "stops__country"), slug=slug)


def _readable_trip(request: HttpRequest, slug: str) -> Trip:
    with _refusals():
        return access.access_trip(request.user, slug, Trip.objects.select_related(
            "organizer", "traveller").prefetch_related("stops__country"))


def _get(model: Any, what: str, **kw: Any) -> Any:
    obj = model.objects.filter(**kw).first()
    if obj is None:
        raise HttpError(400, f"Unknown {what} {next(iter(kw.values()))!r}.")
    return obj


@router.get("/trips", response=list[TripOut], summary="All trips (protocol office)")
def list_trips(request: HttpRequest) -> list[dict[str, Any]]:
    _reader(request)
    return [_trip_out(t) for t in Trip.objects.select_related("organizer", "traveller").prefetch_related(
        "stops__country")]


@router.post("/trips", response={201: TripOut}, summary="Create a trip")
def create_trip(request: HttpRequest, body: TripIn) -> Status:
    _planner(request)
    try:
        trip = services.create_trip(slug=body.slug, title=body.title,
                                    organizer=_get(Delegation, "delegation", slug=body.organizer),
                                    traveller=_get(Person, "person", slug=body.traveller) if body.traveller else None)
    except exchange.PlanError as exc:
        raise HttpError(409, str(exc)) from None
    return Status(201, _trip_out(trip))


@router.get("/trips/{slug}", response=TripOut, summary="One trip (protocol office)")
def get_trip(request: HttpRequest, slug: str) -> dict[str, Any]:
    return _trip_out(_readable_trip(request, slug))


@router.post("/trips/{slug}/stops", response={201: TripOut}, summary="Add a stop")
def add_stop(request: HttpRequest, slug: str, body: StopIn) -> Status:
    _planner(request)
    trip = _trip(slug)
    services.add_stop(trip, _get(Country, "country", code=body.country))
    return Status(201, _trip_out(_trip(slug)))


@router.get("/trips/{slug}/engagements", response=list[EngagementOut],
            summary="A trip's engagements (protocol office)")
def trip_engagements(request: HttpRequest, slug: str) -> list[dict[str, Any]]:
    return [_engagement_out(e) for e in services.trip_engagements(_readable_trip(request, slug))]


@router.post("/trips/{slug}/engagements", response={201: EngagementOut}, summary="Add an engagement")
def add_engagement(request: HttpRequest, slug: str, body: EngagementIn) -> Status:
    _planner(request)
    trip = _trip(slug)
    stop = None
    if body.stop is not None:
        stop = trip.stops.filter(order=body.stop).first()
        if stop is None:
            raise HttpError(400, f"Trip {slug!r} has no stop {body.stop}.")
    invitees = [services.Invitee(_get(Person, "person", slug=p.person), p.role) for p in body.participants]
    try:
        e = services.create_engagement(trip=trip, stop=stop, slug=body.slug, title=body.title, kind=body.kind,
                                       host=_get(Delegation, "delegation", slug=body.host),
                                       starts_at=body.starts_at, ends_at=body.ends_at, invitees=invitees,
                                       languages=body.languages)
    except exchange.PlanError as exc:
        raise HttpError(400, str(exc)) from None
    return Status(201, _engagement_out(e))


@router.get("/trips/{slug}/warnings", response=list[WarningOut],
            summary="Conflicts and warnings of a trip (protocol office)")
def trip_warnings(request: HttpRequest, slug: str) -> list[dict[str, Any]]:
    return [w.__dict__ for w in services.warnings_for(services.trip_engagements(_readable_trip(request, slug)))]


@router.get("/trips/{slug}/export", summary="The trip as a plan file (summitry.plan/1; protocol office)")
def export_trip(request: HttpRequest, slug: str) -> dict[str, Any]:
    return exchange.export_trip(_readable_trip(request, slug))


@router.post("/plans/import", response={200: ImportOut}, summary="Import a plan file; all or nothing",
             openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                 "schema": {"type": "object", "description": "A plan: see docs/plan-format.md"}}}}})
def import_plan(request: HttpRequest) -> dict[str, int]:
    _planner(request)
    try:
        data = json.loads(request.body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):  # nested past any plan
        raise HttpError(400, "The body is not JSON.") from None
    try:
        change, counts = editing.confirm_import(request, data)  # audited, undoable, people told
    except exchange.PlanError as exc:
        raise HttpError(400, f"Nothing was imported: {exc}") from None
    return {"change": change.pk, **counts}


def _engagement(slug: str) -> Engagement:
    return get_object_or_404(Engagement.objects.select_related("host__country").prefetch_related(
        "participations__person__delegation__country"), slug=slug)


@router.get("/engagements/{slug}/slots", response=list[SlotOut],
            summary="Suggested slots: those when every party works first, then the least-bad (protocol office)",
            description="Never when one of the engagement's people is busy. When no slot fits every party, "
                        "the least-bad come first: fewest public holidays, then fewest minutes outside "
                        "working hours summed over the parties, then the smallest for the worst-off party, "
                        "then the earliest.")
def slots(request: HttpRequest, slug: str, days: int = 3) -> list[dict[str, Any]]:
    _reader(request)
    e = _engagement(slug)
    zones = _zones(e)
    capitals = {e.host.slug: e.host.country.capital} | {
        p.person.delegation.slug: p.person.delegation.country.capital for p in e.participations.all()}
    return [{"starts_at": s.start, "ends_at": s.end, "local_times": _local_times(s.start, s.end, zones),
             "fits": s.fits,
             "outside": [{"party": o.party, "capital": capitals.get(o.party, ""), "minutes": o.minutes}
                         for o in s.outside],
             "holidays": [{"party": h.party, "capital": capitals.get(h.party, ""), "name": h.name}
                          for h in s.holidays]}
            for s in services.suggestions(e, days=max(1, min(days, 14)))]


@router.post("/engagements/{slug}/reschedule", response=EngagementOut, summary="Move an engagement")
def reschedule(request: HttpRequest, slug: str, body: RescheduleIn) -> dict[str, Any]:
    _planner(request)
    e = _engagement(slug)
    try:
        services.reschedule(e, body.starts_at, actor=request.user.get_username())
    except exchange.PlanError as exc:
        raise HttpError(400, str(exc)) from None
    return _engagement_out(_engagement(slug))


@router.post("/engagements/{slug}/cancel", response=EngagementOut, summary="Cancel an engagement")
def cancel(request: HttpRequest, slug: str) -> dict[str, Any]:
    _planner(request)
    e = services.cancel(_engagement(slug))
    # A live meeting is over too: everyone's media ends and the room closes.
    async_to_sync(meeting_services.close_meeting)(e.slug, EngagementState.CANCELLED, request.user.get_username())
    return _engagement_out(_engagement(slug))


@router.get("/calendar/week", response=list[EngagementOut],
            summary="Every ministry's engagements in a week (the protocol office); anyone else's own")
def week(request: HttpRequest, start: date, ministry: str = "", country: str = "") -> list[dict[str, Any]]:
    if not services.in_calendar(start):
        raise HttpError(400, f"start: choose a week between the years {services.CALENDAR_YEARS.start} and "
                             f"{services.CALENDAR_YEARS.stop - 1}.")
    among = access.visible_engagements(request.user, Engagement.objects.all())
    return [_engagement_out(e) for e in services.week(start, ministry=ministry, country=country, among=among)]
