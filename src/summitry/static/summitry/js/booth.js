// The interpreter console: hears the floor (or another booth's channel, for relay), speaks into the
// booth's channel, and shows who holds the booth's one live microphone. Summitry, not this page,
// unmutes the interpreter on air at Janus; this page only asks. The visit itself (joining, the live
// channel, recovery, leaving) is the shared MeetingSession's.
import Janus from "/static/vendor/janus.es.js";
import { MeetingSession } from "./meeting-session.js";
import { Mixer, alertUser, setStatus as setPageStatus, api, audioQuality, listenChannel, openChannel, subscribeFeed } from "./media.js";

const cfg = JSON.parse(document.getElementById("room-config").textContent);
const t = document.getElementById("i18n").dataset;
const $ = (id) => document.getElementById(id);
const mixer = new Mixer();
const feeds = new Map(); // floor feed id -> subscription
const people = new Map(cfg.roster.map((p) => [Number(p.publisher_id), p]));

let janus = null;
let grant = null;
let mic = null;
let output = null; // the booth's channel, where this interpreter speaks
let relayIn = null; // another booth's channel, when interpreting by relay
let source = "floor";
let states = [];
let floorTimer = null;
let qualityTimer = null;
let speakerTimer = null;
let coughing = false;
let micMuted = false;
let lastQuality = { grade: "unknown" };
const qualityPrev = new Map();

const session = new MeetingSession({
  cfg, t, env: { Janus },
  page: { render, startMedia, stopMedia, iceRestart, onMessage, onKey: (key) => { $("e2ee-badge").hidden = !key; } },
});
const frameCrypto = session.frameCrypto;
const canEncrypt = session.canEncrypt;

const OFFER_JOIN = new Set(["idle", "refused", "left"]);
const AT_CONSOLE = new Set(["live", "reconnecting", "interrupted", "paused"]);

function render(st, view) {
  setPageStatus(".booth", view.text, view.kind);
  if (view.alert !== null) alertUser(view.alert, view.level);
  $("prejoin").hidden = !OFFER_JOIN.has(st.name);
  $("join-btn").disabled = !OFFER_JOIN.has(st.name);
  $("console").hidden = !(AT_CONSOLE.has(st.name) || (st.recovering && ["joining", "connecting"].includes(st.name)));
}

const myChannel = () => states.find((c) => c.language === cfg.booth);
const onAir = () => { const c = myChannel(); return Boolean(c && Number(c.on_air) === Number(cfg.me)); };
const partner = () => { const c = myChannel(); return c ? c.booth.find((m) => Number(m.publisher_id) !== Number(cfg.me)) : null; };

function showAir() {
  const c = myChannel();
  const mine = onAir();
  const state = $("air-state");
  state.textContent = mine ? t.onAir : t.offAir;
  state.dataset.air = mine ? "on" : "off";
  document.querySelector(".booth").dataset.air = mine ? "on" : "off";
  if (mine) $("air-detail").textContent = t.youOnAir;
  else if (c && c.live) $("air-detail").textContent = `${c.on_air_name} ${t.partnerOnAir}`;
  else $("air-detail").textContent = t.silent;
  const p = partner();
  $("take-btn").hidden = mine;
  $("handover-btn").hidden = !mine || !p;
  if (p) $("handover-btn").textContent = `${t.handOverTo} ${p.name}`;
  $("release-btn").hidden = !mine;
}

async function air(action) {
  const res = await api(cfg.airUrl, { action });
  if (!res.ok) { alertUser((res.body && res.body.detail) || t.refused, "warning"); return; }
  alertUser("");
  states = res.body;
  showAir();
}

function applyMic() {
  if (mic) mic.getAudioTracks().forEach((tr) => { tr.enabled = !(coughing || micMuted); });
}

function cough(on) {
  coughing = on;
  $("cough-btn").setAttribute("aria-pressed", String(on));
  applyMic();
}

function toggleMute() {
  micMuted = !micMuted;
  $("mute-btn").setAttribute("aria-pressed", String(micMuted));
  $("mute-btn").textContent = micMuted ? t.unmute : t.mute;
  applyMic();
}

function inputGains() {
  const volume = Number($("input-volume").value) / 100;
  mixer.setGains(source === "floor" ? volume : 0, source === "floor" ? 0 : volume);
}

function applySource(next) {
  source = next;
  $("source-select").value = next;
  inputGains();
  if (!grant || !janus) return;
  if (next === "floor") {
    if (relayIn) { relayIn.close(); relayIn = null; mixer.remove("relay"); }
    return;
  }
  const target = grant.channels.find((c) => c.language === next);
  if (!target) return;
  if (relayIn) { relayIn.change(target); return; }
  relayIn = listenChannel({
    janus, channel: target,
    onTrack: (track, on) => { if (on) mixer.add("relay", track, "channel"); else mixer.remove("relay"); },
    onError: (err) => alertUser(`${t.relayFailed} (${err})`, "warning"),
  });
}

function tileFor(feed) {
  let li = document.querySelector(`.tile[data-feed="${feed}"]`);
  if (li) return li;
  const p = people.get(feed) || { name: "", title: "", initials: "" };
  li = $("tile-template").content.firstElementChild.cloneNode(true);
  li.dataset.feed = String(feed);
  li.querySelector(".name").textContent = p.name;
  li.querySelector(".title").textContent = p.title;
  li.querySelector(".avatar").textContent = p.initials;
  li.querySelector("video").setAttribute("aria-label", p.name);
  $("gallery").append(li);
  return li;
}

function subscribeFloor(feed) {
  if (feeds.has(feed) || feed === Number(cfg.me)) return;
  const entry = subscribeFeed({
    janus, grant, feed, frameCrypto, canEncrypt,
    onError: () => { if (feeds.get(feed) === entry) feeds.delete(feed); },
    onGone: () => dropFloor(feed),
    onTrack: (track, on) => {
      if (feeds.get(feed) !== entry) return;
      if (track.kind === "audio") { if (on) mixer.add(`feed-${feed}`, track, "floor"); else mixer.remove(`feed-${feed}`); }
      if (on) {
        const li = tileFor(feed);
        const video = li.querySelector("video");
        if (video.srcObject !== entry.stream) video.srcObject = entry.stream;
        li.classList.toggle("no-video", entry.stream.getVideoTracks().length === 0);
      } else if (entry.stream.getTracks().length === 0) dropFloor(feed);
    },
  });
  feeds.set(feed, entry);
}

function dropFloor(feed) {
  const entry = feeds.get(feed);
  feeds.delete(feed);
  mixer.remove(`feed-${feed}`);
  if (entry && entry.handle) entry.handle.detach();
  const li = document.querySelector(`.tile[data-feed="${feed}"]`);
  if (li) li.remove();
}

// The speaker: the loudest floor feed, if anyone speaks, is marked in the gallery.
function markSpeaker() {
  let best = null, loudest = 0.01;
  for (const feed of feeds.keys()) {
    const level = mixer.level(`feed-${feed}`);
    if (level > loudest) { loudest = level; best = feed; }
  }
  document.querySelectorAll("#gallery .tile").forEach((li) => {
    const speaking = Number(li.dataset.feed) === best;
    li.classList.toggle("speaking", speaking);
    li.querySelector(".badge-speaking").hidden = !speaking;
  });
}

async function measureQuality() {
  const pcs = relayIn ? [["relay", relayIn.handle]] : [...feeds].map(([feed, e]) => [feed, e.handle]);
  const order = ["none", "poor", "fair", "good"];
  let worst = null;
  for (const [key, handle] of pcs) {
    const pc = handle && handle.webrtcStuff && handle.webrtcStuff.pc;
    if (!pc) continue;
    const q = await audioQuality(pc, qualityPrev.get(key));
    qualityPrev.set(key, q);
    if (q.grade === "none" && pcs.length > 1) continue; // a feed with its microphone off
    if (!worst || order.indexOf(q.grade) < order.indexOf(worst.grade)) worst = q;
  }
  lastQuality = worst || { grade: "none" };
  const el = $("quality");
  el.dataset.grade = lastQuality.grade;
  const details = lastQuality.grade === "none" ? "" : ` (${t.loss} ${(lastQuality.loss * 100).toFixed(1)} %, ${t.jitter} ${lastQuality.jitterMs} ms)`;
  el.textContent = `${t.quality}: ${t[lastQuality.grade] || lastQuality.grade}${details}`;
}

function micMeter(m) {
  if (!mic || !mixer.ctx) return;
  const analyser = mixer.ctx.createAnalyser();
  analyser.fftSize = 1024;
  mixer.ctx.createMediaStreamSource(mic).connect(analyser); // measured, never played back
  const data = new Float32Array(analyser.fftSize);
  const tick = () => {
    if (!m.current()) return;
    analyser.getFloatTimeDomainData(data);
    const rms = Math.sqrt(data.reduce((s, x) => s + x * x, 0) / data.length);
    $("mic-level").value = coughing || micMuted ? 0 : Math.min(1, rms * 3);
    setTimeout(tick, 100);
  };
  tick();
}

function onMessage(msg) {
  if (msg.channels) {
    states = msg.channels;
    showAir();
    const mine = myChannel();
    if (mine && mine.source !== source) applySource(mine.source);
  } else if (msg.booth_chat) {
    const li = document.createElement("li");
    const who = document.createElement("strong");
    who.textContent = Number(msg.booth_chat.publisher_id) === Number(cfg.me) ? t.you : msg.booth_chat.from;
    li.append(who, document.createTextNode(`: ${msg.booth_chat.text}`));
    $("chat-log").append(li);
  } else if (msg.booth_chat_error) {
    alertUser({ length: t.chatLength, not_in_booth: t.chatNotInBooth }[msg.booth_chat_error] || t.chatNotSent, "warning");
  }
}

async function startMedia(m) {
  janus = m.janus;
  grant = m.grant;
  if (!mic) {
    try {
      mic = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false }, video: false });
      applyMic();
    } catch (_) {
      mic = null;
      alertUser(t.noMic, "warning");
    }
  }
  if (!m.current()) return;
  const mine = grant.channels.find((c) => c.language === cfg.booth);
  if (mine && mic) {
    output = openChannel({
      janus, grant, room: mine.room, id: grant.publisher_id, micTrack: mic.getAudioTracks()[0],
      onTrack: () => {}, // the channel's return is not mixed into the interpreter's ears
      onError: (err) => {
        if (!m.current()) return;
        alertUser(`${t.outputFailed} (${err})`);
        m.up(); // the console still hears the floor; a lost media server shows as the relay closing
      },
      onJoined: () => m.up(),
      onIceState: (ice) => m.ice(ice),
    });
  } else {
    m.up();
  }
  micMeter(m);
  const tryFloor = () => {
    if (!m.current()) return;
    cfg.roster.filter((p) => p.role !== "interpreter" && p.role !== "press").forEach((p) => subscribeFloor(Number(p.publisher_id)));
  };
  tryFloor();
  floorTimer = setInterval(tryFloor, 3000);
  qualityTimer = setInterval(measureQuality, 2000);
  speakerTimer = setInterval(markSpeaker, 250);
  api(cfg.channelsUrl, null, "GET").then((res) => {
    if (!res.ok || !m.current()) return;
    states = res.body;
    showAir();
    const c = myChannel();
    applySource(c ? c.source : "floor");
  });
}

// The network changed: the booth's channel renegotiates with new ICE candidates; floor feeds whose
// connection is down are subscribed again.
function iceRestart() {
  if (output && output.handle) {
    output.handle.createOffer({
      iceRestart: true,
      success: (jsep) => output.handle.send({ message: { request: "configure", muted: true }, jsep }),
      error: (err) => console.warn("ICE restart failed", err),
    });
  }
  for (const [feed, entry] of [...feeds]) {
    const pc = entry.handle && entry.handle.webrtcStuff && entry.handle.webrtcStuff.pc;
    if (pc && ["failed", "disconnected"].includes(pc.iceConnectionState)) { dropFloor(feed); subscribeFloor(feed); }
  }
}

function stopMedia({ final }) {
  clearInterval(floorTimer);
  clearInterval(qualityTimer);
  clearInterval(speakerTimer);
  [...feeds.keys()].forEach(dropFloor);
  if (relayIn) { relayIn.close(); relayIn = null; mixer.remove("relay"); }
  if (output) { output.close(); output = null; }
  janus = null;
  grant = null;
  if (final) {
    if (mic) mic.getTracks().forEach((tr) => tr.stop());
    mic = null;
  }
}

$("join-btn").addEventListener("click", () => { mixer.ensure(); session.join(); });
$("leave-btn").addEventListener("click", () => session.leave());
$("take-btn").addEventListener("click", () => air("take"));
$("handover-btn").addEventListener("click", () => air("handover"));
$("release-btn").addEventListener("click", () => air("release"));
$("mute-btn").addEventListener("click", toggleMute);
const coughBtn = $("cough-btn");
coughBtn.addEventListener("pointerdown", () => cough(true));
["pointerup", "pointerleave", "blur"].forEach((ev) => coughBtn.addEventListener(ev, () => cough(false)));
coughBtn.addEventListener("keydown", (ev) => { if ((ev.key === " " || ev.key === "Enter") && !ev.repeat) { ev.preventDefault(); cough(true); } });
coughBtn.addEventListener("keyup", (ev) => { if (ev.key === " " || ev.key === "Enter") cough(false); });
$("source-select").addEventListener("change", async (ev) => {
  const res = await api(cfg.sourceUrl, { source: ev.target.value });
  if (!res.ok) { alertUser((res.body && res.body.detail) || t.refused, "warning"); $("source-select").value = source; return; }
  states = res.body;
  applySource(ev.target.value);
});
$("input-volume").addEventListener("input", inputGains);
$("chat-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const text = $("chat-input").value.trim();
  if (!text || !session.send({ booth_chat: text })) return;
  $("chat-input").value = "";
});
// Read-only diagnostics for tests and technicians.
window.summitryBooth = {
  state: () => session.diagnostics(),
  dropLiveChannel: (hold = false) => session.dropChannel(hold),
  releaseLiveChannel: () => session.releaseChannel(),
  dropRelay: () => session.dropRelay(),
  iceServers: () => session.iceServers || [],
  onAir,
  states: () => states,
  source: () => ({ source, stream: relayIn && relayIn.stream }),
  levelAt: (hz) => mixer.levelAt(hz),
  quality: () => lastQuality,
  micEnabled: () => Boolean(mic && mic.getAudioTracks().every((tr) => tr.enabled)),
  speaker: () => { const li = document.querySelector("#gallery .tile.speaking"); return li ? Number(li.dataset.feed) : null; },
};
