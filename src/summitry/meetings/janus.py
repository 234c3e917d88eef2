"""Janus settings and gateway built from Django's settings."""

from __future__ import annotations

from django.conf import settings

from summitry.media import JanusSecrets, JanusSettings
from summitry.media import gateway as _gateway


def janus_settings() -> JanusSettings:
    j = settings.JANUS
    return JanusSettings(run_dir=j["RUN_DIR"], ws_ip=j["WS_IP"], ws_port=j["WS_PORT"],
                         http_port=j["HTTP_PORT"], admin_port=j["ADMIN_PORT"],
                         rtp_port_range=j["RTP_PORT_RANGE"], ice_enforce_list=j["ICE_ENFORCE_LIST"],
                         debug_level=j["DEBUG_LEVEL"])


def janus_secrets() -> JanusSecrets:
    return JanusSecrets.load_or_create(settings.JANUS["RUN_DIR"])


def gateway() -> _gateway.Gateway:
    return _gateway.for_running_loop(lambda: _gateway.Gateway(janus_settings(), janus_secrets()))


def public_ws_url(request_host: str) -> str:
    """Where a browser reaches Janus's WebSocket: the configured URL, else the page's host."""
    if url := settings.JANUS["PUBLIC_WS_URL"]:
        return str(url)
    host = request_host.rsplit(":", 1)[0] if not request_host.endswith("]") else request_host
    return f"ws://{host}:{settings.JANUS['WS_PORT']}/"
