"""Round trips change nothing: for generated plans, import → export → import → export gives the same
file twice, the first export says what the plan said, and no account is unlinked on the way."""

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from summitry.accounts.models import Person
from summitry.trips import exchange
from summitry.trips.models import Trip

pytestmark = [pytest.mark.postgres]

COUNTRIES = [("US", "United States", "Washington, DC", "America/New_York"),
             ("CA", "Canada", "Ottawa", "America/Toronto"),
             ("MX", "Mexico", "Mexico City", "America/Mexico_City"),
             ("JP", "Japan", "Tokyo", "Asia/Tokyo")]
ROLES = ["host", "principal", "delegation_member", "note_taker", "press", "technician", "interpreter"]
names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=30).filter(
    lambda s: s.strip() == s and s)


@st.composite
def plans(draw):
    tag = uuid.uuid4().hex[:8]  # every example its own slugs, in one database
    countries = draw(st.lists(st.sampled_from(COUNTRIES), min_size=1, max_size=3, unique=True))
    codes = [c[0] for c in countries]
    delegations = [{"slug": f"d{i}-{tag}", "name": draw(names), "country": draw(st.sampled_from(codes)),
                    "ministry": draw(st.sampled_from(["", "Foreign Affairs"])),
                    "working_hours": {"start": "09:00", "end": "18:00", "days": [1, 2, 3, 4, 5]}}
                   for i in range(draw(st.integers(1, 3)))]
    people = [{"slug": f"p{i}-{tag}", "delegation": draw(st.sampled_from(delegations))["slug"],
               "given_name": draw(names), "family_name": draw(names), "honorific": "", "title": draw(names),
               "rank": draw(st.integers(0, 200)), "language": draw(st.sampled_from(["en", "fr", "es"])),
               "timezone": "", **({"username": f"u{i}-{tag}"} if draw(st.booleans()) else {})}
              for i in range(draw(st.integers(1, 6)))]
    trip = {"slug": f"trip-{tag}", "title": draw(names), "organizer": delegations[0]["slug"], "traveller": None,
            "description": "", "stops": [{"country": c, "title": ""} for c in draw(st.permutations(codes))]}
    engagements = []
    for i in range(draw(st.integers(0, 4))):
        host = draw(st.sampled_from(delegations))
        tz = next(c[3] for c in COUNTRIES if c[0] == host["country"])
        day, hour = draw(st.integers(1, 28)), draw(st.integers(8, 15))  # working hours: no DST gap or fold
        languages = draw(st.lists(st.sampled_from(["en", "fr", "es"]), min_size=1, max_size=3, unique=True))
        chosen = draw(st.lists(st.sampled_from(people), max_size=len(people), unique_by=lambda p: p["slug"]))
        participants = []
        for p in chosen:
            role = draw(st.sampled_from(ROLES))
            participants.append({"person": p["slug"], "role": role,
                                 "precedence": draw(st.none() | st.integers(1, 20)),
                                 **({"booth": draw(st.sampled_from(languages))} if role == "interpreter" else {})})
        segments = [{"kind": "open", "title": draw(names), "starts": f"2021-03-{day:02d}T{hour:02d}:00",
                     "ends": f"2021-03-{day:02d}T{hour:02d}:30"}] if draw(st.booleans()) else []
        engagements.append({
            "slug": f"e{i}-{tag}", "title": draw(names), "kind": draw(st.sampled_from(["bilateral", "ministerial"])),
            "host": host["slug"], "timezone": tz, "starts": f"2021-03-{day:02d}T{hour:02d}:00",
            "ends": f"2021-03-{day:02d}T{hour + 1:02d}:00", "trip": trip["slug"],
            "stop": draw(st.none() | st.integers(1, len(codes))), "languages": languages,
            "participants": participants, "segments": segments})
    return {"schema": "summitry.plan/1", "title": trip["title"],
            "countries": [{"code": c[0], "name": c[1], "capital": c[2], "timezone": c[3], "holiday_subdivision": ""}
                          for c in countries],
            "delegations": delegations, "people": people, "trips": [trip], "engagements": engagements}


def _people_of(plan):
    return {p["slug"] for p in plan["people"]}


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(plan=plans())
def test_export_import_export_changes_nothing(scenario, plan):
    exchange.load(plan)
    trip = Trip.objects.get(slug=plan["trips"][0]["slug"])
    first = exchange.export_trip(trip)
    links = dict(Person.objects.values_list("slug", "user_id"))
    assert all(links[p["slug"]] for p in plan["people"] if p.get("username"))
    exchange.load(first)  # the export names no accounts: the import must keep every link
    second = exchange.export_trip(Trip.objects.get(slug=trip.slug))
    assert second == first
    assert dict(Person.objects.values_list("slug", "user_id")) == links
    # ... and the export says what the plan said
    assert [e["slug"] for e in first["engagements"]] == sorted(
        (e["slug"] for e in plan["engagements"]), key=lambda s: next(
            (x["starts"], i) for i, x in enumerate(plan["engagements"]) if x["slug"] == s))
    for mine, theirs in zip(sorted(plan["engagements"], key=lambda e: e["slug"]),
                            sorted(first["engagements"], key=lambda e: e["slug"]), strict=True):
        for key in ("title", "kind", "host", "timezone", "starts", "ends", "stop", "languages", "segments"):
            assert theirs[key] == mine[key], key
        assert sorted(p["person"] for p in theirs["participants"]) == sorted(p["person"] for p in mine["participants"])
    exported_people = {p["slug"] for p in first["people"]}
    assert exported_people <= _people_of(plan)
