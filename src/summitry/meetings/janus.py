"""Janus settings and the media gateway, built from Django's settings: the one place that decides which
``MediaGateway`` the application talks to (decision 0006)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from summitry.media import JanusSecrets, JanusSettings, MediaGateway
from summitry.media import gateway as _gateway
from summitry.media.fake import FakeGateway

GATEWAYS = ("janus", "fake")


class MediaUnavailable(Exception):
    """Janus could not be reached, or did not make the change; nothing was granted or changed. Pages
    and the API answer 503 with a sentence."""


def janus_settings() -> JanusSettings:
    j = settings.JANUS
    return JanusSettings(run_dir=j["RUN_DIR"], ws_ip=j["WS_IP"], ws_port=j["WS_PORT"],
                         http_port=j["HTTP_PORT"], admin_port=j["ADMIN_PORT"],
                         rtp_port_range=j["RTP_PORT_RANGE"], ice_enforce_list=j["ICE_ENFORCE_LIST"],
                         debug_level=j["DEBUG_LEVEL"])


def janus_secrets() -> JanusSecrets:
    return JanusSecrets.load_or_create(settings.JANUS["RUN_DIR"])


_installed: MediaGateway | None = None  # a test's own gateway (``use_gateway``)
_shared_fake: FakeGateway | None = None  # SUMMITRY_MEDIA_GATEWAY = "fake": one for the whole process


def gateway() -> MediaGateway:
    """What the application asks of Janus: the real gateway (one per event loop: a WebSocket belongs
    to the loop that opened it), unless ``settings.SUMMITRY_MEDIA_GATEWAY`` is ``"fake"`` (one shared
    in-memory Janus) or a test installed its own with ``use_gateway``."""
    global _shared_fake
    if _installed is not None:
        return _installed
    kind = getattr(settings, "SUMMITRY_MEDIA_GATEWAY", "janus")
    if kind == "fake":
        if _shared_fake is None:
            _shared_fake = FakeGateway()
        return _shared_fake
    if kind != "janus":
        raise ImproperlyConfigured(f"SUMMITRY_MEDIA_GATEWAY: one of {', '.join(GATEWAYS)}, not {kind!r}")
    return _gateway.for_running_loop(lambda: _gateway.Gateway(janus_settings(), janus_secrets()))


@contextmanager
def use_gateway(gw: MediaGateway) -> Iterator[MediaGateway]:
    """Within the block, ``gateway()`` is ``gw`` (tests: ``with use_gateway(FakeGateway()) as fake:``)."""
    global _installed
    previous, _installed = _installed, gw
    try:
        yield gw
    finally:
        _installed = previous


def relay_url(request_host: str, secure: bool, slug: str) -> str:
    """Where a browser speaks Janus's API: Summitry's relay for this engagement, on the page's host."""
    return f"{'wss' if secure else 'ws'}://{request_host}/ws/engagements/{slug}/janus"
