"""Room presence over WebSocket, through the real ASGI application (auth, origin check, routing)."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from summitry.asgi import application
from summitry.meetings.models import Participation

pytestmark = [pytest.mark.postgres]
PATH = "/ws/engagements/canada-bilateral/presence"


@sync_to_async
def _session_cookie(user) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


async def _connect(user=None, origin="http://localhost", path=PATH):
    headers = [(b"origin", origin.encode()), (b"host", b"localhost")]
    if user is not None:
        headers.append((b"cookie", (await _session_cookie(user)).encode()))
    comm = WebsocketCommunicator(application, path, headers=headers)
    connected, code = await comm.connect()
    return comm, connected, code


@sync_to_async
def _feed(username):
    return Participation.objects.get(engagement__slug="canada-bilateral", person__user__username=username).publisher_id


@sync_to_async
def _admit(*usernames):
    """Admitted, with a live visit: the grant a join records (these tests need no Janus)."""
    import secrets

    from summitry.meetings import lobby
    from summitry.meetings.models import Engagement, MediaGrant

    engagement = Engagement.objects.get(slug="canada-bilateral")
    for u in usernames:
        p = Participation.objects.get(engagement=engagement, person__user__username=u)
        if p.role != "host":
            lobby.check_in(p, "test")
            lobby.decide(engagement, p.pk, "admitted", "test")
        MediaGrant.objects.create(participation=p, token=secrets.token_urlsafe(32))


async def test_participants_see_each_others_microphone_and_camera(scenario):
    await _admit("garneau", "blinken", "chung")
    garneau, ok, _ = await _connect(scenario["garneau"])
    assert ok
    assert await garneau.receive_json_from(timeout=2) == {"lobby": []}  # the host also sees the lobby
    blinken, ok, _ = await _connect(scenario["blinken"])
    assert ok
    await blinken.send_json_to({"muted": True, "camera_off": False})
    expected = {"publisher_id": await _feed("blinken"), "muted": True, "camera_off": False}
    assert await garneau.receive_json_from(timeout=2) == expected
    assert await blinken.receive_json_from(timeout=2) == expected
    # a newcomer learns the states already announced
    chung, ok, _ = await _connect(scenario["chung"])
    assert ok
    assert await chung.receive_json_from(timeout=2) == expected
    for comm in (garneau, blinken, chung):
        await comm.disconnect()


async def test_outsiders_and_anonymous_are_refused(scenario):
    _, connected, code = await _connect(scenario["trudeau"])
    assert not connected and code == 4404  # not on the list: as if the engagement did not exist
    _, connected, code = await _connect(None)
    assert not connected and code == 4404
    _, connected, code = await _connect(scenario["blinken"], path="/ws/engagements/nope/presence")
    assert not connected and code == 4404


async def test_cross_site_origin_is_refused(scenario):
    _, connected, _ = await _connect(scenario["blinken"], origin="http://evil.example")
    assert not connected


@pytest.mark.parametrize("bad", [{"muted": "yes"}, {"publisher_id": 1, "muted": True}, ["muted"]])
async def test_bad_messages_close_the_socket_and_nobody_can_speak_for_another(scenario, bad):
    await _admit("garneau", "blinken")
    garneau, _, _ = await _connect(scenario["garneau"])
    await garneau.receive_json_from(timeout=2)
    blinken, _, _ = await _connect(scenario["blinken"])
    await blinken.send_json_to(bad)
    assert (await blinken.receive_output(timeout=2))["type"] == "websocket.close"
    assert await garneau.receive_nothing(timeout=0.3)
    await garneau.disconnect()


async def _drain(comm):
    """Whatever the socket has said so far (presence, channel states)."""
    out = []
    while not await comm.receive_nothing(timeout=0.3):
        out.append(await comm.receive_json_from())
    return out


async def test_booth_chat_reaches_the_booth_and_nobody_else(scenario):
    await _admit("interpreter-fr", "interpreter-fr-2", "blinken")
    claire, ok, _ = await _connect(scenario["interpreter-fr"])
    luc, ok2, _ = await _connect(scenario["interpreter-fr-2"])
    blinken, ok3, _ = await _connect(scenario["blinken"])
    assert ok and ok2 and ok3
    for comm in (claire, luc, blinken):
        await _drain(comm)
    await luc.send_json_to({"booth_chat": "  Next: Minister Garneau  "})
    got = await claire.receive_json_from(timeout=2)
    assert got == {"booth_chat": {"from": "Luc Gagnon", "publisher_id": await _feed("interpreter-fr-2"),
                                  "text": "Next: Minister Garneau"}}
    assert (await luc.receive_json_from(timeout=2))["booth_chat"]["text"] == "Next: Minister Garneau"
    assert await blinken.receive_nothing(timeout=0.5)  # not in the booth: hears nothing of it
    # Someone outside a booth cannot write to one; empty or overlong messages are refused plainly.
    await blinken.send_json_to({"booth_chat": "hello"})
    assert "booth_chat_error" in await blinken.receive_json_from(timeout=2)
    await luc.send_json_to({"booth_chat": "x" * 501})
    assert "booth_chat_error" in await luc.receive_json_from(timeout=2)
    assert await claire.receive_nothing(timeout=0.5)
    for comm in (claire, luc, blinken):
        await comm.disconnect()


@sync_to_async
def _while_away(kind: str):
    """A segment put in force with its new key while a page's live channel was down (nobody told it)."""
    from summitry.meetings import e2ee
    from summitry.meetings.models import Engagement

    engagement = Engagement.objects.get(slug="canada-bilateral")
    engagement.current_segment = kind
    engagement.save(update_fields=["current_segment"])
    return e2ee.rotate(engagement, f"segment_{kind}")


async def test_a_page_whose_live_channel_reopens_asks_for_what_it_missed(scenario, monkeypatch):
    await _admit("blinken")
    key = await _while_away("closed")
    blinken, ok, _ = await _connect(scenario["blinken"])
    assert ok
    await _drain(blinken)  # what a fresh socket says by itself
    await blinken.send_json_to({"resync": True})
    got = await _drain(blinken)
    assert {"segment": "closed", "allowed": True} in got
    assert {"e2ee": {"key_id": key.key_id, "key": key.key}} in got  # even if it was sent before on this socket
    assert {"admission": "admitted"} in got
    # asking again (a second later) answers again: the page may have lost what it was told
    from summitry.meetings import consumers
    monkeypatch.setattr(consumers, "RESYNC_EVERY_S", 0.0)
    await blinken.send_json_to({"resync": True})
    assert {"e2ee": {"key_id": key.key_id, "key": key.key}} in await _drain(blinken)
    await blinken.disconnect()


async def test_a_resync_outside_the_room_gets_no_key(scenario):
    await _while_away("closed")
    chung, ok, _ = await _connect(scenario["chung"])  # no grant, no admission: not in the room
    assert ok
    await _drain(chung)
    await chung.send_json_to({"resync": True})
    got = await _drain(chung)
    assert {"segment": "closed", "allowed": True} in got
    assert {"e2ee": None} in got
    assert not any(m.get("e2ee") for m in got) and not any("channels" in m for m in got)
    await chung.disconnect()


async def test_a_page_is_told_when_janus_restarted(scenario):
    from channels.layers import get_channel_layer

    from summitry.meetings import lobby

    await _admit("blinken")
    blinken, ok, _ = await _connect(scenario["blinken"])
    assert ok
    await _drain(blinken)
    p = await sync_to_async(Participation.objects.get)(engagement__slug="canada-bilateral",
                                                        person__user__username="blinken")
    await get_channel_layer().group_send(lobby.participant_group(p.pk),
                                         {"type": "visit.changed", "reason": "janus_restarted"})
    assert {"media_restarted": True} in await _drain(blinken)
    await get_channel_layer().group_send(lobby.participant_group(p.pk), {"type": "visit.changed", "reason": "left"})
    assert {"media_restarted": True} not in await _drain(blinken)
    await blinken.disconnect()


async def test_a_flood_of_resyncs_is_answered_once_a_second(scenario):
    await _admit("blinken")
    blinken, ok, _ = await _connect(scenario["blinken"])
    assert ok
    await _drain(blinken)
    for _ in range(50):
        await blinken.send_json_to({"resync": True})
    got = await _drain(blinken)
    assert [m for m in got if "admission" in m] == [{"admission": "admitted"}]  # one answer, not fifty
    await blinken.disconnect()


@pytest.mark.parametrize("change", ["role", "removed"])
async def test_a_live_channel_closes_when_the_participation_changes(scenario, fake_gateway, change):
    """The attack review's stale rights: a socket keeps what it was given at connect (booth chat, the
    host's lobby list), so a new role, booth or removal closes it; the page reconnects as it is now."""
    from summitry.trips import services as planning

    await _admit("interpreter-fr")
    claire, ok, _ = await _connect(scenario["interpreter-fr"])
    assert ok
    await _drain(claire)

    @sync_to_async
    def _change():
        p = Participation.objects.select_related("engagement", "person").get(
            engagement__slug="canada-bilateral", person__user__username="interpreter-fr")
        if change == "role":
            planning.update_participant(p, "delegation_member", "", p.precedence, "protocol")
        else:
            planning.remove_participant(p, "protocol")

    await _change()
    closed = await claire.receive_output(timeout=2)
    assert closed == {"type": "websocket.close", "code": 4409}
    again, ok, _ = await _connect(scenario["interpreter-fr"])
    if change == "removed":
        assert not ok  # off the list: refused
    else:
        assert ok
        await again.send_json_to({"booth_chat": "still here?"})
        await again.disconnect()


async def test_a_flood_of_presence_changes_is_not_relayed_but_its_last_state_is(scenario):
    await _admit("garneau", "blinken")
    garneau, ok, _ = await _connect(scenario["garneau"])
    blinken, ok2, _ = await _connect(scenario["blinken"])
    assert ok and ok2
    await _drain(garneau)
    for i in range(40):
        await blinken.send_json_to({"muted": i % 2 == 0, "camera_off": False})
    await blinken.send_json_to({"muted": True, "camera_off": True})  # where he ends
    import asyncio
    await asyncio.sleep(1.3)  # the flush of the last state, a second after the flood
    heard = [m for m in await _drain(garneau) if "publisher_id" in m]
    assert len(heard) <= 6  # five a second, then the last state
    assert heard[-1]["muted"] is True and heard[-1]["camera_off"] is True
    for comm in (garneau, blinken):
        await comm.disconnect()


async def test_a_newcomer_hears_each_state_once_and_the_others_hear_nothing_again(scenario):
    await _admit("garneau", "blinken", "chung")
    garneau, _, _ = await _connect(scenario["garneau"])
    blinken, _, _ = await _connect(scenario["blinken"])
    await blinken.send_json_to({"muted": True, "camera_off": False})
    await _drain(garneau)
    await _drain(blinken)
    chung, ok, _ = await _connect(scenario["chung"])
    assert ok
    assert [m for m in await _drain(chung) if "publisher_id" in m] == [
        {"publisher_id": await _feed("blinken"), "muted": True, "camera_off": False}]
    assert not [m for m in await _drain(garneau) if "publisher_id" in m]  # no re-broadcast to the room
    for comm in (garneau, blinken, chung):
        await comm.disconnect()
