"""Facade over the VideoRoom plugin for Summitry's server side: rooms, their ACLs, participants."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import VIDEOROOM_NO_SUCH_ROOM, VIDEOROOM_ROOM_EXISTS, JanusPluginError
from .rooms import RoomPlugin

PLUGIN = "janus.plugin.videoroom"


@dataclass(frozen=True)
class RoomSpec:
    """What Summitry asks of a room: its id, secrets and access list."""

    room: int
    description: str
    secret: str
    pin: str | None = None
    publishers: int = 16
    allowed: tuple[str, ...] = ()
    bitrate: int = 1_024_000
    fir_freq: int = 0


class VideoRoom(RoomPlugin):
    """Administers rooms through one plugin handle; every call carries the plugin's admin key."""
    PLUGIN = PLUGIN

    async def create(self, spec: RoomSpec) -> bool:
        """Create the room; return False if it existed already (its ACL is then left as it is)."""
        body: dict[str, Any] = {
            "request": "create", "admin_key": self.admin_key, "room": spec.room,
            "description": spec.description[:100], "secret": spec.secret, "is_private": True,
            "publishers": spec.publishers, "bitrate": spec.bitrate, "fir_freq": spec.fir_freq,
            "audiocodec": "opus", "videocodec": "vp8", "notify_joining": True,
            "allowed": list(spec.allowed), "permanent": False,
        }
        if spec.pin:
            body["pin"] = spec.pin
        try:
            await self._call(body)
        except JanusPluginError as exc:
            if exc.code == VIDEOROOM_ROOM_EXISTS:
                return False
            raise
        return True

    async def kick(self, room: int, secret: str, participant_id: int) -> None:
        try:
            await self._call({"request": "kick", "room": room, "secret": secret, "id": participant_id})
        except JanusPluginError as exc:
            if exc.code not in (VIDEOROOM_NO_SUCH_ROOM, 428):  # already gone
                raise

    async def rtp_forward(self, room: int, secret: str, publisher_id: int, host: str,
                          streams: list[dict[str, Any]]) -> list[int]:
        """Forward a publisher's streams as plain RTP (``streams``: ``[{"mid": "1", "port": 5004}]``);
        returns the forwarders' stream ids."""
        data = await self._call({"request": "rtp_forward", "room": room, "secret": secret,
                                 "admin_key": self.admin_key, "publisher_id": publisher_id, "host": host,
                                 "streams": streams})
        return [int(f["stream_id"]) for f in data.get("forwarders", [])]

    async def stop_rtp_forward(self, room: int, secret: str, publisher_id: int, stream_id: int) -> None:
        await self._call({"request": "stop_rtp_forward", "room": room, "secret": secret,
                          "admin_key": self.admin_key, "publisher_id": publisher_id, "stream_id": stream_id})

    async def destroy(self, room: int, secret: str) -> None:
        try:
            await self._call({"request": "destroy", "room": room, "secret": secret, "permanent": False})
        except JanusPluginError as exc:
            if exc.code != VIDEOROOM_NO_SUCH_ROOM:
                raise
