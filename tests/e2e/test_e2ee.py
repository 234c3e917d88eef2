"""End-to-end encryption of closed segments: the browsers decode each other; what Janus forwards
(to an RTP forwarder, to a subscriber at Janus) does not decode; opening the segment drops the keys."""

from __future__ import annotations

import asyncio
import json
import socket

import pytest

from summitry.media import JanusClient
from summitry.media.bot import Bot
from summitry.media.videoroom import VideoRoom

from .conftest import sign_in
from .test_meeting import SLUG, admit, feed_of, feeds_decoding, leave, open_room

pytestmark = [pytest.mark.e2e, pytest.mark.janus]


class Forward:
    """What an RTP forwarder taken at Janus receives: VP8 packets on a local UDP port."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.setblocking(False)
        self.port = self.sock.getsockname()[1]

    def drain(self) -> None:
        """Forget what arrived before now."""
        while True:
            try:
                self.sock.recv(2048)
            except BlockingIOError:
                return

    async def frame_ends(self, seconds: float) -> list[bytes]:
        """The last bytes of every frame (the RTP packets with the marker bit) from now on, for a while."""
        self.drain()
        loop = asyncio.get_running_loop()
        ends, deadline = [], loop.time() + seconds
        while loop.time() < deadline:
            try:
                packet = await asyncio.wait_for(loop.sock_recv(self.sock, 2048), 0.2)
            except TimeoutError:
                continue
            if packet[1] & 0x80:  # marker: the frame's last packet
                ends.append(packet[-4:])
        return ends


def _looks_like_the_camera(rgb: tuple[float, float, float]) -> bool:
    """Chromium's fake camera: a green picture with a turning pie."""
    r, g, b = rgb
    return g > 100 and r < 80 and b < 80


async def _janus_side(server):
    """Summitry's own credentials at Janus, as someone with access to the media server would have."""
    secrets_ = json.loads((server.data_dir / "janus" / "secrets.json").read_text())
    room, secret = server.query("SELECT media_room, room_secret FROM meetings_engagement WHERE slug = ?", SLUG)[0]
    client = JanusClient("ws://127.0.0.1:8188/", token=secrets_["service_token"], reconnect=False)
    await client.connect()
    vr = await VideoRoom.attach(await client.create_session(), secrets_["videoroom_admin_key"])
    return client, vr, room, secret, secrets_


async def test_closed_segments_are_end_to_end_encrypted(server, launch):
    host = await sign_in(await launch(tone=660), server, "blinken")
    guest = await sign_in(await launch(tone=550), server, "garneau")
    admit(server, "marc-garneau")
    await open_room(host, server)
    await open_room(guest, server)
    await feeds_decoding(guest, 1)
    await host.get_by_role("button", name="Closed (delegations only)").click()
    for page in (host, guest):
        await page.locator("#e2ee-badge").wait_for(state="visible", timeout=5000)

    client, vr, room, secret, secrets_ = await _janus_side(server)
    forward = Forward()
    host_feed = feed_of(server, "blinken")
    stream_ids = await vr.rtp_forward(room, secret, host_feed, "127.0.0.1", [{"mid": "1", "port": forward.port}])
    # someone subscribing at Janus itself (with Summitry's own powers) gets only ciphertext
    token = secrets_["service_token"]
    await vr.allow(room, secret, [token])
    spy = Bot("ws://127.0.0.1:8188/", token, room, 424242, publish=False)
    await spy.start()
    try:
        await asyncio.sleep(1.0)
        before = await guest.evaluate("window.summitryRoom.e2ee()")
        stats = await feeds_decoding(guest, 1)  # the browsers still decode each other
        assert before["current"] is not None
        after = await guest.evaluate("window.summitryRoom.e2ee()")
        assert after["decrypted"] > before["decrypted"] and after["encrypted"] > before["encrypted"]
        ends = await forward.frame_ends(2.0)
        assert len(ends) > 10 and all(e == b"SMT1" for e in ends), ends[:5]
        # libvpx turns some ciphertext into frames, but never into the picture the host sends
        assert not any(_looks_like_the_camera(c) for c in spy.feeds[host_feed].colours), spy.feeds[host_feed].colours
        assert stats[str(host_feed)]["framesDecoded"] > 0

        # opening the segment drops the keys: media is in clear again and Janus-side decoding works
        await host.get_by_role("button", name="Open (press present)").click()
        for page in (host, guest):
            await page.locator("#e2ee-badge").wait_for(state="hidden", timeout=5000)
        await asyncio.sleep(1.5)
        ends = await forward.frame_ends(2.0)
        assert ends and not any(e == b"SMT1" for e in ends)
        await spy.stop()
        spy = Bot("ws://127.0.0.1:8188/", token, room, 424243, publish=False)
        await spy.start()
        for _ in range(300):  # the host's feed, specifically
            if host_feed in spy.feeds and spy.feeds[host_feed].frames >= 12:
                break
            await asyncio.sleep(0.05)
        assert any(_looks_like_the_camera(c) for c in spy.feeds[host_feed].colours), spy.feeds[host_feed].colours
    finally:
        await spy.stop()
        for sid in stream_ids:
            await vr.stop_rtp_forward(room, secret, host_feed, sid)
        await vr.disallow(room, secret, [token])
        await client.close()
        forward.sock.close()
    await leave(host)
    await leave(guest)


async def test_a_client_that_cannot_encrypt_may_not_join_an_encrypted_segment(server, launch):
    host = await sign_in(await launch(tone=660), server, "blinken")
    await open_room(host, server)
    await host.get_by_role("button", name="Closed (delegations only)").click()
    await host.locator("#e2ee-badge").wait_for(state="visible", timeout=5000)
    out = server.run("bot", SLUG, "--as", "marcelo-ebrard", "--seconds", "1")  # aiortc cannot encrypt
    assert out.returncode == 3 and "e2ee_unsupported" in out.stderr
    await host.get_by_role("button", name="Open (press present)").click()
    await leave(host)
