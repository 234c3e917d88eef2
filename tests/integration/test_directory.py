"""The directory through its pages: a protocol officer builds countries, delegations and people from an
empty database (no admin, no import), edits them, is told beside each field what is wrong, cannot
delete what is in use, and finds in a trip's export exactly what was typed. Nobody else gets in."""

import json
import re
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client

from summitry.accounts.models import Country, Delegation, Person
from summitry.audit.log import verify
from summitry.audit.models import AuditEntry
from summitry.meetings.models import Engagement, Participation
from summitry.trips.exchange import SLUG, export_trip
from summitry.trips.models import Stop, Trip

pytestmark = [pytest.mark.postgres]
PASSWORD = "directory-test-2021"
SCENARIO = json.loads((Path(__file__).resolve().parents[2] / "src/summitry/demo/scenario.json").read_text())
HOSTILE = ["", "x" * 10_000, "<script>alert(1)</script>", "\u202eمرحبا بالعالم", "👩‍⚖️🇨🇦", "a\x00b", "-1", "1e309",
           "99999999999999999999999"]


def _client(user=None):
    c = Client(raise_request_exception=False)
    c.cookies["django_language"] = "en"
    if user is not None:
        assert c.login(username=user.username, password=PASSWORD)
    return c


@pytest.fixture
def officer(transactional_db):
    """A protocol officer (the ``trips.plan_trips`` permission) in an otherwise empty database."""
    user = get_user_model().objects.create_user("officer", password=PASSWORD)
    user.user_permissions.add(Permission.objects.get(codename="plan_trips", content_type__app_label="trips"))
    return _client(user)


@pytest.fixture
def stranger(transactional_db):
    return _client(get_user_model().objects.create_user("stranger", password=PASSWORD))


def _field_error(html, field):
    """The error shown beside the field, and whether the input is marked invalid and described by it."""
    m = re.search(rf'<p class="error" id="id_{field}-error">(.*?)</p>', html, re.S)
    assert m, f"no error beside {field}"
    described = re.search(rf'<[^>]*aria-describedby="[^"]*id_{field}-error"[^>]*>', html)
    assert described and 'aria-invalid="true"' in described.group(0), f"{field} is not marked invalid"
    return unescape(m.group(1))


def add_country(c, **over):
    data = {"code": "CA", "name": "Canada", "capital": "Ottawa", "timezone": "America/Toronto",
            "holiday_subdivision": "ON", **over}
    return c.post("/directory/countries/new", data)


def add_delegation(c, country, **over):
    data = {"name": "Canada: Global Affairs Canada", "country": country.pk, "ministry": "Global Affairs Canada",
            "work_start": "09:00", "work_end": "17:00", "work_days": ["1", "2", "3", "4", "5"], **over}
    return c.post("/directory/delegations/new", data)


def add_person(c, group, **over):
    data = {"delegation": group.pk, "given_name": "Marc", "family_name": "Garneau",
            "honorific": "The Honourable", "title": "Minister of Foreign Affairs of Canada", "rank": "10",
            "language": "fr", "timezone": "", "email": "", "username": "", **over}
    return c.post("/directory/people/new", data)


@pytest.fixture
def canada(officer):
    assert add_country(officer).status_code == 302
    country = Country.objects.get(code="CA")
    assert add_delegation(officer, country).status_code == 302
    return Delegation.objects.get(country=country)


# Building a demo week from nothing -----------------------------------------------------------------------


def test_the_demo_directory_is_built_through_the_pages_alone(officer):
    """Every country, delegation and person of the demo scenario, typed into the pages."""
    for c in SCENARIO["countries"]:
        if c["code"] == "MX":  # the holiday calendar has no regions for Mexico: "CMX" is refused
            resp = add_country(officer, **{**c, "holiday_subdivision": "CMX"})
            assert resp.status_code == 400
            assert "no regions for MX" in _field_error(resp.content.decode(), "holiday_subdivision")
        resp = add_country(officer, **c)
        assert resp.status_code == 302, resp.content.decode()[:3000]
    delegation_of = {}
    for d in SCENARIO["delegations"]:
        wh = d["working_hours"]
        resp = add_delegation(officer, Country.objects.get(code=d["country"]), name=d["name"], ministry=d["ministry"],
                              work_start=wh["start"], work_end=wh["end"], work_days=[str(x) for x in wh["days"]])
        assert resp.status_code == 302, resp.content.decode()[:3000]
        delegation_of[d["slug"]] = Delegation.objects.get(name=d["name"])
    for p in SCENARIO["people"]:
        resp = add_person(officer, delegation_of[p["delegation"]], **{
            k: p.get(k, "") for k in ("given_name", "family_name", "honorific", "title", "timezone", "email")},
            rank=p.get("rank", 100), language=p.get("language", "en"), username=p.get("username", ""))
        assert resp.status_code == 302, resp.content.decode()[:3000]

    assert (Country.objects.count(), Delegation.objects.count(), Person.objects.count()) == (3, 12, 23)
    for c in SCENARIO["countries"]:
        got = Country.objects.get(code=c["code"])
        expected = {**c, "holiday_subdivision": "" if c["code"] == "MX" else c["holiday_subdivision"]}
        assert {k: getattr(got, k) for k in c} == expected
    for d in SCENARIO["delegations"]:
        got = delegation_of[d["slug"]]
        assert (got.country.code, got.ministry) == (d["country"], d["ministry"])
        assert (got.work_start.strftime("%H:%M"), got.work_end.strftime("%H:%M"), got.work_days) == (
            d["working_hours"]["start"], d["working_hours"]["end"], "".join(map(str, d["working_hours"]["days"])))
        assert re.fullmatch(SLUG, got.slug)
    for p in SCENARIO["people"]:
        got = Person.objects.select_related("user", "delegation").get(given_name=p["given_name"],
                                                                      family_name=p["family_name"])
        assert got.delegation == delegation_of[p["delegation"]]
        assert (got.honorific, got.title, got.rank, got.language) == (
            p.get("honorific", ""), p.get("title", ""), p.get("rank", 100), p.get("language", "en"))
        assert got.user is not None and got.user.username == p["username"]
        assert not got.user.has_usable_password()  # created here: no password until one is set
    assert Person.objects.get(family_name="Blinken").slug == "antony-blinken"

    page = officer.get("/directory/").content.decode()
    assert "3 countries" in page and "12 delegations" in page and "23 people" in page
    people = page[page.index('id="people"'):]
    blinken, chung, price = (people.index(f'id="person-{s}"') for s in ("antony-blinken", "julie-chung", "ned-price"))
    assert blinken < chung < price  # ranks 10, 30, 40 within the Department of State
    assert AuditEntry.objects.filter(action="person_created").count() == 23
    assert AuditEntry.objects.filter(action="account_created").count() == 23
    assert verify().ok


def test_a_saved_record_is_confirmed_on_the_directory(officer):
    resp = add_country(officer)
    assert resp.status_code == 302 and resp["Location"] == "/directory/#country-CA"
    page = officer.get(resp["Location"]).content.decode()
    assert 'role="status"' in page and "Saved the country Canada." in page
    assert AuditEntry.objects.filter(action="country_created", subject="CA", actor="officer").exists()


# Names -----------------------------------------------------------------------------------------------------

NAMES = [("Andrés Manuel", "López Obrador", "andres-manuel-lopez-obrador"), ("Мария", "Захарова", None),
         ("فيصل", "بن فرحان آل سعود", None), ("王", "毅", None), ("Ngozi", "Okonjo-Iweala", "ngozi-okonjo-iweala"),
         ("Zoë", "Ç\u0327elik\u200f", "zoe-celik")]


@pytest.mark.parametrize(("given", "family", "slug"), NAMES)
def test_names_in_any_script_are_kept_exactly(officer, canada, given, family, slug):
    title = "وزير الخارجية" if given == "فيصل" else "Secretario de Relaciones Exteriores — «México»"
    resp = add_person(officer, canada, given_name=given, family_name=family, title=title, honorific="S.E. ")
    assert resp.status_code == 302, resp.content.decode()[:3000]
    p = Person.objects.get()
    assert (p.given_name, p.family_name, p.title, p.honorific) == (given, family, title, "S.E.")
    assert p.slug == slug if slug else re.fullmatch(r"person-[0-9a-f]{8}", p.slug)
    page = officer.get("/directory/").content.decode()
    assert f"<bdi>S.E. {given} {family}</bdi>" in unescape(page)
    edit = officer.get(f"/directory/people/{p.slug}/").content.decode()
    assert f'value="{given}"' in unescape(edit) and f'value="{family}"' in unescape(edit)


def test_html_and_bidi_text_are_stored_as_typed_and_shown_escaped(officer, canada):
    resp = add_person(officer, canada, given_name="<script>alert(1)</script>", family_name="\u202eمرحبا",
                      title="👩‍⚖️🇨🇦")
    assert resp.status_code == 302
    p = Person.objects.get()
    assert (p.given_name, p.family_name, p.title) == ("<script>alert(1)</script>", "\u202eمرحبا", "👩‍⚖️🇨🇦")
    page = officer.get("/directory/").content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_slugs_are_made_from_names_and_never_collide(officer, canada):
    assert add_delegation(officer, canada.country).status_code == 302  # the same name again
    assert sorted(Delegation.objects.values_list("slug", flat=True)) == [
        "canada-global-affairs-canada", "canada-global-affairs-canada-2"]
    for _ in range(3):
        assert add_person(officer, canada).status_code == 302
    assert sorted(Person.objects.values_list("slug", flat=True)) == ["marc-garneau", "marc-garneau-2", "marc-garneau-3"]
    long = "Ministère " * 30
    assert add_delegation(officer, canada.country, name=long[:150]).status_code == 302
    assert add_delegation(officer, canada.country, name=long[:150]).status_code == 302
    slugs = [s for s in Delegation.objects.values_list("slug", flat=True) if s.startswith("ministere")]
    assert len(set(slugs)) == 2 and all(len(s) <= 50 and re.fullmatch(SLUG, s) for s in slugs)
    resp = officer.post("/directory/people/new", {"slug": "chosen-by-the-client", "delegation": canada.pk,
                                                  "given_name": "Mélanie", "family_name": "Joly", "rank": "1",
                                                  "language": "fr"})
    assert resp.status_code == 302 and Person.objects.filter(slug="melanie-joly").exists()


# Editing -----------------------------------------------------------------------------------------------


def test_editing_each_kind_prefills_the_form_and_keeps_the_slug(officer, canada):
    assert add_person(officer, canada, username="garneau", email="garneau@example.org").status_code == 302
    country_page = officer.get("/directory/countries/CA/").content.decode()
    assert 'value="Ottawa"' in country_page and 'value="ON"' in country_page
    assert officer.post("/directory/countries/CA/", {"code": "CA", "name": "Canada", "capital": "Ottawa",
                                                     "timezone": "America/Toronto", "holiday_subdivision": "qc"}
                        ).status_code == 302
    assert Country.objects.get().holiday_subdivision == "QC"  # as the holiday calendar spells it

    slug = canada.slug
    page = officer.get(f"/directory/delegations/{slug}/").content.decode()
    assert 'value="17:00"' in page and re.search(r'value="5"[^>]*checked|checked[^>]*value="5"', page)
    assert not re.search(r'value="6"[^>]*checked', page)
    resp = officer.post(f"/directory/delegations/{slug}/", {
        "name": "Canada: Affaires mondiales Canada", "country": canada.country.pk, "ministry": "",
        "work_start": "08:30", "work_end": "16:30", "work_days": ["1", "2", "3", "4", "5", "6"]})
    assert resp.status_code == 302
    d = Delegation.objects.get()
    assert (d.slug, d.name, d.ministry, d.work_start.isoformat(), d.work_days) == (
        slug, "Canada: Affaires mondiales Canada", "", "08:30:00", "123456")

    p = Person.objects.get()
    page = unescape(officer.get(f"/directory/people/{p.slug}/").content.decode())
    assert 'value="garneau"' in page and 'value="garneau@example.org"' in page and 'value="The Honourable"' in page
    resp = officer.post(f"/directory/people/{p.slug}/", {
        "delegation": canada.pk, "given_name": "Marc", "family_name": "Garneau", "honorific": "L'honorable",
        "title": "Ministre des Affaires étrangères", "rank": "5", "language": "fr", "timezone": "America/Vancouver",
        "email": "", "username": ""})  # an empty sign-in name unlinks nothing
    assert resp.status_code == 302
    p.refresh_from_db()
    assert (p.slug, p.honorific, p.rank, p.timezone, p.email, p.user.username) == (
        "marc-garneau", "L'honorable", 5, "America/Vancouver", "", "garneau")
    changed = AuditEntry.objects.get(action="person_changed")
    assert set(changed.detail["fields"]) == {"honorific", "title", "rank", "timezone", "email"}


def test_an_unchanged_save_writes_nothing(officer, canada):
    before = AuditEntry.objects.count()
    page = officer.get(f"/directory/delegations/{canada.slug}/")
    assert page.status_code == 200
    assert officer.post(f"/directory/delegations/{canada.slug}/", {
        "name": canada.name, "country": canada.country.pk, "ministry": canada.ministry, "work_start": "09:00",
        "work_end": "17:00", "work_days": ["1", "2", "3", "4", "5"]}).status_code == 302
    assert AuditEntry.objects.count() == before


def test_missing_records_are_404(officer):
    for url in ("/directory/countries/ZZ/", "/directory/delegations/nobody/", "/directory/people/nobody/"):
        assert officer.get(url).status_code == 404
        assert officer.post(url.rstrip("/") + "/delete").status_code == 404


# Sign-in names ---------------------------------------------------------------------------------------------


def test_sign_in_names_create_link_or_are_refused(officer, canada):
    users = get_user_model().objects
    assert add_person(officer, canada, username="garneau").status_code == 302
    garneau = Person.objects.get()
    assert garneau.user.username == "garneau" and not garneau.user.has_usable_password()

    users.create_user("joly", password=PASSWORD)  # an account without a person is linked
    assert add_person(officer, canada, given_name="Mélanie", family_name="Joly", username="joly").status_code == 302
    joly = Person.objects.get(family_name="Joly")
    assert joly.user.username == "joly" and joly.user.check_password(PASSWORD)  # linked, password untouched

    before = Person.objects.count()
    resp = add_person(officer, canada, given_name="Chrystia", family_name="Freeland", username="garneau")
    assert resp.status_code == 400
    assert "belongs to Marc Garneau" in _field_error(resp.content.decode(), "username")
    assert Person.objects.count() == before
    resp = officer.post(f"/directory/people/{joly.slug}/", {
        "delegation": canada.pk, "given_name": "Mélanie", "family_name": "Joly", "rank": "1", "language": "fr",
        "username": "garneau"})
    assert resp.status_code == 400 and Person.objects.get(pk=joly.pk).user.username == "joly"

    resp = officer.post(f"/directory/people/{joly.slug}/", {  # a person keeps the account they have
        "delegation": canada.pk, "given_name": "Mélanie", "family_name": "Joly", "rank": "1", "language": "fr",
        "username": "melanie.joly"})
    assert resp.status_code == 400 and "keeps the account they have" in _field_error(resp.content.decode(),
                                                                                      "username")
    assert Person.objects.get(pk=joly.pk).user.username == "joly"
    assert not users.filter(username="melanie.joly").exists()
    resp = add_person(officer, canada, given_name="Hal", family_name="Guest", username="guest-hal-guest")
    assert resp.status_code == 400 and "for guests" in _field_error(resp.content.decode(), "username")

    resp = add_person(officer, canada, given_name="Bob", family_name="Rae", username="<script>")
    assert resp.status_code == 400 and _field_error(resp.content.decode(), "username")
    assert not users.filter(username="<script>").exists()
    assert AuditEntry.objects.filter(action="account_linked", subject="melanie-joly").exists()  # joly's link


# Validation --------------------------------------------------------------------------------------------

COUNTRY_ERRORS = [
    ("code", "C", "at least 2"), ("code", "C1", "Two letters"), ("code", "ÇA", "Two letters"),
    ("code", "CA", "exists already"), ("name", "", "required"), ("name", "x" * 10_000, "at most 100"),
    ("capital", "   ", "required"), ("timezone", "Mars/Olympus", "Unknown time zone “Mars/Olympus”"),
    ("timezone", "", "required"), ("holiday_subdivision", "XX", "Unknown region “XX” for FR"),
]


@pytest.mark.parametrize(("field", "value", "message"), COUNTRY_ERRORS)
def test_country_errors_are_shown_beside_the_field(officer, canada, field, value, message):
    before = (Country.objects.count(), AuditEntry.objects.count())
    data = {"code": "FR", "name": "France", "capital": "Paris", "timezone": "Europe/Paris",
            "holiday_subdivision": "", field: value}
    resp = officer.post("/directory/countries/new", data)
    assert resp.status_code == 400
    html = resp.content.decode()
    assert message in _field_error(html, field)
    assert 'value="Paris"' in html or field == "capital"  # what was typed is kept
    assert (Country.objects.count(), AuditEntry.objects.count()) == before


DELEGATION_ERRORS = [
    ("work_end", "09:00", "must end after it starts"), ("work_end", "08:00", "must end after it starts"),
    ("work_end", "25:00", "valid time"), ("work_days", [], "at least one working day"),
    ("work_days", ["8"], "not one of the available choices"), ("country", "999999", "valid choice"),
    ("country", "x" * 10_000, "valid choice"), ("name", "", "required"), ("ministry", "m" * 151, "at most 150"),
]


@pytest.mark.parametrize(("field", "value", "message"), DELEGATION_ERRORS)
def test_delegation_errors_are_shown_beside_the_field(officer, canada, field, value, message):
    before = (Delegation.objects.count(), AuditEntry.objects.count())
    data = {"name": "Canada: Privy Council Office", "country": canada.country.pk, "ministry": "PCO",
            "work_start": "09:00", "work_end": "17:00", "work_days": ["1", "2", "3", "4", "5"], field: value}
    resp = officer.post("/directory/delegations/new", data)
    assert resp.status_code == 400
    html = resp.content.decode()
    assert message in _field_error(html, field)
    assert "Canada: Privy Council Office" in html or field == "name"
    assert (Delegation.objects.count(), AuditEntry.objects.count()) == before


PERSON_ERRORS = [
    ("rank", "1001", "less than or equal to 1000"), ("rank", "-1", "greater than or equal to 0"),
    ("rank", "1e309", "whole number"), ("language", "de", "valid choice"),
    ("timezone", "Europe/Atlantis", "Unknown time zone “Europe/Atlantis”"), ("email", "not-an-address", "valid email"),
    ("given_name", "", "required"), ("family_name", "f" * 101, "at most 100"), ("title", "t" * 201, "at most 200"),
    ("username", "two words", "valid username"), ("username", "u" * 151, "at most 150"),
    ("delegation", "", "required"),
]


@pytest.mark.parametrize(("field", "value", "message"), PERSON_ERRORS)
def test_person_errors_are_shown_beside_the_field(officer, canada, field, value, message):
    before = (Person.objects.count(), get_user_model().objects.count(), AuditEntry.objects.count())
    resp = add_person(officer, canada, **{"username": "newcomer", field: value})
    assert resp.status_code == 400
    html = resp.content.decode()
    assert message in _field_error(html, field)
    assert 'value="Minister of Foreign Affairs of Canada"' in html or field == "title"
    assert (Person.objects.count(), get_user_model().objects.count(), AuditEntry.objects.count()) == before


@pytest.mark.parametrize("url", ["/directory/countries/new", "/directory/delegations/new", "/directory/people/new"])
def test_hostile_values_are_refused_whole(officer, canada, url):
    before = (Country.objects.count(), Delegation.objects.count(), Person.objects.count(), AuditEntry.objects.count())
    fields = re.findall(r'name="([a-z_]+)"', officer.get(url).content.decode())
    fields = [f for f in fields if f not in ("csrfmiddlewaretoken", "next", "language")] + ["language"]
    for value in HOSTILE:
        resp = officer.post(url, {f: value for f in fields})
        assert resp.status_code == 400, (url, value[:20])
    assert (Country.objects.count(), Delegation.objects.count(), Person.objects.count(),
            AuditEntry.objects.count()) == before


# Deleting ------------------------------------------------------------------------------------------------


def _trip_with(delegation, people):
    """A trip with a stop and one engagement that uses the records. Made directly: the planning pages are
    tested in test_planning.py, and here only what refers to the directory matters."""
    trip = Trip.objects.create(slug="ottawa-march-2021", title="Ottawa, March 2021", organizer=delegation)
    stop = Stop.objects.create(trip=trip, country=delegation.country, order=1)
    starts = datetime(2021, 3, 16, 14, 0, tzinfo=UTC)
    e = Engagement.objects.create(slug="talks", title="Talks", kind="bilateral", host=delegation, trip=trip,
                                  stop=stop, starts_at=starts, ends_at=starts + timedelta(hours=1))
    for p in people:
        Participation.objects.create(engagement=e, person=p, role="principal")
    return trip


def test_a_record_in_use_is_not_deleted_and_the_page_says_why(officer, canada):
    for given in ("Marc", "Mélanie", "Bob"):
        assert add_person(officer, canada, given_name=given).status_code == 302
    trip = _trip_with(canada, [Person.objects.get(given_name="Marc")])
    before = AuditEntry.objects.count()

    resp = officer.post("/directory/countries/CA/delete")
    assert resp.status_code == 409
    assert "Still used by 1 delegation, 1 trip stop: nothing was deleted." in resp.content.decode()
    resp = officer.post(f"/directory/delegations/{canada.slug}/delete")
    assert resp.status_code == 409
    page = resp.content.decode()
    assert "Still used by 3 people, 1 engagement it hosts, 1 trip it organizes" in page
    assert 'value="Canada: Global Affairs Canada"' in page  # the edit form is still there
    marc = Person.objects.get(given_name="Marc")
    resp = officer.post(f"/directory/people/{marc.slug}/delete")
    assert resp.status_code == 409 and "Still used by 1 engagement" in resp.content.decode()
    assert (Country.objects.count(), Delegation.objects.count(), Person.objects.count()) == (1, 1, 3)
    assert AuditEntry.objects.count() == before

    trip.traveller = Person.objects.get(given_name="Bob")
    trip.save()
    bob = trip.traveller
    resp = officer.post(f"/directory/people/{bob.slug}/delete")
    assert resp.status_code == 409 and "1 trip as its traveller" in resp.content.decode()

    melanie = Person.objects.get(given_name="Mélanie")
    resp = officer.post(f"/directory/people/{melanie.slug}/delete")
    assert resp.status_code == 302
    assert not Person.objects.filter(pk=melanie.pk).exists()
    assert AuditEntry.objects.filter(action="person_deleted", subject=melanie.slug).exists()
    assert "Deleted Mélanie Garneau." in officer.get(resp["Location"]).content.decode()


def test_unused_records_are_deleted(officer):
    assert add_country(officer, code="FR", name="France", capital="Paris", timezone="Europe/Paris",
                       holiday_subdivision="").status_code == 302
    assert officer.get("/directory/delete").status_code == 404
    assert officer.get("/directory/countries/FR/delete").status_code == 405  # a delete is a POST
    assert officer.post("/directory/countries/FR/delete").status_code == 302
    assert not Country.objects.exists()
    assert AuditEntry.objects.filter(action="country_deleted", subject="FR").exists()


# Access ------------------------------------------------------------------------------------------------

PAGES = ["/directory/", "/directory/countries/new", "/directory/countries/CA/", "/directory/delegations/new",
         "/directory/people/new"]


def _pages(canada):
    person = Person.objects.get()
    return [*PAGES, f"/directory/delegations/{canada.slug}/", f"/directory/people/{person.slug}/"]


def test_anonymous_visitors_are_sent_to_sign_in(officer, canada):
    assert add_person(officer, canada).status_code == 302
    anonymous = _client()
    for url in _pages(canada):
        resp = anonymous.get(url)
        assert resp.status_code == 302 and resp["Location"].startswith("/accounts/login/"), url
        if url != "/directory/":
            assert anonymous.post(url, {"code": "FR", "name": "x"}).status_code == 302
    for url in ("/directory/countries/CA/delete", f"/directory/delegations/{canada.slug}/delete"):
        assert anonymous.post(url).status_code == 302
    assert (Country.objects.count(), Delegation.objects.count(), Person.objects.count()) == (1, 1, 1)


def test_others_are_refused(officer, canada, stranger):
    assert add_person(officer, canada).status_code == 302
    before = AuditEntry.objects.count()
    for url in _pages(canada):
        resp = stranger.get(url)
        assert resp.status_code == 403, url
        assert "The directory is kept by the protocol office" in resp.content.decode()
    assert stranger.post("/directory/countries/new", {
        "code": "FR", "name": "France", "capital": "Paris", "timezone": "Europe/Paris"}).status_code == 403
    assert stranger.post(f"/directory/people/{Person.objects.get().slug}/delete").status_code == 403
    assert stranger.post("/directory/countries/CA/delete").status_code == 403
    assert (Country.objects.count(), Delegation.objects.count(), Person.objects.count()) == (1, 1, 1)
    assert AuditEntry.objects.count() == before


def test_the_directory_is_linked_for_the_protocol_office_only(officer, stranger):
    assert 'href="/directory/"' in officer.get("/trips/").content.decode()
    assert 'href="/directory/"' not in stranger.get("/").content.decode()


# The round trip ------------------------------------------------------------------------------------------


def test_records_made_in_the_directory_are_exported_with_their_values(officer):
    assert add_country(officer, code="MX", name="México", capital="Ciudad de México",
                       timezone="America/Mexico_City", holiday_subdivision="").status_code == 302
    mx = Country.objects.get()
    assert add_delegation(officer, mx, name="México: Secretaría de Relaciones Exteriores",
                          ministry="Secretaría de Relaciones Exteriores", work_start="08:00", work_end="19:30",
                          work_days=["1", "2", "3", "4", "5", "6"]).status_code == 302
    sre = Delegation.objects.get()
    posted = {"given_name": "Marcelo", "family_name": "Ebrard Casaubón", "honorific": "Lic.",
              "title": "Secretario de Relaciones Exteriores", "rank": "10", "language": "es",
              "timezone": "America/Cancun", "email": "ebrard@example.org", "username": "ebrard"}
    assert add_person(officer, sre, **posted).status_code == 302
    assert add_person(officer, sre, given_name="Мария", family_name="Захарова", honorific="", title="",
                      rank="40", language="en").status_code == 302
    trip = _trip_with(sre, list(Person.objects.all()))

    plan = export_trip(trip)
    assert plan["countries"] == [{"code": "MX", "name": "México", "capital": "Ciudad de México",
                                  "timezone": "America/Mexico_City", "holiday_subdivision": ""}]
    assert plan["delegations"] == [{"slug": sre.slug, "name": "México: Secretaría de Relaciones Exteriores",
                                    "country": "MX", "ministry": "Secretaría de Relaciones Exteriores",
                                    "working_hours": {"start": "08:00", "end": "19:30", "days": [1, 2, 3, 4, 5, 6]}}]
    ebrard = next(p for p in plan["people"] if p["slug"] == "marcelo-ebrard-casaubon")
    assert ebrard == {"slug": "marcelo-ebrard-casaubon", "delegation": sre.slug, "rank": 10,
                      **{k: v for k, v in posted.items() if k not in ("rank", "username")}}
    zakharova = next(p for p in plan["people"] if p["given_name"] == "Мария")
    assert (zakharova["family_name"], zakharova["rank"], zakharova["timezone"]) == ("Захарова", 40, "")
    assert {p["person"] for p in plan["engagements"][0]["participants"]} == {p["slug"] for p in plan["people"]}
    assert Engagement.objects.get().host == sre


def test_a_person_added_from_the_pages_chooses_a_password_through_a_first_sign_in_link(officer, canada, mailoutbox):
    import re as _re
    assert add_person(officer, canada, given_name="Mélanie", family_name="Joly", username="joly",
                      email="joly@example.org").status_code == 302
    joly = Person.objects.get(family_name="Joly")
    page = officer.get(f"/directory/people/{joly.slug}/").content.decode()
    assert "Send a first sign-in link" in page
    assert officer.post(f"/directory/people/{joly.slug}/welcome").status_code == 302
    assert len(mailoutbox) == 1 and mailoutbox[0].to[0].endswith("<joly@example.org>")
    link = _re.search(r"http://testserver(/accounts/welcome/\S+/)", mailoutbox[0].body).group(1)
    assert link not in str(AuditEntry.objects.values_list("detail", flat=True))  # the link is never kept
    guest = Client()
    assert guest.get(link).status_code == 200
    weak = guest.post(link, {"new_password1": "short", "new_password2": "short"})
    assert weak.status_code == 400 and 'aria-invalid="true"' in weak.content.decode()
    strong = "a long and private passphrase"
    assert guest.post(link, {"new_password1": strong, "new_password2": strong}).status_code == 302
    assert guest.login(username="joly", password=strong)
    # the link works once, and no further link can be sent for an account that has a password
    assert Client().get(link).status_code == 410
    mailoutbox.clear()
    officer.post(f"/directory/people/{joly.slug}/welcome")
    assert not mailoutbox
    assert "Send a first sign-in link" not in officer.get(f"/directory/people/{joly.slug}/").content.decode()


def test_no_first_sign_in_link_for_an_account_someone_already_signs_in_to(officer, canada, mailoutbox):
    users = get_user_model().objects
    users.create_user("joly", password=PASSWORD)
    assert add_person(officer, canada, given_name="Mélanie", family_name="Joly", username="joly",
                      email="attacker@example.org").status_code == 302
    joly = Person.objects.get(family_name="Joly")
    assert officer.post(f"/directory/people/{joly.slug}/welcome").status_code == 302
    assert not mailoutbox
    assert Client().get("/accounts/welcome/MQ/not-a-token/").status_code == 410
    assert Client().get("/accounts/welcome/%%%/x/").status_code in (404, 410)


def test_no_first_sign_in_link_for_an_account_that_signs_in_by_key_or_has_signed_in(officer, canada, mailoutbox):
    from django.utils import timezone as _tz

    from summitry.accounts import welcome
    users = get_user_model().objects
    signed_in = users.create_user("joly")  # no password ...
    assert welcome.may_set_first_password(signed_in)
    signed_in.last_login = _tz.now()  # ... but someone has signed in to it (by key, say)
    signed_in.save()
    assert not welcome.may_set_first_password(signed_in)
    assert add_person(officer, canada, given_name="Mélanie", family_name="Joly", username="joly",
                      email="joly@example.org").status_code == 302
    joly = Person.objects.get(family_name="Joly")
    assert officer.post(f"/directory/people/{joly.slug}/welcome").status_code == 302
    assert not mailoutbox
