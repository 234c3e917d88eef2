"""A headless participant: publishes a test pattern and a tone, subscribes to everyone else, and
reports what actually arrived (decoded frames, the frequency heard) per feed.

Used by ``summitry bot``, the end-to-end tests and the join benchmark.
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError
from av import AudioFrame, VideoFrame

from .client import Handle, JanusClient, Session
from .tones import dominant_frequency, sine
from .videoroom import PLUGIN

log = logging.getLogger(__name__)

AUDIO_RATE = 48000
AUDIO_PTIME = 0.020


async def answer_as_dtls_server(pc: RTCPeerConnection) -> None:
    """Answer Janus's offer taking the DTLS server role (``a=setup:passive``), so that Janus starts the
    handshake. Janus 1.1.2 drops DTLS records that arrive before its own ICE check has completed
    (``dtls_started == 0`` in dtls.c), and the answerer, as DTLS client, often sends its ClientHello
    first: OpenSSL's first retransmission then comes a whole second later, and the subscription waits
    for it (the join benchmark's slow joins). As server, we simply wait for Janus's ClientHello."""
    answer = await pc.createAnswer()
    await pc.setLocalDescription(RTCSessionDescription(
        sdp=answer.sdp.replace("a=setup:active", "a=setup:passive"), type="answer"))


class ToneTrack(MediaStreamTrack):
    """A continuous sine tone, 48 kHz mono, 20 ms frames."""

    kind = "audio"

    def __init__(self, freq: float) -> None:
        super().__init__()
        self.freq = freq
        self._samples = 0
        self._start: float | None = None

    async def recv(self) -> AudioFrame:
        n = int(AUDIO_RATE * AUDIO_PTIME)
        if self._start is None:
            self._start = time.monotonic()
        wait = self._start + self._samples / AUDIO_RATE - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        frame = AudioFrame.from_ndarray(sine(self.freq, n, AUDIO_RATE, self._samples).reshape(1, -1),
                                        format="s16", layout="mono")
        frame.sample_rate = AUDIO_RATE
        frame.pts = self._samples
        frame.time_base = fractions.Fraction(1, AUDIO_RATE)
        self._samples += n
        return frame


class PatternTrack(MediaStreamTrack):
    """Moving colour bars, 320x240 at 15 fps: enough for a decoder to prove frames arrive."""

    kind = "video"

    def __init__(self, fps: int = 15, width: int = 320, height: int = 240) -> None:
        super().__init__()
        self.fps, self.width, self.height = fps, width, height
        self._count = 0
        self._start: float | None = None
        bars = np.array([[235, 235, 235], [235, 235, 16], [16, 235, 235], [16, 235, 16], [235, 16, 235],
                         [235, 16, 16], [16, 16, 235], [16, 16, 16]], dtype=np.uint8)
        self._base = np.repeat(bars, width // len(bars), axis=0)[np.newaxis, :, :].repeat(height, axis=0)

    async def recv(self) -> VideoFrame:
        if self._start is None:
            self._start = time.monotonic()
        wait = self._start + self._count / self.fps - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        img = np.roll(self._base, self._count * 4, axis=1)
        frame = VideoFrame.from_ndarray(np.ascontiguousarray(img), format="rgb24")
        frame.pts = self._count * (90000 // self.fps)
        frame.time_base = fractions.Fraction(1, 90000)
        self._count += 1
        return frame


@dataclass
class FeedReport:
    """What arrived from one remote publisher."""

    feed: int
    frames: int = 0
    first_frame_s: float | None = None
    audio: list[np.ndarray[Any, Any]] = field(default_factory=list, repr=False)
    colours: list[tuple[float, float, float]] = field(default_factory=list, repr=False)
    joined_at: float = field(default_factory=time.monotonic)
    left: bool = False

    def heard_hz(self, seconds: float = 2.0) -> float:
        if not self.audio:
            return 0.0
        samples = np.concatenate(self.audio)[-int(seconds * AUDIO_RATE):]
        return dominant_frequency(samples, AUDIO_RATE)

    def summary(self) -> dict[str, Any]:
        return {"feed": self.feed, "frames_decoded": self.frames, "first_frame_s": self.first_frame_s,
                "heard_hz": round(self.heard_hz(), 1), "audio_s": round(sum(a.size for a in self.audio)
                                                                         / AUDIO_RATE, 2), "left": self.left}


def _sdp(pc: RTCPeerConnection) -> dict[str, Any]:
    desc = pc.localDescription
    return {"type": desc.type, "sdp": desc.sdp, "trickle": False}


class Bot:
    """One participant in a VideoRoom, driven from Python."""

    def __init__(self, janus_url: str, token: str, room: int, publisher_id: int, *, display: str = "bot",
                 tone_hz: float = 440.0, video: bool = True, publish: bool = True,
                 headers: dict[str, str] | None = None, watch: list[int] | None = None) -> None:
        self.janus_url, self.token, self.room, self.publisher_id = janus_url, token, room, publisher_id
        self.display, self.tone_hz, self.video, self.publish = display, tone_hz, video, publish
        self.headers = headers
        self.watch = watch  # watch only these feeds, without joining as a publisher (how the press watches)
        self.client: JanusClient | None = None
        self.session: Session | None = None
        self.publisher: Handle | None = None
        self.private_id: int | None = None
        self.feeds: dict[int, FeedReport] = {}
        self._pcs: list[RTCPeerConnection] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._subscribers: dict[int, Handle] = {}

    async def start(self) -> None:
        self.client = JanusClient(self.janus_url, token=self.token, headers=self.headers, reconnect=False)
        await self.client.connect()
        self.session = await self.client.create_session()
        if self.watch is not None:
            for feed in self.watch:
                await self.subscribe(feed)
            return
        self.publisher = await self.session.attach(PLUGIN)
        reply = await self.publisher.message({"request": "join", "ptype": "publisher", "room": self.room,
                                              "id": self.publisher_id, "display": self.display,
                                              "token": self.token})
        self.private_id = reply.data.get("private_id")
        if self.publish:
            await self._publish()
        self._spawn(self._watch_publisher())
        for p in reply.data.get("publishers", []):
            self._spawn(self.subscribe(int(p["id"])))

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _publish(self) -> None:
        if self.publisher is None:
            raise RuntimeError("start() the bot first")
        pc = RTCPeerConnection()
        self._pcs.append(pc)
        pc.addTransceiver(ToneTrack(self.tone_hz), direction="sendonly")
        if self.video:
            pc.addTransceiver(PatternTrack(), direction="sendonly")
        await pc.setLocalDescription(await pc.createOffer())
        reply = await self.publisher.message({"request": "publish", "audio": True, "video": self.video},
                                             jsep=_sdp(pc))
        if reply.jsep is None:
            raise RuntimeError("Janus answered publish without SDP")
        await pc.setRemoteDescription(RTCSessionDescription(sdp=reply.jsep["sdp"], type=reply.jsep["type"]))

    async def _watch_publisher(self) -> None:
        if self.publisher is None:
            raise RuntimeError("start() the bot first")
        while True:
            msg = await self.publisher.events.get()
            data = (msg.get("plugindata") or {}).get("data") or {}
            for p in data.get("publishers", []):
                self._spawn(self.subscribe(int(p["id"])))
            gone = data.get("leaving") or data.get("unpublished")
            if isinstance(gone, int) and gone in self.feeds:
                self.feeds[gone].left = True
                handle = self._subscribers.pop(gone, None)
                if handle is not None:
                    await handle.detach()

    async def subscribe(self, feed: int) -> FeedReport:
        """Subscribe to one publisher and start counting what arrives."""
        if self.session is None:
            raise RuntimeError("start() the bot first")
        if feed in self.feeds and not self.feeds[feed].left:
            return self.feeds[feed]
        report = self.feeds[feed] = FeedReport(feed)
        handle = await self.session.attach(PLUGIN)
        self._subscribers[feed] = handle
        body: dict[str, Any] = {"request": "join", "ptype": "subscriber", "room": self.room,
                                "streams": [{"feed": feed}], "token": self.token}
        if self.private_id is not None:
            body["private_id"] = self.private_id
        if self.watch is not None:
            body.pop("token")  # the press's token is not on the room's (publisher) list
        reply = await handle.message(body)
        if reply.jsep is None:
            raise RuntimeError("Janus offered no SDP to subscribe")
        pc = RTCPeerConnection()
        self._pcs.append(pc)

        @pc.on("track")
        def _on_track(track: MediaStreamTrack) -> None:
            self._spawn(self._consume(track, report))

        await pc.setRemoteDescription(RTCSessionDescription(sdp=reply.jsep["sdp"], type=reply.jsep["type"]))
        await answer_as_dtls_server(pc)
        await handle.message({"request": "start", "room": self.room}, jsep=_sdp(pc))
        return report

    async def _consume(self, track: MediaStreamTrack, report: FeedReport) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                frame: Any = await track.recv()
                if track.kind == "video":
                    report.frames += 1
                    if report.frames % 5 == 1:  # what the picture looks like, now and then
                        rgb = frame.to_ndarray(format="rgb24")[::8, ::8]
                        r, g, b = (float(c) for c in rgb.reshape(-1, 3).mean(axis=0))
                        report.colours.append((r, g, b))
                        del report.colours[:-50]
                    if report.first_frame_s is None:
                        report.first_frame_s = time.monotonic() - report.joined_at
                else:
                    pcm = frame.to_ndarray()
                    channels = len(frame.layout.channels)
                    mono = pcm.reshape(-1, channels).mean(axis=1) if channels > 1 else pcm.reshape(-1)
                    if frame.sample_rate != AUDIO_RATE:
                        continue
                    report.audio.append(mono.astype(np.float32))
                    if len(report.audio) > 500:  # keep the last ~10 s
                        del report.audio[:100]

    async def wait_for_frames(self, feeds: int, frames: int = 5, timeout: float = 15.0) -> bool:
        """Wait until ``feeds`` remote feeds have each decoded ``frames`` video frames."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if sum(1 for r in self.feeds.values() if r.frames >= frames and not r.left) >= feeds:
                return True
            await asyncio.sleep(0.05)
        return False

    async def packets_received(self) -> int:
        """RTP packets received on every subscription so far (from the peer connections' statistics)."""
        total = 0
        for pc in self._pcs:
            for stat in (await pc.getStats()).values():
                if getattr(stat, "type", "") == "inbound-rtp":
                    total += int(getattr(stat, "packetsReceived", 0))
        return total

    def report(self) -> dict[str, Any]:
        return {"publisher_id": self.publisher_id, "feeds": [r.summary() for r in self.feeds.values()]}

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for pc in self._pcs:
            await pc.close()
        if self.session is not None:
            with contextlib.suppress(Exception):
                await self.session.destroy()
        if self.client is not None:
            await self.client.close()


class _AudioReceiver:
    """What the channel bots share: every 20 ms frame recorded with its arrival time, and teardown."""

    client: JanusClient | None
    session: Session | None
    pc: RTCPeerConnection | None
    received: list[tuple[float, np.ndarray[Any, Any]]]
    _tasks: set[asyncio.Task[Any]]

    def _record(self, track: MediaStreamTrack) -> None:
        task = asyncio.create_task(self._consume(track))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _consume(self, track: MediaStreamTrack) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                frame: Any = await track.recv()
                if frame.sample_rate != AUDIO_RATE:
                    continue
                pcm = frame.to_ndarray()
                channels = len(frame.layout.channels)
                mono = pcm.reshape(-1, channels).mean(axis=1) if channels > 1 else pcm.reshape(-1)
                self.received.append((time.monotonic(), mono.astype(np.float32)))
                if len(self.received) > 1500:  # keep the last ~30 s
                    del self.received[:300]

    def heard(self, since: float, until: float | None = None) -> np.ndarray[Any, Any]:
        """The samples that arrived between two monotonic times."""
        chunks = [a for t, a in self.received if t >= since and (until is None or t < until)]
        return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self.pc is not None:
            await self.pc.close()
        if self.session is not None:
            with contextlib.suppress(Exception):
                await self.session.destroy()
        if self.client is not None:
            await self.client.close()


class ChannelBot(_AudioReceiver):
    """One participant in an AudioBridge channel: joins muted (as everyone does), sends a tone that is
    heard only while Summitry has it unmuted, and records what the channel's mix delivers, with the
    time each 20 ms frame arrived."""

    def __init__(self, janus_url: str, token: str, room: int, *, tone_hz: float = 0.0,
                 participant_id: int | None = None, display: str = "listener",
                 headers: dict[str, str] | None = None) -> None:
        self.janus_url, self.token, self.room = janus_url, token, room
        self.tone_hz, self.participant_id, self.display, self.headers = tone_hz, participant_id, display, headers
        self.client: JanusClient | None = None
        self.session: Session | None = None
        self.handle: Handle | None = None
        self.pc: RTCPeerConnection | None = None
        self.track: ToneTrack | None = None
        self.received: list[tuple[float, np.ndarray[Any, Any]]] = []
        self._tasks: set[asyncio.Task[Any]] = set()

    async def start(self) -> dict[str, Any]:
        from .audiobridge import PLUGIN as AUDIOBRIDGE

        self.client = JanusClient(self.janus_url, token=self.token, headers=self.headers, reconnect=False)
        await self.client.connect()
        self.session = await self.client.create_session()
        self.handle = await self.session.attach(AUDIOBRIDGE)
        body: dict[str, Any] = {"request": "join", "room": self.room, "display": self.display,
                                "token": self.token, "muted": True}
        if self.participant_id is not None:
            body["id"] = self.participant_id
        joined = await self.handle.message(body)
        self.participant_id = int(joined.data["id"])
        self.pc = RTCPeerConnection()
        self.track = ToneTrack(self.tone_hz)
        self.pc.addTransceiver(self.track, direction="sendrecv")
        self.pc.on("track", self._record)
        await self.pc.setLocalDescription(await self.pc.createOffer())
        reply = await self.handle.message({"request": "configure", "muted": True}, jsep=_sdp(self.pc))
        if reply.jsep is None:
            raise RuntimeError("AudioBridge answered without SDP")
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=reply.jsep["sdp"], type=reply.jsep["type"]))
        return joined.data

    async def wait_for_audio(self, seconds: float = 1.0, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if sum(a.size for _, a in self.received) >= seconds * AUDIO_RATE:
                return True
            await asyncio.sleep(0.05)
        return False

    def report(self) -> dict[str, Any]:
        heard = self.heard(time.monotonic() - 2.0)
        return {"participant_id": self.participant_id, "room": self.room,
                "heard_hz": round(dominant_frequency(heard), 1) if heard.size else 0.0}

    async def change_room(self, room: int) -> dict[str, Any]:
        if self.handle is None:
            raise RuntimeError("start() the bot first")
        reply = await self.handle.message({"request": "changeroom", "room": room, "display": self.display,
                                           "token": self.token, "muted": True})
        self.room = room
        return reply.data

    async def request(self, body: dict[str, Any]) -> dict[str, Any]:
        """Send any AudioBridge message as this participant (tests use it to try what is forbidden)."""
        if self.handle is None:
            raise RuntimeError("start() the bot first")
        return (await self.handle.message(body)).data


class ListenerBot(_AudioReceiver):
    """A listener to interpretation channels as browsers listen: watching a channel's Streaming
    mountpoint (the room's mix, encoded once) and switching between mountpoints."""

    def __init__(self, janus_url: str, token: str, stream: int, pin: str,
                 headers: dict[str, str] | None = None) -> None:
        self.janus_url, self.token, self.stream, self.pin, self.headers = janus_url, token, stream, pin, headers
        self.client: JanusClient | None = None
        self.session: Session | None = None
        self.handle: Handle | None = None
        self.pc: RTCPeerConnection | None = None
        self.received: list[tuple[float, np.ndarray[Any, Any]]] = []
        self._tasks: set[asyncio.Task[Any]] = set()

    async def start(self) -> None:
        from .streaming import PLUGIN as STREAMING

        self.client = JanusClient(self.janus_url, token=self.token, headers=self.headers, reconnect=False)
        await self.client.connect()
        self.session = await self.client.create_session()
        self.handle = await self.session.attach(STREAMING)
        reply = await self.handle.message({"request": "watch", "id": self.stream, "pin": self.pin})
        if reply.jsep is None:
            raise RuntimeError("the mountpoint offered no SDP")
        self.pc = RTCPeerConnection()
        self.pc.on("track", self._record)
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=reply.jsep["sdp"], type=reply.jsep["type"]))
        await answer_as_dtls_server(self.pc)
        await self.handle.message({"request": "start"}, jsep=_sdp(self.pc))

    async def switch(self, stream: int) -> dict[str, Any]:
        if self.handle is None:
            raise RuntimeError("start() the bot first")
        reply = await self.handle.message({"request": "switch", "id": stream})
        self.stream = stream
        return reply.data
