"""What Summitry does when Janus fails (decision 0006), with the in-memory FakeGateway in its place: a
failed join leaves nothing at Janus and no live grant; a Janus failure is a 503 with a sentence, never a
500; the database is the truth (leaving, segments and the end hold there whatever Janus does), and
after a Janus restart an admitted participant re-joins without the lobby."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.test import Client
from django.utils import translation

from summitry.domain.access import SegmentKind
from summitry.domain.interpretation import AirAction
from summitry.media import JanusPluginError, JanusTimeout, JanusUnavailable
from summitry.media.errors import AUDIOBRIDGE_NO_SUCH_USER
from summitry.meetings import interpretation, lobby, services
from summitry.meetings.api import MESSAGES
from summitry.meetings.models import Admission, Engagement, InterpretationChannel, MediaGrant, Participation

from .conftest import admitted_join

pytestmark = [pytest.mark.postgres]

SLUG = "canada-bilateral"  # host: Marc Garneau; channels en and fr; two interpreters in each booth
UNREACHABLE = "The media server is unreachable. Try again in a moment."

# The Janus steps of a join, in order: the room, each channel, the superseded visit's token out of
# the room and the channels (a re-join only), the new token in, and onto the booth's channel.
FIRST_JOIN_STEPS = ["open_room", "open_channel", "admit", "admit_to_channels"]
REJOIN_STEPS = ["revoke", "revoke_from_channels"]


@sync_to_async
def _participation(username):
    return Participation.objects.get(engagement__slug=SLUG, person__user__username=username)


@sync_to_async
def _tokens_of(username):
    return list(MediaGrant.objects.filter(participation__engagement__slug=SLUG,
                                          participation__person__user__username=username)
                .values_list("token", flat=True))


@sync_to_async
def _active(username):
    return list(MediaGrant.objects.filter(participation__engagement__slug=SLUG, revoked_at__isnull=True,
                                          participation__person__user__username=username))


async def _held_at_janus(fake, username):
    """Every token this person was ever granted that Janus still holds anywhere, and where."""
    return {t: fake.where(t) for t in await _tokens_of(username) if fake.where(t)}


def _admit_in_lobby(username):
    engagement = Engagement.objects.get(slug=SLUG)
    p = Participation.objects.get(engagement=engagement, person__user__username=username)
    lobby.check_in(p, "test")
    lobby.decide(engagement, p.pk, "admitted", "test")


def _client(user):
    c = Client()
    c.force_login(user)
    return c


def _in(language, message):
    with translation.override(language):
        return translation.gettext(message)


# A join that fails at Janus leaves nothing there


@pytest.mark.parametrize("step", FIRST_JOIN_STEPS)
@pytest.mark.parametrize("how", ["fails", "reply lost"])
async def test_a_join_that_fails_at_any_step_leaves_nothing_at_janus(scenario, fake_gateway, step, how):
    (fake_gateway.fail_next if how == "fails" else fake_gateway.lose_next_reply)(step)
    with pytest.raises(services.MediaUnavailable):
        await admitted_join(scenario["interpreter-fr"], SLUG)  # an interpreter: every step is taken
    assert fake_gateway.pending() == []  # the step was reached
    assert await _held_at_janus(fake_gateway, "interpreter-fr") == {}
    assert await _active("interpreter-fr") == []
    (grant,) = [g async for g in MediaGrant.objects.filter(participation__person__user=scenario["interpreter-fr"])]
    assert grant.revoked_reason == "janus_failed"
    # and the next try works, as if nothing had happened
    again = await services.join(scenario["interpreter-fr"], SLUG)
    fr = next(c.room for c in again.channels if c.language == "fr")
    assert fake_gateway.where(again.token) == [
        "stored for ['janus.plugin.audiobridge', 'janus.plugin.streaming', 'janus.plugin.videoroom']",
        f"allowed in room {again.room}", f"allowed in channel {fr}"]


@pytest.mark.parametrize("step", FIRST_JOIN_STEPS + REJOIN_STEPS)
@pytest.mark.parametrize("how", ["fails", "reply lost"])
async def test_a_rejoin_that_fails_leaves_neither_token_at_janus(scenario, fake_gateway, step, how):
    first = await admitted_join(scenario["interpreter-fr"], SLUG)
    fr = next(c.room for c in first.channels if c.language == "fr")
    fake_gateway.join_channel(first.token, fr, first.publisher_id)  # the console is in its channel
    fake_gateway.join_room(first.token, first.room, first.publisher_id)
    (fake_gateway.fail_next if how == "fails" else fake_gateway.lose_next_reply)(step)
    with pytest.raises(services.MediaUnavailable):
        await services.join(scenario["interpreter-fr"], SLUG)  # the console reloaded
    assert fake_gateway.pending() == []
    assert await _held_at_janus(fake_gateway, "interpreter-fr") == {}  # the superseded token too
    assert first.publisher_id not in fake_gateway.rooms[first.room].participants  # that visit is over
    assert await _active("interpreter-fr") == []


async def test_a_cleanup_that_fails_too_is_logged_not_raised(scenario, fake_gateway, caplog):
    fake_gateway.lose_next_reply("admit")
    fake_gateway.fail_next("revoke")  # the cleanup's first step
    with pytest.raises(services.MediaUnavailable):
        await admitted_join(scenario["blinken"], SLUG)
    assert await _active("blinken") == []
    (token,) = await _tokens_of("blinken")
    assert fake_gateway.where(token)  # what could not be undone: Janus's restart forgets it
    assert any("Janus may still hold a revoked token" in r.getMessage() for r in caplog.records)


async def test_janus_down_at_join_grants_nothing(scenario, fake_gateway):
    fake_gateway.stop()
    with pytest.raises(services.MediaUnavailable):
        await admitted_join(scenario["blinken"], SLUG)
    assert await _active("blinken") == []
    fake_gateway.start()
    grant = await services.join(scenario["blinken"], SLUG)  # still admitted
    assert grant.token in fake_gateway.tokens


@pytest.mark.parametrize("how", ["fails", "reply lost", "down"])
def test_the_join_endpoint_answers_503_with_a_sentence_in_the_readers_language(scenario, fake_gateway, how):
    _admit_in_lobby("interpreter-fr")
    _admit_in_lobby("blinken")
    for username, language in (("blinken", "en"), ("interpreter-fr", "fr")):
        if how == "down":
            fake_gateway.stop()
        else:
            (fake_gateway.fail_next if how == "fails" else fake_gateway.lose_next_reply)("admit")
        resp = _client(scenario[username]).post(f"/api/engagements/{SLUG}/join")
        assert resp.status_code == 503
        assert resp.json() == {"detail": _in(language, UNREACHABLE)}
        assert not MediaGrant.objects.filter(participation__person__user=scenario[username],
                                             revoked_at__isnull=True).exists()
        for token in MediaGrant.objects.filter(participation__person__user=scenario[username]).values_list(
                "token", flat=True):
            assert fake_gateway.where(token) == []
        fake_gateway.start()
    assert _in("fr", UNREACHABLE) != UNREACHABLE
    ok = _client(scenario["blinken"]).post(f"/api/engagements/{SLUG}/join")
    assert ok.status_code == 200 and ok.json()["token"] in fake_gateway.tokens


# Leaving, segments and the end hold in the database whatever Janus does


@pytest.mark.parametrize("failure", ["down", "revoke fails", "revoke_from_channels fails", "reply lost"])
async def test_leaving_with_janus_failing_still_revokes_and_the_next_join_works(scenario, fake_gateway, failure):
    grant = await admitted_join(scenario["interpreter-fr"], SLUG)
    fr = next(c.room for c in grant.channels if c.language == "fr")
    if failure == "down":
        fake_gateway.stop()
    elif failure == "reply lost":
        fake_gateway.lose_next_reply("revoke")
    else:
        fake_gateway.fail_next(failure.split()[0])
    assert await services.leave(scenario["interpreter-fr"], SLUG) == 1
    assert fake_gateway.pending() == []
    assert await _active("interpreter-fr") == []
    assert (await MediaGrant.objects.aget(token=grant.token)).revoked_reason == "left"
    if failure == "revoke fails":  # one step failing does not keep the token on the other lists
        assert fake_gateway.where(grant.token) == ["stored for ['janus.plugin.audiobridge', "
                                                   "'janus.plugin.streaming', 'janus.plugin.videoroom']",
                                                   f"allowed in room {grant.room}"]
    elif failure == "revoke_from_channels fails":
        assert fake_gateway.where(grant.token) == [f"allowed in channel {fr}"]
    elif failure == "down":  # unreachable: Janus keeps it all until it restarts (and forgets it)
        assert len(fake_gateway.where(grant.token)) == 3
    else:
        assert fake_gateway.where(grant.token) == []
    fake_gateway.restart()
    again = await services.join(scenario["interpreter-fr"], SLUG)  # admitted for the engagement: no lobby
    assert fake_gateway.where(again.token)[1:] == [f"allowed in room {again.room}", f"allowed in channel {fr}"]


async def test_a_segment_switch_with_janus_down_still_cuts_and_the_host_rejoins(scenario, fake_gateway):
    await services.switch_segment(scenario["garneau"], SLUG, SegmentKind.OPEN)
    host = await services.join(scenario["garneau"], SLUG, supports_e2ee=True)
    press = await admitted_join(scenario["press-ca"], SLUG)
    fake_gateway.stop()
    assert await services.switch_segment(scenario["garneau"], SLUG, SegmentKind.CLOSED) == 1
    assert (await MediaGrant.objects.aget(token=press.token)).revoked_reason == "segment_closed"
    assert (await Engagement.objects.aget(slug=SLUG)).current_segment == "closed"
    assert await MediaGrant.objects.filter(token=host.token, revoked_at__isnull=True).aexists()
    fake_gateway.restart()
    assert await services.forget_media_state() == 1  # the host's grant died with Janus
    again = await services.join(scenario["garneau"], SLUG, supports_e2ee=True)
    assert f"allowed in room {again.room}" in fake_gateway.where(again.token)


async def test_ending_with_janus_down_still_ends_and_revokes_everyone(scenario, fake_gateway):
    await services.join(scenario["garneau"], SLUG)
    await admitted_join(scenario["blinken"], SLUG)
    fake_gateway.stop()
    await services.end(scenario["garneau"], SLUG)
    assert (await Engagement.objects.aget(slug=SLUG)).state == "ended"
    assert not await MediaGrant.objects.filter(participation__engagement__slug=SLUG,
                                               revoked_at__isnull=True).aexists()
    assert not await Admission.objects.filter(participation__engagement__slug=SLUG).aexists()


def test_no_endpoint_answers_500_with_janus_down(scenario, fake_gateway):
    from asgiref.sync import async_to_sync

    _admit_in_lobby("blinken")
    _admit_in_lobby("chung")
    host, guest = _client(scenario["garneau"]), _client(scenario["blinken"])
    assert host.post(f"/api/engagements/{SLUG}/join").status_code == 200
    assert guest.post(f"/api/engagements/{SLUG}/join").status_code == 200
    async_to_sync(services.join)(scenario["chung"], SLUG)
    chung = Participation.objects.get(engagement__slug=SLUG, person__user=scenario["chung"])
    fake_gateway.stop()
    assert guest.post(f"/api/engagements/{SLUG}/leave").json() == {"revoked": 1}
    resp = guest.post(f"/api/engagements/{SLUG}/join")
    assert resp.status_code == 503 and resp.json()["detail"] == UNREACHABLE
    assert host.post(f"/api/engagements/{SLUG}/lobby/{chung.pk}/deny").status_code == 200  # out at once
    assert not MediaGrant.objects.filter(participation=chung, revoked_at__isnull=True).exists()
    assert host.post(f"/api/engagements/{SLUG}/segment", {"kind": "open"},
                     content_type="application/json").status_code == 200
    assert host.post(f"/api/engagements/{SLUG}/end").status_code == 204
    assert not MediaGrant.objects.filter(revoked_at__isnull=True).exists()
    fake_gateway.restart()
    other = _client(scenario["protocol"])
    cancelled = other.post("/api/engagements/mexico-bilateral/cancel")
    assert cancelled.status_code == 200  # cancelling closes its meeting at Janus: nothing there, no error
    refused = guest.post(f"/api/engagements/{SLUG}/join")
    assert refused.status_code == 403 and refused.json()["detail"] == MESSAGES["ended"]


# A Janus restart: Summitry forgets every grant; an admitted participant comes back without the lobby


async def test_after_a_janus_restart_an_admitted_participant_rejoins_without_the_lobby(scenario, fake_gateway):
    host = await services.join(scenario["garneau"], SLUG)
    guest = await admitted_join(scenario["blinken"], SLUG)
    fake_gateway.restart()
    assert fake_gateway.where(host.token) == fake_gateway.where(guest.token) == []
    assert await services.forget_media_state() == 2
    assert await _active("blinken") == []
    again = await services.join(scenario["blinken"], SLUG)  # not InLobby: still admitted
    assert again.room == guest.room and again.token != guest.token
    assert fake_gateway.where(again.token)[1:] == [f"allowed in room {again.room}"]
    assert fake_gateway.rooms[again.room].secret == (await Engagement.objects.aget(slug=SLUG)).room_secret
    p = await _participation("blinken")
    assert (await Admission.objects.aget(participation=p)).state == "admitted"


async def _drain(comm):
    out = []
    while not await comm.receive_nothing(timeout=0.4):
        out.append(await comm.receive_json_from())
    return out


async def test_after_a_janus_restart_pages_lose_the_key_until_they_rejoin(scenario, fake_gateway):
    from .test_presence import _connect

    host, blinken = scenario["garneau"], scenario["blinken"]
    await services.switch_segment(host, SLUG, SegmentKind.CLOSED)  # encrypted: a key is handed out
    await services.join(host, SLUG, supports_e2ee=True)
    await admitted_join(blinken, SLUG)
    page, ok, _ = await _connect(blinken)
    assert ok
    keys = [m["e2ee"] for m in await _drain(page) if "e2ee" in m]
    assert keys and keys[-1]["key"]
    fake_gateway.restart()
    assert await services.forget_media_state() == 2
    assert {"e2ee": None} in await _drain(page)  # no live visit, no key
    await services.join(blinken, SLUG, supports_e2ee=True)
    assert [m["e2ee"]["key_id"] for m in await _drain(page) if m.get("e2ee")] == [keys[-1]["key_id"]]
    await page.disconnect()


def test_after_a_janus_restart_the_join_endpoint_lets_the_admitted_back_in(scenario, fake_gateway):
    from asgiref.sync import async_to_sync

    _admit_in_lobby("blinken")
    guest = _client(scenario["blinken"])
    assert guest.post(f"/api/engagements/{SLUG}/join").status_code == 200
    fake_gateway.restart()
    async_to_sync(services.forget_media_state)()
    resp = guest.post(f"/api/engagements/{SLUG}/join")
    assert resp.status_code == 200 and resp.json()["token"] in fake_gateway.tokens


# The booth's microphone: a change Janus did not make is undone, and said with a 503


async def _booth(scenario, fake):
    """Both French interpreters joined, their consoles in the channel (as their relays recorded); the
    channel's room."""
    for username in ("interpreter-fr", "interpreter-fr-2"):
        g = await admitted_join(scenario[username], SLUG)
        fr = next(c.room for c in g.channels if c.language == "fr")
        fake.join_channel(g.token, fr, g.publisher_id)
        await interpretation.note_channel((await MediaGrant.objects.aget(token=g.token)).pk, fr)
    return fr


def _unmuted(fake, room):
    return sorted(pid for pid, muted in fake.channels[room].participants.items() if not muted)


async def _on_air():
    channel = await InterpretationChannel.objects.aget(engagement__slug=SLUG, language="fr")
    return channel.on_air_id


@pytest.mark.parametrize("how", ["fails", "reply lost"])
async def test_taking_the_microphone_when_janus_fails_changes_nothing(scenario, fake_gateway, how):
    fr = await _booth(scenario, fake_gateway)
    (fake_gateway.fail_next if how == "fails" else fake_gateway.lose_next_reply)("set_on_air")
    with pytest.raises(services.MediaUnavailable):
        await interpretation.change_air(scenario["interpreter-fr"], SLUG, "fr", AirAction.TAKE)
    assert await _on_air() is None
    assert _unmuted(fake_gateway, fr) == []  # a lost reply's unmute was undone at Janus too


@pytest.mark.parametrize("how", ["fails", "reply lost"])
async def test_a_handover_janus_did_not_make_leaves_the_microphone_where_it_was(scenario, fake_gateway, how):
    fr = await _booth(scenario, fake_gateway)
    await interpretation.change_air(scenario["interpreter-fr"], SLUG, "fr", AirAction.TAKE)
    first = await _participation("interpreter-fr")
    assert _unmuted(fake_gateway, fr) == [first.publisher_id]
    (fake_gateway.fail_next if how == "fails" else fake_gateway.lose_next_reply)("set_on_air")
    with pytest.raises(services.MediaUnavailable):
        await interpretation.change_air(scenario["interpreter-fr"], SLUG, "fr", AirAction.HANDOVER)
    assert await _on_air() == first.pk
    assert _unmuted(fake_gateway, fr) == [first.publisher_id]


async def test_a_partner_takes_over_from_a_console_janus_has_already_dropped(scenario, fake_gateway):
    """Muting someone Janus no longer has counts as muted (AudioBridge's 492, checked at Janus by the
    contract suite): the partner is not refused the microphone because the colleague's console died."""
    fr = await _booth(scenario, fake_gateway)
    await interpretation.change_air(scenario["interpreter-fr"], SLUG, "fr", AirAction.TAKE)
    first, second = await _participation("interpreter-fr"), await _participation("interpreter-fr-2")
    fake_gateway.leave_channel(fr, first.publisher_id)  # the console dropped ...
    grant = await MediaGrant.objects.aget(participation=first, revoked_at__isnull=True)
    await interpretation.note_channel(grant.pk, None)  # ... and its relay recorded it
    await interpretation.change_air(scenario["interpreter-fr-2"], SLUG, "fr", AirAction.TAKE)
    assert await _on_air() == second.pk
    assert _unmuted(fake_gateway, fr) == [second.publisher_id]


def test_the_air_endpoint_answers_503_with_a_sentence(scenario, fake_gateway):
    from asgiref.sync import async_to_sync

    async_to_sync(_booth)(scenario, fake_gateway)
    fake_gateway.fail_next("set_on_air", JanusPluginError(AUDIOBRIDGE_NO_SUCH_USER, "No such user"))
    console = _client(scenario["interpreter-fr"])
    resp = console.post(f"/api/engagements/{SLUG}/channels/fr/air", {"action": "take"},
                        content_type="application/json")
    assert resp.status_code == 503
    assert resp.json() == {"detail": _in("fr", str(MESSAGES["media_refused"]))}
    assert InterpretationChannel.objects.get(engagement__slug=SLUG, language="fr").on_air_id is None
    fake_gateway.stop()  # unreachable
    resp = console.post(f"/api/engagements/{SLUG}/channels/fr/air", {"action": "take"},
                        content_type="application/json")
    assert resp.status_code == 503 and resp.json()["detail"].endswith(".")
    fake_gateway.start()  # reachable again, with its rooms
    ok = console.post(f"/api/engagements/{SLUG}/channels/fr/air", {"action": "take"},
                      content_type="application/json")
    assert ok.status_code == 200


# The fake itself: failures happen where they are planned, and only there


async def test_the_fakes_injections_are_one_shot_and_checked(fake_gateway):
    from summitry.media import RoomSpec

    with pytest.raises(ValueError, match="not a call of the media gateway"):
        fake_gateway.fail_next("open_rooom")
    fake_gateway.fail_next("open_room", JanusTimeout("slow"))
    spec = RoomSpec(room=5, description="t", secret="s")
    with pytest.raises(JanusTimeout):
        await fake_gateway.open_room(spec)
    assert 5 not in fake_gateway.rooms  # failed before doing anything
    fake_gateway.lose_next_reply("open_room")
    with pytest.raises(JanusTimeout):
        await fake_gateway.open_room(spec)
    assert 5 in fake_gateway.rooms  # done at "Janus", the reply lost
    assert await fake_gateway.open_room(spec) is False
    fake_gateway.stop()
    with pytest.raises(JanusUnavailable):
        await fake_gateway.room_participants(5)
    fake_gateway.restart()
    assert fake_gateway.rooms == {} and fake_gateway.restarts == 1
    assert fake_gateway.pending() == []


def test_the_composition_root_chooses_the_gateway(settings):
    from django.core.exceptions import ImproperlyConfigured

    from summitry.media.fake import FakeGateway
    from summitry.meetings import janus

    settings.SUMMITRY_MEDIA_GATEWAY = "fake"
    shared = janus.gateway()
    assert isinstance(shared, FakeGateway) and janus.gateway() is shared  # one for the whole process
    mine = FakeGateway()
    with janus.use_gateway(mine):
        assert janus.gateway() is mine
    assert janus.gateway() is shared
    settings.SUMMITRY_MEDIA_GATEWAY = "janos"
    with pytest.raises(ImproperlyConfigured):
        janus.gateway()


async def test_the_real_gateway_is_one_per_event_loop(settings, tmp_path):
    from summitry.media.gateway import Gateway
    from summitry.meetings import janus

    settings.SUMMITRY_MEDIA_GATEWAY = "janus"
    settings.JANUS = {**settings.JANUS, "RUN_DIR": tmp_path}  # its secrets are made there
    gw = janus.gateway()
    assert isinstance(gw, Gateway) and janus.gateway() is gw
    await gw.close()  # it had not connected: nothing to do


async def test_a_denial_that_lands_during_a_join_leaves_no_live_grant_and_nothing_at_janus(scenario, fake_gateway,
                                                                                           monkeypatch):
    """The attack review's race: the host denies an admitted participant while a join of theirs is between
    its grant and Janus. The join is refused, its grant is dead, and Janus holds none of their tokens."""
    from summitry.meetings.access import NotAllowed

    await sync_to_async(_admit_in_lobby)("blinken")
    engagement = await Engagement.objects.aget(slug=SLUG)
    p = await _participation("blinken")
    real_admit = fake_gateway.admit

    async def admit_while_the_host_denies(*args, **kwargs):
        await sync_to_async(lobby.decide)(engagement, p.pk, "denied", "garneau")
        await services.remove(p.pk, SLUG, "denied", actor="garneau")
        return await real_admit(*args, **kwargs)

    monkeypatch.setattr(fake_gateway, "admit", admit_while_the_host_denies)
    with pytest.raises(NotAllowed):
        await services.join(scenario["blinken"], SLUG)
    assert await _active("blinken") == []
    assert await _held_at_janus(fake_gateway, "blinken") == {}


async def test_a_join_leave_loop_is_stopped_after_a_dozen_joins_a_minute(scenario, fake_gateway):
    from django.conf import settings

    from summitry.meetings.access import NotAllowed

    for _ in range(settings.SUMMITRY_JOINS_PER_MINUTE):
        await services.join(scenario["garneau"], SLUG)
        await services.leave(scenario["garneau"], SLUG)
    with pytest.raises(NotAllowed) as refused:
        await services.join(scenario["garneau"], SLUG)
    assert refused.value.reason == "too_many_joins"
