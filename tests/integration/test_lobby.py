"""The lobby, at Summitry and at Janus: nobody but the host gets a Janus token before being admitted."""

import pytest
from asgiref.sync import sync_to_async

from summitry.audit.models import AuditEntry
from summitry.meetings import access, lobby, services
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
    with pytest.raises(lobby.InLobby):
        await services.join(scenario["blinken"], SLUG)
    p = await _participation("blinken")
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


async def test_leaving_ends_the_admission(scenario, janus, gw):
    with pytest.raises(lobby.InLobby):
        await services.join(scenario["blinken"], SLUG)
    await _decide("blinken", "admitted")
    await services.join(scenario["blinken"], SLUG)
    await services.leave(scenario["blinken"], SLUG)
    with pytest.raises(lobby.InLobby):
        await services.join(scenario["blinken"], SLUG)


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
