// What the meeting room and the interpreter console share: calls to Summitry's API, subscriptions to
// the floor (VideoRoom), interpretation channels (AudioBridge) and the mix each listener hears.

// The page's status badge (#room-status; the state also styles ``root``) and its alert box (#room-alert).
export function setStatus(root, text, kind) {
  document.getElementById("room-status").textContent = text;
  document.querySelector(root).dataset.state = kind;
}

export function alertUser(text, level = "error") {
  const box = document.getElementById("room-alert");
  box.textContent = text;
  box.className = `alert alert-${level}`;
  box.hidden = !text;
}

export function csrfToken() {
  const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return m ? decodeURIComponent(m[1]) : "";
}

export async function api(url, payload, method = "POST") {
  const headers = { "X-CSRFToken": csrfToken() };
  if (payload) headers["Content-Type"] = "application/json";
  const resp = await fetch(url, { method, credentials: "same-origin", headers, body: payload ? JSON.stringify(payload) : undefined });
  let body = null;
  try { body = await resp.json(); } catch (_) { body = null; }
  return { ok: resp.ok, status: resp.status, body };
}

// Answer Janus's offers as the DTLS server (a=setup:passive), so that Janus starts the handshake: Janus
// 1.1.2 drops DTLS records that arrive before its own ICE check completes, and a ClientHello of ours sent
// first would wait for its retransmission (bench/join.py measured the cost). Used for every subscription.
export function answerAsDtlsServer(jsep) {
  jsep.sdp = jsep.sdp.replace(/a=setup:active/g, "a=setup:passive");
}

export function attachReceiverTransforms(handle, frameCrypto) {
  // janus.js sets encoded transforms only on transceivers it creates; a subscription's came with the offer.
  const pc = handle.webrtcStuff && handle.webrtcStuff.pc;
  if (!pc) return;
  for (const transceiver of pc.getTransceivers()) {
    const receiver = transceiver.receiver;
    if (!receiver || receiver.summitryTransform || !receiver.track || receiver.track.kind === "application") continue;
    const streams = receiver.createEncodedStreams();
    streams.readable.pipeThrough(frameCrypto.receiverTransform()).pipeTo(streams.writable);
    receiver.summitryTransform = true;
  }
}

// Subscribe to one VideoRoom publisher. Calls onTrack(track, on) as tracks come and go, onError(msg)
// when Janus refuses (e.g. the feed is not on air yet), onGone() when the publisher leaves.
export function subscribeFeed({ janus, grant, feed, privateId, frameCrypto, canEncrypt, withToken = true, onTrack, onError, onGone }) {
  const entry = { handle: null, stream: new MediaStream() };
  janus.attach({
    plugin: "janus.plugin.videoroom",
    success: (handle) => {
      entry.handle = handle;
      const join = { request: "join", ptype: "subscriber", room: grant.room, streams: [{ feed }] };
      if (withToken) join.token = grant.token;
      if (privateId) join.private_id = privateId;
      handle.send({ message: join });
    },
    error: (err) => onError(err),
    onmessage: (msg, jsep) => {
      if (msg.error) { onError(msg.error); if (entry.handle) entry.handle.detach(); return; }
      if (msg.videoroom === "event" && (msg.left === "ok" || msg.unpublished)) { onGone(); return; }
      if (jsep) {
        const remote = (msg.streams || []).filter((st) => st.type === "audio" || st.type === "video");
        entry.handle.createAnswer({
          jsep,
          customizeSdp: answerAsDtlsServer,
          tracks: canEncrypt
            ? remote.map((st) => ({ type: st.type, mid: st.mid, recv: true, transforms: { receiver: frameCrypto.receiverTransform() } }))
            : [{ type: "data" }],
          success: (answer) => {
            if (canEncrypt) attachReceiverTransforms(entry.handle, frameCrypto);
            entry.handle.send({ message: { request: "start", room: grant.room }, jsep: answer });
          },
          error: (err) => console.warn("answer failed", err),
        });
      }
    },
    onremotetrack: (track, mid, on) => {
      if (!on) {
        entry.stream.getTracks().filter((x) => x.id === track.id).forEach((x) => entry.stream.removeTrack(x));
      } else if (!entry.stream.getTracks().some((x) => x.id === track.id)) {
        entry.stream.addTrack(track);
      }
      onTrack(track, on);
    },
    oncleanup: () => {},
  });
  return entry;
}

// Speak into the booth's interpretation channel (AudioBridge). Everyone joins muted: Summitry's relay
// refuses anything else, and only Summitry unmutes the interpreter on air.
export function openChannel({ janus, grant, room, id, micTrack, onTrack, onError, onJoined, onIceState }) {
  const ch = { handle: null, room, stream: new MediaStream(), ready: false };
  janus.attach({
    plugin: "janus.plugin.audiobridge",
    success: (handle) => {
      ch.handle = handle;
      const join = { request: "join", room, muted: true, token: grant.token, display: String(grant.publisher_id) };
      if (id) join.id = id;
      handle.send({ message: join });
    },
    error: (err) => onError(err),
    onmessage: (msg, jsep) => {
      if (msg.error) { onError(msg.error, msg.error_code); return; }
      const ev = msg.audiobridge;
      if (ev === "joined" && !ch.ready) {
        ch.ready = true;
        ch.handle.createOffer({
          // the microphone is the page's own (dontStop): a recovery speaks into the channel with it again
          tracks: [micTrack ? { type: "audio", capture: micTrack, recv: true, dontStop: true } : { type: "audio", capture: false, recv: true }],
          success: (offer) => ch.handle.send({ message: { request: "configure", muted: true }, jsep: offer }),
          error: (err) => onError(err && err.message),
        });
        if (onJoined) onJoined(msg);
      }
      if (jsep) ch.handle.handleRemoteJsep({ jsep });
    },
    iceState: (state) => { if (onIceState) onIceState(state); },
    onremotetrack: (track, mid, on) => {
      if (track.kind !== "audio") return;
      if (on && !ch.stream.getTracks().some((x) => x.id === track.id)) ch.stream.addTrack(track);
      if (!on) ch.stream.getTracks().filter((x) => x.id === track.id).forEach((x) => ch.stream.removeTrack(x));
      onTrack(track, on);
    },
    oncleanup: () => {},
  });
  ch.close = () => { if (ch.handle) ch.handle.detach(); };
  return ch;
}

// Listen to an interpretation channel: its mix, encoded once by Janus and relayed by the Streaming
// plugin to every listener. Switching channel keeps the same connection (Streaming's "switch").
export function listenChannel({ janus, channel, onTrack, onError, onSwitched }) {
  const ch = { handle: null, stream: Number(channel.stream), pin: channel.pin };
  janus.attach({
    plugin: "janus.plugin.streaming",
    success: (handle) => {
      ch.handle = handle;
      handle.send({ message: { request: "watch", id: ch.stream, pin: ch.pin } });
    },
    error: (err) => onError(err),
    onmessage: (msg, jsep) => {
      if (msg.error) { onError(msg.error, msg.error_code); return; }
      const result = msg.result || {};
      if (result.switched === "ok") {
        const pc = ch.handle.webrtcStuff && ch.handle.webrtcStuff.pc;
        newAudio(pc).then(() => { if (onSwitched && ch.stream === Number(result.id)) onSwitched(ch.stream); });
      }
      if (jsep) {
        ch.handle.createAnswer({
          jsep,
          customizeSdp: answerAsDtlsServer,
          tracks: [{ type: "data" }], // receive what is offered (audio), send nothing
          success: (answer) => ch.handle.send({ message: { request: "start" }, jsep: answer }),
          error: (err) => onError(err && err.message),
        });
      }
    },
    onremotetrack: (track, mid, on) => { if (track.kind === "audio") onTrack(track, on); },
    oncleanup: () => {},
  });
  ch.change = (next) => {
    if (Number(next.stream) === Number(ch.stream)) return;
    ch.stream = Number(next.stream);
    ch.pin = next.pin;
    if (ch.handle) ch.handle.send({ message: { request: "switch", id: ch.stream } });
  };
  ch.close = () => { if (ch.handle) ch.handle.detach(); };
  return ch;
}

async function inboundAudio(pc) {
  let packets = 0, delay = 0;
  (await pc.getStats()).forEach((r) => {
    if (r.type === "inbound-rtp" && r.kind === "audio") {
      packets += r.packetsReceived || 0;
      if (r.jitterBufferEmittedCount) delay = r.jitterBufferDelay / r.jitterBufferEmittedCount;
    }
  });
  return { packets, delay };
}

// Resolves once the newly switched-to channel's audio is playing: a packet has arrived since the
// switch, and what the jitter buffer held of the previous channel has played out. An empty channel
// (nobody in it) sends nothing, and stays silent.
async function newAudio(pc) {
  if (!pc) return;
  const start = await inboundAudio(pc);
  for (let i = 0; i < 150; i++) {
    await new Promise((r) => setTimeout(r, 20));
    const now = await inboundAudio(pc);
    if (now.packets > start.packets + 1) {
      await new Promise((r) => setTimeout(r, Math.min(now.delay, 0.3) * 1000));
      return;
    }
  }
}

// The listener's ears: the floor (every speaker in the meeting) and an interpretation channel, each
// with its own gain, summed and measured before the speakers.
export class Mixer {
  constructor() {
    this.ctx = null;
    this.sources = new Map();
    this.sinks = new Map();
    this.meters = new Map();
  }

  ensure() {
    if (!this.ctx) {
      const ctx = new AudioContext();
      this.ctx = ctx;
      this.floor = ctx.createGain();
      this.channel = ctx.createGain();
      this.channel.gain.value = 0;
      this.analyser = ctx.createAnalyser();
      this.analyser.fftSize = 2048; // 43 ms at 48 kHz: meters follow a switch of channel closely
      this.analyser.smoothingTimeConstant = 0;
      this.floor.connect(this.analyser);
      this.channel.connect(this.analyser);
      this.analyser.connect(ctx.destination);
    }
    if (this.ctx.state === "suspended") this.ctx.resume();
    return this.ctx;
  }

  // Chromium plays a remote WebRTC track through Web Audio only while a media element holds it.
  add(key, track, bus) {
    this.remove(key);
    const ctx = this.ensure();
    const stream = new MediaStream([track]);
    const sink = new Audio();
    sink.muted = true;
    sink.srcObject = stream;
    sink.play().catch(() => {});
    const source = ctx.createMediaStreamSource(stream);
    source.connect(bus === "channel" ? this.channel : this.floor);
    const meter = ctx.createAnalyser(); // each source's own level: who is speaking
    meter.fftSize = 1024;
    source.connect(meter);
    this.sources.set(key, source);
    this.sinks.set(key, sink);
    this.meters.set(key, meter);
  }

  // Level (RMS, 0..1) of one source before the mix.
  level(key) {
    const meter = this.meters.get(key);
    if (!meter) return 0;
    const data = new Float32Array(meter.fftSize);
    meter.getFloatTimeDomainData(data);
    return Math.sqrt(data.reduce((s, x) => s + x * x, 0) / data.length);
  }

  remove(key) {
    const source = this.sources.get(key);
    if (source) source.disconnect();
    const sink = this.sinks.get(key);
    if (sink) sink.srcObject = null;
    this.sources.delete(key);
    this.sinks.delete(key);
    this.meters.delete(key);
  }

  setGains(floorGain, channelGain) {
    const ctx = this.ensure();
    this.floor.gain.setTargetAtTime(floorGain, ctx.currentTime, 0.01);
    this.channel.gain.setTargetAtTime(channelGain, ctx.currentTime, 0.01);
  }

  // Level (dB) of the mix around a frequency: what the listener hears, for meters and tests.
  levelAt(hz) {
    if (!this.ctx) return -Infinity;
    const bins = new Float32Array(this.analyser.frequencyBinCount);
    this.analyser.getFloatFrequencyData(bins);
    const k = Math.round(hz / (this.ctx.sampleRate / this.analyser.fftSize));
    return Math.max(...bins.slice(Math.max(0, k - 2), k + 3));
  }

  // Overall level of the mix (0..1), for a meter.
  rms() {
    if (!this.ctx) return 0;
    const data = new Float32Array(this.analyser.fftSize);
    this.analyser.getFloatTimeDomainData(data);
    return Math.sqrt(data.reduce((s, x) => s + x * x, 0) / data.length);
  }
}

// (floor gain, channel gain): the floor alone, or the interpretation with the floor underneath at
// the listener's level. The same rule as summitry.domain.interpretation.mix_gains.
export function mixGains(channel, floorLevel) {
  const level = Math.min(Math.max(Number(floorLevel) || 0, 0), 1);
  return channel === "floor" ? [1, 0] : [level, 1];
}

// Incoming audio quality from a peer connection's statistics between two calls: loss and jitter.
export async function audioQuality(pc, previous) {
  if (!pc) return { grade: "unknown" };
  const report = await pc.getStats();
  let received = 0, lost = 0, jitter = 0;
  report.forEach((r) => {
    if (r.type === "inbound-rtp" && r.kind === "audio") {
      received += r.packetsReceived || 0;
      lost += r.packetsLost || 0;
      jitter = Math.max(jitter, r.jitter || 0);
    }
  });
  const dr = received - ((previous && previous.received) || 0);
  const dl = lost - ((previous && previous.lost) || 0);
  return { ...gradeAudio(dr, dl, jitter), received, lost, jitterMs: Math.round(jitter * 1000) };
}

// What an interpreter needs to know of the sound coming in, from the packets received and lost since
// the last look and the jitter (seconds): none arriving, poor (> 5 % lost or > 60 ms jitter), fair
// (> 1 % or > 30 ms), or good.
export function gradeAudio(received, lost, jitter) {
  const loss = received + lost > 0 ? Math.max(lost, 0) / (received + Math.max(lost, 0)) : 0;
  if (received <= 0) return { grade: "none", loss };
  if (loss > 0.05 || jitter > 0.06) return { grade: "poor", loss };
  if (loss > 0.01 || jitter > 0.03) return { grade: "fair", loss };
  return { grade: "good", loss };
}
