"""What the relay lets through to Janus on a participant's behalf."""

from summitry.media.relay import AUDIOBRIDGE, STREAMING, refusal

TOKEN = "t0k"
VIDEOROOM = "janus.plugin.videoroom"


def msg(body, **extra):
    return {"janus": "message", "token": TOKEN, "transaction": "x", "handle_id": 1, "body": body, **extra}


def test_listener_joins_a_channel_muted():
    assert refusal(msg({"request": "join", "room": 5, "muted": True}), TOKEN, False, AUDIOBRIDGE) is None
    assert refusal(msg({"request": "changeroom", "room": 6, "muted": True}), TOKEN, False, AUDIOBRIDGE) is None


def test_nobody_joins_a_channel_unmuted_or_unmutes_themselves():
    for body in ({"request": "join", "room": 5}, {"request": "join", "room": 5, "muted": False},
                 {"request": "changeroom", "room": 5}, {"request": "configure", "muted": False},
                 {"request": "configure", "muted": "no"}):
        assert refusal(msg(body), TOKEN, True, AUDIOBRIDGE), body


def test_muting_oneself_is_allowed():
    assert refusal(msg({"request": "configure", "muted": True}), TOKEN, True, AUDIOBRIDGE) is None


def test_moderation_and_recording_are_summitrys():
    for body in ({"request": "unmute", "room": 5, "id": 7}, {"request": "mute_room", "room": 5},
                 {"request": "play_file", "room": 5}, {"request": "configure", "muted": True, "record": True},
                 {"request": "rtp_forward", "room": 5}, {"request": "kick_all", "room": 5}):
        assert refusal(msg(body), TOKEN, True, AUDIOBRIDGE), body
    assert refusal(msg({"request": "configure", "record": True}), TOKEN, True, VIDEOROOM)


def test_only_ones_own_participant_id():
    assert refusal(msg({"request": "join", "room": 5, "muted": True, "id": 42}), TOKEN, True, AUDIOBRIDGE,
                   own_id=42) is None
    assert refusal(msg({"request": "join", "room": 5, "muted": True, "id": 43}), TOKEN, True, AUDIOBRIDGE,
                   own_id=42)


def test_videoroom_rules_are_unchanged():
    assert refusal(msg({"request": "join", "ptype": "publisher", "room": 5}), TOKEN, False, VIDEOROOM)
    assert refusal(msg({"request": "join", "ptype": "subscriber", "room": 5}), TOKEN, False, VIDEOROOM) is None
    assert refusal(msg({"request": "join", "ptype": "subscriber", "room": 5}, token="other"), TOKEN, False,
                   VIDEOROOM) == "wrong token"


def test_listeners_watch_and_switch_only():
    mine = frozenset({5, 6})
    for body in ({"request": "watch", "id": 5, "pin": "p"}, {"request": "switch", "id": 6}, {"request": "start"}):
        assert refusal(msg(body), TOKEN, False, STREAMING, streams=mine) is None, body
    for body in ({"request": "watch", "id": 7, "pin": "p"}, {"request": "switch", "id": 7}):
        assert refusal(msg(body), TOKEN, False, STREAMING, streams=mine) == "not a channel of this engagement"
    for body in ({"request": "list"}, {"request": "info", "id": 5}, {"request": "create", "type": "rtp"},
                 {"request": "recording", "id": 5}, {"request": "disable", "id": 5}, {"request": "kick", "id": 5}):
        assert refusal(msg(body), TOKEN, False, STREAMING), body
