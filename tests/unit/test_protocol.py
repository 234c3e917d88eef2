"""The protocol layer against replies recorded from a real Janus 1.1.2 (tests/unit/fixtures)."""

import json
from pathlib import Path

import pytest

from summitry.media import errors, protocol

REPLIES = json.loads((Path(__file__).parent / "fixtures" / "janus_replies.json").read_text())


def test_success_reply_gives_its_data():
    assert protocol.parse_success(REPLIES["create_success"]) == {"id": REPLIES["create_success"]["data"]["id"]}
    assert isinstance(REPLIES["create_success"]["data"]["id"], int)


def test_missing_token_is_unauthorized_403():
    with pytest.raises(errors.JanusUnauthorized) as exc:
        protocol.parse_success(REPLIES["create_unauthorized"])
    assert exc.value.code == 403


def test_token_without_the_plugin_is_405():
    with pytest.raises(errors.JanusPluginNotAllowed) as exc:
        protocol.parse_success(REPLIES["attach_plugin_not_allowed"])
    assert exc.value.code == 405
    assert "janus.plugin.videoroom" in exc.value.reason


def test_unknown_session_is_session_gone():
    with pytest.raises(errors.JanusSessionGone) as exc:
        protocol.parse_success(REPLIES["session_not_found"])
    assert exc.value.code == 458


@pytest.mark.parametrize(("name", "code"), [
    ("videoroom_create_unauthorized", 429),  # creating rooms needs the plugin's admin_key
    ("videoroom_exists", errors.VIDEOROOM_ROOM_EXISTS),
])
def test_plugin_errors_in_success_replies(name, code):
    with pytest.raises(errors.JanusPluginError) as exc:
        protocol.parse_plugin_reply(REPLIES[name])
    assert exc.value.code == code


@pytest.mark.parametrize(("name", "code"), [
    ("videoroom_join_not_allowed", errors.VIDEOROOM_UNAUTHORIZED),
    ("videoroom_join_no_such_room", errors.VIDEOROOM_NO_SUCH_ROOM),
])
def test_plugin_errors_in_events_after_ack(name, code):
    ack, event = REPLIES[name]
    assert not protocol.is_final(ack)
    with pytest.raises(errors.JanusPluginError) as exc:
        protocol.parse_plugin_reply(event)
    assert exc.value.code == code


def test_joined_event():
    reply = protocol.parse_plugin_reply(REPLIES["videoroom_joined"][1])
    assert reply.plugin == "janus.plugin.videoroom"
    assert reply.data["videoroom"] == "joined"
    assert reply.data["id"] == 5
    assert reply.jsep is None


def test_created_room():
    assert protocol.parse_plugin_reply(REPLIES["videoroom_created"]).data == {
        "videoroom": "created", "room": 77, "permanent": False}


def test_admin_wrong_secret_is_unauthorized():
    with pytest.raises(errors.JanusUnauthorized):
        protocol.raise_for_error(REPLIES["admin_wrong_secret"])


def test_request_carries_token_and_ids():
    msg = protocol.request("message", transaction="t", token="tok", session_id=1, handle_id=2, body={"a": 1})
    assert msg == {"janus": "message", "transaction": "t", "token": "tok", "session_id": 1, "handle_id": 2,
                   "body": {"a": 1}}


def test_transactions_are_unique():
    assert len({protocol.new_transaction() for _ in range(1000)}) == 1000
