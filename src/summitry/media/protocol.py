"""Janus's JSON API: building requests and reading replies. No I/O here.

Everything that knows the shape of Janus's messages lives in this module (and in the plugin facades
that build plugin bodies); the client only moves dictionaries.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from .errors import JanusError, JanusPluginError, core_error

Message = dict[str, Any]


def new_transaction() -> str:
    return secrets.token_urlsafe(12)


def request(kind: str, *, transaction: str, token: str | None = None, api_secret: str | None = None,
            session_id: int | None = None, handle_id: int | None = None, **fields: Any) -> Message:
    """A core request (``create``, ``attach``, ``message``, ``keepalive``, ``detach``, ``destroy``...)."""
    msg: Message = {"janus": kind, "transaction": transaction}
    if token is not None:
        msg["token"] = token
    if api_secret is not None:
        msg["apisecret"] = api_secret
    if session_id is not None:
        msg["session_id"] = session_id
    if handle_id is not None:
        msg["handle_id"] = handle_id
    msg.update(fields)
    return msg


def admin_request(kind: str, *, transaction: str, admin_secret: str, **fields: Any) -> Message:
    """An Admin API request (``add_token``, ``remove_token``, ``list_tokens``, ``list_sessions``...)."""
    msg: Message = {"janus": kind, "transaction": transaction, "admin_secret": admin_secret}
    msg.update(fields)
    return msg


@dataclass(frozen=True)
class PluginReply:
    """What a plugin answered: its data (errors already raised) and an optional JSEP."""

    plugin: str
    data: dict[str, Any]
    jsep: dict[str, Any] | None = None
    sender: int | None = None


def raise_for_error(msg: Message) -> None:
    """Raise the typed error carried by a core ``error`` reply, if any."""
    if msg.get("janus") == "error":
        err = msg.get("error") or {}
        raise core_error(int(err.get("code", 0)), str(err.get("reason", "unknown error")))


def parse_success(msg: Message) -> Message:
    """Check a synchronous core reply (``success``) and return its ``data`` (may be empty)."""
    raise_for_error(msg)
    if msg.get("janus") not in ("success", "ack", "server_info"):
        raise JanusError(0, f"unexpected reply {msg.get('janus')!r}")
    data = msg.get("data")
    return data if isinstance(data, dict) else {}


def parse_plugin_reply(msg: Message) -> PluginReply:
    """Read a plugin answer from a ``success`` or ``event`` message; raise on plugin errors."""
    raise_for_error(msg)
    pd = msg.get("plugindata")
    if not isinstance(pd, dict):
        raise JanusError(0, f"reply without plugindata: {msg.get('janus')!r}")
    data = pd.get("data") or {}
    if "error_code" in data:
        raise JanusPluginError(int(data["error_code"]), str(data.get("error", "plugin error")))
    return PluginReply(plugin=str(pd.get("plugin", "")), data=data, jsep=msg.get("jsep"),
                       sender=msg.get("sender"))


def is_final(msg: Message) -> bool:
    """Whether a message ends its transaction (``ack`` does not for asynchronous plugin requests)."""
    return msg.get("janus") != "ack"
