"""The lobby, at Summitry and at Janus: nobody but the host gets a Janus token before being admitted."""

from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.test import Client
from django.utils import timezone

from summitry.audit.models import AuditEntry
from summitry.meetings import access, lobby, services
from summitry.meetings.api import MESSAGES
from summitry.meetings.models import Admission, Engagement, MediaGrant, Participation

from .test_presence import _connect

pytestmark = [pytest.mark.janus, pytest.mark.postgres]
SLUG = "canada-bilateral"  # host: Marc Garneau (Canada); Antony Blinken is a principal guest


@sync_to_async
def _participation(username):
    return Participation.objects.get(engagement__slug=SLUG, person__user__username=username)


@sync_to_async
def _decide(username, state, by="garneau"):
    engagement = Engagement.objects.get(slug=SLUG)
    p = Participation.objects.get(engagement=engagement, person__user__username=username)
    return lobby.decide(engagement, p.pk, state, by)


@sync_to_async
def _a_minute_passes(username):
    """The last denial was a minute ago (and a second)."""
    Admission.objects.filter(participation__engagement__slug=SLUG, participation__person__user__username=username,
                             denied_at__isnull=False).update(denied_at=timezone.now() - timedelta(seconds=61))


async def _tokens(janus):
    return {t["token"] for t in await janus.admin.list_tokens()}


async def test_arriving_before_the_host_waits_and_gets_no_token(scenario, janus, gw):
    before = await _tokens(janus)
    with pytest.raises(lobby.InLobby):
        await services.join(scenario["blinken"], SLUG)
    assert await _tokens(janus) == before
    assert not await MediaGrant.objects.aexists()
    p = await _participation("blinken")
    assert (await Admission.objects.aget(participation=p)).state == "waiting"
    # the host needs no admission
    assert (await services.join(scenario["garneau"], SLUG)).token in await _tokens(janus)


async def test_admitted_then_joins(scenario, janus, gw):
    with pytest.raises(lobby.InLobby):
        await services.join(scenario["blinken"], SLUG)
    await _decide("blinken", "admitted")
    grant = await services.join(scenario["blinken"], SLUG)
    assert grant.token in await _tokens(janus)
    actions = [a async for a in AuditEntry.objects.filter(engagement=SLUG).values_list("action", flat=True)]
    assert actions == ["lobby_waiting", "admitted", "token_issued"]


async def test_denied_gets_nothing_and_may_ask_again(scenario, janus, gw):
    with pytest.raises(lobby.InLobby):
        await services.join(scenario["blinken"], SLUG)
    await _decide("blinken", "denied")
    with pytest.raises(access.NotAllowed) as exc:  # not at once: a minute after the denial
        await services.join(scenario["blinken"], SLUG)
    assert exc.value.reason == "denied_wait"
    p = await _participation("blinken")
    await _a_minute_passes("blinken")
    with pytest.raises(lobby.InLobby):
        await services.join(scenario["blinken"], SLUG)
    assert (await Admission.objects.aget(participation=p)).state == "waiting"
    assert not await MediaGrant.objects.aexists()


async def test_only_the_host_side_may_admit(scenario, janus, gw):
    with pytest.raises(lobby.InLobby):
        await services.join(scenario["chung"], SLUG)
    p = await _participation("chung")
    with pytest.raises(access.NotAllowed):
        await lobby.decide_as(scenario["blinken"], SLUG, p.pk, "admitted")  # a guest principal
    with pytest.raises(access.NotAllowed):
        await lobby.decide_as(scenario["notetaker-ca"], SLUG, p.pk, "admitted")  # host side, note-taker
    await lobby.decide_as(scenario["garneau"], SLUG, p.pk, "admitted")


async def test_an_admitted_participant_who_leaves_or_reloads_comes_back_without_waiting(scenario, janus, gw):
    with pytest.raises(lobby.InLobby):
        await services.join(scenario["blinken"], SLUG)
    await _decide("blinken", "admitted")
    await services.join(scenario["blinken"], SLUG)
    await services.leave(scenario["blinken"], SLUG)  # the page's beacon on a reload, or Leave
    again = await services.join(scenario["blinken"], SLUG)  # no lobby: admitted for the engagement
    assert await MediaGrant.objects.filter(token=again.token, revoked_at__isnull=True).aexists()


async def test_the_hosts_removal_ends_the_admission(scenario, janus, gw):
    with pytest.raises(lobby.InLobby):
        await services.join(scenario["blinken"], SLUG)
    await _decide("blinken", "admitted")
    grant = await services.join(scenario["blinken"], SLUG)
    await _decide("blinken", "denied")  # the host removes him
    p = await _participation("blinken")
    await services.remove(p.pk, SLUG, "denied", actor="garneau")
    assert not await MediaGrant.objects.filter(token=grant.token, revoked_at__isnull=True).aexists()
    with pytest.raises(access.NotAllowed):
        await services.join(scenario["blinken"], SLUG)  # not back in: at most a new request, later
    await _a_minute_passes("blinken")
    with pytest.raises(lobby.InLobby):
        await services.join(scenario["blinken"], SLUG)


async def test_a_waiting_participant_who_leaves_withdraws_the_request(scenario, janus, gw):
    with pytest.raises(lobby.InLobby):
        await services.join(scenario["blinken"], SLUG)
    await services.leave(scenario["blinken"], SLUG)
    p = await _participation("blinken")
    assert not await Admission.objects.filter(participation=p).aexists()


async def test_the_live_channel_tells_the_host_and_the_waiting(scenario, janus, gw):
    host, ok, _ = await _connect(scenario["garneau"])
    assert ok and await host.receive_json_from(timeout=2) == {"lobby": []}
    guest, ok, _ = await _connect(scenario["blinken"])
    assert ok
    with pytest.raises(lobby.InLobby):
        await services.join(scenario["blinken"], SLUG)
    waiting = await host.receive_json_from(timeout=2)
    assert [w["name"] for w in waiting["lobby"]] == ["Antony Blinken"]
    assert waiting["lobby"][0]["auth"] == "password"
    # while waiting, the guest hears nothing of the room and cannot speak into it
    await guest.send_json_to({"muted": True})
    assert await host.receive_nothing(timeout=0.3)
    await _decide("blinken", "admitted")
    assert await guest.receive_json_from(timeout=2) == {"admission": "admitted"}
    assert (await host.receive_json_from(timeout=2)) == {"lobby": []}
    for comm in (host, guest):
        await comm.disconnect()


# --- The re-queue limit, through the API (no Janus needed: nobody is admitted) ----------------------

PASSWORD = "summitry-demo-2021"


def _client(username):
    c = Client()
    assert c.login(username=username, password=PASSWORD)
    return c


def _join(client):
    return client.post(f"/api/engagements/{SLUG}/join")


def _deny(host, username):
    p = Participation.objects.get(engagement__slug=SLUG, person__user__username=username)
    assert host.post(f"/api/engagements/{SLUG}/lobby/{p.pk}/deny").json()["state"] == "denied"


def test_a_declined_participant_asks_again_three_times_a_minute_apart(scenario):
    host, guest = _client("garneau"), _client("blinken")
    assert _join(guest).status_code == 202
    for attempt in range(1, 4):
        _deny(host, "blinken")
        too_soon = _join(guest)
        assert too_soon.status_code == 403 and "Wait a minute" in too_soon.json()["detail"]
        assert host.get(f"/api/engagements/{SLUG}/lobby").json() == []  # the host is not bothered
        async_to_sync(_a_minute_passes)("blinken")
        assert _join(guest).status_code == 202, attempt  # the attempt-th request after a denial
        assert [w["name"] for w in host.get(f"/api/engagements/{SLUG}/lobby").json()] == ["Antony Blinken"]
    _deny(host, "blinken")
    async_to_sync(_a_minute_passes)("blinken")
    refused = _join(guest)
    assert refused.status_code == 403
    assert refused.json()["detail"] == MESSAGES["denied_too_often"]
    assert "The host declined" in refused.json()["detail"] and "protocol office" in refused.json()["detail"]
    # leaving and coming back does not start the count again
    assert guest.post(f"/api/engagements/{SLUG}/leave").status_code == 200
    assert _join(guest).status_code == 403
    admission = Admission.objects.get(participation__person__user__username="blinken",
                                      participation__engagement__slug=SLUG)
    assert (admission.state, admission.denials) == ("denied", 4)
    assert host.get(f"/api/engagements/{SLUG}/lobby").json() == []
    assert not MediaGrant.objects.exists()
    assert AuditEntry.objects.filter(action="denied", engagement=SLUG).count() == 4
    assert AuditEntry.objects.filter(action="lobby_waiting", engagement=SLUG).count() == 4


def test_joining_and_leaving_after_a_denial_uses_the_tries_up(scenario):
    """Withdrawing a request made after a denial counts like a denial: no flooding the host's lobby."""
    host, guest = _client("garneau"), _client("blinken")
    assert _join(guest).status_code == 202
    _deny(host, "blinken")
    for _ in range(3):
        async_to_sync(_a_minute_passes)("blinken")
        assert _join(guest).status_code == 202
        assert guest.post(f"/api/engagements/{SLUG}/leave").status_code == 200
        assert host.get(f"/api/engagements/{SLUG}/lobby").json() == []
        assert _join(guest).status_code == 403  # too soon again
    async_to_sync(_a_minute_passes)("blinken")
    assert _join(guest).json()["detail"] == MESSAGES["denied_too_often"]


def test_leaving_before_any_denial_forgets_the_visit(scenario):
    guest = _client("blinken")
    assert _join(guest).status_code == 202
    assert guest.post(f"/api/engagements/{SLUG}/leave").status_code == 200
    assert not Admission.objects.exists()
    assert _join(guest).status_code == 202


def test_denying_twice_in_a_row_costs_one_try(scenario):
    host, guest = _client("garneau"), _client("blinken")
    assert _join(guest).status_code == 202
    _deny(host, "blinken")
    _deny(host, "blinken")  # a double click
    assert Admission.objects.get(participation__person__user__username="blinken",
                                 participation__engagement__slug=SLUG).denials == 1
