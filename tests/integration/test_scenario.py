"""The scenario loader: the demo data, loaded twice, and bad files refused whole."""

import copy
import json

import pytest

from summitry.accounts.models import Person
from summitry.demo.loader import SCENARIO, ScenarioError, load, load_file
from summitry.meetings.models import Engagement, Participation
from summitry.trips.exchange import export_trip
from summitry.trips.models import Trip

pytestmark = [pytest.mark.postgres]

DATA = json.loads(SCENARIO.read_text())


def _snapshot():
    return (list(Person.objects.values_list("slug", "title", "user__password")),
            list(Engagement.objects.values_list("slug", "starts_at", "media_room", "room_secret")),
            list(Participation.objects.values_list("engagement__slug", "person__slug", "role", "publisher_id")))


def test_loading_twice_changes_nothing(transactional_db):
    load_file()
    first = _snapshot()
    load_file()
    assert _snapshot() == first


def test_scenario_has_the_day(transactional_db):
    load_file()
    canada = Engagement.objects.get(slug="canada-bilateral")
    assert canada.starts_at.isoformat() == "2021-02-26T18:00:00+00:00"  # 13:00 in Washington (UTC-5)
    assert set(canada.participations.values_list("person__slug", flat=True)) >= {"antony-blinken", "marc-garneau"}
    assert Engagement.objects.count() == 8
    assert Person.objects.get(slug="marc-garneau").styling.full_style == (
        "The Honourable Marc Garneau, Minister of Foreign Affairs of Canada")


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda d: d["engagements"][0].update(timezone="Mars/Olympus"), "unknown time zone"),
    (lambda d: d["engagements"][0].update(ends="2021-02-23T10:00"), "ends before it starts"),
    (lambda d: d["engagements"][0]["participants"].append({"person": "justin-trudeau", "role": "principal"}),
     "'justin-trudeau' is invited twice"),
    (lambda d: d["engagements"][-1]["participants"].append({"person": "nobody", "role": "principal"}),
     "unknown person 'nobody'"),
    (lambda d: d["engagements"][-1]["participants"].append({"person": "ned-price", "role": "emperor"}),
     r"engagements\.7\.participants\.3\.role"),
    (lambda d: d["people"][-1].pop("family_name"), r"people\.22\.family_name: Field required"),
    (lambda d: d.update(schema="other/9"), "schema: Input should be 'summitry.plan/1'"),
    (lambda d: d["engagements"][5]["segments"][1].update(starts="2021-02-26T13:05"), "segments 1 and 2 overlap"),
    (lambda d: d["engagements"][5]["segments"][1].update(ends="2021-02-26T15:00"), "outside the engagement"),
    (lambda d: d["engagements"][5].update(stop=7), "has no stop 7"),
    (lambda d: d["countries"][0].update(timezone="America/Nowhere"), "unknown time zone 'America/Nowhere'"),
    (lambda d: d["engagements"][5]["participants"][0].update(booth="fr"), "only an interpreter has a booth"),
    (lambda d: d["engagements"][5]["participants"][-1].update(booth="es"), "one of the engagement's languages"),
    (lambda d: d["engagements"][5]["participants"][-1].update(booth="de"), r"booth: Input should be"),
])
def test_bad_scenarios_are_refused_and_nothing_is_saved(transactional_db, mutate, message):
    data = copy.deepcopy(DATA)
    mutate(data)
    with pytest.raises(ScenarioError, match=message):
        load(data)
    assert not Person.objects.exists() and not Engagement.objects.exists() and not Trip.objects.exists()


def test_a_trip_exported_and_imported_into_an_empty_database_is_the_same(transactional_db):
    load_file()
    exported = export_trip(Trip.objects.get(slug="first-virtual-trip"))
    assert [e["slug"] for e in exported["engagements"]] == [
        "mexico-bilateral", "port-of-entry-visit", "canada-bilateral", "courtesy-call-prime-minister",
        "garneau-press-availability"]
    canada = next(e for e in exported["engagements"] if e["slug"] == "canada-bilateral")
    assert (canada["timezone"], canada["starts"]) == ("America/Toronto", "2021-02-26T13:00")
    before = _snapshot()
    Engagement.objects.all().delete()
    Trip.objects.all().delete()
    load(exported)
    assert export_trip(Trip.objects.get(slug="first-virtual-trip")) == exported
    assert Engagement.objects.get(slug="canada-bilateral").starts_at == next(
        row[1] for row in before[1] if row[0] == "canada-bilateral")


def test_moving_an_engagement_raises_its_calendar_sequence(transactional_db):
    load_file()
    data = copy.deepcopy(DATA)
    data["engagements"][5]["starts"], data["engagements"][5]["ends"] = "2021-02-26T13:30", "2021-02-26T14:15"
    data["engagements"][5]["segments"] = []
    load(data)
    assert Engagement.objects.get(slug="canada-bilateral").sequence == 1
