"""A protocol officer changes a plan from its pages: an engagement's details, participants, segments,
cancel / reinstate / delete, a trip's stops, imports confirmed and undone, the landing page. Every bad
value gets its reason beside the field (HTTP 400) and changes nothing."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from summitry.accounts.models import Country, Person
from summitry.audit.models import AuditEntry
from summitry.meetings.models import Engagement, MediaGrant, Participation
from summitry.trips.models import PlanChange, Segment, Stop, Trip

pytestmark = [pytest.mark.postgres]
PASSWORD = "summitry-demo-2021"
NY = ZoneInfo("America/New_York")
HX = {"HTTP_HX_REQUEST": "true"}


def _client(username="protocol"):
    c = Client()
    assert c.login(username=username, password=PASSWORD)
    return c


def _state(slug):
    """Everything a page write could change about an engagement."""
    e = Engagement.objects.get(slug=slug)
    return (e.title, e.kind, e.host_id, e.stop_id, e.starts_at, e.ends_at, e.languages, e.state, e.sequence,
            sorted(e.participations.values_list("person__slug", "role", "booth", "precedence")),
            list(e.segments.values_list("kind", "title", "starts_at", "ends_at")))


def _details(e, **changes):
    start = e.starts_at.astimezone(NY)
    data = {"title": e.title, "kind": e.kind, "stop": e.stop_id or "", "host": e.host_id,
            "date": start.date().isoformat(), "start": start.strftime("%H:%M"),
            "duration": int((e.ends_at - e.starts_at).total_seconds() // 60), "timezone": "America/New_York",
            "languages": e.languages.split(",")}
    return data | changes


def _errors(html):
    import re
    return re.findall(r'<p class="error" id="([^"]+)-error">([^<]*)</p>', html) + re.findall(
        r'<div class="alert alert-error" role="alert"><p>([^<]*)</p>', html)


def test_moving_an_engagement_from_its_page_moves_its_segments_and_raises_its_sequence(scenario):
    c = _client()
    e = Engagement.objects.get(slug="canada-bilateral")
    first_segment = e.segments.first().starts_at
    r = c.post("/engagements/canada-bilateral/edit", _details(e, start="15:30"), **HX)
    assert r.status_code == 200, _errors(r.content.decode())
    assert "calendars get the new time" in r.content.decode()
    moved = Engagement.objects.get(slug="canada-bilateral")
    assert moved.starts_at == datetime(2021, 2, 26, 15, 30, tzinfo=NY)
    assert moved.sequence == e.sequence + 1
    assert moved.segments.first().starts_at - first_segment == moved.starts_at - e.starts_at
    assert AuditEntry.objects.filter(action="engagement_edited", engagement="canada-bilateral").exists()


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"timezone": "Mars/Olympus"}, "timezone", "Unknown time zone"),
    ({"date": "0001-01-01"}, "date", "between the years 1900 and 9000"),
    ({"date": "9999-12-31", "start": "23:30"}, "date", "between the years 1900 and 9000"),
    ({"date": "2021-03-14", "start": "02:30"}, "start", "does not exist"),          # New York springs forward
    ({"date": "2021-11-07", "start": "01:30"}, "start", "happens twice"),           # and falls back
    ({"title": ""}, "title", "required"),
    ({"title": "x" * 10_000}, "title", "at most 200"),
    ({"duration": "2"}, "duration", "greater than or equal to 5"),
    ({"languages": []}, "languages", "required"),
    ({"languages": ["en", "de"]}, "languages", "not one of the available choices"),
    ({"host": "999999"}, "host", "not one of the available choices"),
])
def test_bad_details_are_refused_beside_the_field_and_change_nothing(scenario, changes, field, words):
    c = _client()
    e = Engagement.objects.get(slug="canada-bilateral")
    before = _state(e.slug)
    r = c.post("/engagements/canada-bilateral/edit", _details(e, **changes), **HX)
    html = r.content.decode()
    assert r.status_code == 400
    assert any(f.endswith(field) and words in msg for f, msg in _errors(html)[:1] + [
        x for x in _errors(html) if isinstance(x, tuple)]), _errors(html)
    assert 'aria-invalid="true"' in html
    assert _state(e.slug) == before


def test_shortening_below_its_segments_is_refused(scenario):
    c = _client()
    e = Engagement.objects.get(slug="canada-bilateral")
    before = _state(e.slug)
    r = c.post("/engagements/canada-bilateral/edit", _details(e, duration=20), **HX)
    assert r.status_code == 400 and "outside the new times" in r.content.decode()
    assert _state(e.slug) == before


def test_dropping_a_language_takes_the_booth_from_its_interpreters(scenario):
    c = _client()
    e = Engagement.objects.get(slug="canada-bilateral")
    assert e.participations.filter(booth="fr").exists()
    r = c.post("/engagements/canada-bilateral/edit", _details(e, languages=["en"]), **HX)
    assert r.status_code == 200
    assert not Engagement.objects.get(slug="canada-bilateral").participations.filter(booth="fr").exists()


def test_participants_are_added_changed_and_removed_with_their_booth_checked(scenario):
    c = _client()
    e = Engagement.objects.get(slug="canada-bilateral")
    kerry = Person.objects.get(slug="john-kerry")
    # an interpreter in a bilingual engagement needs a booth; a principal may not have one
    r = c.post("/engagements/canada-bilateral/participants", {"person": kerry.pk, "role": "interpreter"}, **HX)
    assert r.status_code == 400 and "interprets into" in r.content.decode()
    r = c.post("/engagements/canada-bilateral/participants",
               {"person": kerry.pk, "role": "principal", "booth": "fr"}, **HX)
    assert r.status_code == 400 and "Only an interpreter has a booth" in r.content.decode()
    r = c.post("/engagements/canada-bilateral/participants",
               {"person": kerry.pk, "role": "delegation_member", "precedence": "3"}, **HX)
    assert r.status_code == 200, _errors(r.content.decode())
    p = Participation.objects.get(engagement=e, person=kerry)
    assert (p.role, p.precedence) == ("delegation_member", 3)
    # the person list no longer offers someone already on the list
    r = c.post("/engagements/canada-bilateral/participants", {"person": kerry.pk, "role": "principal"}, **HX)
    assert r.status_code == 400
    r = c.post(f"/engagements/canada-bilateral/participants/{p.pk}",
               {f"p{p.pk}-role": "interpreter", f"p{p.pk}-booth": "fr", f"p{p.pk}-precedence": ""}, **HX)
    assert r.status_code == 200, _errors(r.content.decode())
    p.refresh_from_db()
    assert (p.role, p.booth, p.precedence) == ("interpreter", "fr", None)
    r = c.post(f"/engagements/canada-bilateral/participants/{p.pk}/remove", **HX)
    assert r.status_code == 200
    assert not Participation.objects.filter(pk=p.pk).exists()
    assert AuditEntry.objects.filter(action="participant_removed", subject="john-kerry").exists()


def test_another_engagements_participant_cannot_be_edited_through_this_one(scenario):
    c = _client()
    other = Participation.objects.filter(engagement__slug="mexico-bilateral").first()
    assert c.post(f"/engagements/canada-bilateral/participants/{other.pk}/remove", **HX).status_code == 404
    assert Participation.objects.filter(pk=other.pk).exists()


def test_segments_are_added_inside_the_engagement_without_overlap_and_removed(scenario):
    c = _client()
    e = Engagement.objects.get(slug="port-of-entry-visit")  # 11:00-11:45 New York, no segments
    url = "/engagements/port-of-entry-visit/segments"
    r = c.post(url, {"kind": "open", "title": "Arrival", "starts": "2021-02-26T11:00", "ends": "2021-02-26T11:15"},
               **HX)
    assert r.status_code == 200, _errors(r.content.decode())
    for bad, words in [
        ({"starts": "2021-02-26T11:10", "ends": "2021-02-26T11:20"}, "overlaps the segment “Arrival”"),
        ({"starts": "2021-02-26T10:00", "ends": "2021-02-26T11:20"}, "inside the engagement"),
        ({"starts": "2021-02-26T11:30", "ends": "2021-02-26T11:20"}, "ends after it starts"),
        ({"starts": "0001-01-01T00:00", "ends": "2021-02-26T11:20"}, "between the years"),
        ({"starts": "not a time", "ends": "2021-02-26T11:20"}, "valid date/time"),
    ]:
        before = _state(e.slug)
        r = c.post(url, {"kind": "closed", "title": "<script>x</script>", **bad}, **HX)
        assert r.status_code == 400 and words in r.content.decode(), (bad, _errors(r.content.decode()))
        assert "<script>x</script>" not in r.content.decode()
        assert _state(e.slug) == before
    s = Segment.objects.get(engagement=e)
    assert (s.starts_at, s.ends_at) == (datetime(2021, 2, 26, 11, 0, tzinfo=NY),
                                        datetime(2021, 2, 26, 11, 15, tzinfo=NY))
    assert c.post(f"/engagements/port-of-entry-visit/segments/{s.pk}/remove", **HX).status_code == 200
    assert not e.segments.exists()


def test_cancel_asks_first_then_cancels_and_reinstate_undoes_it(scenario, settings):
    c = _client()
    page = c.get("/engagements/us-ca-climate/cancel").content.decode()
    assert "participants are sent a cancellation" in page
    assert Engagement.objects.get(slug="us-ca-climate").state == "scheduled"  # asking changes nothing
    assert c.post("/engagements/us-ca-climate/cancel").status_code == 302
    e = Engagement.objects.get(slug="us-ca-climate")
    assert e.state == "cancelled"
    # 2021 is past: reinstating what has ended is refused in words
    r = c.post("/engagements/us-ca-climate/reinstate", **HX)
    assert r.status_code == 400 and "already ended" in r.content.decode()


def test_delete_only_what_nobody_joined(scenario):
    c = _client()
    e = Engagement.objects.get(slug="us-ca-transport")
    MediaGrant.objects.create(participation=e.participations.first(), token="t" * 40)
    r = c.post("/engagements/us-ca-transport/delete")
    assert r.status_code == 400 and "cancel it instead" in r.content.decode()
    assert Engagement.objects.filter(slug="us-ca-transport").exists()
    assert c.get("/engagements/port-of-entry-visit/delete").status_code == 200
    r = c.post("/engagements/port-of-entry-visit/delete")
    assert r.status_code == 302 and r["Location"] == "/trips/first-virtual-trip/"
    assert not Engagement.objects.filter(slug="port-of-entry-visit").exists()


def test_stops_get_dates_are_reordered_and_removed_only_when_empty(scenario):
    c = _client()
    trip = Trip.objects.get(slug="first-virtual-trip")
    us = Country.objects.get(code="US")
    r = c.post("/trips/first-virtual-trip/stops", {"country": us.pk, "title": "", "arrives_on": "2021-02-27",
                                                   "departs_on": "2021-02-26"}, **HX)
    assert r.status_code == 400 and "on or after the arrival" in r.content.decode()
    assert trip.stops.count() == 2
    r = c.post("/trips/first-virtual-trip/stops", {"country": us.pk, "title": "Home",
                                                   "arrives_on": "2021-02-27", "departs_on": "2021-02-27"}, **HX)
    assert r.status_code == 200
    home = trip.stops.get(order=3)
    assert (home.title, str(home.arrives_on)) == ("Home", "2021-02-27")
    r = c.post("/trips/first-virtual-trip/stops/1", {"s1-title": "Mexico City", "s1-arrives_on": "2021-02-26",
                                                     "s1-departs_on": "2021-02-26"}, **HX)
    assert r.status_code == 200 and str(trip.stops.get(order=1).arrives_on) == "2021-02-26"
    mexico_engagements = set(Stop.objects.get(trip=trip, order=1).engagements.values_list("slug", flat=True))
    assert c.post("/trips/first-virtual-trip/stops/1/move", {"direction": "down"}, **HX).status_code == 200
    assert trip.stops.get(order=2).country.code == "MX"
    assert set(trip.stops.get(order=2).engagements.values_list("slug", flat=True)) == mexico_engagements
    r = c.post("/trips/first-virtual-trip/stops/1/move", {"direction": "up"}, **HX)
    assert r.status_code == 400 and "already the first stop" in r.content.decode()
    r = c.post("/trips/first-virtual-trip/stops/2/remove", **HX)
    assert r.status_code == 400 and "take place at this stop" in r.content.decode()
    assert c.post("/trips/first-virtual-trip/stops/3/remove", **HX).status_code == 200
    assert [s.country.code for s in trip.stops.all()] == ["CA", "MX"]


def test_nobody_but_the_protocol_office_changes_a_plan(scenario):
    e = Engagement.objects.get(slug="canada-bilateral")
    p = e.participations.first()
    s = e.segments.first()
    posts = ["/engagements/canada-bilateral/edit", "/engagements/canada-bilateral/participants",
             f"/engagements/canada-bilateral/participants/{p.pk}",
             f"/engagements/canada-bilateral/participants/{p.pk}/remove",
             "/engagements/canada-bilateral/segments", f"/engagements/canada-bilateral/segments/{s.pk}/remove",
             "/engagements/canada-bilateral/cancel", "/engagements/canada-bilateral/reinstate",
             "/engagements/canada-bilateral/delete", "/engagements/new", "/trips/first-virtual-trip/stops/1",
             "/trips/first-virtual-trip/stops/1/move", "/trips/first-virtual-trip/stops/1/remove",
             "/trips/import/confirm"]
    before = _state("canada-bilateral")
    for who in ("garneau", "blinken", "press-ca", "interpreter-fr"):
        c = _client(who)
        for url in posts:
            assert c.post(url, _details(e)).status_code == 403, (who, url)
    anonymous = Client()
    for url in posts:
        assert anonymous.post(url).status_code in (302, 403)
    assert _state("canada-bilateral") == before
    assert _client("garneau").get("/engagements/canada-bilateral/").content.decode().count("Save details") == 0


def test_an_engagement_of_no_trip_is_planned_from_the_landing_page(scenario):
    c = _client()
    assert "New engagement" in c.get("/trips/").content.decode()
    host = Person.objects.get(slug="marc-garneau").delegation_id
    people = [Person.objects.get(slug=s).pk for s in ("marc-garneau", "antony-blinken")]
    r = c.post("/engagements/new", {"title": "Встреча министров", "kind": "ministerial", "host": host,
                                    "date": "2021-03-02", "start": "10:00", "duration": 45,
                                    "timezone": "America/Toronto", "languages": ["en", "fr"],
                                    "participants": people})
    assert r.status_code == 302, _errors(r.content.decode())
    e = Engagement.objects.get(title="Встреча министров")
    assert e.trip is None and e.languages == "en,fr"
    assert dict(e.participations.values_list("person__slug", "role")) == {
        "marc-garneau": "host", "antony-blinken": "principal"}
    assert e.starts_at == datetime(2021, 3, 2, 10, 0, tzinfo=ZoneInfo("America/Toronto"))


def test_a_suggested_move_is_confirmed_and_can_be_undone(scenario):
    c = _client()
    before = Engagement.objects.get(slug="mexico-bilateral").starts_at
    slot = c.get("/api/engagements/mexico-bilateral/slots").json()[0]
    r = c.post("/engagements/mexico-bilateral/reschedule", {"starts_at": slot["starts_at"]}, **HX)
    html = r.content.decode()
    assert r.status_code == 200 and "moved to" in html and "Undo the move" in html
    r = c.post("/engagements/mexico-bilateral/reschedule", {"starts_at": before.isoformat(), "undo": "1"}, **HX)
    assert r.status_code == 200 and "Move undone" in r.content.decode()
    assert "Undo the move" not in r.content.decode()
    assert Engagement.objects.get(slug="mexico-bilateral").starts_at == before


def _upload(c, plan, name="plan.json"):
    import io
    import json
    f = io.BytesIO(json.dumps(plan).encode())
    f.name = name
    return c.post("/trips/import", {"plan": f})


def test_an_import_is_previewed_confirmed_and_undone(scenario):
    from summitry.trips.exchange import export_trip
    c = _client()
    trip = Trip.objects.get(slug="first-virtual-trip")
    original = export_trip(trip)
    plan = export_trip(trip)
    bilateral = next(e for e in plan["engagements"] if e["slug"] == "canada-bilateral")
    bilateral["starts"], bilateral["ends"] = "2021-02-26T16:00", "2021-02-26T17:00"
    bilateral["segments"] = []
    bilateral["participants"] = [p for p in bilateral["participants"] if p["person"] != "ca-note-taker"]
    plan["engagements"].append({**bilateral, "slug": "new-one", "title": "A new one", "participants": []})
    plan["people"][0]["title"] = "Changed title"
    r = _upload(c, plan)
    html = r.content.decode()
    assert r.status_code == 200 and "nothing is saved until you confirm" in html
    assert "ca-note-taker" in html and "new time" in html
    assert Engagement.objects.get(slug="canada-bilateral").starts_at.hour != 21  # nothing saved yet
    signed = html.split('name="plan" value="')[1].split('"')[0]
    # a tampered preview is refused
    assert c.post("/trips/import/confirm", {"plan": signed[:-2] + "xx"}).status_code == 400
    r = c.post("/trips/import/confirm", {"plan": signed})
    assert r.status_code == 302
    change = PlanChange.objects.get()
    assert Engagement.objects.filter(slug="new-one").exists()
    assert export_trip(trip) != original
    page = c.get(r["Location"]).content.decode()
    assert "Undo this import" in page
    r = c.post(f"/trips/imports/{change.pk}/undo")
    assert r.status_code == 302
    assert export_trip(Trip.objects.get(slug="first-virtual-trip")) == original
    assert not Engagement.objects.filter(slug="new-one").exists()
    r = c.post(f"/trips/imports/{change.pk}/undo")
    assert r.status_code == 400 and "undone already" in r.content.decode()


def test_undo_is_refused_once_what_was_imported_changed_since(scenario):
    from summitry.trips.exchange import export_trip
    c = _client()
    trip = Trip.objects.get(slug="first-virtual-trip")
    plan = export_trip(trip)
    plan["engagements"][0]["title"] = "Renamed by the import"
    html = _upload(c, plan).content.decode()
    c.post("/trips/import/confirm", {"plan": html.split('name="plan" value="')[1].split('"')[0]})
    change = PlanChange.objects.get()
    e = Engagement.objects.get(slug=plan["engagements"][0]["slug"])
    c.post(f"/engagements/{e.slug}/edit", _details(e, title="Renamed by hand"), **HX)
    r = c.post(f"/trips/imports/{change.pk}/undo")
    assert r.status_code == 400 and "changed since" in r.content.decode()
    assert Engagement.objects.get(pk=e.pk).title == "Renamed by hand"


def test_a_bad_import_file_says_why_and_saves_nothing(scenario):
    c = _client()
    r = _upload(c, {"schema": "summitry.plan/1", "engagements": [{"slug": "x"}]})
    assert r.status_code == 400 and "Nothing was imported" in r.content.decode()
    assert not PlanChange.objects.exists()


def test_the_landing_page_says_what_needs_attention(scenario):
    html = _client().get("/trips/").content.decode()
    assert "Coming up" in html and "Needs attention" in html
    assert "warning" in html  # the demo trip has warnings (the Mexico bilateral before 09:00 in Mexico City)


def test_the_week_exports_as_a_plan_that_imports_back_unchanged(scenario):
    import json

    from summitry.trips import exchange
    c = _client()
    r = c.get("/calendar/export.json?start=2021-02-24")
    assert r.status_code == 200
    week = json.loads(r.content)
    assert {e["slug"] for e in week["engagements"]} == set(Engagement.objects.values_list("slug", flat=True)) - {
        e.slug for e in Engagement.objects.filter(starts_at__gte=datetime(2021, 3, 1, tzinfo=NY))}
    exchange.load(week)
    assert json.loads(c.get("/calendar/export.json?start=2021-02-22").content) == week
    for bad in ("", "0001-01-01", "9999-12-31", "x"):
        assert c.get(f"/calendar/export.json?start={bad}").status_code == 400
    assert _client("garneau").get("/calendar/export.json?start=2021-02-22").status_code == 403


def test_the_first_protocol_officer_comes_from_the_command_line(transactional_db, monkeypatch):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    monkeypatch.setenv("SUMMITRY_OFFICER_PASSWORD", "a long enough passphrase 2021")
    call_command("protocol_officer", "first-officer")
    user = get_user_model().objects.get(username="first-officer")
    assert user.has_perm("trips.plan_trips") and user.check_password("a long enough passphrase 2021")
    c = Client()
    assert c.login(username="first-officer", password="a long enough passphrase 2021")
    assert c.get("/trips/").status_code == 200


def test_a_trips_title_traveller_and_description_are_edited_from_its_page(scenario):
    c = _client()
    r = c.post("/trips/first-virtual-trip/edit", {"title": "", "description": "x"}, **HX)
    assert r.status_code == 400 and 'id="trip-title-error"' in r.content.decode()
    assert Trip.objects.get(slug="first-virtual-trip").description != "x"
    r = c.post("/trips/first-virtual-trip/edit", {"title": "Первая поездка", "description": "Par vidéo.",
                                                  "traveller": ""}, **HX)
    assert r.status_code == 200
    trip = Trip.objects.get(slug="first-virtual-trip")
    assert (trip.title, trip.description, trip.traveller) == ("Первая поездка", "Par vidéo.", None)


@pytest.mark.parametrize("path", ["/trips/", "/trips/first-virtual-trip/", "/engagements/canada-bilateral/",
                                  "/engagements/new", "/calendar/", "/directory/"])
def test_every_id_on_a_planning_page_is_unique_so_each_label_names_its_own_field(scenario, path):
    import re
    from collections import Counter
    html = _client().get(path).content.decode()
    repeated = [i for i, n in Counter(re.findall(r'\sid="([^"]+)"', html)).items() if n > 1]
    assert not repeated, repeated
    labelled = set(re.findall(r'<label for="([^"]+)"', html))
    assert labelled <= set(re.findall(r'\sid="([^"]+)"', html))


def _tokyo_call():
    from summitry.accounts.models import Delegation
    from summitry.trips import services
    japan = Country.objects.create(code="JP", name="Japan", capital="Tokyo", timezone="Asia/Tokyo")
    mofa = Delegation.objects.create(slug="jp-mofa", name="Japan: Ministry of Foreign Affairs", country=japan)
    motegi = Person.objects.create(slug="toshimitsu-motegi", delegation=mofa, given_name="Toshimitsu",
                                   family_name="Motegi", rank=10)
    blinken = Person.objects.get(slug="antony-blinken")
    trip = Trip.objects.get(slug="first-virtual-trip")
    return services.create_engagement(
        trip=trip, stop=None, slug="tokyo-call", title="Call with Tokyo", kind="bilateral", host=blinken.delegation,
        starts_at=datetime(2021, 2, 25, 9, 0, tzinfo=NY), ends_at=datetime(2021, 2, 25, 11, 0, tzinfo=NY),
        invitees=[services.Invitee(blinken, "host"), services.Invitee(motegi, "principal")])


def test_when_no_slot_fits_tokyo_and_washington_the_least_bad_are_offered(scenario):
    _tokyo_call()
    html = _client().get("/trips/first-virtual-trip/").content.decode()
    row = html[html.index('id="row-tokyo-call"'):]
    row = row[:row.index("</tbody>")]
    assert "No slot in the next days fits" in row
    assert row.count('class="btn btn-slot btn-slot-outside"') >= 1
    assert "Outside working hours: Tokyo" in row or "Outside working hours: Washington" in row


def test_an_engagement_across_midnight_shows_both_days(scenario):
    _tokyo_call()
    html = _client().get("/engagements/tokyo-call/").content.decode()
    # 09:00-11:00 in Washington is 23:00 on Thursday to 01:00 on Friday in Tokyo
    assert "Thu 23:00 – Fri 01:00 JST" in html.replace("\u202f", " ").replace("\u2009", " ")
    trip = _client().get("/trips/first-virtual-trip/").content.decode()
    row = trip[trip.index('id="row-tokyo-call"'):]
    assert "Thu 23:00 – Fri 01:00" in row[:row.index("</tr>")].replace("\u202f", " ").replace("\u2009", " ")


def test_people_are_told_when_an_engagement_is_deleted_cancelled_or_they_leave_its_list(scenario, mailoutbox):
    from django.core import mail
    Person.objects.filter(slug__in=["antony-blinken", "us-port-director", "john-kerry"]).update(
        email="someone@example.org")
    c = _client()
    assert c.post("/engagements/port-of-entry-visit/delete").status_code == 302
    cancels = [m for m in mail.outbox if "METHOD:CANCEL" in str(m.message())]
    assert len(cancels) == 2 and all(len(m.to) == 1 for m in cancels)
    mail.outbox.clear()
    assert c.post("/engagements/us-ca-climate/cancel").status_code == 302
    assert [m.to for m in mail.outbox] == [["John Kerry <someone@example.org>"]]  # Wilkinson has no address
    mail.outbox.clear()
    e = Engagement.objects.get(slug="canada-bilateral")
    blinken = e.participations.get(person__slug="antony-blinken")
    assert c.post(f"/engagements/canada-bilateral/participants/{blinken.pk}/remove", **HX).status_code == 200
    assert len(mail.outbox) == 1 and "METHOD:CANCEL" in str(mail.outbox[0].message())
