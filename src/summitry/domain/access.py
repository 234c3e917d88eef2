"""Who may enter an engagement's meeting and what media rights their role gives them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    HOST = "host"
    PRINCIPAL = "principal"
    DELEGATION_MEMBER = "delegation_member"
    INTERPRETER = "interpreter"
    NOTE_TAKER = "note_taker"
    PRESS = "press"
    TECHNICIAN = "technician"


class EngagementState(StrEnum):
    SCHEDULED = "scheduled"
    LIVE = "live"
    ENDED = "ended"
    CANCELLED = "cancelled"


VIDEOROOM = "janus.plugin.videoroom"
AUDIOBRIDGE = "janus.plugin.audiobridge"
STREAMING = "janus.plugin.streaming"

# Media rights of each role in the meeting itself.
PUBLISHING_ROLES = frozenset({Role.HOST, Role.PRINCIPAL, Role.DELEGATION_MEMBER, Role.INTERPRETER,
                              Role.TECHNICIAN})


@dataclass(frozen=True)
class MediaRights:
    plugins: tuple[str, ...]
    publish: bool
    subscribe: bool


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""


def rights_for(role: Role) -> MediaRights:
    """The Janus plugins a participant's token may use, and whether they may publish. Everyone may
    listen to the interpretation channels (Streaming mountpoints); only interpreters speak into one
    (AudioBridge, where they join muted and only Summitry unmutes the one on air)."""
    plugins = (VIDEOROOM, AUDIOBRIDGE, STREAMING) if role == Role.INTERPRETER else (VIDEOROOM, STREAMING)
    return MediaRights(plugins=plugins, publish=role in PUBLISHING_ROLES, subscribe=True)


def may_join(*, is_participant: bool, state: EngagementState) -> Decision:
    """Only an engagement's participants may join it, and only until it has ended."""
    if not is_participant:
        return Decision(False, "not_invited")
    if state == EngagementState.ENDED:
        return Decision(False, "ended")
    if state == EngagementState.CANCELLED:
        return Decision(False, "cancelled")
    return Decision(True)


def may_enter_segment(kind: SegmentKind | None, role: Role) -> Decision:
    if not allowed_in(kind, role):
        return Decision(False, "segment_closed")
    return Decision(True)


def needs_admission(role: Role) -> bool:
    """Everyone but the host waits in the lobby until admitted, even when the host is not there yet."""
    return role != Role.HOST


def may_admit(role: Role, *, host_side: bool) -> bool:
    """The host, or the host delegation's principal acting as the host's delegate."""
    return role == Role.HOST or (host_side and role == Role.PRINCIPAL)


class SegmentKind(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    RESTRICTED = "restricted"


RESTRICTED_ROLES = frozenset({Role.HOST, Role.PRINCIPAL, Role.INTERPRETER, Role.NOTE_TAKER})


def allowed_in(kind: SegmentKind | None, role: Role) -> bool:
    """Open: everyone invited. Closed: delegations only (no press). Restricted: principals, interpreters
    and note-takers. With no segment running, the engagement is closed to the press."""
    if kind == SegmentKind.OPEN:
        return True
    if kind == SegmentKind.RESTRICTED:
        return role in RESTRICTED_ROLES
    return role != Role.PRESS


def encrypted(kind: SegmentKind | None) -> bool:
    """Closed and restricted segments are end-to-end encrypted; open ones, and the time before any
    segment is put in force, are not."""
    return kind in (SegmentKind.CLOSED, SegmentKind.RESTRICTED)


MAX_REQUEUES = 3        # times a declined participant may ask again, per engagement
REQUEUE_WAIT_S = 60.0   # seconds after the last denial before they may ask again


def may_requeue(denials: int, since_last_s: float) -> Decision:
    """Whether a participant the host has declined ``denials`` times, the last time ``since_last_s``
    seconds ago, may ask to be admitted again. Never declined: yes. After that, at most
    ``MAX_REQUEUES`` more requests per engagement, each no sooner than ``REQUEUE_WAIT_S`` after the
    last denial. A time that is not a number, or negative (clocks), counts as too soon."""
    if denials <= 0:
        return Decision(True)
    if denials > MAX_REQUEUES:
        return Decision(False, "denied_too_often")
    if not since_last_s >= REQUEUE_WAIT_S:
        return Decision(False, "denied_wait")
    return Decision(True)
