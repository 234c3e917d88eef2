"""Interpretation channels at Janus itself: AudioBridge rooms driven by Summitry's gateway, aiortc
bots as the floor speaker, the interpreters and the listeners, tones checked where they arrive."""

import asyncio
import secrets
import time

import numpy as np
import pytest

from summitry.media import ChannelSpec, JanusPluginError, MountpointSpec
from summitry.media.bot import Bot, ChannelBot, ListenerBot
from summitry.media.tones import dominant_frequency, level_at

pytestmark = [pytest.mark.janus]

FLOOR_HZ, FR_HZ, ES_HZ, PARTNER_HZ, LISTENER_HZ = 880.0, 440.0, 660.0, 600.0, 1000.0
PLUGINS = ["janus.plugin.videoroom", "janus.plugin.audiobridge", "janus.plugin.streaming"]


async def _token(janus) -> str:
    token = secrets.token_urlsafe(16)
    await janus.admin.add_token(token, PLUGINS)
    return token


async def _channel(gw, token_list) -> tuple[int, str]:
    """A channel as Summitry opens one: its AudioBridge room, and a mountpoint of the same id (pin "pin")
    carrying the room's mix to listeners."""
    room, secret = secrets.randbelow(2**40) + 1000, secrets.token_urlsafe(12)
    assert await gw.open_channel(ChannelSpec(room=room, description="t", secret=secret, allowed=tuple(token_list)),
                                 MountpointSpec(id=room, description="t", secret=secret, pin="pin"))
    return room, secret


def _windows(bot, since: float, until: float):
    """(arrival time, samples) of each 20 ms frame that arrived in [since, until)."""
    return [(t, a) for t, a in bot.received if since <= t < until]


@pytest.fixture
async def gw(janus):
    from summitry.meetings.janus import gateway

    g = gateway()
    yield g
    await g.close()


async def test_channel_carries_only_the_interpreter_on_air(janus, gw):
    tokens = [await _token(janus) for _ in range(4)]
    room, secret = await _channel(gw, tokens)
    fr = ChannelBot(janus.settings.ws_url, tokens[0], room, tone_hz=FR_HZ, participant_id=11)
    partner = ChannelBot(janus.settings.ws_url, tokens[1], room, tone_hz=PARTNER_HZ, participant_id=12)
    listener = ChannelBot(janus.settings.ws_url, tokens[2], room, tone_hz=LISTENER_HZ)
    try:
        await asyncio.gather(fr.start(), partner.start(), listener.start())
        await listener.wait_for_audio(0.5)
        # Everyone muted: the mix is silence, though three tones are being sent.
        await asyncio.sleep(1.0)
        quiet = listener.heard(time.monotonic() - 0.8)
        assert np.abs(quiet).max(initial=0) < 300
        await gw.set_on_air(room, secret, off=None, on=11)
        await asyncio.sleep(1.5)
        heard = listener.heard(time.monotonic() - 1.0)
        assert abs(dominant_frequency(heard) - FR_HZ) < 10
        assert level_at(heard, FR_HZ) > 0.9
        assert level_at(heard, PARTNER_HZ) < 0.01 and level_at(heard, LISTENER_HZ) < 0.01
        unmuted = [p["id"] for p in await gw.channel_participants(room) if not p.get("muted")]
        assert unmuted == [11]
    finally:
        await asyncio.gather(fr.stop(), partner.stop(), listener.stop())


async def test_handover_leaves_no_gap_and_never_two_voices(janus, gw):
    tokens = [await _token(janus) for _ in range(3)]
    room, secret = await _channel(gw, tokens)
    a = ChannelBot(janus.settings.ws_url, tokens[0], room, tone_hz=FR_HZ, participant_id=21)
    b = ChannelBot(janus.settings.ws_url, tokens[1], room, tone_hz=PARTNER_HZ, participant_id=22)
    listener = ChannelBot(janus.settings.ws_url, tokens[2], room)
    try:
        await asyncio.gather(a.start(), b.start(), listener.start())
        await gw.set_on_air(room, secret, off=None, on=21)
        await asyncio.sleep(1.5)
        begin = time.monotonic()
        for i in range(6):  # three handovers each way
            await asyncio.sleep(0.6)
            off, on = (21, 22) if i % 2 == 0 else (22, 21)
            await gw.set_on_air(room, secret, off=off, on=on)
        await asyncio.sleep(1.0)
        frames = _windows(listener, begin, time.monotonic())
        assert len(frames) > 150
        both, gap, longest_gap = 0, 0.0, 0.0
        for _, samples in frames:
            la, lb = level_at(samples, FR_HZ, width=50), level_at(samples, PARTNER_HZ, width=50)
            loud = np.sqrt(np.mean(samples.astype(np.float64) ** 2)) > 500
            if loud and la > 0.2 and lb > 0.2:
                both += 1
            gap = gap + 20.0 if not loud else 0.0
            longest_gap = max(longest_gap, gap)
        assert both == 0, f"{both} frames carried both interpreters"
        assert longest_gap <= 200, f"the channel fell silent for {longest_gap} ms"
    finally:
        await asyncio.gather(a.stop(), b.stop(), listener.stop())


async def test_listener_switches_channel_within_300_ms(janus, gw):
    tokens = [await _token(janus) for _ in range(3)]
    fr_room, fr_secret = await _channel(gw, tokens)
    es_room, es_secret = await _channel(gw, tokens)
    fr = ChannelBot(janus.settings.ws_url, tokens[0], fr_room, tone_hz=FR_HZ, participant_id=31)
    es = ChannelBot(janus.settings.ws_url, tokens[1], es_room, tone_hz=ES_HZ, participant_id=32)
    listener = ChannelBot(janus.settings.ws_url, tokens[2], fr_room)
    try:
        await asyncio.gather(fr.start(), es.start(), listener.start())
        await gw.set_on_air(fr_room, fr_secret, off=None, on=31)
        await gw.set_on_air(es_room, es_secret, off=None, on=32)
        delays = []
        for target, hz in ((es_room, ES_HZ), (fr_room, FR_HZ), (es_room, ES_HZ)):
            await asyncio.sleep(1.5)
            asked = time.monotonic()
            await listener.change_room(target)
            await asyncio.sleep(1.0)
            switched = next((t for t, a in _windows(listener, asked, time.monotonic())
                             if level_at(a, hz, width=60) > 0.5), None)
            assert switched is not None, "the new channel never arrived"
            delays.append(switched - asked)
        assert max(delays) <= 0.3, delays
    finally:
        await asyncio.gather(fr.stop(), es.stop(), listener.stop())


async def test_listeners_switch_mountpoints_within_300_ms(janus, gw):
    tokens = [await _token(janus) for _ in range(3)]
    fr_room, fr_secret = await _channel(gw, tokens)
    es_room, es_secret = await _channel(gw, tokens)
    fr = ChannelBot(janus.settings.ws_url, tokens[0], fr_room, tone_hz=FR_HZ, participant_id=61)
    es = ChannelBot(janus.settings.ws_url, tokens[1], es_room, tone_hz=ES_HZ, participant_id=62)
    listener = ListenerBot(janus.settings.ws_url, tokens[2], fr_room, "pin")
    try:
        await asyncio.gather(fr.start(), es.start())
        await gw.set_on_air(fr_room, fr_secret, off=None, on=61)
        await gw.set_on_air(es_room, es_secret, off=None, on=62)
        await listener.start()
        await asyncio.sleep(1.5)
        heard = listener.heard(time.monotonic() - 1.0)
        assert abs(dominant_frequency(heard) - FR_HZ) < 10 and level_at(heard, ES_HZ) < 0.01
        delays = []
        for target, hz in ((es_room, ES_HZ), (fr_room, FR_HZ), (es_room, ES_HZ)):
            asked = time.monotonic()
            await listener.switch(target)
            await asyncio.sleep(1.0)
            switched = next((t for t, a in _windows(listener, asked, time.monotonic())
                             if level_at(a, hz, width=60) > 0.5), None)
            assert switched is not None, "the new channel never arrived"
            delays.append(switched - asked)
            await asyncio.sleep(0.5)
        assert max(delays) <= 0.3, delays
    finally:
        await asyncio.gather(fr.stop(), es.stop(), listener.stop())


async def test_a_mountpoint_needs_its_pin(janus, gw):
    token = await _token(janus)
    room, _ = await _channel(gw, [token])
    listener = ListenerBot(janus.settings.ws_url, token, room, "not-the-pin")
    try:
        with pytest.raises(JanusPluginError):
            await listener.start()
    finally:
        await listener.stop()


async def test_relay_the_spanish_booth_takes_the_french_channel_as_input(janus, gw):
    tokens = [await _token(janus) for _ in range(3)]
    fr_room, fr_secret = await _channel(gw, tokens)
    es_room, es_secret = await _channel(gw, tokens)
    fr = ChannelBot(janus.settings.ws_url, tokens[0], fr_room, tone_hz=FR_HZ, participant_id=41)
    # The Spanish interpreter: one handle speaking into Spanish, and (as the console does) the French
    # channel's mountpoint as input.
    es_out = ChannelBot(janus.settings.ws_url, tokens[1], es_room, tone_hz=ES_HZ, participant_id=42)
    es_in = ListenerBot(janus.settings.ws_url, tokens[1], fr_room, "pin")
    es_listener = ChannelBot(janus.settings.ws_url, tokens[2], es_room)
    try:
        await asyncio.gather(fr.start(), es_out.start(), es_listener.start())
        await es_in.start()
        await gw.set_on_air(fr_room, fr_secret, off=None, on=41)
        await gw.set_on_air(es_room, es_secret, off=None, on=42)
        await asyncio.sleep(2.0)
        now = time.monotonic()
        assert abs(dominant_frequency(es_in.heard(now - 1.0)) - FR_HZ) < 10  # the booth's input: French
        heard_es = es_listener.heard(now - 1.0)
        assert abs(dominant_frequency(heard_es) - ES_HZ) < 10
        assert level_at(heard_es, FR_HZ) < 0.01  # relay input is not leaked into the output
    finally:
        await asyncio.gather(fr.stop(), es_out.stop(), es_in.stop(), es_listener.stop())


async def test_floor_listener_hears_the_floor_and_no_interpretation(janus, gw, testnet):
    from summitry.media import RoomSpec

    tokens = [await _token(janus) for _ in range(3)]
    vroom, vsecret = secrets.randbelow(2**40) + 1000, secrets.token_urlsafe(12)
    await gw.open_room(RoomSpec(room=vroom, description="floor", secret=vsecret, allowed=tuple(tokens)))
    fr_room, fr_secret = await _channel(gw, tokens)
    speaker = Bot(janus.settings.ws_url, tokens[0], vroom, 51, tone_hz=FLOOR_HZ, video=False)
    interpreter = ChannelBot(janus.settings.ws_url, tokens[1], fr_room, tone_hz=FR_HZ, participant_id=52)
    floor_listener = Bot(janus.settings.ws_url, tokens[2], vroom, 53, publish=False)
    try:
        await speaker.start()
        await interpreter.start()
        await gw.set_on_air(fr_room, fr_secret, off=None, on=52)
        await floor_listener.start()
        for _ in range(100):  # until two seconds of the floor have arrived
            if floor_listener.feeds.get(51) and len(floor_listener.feeds[51].audio) > 100:
                break
            await asyncio.sleep(0.1)
        heard = np.concatenate(floor_listener.feeds[51].audio[-75:])
        assert abs(dominant_frequency(heard) - FLOOR_HZ) < 10
        assert level_at(heard, FR_HZ) < 0.01
    finally:
        await asyncio.gather(speaker.stop(), interpreter.stop(), floor_listener.stop())


async def test_channels_refuse_tokens_not_on_their_list(janus, gw):
    admitted, outsider = await _token(janus), await _token(janus)
    room, _ = await _channel(gw, [admitted])
    bot = ChannelBot(janus.settings.ws_url, outsider, room)
    try:
        with pytest.raises(JanusPluginError) as exc:
            await bot.start()
        assert "allowed list" in exc.value.reason
    finally:
        await bot.stop()


async def test_a_channel_whose_mountpoint_went_missing_gets_it_back(janus, gw):
    token = await _token(janus)
    room, secret = await _channel(gw, [token])
    await gw._with_room(lambda _: gw._streaming.destroy(room, secret))  # as if creating it had failed
    spec = ChannelSpec(room=room, description="t", secret=secret, allowed=(token,))
    assert not await gw.open_channel(spec, MountpointSpec(id=room, description="t", secret=secret, pin="pin"))
    interpreter = ChannelBot(janus.settings.ws_url, token, room, tone_hz=FR_HZ, participant_id=71)
    listener = ListenerBot(janus.settings.ws_url, token, room, "pin")
    try:
        await interpreter.start()
        await gw.set_on_air(room, secret, off=None, on=71)
        await listener.start()
        await asyncio.sleep(1.5)
        assert abs(dominant_frequency(listener.heard(time.monotonic() - 1.0)) - FR_HZ) < 10
    finally:
        await asyncio.gather(interpreter.stop(), listener.stop())
