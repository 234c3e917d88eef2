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


def relay_url(request_host: str, secure: bool, slug: str) -> str:
    """Where a browser speaks Janus's API: Summitry's relay for this engagement, on the page's host."""
    return f"{'wss' if secure else 'ws'}://{request_host}/ws/engagements/{slug}/janus"
