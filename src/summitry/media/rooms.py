"""What Summitry's VideoRoom and AudioBridge facades share: one plugin handle with the plugin's admin
key, and each room's access list and participants (the two plugins speak the same requests here)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar, Self

from .client import Handle, Session


class RoomPlugin:
    PLUGIN: ClassVar[str]

    def __init__(self, handle: Handle, admin_key: str) -> None:
        self.handle = handle
        self.admin_key = admin_key

    @classmethod
    async def attach(cls, session: Session, admin_key: str) -> Self:
        return cls(await session.attach(cls.PLUGIN), admin_key)

    async def _call(self, body: dict[str, Any]) -> dict[str, Any]:
        return (await self.handle.request(body)).data

    async def exists(self, room: int) -> bool:
        return bool((await self._call({"request": "exists", "room": room}))["exists"])

    async def allow(self, room: int, secret: str, tokens: Iterable[str]) -> None:
        await self._call({"request": "allowed", "room": room, "secret": secret, "action": "add",
                          "allowed": list(tokens)})

    async def disallow(self, room: int, secret: str, tokens: Iterable[str]) -> None:
        await self._call({"request": "allowed", "room": room, "secret": secret, "action": "remove",
                          "allowed": list(tokens)})

    async def allowed(self, room: int, secret: str) -> list[str]:
        data = await self._call({"request": "allowed", "room": room, "secret": secret, "action": "enable"})
        return list(data.get("allowed", []))

    async def participants(self, room: int) -> list[dict[str, Any]]:
        data = await self._call({"request": "listparticipants", "room": room})
        return list(data.get("participants", []))
