"""The application's single door to Janus: rooms opened on demand, tokens admitted and revoked.

Summitry's services call this through the ``media.ports.MediaGateway`` interface (which
``media.fake.FakeGateway`` implements in memory for tests); it keeps one WebSocket session (with
Summitry's service token) per event loop and reconnects once if Janus was restarted underneath it.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

from .admin import JanusAdmin
from .audiobridge import AudioBridge, ChannelSpec
from .client import JanusClient, Session
from .config import JanusSecrets, JanusSettings
from .errors import (
    AUDIOBRIDGE_NO_SUCH_ROOM,
    AUDIOBRIDGE_NO_SUCH_USER,
    VIDEOROOM_NO_SUCH_ROOM,
    JanusError,
    JanusPluginError,
    JanusSessionGone,
    JanusUnavailable,
)
from .ports import MediaGateway
from .streaming import MountpointSpec, Streaming
from .videoroom import RoomSpec, VideoRoom

T = TypeVar("T")

# AudioBridge mixes every 20 ms; Opus frames overlap a few ms. Waiting one tick between muting the
# interpreter going off air and unmuting the one coming on keeps their voices out of any common frame.
MIXING_TICK_S = 0.02


class Gateway(MediaGateway):
    def __init__(self, settings: JanusSettings, secrets: JanusSecrets, request_timeout: float = 5.0) -> None:
        self.settings = settings
        self.secrets = secrets
        self.request_timeout = request_timeout
        self.admin = JanusAdmin(settings.admin_url, secrets.admin_secret, timeout=request_timeout)
        self._client: JanusClient | None = None
        self._session: Session | None = None
        self._videoroom: VideoRoom | None = None
        self._audiobridge: AudioBridge | None = None
        self._streaming: Streaming | None = None
        self._lock = asyncio.Lock()

    async def _room_handle(self) -> VideoRoom:
        async with self._lock:
            if (self._videoroom is not None and self._client is not None and self._client.connected
                    and self._session is not None and not self._session.gone.is_set()):
                return self._videoroom
            await self._reset()
            client = JanusClient(self.settings.ws_url, token=self.secrets.service_token,
                                 request_timeout=self.request_timeout, reconnect=False)
            await client.connect()
            try:
                session = await client.create_session()
                self._videoroom = await VideoRoom.attach(session, self.secrets.videoroom_admin_key)
                if "janus.plugin.audiobridge" in self.settings.plugins:
                    self._audiobridge = await AudioBridge.attach(session, self.secrets.videoroom_admin_key)
                if "janus.plugin.streaming" in self.settings.plugins:
                    self._streaming = await Streaming.attach(session, self.secrets.videoroom_admin_key)
            except BaseException:
                await client.close()
                raise
            self._client, self._session = client, session
            return self._videoroom

    async def _reset(self) -> None:
        if self._client is not None:
            await self._client.close()
        self._client = self._session = self._videoroom = self._audiobridge = self._streaming = None

    async def _with_room(self, call: Callable[[VideoRoom], Awaitable[T]]) -> T:
        try:
            return await call(await self._room_handle())
        except (JanusUnavailable, JanusSessionGone):
            async with self._lock:
                await self._reset()
            return await call(await self._room_handle())

    async def _with_bridge(self, call: Callable[[AudioBridge], Awaitable[T]]) -> T:
        async def _on(_: VideoRoom) -> T:
            if self._audiobridge is None:
                raise JanusUnavailable("the AudioBridge plugin is not enabled in Summitry's Janus settings")
            return await call(self._audiobridge)

        return await self._with_room(_on)

    # Interpretation channels (AudioBridge)

    async def open_channel(self, spec: ChannelSpec, listeners: MountpointSpec | None = None) -> bool:
        """Open a channel's AudioBridge room; with ``listeners``, also the Streaming mountpoint its mix is
        forwarded to (created together with the room, so both exist or neither is new)."""
        async def _open(ab: AudioBridge) -> bool:
            created = await ab.create(spec)
            if listeners is not None:
                if self._streaming is None:
                    raise JanusUnavailable("the Streaming plugin is not enabled in Summitry's Janus settings")
                # A room without its mountpoint (an earlier attempt failed half-way) gets one too.
                if created or not await self._streaming.exists(listeners.id, listeners.secret):
                    await self._streaming.destroy(listeners.id, listeners.secret)  # a stale one, if any
                    port = await self._streaming.create_audio(listeners)
                    await ab.rtp_forward(spec.room, spec.secret, "127.0.0.1", port)
            return created

        return await self._with_bridge(_open)

    async def admit_to_channels(self, rooms: Iterable[tuple[int, str]], token: str) -> None:
        """Put a participant's token on each channel room's list (AudioBridge checks it at every join)."""
        for room, secret in rooms:
            async def _allow(ab: AudioBridge, r: int = room, s: str = secret) -> None:
                await ab.allow(r, s, [token])
            await self._with_bridge(_allow)

    async def revoke_from_channels(self, rooms: Iterable[tuple[int, str]], token: str) -> None:
        for room, secret in rooms:
            async def _drop(ab: AudioBridge, r: int = room, s: str = secret) -> None:
                try:
                    await ab.disallow(r, s, [token])
                except JanusPluginError as exc:
                    if exc.code != AUDIOBRIDGE_NO_SUCH_ROOM:
                        raise
            await self._with_bridge(_drop)

    async def set_on_air(self, room: int, secret: str, off: int | None, on: int | None) -> None:
        """Mute ``off`` first, then unmute ``on``: the channel may fall silent for a mixing tick but
        never carries two voices. A participant already gone counts as muted."""
        async def _switch(ab: AudioBridge) -> None:
            if off is not None:
                try:
                    await ab.mute(room, secret, off)
                except JanusPluginError as exc:
                    if exc.code != AUDIOBRIDGE_NO_SUCH_USER:
                        raise
                if on is not None:
                    await asyncio.sleep(MIXING_TICK_S)  # the outgoing voice's last frame is mixed alone
            if on is not None:
                await ab.unmute(room, secret, on)
        await self._with_bridge(_switch)

    async def channel_participants(self, room: int) -> list[dict[str, object]]:
        return await self._with_bridge(lambda ab: ab.participants(room))

    async def close_channel(self, room: int, secret: str, mountpoint: int | None = None) -> None:
        async def _close(ab: AudioBridge) -> None:
            await ab.destroy(room, secret)
            if mountpoint is not None and self._streaming is not None:
                await self._streaming.destroy(mountpoint, secret)

        await self._with_bridge(_close)

    async def open_room(self, spec: RoomSpec) -> bool:
        return await self._with_room(lambda vr: vr.create(spec))

    async def admit(self, room: int, secret: str, token: str, plugins: Iterable[str], publish: bool = True) -> None:
        """Store the participant's core token and, if they may publish, put it on the room's access list.

        Janus 1.1's VideoRoom checks that list when someone joins as a publisher, not when they
        subscribe: a token left off it can watch (given the room and feed ids) but never publish."""
        await self.admin.add_token(token, plugins)
        if publish:
            await self._with_room(lambda vr: vr.allow(room, secret, [token]))

    async def revoke(self, room: int, secret: str, token: str, publisher_id: int | None) -> None:
        """Take the token off the room's list, drop the participant's media, and delete the token."""
        async def _drop(vr: VideoRoom) -> None:
            try:
                await vr.disallow(room, secret, [token])
                if publisher_id is not None:
                    await vr.kick(room, secret, publisher_id)
            except JanusPluginError as exc:
                if exc.code != VIDEOROOM_NO_SUCH_ROOM:
                    raise

        await self._with_room(_drop)
        try:
            await self.admin.remove_token(token)
        except JanusError as exc:
            if "not found" not in exc.reason.lower() and exc.code != 490:
                raise

    async def close_room(self, room: int, secret: str) -> None:
        await self._with_room(lambda vr: vr.destroy(room, secret))

    async def room_participants(self, room: int) -> list[dict[str, object]]:
        return await self._with_room(lambda vr: vr.participants(room))

    async def close(self) -> None:
        async with self._lock:
            await self._reset()


_per_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Gateway] = weakref.WeakKeyDictionary()


def for_running_loop(factory: Callable[[], Gateway]) -> Gateway:
    """One gateway per event loop: a WebSocket belongs to the loop that opened it."""
    loop = asyncio.get_running_loop()
    gw = _per_loop.get(loop)
    if gw is None:
        gw = _per_loop[loop] = factory()
    return gw
