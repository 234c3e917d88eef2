"""Participants behind firewalls: with a TURN server (coturn, from Debian) in the settings and the relay
policy, two Chromium browsers meet with every packet through TURN, on credentials of their own grant.
No third-party STUN server is ever used: the page gets only the servers Summitry is configured with."""

from __future__ import annotations

import re
import secrets
import shutil
import subprocess
import time

import pytest

from tests.support.serving import start_server

from .conftest import CHROMIUM_FLAGS, HERE, sign_in
from .test_meeting import feeds_decoding

pytestmark = [pytest.mark.e2e, pytest.mark.janus]

SLUG = "canada-bilateral"  # Marc Garneau hosts; Antony Blinken is admitted by the operator
PORT, TURN_PORT = 8767, 3479
SECRET = secrets.token_hex(16)


@pytest.fixture
def turn(testnet, tmp_path):
    if shutil.which("turnserver") is None:
        pytest.fail("coturn is not installed (make install installs it)")
    log = tmp_path / "turn.log"
    ip = testnet.server_ip
    proc = subprocess.Popen([
        "turnserver", "-n", f"--listening-ip={ip}", f"--relay-ip={ip}", f"--listening-port={TURN_PORT}",
        "--use-auth-secret", f"--static-auth-secret={SECRET}", "--realm=summitry.test", "--no-tls", "--no-dtls",
        "--no-cli", "--fingerprint", "--simple-log", f"--log-file={log}", "--min-port=49160", "--max-port=49460",
        "--verbose", f"--pidfile={tmp_path / 'turn.pid'}"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 10
    while not (log.exists() and "IPv4. UDP listener opened on" in log.read_text(errors="replace")):
        assert proc.poll() is None and time.monotonic() < deadline, log.read_text() if log.exists() else "no log"
        time.sleep(0.1)
    yield log
    proc.terminate()
    proc.wait(10)


@pytest.fixture
def turn_server(testnet, tmp_path, turn):
    data = tmp_path / "summitry"
    data.mkdir()
    server = start_server(data, testnet.server_ip, PORT, env={
        "SUMMITRY_TURN_URLS": f"turn:{testnet.server_ip}:{TURN_PORT}?transport=udp",
        "SUMMITRY_TURN_SECRET": SECRET, "SUMMITRY_ICE_TRANSPORT_POLICY": "relay",
        "SUMMITRY_JANUS_WS_PORT": "8288", "SUMMITRY_JANUS_HTTP_PORT": "8289", "SUMMITRY_JANUS_ADMIN_PORT": "7289",
        "SUMMITRY_JANUS_RTP_PORTS": "41000-41999"})
    yield server
    server.stop()


async def test_two_browsers_meet_through_turn_only(playwright, turn_server, turn):
    server = turn_server
    args = [*CHROMIUM_FLAGS, f"--unsafely-treat-insecure-origin-as-secure={server.url}",
            "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
    pages = {}
    for username in ("garneau", "blinken"):
        browser = await playwright.chromium.launch(executable_path=str(HERE / "chromium-in-clients-ns.sh"),
                                                   args=args, headless=True)
        pages[username] = await sign_in(browser, server, username)
    server.admit("antony-blinken", SLUG)
    for page in pages.values():
        await page.goto(f"{server.url}/engagements/{SLUG}/room")
        await page.get_by_role("button", name="Join meeting").click()
        await page.wait_for_selector(".room[data-state='live']", timeout=20000)
    for page in pages.values():
        await feeds_decoding(page, 1, timeout=40)
    # Every candidate the browsers had was a TURN relay (the policy), on credentials of their own grant
    log = turn.read_text(errors="replace")
    users = set(re.findall(r"username=<(\d+:[0-9a-f]{16})>", log))
    assert len(users) >= 2, log[-4000:]
    assert re.search(r"ALLOCATE processed, success", log), log[-4000:]
    # and the page was told of no server but Summitry's own TURN server (no Google STUN fallback)
    config = await pages["garneau"].evaluate("window.summitryRoom.iceServers()")
    assert [u for s in config for u in s["urls"]] == [f"turn:{server.url.split('//')[1].split(':')[0]}:{TURN_PORT}"
                                                       "?transport=udp"]
