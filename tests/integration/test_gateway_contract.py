"""One contract, two implementations (decision 0006): what the application relies on from the media
gateway, checked against the real gateway with a real Janus (marked ``janus``) and against the
in-memory ``FakeGateway`` that the failure tests use. Where they disagree, the fake is wrong.

Each test sees the gateway through a ``Backend``: the gateway itself, and the few ways a test looks at
Janus (stored tokens, a room's ``allowed`` list, who is in a room) or plays a browser (joining a room
or a channel with a token), done at the real Janus with its Admin API and a plain client."""

from __future__ import annotations

import secrets

import pytest

from summitry.media import (
    ChannelSpec,
    JanusClient,
    JanusError,
    JanusPluginError,
    JanusUnauthorized,
    MediaGateway,
    MountpointSpec,
    RoomSpec,
)
from summitry.media.errors import (
    AUDIOBRIDGE_NO_SUCH_ROOM,
    AUDIOBRIDGE_NO_SUCH_USER,
    AUDIOBRIDGE_UNAUTHORIZED,
    VIDEOROOM_NO_SUCH_ROOM,
    VIDEOROOM_UNAUTHORIZED,
)
from summitry.media.fake import FakeGateway

VIDEOROOM, AUDIOBRIDGE, STREAMING = "janus.plugin.videoroom", "janus.plugin.audiobridge", "janus.plugin.streaming"


class Backend:
    gw: MediaGateway

    async def tokens(self) -> dict[str, set[str]]: ...
    async def room_allowed(self, room: int, secret: str) -> set[str]: ...
    async def room_exists(self, room: int) -> bool: ...
    async def channel_allowed(self, room: int, secret: str) -> set[str]: ...
    async def channel_exists(self, room: int) -> bool: ...
    async def mountpoint_exists(self, mountpoint: int, secret: str) -> bool: ...
    async def join_room(self, token: str, room: int, publisher_id: int) -> None: ...
    async def join_channel(self, token: str, room: int, participant_id: int) -> None: ...
    async def store_token(self, token: str, plugins: list[str]) -> None: ...
    async def close(self) -> None: ...


class FakeBackend(Backend):
    def __init__(self) -> None:
        self.fake = self.gw = FakeGateway()

    async def tokens(self):
        return {t: set(p) for t, p in self.fake.tokens.items()}

    async def room_allowed(self, room, secret):
        return set(self.fake.rooms[room].allowed)

    async def room_exists(self, room):
        return room in self.fake.rooms

    async def channel_allowed(self, room, secret):
        return set(self.fake.channels[room].allowed)

    async def channel_exists(self, room):
        return room in self.fake.channels

    async def mountpoint_exists(self, mountpoint, secret):
        return mountpoint in self.fake.mountpoints

    async def join_room(self, token, room, publisher_id):
        self.fake.join_room(token, room, publisher_id, display="t")

    async def join_channel(self, token, room, participant_id):
        self.fake.join_channel(token, room, participant_id, display="t")

    async def store_token(self, token, plugins):
        self.fake.tokens.setdefault(token, set()).update(plugins)

    async def close(self):
        pass


class JanusBackend(Backend):
    def __init__(self, janus) -> None:
        from summitry.meetings.janus import gateway

        self.janus = janus
        self.gw = self.real = gateway()
        self.clients: list[JanusClient] = []

    async def tokens(self):
        return {t["token"]: set(t.get("allowed_plugins", [])) for t in await self.janus.admin.list_tokens()}

    async def room_allowed(self, room, secret):
        return set(await self.real._with_room(lambda vr: vr.allowed(room, secret)))

    async def room_exists(self, room):
        return await self.real._with_room(lambda vr: vr.exists(room))

    async def channel_allowed(self, room, secret):
        return set(await self.real._with_bridge(lambda ab: ab.allowed(room, secret)))

    async def channel_exists(self, room):
        return await self.real._with_bridge(lambda ab: ab.exists(room))

    async def mountpoint_exists(self, mountpoint, secret):
        async def _exists(vr):
            return await self.real._streaming.exists(mountpoint, secret)
        return await self.real._with_room(_exists)

    async def _handle(self, token, plugin):
        client = JanusClient(self.janus.settings.ws_url, token=token, reconnect=False)
        await client.connect()
        self.clients.append(client)  # the participant stays while its session lives
        return await (await client.create_session()).attach(plugin)

    async def join_room(self, token, room, publisher_id):
        handle = await self._handle(token, VIDEOROOM)
        await handle.message({"request": "join", "ptype": "publisher", "room": room, "id": publisher_id,
                              "display": "t", "token": token})

    async def join_channel(self, token, room, participant_id):
        handle = await self._handle(token, AUDIOBRIDGE)
        await handle.message({"request": "join", "room": room, "id": participant_id, "display": "t",
                              "token": token, "muted": True})

    async def store_token(self, token, plugins):
        await self.janus.admin.add_token(token, plugins)

    async def close(self):
        for client in self.clients:
            await client.close()
        await self.real.close()


@pytest.fixture(params=[pytest.param("janus", marks=pytest.mark.janus), "fake"])
def kind(request):
    if request.param == "janus":
        return request.getfixturevalue("janus")  # a sync fixture: started outside the test's event loop
    return None


@pytest.fixture
async def media(kind):
    backend = FakeBackend() if kind is None else JanusBackend(kind)
    yield backend
    await backend.close()


def _ids() -> tuple[int, str]:
    return secrets.randbelow(2**40) + 1000, secrets.token_urlsafe(12)


def _token() -> str:
    return secrets.token_urlsafe(24)


async def _room(media, allowed=()) -> tuple[int, str]:
    room, secret = _ids()
    assert await media.gw.open_room(RoomSpec(room=room, description="contract", secret=secret, allowed=allowed))
    return room, secret


async def _channel(media) -> tuple[int, str]:
    room, secret = _ids()
    assert await media.gw.open_channel(ChannelSpec(room=room, description="contract", secret=secret),
                                       MountpointSpec(id=room, description="contract", secret=secret, pin="pin"))
    return room, secret


# VideoRoom: the engagement's room and its list


async def test_open_room_says_whether_it_created_and_leaves_an_existing_list_as_it_is(media):
    first = _token()
    room, secret = await _room(media, allowed=(first,))
    assert await media.room_exists(room)
    again = RoomSpec(room=room, description="contract", secret=secret, allowed=(_token(),))
    assert await media.gw.open_room(again) is False
    assert await media.room_allowed(room, secret) == {first}


async def test_admit_stores_the_token_for_its_plugins_and_lists_it(media):
    room, secret = await _room(media)
    token, watcher = _token(), _token()
    await media.gw.admit(room, secret, token, [VIDEOROOM, STREAMING])
    await media.gw.admit(room, secret, watcher, [VIDEOROOM], publish=False)  # the press
    tokens = await media.tokens()
    assert tokens[token] == {VIDEOROOM, STREAMING} and tokens[watcher] == {VIDEOROOM}
    await media.join_room(token, room, 7)
    assert [p["id"] for p in await media.gw.room_participants(room)] == [7]
    with pytest.raises(JanusPluginError) as exc:
        await media.join_room(watcher, room, 8)  # off the list: never publishes
    assert exc.value.code == VIDEOROOM_UNAUTHORIZED
    assert await media.room_allowed(room, secret) == {token}  # (looked at last: Janus's "enable" shows it)


async def test_admit_to_a_missing_room_keeps_the_stored_token_and_says_no_such_room(media):
    """What ``services.join`` cleans up after: the Admin API stored the token before the room refused."""
    room, secret = _ids()
    token = _token()
    with pytest.raises(JanusPluginError) as exc:
        await media.gw.admit(room, secret, token, [VIDEOROOM])
    assert exc.value.code == VIDEOROOM_NO_SUCH_ROOM
    assert token in await media.tokens()


async def test_admit_with_another_rooms_secret_is_refused(media):
    room, _ = await _room(media)
    with pytest.raises(JanusPluginError) as exc:
        await media.gw.admit(room, "not-the-secret", _token(), [VIDEOROOM])
    assert exc.value.code == VIDEOROOM_UNAUTHORIZED


async def test_revoke_takes_the_token_off_the_list_kicks_the_publisher_and_deletes_the_token(media):
    room, secret = await _room(media)
    token, other = _token(), _token()
    await media.gw.admit(room, secret, token, [VIDEOROOM])
    await media.gw.admit(room, secret, other, [VIDEOROOM])
    await media.join_room(token, room, 11)
    await media.join_room(other, room, 12)
    await media.gw.revoke(room, secret, token, 11)
    assert token not in await media.tokens() and other in await media.tokens()
    assert await media.room_allowed(room, secret) == {other}
    assert [p["id"] for p in await media.gw.room_participants(room)] == [12]
    with pytest.raises(JanusUnauthorized):
        await media.join_room(token, room, 13)


async def test_revoke_tolerates_a_missing_room_a_missing_publisher_and_an_unknown_token(media):
    room, secret = await _room(media)
    token = _token()
    await media.gw.admit(room, secret, token, [VIDEOROOM])
    await media.gw.revoke(room, secret, token, 424242)  # nobody joined under that id
    await media.gw.revoke(room, secret, token, None)  # the token is gone already
    await media.gw.close_room(room, secret)
    stored = _token()
    await media.store_token(stored, [VIDEOROOM])
    await media.gw.revoke(room, secret, stored, 1)  # the room is gone: the token still goes
    assert token not in await media.tokens() and stored not in await media.tokens()


async def test_close_room_drops_it_and_tolerates_a_missing_room(media):
    room, secret = await _room(media)
    token = _token()
    await media.gw.admit(room, secret, token, [VIDEOROOM])
    await media.join_room(token, room, 5)
    await media.gw.close_room(room, secret)
    assert not await media.room_exists(room)
    await media.gw.close_room(room, secret)
    with pytest.raises(JanusPluginError) as exc:
        await media.gw.room_participants(room)
    assert exc.value.code == VIDEOROOM_NO_SUCH_ROOM
    assert await media.gw.open_room(RoomSpec(room=room, description="contract", secret=secret)) is True


async def test_close_room_with_another_secret_is_refused(media):
    room, _ = await _room(media)
    with pytest.raises(JanusPluginError) as exc:
        await media.gw.close_room(room, "not-the-secret")
    assert exc.value.code == VIDEOROOM_UNAUTHORIZED
    assert await media.room_exists(room)


# AudioBridge channels and their mountpoints


async def test_open_channel_says_whether_it_created_and_opens_its_mountpoint(media):
    room, secret = await _channel(media)
    assert await media.channel_exists(room) and await media.mountpoint_exists(room, secret)
    spec = ChannelSpec(room=room, description="contract", secret=secret)
    assert await media.gw.open_channel(spec, MountpointSpec(id=room, description="contract", secret=secret,
                                                            pin="pin")) is False
    assert await media.mountpoint_exists(room, secret)


async def test_channels_allow_and_disallow_tokens(media):
    fr, fr_secret = await _channel(media)
    es, es_secret = await _channel(media)
    token = _token()
    await media.gw.admit_to_channels([(fr, fr_secret), (es, es_secret)], token)
    assert token in await media.channel_allowed(fr, fr_secret) and token in await media.channel_allowed(es, es_secret)
    await media.gw.revoke_from_channels([(fr, fr_secret)], token)
    assert token not in await media.channel_allowed(fr, fr_secret)
    assert token in await media.channel_allowed(es, es_secret)
    await media.gw.admit_to_channels([], token)  # nothing to do
    await media.gw.revoke_from_channels([], token)
    missing, missing_secret = _ids()
    await media.gw.revoke_from_channels([(missing, missing_secret), (es, es_secret)], token)  # missing: no error
    assert token not in await media.channel_allowed(es, es_secret)
    with pytest.raises(JanusPluginError) as exc:
        await media.gw.admit_to_channels([(missing, missing_secret)], token)
    assert exc.value.code == AUDIOBRIDGE_NO_SUCH_ROOM
    with pytest.raises(JanusPluginError) as exc:
        await media.gw.admit_to_channels([(fr, "not-the-secret")], token)
    assert exc.value.code == AUDIOBRIDGE_UNAUTHORIZED


async def test_only_tokens_on_a_channels_list_join_it(media):
    room, secret = await _channel(media)
    listed, unlisted = _token(), _token()
    for t in (listed, unlisted):
        await media.store_token(t, [AUDIOBRIDGE])
    await media.gw.admit_to_channels([(room, secret)], listed)
    await media.join_channel(listed, room, 21)
    with pytest.raises(JanusPluginError) as exc:
        await media.join_channel(unlisted, room, 22)
    assert exc.value.code == AUDIOBRIDGE_UNAUTHORIZED
    assert [(p["id"], p["muted"]) for p in await media.gw.channel_participants(room)] == [(21, True)]


async def test_set_on_air_mutes_then_unmutes(media):
    room, secret = await _channel(media)
    a, b = _token(), _token()
    for t in (a, b):
        await media.store_token(t, [AUDIOBRIDGE])
    await media.gw.admit_to_channels([(room, secret)], a)
    await media.gw.admit_to_channels([(room, secret)], b)
    await media.join_channel(a, room, 31)
    await media.join_channel(b, room, 32)

    async def unmuted():
        return sorted(int(p["id"]) for p in await media.gw.channel_participants(room) if not p["muted"])

    assert await unmuted() == []
    await media.gw.set_on_air(room, secret, off=None, on=31)
    assert await unmuted() == [31]
    await media.gw.set_on_air(room, secret, off=31, on=32)
    assert await unmuted() == [32]
    await media.gw.set_on_air(room, secret, off=99, on=None)  # gone already: counts as muted
    await media.gw.set_on_air(room, secret, off=32, on=None)
    assert await unmuted() == []
    with pytest.raises(JanusPluginError) as exc:
        await media.gw.set_on_air(room, secret, off=None, on=99)
    assert exc.value.code == AUDIOBRIDGE_NO_SUCH_USER
    with pytest.raises(JanusPluginError) as exc:
        await media.gw.set_on_air(room, "not-the-secret", off=None, on=31)
    assert exc.value.code == AUDIOBRIDGE_UNAUTHORIZED
    assert await unmuted() == []


async def test_close_channel_drops_the_room_and_its_mountpoint_and_tolerates_missing_ones(media):
    room, secret = await _channel(media)
    await media.gw.close_channel(room, secret, mountpoint=room)
    assert not await media.channel_exists(room) and not await media.mountpoint_exists(room, secret)
    await media.gw.close_channel(room, secret, mountpoint=room)
    with pytest.raises(JanusPluginError) as exc:
        await media.gw.channel_participants(room)
    assert exc.value.code == AUDIOBRIDGE_NO_SUCH_ROOM


# The same error, class and code, wherever something is missing


@pytest.mark.parametrize(("call", "code"), [
    (lambda gw, room, secret: gw.room_participants(room), VIDEOROOM_NO_SUCH_ROOM),
    (lambda gw, room, secret: gw.admit(room, secret, _token(), [VIDEOROOM]), VIDEOROOM_NO_SUCH_ROOM),
    (lambda gw, room, secret: gw.channel_participants(room), AUDIOBRIDGE_NO_SUCH_ROOM),
    (lambda gw, room, secret: gw.admit_to_channels([(room, secret)], _token()), AUDIOBRIDGE_NO_SUCH_ROOM),
    (lambda gw, room, secret: gw.set_on_air(room, secret, off=1, on=None), AUDIOBRIDGE_NO_SUCH_ROOM),
    (lambda gw, room, secret: gw.set_on_air(room, secret, off=None, on=1), AUDIOBRIDGE_NO_SUCH_ROOM),
], ids=["room_participants", "admit", "channel_participants", "admit_to_channels", "set_on_air off",
        "set_on_air on"])
async def test_a_missing_room_is_the_same_error(media, call, code):
    room, secret = _ids()
    with pytest.raises(JanusError) as exc:
        await call(media.gw, room, secret)
    assert type(exc.value) is JanusPluginError and exc.value.code == code


@pytest.mark.parametrize("call", [
    lambda gw, room, secret: gw.revoke(room, secret, _token(), 1),
    lambda gw, room, secret: gw.close_room(room, secret),
    lambda gw, room, secret: gw.revoke_from_channels([(room, secret)], _token()),
    lambda gw, room, secret: gw.close_channel(room, secret, mountpoint=room),
    lambda gw, room, secret: gw.set_on_air(room, secret, off=None, on=None),
], ids=["revoke", "close_room", "revoke_from_channels", "close_channel", "set_on_air nobody"])
async def test_a_missing_room_is_no_error_where_the_app_tears_down(media, call):
    room, secret = _ids()
    await call(media.gw, room, secret)


async def test_close_lets_go_and_the_next_call_reconnects(media):
    room, secret = await _room(media)
    await media.gw.close()
    assert await media.gw.open_room(RoomSpec(room=room, description="contract", secret=secret)) is False
    assert await media.gw.room_participants(room) == []
