"""Joining, leaving and ending through Summitry, checked at Janus itself."""

import asyncio

import pytest
from asgiref.sync import sync_to_async

from summitry.media import (
    JanusClient,
    JanusPluginError,
    JanusPluginNotAllowed,
    JanusSupervisor,
    JanusUnauthorized,
)
from summitry.media.errors import VIDEOROOM_UNAUTHORIZED
from summitry.meetings import access, services
from summitry.meetings.models import Engagement, MediaGrant

from .conftest import admitted_join

pytestmark = [pytest.mark.janus, pytest.mark.postgres]


async def _join_room(janus, token, room, feed_id):
    """Join a room as a publisher exactly as a browser would: core token and room token."""
    client = JanusClient(janus.settings.ws_url, token=token, reconnect=False)
    await client.connect()
    try:
        session = await client.create_session()
        handle = await session.attach("janus.plugin.videoroom")
        return (await handle.message({"request": "join", "ptype": "publisher", "room": room, "id": feed_id,
                                      "display": "t", "token": token})).data
    finally:
        await client.close()


async def test_join_opens_room_and_admits_the_participants_token(scenario, janus, gw):
    grant = await admitted_join(scenario["blinken"], "canada-bilateral")
    engagement = await Engagement.objects.aget(slug="canada-bilateral")
    assert grant.room == engagement.media_room
    tokens = {t["token"]: t["allowed_plugins"] for t in await janus.admin.list_tokens()}
    assert sorted(tokens[grant.token]) == ["janus.plugin.streaming", "janus.plugin.videoroom"]  # not an interpreter
    data = await _join_room(janus, grant.token, grant.room, grant.publisher_id)
    assert data["videoroom"] == "joined" and data["id"] == grant.publisher_id
    assert await MediaGrant.objects.filter(token=grant.token, revoked_at__isnull=True).aexists()


async def test_janus_refuses_a_client_without_token(scenario, janus, gw):
    async with JanusClient(janus.settings.ws_url, reconnect=False) as client:
        with pytest.raises(JanusUnauthorized) as exc:
            await client.create_session()
    assert exc.value.code == 403


async def test_a_participants_token_reaches_no_other_plugin(scenario, janus, gw):
    grant = await admitted_join(scenario["blinken"], "canada-bilateral")
    async with JanusClient(janus.settings.ws_url, token=grant.token, reconnect=False) as client:
        session = await client.create_session()
        with pytest.raises(JanusPluginNotAllowed) as exc:
            await session.attach("janus.plugin.echotest")
    assert exc.value.code == 405


async def test_janus_refuses_another_rooms_token(scenario, janus, gw):
    canada = await admitted_join(scenario["garneau"], "canada-bilateral")
    mexico = await admitted_join(scenario["blinken"], "mexico-bilateral")
    with pytest.raises(JanusPluginError) as exc:
        await _join_room(janus, mexico.token, canada.room, 424242)
    assert exc.value.code == VIDEOROOM_UNAUTHORIZED == 433


async def test_janus_refuses_a_token_removed_from_the_allowed_list(scenario, janus, gw):
    grant = await admitted_join(scenario["blinken"], "canada-bilateral")
    engagement = await Engagement.objects.aget(slug="canada-bilateral")
    await gw._with_room(lambda vr: vr.disallow(engagement.media_room, engagement.room_secret, [grant.token]))
    with pytest.raises(JanusPluginError) as exc:
        await _join_room(janus, grant.token, grant.room, grant.publisher_id)
    assert exc.value.code == 433


async def test_clients_cannot_create_rooms(scenario, janus, gw):
    grant = await admitted_join(scenario["blinken"], "canada-bilateral")
    async with JanusClient(janus.settings.ws_url, token=grant.token, reconnect=False) as client:
        handle = await (await client.create_session()).attach("janus.plugin.videoroom")
        with pytest.raises(JanusPluginError) as exc:
            await handle.request({"request": "create", "room": 99})
    assert exc.value.code == 429  # admin_key missing


async def test_leave_revokes_token_and_drops_the_participant(scenario, janus, gw):
    grant = await admitted_join(scenario["blinken"], "canada-bilateral")
    # stay in the room as a publisher while leaving from another channel (the browser's "Leave")
    client = JanusClient(janus.settings.ws_url, token=grant.token, reconnect=False)
    await client.connect()
    handle = await (await client.create_session()).attach("janus.plugin.videoroom")
    await handle.message({"request": "join", "ptype": "publisher", "room": grant.room, "id": grant.publisher_id,
                          "token": grant.token})
    assert await services.leave(scenario["blinken"], "canada-bilateral") == 1
    ids = [p["id"] for p in await gw.room_participants(grant.room)]
    assert grant.publisher_id not in ids
    await client.close()
    async with JanusClient(janus.settings.ws_url, token=grant.token, reconnect=False) as again:
        with pytest.raises(JanusUnauthorized):
            await again.create_session()
    revoked = await MediaGrant.objects.aget(token=grant.token)
    assert revoked.revoked_at is not None and revoked.revoked_reason == "left"


async def test_rejoining_supersedes_the_previous_token(scenario, janus, gw):
    first = await admitted_join(scenario["blinken"], "canada-bilateral")
    second = await admitted_join(scenario["blinken"], "canada-bilateral")
    tokens = {t["token"] for t in await janus.admin.list_tokens()}
    assert second.token in tokens and first.token not in tokens
    assert (await MediaGrant.objects.aget(token=first.token)).revoked_reason == "superseded"


async def test_non_participant_gets_no_token(scenario, janus, gw):
    before = len(await janus.admin.list_tokens())
    with pytest.raises(access.NotAllowed) as exc:
        await admitted_join(scenario["trudeau"], "canada-bilateral")
    assert exc.value.reason == "not_invited"
    assert len(await janus.admin.list_tokens()) == before
    assert not await MediaGrant.objects.filter(participation__person__user=scenario["trudeau"]).aexists()


async def test_ending_revokes_everyone_and_closes_the_room(scenario, janus, gw):
    a = await admitted_join(scenario["garneau"], "canada-bilateral")
    b = await admitted_join(scenario["blinken"], "canada-bilateral")
    with pytest.raises(access.NotAllowed):
        await services.end(scenario["chung"], "canada-bilateral")  # a delegation member may not
    await services.end(scenario["garneau"], "canada-bilateral")
    tokens = {t["token"] for t in await janus.admin.list_tokens()}
    assert a.token not in tokens and b.token not in tokens
    assert not await gw._with_room(lambda vr: vr.exists(a.room))
    with pytest.raises(access.NotAllowed) as exc:
        await admitted_join(scenario["blinken"], "canada-bilateral")
    assert exc.value.reason == "ended"


async def test_unreachable_janus_grants_nothing(scenario, janus, settings):
    from summitry.meetings.janus import gateway

    settings.JANUS = {**settings.JANUS, "WS_PORT": 9, "ADMIN_PORT": 9}
    with pytest.raises(services.MediaUnavailable):
        await admitted_join(scenario["blinken"], "canada-bilateral")
    await gateway().close()
    active = MediaGrant.objects.filter(participation__person__user=scenario["blinken"], revoked_at__isnull=True)
    assert not await active.aexists()


async def test_supervisor_restarts_janus_after_a_crash(testnet, tmp_path):
    from summitry.media import JanusSettings

    restarted = asyncio.Event()
    ready_calls = 0

    async def on_ready():
        nonlocal ready_calls
        ready_calls += 1
        if ready_calls == 2:
            restarted.set()

    sup = JanusSupervisor(JanusSettings(run_dir=tmp_path, ws_port=9288, http_port=9289, admin_port=9290),
                          on_ready=on_ready)
    await sup.start()
    try:
        first_pid = sup.process.pid
        sup.process.kill()
        await asyncio.wait_for(restarted.wait(), 20)
        assert sup.restarts == 1 and sup.process.pid != first_pid
        assert await sup.healthy()
        # the service token was stored again in the new process
        tokens = {t["token"] for t in await sup.admin.list_tokens()}
        assert sup.secrets.service_token in tokens
    finally:
        await sup.stop()
    assert sup.process.returncode is not None


@sync_to_async
def _count_grants():
    return MediaGrant.objects.count()


async def test_janus_restart_forgets_grants(scenario, janus, gw):
    await admitted_join(scenario["blinken"], "canada-bilateral")
    assert await services.forget_media_state() == 1
    assert await _count_grants() == 1
