"""The relay as a hostile participant meets it: frames sent over the real ASGI application's
WebSocket (/ws/engagements/<slug>/janus) to a real Janus, and what Janus then holds, checked at Janus."""

import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from summitry.asgi import application
from summitry.audit.models import AuditEntry
from summitry.domain.access import SegmentKind
from summitry.domain.interpretation import AirAction
from summitry.meetings import access, interpretation, services
from summitry.meetings.models import Engagement, InterpretationChannel, MediaGrant

from .conftest import admitted_join
from .test_presence import _session_cookie

pytestmark = [pytest.mark.janus, pytest.mark.postgres]
SLUG = "canada-bilateral"


class RelayClient:
    """A raw Janus client over Summitry's relay: sends whatever JSON a hostile page would."""

    def __init__(self, comm):
        self.comm, self.n = comm, 0
        self.session = self.handle = None

    @classmethod
    async def open(cls, user, slug=SLUG):
        headers = [(b"origin", b"http://localhost"), (b"host", b"localhost"),
                   (b"cookie", (await _session_cookie(user)).encode())]
        comm = WebsocketCommunicator(application, f"/ws/engagements/{slug}/janus", headers=headers,
                                     subprotocols=["janus-protocol"])
        connected, code = await comm.connect(timeout=5)
        assert connected, code
        return cls(comm)

    async def send(self, msg, *, final=True):
        """Send one frame; return Janus's (or the relay's) answer to it, skipping acks."""
        self.n += 1
        tx = f"t{self.n}"
        await self.comm.send_to(text_data=json.dumps({"transaction": tx, **msg}))
        while True:
            reply = json.loads(await self.comm.receive_from(timeout=5))
            if reply.get("transaction") == tx and (reply.get("janus") != "ack" or not final):
                return reply

    async def start(self, plugin, janus="create"):
        created = await self.send({"janus": janus})
        self.session = created["data"]["id"]
        attached = await self.send({"janus": "ATTACH", "plugin": plugin, "session_id": self.session})
        self.handle = attached["data"]["id"]
        return self.handle

    async def message(self, body, verb="message", handle=None, **extra):
        return await self.send({"janus": verb, "session_id": self.session, "handle_id": handle or self.handle,
                                "body": body, **extra})

    async def close(self):
        await self.comm.disconnect()


def refusal(reply):
    return reply.get("janus") == "error" and reply["error"]["code"] == 403


def plugin_data(reply):
    return reply.get("plugindata", {}).get("data", {})


@sync_to_async
def _publisher_id(username, slug=SLUG):
    return Engagement.objects.get(slug=slug).participations.get(person__user__username=username).publisher_id


@sync_to_async
def _refusals(username):
    return list(AuditEntry.objects.filter(action="relay_refused", actor=username).values_list("detail", flat=True))


async def test_a_publisher_publishes_under_its_own_id_and_name_whatever_it_sends(scenario, janus, gw):
    grant = await admitted_join(scenario["blinken"], SLUG)
    garneau = await _publisher_id("garneau")
    relay = await RelayClient.open(scenario["blinken"])
    try:
        await relay.start("janus.plugin.videoroom")
        joined = await relay.message({"request": "JOIN", "ptype": "Publisher", "room": 1234, "id": garneau,
                                      "display": "Marc Garneau", "token": "anything"}, verb="MESSAGE")
        data = plugin_data(joined)
        assert data["videoroom"] == "joined" and data["room"] == grant.room and data["id"] == grant.publisher_id
        at_janus = {p["id"]: p.get("display") for p in await gw.room_participants(grant.room)}
        assert at_janus[grant.publisher_id] == str(grant.publisher_id) and garneau not in at_janus
    finally:
        await relay.close()


async def test_a_subscriber_subscribes_only_in_its_own_room_to_its_rosters_feeds(scenario, janus, gw):
    other = await services.join(scenario["garneau"], "garneau-press-availability")  # another engagement's room
    await services.switch_segment(scenario["garneau"], SLUG, SegmentKind.OPEN)
    press = await admitted_join(scenario["press-ca"], SLUG)
    relay = await RelayClient.open(scenario["press-ca"])
    try:
        await relay.start("janus.plugin.videoroom")
        foreign = await relay.message({"request": "join", "ptype": "subscriber", "room": other.room,
                                       "streams": [{"feed": other.publisher_id}]})
        assert refusal(foreign) and "roster" in foreign["error"]["reason"]
        publishing = await relay.message({"request": "join", "ptype": "PUBLISHER"})
        assert refusal(publishing)
        assert press.publisher_id not in {p["id"] for p in await gw.room_participants(press.room)}
    finally:
        await relay.close()
    reasons = [d["reason"] for d in await _refusals("press-ca")]
    assert len(reasons) == 2 and all(d.get("grant") for d in await _refusals("press-ca"))


async def test_admin_verbs_in_any_case_never_reach_janus(scenario, janus, gw):
    grant = await admitted_join(scenario["garneau"], SLUG)
    relay = await RelayClient.open(scenario["garneau"])
    try:
        await relay.start("janus.plugin.videoroom")
        for body in ({"request": "KICK", "room": grant.room, "id": 1, "secret": "x"},
                     {"request": "Rtp_Forward", "room": grant.room, "publisher_id": grant.publisher_id},
                     {"request": "create", "room": 42}, {"request": "DESTROY", "room": grant.room},
                     {"request": "allowed", "room": grant.room, "action": "disable"},
                     {"request": "listparticipants", "room": grant.room}, {"request": "LIST"}):
            assert refusal(await relay.message(body)), body
        assert refusal(await relay.send({"janus": "claim", "session_id": relay.session}))
        assert refusal(await relay.send({"janus": "attach", "plugin": "janus.plugin.echotest",
                                         "session_id": relay.session}))
    finally:
        await relay.close()
    assert await gw.open_room(services._room_spec(await Engagement.objects.aget(slug=SLUG))) is False  # still there


async def test_listeners_watch_only_their_engagements_channels(scenario, janus, gw):
    await services.switch_segment(scenario["garneau"], SLUG, SegmentKind.OPEN)
    mine = await admitted_join(scenario["blinken"], SLUG)
    theirs = await services.join(scenario["trudeau"], "courtesy-call-prime-minister")
    foreign = next(c for c in theirs.channels if c.language == "fr")
    relay = await RelayClient.open(scenario["blinken"])
    try:
        await relay.start("janus.plugin.streaming")
        for request in ("watch", "WATCH", "Switch", "info", "LIST"):
            assert refusal(await relay.message({"request": request, "id": foreign.stream, "pin": foreign.pin}))
        fr = next(c for c in mine.channels if c.language == "fr")
        watching = await relay.message({"request": "WATCH", "id": fr.stream, "pin": "guessed"})
        assert not refusal(watching)  # Summitry writes the right pin
    finally:
        await relay.close()


async def test_booth_presence_is_summitrys_and_no_one_else_can_speak_for_the_partner(scenario, janus, gw):
    claire_grant = await admitted_join(scenario["interpreter-fr"], SLUG)
    luc = await _publisher_id("interpreter-fr-2")
    await admitted_join(scenario["interpreter-en"], SLUG)
    fr = next(c.room for c in claire_grant.channels if c.language == "fr")
    # An English-booth interpreter tries to sit in the French booth as Luc: refused before Janus.
    intruder = await RelayClient.open(scenario["interpreter-en"])
    claire = await RelayClient.open(scenario["interpreter-fr"])
    try:
        await intruder.start("janus.plugin.audiobridge")
        for body in ({"request": "join", "room": fr, "id": luc, "muted": True},
                     {"request": "JOIN", "room": fr, "id": luc, "display": "Luc Gagnon"}):
            assert refusal(await intruder.message(body))
        await claire.start("janus.plugin.audiobridge")
        unmuted = await claire.message({"request": "Join", "room": fr, "muted": False})
        assert refusal(unmuted)
        joined = plugin_data(await claire.message({"request": "join", "room": fr, "id": luc, "muted": True}))
        assert joined["audiobridge"] == "joined" and joined["id"] == claire_grant.publisher_id  # her own id
        assert refusal(await claire.message({"request": "CONFIGURE", "muted": False}, verb="MeSsAgE"))
        at_janus = await gw.channel_participants(fr)
        assert [(p["id"], p["muted"]) for p in at_janus] == [(claire_grant.publisher_id, True)]
        grant = await MediaGrant.objects.aget(token=claire_grant.token)
        assert grant.channel_room == fr  # Summitry's own record, from what the relay saw
        await interpretation.change_air(scenario["interpreter-fr"], SLUG, "fr", AirAction.TAKE)
        with pytest.raises(access.NotAllowed, match="partner_not_connected"):
            await interpretation.change_air(scenario["interpreter-fr"], SLUG, "fr", AirAction.HANDOVER)
        await interpretation.change_air(scenario["interpreter-fr"], SLUG, "fr", AirAction.RELEASE)
    finally:
        await intruder.close()
        await claire.close()
    assert (await MediaGrant.objects.aget(token=claire_grant.token)).channel_room is None  # relay closed
    channel = await InterpretationChannel.objects.aget(engagement__slug=SLUG, language="fr")
    assert channel.on_air_id is None


async def _drain(comm):
    out = []
    while not await comm.receive_nothing(timeout=0.4):
        out.append(await comm.receive_json_from())
    return out


async def test_a_participant_who_left_keeps_no_keys_and_hears_nothing(scenario, janus, gw):
    from .test_presence import _connect

    host, blinken = scenario["garneau"], scenario["blinken"]
    await services.switch_segment(host, SLUG, SegmentKind.CLOSED)  # encrypted: a key is handed out
    await services.join(host, SLUG, supports_e2ee=True)
    await admitted_join(blinken, SLUG)
    host_page, _, _ = await _connect(host)
    his_page, ok, _ = await _connect(blinken)
    assert ok
    first = [m["e2ee"] for m in await _drain(his_page) if "e2ee" in m]
    assert first and first[-1]["key"]  # in the room with a live visit: he has the key
    await _drain(host_page)

    await services.leave(blinken, SLUG)  # ... and keeps his page's live channel open
    assert {"e2ee": None} in await _drain(his_page)  # told the key is gone
    await host_page.receive_nothing(timeout=0.3)
    await _drain(host_page)
    await services.switch_segment(host, SLUG, SegmentKind.RESTRICTED)  # a new key, and he is a principal
    host_keys = [m["e2ee"] for m in await _drain(host_page) if m.get("e2ee")]
    assert host_keys and host_keys[-1]["key_id"] != first[-1]["key_id"]
    assert not [m for m in await _drain(his_page) if m.get("e2ee")]
    await his_page.send_json_to({"muted": True, "camera_off": True})  # nobody hears from him either
    assert await host_page.receive_nothing(timeout=0.5)
    for comm in (host_page, his_page):
        await comm.disconnect()


async def test_frames_that_break_parsers_are_refused_and_the_relay_stays_in_charge(scenario, janus, gw):
    await admitted_join(scenario["blinken"], SLUG)
    relay = await RelayClient.open(scenario["blinken"])
    try:
        await relay.comm.send_to(text_data='{"janus": "keepalive", "transaction": "deep", "x": '
                                 + "[" * 5000 + "]" * 5000 + "}")
        reply = json.loads(await relay.comm.receive_from(timeout=5))
        assert refusal(reply) and reply["transaction"] is None
        surrogate = await relay.send({"janus": "\ud800\u202e" * 40})
        assert refusal(surrogate)
        await relay.start("janus.plugin.videoroom")  # the connection still works
    finally:
        await relay.close()
    entries = await _refusals("blinken")
    assert len(entries) == 2 and all(d["verb"].isascii() for d in entries)


async def test_a_second_relay_for_the_same_visit_replaces_the_first(scenario, janus, gw):
    await admitted_join(scenario["blinken"], SLUG)
    first = await RelayClient.open(scenario["blinken"])
    await first.start("janus.plugin.videoroom")
    second = await RelayClient.open(scenario["blinken"])
    try:
        closed = await first.comm.receive_output(timeout=5)
        while closed["type"] != "websocket.close":
            closed = await first.comm.receive_output(timeout=5)
        assert closed["code"] == 4409
        await second.start("janus.plugin.videoroom")
        grant = await MediaGrant.objects.aget(participation__person__user=scenario["blinken"],
                                              participation__engagement__slug=SLUG, revoked_at__isnull=True)
        assert grant.janus_session == second.session  # the audit names the one live session
    finally:
        await second.close()


async def test_a_revoked_visit_cannot_open_a_relay(scenario, janus, gw):
    await admitted_join(scenario["blinken"], SLUG)
    await services.leave(scenario["blinken"], SLUG)
    headers = [(b"origin", b"http://localhost"), (b"host", b"localhost"),
               (b"cookie", (await _session_cookie(scenario["blinken"])).encode())]
    comm = WebsocketCommunicator(application, f"/ws/engagements/{SLUG}/janus", headers=headers,
                                 subprotocols=["janus-protocol"])
    connected, code = await comm.connect(timeout=5)
    assert not connected and code == 4403


async def test_denied_after_being_admitted_is_out_of_the_meeting_at_once(scenario, janus, gw):
    from django.test import AsyncClient

    from .test_presence import _connect

    host, chung = scenario["garneau"], scenario["chung"]
    await services.join(host, SLUG, supports_e2ee=True)
    grant = await admitted_join(chung, SLUG)
    relay = await RelayClient.open(chung)
    await relay.start("janus.plugin.videoroom")
    host_page, _, _ = await _connect(host)
    his_page, _, _ = await _connect(chung)
    await _drain(host_page)
    await _drain(his_page)
    participation = await sync_to_async(lambda: grant_participation(grant.token))()
    client = AsyncClient()
    await client.aforce_login(host)
    resp = await client.post(f"/api/engagements/{SLUG}/lobby/{participation}/deny")
    assert resp.status_code == 200
    assert {"admission": "denied"} in await _drain(his_page)
    closed = await relay.comm.receive_output(timeout=5)
    while closed["type"] != "websocket.close":
        closed = await relay.comm.receive_output(timeout=5)
    assert grant.token not in {t["token"] for t in await janus.admin.list_tokens()}  # his media is cut
    await _drain(host_page)
    await his_page.send_json_to({"muted": True, "camera_off": False})
    heard = await _drain(host_page)
    assert not [m for m in heard if m.get("publisher_id") == grant.publisher_id]  # he is no longer in the room
    for comm in (host_page, his_page):
        await comm.disconnect()


def grant_participation(token):
    return MediaGrant.objects.get(token=token).participation_id


async def test_a_visit_cut_for_not_encrypting_is_out_of_the_room(scenario, janus, gw):
    from .test_presence import _admit, _connect

    await services.switch_segment(scenario["garneau"], SLUG, SegmentKind.OPEN)
    await _admit("interpreter-fr", "interpreter-fr-2")
    await services.join(scenario["interpreter-fr"], SLUG, supports_e2ee=True)
    await services.join(scenario["interpreter-fr-2"], SLUG, supports_e2ee=False)  # cannot encrypt
    claire, _, _ = await _connect(scenario["interpreter-fr"])
    luc, _, _ = await _connect(scenario["interpreter-fr-2"])
    await _drain(claire)
    await _drain(luc)
    assert await services.switch_segment(scenario["garneau"], SLUG, SegmentKind.CLOSED) == 1
    await _drain(luc)
    await claire.send_json_to({"booth_chat": "the figure is 40 billion"})
    assert not [m for m in await _drain(luc) if "booth_chat" in m]  # his visit ended: he hears nothing of it
    for comm in (claire, luc):
        await comm.disconnect()


async def test_cancelling_a_live_engagement_ends_everyones_media(scenario, janus, gw):
    from django.test import AsyncClient

    grant = await admitted_join(scenario["blinken"], SLUG)
    relay = await RelayClient.open(scenario["blinken"])
    await relay.start("janus.plugin.videoroom")
    office = AsyncClient()
    await office.aforce_login(scenario["protocol"])
    resp = await office.post(f"/api/engagements/{SLUG}/cancel")
    assert resp.status_code == 200 and resp.json()["state"] == "cancelled"
    closed = await relay.comm.receive_output(timeout=5)
    while closed["type"] != "websocket.close":
        closed = await relay.comm.receive_output(timeout=5)
    assert grant.token not in {t["token"] for t in await janus.admin.list_tokens()}
    with pytest.raises(access.NotAllowed, match="cancelled"):
        await services.join(scenario["blinken"], SLUG)


async def test_taken_off_the_list_by_a_plan_import_is_out_at_once(scenario, janus, gw):
    from summitry.trips import exchange
    from summitry.trips.models import Trip

    grant = await admitted_join(scenario["chung"], SLUG)

    @sync_to_async
    def _import_without_chung():
        trip = Trip.objects.get(engagements__slug=SLUG)
        plan = exchange.export_trip(trip)
        for e in plan["engagements"]:
            if e["slug"] == SLUG:
                e["participants"] = [p for p in e["participants"] if p["person"] != "julie-chung"]
        exchange.load(plan)

    await _import_without_chung()
    assert grant.token not in {t["token"] for t in await janus.admin.list_tokens()}
    with pytest.raises(access.NotAllowed, match="not_invited"):
        await services.join(scenario["chung"], SLUG)
    assert await sync_to_async(AuditEntry.objects.filter(action="participant_removed", subject="julie-chung").exists)()


async def test_a_guest_whose_pass_is_over_gets_no_more_keys(scenario, janus, gw):
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from summitry.accounts.models import GuestPass, Person

    from .test_presence import _connect

    @sync_to_async
    def _guest():
        now = timezone.now()
        Engagement.objects.filter(slug=SLUG).update(starts_at=now - timedelta(hours=1),
                                                    ends_at=now + timedelta(hours=1))
        person = Person.objects.get(slug="ca-note-taker")
        user = get_user_model().objects.create(username="guest-ca-note-taker")
        user.set_unusable_password()
        user.save()
        previous = person.user
        Person.objects.filter(pk=person.pk).update(user=user)
        GuestPass.objects.create(user=user, engagement=Engagement.objects.get(slug=SLUG))
        return user, previous

    guest, _ = await _guest()
    await services.switch_segment(scenario["garneau"], SLUG, SegmentKind.CLOSED)
    await services.join(scenario["garneau"], SLUG, supports_e2ee=True)
    await admitted_join(scenario["blinken"], SLUG)
    await admitted_join(guest, SLUG)
    page, ok, _ = await _connect(guest)
    assert ok and [m for m in await _drain(page) if m.get("e2ee")]  # in the meeting: the key
    await Engagement.objects.filter(slug=SLUG).aupdate(ends_at=timezone.now() - timedelta(minutes=5))
    await services.leave(scenario["blinken"], SLUG)  # someone leaves: a new key
    got = await _drain(page)
    assert not [m for m in got if m.get("e2ee")] and {"e2ee": None} in got  # the pass is over: none for the guest
    await page.disconnect()
