"""Past one process: two ``summitry serve`` processes on one PostgreSQL and one Redis channel layer
(one of them supervising Janus, the other ``--no-janus``), two browsers each on its own process. The
lobby, the admission and the media cross processes; the segment schedule runs in one of them."""

from __future__ import annotations

import pytest

from tests.support import engines
from tests.support.serving import start_server

from .conftest import CHROMIUM_FLAGS, HERE, sign_in
from .test_meeting import feeds_decoding

pytestmark = [pytest.mark.e2e, pytest.mark.janus]

SLUG = "canada-bilateral"  # Marc Garneau hosts
FIRST, SECOND = 8771, 8772


@pytest.fixture
def cluster(testnet, tmp_path):
    with engines.postgres() as database, engines.redis() as layer:
        env = {"SUMMITRY_DATABASE_URL": database, "SUMMITRY_REDIS_URL": layer,
               "SUMMITRY_JANUS_WS_PORT": "8388", "SUMMITRY_JANUS_HTTP_PORT": "8389",
               "SUMMITRY_JANUS_ADMIN_PORT": "7389", "SUMMITRY_JANUS_RTP_PORTS": "42000-42999"}
        first = start_server(tmp_path, testnet.server_ip, FIRST, env=env)  # with Janus
        second = None
        try:
            second = start_server(tmp_path, testnet.server_ip, SECOND, env=env, load=False, args=["--no-janus"])
            yield first, second
        finally:
            if second is not None:
                second.stop()
            first.stop()


async def _browser(playwright, *servers):
    secure = ",".join(s.url for s in servers)
    return await playwright.chromium.launch(
        executable_path=str(HERE / "chromium-in-clients-ns.sh"), headless=True,
        args=[*CHROMIUM_FLAGS, f"--unsafely-treat-insecure-origin-as-secure={secure}",
              "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"])


async def test_two_browsers_on_different_processes_meet(playwright, cluster):
    first, second = cluster
    host = await sign_in(await _browser(playwright, first, second), first, "garneau")
    guest = await sign_in(await _browser(playwright, first, second), second, "blinken")
    await host.goto(f"{first.url}/engagements/{SLUG}/room")
    await host.get_by_role("button", name="Join meeting").click()
    await host.wait_for_selector(".room[data-state='live']", timeout=20000)
    await guest.goto(f"{second.url}/engagements/{SLUG}/room")
    await guest.get_by_role("button", name="Join meeting").click()
    await guest.wait_for_selector(".room[data-state='waiting']", timeout=20000)
    # The guest's request, made on the second process, reaches the host's page on the first...
    admit = host.get_by_role("button", name="Admit Antony Blinken")
    await admit.wait_for(timeout=15000)
    await admit.click()
    # ... and the host's answer reaches the guest's page on the second: both then see each other.
    await guest.wait_for_selector(".room[data-state='live']", timeout=20000)
    await feeds_decoding(host, 1, timeout=40)
    await feeds_decoding(guest, 1, timeout=40)
    # One segment switch, made on the first process, is told on the second
    await host.get_by_role("button", name="Closed (delegations only)").click()
    await guest.wait_for_selector("#segment-badge[data-kind='closed']", timeout=15000)
