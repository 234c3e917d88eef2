// The meeting room: the visit (joining, the lobby, the live channel, recovery, leaving) is the shared
// MeetingSession's; this page renders it and handles the media: publishing, the gallery, subscriptions,
// interpretation channels.
import Janus from "/static/vendor/janus.es.js";
import { CAPTURE_ATTEMPTS, RoomState, classifyMediaError, warningForNoMedia } from "./room-state.js";
import { MeetingSession } from "./meeting-session.js";
import { Mixer, alertUser, setStatus as setPageStatus, api, csrfToken, listenChannel, mixGains, subscribeFeed } from "./media.js";

const cfg = JSON.parse(document.getElementById("room-config").textContent);
const t = document.getElementById("i18n").dataset;
const $ = (id) => document.getElementById(id);
const state = new RoomState(cfg.roster, cfg.me, t.unknownParticipant);

let janus = null;
let publisher = null;
let grant = null;
let localStream = null;
let privateId = null;
const subscribers = new Map(); // feed id -> { handle, stream }
const presence = new Map(); // feed id -> { muted, camera_off } as each participant announced it
const mixer = new Mixer();
let channel = null; // the interpretation channel being listened to (AudioBridge), if any
let listening = localStorage.getItem(`summitry-channel-${cfg.slug}`) || "floor";
let channelStates = [];

const session = new MeetingSession({
  cfg, t, env: { Janus },
  page: { render, startMedia, stopMedia, iceRestart, onMessage, onSegment: (kind) => showSegment(kind), onKey, onChannelOpen: announce },
});
const frameCrypto = session.frameCrypto;
const canEncrypt = session.canEncrypt;


function tileFor(id) {
  let li = document.querySelector(`.tile[data-feed="${Number(id)}"]`);
  if (li) return li;
  const p = state.person(id);
  li = $("tile-template").content.firstElementChild.cloneNode(true);
  li.dataset.feed = String(Number(id));
  const isMe = Number(id) === Number(cfg.me);
  li.querySelector(".name").textContent = isMe ? `${p.name} (${t.you})` : p.name;
  li.querySelector(".title").textContent = p.title;
  li.querySelector(".country").textContent = p.country;
  li.querySelector(".avatar").textContent = p.initials;
  const video = li.querySelector("video");
  video.setAttribute("aria-label", p.name);
  video.muted = true; // sound reaches the speakers through the listener's mix (floor + channel)
  if (isMe) li.classList.add("tile-self");
  // Insert in protocol order.
  const gallery = $("gallery");
  const pos = state.position(id);
  const next = state.gallery().slice(pos + 1).map((q) => gallery.querySelector(`.tile[data-feed="${q.publisher_id}"]`)).find(Boolean);
  gallery.insertBefore(li, next || null);
  return li;
}

function showPresence(id) {
  const li = document.querySelector(`.tile[data-feed="${Number(id)}"]`);
  const p = presence.get(Number(id));
  if (!li || !p) return;
  li.querySelector(".badge-muted").hidden = !p.muted;
  li.querySelector(".badge-nocam").hidden = !p.camera_off;
  li.classList.toggle("no-video", Boolean(p.camera_off) || !li.querySelector("video").srcObject);
}

function onMessage(msg) {
  if (msg.lobby) { showLobby(msg.lobby); return; }
  if (msg.channels) { showChannels(msg.channels); return; }
  if (msg.publisher_id === undefined || Number(msg.publisher_id) === Number(cfg.me)) return;
  presence.set(Number(msg.publisher_id), { muted: msg.muted, camera_off: msg.camera_off });
  showPresence(msg.publisher_id);
}

// What the page shows of the visit's state (the session's machine decides it; see session-state.js).
const OFFER_JOIN = new Set(["idle", "refused", "left"]);
const IN_ROOM = new Set(["live", "reconnecting", "interrupted", "paused"]);

function render(st, view) {
  setPageStatus(".room", view.text, view.kind);
  if (view.alert !== null) alertUser(view.alert, view.level);
  $("prejoin").hidden = !OFFER_JOIN.has(st.name);
  $("join-btn").disabled = !OFFER_JOIN.has(st.name);
  const inRoom = IN_ROOM.has(st.name) || (st.recovering && ["joining", "connecting"].includes(st.name));
  $("controls").hidden = !inRoom;
  if (inRoom && st.everLive) {
    if (cfg.segmentUrl) $("segment-controls").hidden = false;
    if (cfg.endUrl) $("end-btn").hidden = false;
  }
  if (OFFER_JOIN.has(st.name)) { $("mic-btn").hidden = false; $("cam-btn").hidden = false; }
}

function onKey(key) {
  $("e2ee-badge").hidden = !key;
  $("channel-e2ee-note").hidden = !key;
}

function showSegment(kind) {
  $("segment-badge").textContent = { open: t.segOpen, closed: t.segClosed, restricted: t.segRestricted }[kind] || t.segNone;
  $("segment-badge").dataset.kind = kind || "none";
  document.querySelectorAll("#segment-controls button").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.kind === kind)));
}

function showLobby(entries) {
  const list = $("lobby-list");
  list.replaceChildren(...entries.map((w) => {
    const li = $("lobby-template").content.firstElementChild.cloneNode(true);
    li.querySelector(".who").textContent = w.name;
    // Role and sign-in method are codes; the page has their words in its language (meetings.views.room).
    const role = cfg.roleLabels[w.role] || w.role;
    const how = cfg.authLabels[w.auth] || cfg.authLabels.password;
    li.querySelector(".what").textContent = ` · ${w.delegation} · ${role} · ${how}`;
    li.dataset.participation = String(w.participation);
    const act = (verb) => async () => {
      li.querySelectorAll("button").forEach((b) => { b.disabled = true; });
      const res = await api(`${cfg.lobbyUrl}${w.participation}/${verb}`);
      if (!res.ok) alertUser((res.body && res.body.detail) || t.refused);
    };
    li.querySelector(".admit").setAttribute("aria-label", `${li.querySelector(".admit").textContent} ${w.name}`);
    li.querySelector(".deny").setAttribute("aria-label", `${li.querySelector(".deny").textContent} ${w.name}`);
    li.querySelector(".admit").addEventListener("click", act("admit"));
    li.querySelector(".deny").addEventListener("click", act("deny"));
    return li;
  }));
  $("lobby").hidden = entries.length === 0;
}

function announce() {
  if (!publisher) return;
  session.send({ muted: Boolean(publisher.isAudioMuted()), camera_off: Boolean(publisher.isVideoMuted()) });
}

function removeTile(id) {
  state.remove(id);
  const li = document.querySelector(`.tile[data-feed="${Number(id)}"]`);
  if (li) li.remove();
}

// Interpretation: each listener picks a channel; the floor stays underneath at their level.
function channelName(lang) {
  const st = channelStates.find((c) => c.language === lang);
  return st ? st.name : lang.toUpperCase();
}

function setupListening() {
  const channels = (grant && grant.channels) || [];
  $("listen").hidden = channels.length === 0;
  if (channels.length === 0) return;
  const select = $("channel-select");
  select.replaceChildren(new Option(t.floor, "floor"), ...channels.map((c) => new Option(channelName(c.language), c.language)));
  if (!channels.some((c) => c.language === listening)) listening = "floor";
  select.value = listening;
  chooseChannel(listening);
}

function applyGains() {
  const level = Number($("floor-level").value) / 100;
  const [floorGain, channelGain] = mixGains(listening, level);
  mixer.setGains(floorGain, channelGain);
  $("floor-level-value").textContent = `${Math.round(level * 100)} %`;
  $("floor-level-row").hidden = listening === "floor";
}

function chooseChannel(lang) {
  listening = lang;
  localStorage.setItem(`summitry-channel-${cfg.slug}`, lang);
  applyGains();
  showChannelState();
  if (!grant || !janus) return;
  if (lang === "floor") {
    if (channel) { channel.close(); channel = null; mixer.remove("channel"); }
    return;
  }
  const target = grant.channels.find((c) => c.language === lang);
  if (!target) return;
  if (channel) {
    // The old language stops at once; the new one is let in when Janus has switched the stream.
    mixer.setGains(mixGains(lang, Number($("floor-level").value) / 100)[0], 0);
    channel.change(target);
    return;
  }
  channel = listenChannel({
    janus, channel: target, onSwitched: applyGains,
    onTrack: (track, on) => { if (on) mixer.add("channel", track, "channel"); else mixer.remove("channel"); },
    onError: (err) => { alertUser(`${t.channelFailed} (${err})`, "warning"); },
  });
}

function showChannelState() {
  const el = $("channel-state");
  if (listening === "floor") { el.textContent = t.listeningFloor; el.dataset.live = "floor"; return; }
  const st = channelStates.find((c) => c.language === listening);
  const live = Boolean(st && st.live);
  el.textContent = live ? `${t.onAir}: ${st.on_air_name}` : t.noInterpreter;
  el.dataset.live = String(live);
}

function showChannels(states) {
  channelStates = states;
  const select = $("channel-select");
  [...select.options].forEach((o) => {
    if (o.value === "floor") return;
    const st = states.find((c) => c.language === o.value);
    if (st) o.textContent = st.live ? `${st.name} · ${t.live}` : st.name;
  });
  $("channel-list").replaceChildren(...states.map((st) => {
    const li = document.createElement("li");
    li.className = "channel-item";
    li.dataset.live = String(st.live);
    const name = document.createElement("strong");
    name.textContent = st.name;
    const what = document.createElement("span");
    const source = st.source === "floor" ? t.fromFloor : `${t.relayFrom} ${channelName(st.source)}`;
    what.textContent = st.live ? ` · ${t.onAir}: ${st.on_air_name} · ${source}` : ` · ${t.noInterpreter}`;
    li.append(name, what);
    return li;
  }));
  showChannelState();
}

async function acquireMedia() {
  if (!window.isSecureContext || !navigator.mediaDevices) return { stream: null, warning: "insecure" };
  const errors = [];
  for (const attempt of CAPTURE_ATTEMPTS) {
    try {
      const stream = await navigator.mediaDevices.getUserMedia(attempt.constraints);
      return { stream, warning: attempt.warning };
    } catch (err) {
      errors.push(err);
      if (classifyMediaError(err) === "denied") break;
    }
  }
  return { stream: null, warning: warningForNoMedia(errors) };
}

function showLocal(stream) {
  state.add(cfg.me);
  const li = tileFor(cfg.me);
  li.querySelector("video").srcObject = stream;
  li.classList.toggle("no-video", stream.getVideoTracks().length === 0);
}

// The session has a Janus session through Summitry's relay for a new grant: publish and subscribe.
async function startMedia(m) {
  janus = m.janus;
  grant = m.grant;
  if (grant.publish && !localStream) {
    const got = await acquireMedia();
    localStream = got.stream;
    if (got.warning) alertUser({ "no-camera": t.noCamera, "no-microphone": t.noMicrophone, denied: t.denied, "no-devices": t.noDevices, insecure: t.insecure }[got.warning] || t.noDevices, "warning");
  }
  if (!m.current()) return;
  if (!grant.publish) { watchOnly(m); return; }
  janus.attach({
    plugin: "janus.plugin.videoroom",
    success: (handle) => {
      if (!m.current()) { handle.detach(); return; }
      publisher = handle;
      handle.send({ message: { request: "join", ptype: "publisher", room: grant.room, id: grant.publisher_id, display: String(grant.publisher_id), token: grant.token } });
    },
    error: (err) => { console.warn("attach failed", err); m.lost(); },
    onmessage: (msg, jsep) => { if (m.current()) onPublisherMessage(m, msg, jsep); },
    iceState: (ice) => m.ice(ice),
    onlocaltrack: () => {},
  });
}

function onPublisherMessage(m, msg, jsep) {
  const ev = msg.videoroom;
  if (msg.error) {
    // After a restart of the media server, or a visit that has not quite gone yet: try again.
    console.warn("VideoRoom refused", msg.error_code, msg.error);
    m.lost();
    return;
  }
  if (ev === "joined") {
    privateId = msg.private_id;
    if (localStream) { showLocal(localStream); publishOwn(); }
    m.up();
    setupListening();
    (msg.publishers || []).forEach((p) => subscribeTo(p.id));
  } else if (ev === "event") {
    (msg.publishers || []).forEach((p) => subscribeTo(p.id));
    const gone = msg.leaving || msg.unpublished;
    if (gone === "ok" && msg.reason === "kicked") { m.lost(4401); return; } // Summitry cut the visit: the live channel says why
    if (gone && gone !== "ok") unsubscribe(gone);
  } else if (ev === "destroyed") {
    session.ended(endedByMe ? "you-ended" : "ended");
  }
  if (jsep && publisher) publisher.handleRemoteJsep({ jsep });
}

// Roles that may not publish (the press) have no publisher handle at all: Janus refuses them one.
// They subscribe to each roster member's feed, retrying the ones not on air yet.
let watchTimer = null;

function watchOnly(m) {
  $("mic-btn").hidden = true;
  $("cam-btn").hidden = true;
  m.up();
  setupListening();
  const tryAll = () => {
    if (!m.current() || !janus) return;
    cfg.roster.forEach((p) => subscribeTo(p.publisher_id, true));
  };
  tryAll();
  watchTimer = setInterval(tryAll, 3000);
}

// The network changed (or ICE failed for a while): new ICE candidates for the publisher, and a fresh
// subscription for every feed whose connection is down.
function iceRestart() {
  if (publisher && localStream) {
    publisher.createOffer({
      iceRestart: true,
      success: (jsep) => publisher.send({ message: { request: "configure" }, jsep }),
      error: (err) => console.warn("ICE restart failed", err),
    });
  }
  for (const [feed, entry] of [...subscribers]) {
    const pc = entry.handle && entry.handle.webrtcStuff && entry.handle.webrtcStuff.pc;
    if (pc && ["failed", "disconnected"].includes(pc.iceConnectionState)) {
      unsubscribe(feed);
      subscribeTo(feed, !grant || !grant.publish);
    }
  }
}

function publishOwn() {
  const tracks = localStream.getTracks().map((track) => ({
    type: track.kind, capture: track, recv: false,
    dontStop: true, // the page's own: a recovery publishes the same camera and microphone again
    transforms: canEncrypt ? { sender: frameCrypto.senderTransform() } : undefined,
  }));
  publisher.createOffer({
    tracks,
    success: (jsep) => publisher.send({ message: { request: "publish", audio: localStream.getAudioTracks().length > 0, video: localStream.getVideoTracks().length > 0 }, jsep }),
    error: (err) => alertUser(`${t.noDevices} (${err && err.message})`, "warning"),
  });
}

function subscribeTo(feed, probing = false) {
  feed = Number(feed);
  if (feed === Number(cfg.me) || subscribers.has(feed) || !state.known(feed)) return;
  const entry = subscribeFeed({
    janus, grant, feed, privateId, frameCrypto, canEncrypt,
    onError: (err) => {
      if (!probing) console.warn("subscribe error", err);
      if (subscribers.get(feed) === entry) subscribers.delete(feed);
    },
    onGone: () => unsubscribe(feed),
    onTrack: (track, on) => {
      // janus.js reports removed tracks after we have unsubscribed: a gone feed must not come back.
      if (subscribers.get(feed) !== entry) return;
      if (!on) {
        if (track.kind === "audio") mixer.remove(`feed-${feed}`);
        const li = document.querySelector(`.tile[data-feed="${feed}"]`);
        if (li) li.classList.toggle("no-video", entry.stream.getVideoTracks().length === 0);
        if (!grant || !grant.publish) {
          if (entry.stream.getTracks().length === 0) unsubscribe(feed); // watchers learn departures this way
        }
        return;
      }
      if (track.kind === "audio") mixer.add(`feed-${feed}`, track, "floor");
      state.add(feed);
      const li = tileFor(feed);
      const video = li.querySelector("video");
      if (video.srcObject !== entry.stream) video.srcObject = entry.stream;
      li.classList.toggle("no-video", entry.stream.getVideoTracks().length === 0);
      showPresence(feed);
    },
  });
  subscribers.set(feed, entry);
}

function unsubscribe(feed) {
  feed = Number(feed);
  const entry = subscribers.get(feed);
  subscribers.delete(feed);
  mixer.remove(`feed-${feed}`);
  if (entry && entry.handle) entry.handle.detach();
  removeTile(feed);
}

// The session ends this Janus connection: a recovery keeps the camera and microphone (and keys);
// leaving, the end, a refusal or a segment that excludes this participant releases them.
function stopMedia({ final }) {
  if (watchTimer) { clearInterval(watchTimer); watchTimer = null; }
  if (channel) { channel.close(); channel = null; mixer.remove("channel"); }
  subscribers.forEach((_, feed) => unsubscribe(feed));
  $("listen").hidden = true;
  if (publisher) { try { publisher.detach(); } catch (_) { /* the session is gone */ } }
  publisher = null;
  privateId = null;
  janus = null;
  grant = null;
  if (final) {
    if (localStream) localStream.getTracks().forEach((tr) => tr.stop());
    localStream = null;
    removeTile(cfg.me);
  }
}

function toggleMic() {
  if (!publisher) return;
  const muted = publisher.isAudioMuted();
  if (muted) publisher.unmuteAudio(); else publisher.muteAudio();
  const nowMuted = !muted;
  $("mic-btn").setAttribute("aria-pressed", String(nowMuted));
  $("mic-btn").textContent = nowMuted ? t.unmute : t.mute;
  const self = document.querySelector(".tile-self .badge-muted");
  if (self) self.hidden = !nowMuted;
  announce();
}

function toggleCam() {
  if (!publisher) return;
  const off = publisher.isVideoMuted();
  if (off) publisher.unmuteVideo(); else publisher.muteVideo();
  const nowOff = !off;
  $("cam-btn").setAttribute("aria-pressed", String(nowOff));
  $("cam-btn").textContent = nowOff ? t.camOn : t.camOff;
  const li = document.querySelector(".tile-self");
  if (li) { li.classList.toggle("no-video", nowOff); li.querySelector(".badge-nocam").hidden = !nowOff; }
  announce();
}

let endArmed = false;
let endedByMe = false; // the host who ends the meeting is told so, not that "the host" ended it
async function endForEveryone() {
  if (!endArmed) {
    endArmed = true;
    $("end-btn").textContent = t.endConfirm;
    setTimeout(() => { endArmed = false; $("end-btn").textContent = $("end-btn").dataset.label; }, 5000);
    return;
  }
  endedByMe = true; // before the call: Janus may destroy the room before the answer comes back
  const res = await api(cfg.endUrl);
  if (!res.ok) { endedByMe = false; alertUser((res.body && res.body.detail) || t.refused); }
}

$("join-btn").addEventListener("click", () => {
  mixer.ensure(); // a click: the browser lets the page play sound from now on
  session.join();
});
$("leave-btn").addEventListener("click", () => session.leave());
showSegment(cfg.segment);
document.querySelectorAll("#segment-controls button").forEach((b) => b.addEventListener("click", async () => {
  const res = await fetch(cfg.segmentUrl, { method: "POST", credentials: "same-origin",
    headers: { "X-CSRFToken": csrfToken(), "Content-Type": "application/json" }, body: JSON.stringify({ kind: b.dataset.kind }) });
  if (!res.ok) alertUser(t.refused);
}));
$("end-btn").dataset.label = $("end-btn").textContent;
$("end-btn").addEventListener("click", endForEveryone);
$("mic-btn").addEventListener("click", toggleMic);
$("channel-select").addEventListener("change", (ev) => chooseChannel(ev.target.value));
$("floor-level").addEventListener("input", applyGains);
$("cam-btn").addEventListener("click", toggleCam);
// Diagnostics for tests and technicians: what each remote feed has decoded, the visit's state and
// what the page said of it; a live channel or relay can be dropped as a network would drop it.
window.summitryRoom = {
  state: () => session.diagnostics(),
  dropLiveChannel: (hold = false) => session.dropChannel(hold),
  releaseLiveChannel: () => session.releaseChannel(),
  dropRelay: () => session.dropRelay(),
  iceServers: () => session.iceServers || [],
  feeds: () => [...subscribers.keys()],
  listening: () => ({ channel: listening, stream: channel && channel.stream, floorLevel: Number($("floor-level").value) / 100 }),
  levelAt: (hz) => mixer.levelAt(hz),
  e2ee: () => ({ supported: canEncrypt, current: frameCrypto.current, ...frameCrypto.stats }),
  async stats() {
    const out = {};
    for (const [feed, entry] of subscribers) {
      const pc = entry.handle && entry.handle.webrtcStuff && entry.handle.webrtcStuff.pc;
      if (!pc) continue;
      const report = await pc.getStats();
      const s = { framesDecoded: 0, audioBytes: 0 };
      report.forEach((r) => {
        if (r.type === "inbound-rtp" && r.kind === "video") s.framesDecoded += r.framesDecoded || 0;
        if (r.type === "inbound-rtp" && r.kind === "audio") s.audioBytes += r.bytesReceived || 0;
      });
      out[feed] = s;
    }
    return out;
  },
};
