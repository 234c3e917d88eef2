"""Segments enforced at the media layer: closing the meeting cuts the press off at Janus."""

import asyncio

import pytest

from summitry.domain.access import SegmentKind
from summitry.media import JanusPluginError
from summitry.media.bot import Bot
from summitry.meetings import access, services

from .conftest import admitted_join

pytestmark = [pytest.mark.janus]
SLUG = "canada-bilateral"


async def _join_as_publisher(janus, grant):
    from summitry.media import JanusClient

    async with JanusClient(janus.settings.ws_url, token=grant.token, reconnect=False) as client:
        handle = await (await client.create_session()).attach("janus.plugin.videoroom")
        await handle.message({"request": "join", "ptype": "publisher", "room": grant.room,
                              "id": grant.publisher_id, "token": grant.token})


async def _until(predicate, timeout=10.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if await predicate():
            return True
        await asyncio.sleep(0.05)
    return False


async def test_closing_cuts_the_press_within_a_second_and_reopening_lets_them_back(scenario, janus, gw):
    host_user, press_user = scenario["garneau"], scenario["press-ca"]
    assert await services.switch_segment(host_user, SLUG, SegmentKind.OPEN) == 0
    host = await services.join(host_user, SLUG, supports_e2ee=True)  # a browser that encrypts
    publisher = Bot(janus.settings.ws_url, host.token, host.room, host.publisher_id, tone_hz=550)
    await publisher.start()

    async def publishing():
        return any(p.get("publisher") for p in await gw.room_participants(host.room))

    assert await _until(publishing)
    grant = await admitted_join(press_user, SLUG)
    assert grant.publish is False  # the press watches
    # ... and Janus itself refuses them a publisher's place: their token is not on the room's list
    with pytest.raises(JanusPluginError) as refused:
        await _join_as_publisher(janus, grant)
    assert refused.value.code == 433
    press = Bot(janus.settings.ws_url, grant.token, grant.room, grant.publisher_id, publish=False,
                watch=[host.publisher_id])
    await press.start()
    try:
        assert await press.wait_for_frames(1, frames=5, timeout=15)
        cut = await services.switch_segment(host_user, SLUG, SegmentKind.CLOSED)
        assert cut == 1
        # At Janus: the token is gone and the press participant was kicked. (Browsers, which reach
        # Janus only through Summitry's relay, also lose their session: see tests/e2e.)
        assert grant.token not in {t["token"] for t in await janus.admin.list_tokens()}
        with pytest.raises(access.NotAllowed) as exc:
            await services.join(press_user, SLUG)
        assert exc.value.reason == "segment_closed"
        # the delegations keep their media
        assert host.token in {t["token"] for t in await janus.admin.list_tokens()}
    finally:
        await press.stop()

    await services.switch_segment(host_user, SLUG, SegmentKind.OPEN)
    again = await services.join(press_user, SLUG)  # still admitted: no second trip through the lobby
    viewer = Bot(janus.settings.ws_url, again.token, again.room, again.publisher_id, publish=False,
                 watch=[host.publisher_id])
    await viewer.start()
    try:
        assert await viewer.wait_for_frames(1, frames=3, timeout=15)
    finally:
        await viewer.stop()
        await publisher.stop()


async def test_restricted_leaves_only_principals_interpreters_and_note_takers(scenario, janus, gw):
    await services.switch_segment(scenario["garneau"], SLUG, SegmentKind.OPEN)
    await services.join(scenario["garneau"], SLUG, supports_e2ee=True)
    member = await admitted_join(scenario["chung"], SLUG)  # a delegation member
    notes = await admitted_join(scenario["notetaker-us"], SLUG)
    assert await services.switch_segment(scenario["garneau"], SLUG, SegmentKind.RESTRICTED) == 1
    tokens = {t["token"] for t in await janus.admin.list_tokens()}
    assert member.token not in tokens and notes.token in tokens


async def test_only_the_host_side_switches_segments(scenario, janus, gw):
    with pytest.raises(access.NotAllowed):
        await services.switch_segment(scenario["blinken"], SLUG, SegmentKind.OPEN)


async def test_the_schedule_switches_segments(scenario, janus, gw):
    from datetime import timedelta

    from django.utils import timezone

    from summitry.meetings.models import Engagement
    from summitry.trips.models import Segment

    engagement = await Engagement.objects.aget(slug=SLUG)
    now = timezone.now()
    await Segment.objects.acreate(engagement=engagement, kind="restricted", starts_at=now,
                                  ends_at=now + timedelta(minutes=5))
    assert await services.apply_schedule(now - timedelta(seconds=1), now) == [SLUG]
    assert (await Engagement.objects.aget(slug=SLUG)).current_segment == "restricted"


async def test_a_client_that_cannot_encrypt_is_cut_when_an_encrypted_segment_begins(scenario, janus, gw):
    """Its frames would reach Janus in clear: the claim made at join decides, and the relay then holds
    the client to it in every offer (tests/unit/test_allowlist.py)."""
    host_user = scenario["garneau"]
    await services.switch_segment(host_user, SLUG, SegmentKind.OPEN)
    clear = await services.join(host_user, SLUG)
    encrypting = await admitted_join(scenario["blinken"], SLUG, supports_e2ee=True)
    assert await services.switch_segment(host_user, SLUG, SegmentKind.CLOSED) == 1
    tokens = {t["token"] for t in await janus.admin.list_tokens()}
    assert clear.token not in tokens and encrypting.token in tokens
    with pytest.raises(access.NotAllowed, match="e2ee_unsupported"):
        await services.join(host_user, SLUG)
    again = await services.join(host_user, SLUG, supports_e2ee=True)
    assert again.token in {t["token"] for t in await janus.admin.list_tokens()}
