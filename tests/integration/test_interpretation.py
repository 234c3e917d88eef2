"""Interpretation through Summitry's services: channels opened at join, the booth's one microphone
handed over at Janus, relay input, and what the API refuses."""

import asyncio
import time

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from summitry.domain.interpretation import AirAction
from summitry.media import JanusError
from summitry.media.bot import ChannelBot, ListenerBot
from summitry.media.tones import dominant_frequency, level_at
from summitry.meetings import access, interpretation, services
from summitry.meetings.models import InterpretationChannel, MediaGrant

from .conftest import admitted_join

pytestmark = [pytest.mark.janus, pytest.mark.postgres]

SLUG = "canada-bilateral"


async def _connected(grant, room):
    """These bots speak to Janus directly: record what the relay records when it sees a visit join its
    booth's channel as itself (tested through the relay in test_relay_at_janus.py)."""
    pk = (await MediaGrant.objects.aget(token=grant.token)).pk
    await interpretation.note_channel(pk, room)


async def _unmuted(gw, room):
    return sorted(int(p["id"]) for p in await gw.channel_participants(room) if not p.get("muted"))


async def test_join_opens_a_channel_per_language_and_only_the_booth_may_speak_into_it(scenario, janus, gw):
    grant = await admitted_join(scenario["interpreter-fr"], SLUG)
    assert [c.language for c in grant.channels] == ["en", "fr"] and grant.booth == "fr"
    host = await admitted_join(scenario["garneau"], SLUG)
    assert host.booth == "" and [c.room for c in host.channels] == [c.room for c in grant.channels]
    rooms = {c.language: c.room for c in grant.channels}
    own = ChannelBot(janus.settings.ws_url, grant.token, rooms["fr"], participant_id=grant.publisher_id)
    try:
        await own.start()  # the French booth's token is on the French channel's list
    finally:
        await own.stop()
    # At Janus itself, not only at Summitry's relay: another booth's channel is not on the token's list
    # (AudioBridge's 489), and a token that is not an interpreter's cannot use AudioBridge at all (405).
    for token, room, code in ((grant.token, rooms["en"], 489), (host.token, rooms["fr"], 405),
                              (host.token, rooms["en"], 405)):
        bot = ChannelBot(janus.settings.ws_url, token, room)
        with pytest.raises(JanusError) as refused:
            await bot.start()
        assert refused.value.code == code, refused.value
        await bot.stop()


async def test_booth_hands_its_one_microphone_over_at_janus(scenario, janus, gw):
    first = await admitted_join(scenario["interpreter-fr"], SLUG)
    second = await admitted_join(scenario["interpreter-fr-2"], SLUG)
    listener = await admitted_join(scenario["blinken"], SLUG)
    fr = next(c.room for c in first.channels if c.language == "fr")
    a = ChannelBot(janus.settings.ws_url, first.token, fr, tone_hz=440, participant_id=first.publisher_id)
    b = ChannelBot(janus.settings.ws_url, second.token, fr, tone_hz=600, participant_id=second.publisher_id)
    # The listener watches the channel as browsers do: its mountpoint, with the pin from the join grant.
    mine = next(c for c in listener.channels if c.language == "fr")
    ear = ListenerBot(janus.settings.ws_url, listener.token, mine.stream, mine.pin)
    try:
        await asyncio.gather(a.start(), b.start(), ear.start())
        await _connected(first, fr)
        await _connected(second, fr)
        assert await _unmuted(gw, fr) == []

        states = await interpretation.change_air(scenario["interpreter-fr"], SLUG, "fr", AirAction.TAKE)
        fr_state = next(s for s in states if s["language"] == "fr")
        assert fr_state["live"] and fr_state["on_air"] == first.publisher_id
        assert await _unmuted(gw, fr) == [first.publisher_id]
        await asyncio.sleep(1.5)
        heard = ear.heard(time.monotonic() - 1.0)
        assert abs(dominant_frequency(heard) - 440) < 10 and level_at(heard, 600) < 0.01

        with pytest.raises(access.NotAllowed, match="partner_on_air"):
            await interpretation.change_air(scenario["interpreter-fr-2"], SLUG, "fr", AirAction.TAKE)
        with pytest.raises(access.NotAllowed, match="not_in_booth"):
            await interpretation.change_air(scenario["blinken"], SLUG, "fr", AirAction.TAKE)
        with pytest.raises(access.NotAllowed, match="not_on_air"):
            await interpretation.change_air(scenario["interpreter-fr-2"], SLUG, "fr", AirAction.HANDOVER)

        await interpretation.change_air(scenario["interpreter-fr"], SLUG, "fr", AirAction.HANDOVER)
        assert await _unmuted(gw, fr) == [second.publisher_id]
        await asyncio.sleep(1.5)
        assert abs(dominant_frequency(ear.heard(time.monotonic() - 1.0)) - 600) < 10

        await a.stop()  # the partner's console drops: no handover to nobody
        await _connected(first, None)  # as its relay records when it closes
        await asyncio.sleep(0.3)
        with pytest.raises(access.NotAllowed, match="partner_not_connected"):
            await interpretation.change_air(scenario["interpreter-fr-2"], SLUG, "fr", AirAction.HANDOVER)
        await interpretation.change_air(scenario["interpreter-fr-2"], SLUG, "fr", AirAction.RELEASE)
        assert await _unmuted(gw, fr) == []
    finally:
        await asyncio.gather(a.stop(), b.stop(), ear.stop())


async def test_leaving_takes_the_interpreter_off_air(scenario, janus, gw):
    grant = await admitted_join(scenario["interpreter-fr"], SLUG)
    fr = next(c.room for c in grant.channels if c.language == "fr")
    bot = ChannelBot(janus.settings.ws_url, grant.token, fr, tone_hz=440, participant_id=grant.publisher_id)
    try:
        await bot.start()
        await _connected(grant, fr)
        await interpretation.change_air(scenario["interpreter-fr"], SLUG, "fr", AirAction.TAKE)
        await services.leave(scenario["interpreter-fr"], SLUG)
        channel = await InterpretationChannel.objects.aget(engagement__slug=SLUG, language="fr")
        assert channel.on_air_id is None
    finally:
        await bot.stop()
    again = ChannelBot(janus.settings.ws_url, grant.token, fr)
    with pytest.raises(Exception, match="Unauthorized"):
        await again.start()  # the token is gone from Janus and from the channel's list
    await again.stop()


async def test_a_booth_chooses_its_input(scenario, janus, gw):
    await admitted_join(scenario["interpreter-fr"], SLUG)
    states = await interpretation.set_source(scenario["interpreter-fr"], SLUG, "fr", "en")
    assert next(s for s in states if s["language"] == "fr")["source"] == "en"
    for source in ("fr", "de", ""):
        with pytest.raises(access.NotAllowed, match="no_such_channel"):
            await interpretation.set_source(scenario["interpreter-fr"], SLUG, "fr", source)
    with pytest.raises(access.NotAllowed, match="not_in_booth"):
        await interpretation.set_source(scenario["blinken"], SLUG, "fr", "floor")


async def test_api_refuses_clearly(scenario, janus, gw):
    await admitted_join(scenario["interpreter-fr"], SLUG)

    @sync_to_async
    def _calls():
        c = Client()
        c.force_login(scenario["blinken"])
        out = [c.post(f"/api/engagements/{SLUG}/channels/fr/air", {"action": "take"},
                      content_type="application/json")]
        c.force_login(scenario["interpreter-fr"])
        out.append(c.post(f"/api/engagements/{SLUG}/channels/fr/air", {"action": "shout"},
                          content_type="application/json"))
        out.append(c.post(f"/api/engagements/{SLUG}/channels/xx/air", {"action": "take"},
                          content_type="application/json"))
        out.append(c.get(f"/api/engagements/{SLUG}/channels"))
        c.force_login(scenario["ebrard"])  # not a participant in this engagement
        out.append(c.get(f"/api/engagements/{SLUG}/channels"))
        return out

    not_booth, bad_action, no_channel, listing, outsider = await _calls()
    assert not_booth.status_code == 403 and "interpreters" in not_booth.json()["detail"]
    assert bad_action.status_code == 422
    assert no_channel.status_code == 403  # in French, the interpreter's language
    assert no_channel.json()["detail"] == "Cette rencontre n’a pas ce canal d’interprétation."
    assert listing.status_code == 200 and [c["language"] for c in listing.json()] == ["en", "fr"]
    assert [m["name"] for m in listing.json()[1]["booth"]] == ["Claire Tremblay", "Luc Gagnon"]
    assert outsider.status_code == 404  # not on the list: as if the engagement did not exist


async def test_a_new_visit_is_off_air_until_it_takes_the_microphone(scenario, janus, gw):
    first = await admitted_join(scenario["interpreter-fr"], SLUG)
    fr = next(c.room for c in first.channels if c.language == "fr")
    bot = ChannelBot(janus.settings.ws_url, first.token, fr, tone_hz=440, participant_id=first.publisher_id)
    try:
        await bot.start()
        await _connected(first, fr)
        await interpretation.change_air(scenario["interpreter-fr"], SLUG, "fr", AirAction.TAKE)
    finally:
        await bot.stop()
    await services.join(scenario["interpreter-fr"], SLUG)  # the console reloaded: a new visit, muted at Janus
    channel = await InterpretationChannel.objects.aget(engagement__slug=SLUG, language="fr")
    assert channel.on_air_id is None  # so no console says ON AIR while listeners hear nothing


async def test_janus_restart_takes_everyone_off_air(scenario, janus, gw):
    grant = await admitted_join(scenario["interpreter-fr"], SLUG)
    fr = next(c.room for c in grant.channels if c.language == "fr")
    bot = ChannelBot(janus.settings.ws_url, grant.token, fr, tone_hz=440, participant_id=grant.publisher_id)
    try:
        await bot.start()
        await _connected(grant, fr)
        await interpretation.change_air(scenario["interpreter-fr"], SLUG, "fr", AirAction.TAKE)
    finally:
        await bot.stop()
    await services.forget_media_state()
    channel = await InterpretationChannel.objects.aget(engagement__slug=SLUG, language="fr")
    assert channel.on_air_id is None
