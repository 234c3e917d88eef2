"""What a browser may send Janus through Summitry's relay: an allow-list, not a filter (decision 0005).

Every client frame is parsed into one typed model per Janus verb and plugin request that the grant
may send; names are read as Janus reads them (verbs, requests, ``ptype`` and the SDP type are compared
case-insensitively by Janus, so they are folded to lower case here), unknown keys are refused, and the
frame Janus receives is *rebuilt* from the model: Janus never sees the client's JSON. Identity fields
(session and handle ids, room ids, publisher and participant ids, display names, tokens, pins,
private ids) are not taken from the client but written from the grant and from what the relay itself
saw Janus answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

VIDEOROOM = "janus.plugin.videoroom"
AUDIOBRIDGE = "janus.plugin.audiobridge"
STREAMING = "janus.plugin.streaming"

MAX_FRAME = 128 * 1024  # an SDP offer with simulcast is ~10 KB
MAX_HANDLES = 256  # a gallery of the largest roster, plus channels
MAX_STREAMS = 16  # feeds in one subscription

Id = Annotated[int, Field(ge=1, le=2**53 - 1)]
Transaction = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")]
Short = Annotated[str, Field(max_length=512)]


class Refused(Exception):
    """The frame must not reach Janus; ``reason`` is told to the client and recorded in the audit."""

    def __init__(self, reason: str, verb: str = "") -> None:
        reason, verb = _printable(reason, 120), _printable(verb, 48)
        super().__init__(reason)
        self.reason = reason
        self.verb = verb


def _printable(text: str, limit: int) -> str:
    """What a refusal may repeat of the client's frame: short, ASCII, no control characters (it is
    shown to the client and written to the audit)."""
    return "".join(c if 32 <= ord(c) < 127 else "?" for c in text[:limit])


@dataclass(frozen=True)
class RelayGrant:
    """What one participant's visit may do at Janus, written by Summitry from their grant."""

    token: str
    room: int  # the engagement's VideoRoom
    publisher_id: int  # their VideoRoom publisher id, and their AudioBridge participant id
    may_publish: bool
    feeds: frozenset[int]  # the publisher ids on the engagement's roster: what they may subscribe to
    streams: dict[int, str] = field(default_factory=dict)  # their channels' mountpoints -> pin
    speak_rooms: frozenset[int] = frozenset()  # AudioBridge rooms they speak into (their booth's channel)
    e2ee: bool = False  # the client said it encrypts media end to end: its offers must say so too

    @property
    def display(self) -> str:
        """Janus's display name for them: the pages name feeds from the roster, by publisher id."""
        return str(self.publisher_id)

    @property
    def plugins(self) -> frozenset[str]:
        return frozenset({VIDEOROOM, STREAMING, *([AUDIOBRIDGE] if self.speak_rooms else [])})


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


@dataclass
class RelayState:
    """What the relay saw Janus answer on this connection: the one session and its handles."""

    session_id: int | None = None
    handles: dict[int, str] = field(default_factory=dict)  # handle id -> plugin
    private_id: int | None = None  # the VideoRoom private id of this visit's own publisher
    creating: set[str] = field(default_factory=set)  # transactions
    attaching: dict[str, str] = field(default_factory=dict)  # transaction -> plugin

    channel_room: int | None = None  # the AudioBridge room this visit was seen to join, as itself
    channel_handle: int | None = None  # ... on this handle

    def note_reply(self, msg: Any, grant: RelayGrant) -> list[tuple[str, int | None]]:
        """Remember what a Janus reply tells; return the facts Summitry keeps of the visit:
        ``("session", id)`` when its session was created, ``("channel", room)`` when it joined a channel
        (None: left it), ``("gone", id)`` when Janus dropped the session (no keepalives)."""
        facts: list[tuple[str, int | None]] = []
        if not isinstance(msg, dict):
            return facts
        transaction, kind = msg.get("transaction"), msg.get("janus")
        data = _dict(msg.get("data"))
        if isinstance(transaction, str) and transaction in self.attaching:
            plugin = self.attaching.pop(transaction)
            if kind == "success" and isinstance(data.get("id"), int):
                self.handles[data["id"]] = plugin
        event = _dict(_dict(msg.get("plugindata")).get("data"))
        sender = msg.get("sender")
        plugin_of_sender = self.handles.get(sender) if isinstance(sender, int) else None
        if (event.get("videoroom") == "joined" and isinstance(event.get("private_id"), int)
                and event.get("id") == grant.publisher_id and plugin_of_sender == VIDEOROOM):
            self.private_id = event["private_id"]  # this visit's own publisher, on one of its handles
        if kind == "timeout" and "sender" not in msg:  # Janus dropped the whole session
            if self.channel_room is not None:
                self.channel_room = self.channel_handle = None
                facts.append(("channel", None))
            facts.append(("gone", msg.get("session_id")))
            return facts
        if (event.get("audiobridge") == "joined" and event.get("id") == grant.publisher_id
                and event.get("room") in grant.speak_rooms and plugin_of_sender == AUDIOBRIDGE):
            self.channel_room, self.channel_handle = event["room"], sender
            facts.append(("channel", self.channel_room))
        elif self.channel_room is not None and sender == self.channel_handle and (
                kind in ("hangup", "detached", "timeout") or event.get("audiobridge") in ("left", "destroyed")):
            self.channel_room = self.channel_handle = None  # Janus says the channel's participant is gone
            facts.append(("channel", None))
        if isinstance(transaction, str) and transaction in self.creating:
            self.creating.discard(transaction)
            if kind == "success" and isinstance(data.get("id"), int) and self.session_id is None:
                self.session_id = data["id"]
                facts.append(("session", self.session_id))
        return facts

    def leaves_channel(self, handle_id: int | None, body: dict[str, Any] | None) -> bool:
        """Whether this request takes the visit out of the channel it spoke into (None: the session)."""
        if self.channel_room is None:
            return False
        if handle_id is None:
            return True
        if handle_id != self.channel_handle:
            return False
        return body is None or body.get("request") == "leave"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


# --- The envelope: Janus's own verbs --------------------------------------------------------------

class _Envelope(_Model):
    transaction: Transaction
    token: str | None = None  # ignored: the grant's token is written
    session_id: int | None = None  # ignored: the relay's own session is written


class Create(_Envelope):
    janus: Literal["create"]


class Keepalive(_Envelope):
    janus: Literal["keepalive"]


class Destroy(_Envelope):
    janus: Literal["destroy"]


class Attach(_Envelope):
    janus: Literal["attach"]
    plugin: str
    opaque_id: str | None = None  # dropped: Janus's events are tied to visits by session id
    loop_index: int | None = None  # dropped


class _OnHandle(_Envelope):
    handle_id: int


class Detach(_OnHandle):
    janus: Literal["detach"]


class Hangup(_OnHandle):
    janus: Literal["hangup"]


class Candidate(_Model):
    candidate: Annotated[str, Field(max_length=1024)]
    sdpMid: Short | None = None  # WebRTC's names
    sdpMLineIndex: Annotated[int, Field(ge=0, le=64)] | None = None


class Completed(_Model):
    completed: Literal[True]


class Trickle(_OnHandle):
    janus: Literal["trickle"]
    candidate: Candidate | Completed | None = None
    candidates: Annotated[list[Candidate], Field(max_length=64)] | None = None


class Jsep(_Model):
    type: Literal["offer", "answer"]
    sdp: Annotated[str, Field(min_length=1, max_length=MAX_FRAME)]
    e2ee: bool | None = None
    rid_order: Literal["hml", "lmh"] | None = None
    trickle: bool | None = None


class Message(_OnHandle):
    janus: Literal["message"]
    body: dict[str, Any]
    jsep: Jsep | None = None


# --- Plugin requests --------------------------------------------------------------------------------

class VRJoinPublisher(_Model):
    request: Literal["join"]
    ptype: Literal["publisher"]
    room: int | None = None  # written from the grant
    id: int | None = None  # written from the grant
    display: str | None = None  # written from the grant
    token: str | None = None  # written from the grant


class VRStream(_Model):
    feed: int
    mid: Short | None = None


class VRJoinSubscriber(_Model):
    request: Literal["join"]
    ptype: Literal["subscriber"]
    streams: Annotated[list[VRStream], Field(min_length=1, max_length=MAX_STREAMS)]
    room: int | None = None  # written from the grant
    private_id: int | None = None  # written from what Janus told this visit
    token: str | None = None  # written from the grant
    use_msid: bool | None = None


class VRPublish(_Model):
    request: Literal["publish", "configure"]
    audio: bool | None = None
    video: bool | None = None
    data: bool | None = None
    keyframe: bool | None = None
    bitrate: Annotated[int, Field(ge=0, le=10_000_000)] | None = None


class Bare(_Model):
    request: Literal["start", "pause", "leave", "unpublish", "stop"]
    room: int | None = None  # ignored by Janus for these; dropped


class ABJoin(_Model):
    request: Literal["join"]
    room: int
    muted: Literal[True] = True  # everyone joins muted: Summitry alone unmutes the interpreter on air
    id: int | None = None  # written from the grant
    display: str | None = None  # written from the grant
    token: str | None = None  # written from the grant


class ABConfigure(_Model):
    request: Literal["configure"]
    muted: Literal[True] = True  # muting oneself is fine; unmuting is Summitry's


class SWatch(_Model):
    request: Literal["watch"]
    id: int
    pin: str | None = None  # written from the grant


class SSwitch(_Model):
    request: Literal["switch"]
    id: int


_FOLDED = ("janus", "request", "ptype", "type", "plugin")  # values Janus compares case-insensitively


def _fold(obj: Any) -> Any:
    """Lower-case the values Janus reads without regard to case (``"MESSAGE"``, ``"JOIN"``...)."""
    if isinstance(obj, dict):
        return {k: (v.lower() if k in _FOLDED and isinstance(v, str) else _fold(v)) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_fold(v) for v in obj]
    return obj


def _validate(model: type[_Model], data: Any, verb: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        where = ".".join(str(p) for p in exc.errors()[0]["loc"])[:64] or verb
        raise Refused(f"not allowed: {where}", verb) from None


_ENVELOPES: dict[str, type[_Envelope]] = {
    "create": Create, "keepalive": Keepalive, "destroy": Destroy, "attach": Attach, "detach": Detach,
    "hangup": Hangup, "trickle": Trickle, "message": Message}


def admit(frame: str, grant: RelayGrant, state: RelayState) -> dict[str, Any]:
    """The request to send Janus on the client's behalf, rebuilt from the grant, or :class:`Refused`."""
    if len(frame) > MAX_FRAME:
        raise Refused("frame too large")
    try:
        raw = json.loads(frame)
        if not isinstance(raw, dict) or not isinstance(raw.get("janus"), str):
            raise Refused("malformed request")
        data = _fold(raw)
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than anything Janus needs
        raise Refused("malformed request") from None
    verb = data["janus"]
    model = _ENVELOPES.get(verb)
    if model is None:
        raise Refused(f"{verb[:32]!r} is not a request clients may send", verb[:32])
    msg = _validate(model, data, verb)
    if msg.transaction in state.creating or msg.transaction in state.attaching:
        raise Refused("that transaction is still in flight", verb)  # replies are matched by it
    out: dict[str, Any] = {"janus": verb, "transaction": msg.transaction, "token": grant.token}
    if isinstance(msg, Create):
        if state.session_id is not None or state.creating:
            raise Refused("one session per visit", verb)
        state.creating.add(msg.transaction)
        return out
    if state.session_id is None:
        raise Refused("create a session first", verb)
    out["session_id"] = state.session_id
    if isinstance(msg, Destroy) and state.leaves_channel(None, None):
        state.channel_room = state.channel_handle = None
    if isinstance(msg, Keepalive | Destroy):
        return out
    if isinstance(msg, Attach):
        if msg.plugin not in grant.plugins:
            raise Refused("that plugin is not yours to use", verb)
        if len(state.handles) + len(state.attaching) >= MAX_HANDLES:
            raise Refused("too many handles", verb)
        state.attaching[msg.transaction] = msg.plugin
        out["plugin"] = msg.plugin
        return out
    plugin = state.handles.get(msg.handle_id)
    if plugin is None:
        raise Refused("unknown handle", verb)
    out["handle_id"] = msg.handle_id
    if isinstance(msg, Detach | Hangup):
        if state.leaves_channel(msg.handle_id, None):
            state.channel_room = state.channel_handle = None
        return out
    if isinstance(msg, Trickle):
        out.update(msg.model_dump(include={"candidate", "candidates"}, exclude_none=True))
        return out
    body, jsep = _plugin_request(plugin, msg.body, msg.jsep, grant, state)
    if state.leaves_channel(msg.handle_id, body):
        state.channel_room = state.channel_handle = None
    out["body"] = body
    if jsep is not None:
        out["jsep"] = jsep
    return out


def _jsep_out(jsep: Jsep | None, verb: str, *, offer: bool = False, answer: bool = False,
              e2ee: bool = False) -> dict[str, Any] | None:
    """The SDP, if this request may carry one of its type. ``e2ee``: the visit said it encrypts end to
    end, so its offers must say so to Janus too (interpretation channels are mixed, never encrypted)."""
    if jsep is None:
        return None
    if jsep.type == "offer" and not offer:
        raise Refused("you may not send media here", verb)
    if jsep.type == "answer" and not answer:
        raise Refused("no answer expected here", verb)
    if jsep.type == "offer" and e2ee and jsep.e2ee is not True:
        raise Refused("this visit said it encrypts end to end: its media must say so too", verb)
    return jsep.model_dump(exclude_none=True)


def _plugin_request(plugin: str, body: dict[str, Any], jsep: Jsep | None, grant: RelayGrant,
                    state: RelayState) -> tuple[dict[str, Any], dict[str, Any] | None]:
    request = body.get("request")
    verb = f"{plugin.rsplit('.', 1)[-1]}.{request if isinstance(request, str) else '?'}"[:48]
    if plugin == VIDEOROOM:
        return _videoroom(body, jsep, grant, state, verb)
    if plugin == AUDIOBRIDGE:
        return _audiobridge(body, jsep, grant, verb)
    return _streaming(body, jsep, grant, verb)


def _videoroom(body: dict[str, Any], jsep: Jsep | None, grant: RelayGrant, state: RelayState,
               verb: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
    request, ptype = body.get("request"), body.get("ptype")
    if request == "join" and ptype == "publisher":
        _validate(VRJoinPublisher, body, verb)
        if not grant.may_publish:
            raise Refused("your role may not publish", verb)
        return ({"request": "join", "ptype": "publisher", "room": grant.room, "id": grant.publisher_id,
                 "display": grant.display, "token": grant.token},
                _jsep_out(jsep, verb))
    if request == "join" and ptype == "subscriber":
        sub = _validate(VRJoinSubscriber, body, verb)
        if any(s.feed not in grant.feeds for s in sub.streams):
            raise Refused("that feed is not on this engagement's roster", verb)
        out: dict[str, Any] = {"request": "join", "ptype": "subscriber", "room": grant.room,
                               "streams": [s.model_dump(exclude_none=True) for s in sub.streams]}
        if grant.may_publish:  # only publishers' tokens are on the room's list
            out["token"] = grant.token
        if state.private_id is not None:
            out["private_id"] = state.private_id
        if sub.use_msid is not None:
            out["use_msid"] = sub.use_msid
        return out, _jsep_out(jsep, verb)
    if request in ("publish", "configure"):
        pub = _validate(VRPublish, body, verb)
        if not grant.may_publish:
            raise Refused("your role may not publish", verb)
        return (pub.model_dump(exclude_none=True),
                _jsep_out(jsep, verb, offer=True, e2ee=grant.e2ee))
    if request in ("start", "pause", "leave", "unpublish"):
        bare = _validate(Bare, body, verb)
        if bare.request == "unpublish" and not grant.may_publish:
            raise Refused("your role may not publish", verb)
        return {"request": bare.request}, _jsep_out(jsep, verb, answer=bare.request == "start")
    raise Refused("not a request clients may send to the meeting", verb)


def _audiobridge(body: dict[str, Any], jsep: Jsep | None, grant: RelayGrant,
                 verb: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
    request = body.get("request")
    if not grant.speak_rooms:
        raise Refused("only interpreters speak into channels", verb)
    if request == "join":
        join = _validate(ABJoin, body, verb)
        if join.room not in grant.speak_rooms:
            raise Refused("not your booth's channel", verb)
        return ({"request": "join", "room": join.room, "id": grant.publisher_id, "display": grant.display,
                 "token": grant.token, "muted": True},
                _jsep_out(jsep, verb))
    if request == "configure":
        _validate(ABConfigure, body, verb)
        return {"request": "configure", "muted": True}, _jsep_out(jsep, verb, offer=True)
    if request == "leave":
        _validate(Bare, body, verb)
        return {"request": "leave"}, None
    raise Refused("not a request clients may send to an interpretation channel", verb)


def _streaming(body: dict[str, Any], jsep: Jsep | None, grant: RelayGrant,
               verb: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
    request = body.get("request")
    if request == "watch":
        watch = _validate(SWatch, body, verb)
        if watch.id not in grant.streams:
            raise Refused("not a channel of this engagement", verb)
        return {"request": "watch", "id": watch.id, "pin": grant.streams[watch.id]}, _jsep_out(jsep, verb)
    if request == "switch":
        switch = _validate(SSwitch, body, verb)
        if switch.id not in grant.streams:
            raise Refused("not a channel of this engagement", verb)
        return {"request": "switch", "id": switch.id}, None
    if request in ("start", "pause", "stop"):
        bare = _validate(Bare, body, verb)
        return {"request": bare.request}, _jsep_out(jsep, verb, answer=bare.request == "start")
    raise Refused("listeners only watch, switch and stop", verb)
