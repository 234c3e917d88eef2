"""Fixtures shared by the integration and end-to-end tiers: the test network and a real Janus."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support import netns

TEST_JANUS_PORTS = {"WS_PORT": 9188, "HTTP_PORT": 9088, "ADMIN_PORT": 9078}


@pytest.fixture(scope="session")
def testnet():
    """The test's own network namespaces; this process runs inside the server one while they exist."""
    why = netns.available()
    if why:
        if os.environ.get("CI"):
            pytest.fail(f"media tests cannot run: {why}")
        pytest.skip(why)
    net = netns.TestNetwork().create()
    net.enter()
    yield net
    net.close()


@pytest.fixture(scope="session")
def janus(testnet, tmp_path_factory):
    """A real Janus, configured and supervised by Summitry's own code, inside the test namespace."""
    from django.conf import settings

    from summitry.media import JanusSupervisor
    from summitry.meetings.janus import janus_secrets, janus_settings

    run_dir = tmp_path_factory.mktemp("janus")
    settings.JANUS = {**settings.JANUS, **TEST_JANUS_PORTS, "RUN_DIR": run_dir, "DEBUG_LEVEL": 3}
    base = janus_settings()
    # EchoTest is loaded too, only so that tests can prove a participant's token cannot reach it.
    from dataclasses import replace

    janus_cfg = replace(base, plugins=(*base.plugins, "janus.plugin.echotest"))
    loop = asyncio.new_event_loop()
    sup = JanusSupervisor(janus_cfg, janus_secrets())
    loop.run_until_complete(sup.start())
    yield sup
    loop.run_until_complete(sup.stop())
    loop.close()


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["tests.support.hashers.FastArgon2PasswordHasher"]


@pytest.fixture
def fake_gateway():
    """A fresh in-memory Janus (``media.fake.FakeGateway``, decision 0006) as the application's media
    gateway for one test: ``fail_next``, ``lose_next_reply``, ``stop``/``restart`` and what it holds."""
    from summitry.media.fake import FakeGateway
    from summitry.meetings.janus import use_gateway

    with use_gateway(FakeGateway()) as fake:
        yield fake
