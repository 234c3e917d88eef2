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


def refusal(msg: Any, token: str, may_publish: bool) -> str | None:
    """Why this client request must not reach Janus, or None."""
    if not isinstance(msg, dict) or not isinstance(msg.get("janus"), str):
        return "malformed request"
    if msg.get("token") != token:
        return "wrong token"
    body = msg.get("body")
    if isinstance(body, dict) and not may_publish:
        jsep = msg.get("jsep")
        if body.get("request") in PUBLISHING_REQUESTS and isinstance(jsep, dict) and jsep.get("type") == "offer":
            return "your role may not publish"
        if body.get("request") in ("join", "joinandconfigure") and body.get("ptype") == "publisher":
            return "your role may not publish"
    if isinstance(body, dict) and body.get("request") in ("create", "destroy", "edit", "allowed", "kick",
                                                          "rtp_forward", "stop_rtp_forward", "enable_recording"):
        return "administrative requests are Summitry's"
    return None


def error_reply(msg: Any, reason: str) -> str:
    transaction = msg.get("transaction") if isinstance(msg, dict) else None
    return json.dumps({"janus": "error", "transaction": transaction, "error": {"code": 403, "reason": reason}})


class Relay:
    def __init__(self, janus_ws_url: str, token: str, may_publish: bool,
                 on_session: Callable[[int], Awaitable[None]] | None = None) -> None:
        self.url, self.token, self.may_publish = janus_ws_url, token, may_publish
        self.on_session = on_session
        self._creating: set[str] = set()
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
        reason = refusal(msg, self.token, self.may_publish)
        if reason is not None:
            return error_reply(msg, reason)
        if self._ws is None or self._ws.closed:
            return error_reply(msg, "the media server connection is closed")
        if msg["janus"] == "create" and isinstance(msg.get("transaction"), str):
            self._creating.add(msg["transaction"])
        await self._ws.send_str(text)
        return None

    async def replies(self) -> AsyncIterator[str]:
        if self._ws is None:
            return
        async for frame in self._ws:
            if frame.type == aiohttp.WSMsgType.TEXT:
                if self._creating:
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
        if msg.get("transaction") in self._creating and msg.get("janus") == "success":
            self._creating.discard(msg["transaction"])
            if self.on_session is not None:
                await self.on_session(int(msg["data"]["id"]))

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._http is not None:
            await self._http.close()
