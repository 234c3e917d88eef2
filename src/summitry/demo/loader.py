"""Load a scenario file (countries, delegations, people, engagements) idempotently and atomically."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.auth import get_user_model
from django.db import transaction

from summitry.accounts.models import Country, Delegation, Person
from summitry.meetings.models import Engagement, Participation

SCENARIO = Path(__file__).with_name("scenario.json")
SCHEMA = "summitry.scenario/1"


class ScenarioError(ValueError):
    """The scenario file is malformed or inconsistent; nothing was saved."""


def _local(value: str, tz: str) -> datetime:
    try:
        return datetime.fromisoformat(value).replace(tzinfo=ZoneInfo(tz))
    except ZoneInfoNotFoundError as exc:
        raise ScenarioError(f"unknown time zone {tz!r}") from exc
    except ValueError as exc:
        raise ScenarioError(f"bad date-time {value!r}: {exc}") from exc


def _with_existing(known: dict[str, Any], model: Any, wanted: set[str]) -> dict[str, Any]:
    missing = wanted - set(known)
    return {**{obj.slug: obj for obj in model.objects.filter(slug__in=missing)}, **known}


def load(data: dict[str, Any]) -> dict[str, int]:
    """Create or update everything the scenario describes; return counts of what it names."""
    if data.get("schema") != SCHEMA:
        raise ScenarioError(f"expected schema {SCHEMA!r}, got {data.get('schema')!r}")
    User = get_user_model()
    password = data.get("demo_password")
    try:
        with transaction.atomic():
            countries = {c["code"]: Country.objects.update_or_create(code=c["code"], defaults={
                "name": c["name"], "capital": c["capital"], "timezone": c["timezone"]})[0]
                for c in data["countries"]}
            delegations = {}
            for d in data["delegations"]:
                if d["country"] not in countries:
                    raise ScenarioError(f"delegation {d['slug']!r}: unknown country {d['country']!r}")
                delegations[d["slug"]] = Delegation.objects.update_or_create(slug=d["slug"], defaults={
                    "name": d["name"], "country": countries[d["country"]], "ministry": d.get("ministry", "")})[0]
            people = {}
            for p in data["people"]:
                if p["delegation"] not in delegations:
                    raise ScenarioError(f"person {p['slug']!r}: unknown delegation {p['delegation']!r}")
                user = None
                if p.get("username"):
                    user, created = User.objects.get_or_create(username=p["username"], defaults={
                        "first_name": p["given_name"], "last_name": p["family_name"]})
                    if created and password:
                        user.set_password(password)
                        user.save(update_fields=["password"])
                people[p["slug"]] = Person.objects.update_or_create(slug=p["slug"], defaults={
                    "user": user, "delegation": delegations[p["delegation"]], "given_name": p["given_name"],
                    "family_name": p["family_name"], "honorific": p.get("honorific", ""),
                    "title": p.get("title", ""), "rank": p.get("rank", 100),
                    "language": p.get("language", "en")})[0]
            # A file may refer to delegations and people already in the database.
            delegations = _with_existing(delegations, Delegation, {e["host"] for e in data["engagements"]})
            people = _with_existing(people, Person, {s for e in data["engagements"] for s, _ in e["participants"]})
            for e in data["engagements"]:
                if e["host"] not in delegations:
                    raise ScenarioError(f"engagement {e['slug']!r}: unknown host {e['host']!r}")
                starts, ends = _local(e["starts"], e["timezone"]), _local(e["ends"], e["timezone"])
                if ends <= starts:
                    raise ScenarioError(f"engagement {e['slug']!r} ends before it starts")
                engagement = Engagement.objects.update_or_create(slug=e["slug"], defaults={
                    "title": e["title"], "kind": e["kind"], "starts_at": starts, "ends_at": ends,
                    "host": delegations[e["host"]]})[0]
                seen = set()
                for person_slug, role in e["participants"]:
                    if person_slug not in people:
                        raise ScenarioError(f"engagement {e['slug']!r}: unknown person {person_slug!r}")
                    if person_slug in seen:
                        raise ScenarioError(f"engagement {e['slug']!r}: {person_slug!r} is invited twice")
                    seen.add(person_slug)
                    Participation.objects.update_or_create(engagement=engagement, person=people[person_slug],
                                                           defaults={"role": role})
    except KeyError as exc:
        raise ScenarioError(f"missing field {exc}") from exc
    return {"countries": len(countries), "delegations": len(delegations), "people": len(people),
            "engagements": len(data["engagements"])}


def load_file(path: Path = SCENARIO) -> dict[str, int]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ScenarioError(f"{path}: not JSON ({exc})") from exc
    return load(data)
