"""Facade over the AudioBridge plugin for Summitry's server side: one room per interpretation
channel, its access list, and who in it may be heard.

Everyone joins a channel muted; only Summitry, holding the room's secret, unmutes a participant (the
interpreter on air) and mutes them again. The mixer then carries exactly the voices Summitry chose.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import AUDIOBRIDGE_NO_SUCH_ROOM, AUDIOBRIDGE_ROOM_EXISTS, JanusPluginError
from .rooms import RoomPlugin

PLUGIN = "janus.plugin.audiobridge"

# AudioBridge waits for this many 20 ms packets of a new speaker before mixing them in: its jitter
# buffer, and most of the latency a channel adds. Janus's default is 6 (120 ms); 2 keeps a channel
# within ~80 ms of plain forwarding on a sound network (measured by bench/interpretation.py).
DEFAULT_PREBUFFER = 2


@dataclass(frozen=True)
class ChannelSpec:
    room: int
    description: str
    secret: str
    allowed: tuple[str, ...] = ()
    sampling_rate: int = 48000
    prebuffer: int = DEFAULT_PREBUFFER
    allow_rtp_participants: bool = False


class AudioBridge(RoomPlugin):
    """Administers channel rooms through one plugin handle; room creation carries the plugin's admin key."""
    PLUGIN = PLUGIN

    async def create(self, spec: ChannelSpec) -> bool:
        """Create the room; False if it existed already (its access list is then left as it is)."""
        body: dict[str, Any] = {
            "request": "create", "admin_key": self.admin_key, "room": spec.room,
            "description": spec.description[:100], "secret": spec.secret, "is_private": True,
            "sampling_rate": spec.sampling_rate, "default_prebuffering": spec.prebuffer,
            "audiolevel_event": False, "record": False, "permanent": False,
            "allowed": list(spec.allowed), "allow_rtp_participants": spec.allow_rtp_participants,
        }
        try:
            await self._call(body)
        except JanusPluginError as exc:
            if exc.code == AUDIOBRIDGE_ROOM_EXISTS:
                return False
            raise
        return True

    async def mute(self, room: int, secret: str, participant_id: int) -> None:
        await self._call({"request": "mute", "room": room, "secret": secret, "id": participant_id})

    async def unmute(self, room: int, secret: str, participant_id: int) -> None:
        await self._call({"request": "unmute", "room": room, "secret": secret, "id": participant_id})

    async def kick(self, room: int, secret: str, participant_id: int) -> None:
        await self._call({"request": "kick", "room": room, "secret": secret, "id": participant_id})

    async def rtp_forward(self, room: int, secret: str, host: str, port: int, pt: int = 111) -> int:
        """Forward the room's mix (encoded once, Opus) as plain RTP; return the forwarder's id."""
        data = await self._call({"request": "rtp_forward", "room": room, "secret": secret,
                                 "admin_key": self.admin_key, "host": host, "port": port, "ptype": pt,
                                 "codec": "opus"})
        return int(data["stream_id"])

    async def destroy(self, room: int, secret: str) -> None:
        try:
            await self._call({"request": "destroy", "room": room, "secret": secret, "permanent": False})
        except JanusPluginError as exc:
            if exc.code != AUDIOBRIDGE_NO_SUCH_ROOM:
                raise
