"""Client for Janus's Admin API (HTTP, loopback only): stored tokens and server inspection."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import aiohttp

from . import protocol
from .errors import JanusUnavailable
from .protocol import Message


class JanusAdmin:
    """Talks to ``http://127.0.0.1:<admin_port>/admin`` with the generated admin secret."""

    def __init__(self, url: str, admin_secret: str, timeout: float = 5.0) -> None:
        self.url = url.rstrip("/")
        self.admin_secret = admin_secret
        self.timeout = aiohttp.ClientTimeout(total=timeout)

    async def call(self, kind: str, path: str = "", **fields: Any) -> Message:
        msg = protocol.admin_request(kind, transaction=protocol.new_transaction(),
                                     admin_secret=self.admin_secret, **fields)
        try:
            async with aiohttp.ClientSession(timeout=self.timeout) as http, \
                    http.post(self.url + path, json=msg) as resp:
                reply: Message = await resp.json(content_type=None)
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise JanusUnavailable(f"cannot reach the Janus Admin API at {self.url}: {exc}") from exc
        protocol.raise_for_error(reply)
        return reply

    async def info(self) -> Message:
        return await self.call("info")

    async def add_token(self, token: str, plugins: Iterable[str]) -> None:
        """Store a core token limited to the given plugins (e.g. ``janus.plugin.videoroom``).

        Janus reads an empty plugin list as "every plugin", so an empty list is refused here.
        """
        names = list(plugins)
        if not names:
            raise ValueError("a Janus token must be limited to at least one plugin")
        await self.call("add_token", token=token, plugins=names)

    async def remove_token(self, token: str) -> None:
        await self.call("remove_token", token=token)

    async def list_tokens(self) -> list[dict[str, Any]]:
        reply = await self.call("list_tokens")
        return list(reply.get("data", {}).get("tokens", []))

    async def list_sessions(self) -> list[int]:
        reply = await self.call("list_sessions")
        return [int(s) for s in reply.get("sessions", [])]
