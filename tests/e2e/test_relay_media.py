"""Hostile participants with valid grants, speaking Janus's API themselves through Summitry's relay
with aiortc bots (as a modified page would), against the real ``summitry serve`` and its Janus. What
they manage is measured where media arrives: tones heard by a listener, frames decoded by a viewer."""

from __future__ import annotations

import asyncio
import time

import pytest

from summitry.media import JanusError
from summitry.media.bot import Bot, ChannelBot, ListenerBot
from summitry.media.tones import dominant_frequency, level_at
from tests.support import serving

from .test_meeting import admit

pytestmark = [pytest.mark.e2e, pytest.mark.janus]

SLUG = "mexico-bilateral"
INTRUDER_HZ, SPEAKER_HZ = 660.0, 550.0


class Visitor(serving.Visitor):
    """A signed-in participant driving Summitry's HTTP API and relay without a browser."""

    def __init__(self, server, username):
        super().__init__(server, username, SLUG)


async def admitted_visitors(server, *people):
    """(visitor, grant) for each (person, user name): admitted by the operator, signed in, joined."""
    out = []
    for person, username in people:
        admit(server, person, SLUG)
        visitor = await Visitor(server, username).sign_in()
        out.append((visitor, await visitor.join()))
    return out


def publisher_id(server, person, slug=SLUG):
    return server.query("SELECT p.publisher_id FROM meetings_participation p JOIN accounts_person pe "
                        "ON p.person_id = pe.id JOIN meetings_engagement e ON p.engagement_id = e.id "
                        "WHERE pe.slug = ? AND e.slug = ?", person, slug)[0][0]


async def test_an_off_air_interpreter_is_not_heard_whatever_he_sends(server):
    (luis, grant), (listener, ear_grant) = await admitted_visitors(
        server, ("mx-interpreter-2", "interpreter-es-2"), ("antony-blinken", "blinken"))
    es = next(c for c in grant["channels"] if c["language"] == "es")
    mine = next(c for c in ear_grant["channels"] if c["language"] == "es")
    other = publisher_id(server, "mx-interpreter")
    # He asks for his partner's id in the channel; the relay writes his own.
    bot = ChannelBot(grant["janus_url"], grant["token"], es["room"], tone_hz=INTRUDER_HZ, participant_id=other,
                     display="Intérprete oficial", headers=luis.headers)
    ear = ListenerBot(ear_grant["janus_url"], ear_grant["token"], mine["stream"], mine["pin"],
                      headers=listener.headers)
    try:
        joined = await bot.start()
        assert joined["id"] == grant["publisher_id"] != other
        await ear.start()
        for body in ({"request": "configure", "muted": False}, {"request": "CONFIGURE", "muted": False},
                     {"request": "unmute", "room": es["room"], "id": grant["publisher_id"]},
                     {"request": "changeroom", "room": es["room"], "muted": False}):
            with pytest.raises(JanusError) as refused:
                await bot.request(body)
            assert refused.value.code == 403, body
        for verb in ("MESSAGE", "Message"):  # Janus reads the verb without regard to case; so does the relay
            reply = await bot.client.send(verb, session_id=bot.session.id, handle_id=bot.handle.id,
                                          body={"request": "Configure", "muted": False})
            assert reply["janus"] == "error" and reply["error"]["code"] == 403, reply
        await asyncio.sleep(2.0)
        heard = ear.heard(time.monotonic() - 1.0)
        assert heard.size and level_at(heard, INTRUDER_HZ) < 0.01  # nothing of him reaches the channel

        # The control: once Summitry puts him on air, the same listener hears him. (The booth's record of
        # who is connected comes from his relay, which saw him join as himself.)
        status, _ = await luis.post(f"/api/engagements/{SLUG}/channels/es/air", {"action": "take"})
        assert status == 200
        await asyncio.sleep(1.5)
        heard = ear.heard(time.monotonic() - 1.0)
        assert abs(dominant_frequency(heard) - INTRUDER_HZ) < 10
        await luis.post(f"/api/engagements/{SLUG}/channels/es/air", {"action": "release"})
    finally:
        await asyncio.gather(bot.stop(), ear.stop())
        await luis.close()
        await listener.close()


async def test_publishing_under_anothers_name_or_watching_another_engagement_gets_nothing(server):
    (chung, grant), (viewer, view_grant) = await admitted_visitors(server, ("julie-chung", "chung"),
                                                                   ("antony-blinken", "blinken"))
    ebrard = publisher_id(server, "marcelo-ebrard")
    foreign_room = server.query("SELECT media_room FROM meetings_engagement WHERE slug = 'port-of-entry-visit'")[0][0]
    foreign_feed = publisher_id(server, "us-port-director", "port-of-entry-visit")
    impostor = Bot(grant["janus_url"], grant["token"], grant["room"], ebrard, display="Marcelo Ebrard",
                   tone_hz=SPEAKER_HZ, headers=chung.headers)
    watcher = Bot(view_grant["janus_url"], view_grant["token"], view_grant["room"], view_grant["publisher_id"],
                  publish=False, watch=[], headers=viewer.headers)
    spy = Bot(grant["janus_url"], grant["token"], foreign_room, grant["publisher_id"], publish=False, watch=[],
              headers=chung.headers)
    try:
        await impostor.start()  # as Ebrard, she thinks
        await watcher.start()
        with pytest.raises(JanusError):  # there is no feed under Ebrard's id: he is not here
            await watcher.subscribe(ebrard)
        report = await watcher.subscribe(grant["publisher_id"])  # her media is under her own id
        assert await watcher.wait_for_frames(1, frames=5, timeout=15)
        await asyncio.sleep(1.0)
        assert report.frames >= 5 and abs(report.heard_hz() - SPEAKER_HZ) < 10

        await spy.start()
        with pytest.raises(JanusError) as refused:  # another engagement's feed, named with its room
            await spy.subscribe(foreign_feed)
        assert refused.value.code == 403 and "roster" in refused.value.reason
        assert spy.feeds[foreign_feed].frames == 0
    finally:
        await asyncio.gather(impostor.stop(), watcher.stop(), spy.stop())
        await chung.close()
        await viewer.close()
