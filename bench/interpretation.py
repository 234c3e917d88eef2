"""Interpretation channels: the latency a channel adds, and how many participants Janus mixes per core.

1. Added latency. One speaker sends the same chirps (40 ms bursts, one every 300 ms) at once into a
   VideoRoom (plain forwarding, as the floor travels) and into an AudioBridge channel (on air, as an
   interpreter), both configured by Summitry's own code. One listener receives the VideoRoom feed, the
   channel as a participant of the AudioBridge room, and the channel as listeners get it (the room's
   mix forwarded into its Streaming mountpoint); each chirp's onset is timed where it arrives. Prints
   each path's one-way latency and, per chirp, what the channel adds over plain forwarding, p50/p95.
2. Participants per core. N plain-RTP participants in one AudioBridge room, all unmuted and sending
   Opus (full mixing: Janus decodes N streams, mixes, and encodes N mix-minus streams every 20 ms),
   then the same with one voice on air; Janus's own CPU time is read from /proc.
3. Listeners per core. M WebRTC listeners watching one channel's mountpoint (the mix encoded once,
   relayed without transcoding): Janus's CPU with M listeners less its CPU with none.

Runs inside its own network namespaces (root):

    .venv/bin/python bench/interpretation.py [--chirps 60] [--sizes 50,100,200]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fractions
import os
import secrets
import socket
import statistics
import struct
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SUMMITRY_DATA_DIR", tempfile.mkdtemp(prefix="summitry-bench-"))
os.environ["SUMMITRY_JANUS_WS_PORT"] = "9488"
os.environ["SUMMITRY_JANUS_HTTP_PORT"] = "9489"
os.environ["SUMMITRY_JANUS_ADMIN_PORT"] = "9490"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "summitry.settings")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription  # noqa: E402
from aiortc.codecs.opus import OpusEncoder  # noqa: E402
from aiortc.contrib.media import MediaRelay  # noqa: E402
from av import AudioFrame  # noqa: E402
from tests.support.netns import TestNetwork, available  # noqa: E402

from summitry.media import ChannelSpec, JanusClient, JanusSupervisor, MountpointSpec, RoomSpec  # noqa: E402
from summitry.media.audiobridge import PLUGIN as AUDIOBRIDGE  # noqa: E402
from summitry.media.bot import ChannelBot, ListenerBot, _sdp, answer_as_dtls_server  # noqa: E402
from summitry.media.streaming import PLUGIN as STREAMING  # noqa: E402
from summitry.media.tones import sine  # noqa: E402
from summitry.meetings.janus import gateway, janus_secrets, janus_settings  # noqa: E402

RATE, FRAME = 48000, 960
VIDEOROOM = "janus.plugin.videoroom"


class ChirpTrack(MediaStreamTrack):
    """Silence with a 40 ms burst every ``period`` seconds; remembers when each burst left."""

    kind = "audio"

    def __init__(self, period: float = 0.3) -> None:
        super().__init__()
        self.every = round(period / 0.02)
        self.n = 0
        self.start: float | None = None
        self.sent: list[float] = []
        self.burst = sine(1500, 2 * FRAME, RATE, amplitude=0.6)

    async def recv(self) -> AudioFrame:
        if self.start is None:
            self.start = time.monotonic()
        wait = self.start + self.n * 0.02 - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        phase = self.n % self.every
        if phase == 0:
            self.sent.append(time.monotonic())
        pcm = self.burst[phase * FRAME:(phase + 1) * FRAME] if phase < 2 else np.zeros(FRAME, dtype=np.int16)
        frame = AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate, frame.pts, frame.time_base = RATE, self.n * FRAME, fractions.Fraction(1, RATE)
        self.n += 1
        return frame


async def record(track: MediaStreamTrack, out: list[tuple[float, float]]) -> None:
    """(arrival time, RMS) of every 20 ms frame that arrives."""
    with contextlib.suppress(Exception):
        while True:
            frame: Any = await track.recv()
            pcm = frame.to_ndarray().astype(np.float64)
            out.append((time.monotonic(), float(np.sqrt(np.mean(pcm ** 2)))))


def onsets(frames: list[tuple[float, float]], threshold: float = 1500.0) -> list[float]:
    times, loud = [], False
    for t, rms in frames:
        if rms > threshold and not loud:
            times.append(t)
        loud = rms > threshold
    return times


def match(sent: list[float], arrived: list[float], window: float = 0.25) -> list[float | None]:
    out: list[float | None] = []
    for s in sent:
        hit = next((a for a in arrived if s <= a < s + window), None)
        out.append(None if hit is None else hit - s)
    return out


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


async def added_latency(sup: JanusSupervisor, chirps: int) -> None:
    gw = gateway()
    token = secrets.token_urlsafe(16)
    await sup.admin.add_token(token, [VIDEOROOM, AUDIOBRIDGE, STREAMING])
    vroom, aroom, secret = 4_000_001, 4_000_002, secrets.token_urlsafe(12)
    await gw.open_room(RoomSpec(room=vroom, description="bench", secret=secret, allowed=(token,)))
    await gw.open_channel(ChannelSpec(room=aroom, description="bench", secret=secret, allowed=(token,)),
                          MountpointSpec(id=aroom, description="bench", secret=secret, pin="bench"))
    chirp = ChirpTrack()
    relay = MediaRelay()
    url = sup.settings.ws_url
    client = JanusClient(url, token=token, reconnect=False)
    await client.connect()
    session = await client.create_session()
    pcs: list[RTCPeerConnection] = []
    vr_frames: list[tuple[float, float]] = []
    tasks: list[asyncio.Task[None]] = []
    listener = ChannelBot(url, token, aroom)
    watcher = ListenerBot(url, token, aroom, "bench")
    try:
        # The speaker: a VideoRoom publisher and an AudioBridge participant, one source.
        pub = await session.attach(VIDEOROOM)
        await pub.message({"request": "join", "ptype": "publisher", "room": vroom, "id": 1, "token": token})
        pc = RTCPeerConnection()
        pcs.append(pc)
        pc.addTransceiver(relay.subscribe(chirp, buffered=False), direction="sendonly")
        await pc.setLocalDescription(await pc.createOffer())
        reply = await pub.message({"request": "publish", "audio": True, "video": False}, jsep=_sdp(pc))
        assert reply.jsep is not None
        await pc.setRemoteDescription(RTCSessionDescription(sdp=reply.jsep["sdp"], type=reply.jsep["type"]))
        interp = await session.attach(AUDIOBRIDGE)
        await interp.message({"request": "join", "room": aroom, "id": 2, "token": token, "muted": True})
        pc2 = RTCPeerConnection()
        pcs.append(pc2)
        pc2.addTransceiver(relay.subscribe(chirp, buffered=False), direction="sendrecv")
        await pc2.setLocalDescription(await pc2.createOffer())
        reply = await interp.message({"request": "configure", "muted": True}, jsep=_sdp(pc2))
        assert reply.jsep is not None
        await pc2.setRemoteDescription(RTCSessionDescription(sdp=reply.jsep["sdp"], type=reply.jsep["type"]))
        await gw.set_on_air(aroom, secret, off=None, on=2)
        # The listener: subscribes to the VideoRoom feed, and listens to the channel.
        await asyncio.sleep(1.0)
        sub = await session.attach(VIDEOROOM)
        reply = await sub.message({"request": "join", "ptype": "subscriber", "room": vroom,
                                   "streams": [{"feed": 1}], "token": token})
        assert reply.jsep is not None
        pc3 = RTCPeerConnection()
        pcs.append(pc3)

        @pc3.on("track")
        def _on_track(track: MediaStreamTrack) -> None:
            tasks.append(asyncio.ensure_future(record(track, vr_frames)))

        await pc3.setRemoteDescription(RTCSessionDescription(sdp=reply.jsep["sdp"], type=reply.jsep["type"]))
        await answer_as_dtls_server(pc3)
        await sub.message({"request": "start", "room": vroom}, jsep=_sdp(pc3))
        await listener.start()
        await watcher.start()
        await asyncio.sleep(2.0)  # every path settled
        first = len(chirp.sent)
        await asyncio.sleep(chirps * 0.3 + 0.5)
        sent = chirp.sent[first:first + chirps]
        ab_frames = [(t, float(np.sqrt(np.mean(a.astype(np.float64) ** 2)))) for t, a in listener.received]
        st_frames = [(t, float(np.sqrt(np.mean(a.astype(np.float64) ** 2)))) for t, a in watcher.received]
        vr = match(sent, onsets(vr_frames))
        ab = match(sent, onsets(ab_frames))
        st = match(sent, onsets(st_frames))
    finally:
        for task in tasks:
            task.cancel()
        await listener.stop()
        await watcher.stop()
        for p in pcs:
            await p.close()
        await client.close()
        await gw.close()
    triples = [(v, a, w) for v, a, w in zip(vr, ab, st, strict=True) if None not in (v, a, w)]
    if len(triples) < chirps // 2:
        print(f"added latency: only {len(triples)} of {chirps} chirps arrived on every path", file=sys.stderr)
        return
    v = [x[0] * 1000 for x in triples]
    a = [x[1] * 1000 for x in triples]
    w = [x[2] * 1000 for x in triples]
    da = [(x[1] - x[0]) * 1000 for x in triples]
    dw = [(x[2] - x[0]) * 1000 for x in triples]
    print(f"latency of a chirp, sender to listener ({len(triples)} of {chirps} chirps on every path), ms")
    print(f"  VideoRoom (plain forwarding)        p50 {pct(v, 50):6.1f}   p95 {pct(v, 95):6.1f}")
    print(f"  channel, as an AudioBridge member   p50 {pct(a, 50):6.1f}   p95 {pct(a, 95):6.1f}")
    print(f"  channel, as listeners get it        p50 {pct(w, 50):6.1f}   p95 {pct(w, 95):6.1f}")
    print(f"  added over forwarding (member)      p50 {pct(da, 50):6.1f}   p95 {pct(da, 95):6.1f}")
    print(f"  added over forwarding (listener)    p50 {pct(dw, 50):6.1f}   p95 {pct(dw, 95):6.1f}   "
          f"(goal: p95 <= 80 ms: {'met' if pct(dw, 95) <= 80 else 'NOT met'})")
    print(f"  ratio listener/forwarding           p50 {pct(w, 50) / pct(v, 50):.2f}")


def opus_packets(seconds: float = 1.0) -> list[bytes]:
    """A 440 Hz tone as Opus payloads, 20 ms each (what a speaking participant sends)."""
    enc = OpusEncoder()
    out: list[bytes] = []
    for i in range(int(seconds / 0.02)):
        frame = AudioFrame.from_ndarray(sine(440, FRAME, RATE, i * FRAME).reshape(1, -1), format="s16",
                                        layout="mono")
        frame.sample_rate, frame.pts, frame.time_base = RATE, i * FRAME, fractions.Fraction(1, RATE)
        payloads, _ = enc.encode(frame)
        out.extend(payloads)
    return out


def janus_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def per_core(sup: JanusSupervisor, sizes: list[int], seconds: float, rate: int) -> None:
    for all_speak in (True, False):
        what = ("all speaking (every stream decoded, mixed, and a mix-minus encoded for each)" if all_speak
                else "one voice on air, the rest listening muted (an interpretation channel)")
        print(f"AudioBridge at {rate // 1000} kHz, N plain-RTP participants in one room, {what}; "
              f"Janus's CPU over {seconds:g} s")
        for n in sizes:
            await one_load(sup, n, seconds, rate, all_speak)


async def one_load(sup: JanusSupervisor, n: int, seconds: float, rate: int, all_speak: bool) -> None:
    gw = gateway()
    token = secrets.token_urlsafe(16)
    await sup.admin.add_token(token, [AUDIOBRIDGE])
    packets = opus_packets()
    pid = sup.process.pid if sup.process else 0
    if True:
        room, secret = 5_000_000 + n * 2 + int(all_speak), secrets.token_urlsafe(12)
        await gw.open_channel(ChannelSpec(room=room, description="load", secret=secret, allowed=(token,),
                                          allow_rtp_participants=True, sampling_rate=rate))
        client = JanusClient(sup.settings.ws_url, token=token, reconnect=False)
        await client.connect()
        session = await client.create_session()
        socks: list[tuple[socket.socket, tuple[str, int]]] = []
        try:
            for i in range(n):
                sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                sock.bind(("127.0.0.1", 0))
                sock.setblocking(False)
                handle = await session.attach(AUDIOBRIDGE)
                reply = await handle.message({
                    "request": "join", "room": room, "token": token, "muted": not (all_speak or i == 0),
                    "display": f"p{i}",
                    "rtp": {"ip": "127.0.0.1", "port": sock.getsockname()[1], "payload_type": 111}})
                rtp = reply.data.get("rtp") or {}
                socks.append((sock, (str(rtp.get("ip", "127.0.0.1")), int(rtp["port"]))))
            received = await drive(socks, packets, 2.0)  # warm-up: prebuffers fill, everyone mixed
            before, t0 = janus_cpu_seconds(pid), time.monotonic()
            received = await drive(socks, packets, seconds)
            used = janus_cpu_seconds(pid) - before
            wall = time.monotonic() - t0
            cores = used / wall
            rate_back = received / wall / n
            note = "" if rate_back >= 48 else "   SATURATED: the mixer fell behind, so this N does not count"
            print(f"  N={n:4d}  Janus {cores * 100:6.1f} % of a core   {n / cores if cores else float('inf'):7.0f} "
                  f"participants per core   mix packets back {rate_back:5.1f}/s each (50 expected){note}")
        finally:
            for sock, _ in socks:
                sock.close()
            await client.close()
            await gw.close_channel(room, secret)
            await gw.close()


async def drive(socks: list[tuple[socket.socket, tuple[str, int]]], packets: list[bytes], seconds: float) -> int:
    """Send 50 packets a second from each participant; count the mixed packets coming back."""
    ssrcs = [secrets.randbits(32) for _ in socks]
    seq, received, start, k = 0, 0, time.monotonic(), 0
    while time.monotonic() - start < seconds:
        payload = packets[k % len(packets)]
        for (sock, addr), ssrc in zip(socks, ssrcs, strict=True):
            header = struct.pack("!BBHII", 0x80, 111, seq & 0xFFFF, (k * FRAME) & 0xFFFFFFFF, ssrc)
            with contextlib.suppress(BlockingIOError):
                sock.sendto(header + payload, addr)
            while True:
                try:
                    sock.recv(2048)
                    received += 1
                except BlockingIOError:
                    break
        seq, k = seq + 1, k + 1
        wait = start + k * 0.02 - time.monotonic()
        await asyncio.sleep(max(wait, 0))
    return received


async def listeners_per_core(sup: JanusSupervisor, sizes: list[int], seconds: float) -> None:
    """Janus's CPU for M listeners of one channel (one interpreter on air), less its CPU for none."""
    gw = gateway()
    token = secrets.token_urlsafe(16)
    await sup.admin.add_token(token, [AUDIOBRIDGE, STREAMING])
    room, secret = 6_000_001, secrets.token_urlsafe(12)
    await gw.open_channel(ChannelSpec(room=room, description="load", secret=secret, allowed=(token,)),
                          MountpointSpec(id=room, description="load", secret=secret, pin="load"))
    url, pid = sup.settings.ws_url, (sup.process.pid if sup.process else 0)
    interpreter = ChannelBot(url, token, room, tone_hz=440, participant_id=1)
    listeners: list[ListenerBot] = []
    print(f"Channel listeners (Streaming fan-out of the mix, one interpreter on air); Janus's CPU over {seconds:g} s")
    try:
        await interpreter.start()
        await gw.set_on_air(room, secret, off=None, on=1)

        async def janus_share() -> float:
            await asyncio.sleep(1.0)
            before, t0 = janus_cpu_seconds(pid), time.monotonic()
            await asyncio.sleep(seconds)
            return (janus_cpu_seconds(pid) - before) / (time.monotonic() - t0)

        base = await janus_share()
        print(f"  M=   0  Janus {base * 100:6.1f} % of a core (the interpreter, the mix, one forward)")
        for m in sizes:
            while len(listeners) < m:
                bot = ListenerBot(url, token, room, "load")
                await bot.start()
                listeners.append(bot)
            share = await janus_share()
            per = (share - base) / m
            print(f"  M={m:4d}  Janus {share * 100:6.1f} % of a core   {1 / per if per > 0 else float('inf'):8.0f} "
                  f"listeners per core")
    finally:
        for bot in listeners:
            await bot.stop()
        await interpreter.stop()
        await gw.close_channel(room, secret, mountpoint=room)
        await gw.close()


async def run(chirps: int, sizes: list[int], seconds: float, rate: int, listeners: list[int]) -> None:
    sup = JanusSupervisor(janus_settings(), janus_secrets())
    await sup.start()
    try:
        await added_latency(sup, chirps)
        await per_core(sup, sizes, seconds, rate)
        await listeners_per_core(sup, listeners, seconds)
    finally:
        await sup.stop()


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--chirps", type=int, default=60)
    p.add_argument("--sizes", default="50,100", help="participant counts (200 saturates a 2-core machine)")
    p.add_argument("--seconds", type=float, default=8.0)
    p.add_argument("--rate", type=int, default=48000, help="the channels' mixing rate (Hz)")
    p.add_argument("--listeners", default="20,40", help="listener counts for the fan-out (aiortc, in this process)")
    args = p.parse_args()
    why = available()
    if why:
        print(f"bench/interpretation.py: {why}", file=sys.stderr)
        return 1
    with TestNetwork(tag=f"smi{os.getpid()}"):
        asyncio.run(run(args.chirps, [int(x) for x in args.sizes.split(",")], args.seconds, args.rate,
                        [int(x) for x in args.listeners.split(",")]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
