"""The scenario loader: the demo data, loaded twice, and bad files refused whole."""

import copy
import json

import pytest

from summitry.accounts.models import Person
from summitry.demo.loader import SCENARIO, ScenarioError, load, load_file
from summitry.meetings.models import Engagement, Participation

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
    (lambda d: d["engagements"][0]["participants"].append(["justin-trudeau", "principal"]), "invited twice"),
    (lambda d: d["engagements"][-1]["participants"].append(["nobody", "principal"]), "unknown person"),
    (lambda d: d["people"][-1].pop("family_name"), "missing field"),
    (lambda d: d.update(schema="other/9"), "expected schema"),
])
def test_bad_scenarios_are_refused_and_nothing_is_saved(transactional_db, mutate, message):
    data = copy.deepcopy(DATA)
    mutate(data)
    with pytest.raises(ScenarioError, match=message):
        load(data)
    assert not Person.objects.exists() and not Engagement.objects.exists()
