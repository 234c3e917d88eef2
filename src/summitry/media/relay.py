"""A relay between one browser and Janus's WebSocket API, for one grant.

Browsers never reach Janus's API port; each talks through Summitry, which opens one upstream
connection per visit. Closing it makes Janus destroy the session and every handle in it (the WebSocket
transport is gone and Summitry's Janus does not keep sessions for reclaiming), which is how a revoked
participant loses their media at once, subscriptions included. What passes is decided by
``allowlist`` (decision 0005): every frame is parsed, checked against the grant and rebuilt.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp

from .allowlist import Refused, RelayGrant, RelayState, admit
from .client import SUBPROTOCOL
from .errors import JanusUnavailable


def error_reply(frame: str, reason: str) -> str:
    """Janus's error shape, so janus.js reports the refusal to the page like any Janus error."""
    try:
        msg = json.loads(frame)
    except (ValueError, RecursionError):
        msg = None
    transaction = msg.get("transaction") if isinstance(msg, dict) else None
    return json.dumps({"janus": "error", "transaction": transaction if isinstance(transaction, str) else None,
                       "error": {"code": 403, "reason": reason}})


class Relay:
    """One visit's connection to Janus. Client frames go through :func:`allowlist.admit` and are sent
    rebuilt; refusals are answered to the client and reported to ``on_refusal`` (the audit)."""

    def __init__(self, janus_ws_url: str, grant: RelayGrant,
                 on_session: Callable[[int], Awaitable[None]] | None = None,
                 on_refusal: Callable[[Refused], Awaitable[None]] | None = None,
                 on_channel: Callable[[int | None], Awaitable[None]] | None = None) -> None:
        """``on_session``: the Janus session this visit created; ``on_channel``: the interpretation
        channel it speaks into now (None: none); ``on_refusal``: a frame that was refused."""
        self.url, self.grant = janus_ws_url, grant
        self.on_session, self.on_refusal, self.on_channel = on_session, on_refusal, on_channel
        self.state = RelayState()
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
        """Send a client request on, rebuilt, or return the error reply for the client."""
        in_channel = self.state.channel_room
        try:
            request = admit(text, self.grant, self.state)
        except Refused as exc:
            if self.on_refusal is not None:
                await self.on_refusal(exc)
            return error_reply(text, exc.reason)
        if self._ws is None or self._ws.closed:
            return error_reply(text, "the media server connection is closed")
        await self._ws.send_str(json.dumps(request))
        if in_channel is not None and self.state.channel_room is None and self.on_channel is not None:
            await self.on_channel(None)
        return None

    async def replies(self) -> AsyncIterator[str]:
        if self._ws is None:
            return
        async for frame in self._ws:
            if frame.type == aiohttp.WSMsgType.TEXT:
                if self._worth_reading(frame.data):
                    await self._note(frame.data)
                yield frame.data
            elif frame.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                break

    def _worth_reading(self, text: str) -> bool:
        state = self.state
        if state.creating or state.attaching or '"joined"' in text or '"timeout"' in text:
            return True
        return state.channel_handle is not None and str(state.channel_handle) in text

    async def _note(self, text: str) -> None:
        try:
            msg = json.loads(text)
        except ValueError:
            return
        for fact, value in self.state.note_reply(msg, self.grant):
            if fact == "session" and value is not None and self.on_session is not None:
                await self.on_session(value)  # the audit links Janus's events to this visit by it
            if fact == "channel" and self.on_channel is not None:
                await self.on_channel(value)
            if fact == "gone" and self._ws is not None:
                await self._ws.close()  # the visit is over at Janus: so is its relay (the page rejoins)

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._http is not None:
            await self._http.close()
