"""Join latency: from the join request to the first decoded remote video frame.

Two paths in the same run, against the same Janus and the same publisher:
  summitry  the participant's join goes through Summitry's services (access check, grant in the
            database, room opened on demand, token stored at Janus, room ACL updated), then subscribes;
  raw       the same Janus calls made directly (token stored, ACL updated), then the same subscribe.
Prints p50/p95 for each and their ratio. Runs inside its own network namespaces (root).

    .venv/bin/python bench/join.py [--joins 20]
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
os.environ.setdefault("SUMMITRY_DATA_DIR", tempfile.mkdtemp(prefix="summitry-bench-"))
os.environ["SUMMITRY_JANUS_WS_PORT"] = "9388"
os.environ["SUMMITRY_JANUS_HTTP_PORT"] = "9389"
os.environ["SUMMITRY_JANUS_ADMIN_PORT"] = "9390"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "summitry.settings")

import django  # noqa: E402

django.setup()

from aiortc import RTCPeerConnection, RTCSessionDescription  # noqa: E402
from asgiref.sync import sync_to_async  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from tests.support.netns import TestNetwork, available  # noqa: E402

from summitry.media import JanusClient, JanusSupervisor  # noqa: E402
from summitry.media.bot import Bot  # noqa: E402
from summitry.meetings import services  # noqa: E402
from summitry.meetings.janus import gateway, janus_secrets, janus_settings  # noqa: E402
from summitry.meetings.models import Engagement, Participation  # noqa: E402

SLUG = "canada-bilateral"
PLUGIN = "janus.plugin.videoroom"


async def first_frame(url: str, token: str, room: int, feed: int) -> tuple[float, JanusClient, RTCPeerConnection]:
    """Subscribe to ``feed`` and return the seconds until its first decoded video frame."""
    start = time.perf_counter()
    client = JanusClient(url, token=token, reconnect=False)
    await client.connect()
    handle = await (await client.create_session()).attach(PLUGIN)
    reply = await handle.message({"request": "join", "ptype": "subscriber", "room": room,
                                  "streams": [{"feed": feed}], "token": token})
    pc = RTCPeerConnection()
    got = asyncio.get_running_loop().create_future()
    readers: list[asyncio.Future[None]] = []

    @pc.on("track")
    def _on_track(track):  # type: ignore[no-untyped-def]
        if track.kind == "video":
            async def _first() -> None:
                await track.recv()
                if not got.done():
                    got.set_result(time.perf_counter())
            readers.append(asyncio.ensure_future(_first()))

    assert reply.jsep is not None
    await pc.setRemoteDescription(RTCSessionDescription(sdp=reply.jsep["sdp"], type=reply.jsep["type"]))
    await pc.setLocalDescription(await pc.createAnswer())
    await handle.message({"request": "start", "room": room},
                         jsep={"type": "answer", "sdp": pc.localDescription.sdp, "trickle": False})
    end = await asyncio.wait_for(got, 10)
    return end - start, client, pc


@sync_to_async
def _admit(engagement: Engagement, viewer: Participation) -> None:
    from summitry.meetings import lobby

    lobby.check_in(viewer, "bench")
    lobby.decide(engagement, viewer.pk, "admitted", "bench")


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]


async def run(joins: int, gap: float) -> None:
    sup = JanusSupervisor(janus_settings(), janus_secrets())
    await sup.start()
    gw = gateway()
    users = {u.username: u for u in await sync_to_async(list)(get_user_model().objects.all())}
    engagement = await Engagement.objects.aget(slug=SLUG)
    # Garneau publishes the whole time (an aiortc bot with a test pattern and a tone).
    host = await services.join(users["garneau"], SLUG)
    publisher = Bot(sup.settings.ws_url, host.token, host.room, host.publisher_id, tone_hz=550)
    await publisher.start()
    for _ in range(200):  # until Janus has the publisher's media
        if any(p.get("publisher") for p in await gw.room_participants(host.room)):
            break
        await asyncio.sleep(0.05)
    viewer = await Participation.objects.select_related("person__user").aget(
        engagement=engagement, person__slug="julie-chung")
    results: dict[str, list[float]] = {"summitry": [], "raw": []}
    admission: dict[str, list[float]] = {"summitry": [], "raw": []}
    try:
        for i in range(joins * 2 + 2):
            path = "summitry" if i % 2 == 0 else "raw"
            if path == "summitry":  # the host admitted the viewer from the lobby beforehand
                await _admit(engagement, viewer)
            t0 = time.perf_counter()
            if path == "summitry":
                grant = await services.join(viewer.person.user, SLUG)
                token = grant.token
            else:
                token = secrets.token_urlsafe(32)
                await sup.admin.add_token(token, [PLUGIN])
                await gw._with_room(lambda vr, t=token: vr.allow(engagement.media_room, engagement.room_secret, [t]))
            admitted = time.perf_counter() - t0
            seconds, client, pc = await first_frame(sup.settings.ws_url, token, engagement.media_room,
                                                    host.publisher_id)
            total = admitted + seconds
            if i >= 2:  # the first round of each path warms caches and connections
                results[path].append(total)
                admission[path].append(admitted)
            await pc.close()
            await client.close()
            if path == "summitry":
                await services.leave(viewer.person.user, SLUG)
            else:
                await gw.revoke(engagement.media_room, engagement.room_secret, token, None)
            await asyncio.sleep(gap)  # Janus rate-limits keyframe requests per publisher
    finally:
        await publisher.stop()
        await gw.close()
        await sup.stop()
    s, r = results["summitry"], results["raw"]
    print(f"join → first decoded remote frame, {len(s)} joins per path (ms)")
    for name, v in results.items():
        print(f"  {name:9s} p50 {pct(v, 50) * 1000:7.1f}   p95 {pct(v, 95) * 1000:7.1f}   "
              f"min {min(v) * 1000:7.1f}   max {max(v) * 1000:7.1f}")
    print("admission alone (join request until Janus accepts the token), ms")
    for name, v in admission.items():
        print(f"  {name:9s} p50 {pct(v, 50) * 1000:7.1f}   p95 {pct(v, 95) * 1000:7.1f}")
    slow = sum(1 for v in (*s, *r) if v > 0.5)
    print(f"  joins that waited for the publisher's next keyframe (> 500 ms): {slow} of {len(s) + len(r)}")
    print(f"  ratio summitry/raw: p50 {pct(s, 50) / pct(r, 50):.2f}   p95 {pct(s, 95) / pct(r, 95):.2f}")
    print(f"  goal: p50 <= 150 ms and summitry/raw <= 1.2 at p50: "
          f"{'met' if pct(s, 50) <= 0.150 and pct(s, 50) / pct(r, 50) <= 1.2 else 'NOT met'}")


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--joins", type=int, default=20)
    p.add_argument("--gap", type=float, default=1.2, help="seconds between joins (keyframe request limit)")
    args = p.parse_args()
    why = available()
    if why:
        print(f"bench/join.py: {why}", file=sys.stderr)
        return 1
    call_command("migrate", verbosity=0)
    call_command("load_scenario", verbosity=0)
    with TestNetwork(tag=f"smb{os.getpid()}"):
        asyncio.run(run(args.joins, args.gap))
    return 0


if __name__ == "__main__":
    sys.exit(main())
