"""Async client for Janus's WebSocket API: transactions, keepalive, reconnect, timeouts.

One :class:`JanusClient` holds one WebSocket (subprotocol ``janus-protocol``). Requests are matched
to replies by transaction; unsolicited events go to the handle they concern. If the socket drops,
pending requests fail with :class:`JanusUnavailable` and the client reconnects and ``claim``s its
sessions, which Janus keeps for ``session_timeout`` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

import aiohttp

from . import protocol
from .errors import JanusError, JanusSessionGone, JanusTimeout, JanusUnavailable
from .protocol import Message, PluginReply

log = logging.getLogger(__name__)

SUBPROTOCOL = "janus-protocol"


class _Pending:
    __slots__ = ("ack_is_final", "future")

    def __init__(self, future: asyncio.Future[Message], ack_is_final: bool) -> None:
        self.future = future
        self.ack_is_final = ack_is_final


class JanusClient:
    """A connection to Janus's WebSocket transport."""

    def __init__(self, url: str, *, token: str | None = None, api_secret: str | None = None,
                 request_timeout: float = 10.0, keepalive_interval: float = 25.0,
                 reconnect: bool = True, headers: dict[str, str] | None = None) -> None:
        self.url = url
        self.headers = headers or {}
        self.token = token
        self.api_secret = api_secret
        self.request_timeout = request_timeout
        self.keepalive_interval = keepalive_interval
        self.reconnect = reconnect
        self._http: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        self._pending: dict[str, _Pending] = {}
        self._sessions: dict[int, Session] = {}
        self._closing = False
        self._connected = asyncio.Event()

    async def __aenter__(self) -> JanusClient:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def connected(self) -> bool:
        return self._ws is not None and not self._ws.closed

    async def connect(self) -> None:
        if self._http is None:
            self._http = aiohttp.ClientSession()
        try:
            self._ws = await asyncio.wait_for(
                self._http.ws_connect(self.url, protocols=(SUBPROTOCOL,), heartbeat=None,
                                      max_msg_size=0, headers=self.headers),
                timeout=self.request_timeout)
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise JanusUnavailable(f"cannot reach Janus at {self.url}: {exc}") from exc
        self._connected.set()
        self._reader = asyncio.create_task(self._read_loop(self._ws))

    async def close(self) -> None:
        self._closing = True
        for session in list(self._sessions.values()):
            session._stop_keepalive()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        if self._ws is not None:
            await self._ws.close()
        if self._http is not None:
            await self._http.close()
        self._fail_pending(JanusUnavailable("client closed"))

    # --- requests -------------------------------------------------------------------------------

    async def send(self, kind: str, *, session_id: int | None = None, handle_id: int | None = None,
                   timeout: float | None = None, **fields: Any) -> Message:
        """Send a core request and wait for the message that ends its transaction."""
        ws = self._ws
        if ws is None or ws.closed:
            raise JanusUnavailable("not connected to Janus")
        txn = protocol.new_transaction()
        msg = protocol.request(kind, transaction=txn, token=self.token, api_secret=self.api_secret,
                               session_id=session_id, handle_id=handle_id, **fields)
        fut: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self._pending[txn] = _Pending(fut, ack_is_final=kind != "message")
        try:
            await ws.send_str(json.dumps(msg))
            return await asyncio.wait_for(fut, timeout or self.request_timeout)
        except TimeoutError as exc:
            raise JanusTimeout(f"no answer to {kind!r} within {timeout or self.request_timeout}s") from exc
        except (aiohttp.ClientError, ConnectionError) as exc:
            raise JanusUnavailable(f"lost Janus while sending {kind!r}: {exc}") from exc
        finally:
            self._pending.pop(txn, None)

    async def info(self) -> Message:
        reply = await self.send("info")
        protocol.raise_for_error(reply)
        return reply

    async def create_session(self) -> Session:
        data = protocol.parse_success(await self.send("create"))
        session = Session(self, int(data["id"]))
        self._sessions[session.id] = session
        session._start_keepalive()
        return session

    # --- reading --------------------------------------------------------------------------------

    async def _read_loop(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        try:
            async for frame in ws:
                if frame.type == aiohttp.WSMsgType.TEXT:
                    self._dispatch(json.loads(frame.data))
                elif frame.type in (aiohttp.WSMsgType.ERROR, aiohttp.WSMsgType.CLOSED):
                    break
        finally:
            self._connected.clear()
            self._fail_pending(JanusUnavailable("connection to Janus lost"))
            if not self._closing and self.reconnect:
                asyncio.get_running_loop().create_task(self._reconnect())
            elif not self._closing:
                for session in list(self._sessions.values()):
                    session._lost()

    def _dispatch(self, msg: Message) -> None:
        txn = msg.get("transaction")
        pending = self._pending.get(txn) if isinstance(txn, str) else None
        if pending is not None:
            if msg.get("janus") == "ack" and not pending.ack_is_final:
                return
            if not pending.future.done():
                pending.future.set_result(msg)
            return
        session = self._sessions.get(msg.get("session_id", -1))
        if session is None:
            return
        if msg.get("janus") == "timeout":
            session._lost()
            return
        handle = session.handles.get(msg.get("sender", -1))
        if handle is not None:
            handle.events.put_nowait(msg)

    def _fail_pending(self, error: JanusError) -> None:
        for pending in self._pending.values():
            if not pending.future.done():
                pending.future.set_exception(error)
        self._pending.clear()

    async def _reconnect(self) -> None:
        delay = 0.2
        while not self._closing:
            try:
                await self.connect()
            except JanusUnavailable:
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                continue
            for session in list(self._sessions.values()):
                try:
                    protocol.parse_success(await self.send("claim", session_id=session.id))
                    log.info("reclaimed Janus session %s", session.id)
                except JanusError:
                    session._lost()
            return


class Session:
    """A Janus session: attaches plugin handles and keeps itself alive."""

    def __init__(self, client: JanusClient, session_id: int) -> None:
        self.client = client
        self.id = session_id
        self.handles: dict[int, Handle] = {}
        self.gone = asyncio.Event()
        self._keepalive: asyncio.Task[None] | None = None

    async def attach(self, plugin: str) -> Handle:
        data = protocol.parse_success(await self.client.send("attach", session_id=self.id, plugin=plugin))
        handle = Handle(self, int(data["id"]), plugin)
        self.handles[handle.id] = handle
        return handle

    async def destroy(self) -> None:
        self._stop_keepalive()
        self.client._sessions.pop(self.id, None)
        with contextlib.suppress(JanusError):
            await self.client.send("destroy", session_id=self.id)

    def _start_keepalive(self) -> None:
        self._keepalive = asyncio.create_task(self._keepalive_loop())

    def _stop_keepalive(self) -> None:
        if self._keepalive is not None:
            self._keepalive.cancel()

    async def _keepalive_loop(self) -> None:
        while True:
            await asyncio.sleep(self.client.keepalive_interval)
            try:
                protocol.raise_for_error(await self.client.send("keepalive", session_id=self.id))
            except JanusSessionGone:
                self._lost()
                return
            except JanusError as exc:
                log.warning("keepalive for session %s failed: %s", self.id, exc)

    def _lost(self) -> None:
        self._stop_keepalive()
        self.client._sessions.pop(self.id, None)
        self.gone.set()


class Handle:
    """A plugin handle: plugin requests, JSEP negotiation, and the events Janus pushes."""

    def __init__(self, session: Session, handle_id: int, plugin: str) -> None:
        self.session = session
        self.id = handle_id
        self.plugin = plugin
        self.events: asyncio.Queue[Message] = asyncio.Queue()

    async def request(self, body: dict[str, Any]) -> PluginReply:
        """A synchronous plugin request (answered directly with ``success``)."""
        msg = await self.session.client.send("message", session_id=self.session.id, handle_id=self.id,
                                             body=body)
        return protocol.parse_plugin_reply(msg)

    async def message(self, body: dict[str, Any], jsep: dict[str, Any] | None = None,
                      timeout: float | None = None) -> PluginReply:
        """An asynchronous plugin request: Janus acks, then answers with an ``event``."""
        fields: dict[str, Any] = {"body": body}
        if jsep is not None:
            fields["jsep"] = jsep
        msg = await self.session.client.send("message", session_id=self.session.id, handle_id=self.id,
                                             timeout=timeout, **fields)
        return protocol.parse_plugin_reply(msg)

    async def next_event(self, timeout: float | None = None) -> Message:
        try:
            return await asyncio.wait_for(self.events.get(), timeout)
        except TimeoutError as exc:
            raise JanusTimeout("no event from Janus in time") from exc

    async def wait_for(self, kind: str, timeout: float = 10.0) -> Message:
        """Wait for a core event of this kind (``webrtcup``, ``media``, ``hangup``...)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            msg = await self.next_event(max(0.0, deadline - loop.time()))
            if msg.get("janus") == kind:
                return msg

    async def detach(self) -> None:
        self.session.handles.pop(self.id, None)
        with contextlib.suppress(JanusError):
            await self.session.client.send("detach", session_id=self.session.id, handle_id=self.id)
