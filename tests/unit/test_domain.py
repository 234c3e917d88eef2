"""Pure rules: names and titles, who may join, what each role may do."""

from hypothesis import given
from hypothesis import strategies as st

from summitry.domain.access import AUDIOBRIDGE, STREAMING, VIDEOROOM, EngagementState, Role, may_join, rights_for
from summitry.domain.people import Styling, initials


def test_full_style_of_a_canadian_minister():
    s = Styling("Marc", "Garneau", "The Honourable", "Minister of Foreign Affairs of Canada")
    assert s.full_style == "The Honourable Marc Garneau, Minister of Foreign Affairs of Canada"
    assert s.formal_name == "The Honourable Marc Garneau"
    assert s.name == "Marc Garneau"


def test_style_without_honorific_or_title():
    assert Styling("Marcelo", "Ebrard").full_style == "Marcelo Ebrard"


def test_initials():
    assert initials("Marc Garneau") == "MG"
    assert initials("Joseph R. Biden") == "JB"
    assert initials("Ebrard") == "E"
    assert initials("") == "?"


@given(st.text(), st.text(), st.text(), st.text())
def test_style_never_loses_the_name(given_name, family, honorific, title):
    s = Styling(given_name, family, honorific, title)
    assert s.name in s.full_style
    assert s.full_style == s.full_style.strip() or not s.full_style


def test_only_participants_may_join():
    assert not may_join(is_participant=False, state=EngagementState.LIVE).allowed
    assert may_join(is_participant=False, state=EngagementState.LIVE).reason == "not_invited"
    assert may_join(is_participant=True, state=EngagementState.SCHEDULED).allowed
    assert may_join(is_participant=True, state=EngagementState.ENDED).reason == "ended"


def test_press_may_not_publish_but_may_subscribe():
    press = rights_for(Role.PRESS)
    assert not press.publish and press.subscribe


def test_every_role_has_a_non_empty_plugin_list_and_only_interpreters_speak_into_channels():
    for role in Role:
        rights = rights_for(role)
        assert VIDEOROOM in rights.plugins and STREAMING in rights.plugins  # everyone may listen to interpretation
        assert (AUDIOBRIDGE in rights.plugins) == (role == Role.INTERPRETER)


def test_the_published_plan_schema_matches_the_code():
    import json
    from pathlib import Path

    from summitry.trips.exchange import PlanIn

    published = Path(__file__).resolve().parents[2] / "docs" / "plan-format.schema.json"
    assert json.loads(published.read_text()) == PlanIn.model_json_schema(by_alias=True), (
        "regenerate docs/plan-format.schema.json from PlanIn.model_json_schema(by_alias=True)")
