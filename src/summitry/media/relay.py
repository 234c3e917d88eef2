"""A relay between one browser and Janus's WebSocket API, for one grant.

Browsers never reach Janus's API port; each talks through Summitry, which opens one upstream
connection per visit. Closing it makes Janus destroy the session and every handle in it (the WebSocket
transport is gone and Summitry's Janus does not keep sessions for reclaiming), which is how a revoked
participant loses their media at once, subscriptions included. The relay also refuses requests that
carry another token, and offers to publish from a participant whose role may not.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp

from .client import SUBPROTOCOL
from .errors import JanusUnavailable

PUBLISHING_REQUESTS = frozenset({"publish", "configure", "joinandconfigure"})
ADMIN_REQUESTS = frozenset({
    "create", "destroy", "edit", "allowed", "kick", "kick_all", "rtp_forward", "stop_rtp_forward",
    "listforwarders", "enable_recording", "mute", "unmute", "mute_room", "unmute_room", "play_file",
    "is_playing", "stop_file", "stop_all_files", "suspend", "resume", "moderate"})
AUDIOBRIDGE = "janus.plugin.audiobridge"
STREAMING = "janus.plugin.streaming"
LISTENING_REQUESTS = frozenset({"watch", "start", "pause", "switch", "stop"})


def channel_refusal(body: dict[str, Any], own_id: int | None) -> str | None:
    """AudioBridge: everyone joins muted and stays so; Summitry alone unmutes the interpreter on air.
    Nobody records a channel on the server, and a participant may take no id but their own."""
    request = body.get("request")
    if request in ("join", "changeroom") and body.get("muted") is not True:
        return "join interpretation channels muted"
    if "muted" in body and body.get("muted") is not True:
        return "only Summitry puts a voice on air"
    if any(k in body for k in ("record", "filename", "rtp", "group", "generate_offer")):
        return "not allowed in an interpretation channel"
    if request in ("join", "changeroom") and "id" in body and body.get("id") != own_id:
        return "that participant id is not yours"
    return None


def refusal(msg: Any, token: str, may_publish: bool, plugin: str = "", own_id: int | None = None,
            streams: frozenset[int] = frozenset()) -> str | None:
    """Why this client request must not reach Janus, or None. ``plugin``: the handle's plugin;
    ``streams``: the mountpoints (interpretation channels) of the participant's engagement."""
    if not isinstance(msg, dict) or not isinstance(msg.get("janus"), str):
        return "malformed request"
    if msg.get("token") != token:
        return "wrong token"
    body = msg.get("body")
    if isinstance(body, dict) and body.get("request") in ADMIN_REQUESTS:
        return "administrative requests are Summitry's"
    if msg.get("janus") == "message" and plugin == AUDIOBRIDGE:
        return channel_refusal(body, own_id) if isinstance(body, dict) else "malformed request"
    if msg.get("janus") == "message" and plugin == STREAMING:
        if not isinstance(body, dict) or body.get("request") not in LISTENING_REQUESTS:
            return "listeners only watch, switch and stop"
        if body.get("request") in ("watch", "switch") and body.get("id") not in streams:
            return "not a channel of this engagement"
    if isinstance(body, dict) and ("record" in body or "filename" in body):
        return "recording is Summitry's"
    if isinstance(body, dict) and not may_publish:
        jsep = msg.get("jsep")
        if body.get("request") in PUBLISHING_REQUESTS and isinstance(jsep, dict) and jsep.get("type") == "offer":
            return "your role may not publish"
        if body.get("request") in ("join", "joinandconfigure") and body.get("ptype") == "publisher":
            return "your role may not publish"
    return None


def error_reply(msg: Any, reason: str) -> str:
    transaction = msg.get("transaction") if isinstance(msg, dict) else None
    return json.dumps({"janus": "error", "transaction": transaction, "error": {"code": 403, "reason": reason}})


class Relay:
    def __init__(self, janus_ws_url: str, token: str, may_publish: bool,
                 on_session: Callable[[int], Awaitable[None]] | None = None, own_id: int | None = None,
                 streams: frozenset[int] = frozenset()) -> None:
        self.url, self.token, self.may_publish = janus_ws_url, token, may_publish
        self.on_session = on_session
        self.own_id = own_id
        self.streams = streams
        self._creating: set[str] = set()
        self._attaching: dict[str, str] = {}  # transaction -> plugin asked for
        self._plugins: dict[int, str] = {}  # handle id -> plugin
        self._http: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None

    async def open(self) -> None:
        self._http = aiohttp.ClientSession()
        try:
            self._ws = await self._http.ws_connect(self.url, protocols=(SUBPROTOCOL,), max_msg_size=0)
        except (aiohttp.ClientError, OSError) as exc:
            await self._http.close()
            raise JanusUnavailable(f"cannot reach Janus at {self.url}: {exc}") from exc

    async def forward(self, text: str) -> str | None:
        """Send a client request on, or return the error reply for the client."""
        try:
            msg = json.loads(text)
        except ValueError:
            return error_reply(None, "malformed request")
        handle = msg.get("handle_id") if isinstance(msg, dict) else None
        plugin = self._plugins.get(handle, "") if isinstance(handle, int) else ""
        if isinstance(msg, dict) and msg.get("janus") == "message" and isinstance(handle, int) and not plugin:
            return error_reply(msg, "unknown handle")  # attached before this relay knew: refuse, don't guess
        reason = refusal(msg, self.token, self.may_publish, plugin, self.own_id, self.streams)
        if reason is not None:
            return error_reply(msg, reason)
        if self._ws is None or self._ws.closed:
            return error_reply(msg, "the media server connection is closed")
        if msg["janus"] == "create" and isinstance(msg.get("transaction"), str):
            self._creating.add(msg["transaction"])
        if msg["janus"] == "attach" and isinstance(msg.get("transaction"), str):
            self._attaching[msg["transaction"]] = str(msg.get("plugin", ""))
        await self._ws.send_str(text)
        return None

    async def replies(self) -> AsyncIterator[str]:
        if self._ws is None:
            return
        async for frame in self._ws:
            if frame.type == aiohttp.WSMsgType.TEXT:
                if self._creating or self._attaching:
                    await self._note_session(frame.data)
                yield frame.data
            elif frame.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                break

    async def _note_session(self, text: str) -> None:
        """Remember which Janus session this visit created (the audit links Janus's events to it)."""
        try:
            msg = json.loads(text)
        except ValueError:
            return
        if not isinstance(msg, dict):
            return
        transaction = msg.get("transaction")
        if transaction in self._attaching:
            plugin = self._attaching.pop(transaction)
            if msg.get("janus") == "success":
                self._plugins[int(msg["data"]["id"])] = plugin
        if transaction in self._creating and msg.get("janus") == "success":
            self._creating.discard(transaction)
            if self.on_session is not None:
                await self.on_session(int(msg["data"]["id"]))

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._http is not None:
            await self._http.close()
