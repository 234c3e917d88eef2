"""Import and export of plans as JSON (schema ``summitry.plan/1``, documented in docs/plan-format.md).

A plan holds countries, delegations, people, trips with their stops, and engagements with their
participants and segments. Importing is all or nothing; records are matched by their slugs (codes for
countries), so importing the same file twice changes nothing. A file may refer to delegations and
people that are already in the database.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from asgiref.sync import async_to_sync
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import ProtectedError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from summitry.accounts.invitations import GUEST_PREFIX
from summitry.accounts.models import Country, Delegation, Person
from summitry.domain.access import Role
from summitry.domain.planning import PlanningError, zone
from summitry.meetings import services as meeting_services
from summitry.meetings.models import Engagement, MediaGrant, Participation

from .models import Segment, Stop, Trip

SCHEMA = "summitry.plan/1"
SLUG = r"^[-a-z0-9_]+$"


class PlanError(ValueError):
    """The plan is malformed or inconsistent; nothing was saved. The message names the problem."""


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*")
    @classmethod
    def _no_nul(cls, v: Any) -> Any:
        if isinstance(v, str) and "\x00" in v:
            raise ValueError("a NUL character is not text")
        return v


def _check_zone(value: str) -> str:
    try:
        zone(value)
    except PlanningError as exc:
        raise ValueError(str(exc)) from exc
    return value


class CountryIn(_In):
    code: str = Field(pattern=r"^[A-Z]{2}$")
    name: str = Field(min_length=1, max_length=100)
    capital: str = Field(min_length=1, max_length=100)
    timezone: str
    holiday_subdivision: str = Field(default="", max_length=8)
    _zone = field_validator("timezone")(_check_zone)


class WorkingHoursIn(_In):
    start: time = time(9, 0)
    end: time = time(18, 0)
    days: list[int] = Field(default=[1, 2, 3, 4, 5], min_length=1)

    @field_validator("days")
    @classmethod
    def _iso_days(cls, v: list[int]) -> list[int]:
        if any(d < 1 or d > 7 for d in v):
            raise ValueError("working days are ISO weekdays, 1 (Monday) to 7 (Sunday)")
        return sorted(set(v))


class DelegationIn(_In):
    slug: str = Field(pattern=SLUG)
    name: str = Field(min_length=1, max_length=150)
    country: str
    ministry: str = Field(default="", max_length=150)
    working_hours: WorkingHoursIn = WorkingHoursIn()


class PersonIn(_In):
    slug: str = Field(pattern=SLUG)
    username: str | None = Field(default=None, min_length=1, max_length=150, pattern=r"^[\w.@+-]+$")
    delegation: str
    given_name: str = Field(min_length=1, max_length=100)
    family_name: str = Field(min_length=1, max_length=100)
    honorific: str = Field(default="", max_length=60)
    title: str = Field(default="", max_length=200)
    rank: int = Field(default=100, ge=0, le=1000)
    language: Literal["en", "fr", "es"] = "en"
    timezone: str = ""
    email: str | None = Field(default=None, max_length=254,
                              description="where invitations go; absent keeps the address Summitry has")

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        return _check_zone(v) if v else v

    @field_validator("email")
    @classmethod
    def _email(cls, v: str | None) -> str | None:
        if v:
            try:
                validate_email(v)
            except DjangoValidationError:
                raise ValueError("not an email address") from None
        return v


class StopIn(_In):
    country: str
    title: str = Field(default="", max_length=200)
    arrives: date | None = Field(default=None, description="first day at this stop (the capital's date)")
    departs: date | None = Field(default=None, description="last day at this stop")

    @model_validator(mode="after")
    def _in_order(self) -> StopIn:
        if self.arrives and self.departs and self.departs < self.arrives:
            raise ValueError("a stop's departure comes on or after its arrival")
        return self


class TripIn(_In):
    slug: str = Field(pattern=SLUG)
    title: str = Field(min_length=1, max_length=200)
    organizer: str
    traveller: str | None = None
    description: str = Field(default="", max_length=4000)
    stops: list[StopIn] = []


class ParticipantIn(_In):
    person: str
    role: Role
    precedence: int | None = Field(default=None, ge=1)
    booth: Literal["", "en", "fr", "es"] = Field(
        default="", description="Interpreters only: the language of the channel they interpret into")


class SegmentIn(_In):
    kind: Segment.Kind
    title: str = Field(default="", max_length=200)
    starts: datetime
    ends: datetime


class EngagementIn(_In):
    slug: str = Field(pattern=SLUG)
    title: str = Field(min_length=1, max_length=200)
    kind: Engagement.Kind
    host: str
    timezone: str
    starts: datetime
    ends: datetime
    trip: str | None = None
    stop: int | None = Field(default=None, ge=1, description="position of the stop in its trip, from 1")
    languages: list[Literal["en", "fr", "es"]] = ["en"]
    participants: list[ParticipantIn] = []
    segments: list[SegmentIn] = []
    _zone = field_validator("timezone")(_check_zone)


class PlanIn(_In):
    schema_: Literal["summitry.plan/1"] = Field(alias="schema")
    title: str = ""
    notes: str = ""
    demo_password: str | None = None
    countries: list[CountryIn] = []
    delegations: list[DelegationIn] = []
    people: list[PersonIn] = []
    trips: list[TripIn] = []
    engagements: list[EngagementIn] = []
    protocol_officers: list[str] = Field(default=[], description="people (slugs) who may plan trips")


PROTOCOL_GROUP = "Protocol office"


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err["loc"])
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


def parse(data: Any) -> PlanIn:
    try:
        return PlanIn.model_validate(data)
    except ValidationError as exc:
        raise PlanError(_describe(exc)) from None


YEARS = range(1900, 9001)  # as the pages: far from the limits of Python's dates


def _local(value: datetime, tz: str, where: str = "") -> datetime:
    """Times in a plan are wall-clock times in the engagement's zone unless they carry an offset. A wall
    time those clocks skip or show twice is refused: a plan never guesses which instant was meant."""
    if value.year not in YEARS:
        raise PlanError(f"{where}: {value.isoformat()} is not between the years {YEARS.start} and {YEARS.stop - 1}")
    if value.tzinfo is None:
        z = zone(tz)
        first, second = value.replace(tzinfo=z, fold=0), value.replace(tzinfo=z, fold=1)
        if first.astimezone(UTC).astimezone(z).replace(tzinfo=None) != value:
            raise PlanError(f"{where}: {value.isoformat()} does not exist in {tz} (the clocks go forward then)")
        if first.utcoffset() != second.utcoffset():
            raise PlanError(f"{where}: {value.isoformat()} happens twice in {tz} (the clocks go back then): "
                            "give it with its UTC offset")
        value = first
    try:
        utc = value.astimezone(UTC) if value.year in YEARS else None
    except OverflowError:  # the last hours of 9999 on a clock behind UTC
        utc = None
    if utc is None or utc.year not in YEARS:
        raise PlanError(f"{where}: {value.isoformat()} is not between the years {YEARS.start} and {YEARS.stop - 1}")
    return utc


class _Index:
    """Slugs known so far: those in the file, then those already in the database."""

    def __init__(self, model: Any, key: str = "slug") -> None:
        self.model, self.key, self.known = model, key, {}

    def __setitem__(self, k: str, v: Any) -> None:
        self.known[k] = v

    def get(self, k: str, what: str, where: str) -> Any:
        if k not in self.known:
            obj = self.model.objects.filter(**{self.key: k}).first()
            if obj is None:
                raise PlanError(f"{where}: unknown {what} {k!r}")
            self.known[k] = obj
        return self.known[k]


def load(data: Any, *, trusted: bool = False) -> dict[str, int]:
    """Create or update everything the plan describes, or nothing at all.

    A plan from the pages or the API (``trusted=False``) may not set passwords (``demo_password``) nor
    make protocol officers, and links a sign-in name only to a person it creates or who has it already:
    it never moves an account between people, links an existing account, or takes a guest's name.
    Only the demo scenario, loaded from the command line, is trusted with those."""
    plan = parse(data)
    if not trusted:
        _check_untrusted(plan)
    with transaction.atomic():
        countries, delegations, people, trips = (_Index(Country, "code"), _Index(Delegation), _Index(Person),
                                                 _Index(Trip))
        for c in plan.countries:
            countries[c.code] = Country.objects.update_or_create(code=c.code, defaults={
                "name": c.name, "capital": c.capital, "timezone": c.timezone,
                "holiday_subdivision": c.holiday_subdivision})[0]
        for i, d in enumerate(plan.delegations):
            wh = d.working_hours
            delegations[d.slug] = Delegation.objects.update_or_create(slug=d.slug, defaults={
                "name": d.name, "country": countries.get(d.country, "country", f"delegations.{i}"),
                "ministry": d.ministry, "work_start": wh.start, "work_end": wh.end,
                "work_days": "".join(str(x) for x in wh.days)})[0]
        for i, p in enumerate(plan.people):
            user = _account(p, f"people.{i} ({p.slug})", plan.demo_password if trusted else None, trusted)
            linked: dict[str, Any] = {"user": user} if user is not None else {}  # never unlink by omission
            if p.email is not None:  # nor forget an address it does not mention
                linked["email"] = p.email
            people[p.slug] = Person.objects.update_or_create(slug=p.slug, defaults={
                **linked, "delegation": delegations.get(p.delegation, "delegation", f"people.{i}"),
                "given_name": p.given_name, "family_name": p.family_name, "honorific": p.honorific,
                "title": p.title, "rank": p.rank, "language": p.language, "timezone": p.timezone})[0]
        if plan.protocol_officers:
            group, _ = Group.objects.get_or_create(name=PROTOCOL_GROUP)
            group.permissions.add(Permission.objects.get(codename="plan_trips", content_type__app_label="trips"))
            for slug in plan.protocol_officers:
                officer = people.get(slug, "person", "protocol_officers")
                if officer.user is None:
                    raise PlanError(f"protocol_officers: {slug!r} has no user account")
                officer.user.groups.add(group)
        for i, t in enumerate(plan.trips):
            where = f"trips.{i}"
            trip = Trip.objects.update_or_create(slug=t.slug, defaults={
                "title": t.title, "organizer": delegations.get(t.organizer, "delegation", where),
                "traveller": people.get(t.traveller, "person", where) if t.traveller else None,
                "description": t.description})[0]
            trip.stops.exclude(order__lte=len(t.stops)).delete()
            for n, s in enumerate(t.stops, start=1):
                Stop.objects.update_or_create(trip=trip, order=n, defaults={
                    "country": countries.get(s.country, "country", f"{where}.stops.{n - 1}"), "title": s.title,
                    "arrives_on": s.arrives, "departs_on": s.departs})
            trips[t.slug] = trip
        for i, e in enumerate(plan.engagements):
            _load_engagement(e, f"engagements.{i} ({e.slug})", delegations, people, trips)
    return {"countries": len(plan.countries), "delegations": len(plan.delegations), "people": len(plan.people),
            "trips": len(plan.trips), "engagements": len(plan.engagements)}


def _check_untrusted(plan: PlanIn) -> None:
    if plan.demo_password is not None:
        raise PlanError("demo_password: passwords are set only by the demo scenario, from the command line")
    if plan.protocol_officers:
        raise PlanError("protocol_officers: protocol officers are named from the command line "
                        "(summitry protocol_officer NAME)")


def _account(p: PersonIn, where: str, password: str | None, trusted: bool) -> Any:
    """The account the plan names for this person, or None when it names none."""
    if not p.username:
        return None
    user_model = get_user_model()
    person = Person.objects.filter(slug=p.slug).select_related("user").first()
    user = user_model.objects.filter(username=p.username).first()
    if person is not None and person.user is not None and person.user != user:
        raise PlanError(f"{where}: signs in as {person.user.get_username()!r} already; a plan cannot change "
                        "that (the directory can)")
    if user is not None and Person.objects.filter(user=user).exclude(slug=p.slug).exists():
        raise PlanError(f"{where}: the account {p.username!r} belongs to another person")
    if p.username.startswith(GUEST_PREFIX):
        raise PlanError(f"{where}: names starting with {GUEST_PREFIX!r} are for guests' accounts")
    if user is None:
        user = user_model.objects.create_user(username=p.username, first_name=p.given_name,
                                              last_name=p.family_name, password=password)
        if password is None:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        return user
    if person is not None and person.user == user:
        return user
    if not trusted:
        raise PlanError(f"{where}: the account {p.username!r} exists already: link it in the directory")
    return user


def _load_engagement(e: EngagementIn, where: str, delegations: _Index, people: _Index, trips: _Index) -> None:
    starts, ends = _local(e.starts, e.timezone, where), _local(e.ends, e.timezone, where)
    if ends <= starts:
        raise PlanError(f"{where}: ends before it starts")
    trip = trips.get(e.trip, "trip", where) if e.trip else None
    stop = None
    if e.stop is not None:
        if trip is None:
            raise PlanError(f"{where}: a stop needs a trip")
        stop = trip.stops.filter(order=e.stop).first()
        if stop is None:
            raise PlanError(f"{where}: trip {trip.slug!r} has no stop {e.stop}")
    existing = Engagement.objects.filter(slug=e.slug).first()
    sequence = existing.sequence if existing else 0
    if existing and (existing.starts_at, existing.ends_at) != (starts, ends):
        sequence += 1
    engagement = Engagement.objects.update_or_create(slug=e.slug, defaults={
        "title": e.title, "kind": e.kind, "starts_at": starts, "ends_at": ends,
        "host": delegations.get(e.host, "delegation", where), "trip": trip, "stop": stop,
        "languages": ",".join(e.languages), "sequence": sequence})[0]
    seen: set[str] = set()
    for p in e.participants:
        if p.person in seen:
            raise PlanError(f"{where}: {p.person!r} is invited twice")
        seen.add(p.person)
        if p.booth and (p.role != Role.INTERPRETER or p.booth not in e.languages):
            raise PlanError(f"{where}: {p.person!r} has booth {p.booth!r}, but only an interpreter has a booth, "
                            f"and it must be one of the engagement's languages {e.languages}")
        Participation.objects.update_or_create(
            engagement=engagement, person=people.get(p.person, "person", where),
            defaults={"role": p.role, "precedence": p.precedence, "booth": p.booth})
    removed = engagement.participations.exclude(person__slug__in=seen)
    # Whoever the plan takes off the list is off it: a live visit is cut at Janus once this commits.
    cut = [(g, g.participation.publisher_id) for g in MediaGrant.objects.select_related("participation__person")
           .filter(participation__in=removed, revoked_at__isnull=True)]
    removed.delete()
    if cut:
        slug = engagement.slug
        transaction.on_commit(lambda: async_to_sync(meeting_services.cut_removed)(slug, cut, "plan import"))
    spans = sorted(((_local(s.starts, e.timezone, where), _local(s.ends, e.timezone, where), s)
                    for s in e.segments), key=lambda span: (span[0], span[1]))
    for n, (s_start, s_end, _) in enumerate(spans):
        if s_end <= s_start:
            raise PlanError(f"{where}: segment {n + 1} ends before it starts")
        if s_start < starts or s_end > ends:
            raise PlanError(f"{where}: segment {n + 1} lies outside the engagement")
        if n and s_start < spans[n - 1][1]:
            raise PlanError(f"{where}: segments {n} and {n + 1} overlap")
    engagement.segments.all().delete()
    Segment.objects.bulk_create(Segment(engagement=engagement, kind=s.kind, title=s.title, starts_at=a, ends_at=b)
                                for a, b, s in spans)


def export_trip(trip: Trip) -> dict[str, Any]:
    """The trip as a self-contained plan: its engagements and everyone and everything they refer to."""
    return export_plan([trip], list(trip.engagements.all()), title=trip.title)


def export_plan(trips: Iterable[Trip], engagements: Iterable[Engagement], *, people: Iterable[Person] = (),
                delegations: Iterable[Delegation] = (), countries: Iterable[Country] = (),
                title: str = "") -> dict[str, Any]:
    """These trips and engagements as a self-contained plan, with everyone and everything they refer to
    (and the other records given)."""
    trips = sorted(set(trips), key=lambda t: t.slug)
    chosen = list(Engagement.objects.filter(pk__in=[e.pk for e in engagements]).select_related(
        "host__country", "stop", "trip").prefetch_related(
        "participations__person__delegation__country", "segments").order_by("starts_at", "slug"))
    people = {p.person for e in chosen for p in e.participations.all()} | set(people)
    people |= {t.traveller for t in trips if t.traveller}
    delegations = {p.delegation for p in people} | {e.host for e in chosen} | {t.organizer for t in trips} | set(
        delegations)
    countries = {d.country for d in delegations} | {s.country for t in trips for s in t.stops.all()} | set(countries)

    def wall(dt: datetime, tz: str) -> str:
        return dt.astimezone(zone(tz)).replace(tzinfo=None).isoformat(timespec="minutes")

    return {
        "schema": SCHEMA,
        "title": title,
        "countries": [{"code": c.code, "name": c.name, "capital": c.capital, "timezone": c.timezone,
                       "holiday_subdivision": c.holiday_subdivision} for c in sorted(countries, key=lambda c: c.code)],
        "delegations": [{"slug": d.slug, "name": d.name, "country": d.country.code, "ministry": d.ministry,
                         "working_hours": {"start": d.work_start.strftime("%H:%M"), "end": d.work_end.strftime("%H:%M"),
                                           "days": [int(x) for x in d.work_days]}}
                        for d in sorted(delegations, key=lambda d: d.slug)],
        "people": [{"slug": p.slug, "delegation": p.delegation.slug, "given_name": p.given_name,
                    "family_name": p.family_name, "honorific": p.honorific, "title": p.title, "rank": p.rank,
                    "language": p.language, "timezone": p.timezone, **({"email": p.email} if p.email else {})}
                   for p in sorted(people, key=lambda p: p.slug)],
        "trips": [{"slug": trip.slug, "title": trip.title, "organizer": trip.organizer.slug,
                   "traveller": trip.traveller.slug if trip.traveller else None, "description": trip.description,
                   "stops": [{"country": s.country.code, "title": s.title,
                              **({"arrives": s.arrives_on.isoformat()} if s.arrives_on else {}),
                              **({"departs": s.departs_on.isoformat()} if s.departs_on else {})}
                             for s in trip.stops.all()]} for trip in trips],
        "engagements": [{
            "slug": e.slug, "title": e.title, "kind": e.kind, "host": e.host.slug,
            "timezone": e.host.country.timezone, "starts": wall(e.starts_at, e.host.country.timezone),
            "ends": wall(e.ends_at, e.host.country.timezone), "trip": e.trip.slug if e.trip else None,
            "stop": e.stop.order if e.stop else None, "languages": e.languages.split(","),
            "participants": [{"person": p.person.slug, "role": p.role, "precedence": p.precedence,
                              **({"booth": p.booth} if p.booth else {})}
                             for p in sorted(e.participations.all(), key=lambda p: p.person.slug)],
            "segments": [{"kind": s.kind, "title": s.title, "starts": wall(s.starts_at, e.host.country.timezone),
                          "ends": wall(s.ends_at, e.host.country.timezone)} for s in e.segments.all()],
        } for e in chosen],
    }


# Confirming and undoing an import

@dataclass
class EngagementChange:
    slug: str
    title: str
    created: bool
    moved: bool
    added: list[str]
    removed: list[str]


@dataclass
class Preview:
    """What an import would do: per kind of record, the slugs it creates and those it changes."""

    created: dict[str, list[str]]
    updated: dict[str, list[str]]
    engagements: list[EngagementChange]

    def as_json(self) -> dict[str, Any]:
        return {"created": self.created, "updated": self.updated,
                "engagements": [vars(c) for c in self.engagements]}


_KINDS: dict[str, tuple[Any, str]] = {"countries": (Country, "code"), "delegations": (Delegation, "slug"),
                                      "people": (Person, "slug"), "trips": (Trip, "slug"),
                                      "engagements": (Engagement, "slug")}


def _keys(plan: PlanIn, kind: str) -> list[str]:
    key = _KINDS[kind][1]
    return [getattr(r, key) for r in getattr(plan, kind)]


def preview(data: Any) -> Preview:
    """What importing ``data`` would change, read without writing (the plan is validated first)."""
    plan = parse(data)
    _check_untrusted(plan)
    created: dict[str, list[str]] = {}
    updated: dict[str, list[str]] = {}
    for kind, (model, key) in _KINDS.items():
        keys = _keys(plan, kind)
        known = set(model.objects.filter(**{f"{key}__in": keys}).values_list(key, flat=True))
        created[kind] = [k for k in keys if k not in known]
        updated[kind] = [k for k in keys if k in known]
    changes = []
    for e in plan.engagements:
        existing = Engagement.objects.filter(slug=e.slug).first()
        wanted = [p.person for p in e.participants]
        had = list(existing.participations.values_list("person__slug", flat=True)) if existing else []
        moved = bool(existing) and (existing.starts_at, existing.ends_at) != (
            _local(e.starts, e.timezone, e.slug), _local(e.ends, e.timezone, e.slug))
        changes.append(EngagementChange(e.slug, e.title, existing is None, moved,
                                        [p for p in wanted if p not in had], [p for p in had if p not in wanted]))
    try:  # and everything the import itself checks: run it, then roll it back
        with transaction.atomic():
            load(data)
            raise _Rollback
    except _Rollback:
        pass
    return Preview(created, updated, changes)


class _Rollback(Exception):
    """Undoes a trial import."""


def _selection(plan: PlanIn) -> dict[str, Any]:
    """The records a plan names, as they are in the database now."""
    return {kind: list(model.objects.filter(**{f"{key}__in": _keys(plan, kind)}))
            for kind, (model, key) in _KINDS.items()}


def snapshot(data: Any) -> dict[str, Any]:
    """The records the plan names as they are now, as a plan that puts them back."""
    sel = _selection(parse(data))
    return export_plan(sel["trips"], sel["engagements"], people=sel["people"], delegations=sel["delegations"],
                       countries=sel["countries"], title="before import")


def digest(plan: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(plan, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def load_confirmed(data: Any) -> tuple[dict[str, int], dict[str, Any], Preview]:
    """Import, keeping what undoing it needs: the records before, what it created and a digest of after."""
    with transaction.atomic():
        seen = preview(data)
        before = snapshot(data)
        users_before = set(get_user_model().objects.values_list("username", flat=True))
        counts = load(data)
        after = snapshot(data)
        users = [u for u in get_user_model().objects.values_list("username", flat=True) if u not in users_before]
    return counts, {"before": before, "created": seen.created | {"users": users}, "after": digest(after)}, seen


def undo(change: dict[str, Any], data: Any) -> None:
    """Put back what an import changed and remove what it created, unless anything it touched has changed
    since (then nothing is done: a PlanError says so)."""
    with transaction.atomic():
        if digest(snapshot(data)) != change["after"]:
            raise PlanError("what it imported has been changed since: undo those changes by hand")
        created = change["created"]
        fresh = Engagement.objects.filter(slug__in=created["engagements"])
        if MediaGrant.objects.filter(participation__engagement__in=fresh).exists():
            raise PlanError("people have joined an engagement it created: cancel that engagement instead")
        before = change["before"]
        if any(before[k] for k in ("countries", "delegations", "people", "trips", "engagements")):
            load(before)
        Participation.objects.filter(engagement__in=fresh).delete()
        fresh.delete()
        Trip.objects.filter(slug__in=created["trips"]).delete()
        people = Person.objects.filter(slug__in=created["people"])
        try:
            get_user_model().objects.filter(username__in=created["users"], person__in=people).delete()
            people.delete()
            Delegation.objects.filter(slug__in=created["delegations"]).delete()
            Country.objects.filter(code__in=created["countries"]).delete()
        except ProtectedError as exc:
            used = sorted({str(o) for o in exc.protected_objects})[:3]
            raise PlanError("what it created is used since (by " + ", ".join(used) + "): "
                            "take it out of those first") from None


def export_week(start: date) -> dict[str, Any]:
    """Every engagement that begins in the seven days from ``start`` (UTC days), with their trips, as a plan."""
    first = datetime(start.year, start.month, start.day, tzinfo=UTC)
    engagements = list(Engagement.objects.filter(starts_at__gte=first, starts_at__lt=first + timedelta(days=7))
                       .select_related("trip"))
    trips = {e.trip for e in engagements if e.trip is not None}
    return export_plan(trips, engagements, title=f"week of {start.isoformat()}")
