"""The HTTP surface: the JSON API and the pages, through Django's test client on a real database."""

import json
import re

import pytest
from django.test import AsyncClient, Client

from summitry.meetings.models import MediaGrant

pytestmark = [pytest.mark.postgres]

PASSWORD = "summitry-demo-2021"


def _login(client, username):
    assert client.login(username=username, password=PASSWORD)
    return client


def test_passwords_are_hashed_with_argon2(scenario):
    assert scenario["blinken"].password.startswith("argon2")


def test_sign_in_page_and_wrong_password(scenario):
    client = Client()
    page = client.get("/accounts/login/")
    assert page.status_code == 200 and b"Sign in to Summitry" in page.content
    bad = client.post("/accounts/login/", {"username": "blinken", "password": "wrong"})
    assert bad.status_code == 200 and b"do not match" in bad.content


@pytest.mark.parametrize(("lang", "heading"), [("fr", "Connexion à Summitry"), ("es", "Iniciar sesión en Summitry")])
def test_pages_speak_french_and_spanish(scenario, lang, heading):
    page = Client(headers={"accept-language": lang}).get("/accounts/login/")
    assert heading in page.content.decode()
    assert f'<html lang="{lang}">' in page.content.decode()


def test_home_lists_my_engagements(scenario):
    page = _login(Client(), "garneau").get("/")
    text = page.content.decode()
    assert "Canada: Secretary Blinken and Minister Garneau" in text
    assert "The Honourable Marc Garneau, Minister of Foreign Affairs of Canada" in text
    assert "Mexico: Secretary Blinken" not in text


def test_room_page_for_a_participant_carries_no_token(scenario):
    page = _login(Client(), "blinken").get("/engagements/canada-bilateral/room")
    assert page.status_code == 200
    html = page.content.decode()
    config = json.loads(re.search(r'<script id="room-config" type="application/json">(.*?)</script>', html).group(1))
    assert config["slug"] == "canada-bilateral"
    assert config["roster"][0]["name"] == "Marc Garneau"  # host side first
    assert "token" not in json.dumps(config)
    assert "Content-Security-Policy" in page.headers and "'unsafe-inline'" not in page.headers[
        "Content-Security-Policy"].split("script-src")[1].split(";")[0]
    assert "<script>" not in html  # no inline scripts


def test_room_page_refuses_a_non_participant(scenario):
    """As if the engagement did not exist (``test_existence.py`` checks every page and endpoint)."""
    client = _login(Client(), "trudeau")
    page = client.get("/engagements/canada-bilateral/room")
    missing = client.get("/engagements/no-such-thing/room")
    assert page.status_code == missing.status_code == 404
    def body(response, slug):  # without the CSRF token and the address asked for (the language form's)
        return re.sub(rb"[A-Za-z0-9]{64}", b"", response.content).replace(slug.encode(), b"SLUG")
    assert body(page, "canada-bilateral") == body(missing, "no-such-thing")
    assert b"room-config" not in page.content
    assert b"Secretary Blinken and Minister Garneau" not in page.content  # not even what it is about


def test_room_page_needs_sign_in(scenario):
    page = Client().get("/engagements/canada-bilateral/room")
    assert page.status_code == 302 and page.url.startswith("/accounts/login/")


def test_unknown_engagement_is_404_without_traceback(scenario):
    page = _login(Client(), "blinken").get("/engagements/no-such-thing/room")
    assert page.status_code == 404 and b"Traceback" not in page.content


def test_api_join_requires_sign_in(scenario):
    resp = Client().post("/api/engagements/canada-bilateral/join")
    assert resp.status_code == 401


def test_api_join_refuses_a_non_participant(scenario):
    resp = _login(Client(), "trudeau").post("/api/engagements/canada-bilateral/join")
    assert resp.status_code == 404
    assert resp.json() == {"detail": "No such engagement."}  # what a missing engagement answers
    assert not MediaGrant.objects.exists()


def test_refusals_are_audited_under_whoever_asked(scenario):
    from summitry.audit.models import AuditEntry

    client = _login(Client(), "trudeau")
    for _ in range(25):  # a flood is recorded, but not entry for entry
        client.post("/api/engagements/canada-bilateral/lobby/1/admit")
    client.get("/api/engagements/canada-bilateral/roster")
    entries = list(AuditEntry.objects.filter(action="meeting_refused"))
    assert 0 < len(entries) <= 20 and {e.actor for e in entries} == {"trudeau"}
    assert entries[0].detail["reason"] == "not_invited" and entries[0].engagement == "canada-bilateral"


def test_api_join_unknown_engagement(scenario):
    resp = _login(Client(), "blinken").post("/api/engagements/nope/join")
    assert resp.status_code == 404 and resp.json()["detail"] == "No such engagement."


def test_api_join_is_csrf_protected(scenario):
    client = _login(Client(enforce_csrf_checks=True), "blinken")
    resp = client.post("/api/engagements/canada-bilateral/join")
    assert resp.status_code == 403
    assert not MediaGrant.objects.exists()


def test_api_leave_is_csrf_protected(scenario):
    client = _login(Client(enforce_csrf_checks=True), "blinken")
    assert client.post("/api/engagements/canada-bilateral/leave").status_code == 403


def test_api_roster_refuses_outsiders(scenario):
    assert _login(Client(), "trudeau").get("/api/engagements/canada-bilateral/roster").status_code == 404
    roster = _login(Client(), "chung").get("/api/engagements/canada-bilateral/roster").json()
    assert roster[0]["formal_name"] == "The Honourable Marc Garneau"


def test_openapi_schema_lists_the_meeting_endpoints(scenario):
    schema = Client().get("/api/openapi.json").json()
    assert "/api/engagements/{slug}/join" in schema["paths"]


@pytest.mark.janus
async def test_api_join_through_janus(scenario, janus, gw):
    client = AsyncClient()
    await client.aforce_login(scenario["blinken"])
    waiting = await client.post("/api/engagements/canada-bilateral/join")
    assert waiting.status_code == 202 and waiting.json()["state"] == "waiting"
    host = AsyncClient()
    await host.aforce_login(scenario["garneau"])
    lobby = (await host.get("/api/engagements/canada-bilateral/lobby")).json()
    assert [w["name"] for w in lobby] == ["Antony Blinken"]
    admitted = await host.post(f"/api/engagements/canada-bilateral/lobby/{lobby[0]['participation']}/admit")
    assert admitted.json()["state"] == "admitted"
    resp = await client.post("/api/engagements/canada-bilateral/join")
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["janus_url"] == "ws://testserver/ws/engagements/canada-bilateral/janus"  # Summitry's relay
    assert body["publish"] is True and len(body["token"]) >= 40
    leave = await client.post("/api/engagements/canada-bilateral/leave")
    assert leave.json() == {"revoked": 1}


HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_script_in_names_and_titles_is_shown_as_text(scenario):
    from summitry.accounts.models import Person

    Person.objects.filter(slug="julie-chung").update(given_name=HOSTILE, title=HOSTILE)
    for path in ("/engagements/canada-bilateral/room", "/engagements/canada-bilateral/", "/"):
        html = _login(Client(), "chung").get(path).content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html, path
    html = _login(Client(), "protocol").get("/trips/first-virtual-trip/").content.decode()
    assert "<script>alert" not in html
    # the room's data travels as JSON inside a script element, with < escaped
    room = _login(Client(), "chung").get("/engagements/canada-bilateral/room").content.decode()
    assert "\\u003Cscript\\u003E" in room


def test_lobby_ids_beyond_any_row_are_refused_plainly(scenario):
    client = _login(Client(), "garneau")
    for pid in ("9223372036854775808", "0", "99999999999999999999999"):
        resp = client.post(f"/api/engagements/canada-bilateral/lobby/{pid}/admit")
        assert resp.status_code in (403, 422), (pid, resp.status_code)


def test_nul_characters_are_refused_at_the_door(scenario):
    client = _login(Client(), "protocol")
    for resp in (client.get("/calendar/", {"ministry": "a\x00b"}),
                 client.post("/trips/", {"title": "Trip\x00", "slug": "t"}),
                 client.post("/api/trips", '{"slug": "t", "title": "a\\u0000b", "organizer": "x"}',
                             content_type="application/json"),
                 client.get("/engagements/canada%00bilateral/")):
        assert resp.status_code in (400, 404) and resp.status_code != 500, resp.status_code
    assert client.get("/calendar/", {"ministry": "a\x00b"}).content.decode() == "Text may not contain NUL characters."
