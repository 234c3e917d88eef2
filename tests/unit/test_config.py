"""The generated Janus configuration."""

import stat

import pytest

from summitry.media import config
from summitry.media.admin import JanusAdmin
from summitry.media.config import JanusSecrets, JanusSettings


@pytest.fixture
def built(tmp_path):
    settings = JanusSettings(run_dir=tmp_path, ws_port=1234)
    return config.build(settings, JanusSecrets("ADMIN", "VRKEY", "SERVICE"))


def test_token_auth_on_with_stored_tokens(built):
    main = built["janus.jcfg"]
    assert "token_auth = true" in main
    assert "token_auth_secret" not in main  # that would switch Janus to signed tokens
    assert 'admin_secret = "ADMIN"' in main


def test_admin_api_and_http_only_on_loopback(built):
    http = built["janus.transport.http.jcfg"]
    assert 'admin_ip = "127.0.0.1"' in http
    assert 'ip = "127.0.0.1"' in http
    assert "admin_ws = false" in built["janus.transport.websockets.jcfg"]


def test_videoroom_needs_admin_key(built):
    assert 'admin_key = "VRKEY"' in built["janus.plugin.videoroom.jcfg"]


def test_only_used_plugins_and_transports(built):
    main = built["janus.jcfg"]
    plugins_line = next(line for line in main.splitlines() if "disable" in line and "echotest" in line)
    for used in ("videoroom", "audiobridge", "streaming"):
        assert f"libjanus_{used}.so" not in plugins_line
    assert "libjanus_textroom.so" in plugins_line
    transports = next(line for line in main.splitlines() if "mqtt.so" in line and "evh" not in line)
    assert "websockets" not in transports and "libjanus_http.so" not in transports
    assert set(built) == {"janus.jcfg", "janus.transport.websockets.jcfg", "janus.transport.http.jcfg",
                          "janus.plugin.videoroom.jcfg", "janus.plugin.audiobridge.jcfg",
                          "janus.plugin.streaming.jcfg"}


def test_ports_from_settings(built):
    assert "ws_port = 1234" in built["janus.transport.websockets.jcfg"]


def test_strings_are_escaped():
    assert config.render({"g": {"s": 'a"b\\c'}}) .splitlines()[2] == '\ts = "a\\"b\\\\c"'


def test_secrets_are_generated_once_and_private(tmp_path):
    first = JanusSecrets.load_or_create(tmp_path)
    second = JanusSecrets.load_or_create(tmp_path)
    assert first == second
    assert len({first.admin_secret, first.videoroom_admin_key, first.service_token}) == 3
    assert stat.S_IMODE((tmp_path / "secrets.json").stat().st_mode) == 0o600


def test_written_config_is_owner_only(tmp_path):
    conf = config.write(JanusSettings(run_dir=tmp_path), JanusSecrets("a", "b", "c"))
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in conf.iterdir())


async def test_empty_plugin_list_is_refused():
    # Janus would read an empty list as "every plugin"
    with pytest.raises(ValueError):
        await JanusAdmin("http://127.0.0.1:9/admin", "x").add_token("t", [])


def test_event_handler_only_when_asked(tmp_path):
    sec = JanusSecrets("ADMIN", "VRKEY", "SERVICE", "EVENTS")
    assert "janus.eventhandler.sampleevh.jcfg" not in config.build(JanusSettings(run_dir=tmp_path), sec)
    built = config.build(JanusSettings(run_dir=tmp_path, events_url="http://127.0.0.1:8000/internal/janus-events"), sec)
    evh = built["janus.eventhandler.sampleevh.jcfg"]
    assert 'backend = "http://127.0.0.1:8000/internal/janus-events"' in evh and 'backend_pwd = "EVENTS"' in evh
    events_line = next(line for line in built["janus.jcfg"].splitlines() if "evh.so" in line)
    assert "libjanus_sampleevh.so" not in events_line and "broadcast = true" in built["janus.jcfg"]


def test_media_events_from_janus():
    from summitry.media.events import media_events

    grouped = [
        {"type": 16, "session_id": 11, "handle_id": 22, "event": {"connection": "webrtcup"}},
        {"type": 32, "session_id": 11, "handle_id": 22, "event": {"media": "video", "receiving": False}},
        {"type": 1, "session_id": 11, "event": {"name": "created"}},
        {"type": 16, "session_id": 11, "handle_id": 22, "event": {"ice": "connected"}},
    ]
    assert [(e.kind, e.session_id, e.handle_id, e.media) for e in media_events(grouped)] == [
        ("webrtcup", 11, 22, ""), ("not_receiving", 11, 22, "video")]
    assert list(media_events("garbage")) == []
