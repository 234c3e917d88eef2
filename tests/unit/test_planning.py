"""Itinerary rules, with property tests where the rules have invariants."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from summitry.domain.planning import (
    Booking,
    Interval,
    Party,
    PlanningError,
    Seat,
    SlotQuery,
    WorkingHours,
    at_local,
    check,
    double_bookings,
    holiday,
    interpreter_breaks,
    local,
    precedence,
    suggest_slots,
    zone,
)

NY, MX, TO = "America/New_York", "America/Mexico_City", "America/Toronto"
US = Party("us", "Washington", "US", WorkingHours(NY), "DC")
CA = Party("ca", "Ottawa", "CA", WorkingHours(TO), "ON")
MEX = Party("mx", "Mexico City", "MX", WorkingHours(MX), "CMX")


def utc(*args):
    return datetime(*args, tzinfo=UTC)


# --- time zones and DST ---------------------------------------------------------------------

def test_february_2021_offsets():
    moment = utc(2021, 2, 26, 18, 0)  # 13:00 in Washington
    assert local(moment, NY).hour == 13
    assert local(moment, TO).hour == 13
    assert local(moment, MX).hour == 12


def test_us_changed_clocks_on_14_march_2021_and_mexico_did_not():
    before, after = utc(2021, 3, 13, 18), utc(2021, 3, 15, 18)
    assert local(before, NY).hour - local(before, MX).hour == 1
    assert local(after, NY).hour - local(after, MX).hour == 2  # New York on summer time, Mexico not yet
    assert local(utc(2021, 4, 5, 18), NY).hour - local(utc(2021, 4, 5, 18), MX).hour == 1  # Mexico from 4 April


def test_mexico_abolished_summer_time_in_2022():
    july_2021, july_2023 = utc(2021, 7, 1, 18), utc(2023, 7, 1, 18)
    assert local(july_2021, MX).utcoffset() == timedelta(hours=-5)
    assert local(july_2023, MX).utcoffset() == timedelta(hours=-6)


def test_a_time_skipped_by_the_clock_change_moves_forward():
    skipped = at_local(date(2021, 3, 14), time(2, 30), NY)
    assert local(skipped.astimezone(UTC), NY).time() == time(3, 30)


def test_unknown_time_zone_is_named():
    with pytest.raises(PlanningError, match="Mars/Olympus"):
        zone("Mars/Olympus")


@settings(max_examples=200, deadline=None)
@given(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2024, 12, 31), timezones=st.just(UTC)),
       st.sampled_from([NY, MX, TO, "Europe/Paris", "Asia/Tokyo", "Australia/Sydney"]))
def test_local_time_is_the_same_instant(moment, tz):
    shown = local(moment, tz)
    # compare instants: PEP 495 makes ambiguous local times unequal to every other zone's datetimes
    assert shown.timestamp() == moment.timestamp()
    assert shown.astimezone(UTC) == moment


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2024, 12, 31)),
       st.times(), st.sampled_from([NY, MX, TO]))
def test_at_local_shows_the_asked_clock_time_unless_it_did_not_exist(day, clock, tz):
    instant = at_local(day, clock, tz)
    back = local(instant.astimezone(UTC), tz)
    assert back.replace(tzinfo=None) == datetime.combine(day, clock) or (
        back - datetime.combine(day, clock).replace(tzinfo=back.tzinfo)).total_seconds() in (3600, -3600)


# --- intervals and working hours ----------------------------------------------------------------

def test_durations_are_real_time_across_the_clock_change():
    # 01:00 to 03:30 on 14 March 2021 in New York lasts 1 h 30 min: 02:00-03:00 never happened
    span = Interval(at_local(date(2021, 3, 14), time(1), NY), at_local(date(2021, 3, 14), time(3, 30), NY))
    assert span.duration == timedelta(minutes=90)


def test_end_before_start_is_refused():
    with pytest.raises(PlanningError, match="end after it starts"):
        Interval(utc(2021, 2, 26, 18), utc(2021, 2, 26, 17))


def test_working_hours_on_each_capitals_clocks():
    talk = Interval(utc(2021, 2, 26, 14, 30), utc(2021, 2, 26, 15, 30))  # 09:30 NY, 08:30 Mexico City
    assert US.hours.contains(talk)
    assert not MEX.hours.contains(talk)


def test_weekend_is_outside_working_hours():
    saturday = Interval(utc(2021, 2, 27, 15), utc(2021, 2, 27, 16))
    assert not US.hours.contains(saturday)


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=0, max_value=24 * 4 * 7), st.integers(min_value=1, max_value=16))
def test_a_slot_inside_is_inside_for_every_sub_interval(quarter, length):
    start = utc(2021, 2, 22) + timedelta(minutes=15 * quarter)
    outer = Interval(start, start + timedelta(minutes=15 * length))
    if US.hours.contains(outer):
        inner = Interval(outer.start + timedelta(minutes=5), outer.end - timedelta(minutes=5)) \
            if outer.duration > timedelta(minutes=10) else outer
        assert US.hours.contains(inner)


# --- holidays ----------------------------------------------------------------------------------

def test_public_holidays_of_each_country_and_capital_region():
    assert holiday("US", date(2021, 2, 15)) == "Washington's Birthday"
    assert holiday("MX", date(2021, 2, 1)) == "Constitution Day"
    assert holiday("CA", date(2021, 2, 15), "ON") == "Family Day"  # Ontario, where Ottawa is
    assert holiday("CA", date(2021, 2, 26), "ON") is None


def test_check_reports_holidays_and_hours():
    b = Booking("x", "Talks", Interval(utc(2021, 2, 15, 15), utc(2021, 2, 15, 16)), (US, CA))
    codes = {(w.code, w.subject) for w in check([b])}
    assert codes == {("public_holiday", "us"), ("public_holiday", "ca")}
    early = Booking("y", "Early", Interval(utc(2021, 2, 26, 14, 30), utc(2021, 2, 26, 15, 30)), (US, MEX))
    assert [(w.code, w.subject) for w in check([early])] == [("outside_working_hours", "mx")]


# --- double bookings and interpreters ---------------------------------------------------------

def _b(key, start_h, end_h, people=(), interpreters=()):
    return Booking(key, key, Interval(utc(2021, 2, 26, *start_h), utc(2021, 2, 26, *end_h)), (US,),
                   tuple(people), tuple(interpreters))


def test_double_booking_is_reported_once_per_pair():
    ws = double_bookings([_b("a", (14,), (15,), ["blinken"]), _b("b", (14, 30), (15, 30), ["blinken"]),
                          _b("c", (15, 30), (16,), ["blinken"])])
    assert [(w.engagement, w.subject) for w in ws] == [("b", "blinken")]


def test_interpreter_without_a_break():
    tired = interpreter_breaks([_b("a", (14,), (15,), interpreters=["lucia"]),
                                _b("b", (15, 5), (16,), interpreters=["lucia"])])
    assert [w.code for w in tired] == ["interpreter_no_break"]
    rested = interpreter_breaks([_b("a", (14,), (15,), interpreters=["lucia"]),
                                 _b("b", (15, 30), (16, 30), interpreters=["lucia"])])
    assert rested == []


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(1, 8)), min_size=1, max_size=8))
def test_double_bookings_match_a_brute_force_count(spans):
    bookings = [Booking(f"e{i}", f"e{i}", Interval(utc(2021, 2, 26) + timedelta(minutes=15 * s),
                                                   utc(2021, 2, 26) + timedelta(minutes=15 * (s + n))), (US,),
                        ("p",)) for i, (s, n) in enumerate(spans)]
    brute = sum(1 for i, a in enumerate(bookings) for b in bookings[i + 1:] if a.interval.overlaps(b.interval))
    assert len(double_bookings(bookings)) == brute


# --- slot suggestions --------------------------------------------------------------------------

def test_slots_where_every_party_is_within_working_hours():
    slots = suggest_slots(SlotQuery(timedelta(hours=1), (US, MEX), date(2021, 2, 26), days=1, limit=3))
    assert slots
    for s in slots:
        assert US.hours.contains(s) and MEX.hours.contains(s)
    assert local(slots[0].start, MX).time() == time(9, 0)  # Mexico City opens an hour after Washington


def test_slots_skip_holidays_weekends_and_busy_people():
    busy = (Interval(at_local(date(2021, 2, 16), time(10), NY), at_local(date(2021, 2, 16), time(12), NY)),)
    slots = suggest_slots(SlotQuery(timedelta(hours=1), (US, CA), date(2021, 2, 13), days=5, busy=busy, limit=2))
    # 13–14 Feb is a weekend and 15 Feb a holiday in both; on the 16th the people are busy until noon
    assert [local(s.start, NY).strftime("%d %H:%M") for s in slots] == ["16 09:00", "16 12:00"]


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 8), st.sampled_from([(US, MEX), (US, CA), (CA, MEX), (US, CA, MEX)]),
       st.dates(min_value=date(2021, 1, 1), max_value=date(2022, 12, 31)))
def test_every_suggested_slot_satisfies_every_party(quarters, parties, day):
    for s in suggest_slots(SlotQuery(timedelta(minutes=15 * quarters), parties, day, days=3)):
        assert s.duration == timedelta(minutes=15 * quarters)
        for p in parties:
            assert p.hours.contains(s)
            assert holiday(p.country, local(s.start, p.hours.tz).date(), p.subdivision) is None


# --- precedence --------------------------------------------------------------------------------

def test_host_side_first_then_rank_then_country():
    seats = [Seat("ebrard", False, 10, "Mexico", "Ebrard"), Seat("chung", True, 30, "United States", "Chung"),
             Seat("garneau", False, 10, "Canada", "Garneau"), Seat("blinken", True, 10, "United States", "Blinken")]
    assert [s.key for s in precedence(seats)] == ["blinken", "chung", "garneau", "ebrard"]


def test_an_engagement_can_set_its_own_order():
    seats = [Seat("a", True, 1, "X", "A"), Seat("b", False, 50, "Y", "B", override=1)]
    assert [s.key for s in precedence(seats)] == ["b", "a"]


@given(st.lists(st.builds(Seat, st.text(max_size=3), st.booleans(), st.integers(0, 100), st.text(max_size=3),
                          st.text(max_size=3)), max_size=12))
def test_precedence_puts_every_host_before_every_guest(seats):
    ordered = precedence(seats)
    sides = [s.host_side for s in ordered]
    assert sides == sorted(sides, reverse=True)
    assert sorted(map(id, ordered)) == sorted(map(id, seats))


def test_zoneinfo_is_the_source():
    assert ZoneInfo(MX).key == zone(MX).key


def _brute_force_slots(q: SlotQuery) -> list[Interval]:
    """Every aligned start in turn: the obvious (slow) reading of the rule."""
    origin = at_local(q.first_day, time(0), q.parties[0].hours.tz).astimezone(UTC)
    last = at_local(q.first_day + timedelta(days=q.days), time(0), q.parties[0].hours.tz).astimezone(UTC)
    out, t = [], origin
    while t + q.duration <= last and len(out) < q.limit:
        slot = Interval(t, t + q.duration)
        if all(p.hours.contains(slot) and not holiday(p.country, local(t, p.hours.tz).date(), p.subdivision)
               for p in q.parties) and not any(slot.overlaps(b) for b in q.busy):
            out.append(slot)
            t += max(q.step, q.duration)
            continue
        t += q.step
    return out


TOKYO = Party("jp", "Tokyo", "JP", WorkingHours("Asia/Tokyo"))
PARIS = Party("fr", "Paris", "FR", WorkingHours("Europe/Paris", time(8, 30), time(19, 0)))


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 12), st.sampled_from([(US, MEX), (US, CA, MEX), (CA, PARIS), (PARIS, TOKYO), (MEX, TOKYO)]),
       st.dates(min_value=date(2021, 1, 1), max_value=date(2023, 12, 31)), st.integers(1, 4),
       st.lists(st.tuples(st.integers(0, 4 * 24 * 4), st.integers(1, 16)), max_size=4))
def test_window_search_finds_exactly_what_brute_force_finds(quarters, parties, day, days, busy):
    origin = at_local(day, time(0), parties[0].hours.tz)
    q = SlotQuery(timedelta(minutes=15 * quarters), parties, day, days=days, limit=6,
                  busy=tuple(Interval(origin + timedelta(minutes=15 * s), origin + timedelta(minutes=15 * (s + n)))
                             for s, n in busy))
    assert suggest_slots(q) == _brute_force_slots(q)
