"""Who reads which plans: trips, exports, warnings, slots and the government-wide week are for the
protocol office; everyone else reads only the engagements they take part in, and the press not the
titles of closed segments. What a reader may not see answers as if it did not exist."""

from datetime import timedelta
from html import unescape

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from summitry.accounts.invitations import GUEST_PREFIX
from summitry.accounts.models import Delegation, GuestPass, Person
from summitry.meetings.models import Engagement, Participation

pytestmark = [pytest.mark.postgres]
PASSWORD = "summitry-demo-2021"

TRIP = "Secretary Blinken's first virtual trip"
CANADA_CLOSED = "Talks: detained Canadians, climate, the economy, COVID-19"
CANADA_OPEN = "Opening remarks (press present)"
MEXICO = "Mexico: Secretary Blinken with Secretaries Ebrard and Clouthier"
MEXICO_CLOSED = "Talks: migration, security cooperation"
LEADERS = "Virtual leaders' meeting"

TRIP_API = ["/api/trips", "/api/trips/first-virtual-trip", "/api/trips/first-virtual-trip/engagements",
            "/api/trips/first-virtual-trip/warnings", "/api/trips/first-virtual-trip/export"]
MISSING_TRIP_API = ["/api/trips/no-such-trip", "/api/trips/no-such-trip/engagements",
                    "/api/trips/no-such-trip/warnings", "/api/trips/no-such-trip/export"]
TRIP_PAGES = ["/trips/first-virtual-trip/", "/trips/first-virtual-trip/export.json"]
REFUSED = {"detail": "Only the protocol office may read trips, warnings, slots and exports."}


def _client(username):
    c = Client()
    assert c.login(username=username, password=PASSWORD)
    c.cookies["django_language"] = "en"  # the journalist and the principals read French and Spanish otherwise
    return c


@pytest.fixture
def press():
    return _client("press-ca")  # the Canadian press pool: press in canada-bilateral and the press availability


@pytest.fixture
def principal():
    return _client("clouthier")  # principal in mexico-bilateral only


@pytest.fixture
def planner():
    return _client("protocol")


@pytest.fixture
def guest(scenario):
    """A journalist without an account, signed in by an invitation link to the Canada bilateral; on the
    list of the press availability too, but not invited to it. The account is made as redeeming a link
    makes it (links to the demo's past engagements no longer work)."""
    person = Person.objects.create(slug="reporter", delegation=Delegation.objects.get(slug="ca-press-pool"),
                                   given_name="Lee", family_name="Reporter", title="Reporter (illustrative)")
    for slug in ("canada-bilateral", "garneau-press-availability"):
        Participation.objects.create(engagement=Engagement.objects.get(slug=slug), person=person, role="press")
    user = get_user_model().objects.create(username=f"{GUEST_PREFIX}{person.slug}")
    user.set_unusable_password()
    user.save()
    Person.objects.filter(pk=person.pk).update(user=user)
    GuestPass.objects.create(user=user, engagement=Engagement.objects.get(slug="canada-bilateral"))
    now = timezone.now()  # a guest's pass ends with the engagement: hold the bilateral today
    Engagement.objects.filter(slug="canada-bilateral").update(starts_at=now - timedelta(hours=1),
                                                            ends_at=now + timedelta(hours=2))
    c = Client()
    c.force_login(user)
    c.cookies["django_language"] = "en"
    return c


def _text(resp):
    return unescape(resp.content.decode())  # "Blinken's" is "Blinken&#x27;s" in the HTML


def _week_slugs(client, **params):
    resp = client.get("/api/calendar/week", {"start": "2021-02-22", **params})
    assert resp.status_code == 200
    return {e["slug"] for e in resp.json()}


# --- the protocol office reads everything -------------------------------------------------------


def test_the_protocol_office_reads_every_plan(scenario, planner):
    for path in TRIP_API:
        assert planner.get(path).status_code == 200, path
    assert planner.get("/api/engagements/canada-bilateral/slots").status_code == 200
    for path in ("/trips/", *TRIP_PAGES):
        resp = planner.get(path)
        assert resp.status_code == 200, path
        assert "Secretary Blinken" in _text(resp), path
    export = planner.get("/api/trips/first-virtual-trip/export").json()
    assert CANADA_CLOSED in str(export)
    assert len(_week_slugs(planner)) == 8
    week = _text(planner.get("/calendar/", {"start": "2021-02-22"}))
    assert "Government calendar" in week and LEADERS in week
    page = _text(planner.get("/engagements/canada-bilateral/"))
    assert CANADA_CLOSED in page and CANADA_OPEN in page and TRIP in page


def test_missing_trips_are_404_for_the_protocol_office(scenario, planner):
    for path in MISSING_TRIP_API:
        resp = planner.get(path)
        assert resp.status_code == 404 and resp.json() == {"detail": "No such trip."}, path
    assert planner.get("/trips/no-such-trip/").status_code == 404
    assert planner.get("/api/engagements/no-such/slots").status_code == 404


# --- the press ---------------------------------------------------------------------------------


def test_the_press_reads_no_trip(scenario, press):
    for path in (*TRIP_API, *MISSING_TRIP_API, "/api/engagements/canada-bilateral/slots",
                 "/api/engagements/mexico-bilateral/slots", "/api/engagements/no-such/slots"):
        resp = press.get(path)
        assert resp.status_code == 403, path
        assert resp.json() == REFUSED, path  # the same answer whether the trip exists or not
    for path in TRIP_PAGES:
        resp = press.get(path)
        assert resp.status_code == 404, path
        assert TRIP not in _text(resp) and CANADA_CLOSED not in _text(resp), path
    assert press.get("/trips/no-such-trip/").status_code == 404
    listing = press.get("/trips/")
    assert listing.status_code == 403
    assert TRIP not in _text(listing) and "Trips are planned by the protocol office" in _text(listing)


def test_the_press_does_not_read_closed_segment_titles(scenario, press):
    resp = press.get("/engagements/canada-bilateral/")
    assert resp.status_code == 200
    page = _text(resp)
    assert CANADA_OPEN in page
    assert CANADA_CLOSED not in page
    assert "Closed (delegations only)" in page  # the closed part is shown, without its title
    assert TRIP not in page  # nor the trip it belongs to
    assert "Add to my calendar (.ics)" in page


def test_the_press_reads_only_its_own_engagements(scenario, press):
    for slug in ("mexico-bilateral", "us-ca-leaders-summit", "no-such-engagement"):
        assert press.get(f"/engagements/{slug}/").status_code == 404, slug
        assert press.get(f"/engagements/{slug}/invitation.ics").status_code == 404, slug
    assert press.get("/engagements/canada-bilateral/invitation.ics").status_code == 200
    assert _week_slugs(press) == {"canada-bilateral", "garneau-press-availability"}
    assert _week_slugs(press, country="US") == {"canada-bilateral"}  # the Secretary takes part
    assert _week_slugs(press, ministry="Transport Canada") == set()
    page = press.get("/calendar/", {"start": "2021-02-22"})
    assert page.status_code == 200
    text = _text(page)
    assert "My calendar" in text and "Government calendar:" not in text
    assert "Canada: Secretary Blinken and Minister Garneau" in text
    assert MEXICO not in text and LEADERS not in text and "Climate: Minister Wilkinson" not in text


# --- a guest signed in by an invitation link ------------------------------------------------------


def test_a_guest_reads_only_the_engagement_of_its_invitation(guest):
    page = guest.get("/engagements/canada-bilateral/")
    assert page.status_code == 200
    assert CANADA_OPEN in _text(page) and CANADA_CLOSED not in _text(page)
    # on the list of the press availability, but the link was for the bilateral only
    assert guest.get("/engagements/garneau-press-availability/").status_code == 404
    assert guest.get("/engagements/garneau-press-availability/invitation.ics").status_code == 404
    assert guest.get("/engagements/mexico-bilateral/").status_code == 404
    assert _week_slugs(guest, start=timezone.now().date().isoformat()) == {"canada-bilateral"}
    week = _text(guest.get("/calendar/", {"start": "2021-02-22"}))
    assert "Minister Garneau's press availability" not in week and MEXICO not in week
    for path in TRIP_API:
        assert guest.get(path).status_code == 403, path
    for path in TRIP_PAGES:
        assert guest.get(path).status_code == 404, path
    assert guest.get("/trips/").status_code == 403
    home = _text(guest.get("/"))  # their own home page lists only the engagement of the link
    assert "Minister Garneau's press availability" not in home and "canada-bilateral" in home
    assert guest.get("/engagements/garneau-press-availability/room").status_code == 403


# --- a principal --------------------------------------------------------------------------------


def test_a_principal_reads_its_engagements_with_closed_segments(scenario, principal):
    page = principal.get("/engagements/mexico-bilateral/")
    assert page.status_code == 200
    assert MEXICO_CLOSED in _text(page)  # principals sit in closed segments: they read their titles
    assert TRIP not in _text(page)
    assert principal.get("/engagements/canada-bilateral/").status_code == 404
    assert _week_slugs(principal) == {"mexico-bilateral"}
    assert "Canada: Secretary Blinken" not in _text(principal.get("/calendar/", {"start": "2021-02-22"}))
    for path in (*TRIP_API, "/api/engagements/mexico-bilateral/slots"):
        resp = principal.get(path)
        assert resp.status_code == 403 and resp.json() == REFUSED, path
    for path in TRIP_PAGES:
        assert principal.get(path).status_code == 404, path


def test_a_delegation_member_does_not_read_restricted_titles(scenario):
    e = Engagement.objects.get(slug="canada-bilateral")
    e.segments.filter(kind="closed").update(kind="restricted")
    chung = _text(_client("chung").get("/engagements/canada-bilateral/"))  # delegation member
    assert CANADA_OPEN in chung and CANADA_CLOSED not in chung
    blinken = _text(_client("blinken").get("/engagements/canada-bilateral/"))  # principal
    assert CANADA_CLOSED in blinken


def test_reading_without_signing_in(scenario):
    anonymous = Client()
    for path in (*TRIP_API, "/api/calendar/week?start=2021-02-22", "/api/engagements/canada-bilateral/slots"):
        assert anonymous.get(path).status_code == 401, path
    for path in ("/trips/", *TRIP_PAGES, "/calendar/", "/engagements/canada-bilateral/"):
        resp = anonymous.get(path)
        assert resp.status_code == 302 and resp.url.startswith("/accounts/login/"), path


def test_the_refusal_and_the_own_calendar_speak_the_readers_language(scenario):
    french = Client()
    assert french.login(username="press-ca", password=PASSWORD)  # Élise reads French
    assert "Mon agenda" in _text(french.get("/calendar/"))
    assert "Les voyages sont préparés par le service du protocole" in _text(french.get("/trips/"))
    spanish = Client()
    assert spanish.login(username="clouthier", password=PASSWORD)
    assert "Mi calendario" in _text(spanish.get("/calendar/"))
    assert "Los viajes los prepara la oficina de protocolo" in _text(spanish.get("/trips/"))


def test_a_guest_has_no_calendar_feed_and_nothing_once_the_engagement_is_over(guest):
    person = Person.objects.get(slug="reporter")
    assert person.calendar_token not in _text(guest.get("/calendar/"))
    assert Client().get(f"/calendar/feed/{person.calendar_token}.ics").status_code == 404
    assert guest.get("/engagements/canada-bilateral/room").status_code == 200
    # moved into the past (or ended): the guest's pass is over, whatever the session says
    Engagement.objects.filter(slug="canada-bilateral").update(ends_at=timezone.now() - timedelta(minutes=1),
                                                            starts_at=timezone.now() - timedelta(hours=2))
    assert guest.get("/engagements/canada-bilateral/room").status_code == 403
    assert guest.get("/engagements/canada-bilateral/").status_code == 404
    assert guest.post("/api/engagements/canada-bilateral/leave").status_code == 403
    assert "canada-bilateral" not in _text(guest.get("/"))


def test_a_guest_cannot_leave_engagements_it_was_not_invited_to(guest):
    resp = guest.post("/api/engagements/us-ca-leaders-summit/leave")
    assert resp.status_code == 404  # not on its list: as if it did not exist


def test_weeks_beyond_the_calendar_get_a_clear_error(scenario, planner, press):
    for start in ("9999-12-27", "9999-12-31", "0001-01-01", "1899-12-31"):
        page = planner.get("/calendar/", {"start": start})
        assert page.status_code == 400 and "Choose a week between the years 1900 and 9000" in _text(page), start
        api = press.get("/api/calendar/week", {"start": start})
        assert api.status_code == 400 and "1900" in api.json()["detail"], start
    assert planner.get("/calendar/", {"start": "9000-12-25"}).status_code == 200


def test_a_plan_nested_past_any_plan_is_refused_plainly(scenario, planner):
    resp = planner.post("/api/plans/import", "[" * 100_000, content_type="application/json")
    assert resp.status_code == 400 and resp.json()["detail"] == "The body is not JSON."


def test_a_move_beyond_the_calendar_is_refused_and_changes_nothing(scenario, planner):
    before = Engagement.objects.values_list("starts_at", "ends_at", "sequence").get(slug="us-ca-climate")
    for start in ("9999-12-31T23:00:00+00:00", "0001-01-01T00:00:00+00:00", "9000-12-31T23:30:00+00:00"):
        resp = planner.post("/api/engagements/us-ca-climate/reschedule", {"starts_at": start},
                            content_type="application/json")
        assert resp.status_code == 400 and "between the years 1900 and 9000" in resp.json()["detail"], start
        form = planner.post("/engagements/us-ca-climate/reschedule", {"starts_at": start})
        assert form.status_code == 400, start
    assert Engagement.objects.values_list("starts_at", "ends_at", "sequence").get(slug="us-ca-climate") == before
    assert planner.get("/engagements/us-ca-climate/").status_code == 200


def test_importing_the_offices_own_export_keeps_every_account_linked(scenario):
    from summitry.trips import exchange
    from summitry.trips.models import Trip

    linked = dict(Person.objects.values_list("slug", "user_id"))
    for trip in Trip.objects.all():
        exchange.load(exchange.export_trip(trip))
    assert dict(Person.objects.values_list("slug", "user_id")) == linked
