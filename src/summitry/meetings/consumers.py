"""The room's live channel (WebSocket). Admitted participants announce whether their microphone and
camera are on and see everyone else's; each speaks only for themselves (the server attaches their
publisher id). Participants in the lobby hear only whether they were admitted; the host and the
host's delegate see who waits."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from asgiref.sync import sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer, AsyncWebsocketConsumer

from summitry.audit.log import record_attempt
from summitry.domain.access import Role, SegmentKind, allowed_in, may_admit, needs_admission, rights_for
from summitry.media.allowlist import Refused
from summitry.media.errors import JanusUnavailable
from summitry.media.relay import Relay

from . import access, e2ee, groups, interpretation, lobby
from .janus import janus_settings
from .models import Admission, Engagement, MediaGrant, Participation

log = logging.getLogger(__name__)

CLOSE_NOT_ALLOWED = 4403
CLOSE_NOT_FOUND = 4404


async def _refusal(user: Any, engagement: Engagement) -> int:
    """Whoever is not on the list is refused as if the engagement did not exist."""
    return CLOSE_NOT_ALLOWED if await sync_to_async(access.takes_part)(user, engagement) else CLOSE_NOT_FOUND
CLOSE_BAD_MESSAGE = 4400
RESYNC_EVERY_S = 1.0  # a page's resync requests beyond one a second are ignored
MESSAGES_PER_S = 5  # presence changes and booth chat lines a socket may send per second
CLOSE_RIGHTS_CHANGED = 4409  # the participation changed: the page reconnects and is read anew
CLOSE_REVOKED = 4401  # Summitry ended the visit on purpose: the page waits for the live channel to say why
CLOSE_JANUS_GONE = 4410  # Janus's side of the relay ended (the media server went away): the page joins again
_UNSENT: Any = object()  # no key sent yet on this socket: the next one travels even if it is "none"


def _admission_state(participation: Participation) -> str | None:
    """Where the participant stands with the lobby (``waiting``, ``admitted``, ``denied``); None for
    whoever needs no admission or has not asked."""
    if not needs_admission(Role(participation.role)):
        return None
    return Admission.objects.filter(participation=participation).values_list("state", flat=True).first()


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
            await self.close(code=await _refusal(self.scope["user"], engagement))
            return
        self.engagement = engagement
        self.participation = participation
        self.group = groups.room(engagement.pk)
        self.publisher_id = participation.publisher_id
        self.in_room = False
        role = Role(participation.role)
        self.role = role
        self.participation_id = participation.pk
        self.admits = may_admit(role, host_side=participation.person.delegation_id == engagement.host_id)
        self.name = str(participation.person)
        self.booth_group = (groups.booth(engagement.pk, participation.booth)
                            if role == Role.INTERPRETER and participation.booth else "")
        self.groups_joined = [lobby.participant_group(participation.pk), groups.notices(engagement.pk)]
        if self.admits:
            self.groups_joined.append(lobby.lobby_group(engagement.pk))
        if self.booth_group:
            self.groups_joined.append(self.booth_group)
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        if self.admits:
            await self.lobby_changed({})
        await self._refresh()

    async def _refresh(self) -> None:
        """In the room or out of it, as ``access.may_be_in_room`` decides now."""
        engagement = await Engagement.objects.aget(pk=self.engagement.pk)
        if await sync_to_async(access.may_be_in_room)(self.participation, engagement):
            await self._enter_room()
        else:
            await self._leave_room()

    async def _leave_room(self) -> None:
        """Out of the room's group: no presence, channels, booth chat or keys reach this page."""
        if self.in_room:
            self.in_room = False
            await self.channel_layer.group_discard(self.group, self.channel_name)
        if getattr(self, "key_sent", None) is not None:
            self.key_sent = None
            await self.send_json({"e2ee": None})

    async def _enter_room(self) -> None:
        if not self.in_room:
            self.in_room = True
            await self.channel_layer.group_add(self.group, self.channel_name)
            # Each page answers the newcomer alone: entering costs one message per page, not one per pair.
            await self.channel_layer.group_send(self.group, {"type": "presence.request",
                                                             "reply_to": self.channel_name})
            await self.channels_changed({})
        await self._send_key()

    async def _send_key(self) -> None:
        """The current end-to-end key, only to a page in the room whose visit is live and allowed in
        the segment in force (``access.may_receive_key``); a page that may no longer have it is told so."""
        if not self.in_room:
            return
        engagement = await Engagement.objects.aget(pk=self.engagement.pk)
        key = None
        if await sync_to_async(access.may_receive_key)(self.participation, engagement):
            key = await sync_to_async(e2ee.current_key)(engagement)
        payload = {"key_id": key.key_id, "key": key.key} if key else None
        if payload != getattr(self, "key_sent", None):  # only changes travel
            self.key_sent = payload
            await self.send_json({"e2ee": payload})

    async def e2ee_changed(self, event: dict[str, Any]) -> None:
        await self._send_key()

    async def visit_changed(self, event: dict[str, Any]) -> None:
        """A visit of this participant began or ended (left, cut by a segment, denied, removed, the end):
        in the room or out of it again, with the key to match. After a restart of Janus the page is told
        too: the media server is back, and its visit (if it still thinks it has one) must join again."""
        await self._refresh()
        if event.get("reason") == "janus_restarted":
            await self.send_json({"media_restarted": True})

    async def participation_changed(self, event: dict[str, Any]) -> None:
        """The role, booth or place on the list changed: what this socket was given at connect no longer
        holds, so it closes and the page reconnects as it is now (or is refused)."""
        await self.close(code=CLOSE_RIGHTS_CHANGED)

    async def disconnect(self, code: int) -> None:
        for group in [*getattr(self, "groups_joined", []), *([self.group] if self.group else [])]:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and set(content) == {"booth_chat"}:
            if self._within_rate("booth_chat"):
                await self._booth_chat(content["booth_chat"])
            return
        if content == {"resync": True}:
            now = time.monotonic()
            if now - getattr(self, "last_resync", -RESYNC_EVERY_S) >= RESYNC_EVERY_S:  # a flood costs nothing
                self.last_resync = now
                await self._resync()
            return
        if (not isinstance(content, dict) or set(content) - {"muted", "camera_off"}
                or not all(isinstance(v, bool) for v in content.values())):
            await self.close(code=CLOSE_BAD_MESSAGE)
            return
        if not self.in_room:
            return  # nobody hears from the lobby
        self.state = {"muted": content.get("muted", False), "camera_off": content.get("camera_off", False)}
        if self._within_rate("presence"):
            await self._announce()
        elif getattr(self, "flush", None) is None:  # a flood is not relayed; its last state is, a second later
            self.flush = asyncio.create_task(self._announce_later())

    async def _announce_later(self) -> None:
        await asyncio.sleep(1.0)
        self.flush = None
        await self._announce()

    def _within_rate(self, kind: str) -> bool:
        """At most ``MESSAGES_PER_S`` of one kind per second from this socket (a sliding second)."""
        now = time.monotonic()
        sent = [t for t in getattr(self, "sent", {}).get(kind, []) if now - t < 1.0]
        allowed = len(sent) < MESSAGES_PER_S
        if allowed:
            sent.append(now)
        self.sent = {**getattr(self, "sent", {}), kind: sent}
        return allowed

    async def _resync(self) -> None:
        """A page whose live channel (re)opened asks for what it may have missed while it was down: the
        segment in force, the end-to-end key (or that there is none), the channels, the admission."""
        await self._refresh()
        engagement = await Engagement.objects.aget(pk=self.engagement.pk)
        kind = access.segment_kind(engagement)
        await self.send_json({"segment": kind.value if kind else None, "allowed": allowed_in(kind, self.role)})
        if self.in_room:
            self.key_sent = _UNSENT
            await self._send_key()
            await self.channels_changed({})
        else:
            self.key_sent = None
            await self.send_json({"e2ee": None})
        admission = await sync_to_async(_admission_state)(self.participation)
        if admission is not None:
            await self.send_json({"admission": admission})

    async def _announce(self) -> None:
        if self.state is not None and self.in_room:
            await self.channel_layer.group_send(self.group, {
                "type": "presence.state", "publisher_id": self.publisher_id, **self.state})

    async def _booth_chat(self, text: Any) -> None:
        """A private line to the booth partner: only the booth's interpreters, in the room, hear it."""
        if not isinstance(text, str) or not text.strip() or len(text) > 500:
            await self.send_json({"booth_chat_error": "length"})  # a code: the page says it in its language
            return
        if not self.booth_group or not self.in_room:
            await self.send_json({"booth_chat_error": "not_in_booth"})
            return
        await self.channel_layer.group_send(self.booth_group, {
            "type": "booth.chat", "from": self.name, "publisher_id": self.publisher_id, "text": text.strip()})

    async def booth_chat(self, event: dict[str, Any]) -> None:
        if self.in_room:
            await self.send_json({"booth_chat": {k: event[k] for k in ("from", "publisher_id", "text")}})

    async def channels_changed(self, event: dict[str, Any]) -> None:
        if not self.in_room:
            return
        states = event.get("channels")
        if states is None:  # entering the room: this page's own copy
            states = await sync_to_async(interpretation.states)(self.engagement)
        if states:
            await self.send_json({"channels": states})

    async def presence_request(self, event: dict[str, Any]) -> None:
        reply_to = event.get("reply_to")
        if self.state is None or not self.in_room or not isinstance(reply_to, str) or reply_to == self.channel_name:
            return
        await self.channel_layer.send(reply_to, {"type": "presence.state", "publisher_id": self.publisher_id,
                                                 **self.state})

    async def segment_changed(self, event: dict[str, Any]) -> None:
        # No database here: this reaches every page of the engagement at once (an audience of thousands).
        # Whom the switch cuts, it has already told through their own group (``visit.changed``, which
        # takes the page out of the room), and a page out of the room comes back in only with a new
        # visit, told the same way; a new key goes out as ``e2ee.changed``.
        await self.send_json({"segment": event["kind"], "allowed": allowed_in(SegmentKind(event["kind"]), self.role)})

    async def presence_state(self, event: dict[str, Any]) -> None:
        if self.in_room:
            await self.send_json({k: v for k, v in event.items() if k != "type"})

    async def lobby_changed(self, event: dict[str, Any]) -> None:
        await self.send_json({"lobby": await sync_to_async(lobby.waiting)(self.engagement)})

    async def lobby_decided(self, event: dict[str, Any]) -> None:
        await self.send_json({"admission": event["state"]})
        await self._refresh()


class JanusRelayConsumer(AsyncWebsocketConsumer):
    """Carries one participant's Janus API traffic for their current grant, and cuts it when the
    grant is revoked (leaving, a closed segment, the end of the engagement)."""

    relay: Relay | None = None
    pump: asyncio.Task[None] | None = None
    grant_id: int = 0
    revoked: bool = False

    async def connect(self) -> None:
        slug = self.scope["url_route"]["kwargs"]["slug"]
        user = self.scope["user"]
        engagement = await Engagement.objects.filter(slug=slug).afirst()
        if engagement is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return

        @sync_to_async
        def _grant() -> tuple[MediaGrant, Any]:
            grant = access.live_grant(user, engagement)
            grant = MediaGrant.objects.select_related("participation__engagement", "participation__person").get(
                pk=grant.pk)
            return grant, interpretation.relay_grant(grant, rights_for(Role(grant.participation.role)).publish)

        try:
            grant, relay_grant = await _grant()
        except access.NotAllowed:
            await self.close(code=await _refusal(user, engagement))
            return
        self.grant_id = grant.pk
        actor, subject = user.get_username(), grant.participation.person.slug

        async def on_session(session_id: int) -> None:
            await MediaGrant.objects.filter(pk=grant.pk).aupdate(janus_session=session_id)

        async def on_channel(room: int | None) -> None:
            await interpretation.note_channel(grant.pk, room)

        async def on_refusal(refused: Refused) -> None:
            await sync_to_async(record_attempt)("relay_refused", grant.pk, actor=actor, engagement=slug,
                                                subject=subject, grant=grant.pk, verb=refused.verb,
                                                reason=refused.reason)

        self.relay = Relay(janus_settings().ws_url, relay_grant, on_session=on_session, on_refusal=on_refusal,
                           on_channel=on_channel)
        # One relay per grant: a second connection replaces the first (Janus's events name one session).
        await self.channel_layer.group_send(groups.grant(grant.pk), {"type": "relay.replaced"})
        await self.channel_layer.group_add(groups.grant(grant.pk), self.channel_name)
        try:
            await self.relay.open()
        except JanusUnavailable:
            await self.close(code=1011)
            return
        if await MediaGrant.objects.filter(pk=grant.pk, revoked_at__isnull=True).aexists():
            await self.accept(subprotocol="janus-protocol")
            self.pump = asyncio.create_task(self._pump())
        else:  # revoked while the relay was opening: the cut was sent before this one listened
            await self.close(code=CLOSE_NOT_ALLOWED)

    async def _pump(self) -> None:
        if self.relay is None:
            return
        with contextlib.suppress(Exception):
            async for text in self.relay.replies():
                await self.send(text_data=text)
        await self.close(code=CLOSE_REVOKED if self.revoked else CLOSE_JANUS_GONE)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.relay is None or text_data is None:
            return
        try:
            reply = await self.relay.forward(text_data)
        except Exception:
            # Whatever went wrong, the visit's Janus session must not outlive its relay: close both.
            log.exception("relay of grant %s failed; closing it", self.grant_id)
            await self.relay.close()
            await self.close(code=1011)
            return
        if reply is not None:
            await self.send(text_data=reply)

    async def relay_replaced(self, event: dict[str, Any]) -> None:
        await self.close(code=4409)
        if self.relay is not None:
            await self.relay.close()

    async def grant_revoked(self, event: dict[str, Any]) -> None:
        self.revoked = True  # the pump, seeing Janus's side end, must not call this a lost media server
        if self.relay is not None:
            await self.relay.close()
        await self.close(code=CLOSE_REVOKED)

    async def disconnect(self, code: int) -> None:
        if self.grant_id:
            await self.channel_layer.group_discard(groups.grant(self.grant_id), self.channel_name)
        if self.pump is not None:
            self.pump.cancel()
        if self.relay is not None:
            await self.relay.close()
            if self.relay.state.channel_room is not None:
                await interpretation.note_channel(self.grant_id, None)
