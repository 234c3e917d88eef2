"""Facade over the Streaming plugin: one audio mountpoint per interpretation channel.

AudioBridge encodes a separate mix for every participant in a room, which caps a channel at about a
hundred participants per core. Listeners all hear the same thing, so a channel's mix is encoded once,
forwarded as RTP on loopback into a Streaming mountpoint, and relayed from there to every listener
without transcoding. The mountpoint listens on 127.0.0.1 only: nobody else can inject audio into it,
and watching needs the engagement's pin as well as a core token that grants this plugin.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .client import Handle, Session
from .errors import JanusPluginError

PLUGIN = "janus.plugin.streaming"
STREAMING_NO_SUCH_MOUNTPOINT = 455
STREAMING_MOUNTPOINT_EXISTS = 456
OPUS_PT = 111


@dataclass(frozen=True)
class MountpointSpec:
    id: int
    description: str
    secret: str
    pin: str


class Streaming:
    def __init__(self, handle: Handle, admin_key: str) -> None:
        self.handle = handle
        self.admin_key = admin_key

    @classmethod
    async def attach(cls, session: Session, admin_key: str) -> Streaming:
        return cls(await session.attach(PLUGIN), admin_key)

    async def _call(self, body: dict[str, Any]) -> dict[str, Any]:
        return (await self.handle.request(body)).data

    async def create_audio(self, spec: MountpointSpec) -> int:
        """Create an Opus audio mountpoint fed on loopback; return the UDP port it listens on."""
        data = await self._call({
            "request": "create", "type": "rtp", "id": spec.id, "admin_key": self.admin_key,
            "description": spec.description[:100], "is_private": True, "secret": spec.secret, "pin": spec.pin,
            "permanent": False,
            "media": [{"type": "audio", "mid": "a", "port": 0, "pt": OPUS_PT, "codec": "opus",
                       "rtpmap": "opus/48000/2", "iface": "127.0.0.1"}],
        })
        return int(data["stream"]["ports"][0]["port"])

    async def exists(self, mountpoint: int, secret: str) -> bool:
        try:
            await self._call({"request": "info", "id": mountpoint, "secret": secret})
        except JanusPluginError as exc:
            if exc.code == STREAMING_NO_SUCH_MOUNTPOINT:
                return False
            raise
        return True

    async def destroy(self, mountpoint: int, secret: str) -> None:
        try:
            await self._call({"request": "destroy", "id": mountpoint, "secret": secret, "permanent": False})
        except JanusPluginError as exc:
            if exc.code != STREAMING_NO_SUCH_MOUNTPOINT:
                raise
