"""What the relay's allow-list costs per signalling frame (decision 0005).

Frames as the pages send them (publisher join, publish with an SDP offer, subscriber join and start
with an answer, trickle, keepalive, channel join, watch, switch) go through ``allowlist.admit`` and are
serialised for Janus, against a baseline run in the same process: ``json.loads`` + ``json.dumps`` of the
same frame (what forwarding it untouched would cost at the least). Media never passes the relay.
Goal: the allow-list adds at most 200 µs per frame at p95 on one core.

    .venv/bin/python bench/relay.py [--frames 20000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from summitry.media.allowlist import AUDIOBRIDGE, STREAMING, VIDEOROOM, RelayGrant, RelayState, admit

TOKEN, ROOM, ME, FR = "t" * 43, 5000001, 7000001, 6000001
SDP = ("v=0\r\n" + "a=candidate:1 1 udp 2122260223 10.77.0.2 50000 typ host\r\n" * 12
       + "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n" * 40)
GRANT = RelayGrant(token=TOKEN, room=ROOM, publisher_id=ME, may_publish=True,
                   feeds=frozenset(range(7000001, 7000041)), streams={FR: "pin"}, speak_rooms=frozenset({FR}))
HANDLES = {1: VIDEOROOM, 2: AUDIOBRIDGE, 3: STREAMING}


def frames() -> list[str]:
    base = {"transaction": "abcdefghijkl", "session_id": 99, "token": TOKEN}
    msgs = [
        {"janus": "message", "handle_id": 1, "body": {"request": "join", "ptype": "publisher", "room": ROOM,
                                                        "id": ME, "display": str(ME), "token": TOKEN}},
        {"janus": "message", "handle_id": 1, "body": {"request": "publish", "audio": True, "video": True},
         "jsep": {"type": "offer", "sdp": SDP, "e2ee": True}},
        {"janus": "message", "handle_id": 1, "body": {"request": "join", "ptype": "subscriber", "room": ROOM,
                                                        "streams": [{"feed": 7000002}]}},
        {"janus": "message", "handle_id": 1, "body": {"request": "start", "room": ROOM},
         "jsep": {"type": "answer", "sdp": SDP}},
        {"janus": "trickle", "handle_id": 1, "candidate": {"candidate": "candidate:1 1 udp 2122260223 10.77.0.2 "
                                                           "50000 typ host", "sdpMid": "0", "sdpMLineIndex": 0}},
        {"janus": "keepalive"},
        {"janus": "message", "handle_id": 2, "body": {"request": "join", "room": FR, "muted": True}},
        {"janus": "message", "handle_id": 3, "body": {"request": "watch", "id": FR, "pin": "pin"}},
        {"janus": "message", "handle_id": 3, "body": {"request": "switch", "id": FR}},
    ]
    return [json.dumps({**base, **m}) for m in msgs]


def timed(fn, texts: list[str], n: int) -> list[float]:
    out = []
    for i in range(n):
        text = texts[i % len(texts)]
        t0 = time.perf_counter()
        fn(text)
        out.append((time.perf_counter() - t0) * 1e6)
    return out


def pct(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100)[p - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=20000)
    args = parser.parse_args()
    texts = frames()

    def baseline(text: str) -> None:
        json.dumps(json.loads(text))

    def allowlist(text: str) -> None:
        json.dumps(admit(text, GRANT, RelayState(session_id=99, handles=dict(HANDLES))))

    timed(allowlist, texts, 2000)  # warm-up
    base, allow = timed(baseline, texts, args.frames), timed(allowlist, texts, args.frames)
    print(f"frames: {args.frames} ({len(texts)} kinds, SDP {len(SDP)} bytes)")
    print(f"baseline json round trip: p50 {pct(base, 50):.1f} µs, p95 {pct(base, 95):.1f} µs")
    print(f"allow-list + rebuild:     p50 {pct(allow, 50):.1f} µs, p95 {pct(allow, 95):.1f} µs "
          f"({1e6 / statistics.mean(allow):,.0f} frames per second on one core)")
    added = pct(allow, 95) - pct(base, 95)
    print(f"added by the allow-list: p95 {added:.1f} µs, ratio at p50 {pct(allow, 50) / pct(base, 50):.1f}")
    print(f"goal allow-list adds <= 200 µs per frame at p95: {'met' if added <= 200 else 'NOT met'}")


if __name__ == "__main__":
    main()
