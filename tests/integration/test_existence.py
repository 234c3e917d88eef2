"""Learning which engagements exist: slugs come from titles, so whoever does not take part in an
engagement gets, from every meeting page and endpoint, exactly what a missing engagement gets (404, the
same body), while its participants keep the refusals that tell them why (ended, the lobby, the booth)."""

import re

import pytest
from django.test import Client

from summitry.audit.models import AuditEntry
from summitry.meetings.models import Engagement

pytestmark = [pytest.mark.postgres]
PASSWORD = "summitry-demo-2021"

EXISTING = "mexico-bilateral"  # none of the outsiders below is on its list
MISSING = "mexico-bilateral-2"
# The Canadian press pool and two leaders of other engagements. (The protocol office is no outsider: it
# plans every engagement, and may make guest links for any.)
OUTSIDERS = ["press-ca", "garneau", "trudeau"]

PAGES = ["/engagements/{slug}/room", "/engagements/{slug}/booth"]
API = [
    ("get", "/api/engagements/{slug}/roster", None),
    ("get", "/api/engagements/{slug}/lobby", None),
    ("get", "/api/engagements/{slug}/channels", None),
    ("post", "/api/engagements/{slug}/join", None),
    ("post", "/api/engagements/{slug}/join", {"e2ee": True}),
    ("post", "/api/engagements/{slug}/leave", None),
    ("post", "/api/engagements/{slug}/end", None),
    ("post", "/api/engagements/{slug}/segment", {"kind": "closed"}),
    ("post", "/api/engagements/{slug}/lobby/1/admit", None),
    ("post", "/api/engagements/{slug}/lobby/1/deny", None),
    ("post", f"/api/engagements/{{slug}}/lobby/{2**60}/admit", None),  # refused before any lookup
    ("post", "/api/engagements/{slug}/invitations", {"person": "marcelo-ebrard"}),
    ("post", "/api/engagements/{slug}/channels/es/air", {"action": "take"}),
    ("post", "/api/engagements/{slug}/channels/es/source", {"source": "en"}),
]


def _client(username):
    c = Client()
    assert c.login(username=username, password=PASSWORD)
    return c


def _call(client, method, path, body):
    if body is None:
        return getattr(client, method)(path)
    return getattr(client, method)(path, body, content_type="application/json")


def _body(response, slug):
    """The response without its CSRF token (a new one in every page) and the address asked for (the
    language switcher returns to it)."""
    return re.sub(rb"[A-Za-z0-9]{64}", b"", response.content).replace(slug.encode(), b"SLUG")


def _same_as_missing(client, method, path, body):
    existing = _call(client, method, path.format(slug=EXISTING), body)
    missing = _call(client, method, path.format(slug=MISSING), body)
    assert missing.status_code == 404, path
    assert (existing.status_code, _body(existing, EXISTING)) == (missing.status_code, _body(missing, MISSING)), path
    assert existing["Content-Type"] == missing["Content-Type"], path
    return existing


@pytest.mark.parametrize("username", OUTSIDERS)
def test_an_outsider_cannot_tell_an_engagement_from_a_missing_one(scenario, username):
    client = _client(username)
    for path in PAGES:
        page = _same_as_missing(client, "get", path, None)
        assert b"Mexico" not in page.content
    for method, path, body in API:
        resp = _same_as_missing(client, method, path, body)
        assert "detail" in resp.json(), path  # the sentence a missing engagement gets, in the reader's language


@pytest.mark.parametrize("state", ["ended", "cancelled"])
def test_an_outsider_learns_nothing_of_an_engagement_that_is_over(scenario, state):
    Engagement.objects.filter(slug=EXISTING).update(state=state)
    client = _client("press-ca")
    for path in PAGES:
        _same_as_missing(client, "get", path, None)
    for method, path, body in API:
        _same_as_missing(client, method, path, body)


def test_an_outsiders_attempts_are_audited_and_a_missing_engagements_are_not(scenario, monkeypatch):
    from summitry.audit import log

    monkeypatch.setattr(log, "_attempts", {})  # the sampling counts attempts per process: start afresh
    client = _client("garneau")
    client.get(f"/engagements/{EXISTING}/room")
    client.post(f"/api/engagements/{EXISTING}/join")
    client.get(f"/engagements/{MISSING}/room")
    client.post(f"/api/engagements/{MISSING}/join")
    entries = list(AuditEntry.objects.filter(action="meeting_refused").order_by("id"))
    assert [(e.actor, e.engagement, e.detail["reason"], e.detail["path"]) for e in entries] == [
        ("garneau", EXISTING, "not_invited", f"/engagements/{EXISTING}/room"),
        ("garneau", EXISTING, "not_invited", f"/api/engagements/{EXISTING}/join"),
    ]


def test_participants_keep_the_refusals_that_tell_them_why(scenario):
    clouthier = _client("clouthier")  # a principal of the Mexico bilateral, not its host nor an interpreter
    clouthier.cookies["django_language"] = "en"
    booth = clouthier.get(f"/engagements/{EXISTING}/booth")
    assert booth.status_code == 403 and b"interpreter console is for this engagement" in booth.content
    lobby = clouthier.get(f"/api/engagements/{EXISTING}/lobby")
    assert lobby.status_code == 403 and lobby.json() == {"detail": "Only the host may do this."}
    source = clouthier.post(f"/api/engagements/{EXISTING}/channels/es/source", {"source": "en"},
                            content_type="application/json")
    assert source.status_code == 403 and source.json() == {  # no channel before the first join
        "detail": "This engagement has no such interpretation channel."}
    Engagement.objects.filter(slug=EXISTING).update(state="ended")
    room = clouthier.get(f"/engagements/{EXISTING}/room")
    assert room.status_code == 403 and b"This engagement has ended" in room.content
    assert b"Mexico: Secretary Blinken" in room.content  # its participants may know what it was
    join = clouthier.post(f"/api/engagements/{EXISTING}/join")
    assert join.status_code == 403 and join.json() == {"detail": "This engagement has ended."}
    Engagement.objects.filter(slug=EXISTING).update(state="cancelled")
    join = clouthier.post(f"/api/engagements/{EXISTING}/join")
    assert join.status_code == 403 and join.json() == {"detail": "This engagement was cancelled."}
