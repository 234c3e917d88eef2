"""ICE servers for the browsers: STUN/TURN from the settings, never a third party's by default.

janus.js falls back to Google's STUN server when given none; Summitry always hands the page its own
list (empty unless an operator configures one). A TURN server (coturn) with a shared secret gets
short-lived credentials per grant, in the "TURN REST API" form coturn checks with
``use-auth-secret``: the user name is ``<expiry>:<name>`` and the password the base64 HMAC-SHA1 of it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

SCHEMES = ("stun:", "stuns:", "turn:", "turns:")
POLICIES = ("all", "relay")


class IceConfigError(ValueError):
    """The operator's ICE settings are not a list of servers this module accepts."""


@dataclass(frozen=True)
class IceServer:
    urls: tuple[str, ...]
    username: str = ""
    credential: str = ""

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"urls": list(self.urls)}
        if self.username:
            out["username"], out["credential"] = self.username, self.credential
        return out


def _urls(value: Any, where: str) -> tuple[str, ...]:
    urls = [value] if isinstance(value, str) else value
    if not isinstance(urls, list) or not urls or not all(isinstance(u, str) for u in urls):
        raise IceConfigError(f"{where}: urls must be a URL or a list of URLs")
    for url in urls:
        if not url.lower().startswith(SCHEMES):
            raise IceConfigError(f"{where}: {url!r} is no stun:, stuns:, turn: or turns: URL")
    return tuple(urls)


def parse_servers(text: str) -> tuple[IceServer, ...]:
    """``SUMMITRY_ICE_SERVERS``: a JSON list of ``{"urls": ..., "username": ..., "credential": ...}``."""
    try:
        data = json.loads(text or "[]")
    except json.JSONDecodeError as exc:
        raise IceConfigError(f"SUMMITRY_ICE_SERVERS is not JSON: {exc}") from None
    if not isinstance(data, list):
        raise IceConfigError("SUMMITRY_ICE_SERVERS must be a JSON list")
    servers = []
    for i, entry in enumerate(data):
        where = f"SUMMITRY_ICE_SERVERS[{i}]"
        if not isinstance(entry, dict) or set(entry) - {"urls", "username", "credential"}:
            raise IceConfigError(f"{where}: an object with urls, and optionally username and credential")
        username, credential = entry.get("username", ""), entry.get("credential", "")
        if not isinstance(username, str) or not isinstance(credential, str) or bool(username) != bool(credential):
            raise IceConfigError(f"{where}: username and credential are strings, and go together")
        servers.append(IceServer(_urls(entry.get("urls"), where), username, credential))
    return tuple(servers)


def parse_turn_urls(text: str) -> tuple[str, ...]:
    """``SUMMITRY_TURN_URLS``: TURN URLs separated by commas (the server that knows the shared secret)."""
    urls = tuple(u.strip() for u in (text or "").split(",") if u.strip())
    if urls:
        _urls(list(urls), "SUMMITRY_TURN_URLS")
        if not all(u.lower().startswith(("turn:", "turns:")) for u in urls):
            raise IceConfigError("SUMMITRY_TURN_URLS: turn: or turns: URLs only")
    return urls


def parse_policy(text: str) -> str:
    policy = (text or "all").strip().lower()
    if policy not in POLICIES:
        raise IceConfigError(f"SUMMITRY_ICE_TRANSPORT_POLICY: all or relay, not {text!r}")
    return policy


def turn_credentials(secret: str, name: str, expires_at: int) -> tuple[str, str]:
    """Coturn's ``use-auth-secret`` credentials, valid until ``expires_at`` (Unix seconds)."""
    username = f"{int(expires_at)}:{name}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()


def servers_for(static: tuple[IceServer, ...], turn_urls: tuple[str, ...], turn_secret: str, name: str,
                expires_at: int) -> list[dict[str, Any]]:
    """What one grant's page passes to janus.js: the configured servers, and the TURN server with
    credentials of its own (``name`` says whose, in coturn's log)."""
    out = [s.as_json() for s in static]
    if turn_urls and turn_secret:
        username, credential = turn_credentials(turn_secret, name, expires_at)
        out.append(IceServer(turn_urls, username, credential).as_json())
    return out
