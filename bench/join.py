"""Join latency as a browser has it: from the join request to the first decoded frame of a publisher.

A real ``summitry serve`` (with its supervised Janus) runs in the test network's server namespace.
Two paths in the same run, against the same Janus and the same publisher:
  summitry  the browser's path: the HTTP join (session cookie and CSRF token) through the whole
            Django stack (access, lobby, grant in the database, token stored at Janus), Summitry's
            relay WebSocket (every frame through the allow-list), then the subscription;
  raw       Janus alone: the token stored with the Admin API, Janus's WebSocket, the same subscription.
Two publishers, one after the other: an aiortc bot (a test pattern at 15 fps) and Chromium (its fake
camera, from the clients namespace). The viewer is an aiortc subscriber.

Where the slow joins came from: Janus 1.1.2 drops DTLS records that arrive before its own ICE check
of the new PeerConnection has completed (``dtls_started == 0``), and an answerer is DTLS client by
default, so its ClientHello often came first and was dropped; OpenSSL's first retransmission comes a
second later. Janus's keyframe requests to a local publisher are not rate-limited, and the publishers
send a keyframe at once. The viewer therefore answers as DTLS server (``a=setup:passive``,
``media.bot.answer_as_dtls_server``; the pages do the same), and Janus starts the handshake.
``--dtls-client`` measures the old way, for comparison.

    .venv/bin/python bench/join.py [--joins 20] [--dtls-client] [--no-chromium]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aiortc import RTCPeerConnection, RTCSessionDescription  # noqa: E402
from tests.support.netns import TestNetwork, available  # noqa: E402
from tests.support.serving import PASSWORD, Server, Visitor, start_server  # noqa: E402

from summitry.media import JanusAdmin, JanusClient, JanusError, JanusSecrets, JanusSettings  # noqa: E402
from summitry.media.bot import Bot, answer_as_dtls_server  # noqa: E402

SLUG = "canada-bilateral"
PORT = 8766
PLUGIN = "janus.plugin.videoroom"
CHROMIUM = ROOT / "tests" / "e2e" / "chromium-in-clients-ns.sh"


STAGES: dict[str, dict[str, list[float]]] = {}


def mark(path: str, stage: str, seconds: float) -> None:
    STAGES.setdefault(path, {}).setdefault(stage, []).append(seconds)


async def first_frame(url: str, token: str, room: int, feed: int, headers: dict[str, str] | None,
                      dtls_server: bool, path: str) -> tuple[float, JanusClient, RTCPeerConnection]:
    """Subscribe to ``feed``; the moment its first video frame is decoded, and what to close after."""
    t = time.perf_counter()
    client = JanusClient(url, token=token, headers=headers, reconnect=False)
    await client.connect()
    handle = await (await client.create_session()).attach(PLUGIN)
    mark(path, "connect, session, attach", time.perf_counter() - t)
    t = time.perf_counter()
    reply = await handle.message({"request": "join", "ptype": "subscriber", "room": room,
                                  "streams": [{"feed": feed}], "token": token})
    mark(path, "subscriber join (offer)", time.perf_counter() - t)
    t = time.perf_counter()
    pc = RTCPeerConnection()
    got: asyncio.Future[float] = asyncio.get_running_loop().create_future()
    readers: list[asyncio.Future[None]] = []

    @pc.on("track")
    def _on_track(track):  # type: ignore[no-untyped-def]
        if track.kind == "video":
            async def _first() -> None:
                await track.recv()
                if not got.done():
                    got.set_result(time.perf_counter())
            readers.append(asyncio.ensure_future(_first()))

    assert reply.jsep is not None, reply.data
    await pc.setRemoteDescription(RTCSessionDescription(sdp=reply.jsep["sdp"], type=reply.jsep["type"]))
    if dtls_server:
        await answer_as_dtls_server(pc)
    else:
        await pc.setLocalDescription(await pc.createAnswer())
    await handle.message({"request": "start", "room": room},
                         jsep={"type": "answer", "sdp": pc.localDescription.sdp, "trickle": False})
    mark(path, "answer, start", time.perf_counter() - t)
    t = time.perf_counter()
    end = await asyncio.wait_for(got, 10)
    mark(path, "ICE, DTLS, first frame", end - t)
    return end, client, pc


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]


class Measure:
    def __init__(self, server: Server, janus: JanusSettings, dtls_server: bool) -> None:
        self.server, self.janus, self.dtls_server = server, janus, dtls_server
        self.admin = JanusAdmin(janus.admin_url, JanusSecrets.load_or_create(janus.run_dir).admin_secret)

    async def summitry(self, viewer: Visitor, feed: int) -> float:
        t0 = time.perf_counter()
        grant = await viewer.join()
        mark("summitry", "admission (HTTP join)", time.perf_counter() - t0)
        end, client, pc = await first_frame(grant["janus_url"], grant["token"], grant["room"], feed,
                                            viewer.headers, self.dtls_server, "summitry")
        await pc.close()
        await client.close()
        await viewer.leave()
        return end - t0

    async def raw(self, room: int, feed: int) -> float:
        t0 = time.perf_counter()
        token = secrets.token_urlsafe(32)
        await self.admin.add_token(token, [PLUGIN])
        mark("raw", "admission (Admin API)", time.perf_counter() - t0)
        end, client, pc = await first_frame(self.janus.ws_url, token, room, feed, None, self.dtls_server, "raw")
        await pc.close()
        await client.close()
        await self.admin.remove_token(token)
        return end - t0

    async def rounds(self, viewer: Visitor, room: int, feed: int, joins: int) -> dict[str, list[float]]:
        out: dict[str, list[float]] = {"summitry": [], "raw": []}
        for i in range(joins * 2 + 2):
            path = "summitry" if i % 2 == 0 else "raw"
            seconds = await (self.summitry(viewer, feed) if path == "summitry" else self.raw(room, feed))
            if i >= 2:  # the first round of each path warms caches and connections
                out[path].append(seconds)
            await asyncio.sleep(0.1)
        return out


async def until_published(measure: Measure, room: int, feed: int) -> None:
    """Until the publisher's video reaches a subscriber (its first frame decoded once)."""
    for _ in range(40):
        try:
            await measure.raw(room, feed)
            return
        except (TimeoutError, AssertionError, OSError, JanusError):
            await asyncio.sleep(0.5)
    raise RuntimeError("the publisher's video never reached Janus")


async def chromium_publisher(net: TestNetwork, server: Server):  # type: ignore[no-untyped-def]
    from playwright.async_api import async_playwright

    os.environ["SUMMITRY_TEST_CLIENT_NS"] = net.client_ns
    pw = await async_playwright().start()
    browser = await pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=[
        "--disable-gpu", "--no-first-run", "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
        f"--unsafely-treat-insecure-origin-as-secure={server.url}"])
    page = await (await browser.new_context()).new_page()
    await page.goto(f"{server.url}/accounts/login/")
    await page.fill("#id_username", "garneau")
    await page.fill("#id_password", PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"{server.url}/")
    await page.goto(f"{server.url}/engagements/{SLUG}/room")
    await page.click("#join-btn")
    await page.wait_for_selector(".room[data-state='live']", timeout=20000)
    return pw, browser


def report(name: str, results: dict[str, list[float]]) -> tuple[float, float, int]:
    s, r = results["summitry"], results["raw"]
    print(f"{name} publisher: join → first decoded frame, {len(s)} joins per path (ms)")
    for path, v in results.items():
        print(f"  {path:9s} p50 {pct(v, 50) * 1000:7.1f}   p95 {pct(v, 95) * 1000:7.1f}   "
              f"min {min(v) * 1000:7.1f}   max {max(v) * 1000:7.1f}")
    for path, stages in STAGES.items():
        print(f"  {path} by stage, p50 / p95 ms: " + "; ".join(
            f"{stage} {pct(v, 50) * 1000:.1f} / {pct(v, 95) * 1000:.1f}" for stage, v in stages.items()))
    STAGES.clear()
    slow = sum(1 for v in (*s, *r) if v > 0.5)
    print(f"  joins over 500 ms: {slow} of {len(s) + len(r)}")
    print(f"  ratio summitry/raw: p50 {pct(s, 50) / pct(r, 50):.2f}   p95 {pct(s, 95) / pct(r, 95):.2f}")
    return pct(s, 50), pct(s, 95), slow


async def run(net: TestNetwork, joins: int, dtls_server: bool, chromium: bool) -> list[str]:
    data = Path(tempfile.mkdtemp(prefix="summitry-bench-join-"))
    server = start_server(data, net.server_ip, PORT, env={"SUMMITRY_JOINS_PER_MINUTE": "100000"})  # a join loop
    goals: list[str] = []
    try:
        janus = JanusSettings(run_dir=data / "janus")
        measure = Measure(server, janus, dtls_server)
        host = await Visitor(server, "garneau", SLUG).sign_in()
        viewer = await Visitor(server, "chung", SLUG).sign_in()
        server.admit("julie-chung", SLUG)  # once: an admission lasts for the engagement
        grant = await host.join()
        room, feed = grant["room"], grant["publisher_id"]
        bot = Bot(grant["janus_url"], grant["token"], room, feed, tone_hz=550, headers=host.headers)
        await bot.start()
        await until_published(measure, room, feed)
        bot_figures = report("bot", await measure.rounds(viewer, room, feed, joins))
        await bot.stop()
        await host.leave()
        figures = {"bot": bot_figures}
        if chromium:
            pw, browser = await chromium_publisher(net, server)
            try:
                await until_published(measure, room, feed)
                figures["Chromium"] = report("Chromium", await measure.rounds(viewer, room, feed, joins))
            finally:
                await browser.close()
                await pw.stop()
        await viewer.http.close()
        await host.http.close()
        for name, (_, p95, slow) in figures.items():
            goals.append(f"goal join → first frame p95 <= 300 ms ({name} publisher): "
                         f"{'met' if p95 <= 0.300 else 'NOT met'}")
            goals.append(f"goal no join waits for a DTLS retransmission (none over 500 ms; {name} publisher): "
                         f"{'met' if slow == 0 else 'NOT met'}")
    finally:
        server.stop()
    return goals


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--joins", type=int, default=20)
    p.add_argument("--dtls-client", action="store_true", help="answer as DTLS client (the old way)")
    p.add_argument("--no-chromium", action="store_true", help="the bot publisher only")
    args = p.parse_args()
    why = available()
    if why:
        print(f"bench/join.py: {why}", file=sys.stderr)
        return 1
    with TestNetwork(tag=f"smb{os.getpid()}") as net:
        goals = asyncio.run(run(net, args.joins, not args.dtls_client, not args.no_chromium))
    for line in goals:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
