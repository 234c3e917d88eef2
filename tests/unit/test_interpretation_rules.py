from hypothesis import given
from hypothesis import strategies as st

from summitry.domain.interpretation import (
    FLOOR,
    AirAction,
    change_air,
    channels,
    input_choices,
    mix_gains,
    parse_languages,
)


def test_languages_are_parsed_once_each_in_order():
    assert parse_languages(" EN, fr,,es ,fr") == ["en", "fr", "es"]


def test_one_language_needs_no_channels():
    assert channels(["en"]) == []
    assert channels(["en", "fr"]) == ["en", "fr"]


def test_take_a_free_microphone():
    assert change_air(AirAction.TAKE, actor=1, booth=[1, 2], on_air=None, connected={1}).on_air == 1


def test_nobody_takes_the_microphone_from_a_connected_colleague():
    change = change_air(AirAction.TAKE, actor=2, booth=[1, 2], on_air=1, connected={1, 2})
    assert not change.allowed and change.reason == "partner_on_air" and change.on_air == 1


def test_a_dropped_colleagues_microphone_can_be_taken():
    assert change_air(AirAction.TAKE, actor=2, booth=[1, 2], on_air=1, connected={2}).on_air == 2


def test_handover_goes_to_the_connected_partner():
    assert change_air(AirAction.HANDOVER, actor=1, booth=[1, 2], on_air=1, connected={1, 2}).on_air == 2


def test_no_handover_to_an_absent_partner():
    change = change_air(AirAction.HANDOVER, actor=1, booth=[1, 2], on_air=1, connected={1})
    assert not change.allowed and change.reason == "partner_not_connected" and change.on_air == 1


def test_only_the_interpreter_on_air_hands_over_or_releases():
    for action in (AirAction.HANDOVER, AirAction.RELEASE):
        change = change_air(action, actor=2, booth=[1, 2], on_air=1, connected={1, 2})
        assert not change.allowed and change.reason == "not_on_air"


def test_outsiders_of_the_booth_change_nothing():
    change = change_air(AirAction.TAKE, actor=9, booth=[1, 2], on_air=None, connected={9})
    assert not change.allowed and change.reason == "not_in_booth"


@given(st.sampled_from(list(AirAction)), st.integers(1, 4), st.sets(st.integers(1, 4)),
       st.one_of(st.none(), st.integers(1, 4)), st.sets(st.integers(1, 4)))
def test_at_most_one_interpreter_of_the_booth_is_ever_on_air(action, actor, booth, on_air, connected):
    booth_list = sorted(booth)
    change = change_air(action, actor=actor, booth=booth_list, on_air=on_air, connected=connected)
    if change.allowed:
        assert change.on_air is None or (change.on_air in booth_list and change.on_air in connected)
    else:
        assert change.on_air == on_air and change.reason


def test_a_booth_listens_to_the_floor_or_another_channel():
    assert input_choices("es", ["en", "fr", "es"]) == [FLOOR, "en", "fr"]


def test_mix_gains():
    assert mix_gains(FLOOR, 0.3) == (1.0, 0.0)
    assert mix_gains("fr", 0.25) == (0.25, 1.0)
    assert mix_gains("fr", 7) == (1.0, 1.0)
