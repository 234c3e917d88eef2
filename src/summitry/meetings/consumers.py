"""The room's live channel (WebSocket). Admitted participants announce whether their microphone and
camera are on and see everyone else's; each speaks only for themselves (the server attaches their
publisher id). Participants in the lobby hear only whether they were admitted; the host and the
host's delegate see who waits."""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from summitry.domain.access import Role, may_admit, needs_admission

from . import access, lobby
from .models import Admission, Engagement

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
        self.engagement = engagement
        self.group = f"engagement-{engagement.pk}"
        self.publisher_id = participation.publisher_id
        self.in_room = False
        role = Role(participation.role)
        self.admits = may_admit(role, host_side=participation.person.delegation_id == engagement.host_id)
        admitted = not needs_admission(role) or await Admission.objects.filter(
            participation=participation, state=Admission.State.ADMITTED).aexists()
        self.groups_joined = [lobby.participant_group(participation.pk)]
        if self.admits:
            self.groups_joined.append(lobby.lobby_group(engagement.pk))
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        if self.admits:
            await self.lobby_changed({})
        if admitted:
            await self._enter_room()

    async def _enter_room(self) -> None:
        if not self.in_room:
            self.in_room = True
            await self.channel_layer.group_add(self.group, self.channel_name)
            await self.channel_layer.group_send(self.group, {"type": "presence.request"})

    async def disconnect(self, code: int) -> None:
        for group in [*getattr(self, "groups_joined", []), *([self.group] if self.group else [])]:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if (not isinstance(content, dict) or set(content) - {"muted", "camera_off"}
                or not all(isinstance(v, bool) for v in content.values())):
            await self.close(code=CLOSE_BAD_MESSAGE)
            return
        if not self.in_room:
            return  # nobody hears from the lobby
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

    async def lobby_changed(self, event: dict[str, Any]) -> None:
        await self.send_json({"lobby": await sync_to_async(lobby.waiting)(self.engagement)})

    async def lobby_decided(self, event: dict[str, Any]) -> None:
        if event["state"] == Admission.State.ADMITTED:
            await self._enter_room()
        await self.send_json({"admission": event["state"]})
