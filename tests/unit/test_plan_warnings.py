"""Planning warnings: the domain gives each one named params beside its English message, and
``trips.warnings`` says them in the reader's language (one catalogue sentence per code, times and days
through ``when``, a public holiday by its own name in that language where its calendar has it)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from summitry.domain.planning import Booking, Interval, Party, PlanWarning, WorkingHours, check
from summitry.trips.warnings import text

US = Party("us", "Washington", "US", WorkingHours("America/New_York"), "DC")
CA = Party("ca", "Ottawa", "CA", WorkingHours("America/Toronto"), "ON")
MEX = Party("mx", "Mexico City", "MX", WorkingHours("America/Mexico_City"), "CMX")
THIN = "\u2009–\u2009"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def said(language: str, w: PlanWarning) -> str:
    with translation.override(language):
        return text(w)


EARLY = Booking("early", "Talks", Interval(utc(2021, 2, 26, 14, 30), utc(2021, 2, 26, 15, 30)), (US, MEX))
FAMILY_DAY = Booking("fd", "Climate", Interval(utc(2021, 2, 15, 15), utc(2021, 2, 15, 16)), (CA,))
CONSTITUTION_DAY = Booking("cd", "Trade", Interval(utc(2021, 2, 1, 16), utc(2021, 2, 1, 17)), (MEX,))
PRESIDENTS_DAY = Booking("pd", "Call", Interval(utc(2021, 2, 15, 15), utc(2021, 2, 15, 16)), (US,))


def _one(bookings: list[Booking], code: str) -> PlanWarning:
    [w] = [w for w in check(bookings) if w.code == code]
    return w


# --- the domain's params -------------------------------------------------------------------------

def test_outside_working_hours_carries_the_instants_the_zone_and_the_working_day():
    w = _one([EARLY], "outside_working_hours")
    assert dict(w.params) == {"title": "Talks", "place": "Mexico City", "tz": "America/Mexico_City",
                              "start": "2021-02-26T14:30:00+00:00", "end": "2021-02-26T15:30:00+00:00",
                              "opens": "09:00", "closes": "18:00"}
    assert w.param("tz") == "America/Mexico_City" and w.param("nothing") == ""
    assert w.message == "Talks: Fri 08:30–09:30 in Mexico City, outside its working hours (09:00–18:00)"


def test_a_public_holiday_carries_its_day_name_and_calendar():
    w = _one([FAMILY_DAY], "public_holiday")
    assert dict(w.params) == {"title": "Climate", "place": "Ottawa", "day": "2021-02-15", "holiday": "Family Day",
                              "country": "CA", "subdivision": "ON"}


def test_a_double_booking_and_a_tired_interpreter_carry_who_and_what():
    a = Booking("a", "Breakfast", Interval(utc(2021, 2, 26, 14), utc(2021, 2, 26, 15)), (US,), ("Ana",), ("Lucía",))
    b = Booking("b", "Lunch", Interval(utc(2021, 2, 26, 14, 30), utc(2021, 2, 26, 16)), (US,), ("Ana",), ("Lucía",))
    double = _one([a, b], "double_booked")
    assert dict(double.params) == {"person": "Ana", "first": "Breakfast", "second": "Lunch"}
    tired = _one([a, b], "interpreter_no_break")
    assert dict(tired.params) == {"person": "Lucía", "minutes": "120", "pause": "15"}


# --- said in the reader's language ---------------------------------------------------------------

def test_english_says_what_the_domain_says_with_the_day():
    w = _one([EARLY], "outside_working_hours")
    assert said("en", w) == "Talks: Fri 26 Feb, 08:30–09:30 in Mexico City, outside its working hours (09:00–18:00)"


@pytest.mark.parametrize(("language", "expected"), [
    ("fr", f"Talks : ven. 26 févr., 08:30{THIN}09:30 à Mexico City, en dehors de ses heures de travail "
           f"(09:00{THIN}18:00)"),
    ("es", "Talks: vie, 26 feb, 8:30–9:30 en Mexico City, fuera de su horario laboral (9:00–18:00)"),
])
def test_outside_working_hours_in_french_and_spanish(language, expected):
    assert said(language, _one([EARLY], "outside_working_hours")) == expected


def test_a_call_across_midnight_names_both_days_in_the_readers_language():
    late = Booking("late", "Call", Interval(utc(2021, 2, 27, 4, 30), utc(2021, 2, 27, 7, 30)), (MEX,))
    w = _one([late], "outside_working_hours")
    assert f"ven. 22:30{THIN}sam. 01:30 à Mexico City" in said("fr", w)
    assert "Fri 22:30" in said("en", w) and "Sat 01:30 in Mexico City" in said("en", w)


@pytest.mark.parametrize(("booking", "language", "expected"), [
    (FAMILY_DAY, "en", "Climate: Monday, 15 February 2021 is Family Day in Ottawa"),
    (FAMILY_DAY, "fr", "Climate : jour férié à Ottawa le lundi 15 février 2021 (Fête de la famille)"),
    (CONSTITUTION_DAY, "es",
     "Trade: día festivo en Mexico City el lunes, 1 de febrero de 2021 (Día de la Constitución)"),
    # the US calendar has no French: the holiday keeps its English name, the sentence is French
    (PRESIDENTS_DAY, "fr", "Call : jour férié à Washington le lundi 15 février 2021 (Washington's Birthday)"),
])
def test_a_public_holiday_by_its_own_name_where_its_calendar_has_the_readers_language(booking, language, expected):
    assert said(language, _one([booking], "public_holiday")) == expected


def test_double_bookings_and_breaks_in_each_language():
    a = Booking("a", "Breakfast", Interval(utc(2021, 2, 26, 14), utc(2021, 2, 26, 15)), (US,), ("Ana",), ("Lucía",))
    b = Booking("b", "Lunch", Interval(utc(2021, 2, 26, 14, 30), utc(2021, 2, 26, 16)), (US,), ("Ana",), ("Lucía",))
    double, tired = _one([a, b], "double_booked"), _one([a, b], "interpreter_no_break")
    assert said("en", double) == double.message == "Ana is in both Breakfast and Lunch"
    assert said("fr", double) == "Ana participe à la fois à « Breakfast » et à « Lunch »"
    assert said("es", double) == "Ana participa a la vez en «Breakfast» y en «Lunch»"
    assert said("en", tired) == tired.message == "Lucía interprets 120 min without a 15-minute break"
    assert said("fr", tired) == "Lucía interprète 120 min sans pause de 15 min"
    assert said("es", tired) == "Lucía interpreta 120 min sin un descanso de 15 min"


def test_a_warning_without_params_or_of_an_unknown_code_is_said_by_its_message():
    assert said("fr", PlanWarning("outside_working_hours", "x", "as the domain said it")) == "as the domain said it"
    assert said("fr", PlanWarning("something_new", "x", "new", params=(("a", "b"),))) == "new"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 24 * 4 * 9), st.integers(1, 16), st.sampled_from([US, CA, MEX])),
                min_size=1, max_size=6))
def test_every_warning_is_said_in_every_language_with_every_placeholder_filled(spans):
    start = utc(2021, 2, 12)
    bookings = [Booking(f"e{i}", f"e{i}", Interval(start + timedelta(minutes=15 * s),
                                                  start + timedelta(minutes=15 * (s + n))),
                        (US, p), ("Ana",), ("Lucía",)) for i, (s, n, p) in enumerate(spans)]
    for w in check(bookings):
        assert w.params, w
        names = [w.param(k) for k in ("title", "person", "first", "second", "place") if w.param(k)]
        sentences = {language: said(language, w) for language in ("en", "fr", "es")}
        for sentence in sentences.values():
            assert "%(" not in sentence and all(name in sentence for name in names), (w, sentence)
        assert len(set(sentences.values())) == 3, sentences
