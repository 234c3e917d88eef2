"""An in-memory Janus behind the ``MediaGateway`` port, with failure injection (decision 0006).

It holds what the application can observe of Janus: stored core tokens and their plugins, VideoRoom
rooms (secret, ``allowed`` list, who joined), AudioBridge channel rooms (secret, ``allowed`` list, who
is in them and muted), and Streaming mountpoints. Every call answers as Janus 1.1 does through the real
``Gateway`` (the same values, the same ``JanusError`` classes and codes); the contract suite
``tests/integration/test_gateway_contract.py`` runs the same checks against both.

Failure injection, for the tests of what Summitry does when Janus fails:

- ``fail_next(method)``: the next call of that method fails before doing anything
  (``JanusUnavailable`` unless another error is given);
- ``lose_next_reply(method)``: the next call takes effect at "Janus", then the caller gets a
  ``JanusTimeout``, as when the reply is lost on the way;
- ``stop()`` / ``start()``: Janus cannot be reached (every call fails with ``JanusUnavailable``) until
  started again, still holding what it held;
- ``restart()``: Janus forgets everything, as a real restart does (rooms, tokens, channels, mountpoints).

Browsers are played by ``join_room`` and ``join_channel``, which check what Janus checks.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from .audiobridge import ChannelSpec
from .errors import (
    AUDIOBRIDGE_ID_EXISTS,
    AUDIOBRIDGE_NO_SUCH_ROOM,
    AUDIOBRIDGE_NO_SUCH_USER,
    AUDIOBRIDGE_UNAUTHORIZED,
    CORE_UNAUTHORIZED,
    CORE_UNAUTHORIZED_PLUGIN,
    VIDEOROOM_ID_EXISTS,
    VIDEOROOM_NO_SUCH_ROOM,
    VIDEOROOM_UNAUTHORIZED,
    JanusError,
    JanusPluginError,
    JanusPluginNotAllowed,
    JanusTimeout,
    JanusUnauthorized,
    JanusUnavailable,
)
from .ports import MediaGateway
from .streaming import MountpointSpec
from .videoroom import RoomSpec

T = TypeVar("T")

VIDEOROOM = "janus.plugin.videoroom"
AUDIOBRIDGE = "janus.plugin.audiobridge"

# The calls of the port that can be made to fail (``media.ports.MediaGateway``).
METHODS = frozenset({
    "open_room", "admit", "revoke", "close_room", "room_participants", "open_channel", "admit_to_channels",
    "revoke_from_channels", "set_on_air", "channel_participants", "close_channel", "close",
})


@dataclass
class FakeRoom:
    """A VideoRoom room: its secret, its ``allowed`` list, and who joined (id -> display, publishing)."""

    secret: str
    description: str
    allowed: set[str] = field(default_factory=set)
    participants: dict[int, tuple[str, bool]] = field(default_factory=dict)
    kicked: list[int] = field(default_factory=list)


@dataclass
class FakeChannel:
    """An AudioBridge room: its secret, its ``allowed`` list, and who is in it (id -> muted)."""

    secret: str
    description: str
    allowed: set[str] = field(default_factory=set)
    participants: dict[int, bool] = field(default_factory=dict)
    displays: dict[int, str] = field(default_factory=dict)


@dataclass
class FakeMountpoint:
    """A Streaming mountpoint and the channel room whose mix is forwarded to it."""

    secret: str
    pin: str
    description: str
    fed_by: int


def _no_room(room: int) -> JanusPluginError:
    return JanusPluginError(VIDEOROOM_NO_SUCH_ROOM, f"No such room ({room})")


def _no_channel(room: int) -> JanusPluginError:
    return JanusPluginError(AUDIOBRIDGE_NO_SUCH_ROOM, f"No such room ({room})")


class FakeGateway(MediaGateway):
    """Implements ``media.ports.MediaGateway`` in memory; one instance is one Janus process's state."""

    def __init__(self) -> None:
        self.tokens: dict[str, set[str]] = {}
        self.rooms: dict[int, FakeRoom] = {}
        self.channels: dict[int, FakeChannel] = {}
        self.mountpoints: dict[int, FakeMountpoint] = {}
        self.running = True
        self.restarts = 0
        self.calls: list[str] = []  # every call of the port, in order, failed or not
        self._fail: dict[str, deque[JanusError]] = {}
        self._lose: dict[str, deque[JanusError]] = {}

    # Failure injection and inspection

    def fail_next(self, method: str, exc: JanusError | None = None, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` fail with ``exc`` before doing anything."""
        self._check(method)
        for _ in range(times):
            self._fail.setdefault(method, deque()).append(
                exc if exc is not None else JanusUnavailable(f"Janus unreachable ({method}, injected)"))

    def lose_next_reply(self, method: str, exc: JanusError | None = None) -> None:
        """The next call of ``method`` takes effect, then its caller gets ``exc`` (a timeout by default)."""
        self._check(method)
        self._lose.setdefault(method, deque()).append(
            exc if exc is not None else JanusTimeout(f"no reply to {method} (lost, injected)"))

    def pending(self) -> list[str]:
        """Injected failures that have not happened yet (a test that planned one expects it used)."""
        return sorted([m for m, q in self._fail.items() for _ in q] + [m for m, q in self._lose.items() for _ in q])

    def stop(self) -> None:
        """Janus cannot be reached (every call fails with ``JanusUnavailable``) until ``start``, or
        ``restart`` if it died meanwhile."""
        self.running = False

    def start(self) -> None:
        """Janus can be reached again, with what it held (a network fault, not a restart)."""
        self.running = True

    def restart(self) -> None:
        """Janus restarted: it knows no tokens, rooms, channels or mountpoints (Summitry's service token,
        which the supervisor stores again, is not modelled)."""
        self._forget()
        self.running = True
        self.restarts += 1

    def where(self, token: str) -> list[str]:
        """Everywhere this token is at Janus: stored, on a room's or a channel's list (empty: nowhere)."""
        out = [f"stored for {sorted(self.tokens[token])}"] if token in self.tokens else []
        out += [f"allowed in room {r}" for r, room in self.rooms.items() if token in room.allowed]
        out += [f"allowed in channel {c}" for c, ch in self.channels.items() if token in ch.allowed]
        return out

    def _check(self, method: str) -> None:
        if method not in METHODS:
            raise ValueError(f"{method!r} is not a call of the media gateway ({', '.join(sorted(METHODS))})")

    def _forget(self) -> None:
        self.tokens.clear()
        self.rooms.clear()
        self.channels.clear()
        self.mountpoints.clear()

    def _run(self, method: str, effect: Callable[[], T], sends: bool = True) -> T:
        """Make one call of the port: injected failures first, then Janus being down (for a call that
        sends Janus something: the real gateway sends nothing for an empty list of channels)."""
        self.calls.append(method)
        failing = self._fail.get(method)
        if failing:
            raise failing.popleft()
        if sends and not self.running:
            raise JanusUnavailable(f"cannot reach Janus ({method}): it is not running")
        lost = self._lose.get(method)
        lost_exc = lost.popleft() if lost else None
        try:
            result = effect()
        except JanusError:
            if lost_exc is not None:
                raise lost_exc from None
            raise
        if lost_exc is not None:
            raise lost_exc
        return result

    # Browsers (what Janus checks when a client joins)

    def _core(self, token: str, plugin: str) -> None:
        if not self.running:
            raise JanusUnavailable("cannot reach Janus: it is not running")
        if token not in self.tokens:
            raise JanusUnauthorized(CORE_UNAUTHORIZED, "Unauthorized request (wrong or missing secret/token)")
        if plugin not in self.tokens[token]:
            raise JanusPluginNotAllowed(CORE_UNAUTHORIZED_PLUGIN, f"Provided token can't access plugin {plugin}")

    def join_room(self, token: str, room: int, publisher_id: int, display: str = "", publish: bool = True) -> None:
        """A browser joins the VideoRoom as a publisher (core token, then the room's list)."""
        self._core(token, VIDEOROOM)
        r = self.rooms.get(room)
        if r is None:
            raise _no_room(room)
        if token not in r.allowed:
            raise JanusPluginError(VIDEOROOM_UNAUTHORIZED, "Unauthorized (not in the allowed list)")
        if publisher_id in r.participants:
            raise JanusPluginError(VIDEOROOM_ID_EXISTS, f"User ID {publisher_id} already exists")
        r.participants[publisher_id] = (display, publish)

    def join_channel(self, token: str, room: int, participant_id: int, display: str = "") -> None:
        """A console joins a channel's AudioBridge room, muted (the relay lets nobody join unmuted)."""
        self._core(token, AUDIOBRIDGE)
        ch = self.channels.get(room)
        if ch is None:
            raise _no_channel(room)
        if token not in ch.allowed:
            raise JanusPluginError(AUDIOBRIDGE_UNAUTHORIZED, "Unauthorized (not in the allowed list)")
        if participant_id in ch.participants:
            raise JanusPluginError(AUDIOBRIDGE_ID_EXISTS, f"User ID {participant_id} already exists")
        ch.participants[participant_id] = True
        ch.displays[participant_id] = display

    def leave_channel(self, room: int, participant_id: int) -> None:
        ch = self.channels.get(room)
        if ch is not None:
            ch.participants.pop(participant_id, None)
            ch.displays.pop(participant_id, None)

    # VideoRoom

    def _room(self, room: int, secret: str) -> FakeRoom:
        r = self.rooms.get(room)
        if r is None:
            raise _no_room(room)
        if r.secret != secret:
            raise JanusPluginError(VIDEOROOM_UNAUTHORIZED, "Unauthorized (wrong secret)")
        return r

    async def open_room(self, spec: RoomSpec) -> bool:
        def _open() -> bool:
            if spec.room in self.rooms:
                return False
            self.rooms[spec.room] = FakeRoom(spec.secret, spec.description[:100], set(spec.allowed))
            return True
        return self._run("open_room", _open)

    async def admit(self, room: int, secret: str, token: str, plugins: Iterable[str], publish: bool = True) -> None:
        names = list(plugins)

        def _admit() -> None:
            if not names:
                raise ValueError("a Janus token must be limited to at least one plugin")
            self.tokens.setdefault(token, set()).update(names)  # Janus adds plugins to a stored token
            if publish:
                self._room(room, secret).allowed.add(token)
        self._run("admit", _admit)

    async def revoke(self, room: int, secret: str, token: str, publisher_id: int | None) -> None:
        def _revoke() -> None:
            r = self.rooms.get(room)
            if r is not None:
                r = self._room(room, secret)
                r.allowed.discard(token)
                if publisher_id is not None and r.participants.pop(publisher_id, None) is not None:
                    r.kicked.append(publisher_id)
            self.tokens.pop(token, None)
        self._run("revoke", _revoke)

    async def close_room(self, room: int, secret: str) -> None:
        def _close() -> None:
            if room in self.rooms:
                self._room(room, secret)
                del self.rooms[room]
        self._run("close_room", _close)

    async def room_participants(self, room: int) -> list[dict[str, object]]:
        def _list() -> list[dict[str, object]]:
            r = self.rooms.get(room)
            if r is None:
                raise _no_room(room)
            return [{"id": pid, "display": display, "publisher": publishing}
                    for pid, (display, publishing) in r.participants.items()]
        return self._run("room_participants", _list)

    # AudioBridge and Streaming

    def _channel(self, room: int, secret: str) -> FakeChannel:
        ch = self.channels.get(room)
        if ch is None:
            raise _no_channel(room)
        if ch.secret != secret:
            raise JanusPluginError(AUDIOBRIDGE_UNAUTHORIZED, "Unauthorized (wrong secret)")
        return ch

    async def open_channel(self, spec: ChannelSpec, listeners: MountpointSpec | None = None) -> bool:
        def _open() -> bool:
            created = spec.room not in self.channels
            if created:
                self.channels[spec.room] = FakeChannel(spec.secret, spec.description[:100], set(spec.allowed))
            if listeners is not None and (created or listeners.id not in self.mountpoints):
                self.mountpoints[listeners.id] = FakeMountpoint(listeners.secret, listeners.pin,
                                                                listeners.description[:100], fed_by=spec.room)
            return created
        return self._run("open_channel", _open)

    async def admit_to_channels(self, rooms: Iterable[tuple[int, str]], token: str) -> None:
        pairs = list(rooms)

        def _admit() -> None:
            for room, secret in pairs:  # one request per room, as the real gateway makes them
                self._channel(room, secret).allowed.add(token)
        self._run("admit_to_channels", _admit, sends=bool(pairs))

    async def revoke_from_channels(self, rooms: Iterable[tuple[int, str]], token: str) -> None:
        pairs = list(rooms)

        def _revoke() -> None:
            for room, secret in pairs:
                if room in self.channels:
                    self._channel(room, secret).allowed.discard(token)
        self._run("revoke_from_channels", _revoke, sends=bool(pairs))

    async def set_on_air(self, room: int, secret: str, off: int | None, on: int | None) -> None:
        def _switch() -> None:
            if off is None and on is None:
                return  # the real gateway still reaches Janus (its handle), but asks it nothing
            ch = self._channel(room, secret)
            if off is not None and off in ch.participants:
                ch.participants[off] = True
            if on is not None:
                if on not in ch.participants:
                    raise JanusPluginError(AUDIOBRIDGE_NO_SUCH_USER, f"No such user ({on}) in room")
                ch.participants[on] = False
        self._run("set_on_air", _switch)

    async def channel_participants(self, room: int) -> list[dict[str, object]]:
        def _list() -> list[dict[str, object]]:
            ch = self.channels.get(room)
            if ch is None:
                raise _no_channel(room)
            return [{"id": pid, "display": ch.displays.get(pid, ""), "muted": muted}
                    for pid, muted in ch.participants.items()]
        return self._run("channel_participants", _list)

    async def close_channel(self, room: int, secret: str, mountpoint: int | None = None) -> None:
        def _close() -> None:
            if room in self.channels:
                self._channel(room, secret)
                del self.channels[room]
            if mountpoint is not None:
                self.mountpoints.pop(mountpoint, None)
        self._run("close_channel", _close)

    async def close(self) -> None:
        self._run("close", lambda: None, sends=False)
