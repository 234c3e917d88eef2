"""Fan-out of one room event to many live channels spread over two processes.

Two ``summitry serve`` processes (``--no-janus``: no media is involved) share one PostgreSQL and one
Redis channel layer, as in a cluster. N participants of one engagement (the press of a press
availability, say) hold the live channel open, half on each process. The host switches the segment
through the API of one process, alternately the first and the second; each client notes when the
segment message reaches it. Latency is from the host's request to each arrival (so it includes the
switch itself: the transaction, the audit entry, the group send through Redis). Prints p50/p95/p99
over every arrival, and the same with one process and the in-memory layer as the baseline.

    .venv/bin/python bench/fanout.py [--clients 500] [--events 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from tests.support import engines  # noqa: E402
from tests.support.serving import SUMMITRY, Server, Visitor, start_server  # noqa: E402

SLUG = "canada-bilateral"  # Marc Garneau hosts
PORTS = (8781, 8782)
KINDS = ("closed", "open")
REQUESTS: list[float] = []  # how long the host's switch request itself took

MAKE_AUDIENCE = """
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore
from summitry.accounts.models import Delegation, Person
from summitry.meetings.models import Engagement, Participation
n = int("{{count}}")
engagement = Engagement.objects.get(slug="{{slug}}")
delegation = Delegation.objects.get(slug="ca-gac")
users = get_user_model().objects
cookies = []
for i in range(n):
    user = users.create_user(f"journalist-{i:04d}")  # no password: a session is made for each below
    person = Person.objects.create(slug=f"journalist-{i:04d}", user=user, delegation=delegation,
                                   given_name="Journalist", family_name=f"{i:04d}")
    Participation.objects.create(engagement=engagement, person=person, role="press")
    s = SessionStore()
    s[SESSION_KEY], s[BACKEND_SESSION_KEY] = str(user.pk), "django.contrib.auth.backends.ModelBackend"
    s[HASH_SESSION_KEY] = user.get_session_auth_hash()
    s.create()
    cookies.append(s.session_key)
print(" ".join(cookies))
"""


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]


def audience(server: Server, n: int) -> list[str]:
    """N press participants of the engagement with a signed-in session each (made in the database, as
    signing in 500 times would only measure password hashing)."""
    script = MAKE_AUDIENCE.replace("{{count}}", str(n)).replace("{{slug}}", SLUG)
    done = subprocess.run([*SUMMITRY, "shell", "-c", script],
                          env=server.env, capture_output=True, text=True, check=False, timeout=600)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1].split()  # after what the shell itself prints


async def measure(servers: list[Server], sessions: list[str], events: int) -> list[float]:
    arrivals: list[float] = []
    pending: dict[int, float] = {}  # client index -> when its current event was sent
    http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))  # one connection per page
    sockets = []
    for i, sid in enumerate(sessions):
        server = servers[i % len(servers)]
        ws = await http.ws_connect(f"ws://{server.url.split('//')[1]}/ws/engagements/{SLUG}/presence",
                                   headers={"Cookie": f"sessionid={sid}", "Origin": server.url})
        sockets.append(ws)
    sent = {"at": 0.0, "kind": ""}
    got = asyncio.Event()
    counted = {"n": 0}

    async def listen(i: int, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for msg in ws:
            data = json.loads(msg.data)
            if data.get("segment") == sent["kind"] and pending.get(i) == sent["at"]:
                arrivals.append(time.perf_counter() - sent["at"])
                del pending[i]
                counted["n"] += 1
                if counted["n"] == len(sockets):
                    got.set()

    readers = [asyncio.create_task(listen(i, ws)) for i, ws in enumerate(sockets)]
    await asyncio.sleep(1.0)  # every socket settled (their first messages read)
    host = [await Visitor(s, "garneau", SLUG).sign_in() for s in servers]
    try:
        for e in range(events + 1):
            kind = KINDS[e % 2]
            got.clear()
            counted["n"] = 0
            sent["kind"], sent["at"] = kind, time.perf_counter()
            pending.update({i: sent["at"] for i in range(len(sockets))})
            if e == 0:
                arrivals_before = len(arrivals)
            status, body = await host[e % len(host)].post(f"/api/engagements/{SLUG}/segment", {"kind": kind})
            assert status == 200, body
            if e:
                REQUESTS.append(time.perf_counter() - sent["at"])
            await asyncio.wait_for(got.wait(), 30)
            if e == 0:  # the first event warms every process's connections: not counted
                del arrivals[arrivals_before:]
    finally:
        for r in readers:
            r.cancel()
        for ws in sockets:
            await ws.close()
        for v in host:
            await v.http.close()
        await http.close()
    return arrivals


def run(clients: int, events: int) -> tuple[list[float], list[float]]:
    with engines.postgres() as database, engines.redis() as layer:
        data = Path(tempfile.mkdtemp(prefix="summitry-bench-fanout-"))
        env = {"SUMMITRY_DATABASE_URL": database, "SUMMITRY_REDIS_URL": layer, "SUMMITRY_LOG_LEVEL": "WARNING"}
        servers = [start_server(data, "127.0.0.1", PORTS[0], env=env, args=["--no-janus"])]
        try:
            servers.append(start_server(data, "127.0.0.1", PORTS[1], env=env, load=False, args=["--no-janus"]))
            sessions = audience(servers[0], clients)
            cluster = asyncio.run(measure(servers, sessions, events))
        finally:
            for s in servers:
                s.stop()
        # The baseline: one process, the in-memory layer, the same database and audience.
        single = start_server(data, "127.0.0.1", PORTS[0], env={**env, "SUMMITRY_REDIS_URL": ""}, load=False,
                              args=["--no-janus"])
        try:
            baseline = asyncio.run(measure([single], sessions, events))
        finally:
            single.stop()
    return cluster, baseline


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--clients", type=int, default=500)
    p.add_argument("--events", type=int, default=10)
    args = p.parse_args()
    os.environ.pop("SUMMITRY_DATABASE_URL", None)
    cluster, baseline = run(args.clients, args.events)
    print(f"one segment switch → {args.clients} live channels, {args.events} events (ms from the host's request)")
    for name, v in (("two processes + Redis", cluster), ("one process, in memory", baseline)):
        print(f"  {name:24s} p50 {pct(v, 50) * 1000:7.1f}   p95 {pct(v, 95) * 1000:7.1f}   "
              f"p99 {pct(v, 99) * 1000:7.1f}   max {max(v) * 1000:7.1f}   ({len(v)} arrivals)")
    print(f"  the host's request alone (the switch, its transaction and audit, the group send): "
          f"p50 {pct(REQUESTS, 50) * 1000:.1f} ms, p95 {pct(REQUESTS, 95) * 1000:.1f} ms")
    print(f"  ratio cluster/baseline at p99: {pct(cluster, 99) / pct(baseline, 99):.2f}")
    print(f"goal one room event reaches {args.clients} clients over two processes with p99 <= 50 ms: "
          f"{'met' if pct(cluster, 99) <= 0.050 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
