"""Janus's event handler messages (the HTTP "sample" handler): what the audit trail needs of them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

TYPE_WEBRTC = 16
TYPE_MEDIA = 32


@dataclass(frozen=True)
class MediaEvent:
    """A participant's PeerConnection came up or went down, or media started or stopped arriving."""

    kind: str  # "webrtcup", "hangup", "receiving", "not_receiving"
    session_id: int
    handle_id: int
    media: str = ""


def media_events(payload: Any) -> Iterator[MediaEvent]:
    """The media-relevant events in one POST (a single event, or a list when grouping is on)."""
    for ev in payload if isinstance(payload, list) else [payload]:
        if not isinstance(ev, dict):
            continue
        body = ev.get("event") or {}
        session, handle = int(ev.get("session_id") or 0), int(ev.get("handle_id") or 0)
        if ev.get("type") == TYPE_WEBRTC and body.get("connection") in ("webrtcup", "hangup"):
            yield MediaEvent(str(body["connection"]), session, handle)
        elif ev.get("type") == TYPE_MEDIA and "receiving" in body:
            yield MediaEvent("receiving" if body["receiving"] else "not_receiving", session, handle,
                             str(body.get("media", "")))
