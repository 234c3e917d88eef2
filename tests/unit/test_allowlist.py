"""The relay's allow-list: every frame a client may send is parsed, checked against the grant and
rebuilt; identities come from the grant, never from the client (decision 0005)."""

import json
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from summitry.media.allowlist import (
    AUDIOBRIDGE,
    STREAMING,
    VIDEOROOM,
    Refused,
    RelayGrant,
    RelayState,
    admit,
)
from summitry.media.relay import error_reply

TOKEN, ROOM, ME, PARTNER, OTHER_ROOM = "grant-token", 5000001, 7000001, 7000002, 9000009
FR, ES, FOREIGN_STREAM = 6000001, 6000002, 6000099
SESSION, VR, AB, SM = 111, 201, 202, 203

PUBLISHER = RelayGrant(token=TOKEN, room=ROOM, publisher_id=ME, may_publish=True, feeds=frozenset({ME, PARTNER}),
                       streams={FR: "pin-fr", ES: "pin-es"})
PRESS = replace(PUBLISHER, may_publish=False)
INTERPRETER = replace(PUBLISHER, speak_rooms=frozenset({FR}))
ENCRYPTING = replace(PUBLISHER, e2ee=True)
GRANTS = {"publisher": PUBLISHER, "press": PRESS, "interpreter": INTERPRETER, "encrypting": ENCRYPTING}


def state(**kw):
    s = RelayState(session_id=SESSION, handles={VR: VIDEOROOM, AB: AUDIOBRIDGE, SM: STREAMING})
    for k, v in kw.items():
        setattr(s, k, v)
    return s


def frame(janus="message", handle=VR, body=None, **extra):
    msg = {"janus": janus, "transaction": "tx1", "session_id": SESSION, "handle_id": handle, "token": TOKEN, **extra}
    if body is not None:
        msg["body"] = body
    return json.dumps(msg)


def sent(grant, text, st_=None):
    return admit(text, grant, st_ or state())


def refused(grant, text, st_=None):
    with pytest.raises(Refused) as exc:
        admit(text, grant, st_ or state())
    return exc.value.reason


# --- The holes the outside attack found ---------------------------------------------------------

@pytest.mark.parametrize("verb", ["MESSAGE", "Message", "mEsSaGe"])
@pytest.mark.parametrize("request_", ["CONFIGURE", "Configure", "configure"])
def test_an_off_air_interpreter_cannot_unmute_in_any_case(verb, request_):
    assert refused(INTERPRETER, frame(verb, AB, {"request": request_, "muted": False}))
    out = sent(INTERPRETER, frame(verb, AB, {"request": request_, "muted": True}))
    assert out["janus"] == "message" and out["body"] == {"request": "configure", "muted": True}


@pytest.mark.parametrize("request_", ["JOIN", "Join", "join"])
def test_nobody_joins_a_channel_unmuted_and_the_press_joins_no_channel(request_):
    assert refused(INTERPRETER, frame("MESSAGE", AB, {"request": request_, "room": FR, "muted": False}))
    assert refused(PRESS, frame("MESSAGE", AB, {"request": request_, "room": FR, "muted": True}))
    assert refused(INTERPRETER, frame("MESSAGE", AB, {"request": request_, "room": ES, "muted": True}))
    out = sent(INTERPRETER, frame("MESSAGE", AB, {"request": request_, "room": FR}))
    assert out["body"] == {"request": "join", "room": FR, "id": ME, "display": str(ME), "token": TOKEN,
                           "muted": True}


@pytest.mark.parametrize("request_", ["WATCH", "Watch", "SWITCH", "Switch"])
def test_listeners_watch_only_their_engagements_channels_in_any_case(request_):
    assert refused(PRESS, frame("message", SM, {"request": request_, "id": FOREIGN_STREAM})) == (
        "not a channel of this engagement")
    extra = {"pin": "guessed"} if request_.lower() == "watch" else {}
    out = sent(PRESS, frame("message", SM, {"request": request_, "id": FR, **extra}))
    assert out["body"]["id"] == FR
    if out["body"]["request"] == "watch":
        assert out["body"]["pin"] == "pin-fr"  # Summitry's pin, not the client's


def test_a_subscriber_subscribes_only_in_its_own_room_to_feeds_on_its_roster():
    out = sent(PRESS, frame(body={"request": "JOIN", "ptype": "Subscriber", "room": OTHER_ROOM,
                                  "streams": [{"feed": PARTNER}]}))
    assert out["body"]["room"] == ROOM and "token" not in out["body"]
    assert refused(PRESS, frame(body={"request": "join", "ptype": "subscriber", "room": ROOM,
                                      "streams": [{"feed": 12345678}]}))
    assert refused(PRESS, frame(body={"request": "join", "ptype": "subscriber", "feed": PARTNER}))


def test_a_publisher_publishes_under_its_own_id_and_name_only():
    out = sent(PUBLISHER, frame(body={"request": "join", "ptype": "publisher", "room": OTHER_ROOM,
                                      "id": PARTNER, "display": "Secretary of State", "token": "stolen"}))
    assert out["body"] == {"request": "join", "ptype": "publisher", "room": ROOM, "id": ME, "display": str(ME),
                           "token": TOKEN}
    assert refused(PUBLISHER, frame(body={"request": "configure", "display": "Secretary of State"}))


def test_the_press_cannot_publish_in_any_case_or_shape():
    for body, jsep in (({"request": "join", "ptype": "PUBLISHER"}, None),
                       ({"request": "PUBLISH"}, {"type": "OFFER", "sdp": "v=0"}),
                       ({"request": "configure", "audio": True}, None),
                       ({"request": "joinandconfigure", "ptype": "publisher"}, {"type": "offer", "sdp": "v=0"}),
                       ({"request": "start"}, {"type": "Offer", "sdp": "v=0"})):
        assert refused(PRESS, frame(body=body, **({"jsep": jsep} if jsep else {}))), body


@pytest.mark.parametrize("request_", [
    "kick", "KICK", "rtp_forward", "Rtp_Forward", "create", "CREATE", "destroy", "allowed", "ALLOWED",
    "edit", "moderate", "enable_recording", "listforwarders", "stop_rtp_forward", "exists", "list",
    "listparticipants", "LISTPARTICIPANTS", "info", "recording", "enable", "disable", "mute", "unmute",
    "mute_room", "play_file", "kick_all", "suspend", "resume", "changeroom", "joinandconfigure", "switch",
    "update", "subscribe", "unsubscribe"])
@pytest.mark.parametrize("handle", [VR, AB, SM])
def test_administrative_and_unused_requests_never_reach_janus(request_, handle):
    body = {"request": request_, "room": ROOM, "id": FR, "secret": "x", "admin_key": "y", "muted": True}
    assert refused(INTERPRETER, frame(handle=handle, body=body))
    assert refused(INTERPRETER, frame(handle=handle, body={"request": request_}))


def test_an_encrypting_visit_must_say_so_in_every_offer():
    publish = {"request": "publish", "audio": True, "video": True}
    assert refused(ENCRYPTING, frame(body=publish, jsep={"type": "offer", "sdp": "v=0"}))
    out = sent(ENCRYPTING, frame(body=publish, jsep={"type": "offer", "sdp": "v=0", "e2ee": True}))
    assert out["jsep"] == {"type": "offer", "sdp": "v=0", "e2ee": True}


# --- The envelope ----------------------------------------------------------------------------------

def test_session_and_handles_are_the_relays_own():
    fresh = RelayState()
    assert refused(PUBLISHER, json.dumps({"janus": "attach", "plugin": VIDEOROOM, "transaction": "a"}), fresh)
    out = sent(PUBLISHER, json.dumps({"janus": "CREATE", "transaction": "c", "token": "other"}), fresh)
    assert out == {"janus": "create", "transaction": "c", "token": TOKEN}
    assert refused(PUBLISHER, json.dumps({"janus": "create", "transaction": "d"}), fresh) == "one session per visit"
    assert fresh.note_reply({"janus": "success", "transaction": "c", "data": {"id": 42}}, PUBLISHER) == [
        ("session", 42)]
    out = sent(PUBLISHER, json.dumps({"janus": "attach", "plugin": VIDEOROOM, "transaction": "a",
                                      "session_id": 999, "opaque_id": "x"}), fresh)
    assert out == {"janus": "attach", "transaction": "a", "token": TOKEN, "session_id": 42, "plugin": VIDEOROOM}
    fresh.note_reply({"janus": "success", "transaction": "a", "data": {"id": 77}}, PUBLISHER)
    assert fresh.handles == {77: VIDEOROOM}
    assert refused(PUBLISHER, frame(handle=78, body={"request": "start"}), fresh) == "unknown handle"
    assert sent(PUBLISHER, frame(handle=77, body={"request": "start"}), fresh)["session_id"] == 42


def test_plugins_are_those_of_the_grant():
    for plugin in (AUDIOBRIDGE, "janus.plugin.echotest", "janus.plugin.recordplay", "janus.plugin.sip"):
        assert refused(PUBLISHER, json.dumps({"janus": "attach", "plugin": plugin, "transaction": "a"}))
    assert sent(INTERPRETER, json.dumps({"janus": "attach", "plugin": AUDIOBRIDGE.upper(), "transaction": "a"}))


@pytest.mark.parametrize("verb", ["claim", "CLAIM", "info", "ping", "add_token", "list_sessions", "event", "ack"])
def test_other_janus_verbs_are_refused(verb):
    assert refused(PUBLISHER, frame(verb))


def test_unknown_keys_and_wrong_types_are_refused():
    assert refused(PUBLISHER, frame(body={"request": "start"}, apisecret="x"))
    assert refused(PUBLISHER, frame(body={"request": "start", "Request": "kick"}))
    assert refused(PUBLISHER, frame(body={"request": "start"}, jsep={"type": "answer", "sdp": "v=0", "x": 1}))
    assert refused(PUBLISHER, frame(body={"request": "join", "ptype": "subscriber", "streams": [{"feed": "7000002"}]}))
    assert refused(PUBLISHER, frame(handle=str(VR), body={"request": "start"}))
    assert refused(PUBLISHER, '{"janus": "message"')
    assert refused(PUBLISHER, json.dumps(["janus", "message"]))
    assert refused(PUBLISHER, "x" * 200_000)


def test_trickle_is_rebuilt():
    out = sent(PUBLISHER, frame("trickle", candidate={"candidate": "candidate:1 1 udp 1 10.0.0.1 9 typ host",
                                                      "sdpMid": "0", "sdpMLineIndex": 0}))
    assert out["candidate"]["sdpMid"] == "0" and "body" not in out
    assert sent(PUBLISHER, frame("trickle", candidate={"completed": True}))["candidate"] == {"completed": True}
    assert refused(PUBLISHER, frame("trickle", candidate={"candidate": "x", "room": 5}))


def joined(room=FR, who=ME, sender=AB):
    return {"janus": "event", "sender": sender, "plugindata": {"data": {"audiobridge": "joined", "room": room,
                                                                       "id": who}}}


def test_joining_and_leaving_the_channel_is_noticed():
    s = state()
    assert s.note_reply(joined(), INTERPRETER) == [("channel", FR)]
    sent(INTERPRETER, frame(handle=AB, body={"request": "LEAVE"}), s)
    assert s.channel_room is None
    for other in (joined(who=PARTNER), joined(room=ES), joined(sender=VR), joined(sender=999)):
        s.note_reply(other, INTERPRETER)
        assert s.channel_room is None, other  # someone else's join, another room, not an AudioBridge handle


@pytest.mark.parametrize("gone", [
    {"janus": "hangup", "sender": AB}, {"janus": "detached", "sender": AB}, {"janus": "timeout", "sender": AB},
    {"janus": "event", "sender": AB, "plugindata": {"data": {"audiobridge": "left"}}}])
def test_janus_saying_the_channel_participant_is_gone_clears_the_record(gone):
    s = state()
    s.note_reply(joined(), INTERPRETER)
    assert s.note_reply(gone, INTERPRETER) == [("channel", None)] and s.channel_room is None


def test_the_record_follows_the_handle_that_joined():
    s = state(handles={VR: VIDEOROOM, AB: AUDIOBRIDGE, 204: AUDIOBRIDGE, SM: STREAMING})
    s.note_reply(joined(), INTERPRETER)
    sent(INTERPRETER, frame("detach", handle=204), s)  # another AudioBridge handle, never joined
    assert s.channel_room == FR
    sent(INTERPRETER, json.dumps({"janus": "destroy", "transaction": "d", "session_id": SESSION}), s)
    assert s.channel_room is None


def test_a_transaction_in_flight_cannot_be_reused():
    s = state()
    sent(PUBLISHER, json.dumps({"janus": "attach", "plugin": STREAMING, "transaction": "t"}), s)
    for plugin in (STREAMING, VIDEOROOM):  # would count one handle for many, or mislabel the handle
        assert refused(PUBLISHER, json.dumps({"janus": "attach", "plugin": plugin, "transaction": "t"}), s)
    assert s.attaching == {"t": STREAMING}


def test_hostile_frames_that_break_parsers_are_refused_plainly():
    deep = '{"janus": "keepalive", "transaction": "t", "x": ' + "[" * 5000 + "]" * 5000 + "}"
    assert refused(PUBLISHER, deep) == "malformed request"
    assert json.loads(error_reply(deep, "malformed request"))["error"]["code"] == 403
    with pytest.raises(Refused) as exc:
        admit(json.dumps({"janus": "\ud800\u202e" + "x" * 500, "transaction": "t"}), PUBLISHER, state())
    assert exc.value.verb.isascii() and len(exc.value.verb) <= 48 and exc.value.reason.isascii()
    exc.value.verb.encode()  # what the audit writes
    reason = refused(PUBLISHER, json.dumps({"janus": "keepalive", "transaction": "t", "A" * 120_000: 1}))
    assert len(reason) <= 120


# --- Properties: whatever is sent, what reaches Janus carries the grant's identities ----------------

VERBS = ["create", "attach", "message", "trickle", "keepalive", "detach", "hangup", "destroy", "claim", "info"]
REQUESTS = ["join", "publish", "configure", "start", "pause", "leave", "unpublish", "watch", "switch", "stop",
            "kick", "rtp_forward", "create", "destroy", "allowed", "listparticipants", "list", "info", "mute",
            "unmute", "changeroom", "joinandconfigure", "moderate", "enable_recording"]
IDENTITY = ("room", "id", "display", "token", "pin", "private_id", "secret", "admin_key", "feed", "session_id",
            "handle_id", "group", "record", "filename", "rtp", "permanent", "muted", "ptype", "streams")


def case_variants(word):
    return st.lists(st.booleans(), min_size=len(word), max_size=len(word)).map(
        lambda flips: "".join(c.upper() if f else c for c, f in zip(word, flips, strict=True)))


ids = st.sampled_from([ROOM, ME, PARTNER, OTHER_ROOM, FR, ES, FOREIGN_STREAM, 1, 0, -1, 2**63]) | st.integers()
values = st.one_of(ids, st.text(max_size=12), st.booleans(), st.none(), st.sampled_from(["publisher", "subscriber"]))
nested = st.recursive(values, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
    st.sampled_from((*IDENTITY, "request")), inner, max_size=3), max_leaves=6)


@st.composite
def frames(draw):
    verb = draw(st.sampled_from(VERBS).flatmap(case_variants))
    body = {"request": draw(st.sampled_from(REQUESTS).flatmap(case_variants))}
    for key in draw(st.lists(st.sampled_from(IDENTITY), max_size=6, unique=True)):
        body[key] = draw(nested)
    if draw(st.booleans()):
        body["ptype"] = draw(st.sampled_from(["publisher", "subscriber"]).flatmap(case_variants))
    if draw(st.booleans()):
        body["streams"] = [{"feed": draw(ids)} for _ in range(draw(st.integers(1, 3)))]
    msg = {"janus": verb, "transaction": "t", "session_id": draw(st.sampled_from([SESSION, 999])),
           "handle_id": draw(st.sampled_from([VR, AB, SM, 404])), "token": draw(st.sampled_from([TOKEN, "other"])),
           "body": body, "plugin": draw(st.sampled_from([VIDEOROOM, AUDIOBRIDGE, STREAMING, "janus.plugin.sip"]))}
    if draw(st.booleans()):
        msg["jsep"] = {"type": draw(st.sampled_from(["offer", "answer"]).flatmap(case_variants)), "sdp": "v=0",
                       **({"e2ee": True} if draw(st.booleans()) else {})}
    for key in draw(st.lists(st.sampled_from(["body", "plugin", "jsep", "handle_id", "session_id", "token"]),
                             max_size=3, unique=True)):
        msg.pop(key, None)
    if draw(st.booleans()):
        msg[draw(st.sampled_from(["apisecret", "Body", "extra", "admin_secret"]))] = draw(nested)
    return json.dumps(msg)


# What the pages and bots send, as starting points that the attacker then bends.
TEMPLATES = [
    (VR, {"request": "join", "ptype": "publisher", "room": ROOM, "id": ME, "display": str(ME), "token": TOKEN}, None),
    (VR, {"request": "join", "ptype": "subscriber", "room": ROOM, "streams": [{"feed": PARTNER}], "token": TOKEN,
          "private_id": 31337}, None),
    (VR, {"request": "publish", "audio": True, "video": True}, {"type": "offer", "sdp": "v=0", "e2ee": True}),
    (VR, {"request": "start", "room": ROOM}, {"type": "answer", "sdp": "v=0"}),
    (VR, {"request": "leave"}, None),
    (AB, {"request": "join", "room": FR, "muted": True, "token": TOKEN, "display": str(ME), "id": ME}, None),
    (AB, {"request": "configure", "muted": True}, {"type": "offer", "sdp": "v=0"}),
    (SM, {"request": "watch", "id": FR, "pin": "pin-fr"}, None),
    (SM, {"request": "start"}, {"type": "answer", "sdp": "v=0"}),
    (SM, {"request": "switch", "id": ES}, None),
]
HOSTILE = {"room": [OTHER_ROOM, FR, "5000001", None], "id": [PARTNER, FOREIGN_STREAM, ES, True],
           "display": ["Secretary of State", "", "x" * 300], "token": ["other", None], "pin": ["guessed", 1],
           "private_id": [1, 2**62], "muted": [False, "true", 0, None], "ptype": ["publisher", "PUBLISHER", "listener"],
           "streams": [[{"feed": 999}], [{"feed": PARTNER, "room": OTHER_ROOM}], []],
           "request": [r for r in REQUESTS]}


@st.composite
def bent_frames(draw):
    handle, body, jsep = draw(st.sampled_from(TEMPLATES))
    body = dict(body)
    for key in draw(st.lists(st.sampled_from(sorted(HOSTILE)), max_size=3, unique=True)):
        body[key] = draw(st.sampled_from(HOSTILE[key]))
    if isinstance(body.get("request"), str):
        body["request"] = draw(case_variants(body["request"]))
    if draw(st.integers(0, 4)) == 0:
        body[draw(st.sampled_from((*IDENTITY, "Request", "extra")))] = draw(nested)
    msg = {"janus": draw(case_variants("message")), "transaction": "t", "session_id": draw(
        st.sampled_from([SESSION, 999])), "handle_id": handle, "token": draw(st.sampled_from([TOKEN, "other"])),
           "body": body}
    if jsep is not None and draw(st.integers(0, 3)):
        msg["jsep"] = {**jsep, "type": draw(case_variants(draw(st.sampled_from([jsep["type"], "offer"]))))}
        if draw(st.booleans()):
            msg["jsep"].pop("e2ee", None)
    return json.dumps(msg)


ALLOWED = {
    VIDEOROOM: {"join", "publish", "configure", "start", "pause", "leave", "unpublish"},
    AUDIOBRIDGE: {"join", "configure", "leave"},
    STREAMING: {"watch", "switch", "start", "pause", "stop"},
}


@settings(max_examples=1500, deadline=None)
@given(text=frames() | bent_frames(), role=st.sampled_from(sorted(GRANTS)),
       private_id=st.sampled_from([None, 31337]))
def test_every_frame_is_refused_or_rebuilt_with_the_grants_identities(text, role, private_id):
    grant, s = GRANTS[role], state(private_id=private_id)
    try:
        out = admit(text, grant, s)
    except Refused:
        return
    json.dumps(out)
    assert out["token"] == grant.token
    assert out["janus"] in {"create", "attach", "message", "trickle", "keepalive", "detach", "hangup", "destroy"}
    assert out["janus"] == "create" or out["session_id"] == SESSION
    if out["janus"] == "attach":
        assert out["plugin"] in grant.plugins
    if "handle_id" in out:
        assert out["handle_id"] in s.handles
    body, jsep = out.get("body"), out.get("jsep")
    if body is None:
        assert jsep is None
        return
    plugin = s.handles[out["handle_id"]]
    assert body["request"] in ALLOWED[plugin]
    assert not {"secret", "admin_key", "record", "filename", "rtp", "group", "permanent", "allowed"} & set(body)
    if plugin == VIDEOROOM:
        assert body.get("room", ROOM) == ROOM
        if body["request"] == "join" and body["ptype"] == "publisher":
            assert grant.may_publish
            assert (body["id"], body["display"], body["token"]) == (ME, str(ME), TOKEN)
        if body["request"] == "join" and body["ptype"] == "subscriber":
            assert {x["feed"] for x in body["streams"]} <= grant.feeds
            assert body.get("private_id") == private_id
            assert body.get("token", TOKEN) == TOKEN
        if body["request"] in ("publish", "configure", "unpublish") or (jsep or {}).get("type") == "offer":
            assert grant.may_publish
    if plugin == AUDIOBRIDGE:
        assert grant.speak_rooms
        assert body.get("muted", True) is True
        if body["request"] == "join":
            assert body["room"] in grant.speak_rooms and (body["id"], body["token"]) == (ME, TOKEN)
    if plugin == STREAMING:
        if body["request"] in ("watch", "switch"):
            assert body["id"] in grant.streams
        if body["request"] == "watch":
            assert body["pin"] == grant.streams[body["id"]]
        assert (jsep or {}).get("type") != "offer"
    if jsep is not None and jsep["type"] == "offer" and plugin == VIDEOROOM and grant.e2ee:
        assert jsep["e2ee"] is True


def test_a_session_janus_dropped_ends_the_channel_record_and_the_visit():
    s = state()
    s.note_reply(joined(), INTERPRETER)
    assert s.note_reply({"janus": "timeout", "session_id": SESSION}, INTERPRETER) == [("channel", None),
                                                                                      ("gone", SESSION)]
    assert s.channel_room is None


def test_the_private_id_is_only_ever_this_visits_own_publishers():
    s = state()
    for other in ({"videoroom": "joined", "id": PARTNER, "private_id": 1}, ):
        s.note_reply({"janus": "event", "sender": VR, "plugindata": {"data": other}}, PUBLISHER)
    s.note_reply({"janus": "event", "sender": 999, "plugindata": {"data": {"videoroom": "joined", "id": ME,
                                                                            "private_id": 2}}}, PUBLISHER)
    assert s.private_id is None
    s.note_reply({"janus": "event", "sender": VR, "plugindata": {"data": {"videoroom": "joined", "id": ME,
                                                                           "private_id": 3}}}, PUBLISHER)
    assert s.private_id == 3
