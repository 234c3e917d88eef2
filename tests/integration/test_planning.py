"""Planning through the HTTP surface: pages, htmx forms, the API, calendars, permissions."""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from icalendar import Calendar

from summitry.accounts.models import Person
from summitry.meetings.models import Engagement
from summitry.trips.models import Trip

pytestmark = [pytest.mark.postgres]
PASSWORD = "summitry-demo-2021"
NY = ZoneInfo("America/New_York")


def _client(username, **kw):
    c = Client(**kw)
    assert c.login(username=username, password=PASSWORD)
    return c


def test_trip_timeline_shows_each_capitals_local_time(scenario):
    html = _client("protocol").get("/trips/first-virtual-trip/").content.decode()
    row = html[html.index('id="row-canada-bilateral"'):]
    row = row[:row.index("</tr>")]
    # 13:00 in Washington and Ottawa, 12:00 in Mexico City (UTC-6 in February 2021)
    assert [t for t in ("13:00–14:00", "12:00–13:00") if t in row] == ["13:00–14:00", "12:00–13:00"]
    # the Mexico meeting at 09:30 Washington is 08:30 in Mexico City: outside working hours
    assert "08:30–09:30 in Mexico City" in html


def test_using_a_suggested_slot_clears_the_warning(scenario):
    c = _client("protocol")
    slots = c.get("/api/engagements/mexico-bilateral/slots").json()
    assert slots, "a slot exists on the same day"
    first = slots[0]
    mexico = next(t for t in first["local_times"] if t["timezone"] == "America/Mexico_City")
    assert datetime.fromisoformat(mexico["starts"]).hour >= 9
    page = c.post("/engagements/mexico-bilateral/reschedule", {"starts_at": first["starts_at"]}, HTTP_HX_REQUEST="true")
    assert page.status_code == 200 and 'id="trip-body"' in page.content.decode()
    assert "<html" not in page.content.decode()  # an htmx partial
    warnings = c.get("/api/trips/first-virtual-trip/warnings").json()
    assert not [w for w in warnings if w["engagement"] == "mexico-bilateral"]
    moved = Engagement.objects.get(slug="mexico-bilateral")
    assert moved.sequence == 1
    # segments moved with it
    assert moved.segments.first().starts_at == moved.starts_at


def test_building_a_trip_with_forms(scenario):
    c = _client("protocol")
    resp = c.post("/trips/", {"title": "Ottawa and Mexico City, March 2021",
                              "organizer": Person.objects.get(slug="antony-blinken").delegation_id})
    assert resp.status_code == 302
    trip = Trip.objects.get(slug="ottawa-and-mexico-city-march-2021")
    ca = trip.organizer.country.__class__.objects.get(code="CA").pk
    assert c.post(f"/trips/{trip.slug}/stops", {"country": ca}, HTTP_HX_REQUEST="true").status_code == 200
    people = [Person.objects.get(slug=s).pk for s in ("antony-blinken", "marc-garneau")]
    bad = c.post(f"/trips/{trip.slug}/engagements", {
        "title": "Talks", "kind": "bilateral", "host": trip.organizer_id, "date": "2021-03-15",
        "start": "10:00", "duration": "60", "timezone": "Mars/Olympus", "participants": people},
        HTTP_HX_REQUEST="true")
    assert bad.status_code == 400 and "Unknown time zone" in bad.content.decode()
    assert not Engagement.objects.filter(slug="talks").exists()
    ok = c.post(f"/trips/{trip.slug}/engagements", {
        "title": "Talks", "kind": "bilateral", "host": trip.organizer_id, "date": "2021-03-15",
        "start": "10:00", "duration": "60", "timezone": "America/New_York", "participants": people,
        "stop": trip.stops.get().pk, "languages": ["en"]}, HTTP_HX_REQUEST="true")
    assert ok.status_code == 200, ok.content.decode()[:2000]
    talks = Engagement.objects.get(slug="talks")
    assert talks.starts_at.astimezone(NY).hour == 10  # 10:00 EDT, the day after the US changed clocks
    assert talks.starts_at.utcoffset().total_seconds() == 0 and talks.starts_at.hour == 14


def test_planning_needs_the_protocol_office(scenario):
    c = _client("garneau")
    assert c.post("/trips/", {"title": "Mine"}).status_code == 403
    moved = c.post("/engagements/canada-bilateral/reschedule", {"starts_at": "2021-02-26T19:00+00:00"})
    assert moved.status_code == 403
    resp = c.post("/api/trips", {"slug": "x", "title": "x", "organizer": "ca-gac"}, content_type="application/json")
    assert resp.status_code == 403


def test_invitation_in_the_persons_time_zone(scenario):
    body = _client("ebrard").get("/engagements/mexico-bilateral/invitation.ics").content
    cal = Calendar.from_ical(body)
    event = cal.walk("VEVENT")[0]
    start = event.decoded("dtstart")
    assert str(start.tzinfo) == "America/Mexico_City" and start.hour == 8 and start.minute == 30
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["America/Mexico_City"]
    assert cal["METHOD"] == "REQUEST" and event["UID"] == "mexico-bilateral@summitry"


def test_cancellation_is_a_cancel_with_a_higher_sequence(scenario):
    planner = _client("protocol")
    assert planner.post("/api/engagements/canada-bilateral/cancel").status_code == 200
    cal = Calendar.from_ical(_client("garneau").get("/engagements/canada-bilateral/invitation.ics").content)
    event = cal.walk("VEVENT")[0]
    assert cal["METHOD"] == "CANCEL" and event["STATUS"] == "CANCELLED" and int(event["SEQUENCE"]) == 1


def test_secret_feed(scenario):
    token = Person.objects.get(slug="antony-blinken").calendar_token
    feed = Client().get(f"/calendar/feed/{token}.ics")
    assert feed.status_code == 200
    cal = Calendar.from_ical(feed.content)
    assert len(cal.walk("VEVENT")) == 5  # the leaders' meeting and four engagements on the 26th
    assert Client().get("/calendar/feed/not-a-token.ics").status_code == 404


def test_invitation_only_for_participants(scenario):
    assert _client("trudeau").get("/engagements/canada-bilateral/invitation.ics").status_code == 404


def test_government_week_filters(scenario):
    c = _client("protocol")
    all_week = c.get("/api/calendar/week", {"start": "2021-02-22"}).json()
    assert len(all_week) == 8
    transport = c.get("/api/calendar/week", {"start": "2021-02-22", "ministry": "Transport Canada"}).json()
    assert [e["slug"] for e in transport] == ["us-ca-transport"]
    mexico = c.get("/api/calendar/week", {"start": "2021-02-22", "country": "MX"}).json()
    assert {e["slug"] for e in mexico} == {"mexico-bilateral"}
    page = c.get("/calendar/", {"start": "2021-02-24", "country": "CA"})
    assert "Climate: Minister Wilkinson" in page.content.decode()


def test_api_refuses_bad_engagements_and_saves_nothing(scenario):
    c = _client("protocol")
    base = {"slug": "bad", "title": "Bad", "kind": "bilateral", "host": "us-state",
            "starts_at": "2021-02-26T15:00:00-05:00", "ends_at": "2021-02-26T14:00:00-05:00",
            "participants": [{"person": "antony-blinken", "role": "principal"}]}
    resp = c.post("/api/trips/first-virtual-trip/engagements", base, content_type="application/json")
    assert resp.status_code == 400 and "end after it starts" in resp.json()["detail"]
    twice = {**base, "ends_at": "2021-02-26T16:00:00-05:00",
             "participants": [{"person": "antony-blinken", "role": "principal"}] * 2}
    resp = c.post("/api/trips/first-virtual-trip/engagements", twice, content_type="application/json")
    assert resp.status_code == 400 and "invited twice" in resp.json()["detail"]
    assert not Engagement.objects.filter(slug="bad").exists()


def test_api_import_of_a_malformed_plan(scenario):
    c = _client("protocol")
    resp = c.post("/api/plans/import", {"schema": "summitry.plan/1", "engagements": [{"slug": "x"}]},
                  content_type="application/json")
    assert resp.status_code == 400 and "engagements.0.title: Field required" in resp.json()["detail"]


def test_export_then_import_through_the_pages(scenario):
    c = _client("protocol")
    exported = c.get("/trips/first-virtual-trip/export.json")
    data = json.loads(exported.content)
    data["trips"][0]["title"] = "Renamed"
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("plan.json", json.dumps(data).encode(), content_type="application/json")
    preview = c.post("/trips/import", {"plan": upload})
    assert preview.status_code == 200 and Trip.objects.get(slug="first-virtual-trip").title != "Renamed"
    signed = preview.content.decode().split('name="plan" value="')[1].split('"')[0]
    assert c.post("/trips/import/confirm", {"plan": signed}).status_code == 302
    assert Trip.objects.get(slug="first-virtual-trip").title == "Renamed"
    broken = SimpleUploadedFile("plan.json", b"{not json", content_type="application/json")
    resp = c.post("/trips/import", {"plan": broken})
    assert resp.status_code == 400 and "not JSON" in resp.content.decode()


def test_each_person_sees_pages_in_their_language(scenario):
    assert "Mes rencontres" in _client("garneau").get("/").content.decode()
    assert "Mis encuentros" in _client("ebrard").get("/").content.decode()
    chosen = _client("garneau")
    chosen.cookies["django_language"] = "en"
    assert "My engagements" in chosen.get("/").content.decode()


def test_titles_in_any_script_and_errors_beside_their_field(scenario):
    c = _client("protocol")
    organizer = Person.objects.get(slug="antony-blinken").delegation_id
    for title in ("Визит в Оттаву", "زيارة إلى أوتاوا", "渥太华访问"):
        resp = c.post("/trips/", {"title": title, "organizer": organizer})
        assert resp.status_code == 302, title
        assert Trip.objects.get(title=title).slug.startswith("trip-")
    trip = Trip.objects.get(title="渥太华访问")
    people = [Person.objects.get(slug=s).pk for s in ("antony-blinken", "marc-garneau")]
    bad = c.post(f"/trips/{trip.slug}/engagements", {
        "title": "Переговоры", "kind": "bilateral", "host": trip.organizer_id, "date": "2021-03-15",
        "start": "10:00", "duration": "60", "timezone": "Mars/Olympus", "participants": people},
        HTTP_HX_REQUEST="true")
    page = bad.content.decode()
    assert bad.status_code == 400 and 'value="Переговоры"' in page  # what was typed is kept
    assert 'aria-invalid="true"' in page and 'aria-describedby="id_timezone-error"' in page
    assert 'id="id_timezone-error"' in page and "Unknown time zone" in page
    ok = c.post(f"/trips/{trip.slug}/engagements", {
        "title": "Переговоры", "kind": "bilateral", "host": trip.organizer_id, "date": "2021-03-15",
        "start": "10:00", "duration": "60", "timezone": "America/New_York", "participants": people,
        "languages": ["en"]}, HTTP_HX_REQUEST="true")
    assert ok.status_code == 200 and Engagement.objects.filter(title="Переговоры").exists()


def test_a_refused_move_is_said_on_the_trip_page(scenario):
    c = _client("protocol")
    before = Engagement.objects.get(slug="mexico-bilateral").starts_at
    resp = c.post("/engagements/mexico-bilateral/reschedule", {"starts_at": "0001-01-01T00:00:00+00:00"},
                  HTTP_HX_REQUEST="true")
    assert resp.status_code == 400 and 'id="trip-body"' in resp.content.decode()
    assert "Nothing was moved" in resp.content.decode()
    assert Engagement.objects.get(slug="mexico-bilateral").starts_at == before
