"""Room presence over WebSocket: each participant announces whether their microphone and camera are
on, and everyone in the engagement sees it. Only participants connect; each may speak only for
themselves (the server attaches their publisher id)."""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from . import access
from .models import Engagement

CLOSE_NOT_ALLOWED = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_BAD_MESSAGE = 4400


class RoomPresenceConsumer(AsyncJsonWebsocketConsumer):
    group: str = ""
    publisher_id: int = 0
    state: dict[str, bool] | None = None

    async def connect(self) -> None:
        slug = self.scope["url_route"]["kwargs"]["slug"]
        engagement = await Engagement.objects.filter(slug=slug).afirst()
        if engagement is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        try:
            participation = await sync_to_async(access.participation_for)(self.scope["user"], engagement)
        except access.NotAllowed:
            await self.close(code=CLOSE_NOT_ALLOWED)
            return
        self.group = f"engagement-{engagement.pk}"
        self.publisher_id = participation.publisher_id
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.channel_layer.group_send(self.group, {"type": "presence.request"})

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if (not isinstance(content, dict) or set(content) - {"muted", "camera_off"}
                or not all(isinstance(v, bool) for v in content.values())):
            await self.close(code=CLOSE_BAD_MESSAGE)
            return
        self.state = {"muted": content.get("muted", False), "camera_off": content.get("camera_off", False)}
        await self._announce()

    async def _announce(self) -> None:
        if self.state is not None:
            await self.channel_layer.group_send(self.group, {
                "type": "presence.state", "publisher_id": self.publisher_id, **self.state})

    async def presence_state(self, event: dict[str, Any]) -> None:
        await self.send_json({k: v for k, v in event.items() if k != "type"})

    async def presence_request(self, event: dict[str, Any]) -> None:
        await self._announce()
