"""Double bookings across trips: one person in engagements of two trips and in one of no trip, at
overlapping times, is flagged on every trip page, on each engagement's page and in the API, each
warning naming the other engagement."""

import html
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from summitry.accounts.models import Delegation, Person
from summitry.domain.access import Role
from summitry.meetings.models import Engagement
from summitry.trips import services
from summitry.trips.models import Trip

pytestmark = [pytest.mark.postgres]
PASSWORD = "summitry-demo-2021"
NY = ZoneInfo("America/New_York")

# canada-bilateral (first-virtual-trip) is 13:00–14:00 in Washington on 26 February 2021
CANADA = "Canada: Secretary Blinken and Minister Garneau"
OTHER_TRIP = "Briefing on the Quad"
NO_TRIP = "Call with the Secretary-General"


@pytest.fixture
def double_booked(scenario):
    """Blinken also in a briefing of a second trip (13:30-14:10, after canada-bilateral starts) and in a
    call of no trip (12:30-13:45, before it); the three overlap each other."""
    blinken = Person.objects.get(slug="antony-blinken")
    state = Delegation.objects.get(slug="us-state")
    second = services.create_trip(slug="quad-trip", title="The Quad", organizer=state, traveller=blinken)
    services.create_engagement(trip=second, stop=None, slug="quad-briefing", title=OTHER_TRIP, kind="bilateral",
                               host=state, starts_at=datetime(2021, 2, 26, 13, 30, tzinfo=NY),
                               ends_at=datetime(2021, 2, 26, 14, 10, tzinfo=NY),
                               invitees=[services.Invitee(blinken, Role.PRINCIPAL)])
    services.create_engagement(trip=None, stop=None, slug="un-call", title=NO_TRIP, kind="courtesy_call",
                               host=state, starts_at=datetime(2021, 2, 26, 12, 30, tzinfo=NY),
                               ends_at=datetime(2021, 2, 26, 13, 45, tzinfo=NY),
                               invitees=[services.Invitee(blinken, Role.PRINCIPAL)])
    return str(blinken)


def _protocol() -> Client:
    c = Client()
    assert c.login(username="protocol", password=PASSWORD)
    return c


def _text(page: bytes) -> str:
    """The page's text, tags dropped and entities read, spaces squeezed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page.decode())))


def _row(page: bytes, slug: str) -> str:
    """The text of an engagement's rows on the trip timeline (its row and its warnings), up to the next
    engagement's row or the end of the day's table."""
    body = page.decode()
    start = body.index(f'id="row-{slug}"')
    ends = [i for i in (body.find('id="row-', start + 1), body.find("</table>", start)) if i != -1]
    return _text(body[start:min(ends)].encode())


def _double_bookings(client: Client, trip: str) -> list[dict[str, str]]:
    resp = client.get(f"/api/trips/{trip}/warnings")
    assert resp.status_code == 200
    return [w for w in resp.json() if w["code"] == "double_booked"]


def test_the_trip_pages_flag_double_bookings_with_other_trips_and_no_trip(double_booked):
    c = _protocol()
    page = c.get("/trips/first-virtual-trip/")
    assert page.status_code == 200
    row = _row(page.content, "canada-bilateral")
    assert f"{double_booked} is in both {NO_TRIP} and {CANADA}" in row
    assert f"{double_booked} is in both {CANADA} and {OTHER_TRIP}" in row  # the later one is of another trip
    quad = _row(c.get("/trips/quad-trip/").content, "quad-briefing")
    assert CANADA in quad and NO_TRIP in quad


def test_the_engagement_pages_flag_them(double_booked):
    c = _protocol()
    for slug, others in (("un-call", (CANADA, OTHER_TRIP)), ("canada-bilateral", (NO_TRIP, OTHER_TRIP)),
                         ("quad-briefing", (CANADA, NO_TRIP))):
        page = c.get(f"/engagements/{slug}/")
        assert page.status_code == 200
        text = _text(page.content)
        for other in others:
            assert f"{double_booked} is in both" in text and other in text, (slug, other)


def test_the_api_flags_them_on_the_trips_own_engagement_naming_the_other(double_booked):
    c = _protocol()
    first = _double_bookings(c, "first-virtual-trip")
    mine = {(w["engagement"], w["related"]) for w in first if w["subject"] == double_booked}
    assert {("canada-bilateral", "un-call"), ("canada-bilateral", "quad-briefing")} <= mine
    assert all(w["engagement"] != "quad-briefing" and w["engagement"] != "un-call" for w in first)
    quad = _double_bookings(c, "quad-trip")
    assert {(w["engagement"], w["related"]) for w in quad} == {("quad-briefing", "canada-bilateral"),
                                                               ("quad-briefing", "un-call")}
    assert {w["message"] for w in quad} == {f"{double_booked} is in both {CANADA} and {OTHER_TRIP}",
                                            f"{double_booked} is in both {NO_TRIP} and {OTHER_TRIP}"}


def test_a_cancelled_engagement_is_no_double_booking(double_booked):
    c = _protocol()
    services.cancel(Engagement.objects.get(slug="quad-briefing"))
    assert not [w for w in _double_bookings(c, "first-virtual-trip") if w["related"] == "quad-briefing"]
    assert _double_bookings(c, "quad-trip") == []
    assert Trip.objects.filter(slug="quad-trip").exists()


def test_slots_offered_for_a_double_booked_engagement_avoid_both_other_engagements(double_booked):
    c = _protocol()
    slots = c.get("/api/engagements/canada-bilateral/slots").json()
    assert slots and slots[0]["fits"] and slots[0]["outside"] == [] and slots[0]["holidays"] == []
    assert all(s["fits"] == (not s["outside"] and not s["holidays"]) for s in slots)
    busy = [(datetime(2021, 2, 26, 12, 30, tzinfo=NY), datetime(2021, 2, 26, 14, 10, tzinfo=NY))]
    for s in slots:
        start, end = datetime.fromisoformat(s["starts_at"]), datetime.fromisoformat(s["ends_at"])
        assert not any(start < b_end and b_start < end for b_start, b_end in busy)
