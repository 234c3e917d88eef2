"""Typed errors raised by the Janus boundary.

Janus reports failures in two places: the core (``{"janus": "error", "error": {"code", "reason"}}``)
and plugins (``plugindata.data.error_code``). Both become a :class:`JanusError` subclass so callers
never inspect Janus's JSON.
"""

from __future__ import annotations


class JanusError(Exception):
    """A request that Janus (core or plugin) refused, or that never got an answer."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"Janus error {code}: {reason}")
        self.code = code
        self.reason = reason


class JanusUnauthorized(JanusError):
    """Core 403: missing or wrong token/secret."""


class JanusPluginNotAllowed(JanusError):
    """Core 405: the token is not granted access to that plugin."""


class JanusSessionGone(JanusError):
    """Core 458/459: the session or handle no longer exists."""


class JanusPluginError(JanusError):
    """A plugin answered with ``error_code`` (e.g. VideoRoom 426 no such room, 433 unauthorized)."""


class JanusTimeout(JanusError):
    """No answer to a transaction within the allowed time."""

    def __init__(self, reason: str) -> None:
        super().__init__(0, reason)


class JanusUnavailable(JanusError):
    """Janus cannot be reached (connection refused, closed, or not started)."""

    def __init__(self, reason: str) -> None:
        super().__init__(0, reason)


# Core error codes, from janus/apierror.h
CORE_UNAUTHORIZED = 403
CORE_UNAUTHORIZED_PLUGIN = 405
CORE_SESSION_NOT_FOUND = 458
CORE_HANDLE_NOT_FOUND = 459

# VideoRoom error codes, from plugins/janus_videoroom.c
VIDEOROOM_NO_SUCH_ROOM = 426
VIDEOROOM_ROOM_EXISTS = 427
VIDEOROOM_NO_SUCH_FEED = 428
VIDEOROOM_UNAUTHORIZED = 433
VIDEOROOM_ID_EXISTS = 436


def core_error(code: int, reason: str) -> JanusError:
    """Map a core error code to its typed exception."""
    if code == CORE_UNAUTHORIZED:
        return JanusUnauthorized(code, reason)
    if code == CORE_UNAUTHORIZED_PLUGIN:
        return JanusPluginNotAllowed(code, reason)
    if code in (CORE_SESSION_NOT_FOUND, CORE_HANDLE_NOT_FOUND):
        return JanusSessionGone(code, reason)
    return JanusError(code, reason)

# AudioBridge error codes, from plugins/janus_audiobridge.c (Janus 1.1; checked against a real Janus by
# tests/integration/test_gateway_contract.py: muting someone absent is 492, not 487)
AUDIOBRIDGE_NO_SUCH_ROOM = 485
AUDIOBRIDGE_ROOM_EXISTS = 486
AUDIOBRIDGE_NOT_JOINED = 487
AUDIOBRIDGE_UNAUTHORIZED = 489
AUDIOBRIDGE_ID_EXISTS = 490
AUDIOBRIDGE_NO_SUCH_USER = 492
