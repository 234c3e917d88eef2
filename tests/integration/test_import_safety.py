"""What an attack review of plan imports found, each tried again: an import that would take over a
person's sign-in or make a planner, times the clocks skip or repeat, far years, replayed previews,
imports by the API that skipped the record, an undo that left people untold or answered 500."""

import html
import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from summitry.accounts.models import Person
from summitry.audit.models import AuditEntry
from summitry.meetings.models import Engagement, Participation
from summitry.trips.exchange import export_trip
from summitry.trips.models import PlanChange, Trip

pytestmark = [pytest.mark.postgres]
PASSWORD = "summitry-demo-2021"


def _client(username="protocol"):
    c = Client()
    assert c.login(username=username, password=PASSWORD)
    return c


def _preview(c, plan):
    f = io.BytesIO(json.dumps(plan).encode())
    f.name = "plan.json"
    return c.post("/trips/import", {"plan": f})


def _signed(html):
    return html.split('name="plan" value="')[1].split('"')[0]


def _person(**changes):
    return {"slug": "marc-garneau", "delegation": "ca-gac", "given_name": "Marc", "family_name": "Garneau",
            "rank": 10, **changes}


@pytest.mark.parametrize(("plan", "words"), [
    ({"people": [_person(username="garneau-shadow")]}, "signs in as 'garneau' already"),
    ({"people": [_person(slug="new-person", username="blinken")]}, "belongs to another person"),
    ({"people": [_person(slug="new-person", username="guest-someone")]}, "for guests"),
    ({"people": [_person(slug="new-person", username="has space")]}, "pattern"),
    ({"demo_password": "attacker-pass-123", "people": [_person(slug="new-person", username="newbie")]},
     "demo_password"),
    ({"protocol_officers": ["ca-journalist"]}, "from the command line"),
    ({"people": [_person(title="x\u0000y")]}, "NUL"),
    ({"people": [_person(title="x" * 201)]}, "at most 200"),
])
def test_an_import_never_takes_over_a_sign_in_nor_makes_a_planner(scenario, plan, words):
    c = _client()
    users = sorted(get_user_model().objects.values_list("username", "password"))
    links = sorted(Person.objects.values_list("slug", "user__username"))
    r = _preview(c, {"schema": "summitry.plan/1", **plan})
    assert r.status_code == 400 and words in html.unescape(r.content.decode()), r.content.decode()[-3000:]
    r = c.post("/api/plans/import", json.dumps({"schema": "summitry.plan/1", **plan}),
               content_type="application/json")
    assert r.status_code == 400  # (a NUL is refused before the API reads the body)
    assert r["Content-Type"] != "application/json" or words in r.json()["detail"]
    assert sorted(get_user_model().objects.values_list("username", "password")) == users
    assert sorted(Person.objects.values_list("slug", "user__username")) == links
    assert not get_user_model().objects.get(username="press-ca").has_perm("trips.plan_trips")


def test_a_new_persons_sign_in_name_makes_an_account_without_a_password(scenario):
    c = _client()
    plan = {"schema": "summitry.plan/1", "people": [_person(slug="new-person", username="newbie")]}
    c.post("/trips/import/confirm", {"plan": _signed(_preview(c, plan).content.decode())})
    newbie = get_user_model().objects.get(username="newbie")
    assert not newbie.has_usable_password() and newbie.person.slug == "new-person"


def _engagement(**changes):
    return {"slug": "edge", "title": "Edge", "kind": "bilateral", "host": "us-state",
            "timezone": "America/New_York", "starts": "2021-06-01T10:00", "ends": "2021-06-01T11:00", **changes}


@pytest.mark.parametrize(("changes", "words"), [
    ({"starts": "2021-03-14T02:30", "ends": "2021-03-14T03:30"}, "does not exist in America/New_York"),
    ({"starts": "2021-11-07T01:30", "ends": "2021-11-07T02:30"}, "happens twice"),
    ({"starts": "0001-01-01T00:00", "ends": "0001-01-01T01:00"}, "between the years 1900 and 9000"),
    ({"starts": "9999-12-31T22:00", "ends": "9999-12-31T23:00"}, "between the years 1900 and 9000"),
    ({"starts": "0001-01-01T10:00+09:00", "ends": "0001-01-01T11:00+09:00"}, "between the years"),
    ({"starts": "2021-03-14T01:30", "ends": "2021-03-14T03:00"}, None),  # 30 minutes on the clock: fine
])
def test_times_the_clocks_skip_or_repeat_and_far_years_are_refused_whole(scenario, changes, words):
    c = _client()
    r = _preview(c, {"schema": "summitry.plan/1", "engagements": [_engagement(**changes)]})
    if words is None:
        assert r.status_code == 200
        return
    assert r.status_code == 400 and words in r.content.decode()
    assert not Engagement.objects.filter(slug="edge").exists()
    r = c.post("/api/plans/import", json.dumps({"schema": "summitry.plan/1", "engagements": [
        _engagement(**changes)]}), content_type="application/json")
    assert r.status_code == 400 and not Engagement.objects.filter(slug="edge").exists()


def test_a_preview_imports_once_and_only_for_the_officer_who_made_it(scenario):
    from django.contrib.auth.models import Group
    c = _client()
    plan = {"schema": "summitry.plan/1", "engagements": [_engagement()]}
    signed = _signed(_preview(c, plan).content.decode())
    other = get_user_model().objects.create_user("second-officer", password=PASSWORD)
    other.groups.add(Group.objects.get(name="Protocol office"))
    r = _client("second-officer").post("/trips/import/confirm", {"plan": signed})
    assert r.status_code == 400 and "someone else" in r.content.decode()
    assert c.post("/trips/import/confirm", {"plan": signed}).status_code == 302
    change = PlanChange.objects.get()
    assert c.post(f"/trips/imports/{change.pk}/undo").status_code == 302
    r = c.post("/trips/import/confirm", {"plan": signed})
    assert r.status_code == 400 and "imported already" in r.content.decode()
    assert not Engagement.objects.filter(slug="edge").exists()


def test_an_import_by_the_api_is_recorded_audited_and_can_be_undone(scenario):
    c = _client()
    r = c.post("/api/plans/import", json.dumps({"schema": "summitry.plan/1", "engagements": [_engagement()]}),
               content_type="application/json")
    assert r.status_code == 200, r.content
    change = PlanChange.objects.get(pk=r.json()["change"])
    assert AuditEntry.objects.filter(action="plan_imported", actor="protocol").exists()
    assert c.post(f"/trips/imports/{change.pk}/undo").status_code == 302
    assert not Engagement.objects.filter(slug="edge").exists()


def test_a_move_is_audited_with_who_made_it(scenario):
    c = _client()
    slot = c.get("/api/engagements/mexico-bilateral/slots").json()[0]
    c.post("/engagements/mexico-bilateral/reschedule", {"starts_at": slot["starts_at"]})
    assert AuditEntry.objects.filter(action="engagement_rescheduled", actor="protocol",
                                     engagement="mexico-bilateral").exists()


def test_undo_says_so_when_what_the_import_created_is_used_since(scenario):
    c = _client()
    plan = {"schema": "summitry.plan/1", "people": [_person(slug="newbie", given_name="New", family_name="Bie")]}
    c.post("/trips/import/confirm", {"plan": _signed(_preview(c, plan).content.decode())})
    change = PlanChange.objects.get()
    Participation.objects.create(engagement=Engagement.objects.get(slug="us-ca-climate"),
                                 person=Person.objects.get(slug="newbie"), role="delegation_member")
    r = c.post(f"/trips/imports/{change.pk}/undo")
    assert r.status_code == 400 and "used since" in r.content.decode()
    assert Person.objects.filter(slug="newbie").exists()


def test_undo_tells_the_people_it_takes_off_a_list(scenario, mailoutbox):
    Person.objects.filter(slug="marc-garneau").update(email="garneau@example.org")
    c = _client()
    plan = export_trip(Trip.objects.get(slug="first-virtual-trip"))
    courtesy = next(e for e in plan["engagements"] if e["slug"] == "port-of-entry-visit")
    courtesy["participants"].append({"person": "marc-garneau", "role": "delegation_member", "precedence": None})
    plan["engagements"].append(_engagement(participants=[{"person": "marc-garneau", "role": "principal"}]))
    c.post("/trips/import/confirm", {"plan": _signed(_preview(c, plan).content.decode())})
    assert len(mailoutbox) == 2  # invited to both
    mailoutbox.clear()
    assert c.post(f"/trips/imports/{PlanChange.objects.get().pk}/undo").status_code == 302
    assert len(mailoutbox) == 2 and all("METHOD:CANCEL" in str(m.message()) for m in mailoutbox)


def test_the_week_offers_others_only_the_ministries_and_countries_of_their_own_engagements(scenario):
    from summitry.accounts.models import Country, Delegation
    zed = Country.objects.create(code="ZZ", name="Zedland", capital="Zed", timezone="UTC")
    Delegation.objects.create(slug="zz", name="Zedland: Ministry", country=zed, ministry="Zed Ministry")
    mine = _client("press-ca").get("/calendar/?start=2021-02-22").content.decode()
    assert "Zedland" not in mine and "Zed Ministry" not in mine
    assert "Zedland" in _client().get("/calendar/?start=2021-02-22").content.decode()


def test_a_machines_own_clock_is_no_time_zone(scenario):
    c = _client()
    e = Engagement.objects.get(slug="canada-bilateral")
    r = c.post("/engagements/canada-bilateral/edit", {
        "title": e.title, "kind": e.kind, "host": e.host_id, "date": "2021-02-26", "start": "13:00",
        "duration": 60, "timezone": "localtime", "languages": ["en", "fr"]})
    assert r.status_code == 400 and "Unknown time zone" in r.content.decode()
