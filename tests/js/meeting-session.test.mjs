// The visit's state machine (pure) and the session that carries it out, with fakes for the browser:
// fetch, WebSocket, timers and janus.js. No browser needed.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  BACKOFF, CLOSE_JANUS_GONE, CLOSE_REVOKED, EXPLAIN_GRACE_MS, backoffDelay, describe, holdsGrant, initial, step,
} from "../../src/summitry/static/summitry/js/session-state.js";
import { MeetingSession } from "../../src/summitry/static/summitry/js/meeting-session.js";

const GRANT = { janus_url: "ws://summitry.test/ws/engagements/x/janus", token: "t1", room: 7, publisher_id: 10, publish: true, channels: [] };
const T = {
  connecting: "Connecting…", live: "Live", waiting: "Waiting for the host to admit you…", reconnecting: "Reconnecting…",
  reconnectingDetail: "The connection was lost.", back: "Back", unavailableSince: "Media server unavailable since {time}",
  liveChannelDown: "Live · reconnecting…", janusDown: "The media server is unreachable.", paused: "The open part has ended.",
  notConnected: "Not connected", refused: "You may not join this meeting.", lobbyDenied: "The host did not admit you.",
  left: "You left the meeting.", ended: "The host ended the meeting.", youEnded: "You ended the meeting for everyone.",
  kicked: "You were removed from the meeting.",
};

/** Run events through the machine; returns the last state and every effect, in order. */
function run(events, { from = initial(), now = 1000, random = () => 0.5 } = {}) {
  let state = from;
  const effects = [];
  for (const ev of events) {
    const out = step(state, ev, { now, random });
    state = out.state;
    effects.push(...out.effects);
  }
  return { state, effects, did: effects.map((e) => e.do) };
}

const live = () => run([{ type: "join" }, { type: "join-answer", status: 200, body: GRANT }, { type: "media-up" }]).state;

test("backoff: full jitter under an exponential ceiling, capped", () => {
  assert.deepEqual(BACKOFF, { base: 500, factor: 2, cap: 10000 });
  assert.equal(backoffDelay(0, () => 0), 0);
  assert.equal(backoffDelay(0, () => 0.5), 250);
  assert.equal(backoffDelay(1, () => 0.5), 500);
  assert.equal(backoffDelay(3, () => 0.5), 2000);
  assert.equal(backoffDelay(10, () => 0.5), 5000); // capped at 10 s
  assert.ok(backoffDelay(30, () => 0.9999999) < 10000);
  for (let attempt = 0; attempt < 12; attempt++) {
    for (let i = 0; i < 50; i++) {
      const d = backoffDelay(attempt);
      assert.ok(d >= 0 && d < Math.min(10000, 500 * 2 ** attempt), `${attempt}: ${d}`);
    }
  }
});

test("joining: a grant connects the media and opens the live channel; media up is live", () => {
  let out = run([{ type: "join" }]);
  assert.equal(out.state.name, "joining");
  assert.deepEqual(out.did, ["post-join"]);
  out = run([{ type: "join-answer", status: 200, body: GRANT }], { from: out.state });
  assert.equal(out.state.name, "connecting");
  assert.deepEqual(out.did, ["connect-media", "connect-timeout-in", "open-channel"]);
  assert.equal(out.effects[0].grant, GRANT);
  assert.ok(holdsGrant(out.state));
  out = run([{ type: "media-up" }], { from: out.state });
  assert.equal(out.state.name, "live");
  assert.equal(out.state.back, false); // a first arrival is not a return
  assert.equal(describe(out.state, T).text, "Live");
});

test("the lobby: waiting with the live channel open, admitted joins by itself, denied is said", () => {
  const waiting = run([{ type: "join" }, { type: "join-answer", status: 202, body: {} }]);
  assert.equal(waiting.state.name, "waiting");
  assert.ok(waiting.did.includes("open-channel"));
  assert.equal(describe(waiting.state, T).alert, T.waiting);
  const admitted = run([{ type: "admission", value: "admitted" }], { from: waiting.state });
  assert.equal(admitted.state.name, "joining");
  assert.deepEqual(admitted.did, ["post-join"]);
  const denied = run([{ type: "admission", value: "denied" }], { from: waiting.state });
  assert.equal(denied.state.name, "refused");
  assert.ok(denied.did.includes("close-channel"));
  assert.equal(describe(denied.state, T).alert, T.lobbyDenied);
  // an admission repeated on a live page (the live channel resyncs) changes nothing
  assert.equal(run([{ type: "admission", value: "admitted" }], { from: live() }).state.name, "live");
});

test("a refusal keeps Summitry's sentence; the user may try again", () => {
  const out = run([{ type: "join" }, { type: "join-answer", status: 403, body: { detail: "The meeting is closed to your role." } }]);
  assert.equal(out.state.name, "refused");
  assert.equal(describe(out.state, T).alert, "The meeting is closed to your role.");
  assert.equal(run([{ type: "join" }], { from: out.state }).state.name, "joining");
});

test("Janus restarts: the page says since when, joins again with backoff, and says it is back", () => {
  const at = (ms) => `${String(Math.floor(ms / 60000) % 24).padStart(2, "0")}:${String(Math.floor(ms / 1000) % 60).padStart(2, "0")}`;
  let out = run([{ type: "media-lost", code: CLOSE_JANUS_GONE }], { from: live(), now: 42 * 60000 + 10 * 3600000 });
  assert.equal(out.state.name, "reconnecting");
  assert.equal(out.state.cause, "media");
  assert.deepEqual(out.did, ["cancel-timers", "stop-media", "retry-in"]);
  assert.ok(out.effects[2].ms < 500);
  const since = out.state.since;
  let view = describe(out.state, T, at);
  assert.equal(view.kind, "error");
  assert.match(view.text, /^Media server unavailable since \d\d:\d\d$/);
  assert.equal(view.alert, T.janusDown);
  // the retry finds Janus still down (503): later, still "since" the first loss
  out = run([{ type: "retry" }, { type: "join-answer", status: 503, body: {} }], { from: out.state, now: since + 5000, random: () => 0.99 });
  assert.equal(out.state.name, "reconnecting");
  assert.equal(out.state.since, since);
  assert.equal(out.state.attempt, 2);
  assert.ok(out.effects.find((e) => e.do === "retry-in").ms < 1000 && out.effects.find((e) => e.do === "retry-in").ms >= 500);
  // Janus is back: a new grant, published again, and the page says so
  out = run([{ type: "retry" }, { type: "join-answer", status: 200, body: GRANT }], { from: out.state });
  assert.equal(out.state.name, "connecting");
  assert.ok(out.did.includes("connect-media") && !out.did.includes("open-channel")); // the live channel stayed open
  out = run([{ type: "media-up" }], { from: out.state });
  assert.equal(out.state.name, "live");
  assert.equal(out.state.back, true);
  assert.ok(out.did.includes("settle-in"));
  view = describe(out.state, T);
  assert.equal(view.text, "Back");
  assert.equal(view.alert, ""); // the warning goes away
  out = run([{ type: "settle" }], { from: out.state });
  assert.equal(describe(out.state, T).text, "Live");
  assert.equal(out.state.attempt, 0);
});

test("Summitry saying Janus is back: a waiting page joins at once, a page that looked live joins again", () => {
  const down = run([{ type: "media-lost", code: CLOSE_JANUS_GONE }], { from: live() }).state;
  const now = run([{ type: "media-restarted" }], { from: down });
  assert.equal(now.state.name, "joining");
  assert.deepEqual(now.did, ["cancel-timers", "post-join"]);
  const stale = run([{ type: "media-restarted" }], { from: live() });
  assert.equal(stale.state.name, "reconnecting");
  assert.equal(stale.state.cause, "media");
  assert.ok(stale.did.includes("stop-media") && stale.did.includes("retry-in"));
  assert.equal(run([{ type: "media-restarted" }], { from: initial() }).state.name, "idle");
});

test("a relay that drops silently is the network: reconnecting, not the media server", () => {
  const out = run([{ type: "media-lost", code: 1006 }], { from: live() });
  assert.equal(out.state.cause, "network");
  assert.equal(describe(out.state, T).text, "Reconnecting…");
  assert.equal(describe(out.state, T).kind, "reconnecting");
  assert.ok(holdsGrant(out.state)); // the old grant may still be live: a closing page gives it back
  // Summitry does not answer either
  const again = run([{ type: "retry" }, { type: "join-answer", status: 0, body: null }], { from: out.state });
  assert.equal(again.state.name, "reconnecting");
  assert.equal(again.state.cause, "network");
});

test("a first connection that fails says the media server is unreachable, and tries again", () => {
  const out = run([{ type: "join" }, { type: "join-answer", status: 200, body: GRANT }, { type: "media-lost" }]);
  assert.equal(out.state.name, "reconnecting");
  assert.equal(describe(out.state, T).kind, "error");
  assert.equal(describe(out.state, T).alert, T.janusDown);
  const timeout = run([{ type: "join" }, { type: "join-answer", status: 200, body: GRANT }, { type: "connect-timeout" }]);
  assert.equal(timeout.state.name, "reconnecting");
});

test("the browser coming back online retries at once", () => {
  const down = run([{ type: "media-lost", code: 1006 }], { from: live() }).state;
  const out = run([{ type: "online" }], { from: down });
  assert.equal(out.state.name, "joining");
  assert.deepEqual(out.did, ["cancel-timers", "post-join"]);
  assert.deepEqual(run([{ type: "online" }], { from: live() }).did, ["ice-restart"]);
});

test("Summitry cutting the visit (4401) is explained by the live channel, never rejoined by itself", () => {
  const cut = run([{ type: "media-lost", code: CLOSE_REVOKED }], { from: live() });
  assert.equal(cut.state.name, "interrupted");
  assert.ok(!cut.did.includes("retry-in") && !cut.did.includes("post-join"));
  assert.equal(cut.effects.find((e) => e.do === "explain-timeout-in").ms, EXPLAIN_GRACE_MS);
  // a closed segment: paused, then let back in when it reopens
  const paused = run([{ type: "segment", allowed: false }], { from: cut.state });
  assert.equal(paused.state.name, "paused");
  assert.equal(describe(paused.state, T).alert, T.paused);
  const back = run([{ type: "segment", allowed: true }], { from: paused.state });
  assert.equal(back.state.name, "joining");
  assert.deepEqual(back.did, ["post-join"]);
  // no word: removed
  const removed = run([{ type: "explain-timeout" }], { from: cut.state });
  assert.equal(removed.state.name, "ended");
  assert.equal(describe(removed.state, T).alert, T.kicked);
  // the host removing a live participant
  assert.equal(run([{ type: "admission", value: "denied" }], { from: cut.state }).state.name, "ended");
});

test("the end of the meeting, and leaving", () => {
  const ended = run([{ type: "ended", reason: "ended" }], { from: live() });
  assert.equal(ended.state.name, "ended");
  assert.ok(ended.did.includes("stop-media") && ended.did.includes("close-channel"));
  assert.equal(describe(ended.state, T).alert, T.ended);
  assert.equal(run([{ type: "media-lost", code: 1006 }], { from: ended.state }).state.name, "ended"); // late news ignored
  const leaving = run([{ type: "leave" }], { from: live() });
  assert.equal(leaving.state.name, "leaving");
  assert.deepEqual(leaving.did, ["cancel-timers", "stop-media", "close-channel", "post-leave"]);
  assert.ok(!holdsGrant(leaving.state));
  assert.notEqual(describe(leaving.state, T).kind, "left"); // "left" only once Summitry has revoked the grant
  assert.equal(run([{ type: "leave-done" }], { from: leaving.state }).state.name, "left");
  // leaving while reconnecting stops the retries too
  const down = run([{ type: "media-lost", code: CLOSE_JANUS_GONE }], { from: live() }).state;
  assert.ok(run([{ type: "leave" }], { from: down }).did.includes("cancel-timers"));
});

test("ICE trouble: a restart after a grace, a full reconnection if restarts do not help", () => {
  let out = run([{ type: "ice", iceState: "disconnected" }], { from: live() });
  assert.deepEqual(out.did, ["ice-check-in"]);
  assert.equal(run([{ type: "ice", iceState: "connected" }, { type: "ice-check" }], { from: out.state }).did.length, 0);
  out = run([{ type: "ice-check" }], { from: out.state });
  assert.deepEqual(out.did, ["ice-restart", "ice-check-in"]);
  out = run([{ type: "ice-check" }, { type: "ice-check" }], { from: out.state });
  assert.equal(out.state.name, "reconnecting");
  assert.equal(out.state.cause, "network");
});

test("the live channel reconnects with backoff and asks for the current state", () => {
  const s = live();
  assert.equal(describe(s, T).text, "Live"); // not open yet, but never dropped either
  let out = run([{ type: "channel-open" }], { from: s });
  assert.deepEqual(out.did, ["resync"]);
  const delays = [];
  let state = out.state;
  for (let i = 0; i < 8; i++) {
    out = run([{ type: "channel-closed", code: 1006 }], { from: state, random: () => 0.999 });
    state = out.state;
    delays.push(out.effects[0].ms);
    assert.equal(describe(state, T).text, T.liveChannelDown);
  }
  assert.deepEqual(delays.map((d) => Math.round(d / 100) * 100), [500, 1000, 2000, 4000, 8000, 10000, 10000, 10000]);
  assert.deepEqual(run([{ type: "channel-retry" }], { from: state }).did, ["open-channel"]);
  out = run([{ type: "channel-open" }], { from: state });
  assert.equal(out.state.channel.attempt, 0);
  assert.deepEqual(out.did, ["resync"]);
  // closed by the page itself (left): no retry
  const left = run([{ type: "leave" }], { from: s }).state;
  assert.deepEqual(run([{ type: "channel-closed", code: 1000 }], { from: left }).did, []);
});

// --- the session, with fakes for the browser -------------------------------------------------------

class FakeSocket {
  static all = [];
  constructor(url, proto) {
    this.url = url;
    this.proto = proto;
    this.readyState = 0;
    this.sent = [];
    this.listeners = {};
    FakeSocket.all.push(this);
  }
  addEventListener(name, f) { (this.listeners[name] ||= []).push(f); }
  fire(name, ev = {}) { (this.listeners[name] || []).forEach((f) => f(ev)); }
  open() { this.readyState = 1; this.fire("open"); }
  receive(msg) { this.fire("message", { data: JSON.stringify(msg) }); }
  send(text) { this.sent.push(JSON.parse(text)); }
  close(code = 1000) { if (this.readyState > 1) return; this.readyState = 3; this.fire("close", { code }); }
}

function fakeJanus() {
  const made = [];
  class Janus {
    constructor(opts) { this.opts = opts; this.destroyed = false; made.push(this); this.ws = Janus.newWebSocket(opts.server, "janus-protocol"); }
    destroy() { this.destroyed = true; }
    static init({ dependencies, callback }) { Janus.newWebSocket = dependencies.newWebSocket; callback(); }
    static useDefaultDependencies() { return { newWebSocket: (url, proto) => new FakeSocket(url, proto) }; }
  }
  return { Janus, made };
}

function fakeTimers() {
  let now = 10 * 3600000 + 42 * 60000;
  const pending = [];
  return {
    now: () => now,
    setTimeout: (f, ms) => { const id = { f, at: now + ms }; pending.push(id); return id; },
    clearTimeout: (id) => { const i = pending.indexOf(id); if (i >= 0) pending.splice(i, 1); },
    async runAll(until = () => false) { // fire what is due, in order, as time passes
      for (let i = 0; pending.length && !until() && i < 50; i++) {
        pending.sort((a, b) => a.at - b.at);
        const next = pending.shift();
        now = Math.max(now, next.at);
        next.f();
        await flush();
      }
    },
    pending,
  };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

function harness(answers, lang = "en") {
  FakeSocket.all = [];
  const posts = [];
  const fetch = async (url, init) => {
    posts.push({ url, body: init.body && JSON.parse(init.body) });
    const a = answers.shift() || { status: 200, body: {} };
    if (a.status === 0) throw new TypeError("Failed to fetch");
    return { status: a.status, json: async () => a.body };
  };
  const { Janus, made } = fakeJanus();
  const timers = fakeTimers();
  const calls = { start: [], stop: [], keys: [], segments: [], messages: [], renders: [] };
  const frameCrypto = { keys: [], async setKey(id) { this.keys.push(id); }, clear() { this.keys.push(null); }, forget() { this.keys.push("forgotten"); } };
  const listeners = {};
  const beacons = [];
  const session = new MeetingSession({
    cfg: { joinUrl: "/api/engagements/x/join", leaveUrl: "/api/engagements/x/leave", presencePath: "/ws/engagements/x/presence" },
    t: T,
    page: {
      render: (st, view) => calls.renders.push(view.text),
      startMedia: (m) => calls.start.push(m),
      stopMedia: (o) => calls.stop.push(o),
      onKey: (k) => calls.keys.push(k),
      onSegment: (kind, allowed) => calls.segments.push([kind, allowed]),
      onMessage: (m) => calls.messages.push(m),
    },
    env: {
      fetch, WebSocket: FakeSocket, Janus, canEncrypt: true, frameCrypto, random: () => 0.5,
      now: timers.now, setTimeout: timers.setTimeout, clearTimeout: timers.clearTimeout,
      location: { protocol: "https:", host: "summitry.test" },
      document: { cookie: "csrftoken=abc", documentElement: { lang } },
      navigator: { sendBeacon: (url) => beacons.push(url) },
      window: { addEventListener: (name, f) => { listeners[name] = f; } },
    },
  });
  return { session, posts, made, timers, calls, frameCrypto, listeners, beacons };
}

test("the session joins, connects through the relay, opens the live channel and resyncs it", async () => {
  const h = harness([{ status: 200, body: GRANT }]);
  h.session.join();
  await flush();
  assert.deepEqual(h.posts[0], { url: "/api/engagements/x/join", body: { e2ee: true } });
  assert.equal(h.made.length, 1);
  assert.equal(h.made[0].opts.server, GRANT.janus_url);
  assert.equal(h.made[0].opts.token, "t1");
  const live = FakeSocket.all.find((s) => s.url.endsWith("/presence"));
  assert.equal(live.url, "wss://summitry.test/ws/engagements/x/presence");
  live.open();
  assert.deepEqual(live.sent, [{ resync: true }]);
  h.made[0].opts.success();
  assert.equal(h.calls.start.length, 1);
  h.calls.start[0].up();
  assert.equal(h.session.state.name, "live");
  // what the live channel says reaches the page; keys go to the frame crypto first
  live.receive({ segment: "closed", allowed: true });
  live.receive({ e2ee: { key_id: 3, key: "k" } });
  live.receive({ lobby: [] });
  await flush();
  assert.deepEqual(h.calls.segments, [["closed", true]]);
  assert.deepEqual(h.frameCrypto.keys, [3]);
  assert.deepEqual(h.calls.keys, [{ key_id: 3, key: "k" }]);
  assert.deepEqual(h.calls.messages, [{ lobby: [] }]);
  assert.ok(h.session.send({ muted: true }));
  // closing the page gives the grant back
  h.listeners.pagehide();
  assert.deepEqual(h.beacons, ["/api/engagements/x/leave"]);
});

test("the session recovers by itself from a Janus restart, with a new grant, and says so", async () => {
  const second = { ...GRANT, token: "t2" };
  const h = harness([{ status: 200, body: GRANT }, { status: 503, body: { detail: "down" } }, { status: 200, body: second }]);
  h.session.join();
  await flush();
  FakeSocket.all.find((s) => s.url.endsWith("/presence")).open();
  h.made[0].opts.success();
  h.calls.start[0].up();
  // Janus goes away: the relay closes with 4410, janus.js reports the lost session
  h.made[0].ws.close(CLOSE_JANUS_GONE);
  h.made[0].opts.error("Lost connection to the server (is it down?)");
  assert.equal(h.session.state.name, "reconnecting");
  assert.deepEqual(h.calls.stop, [{ final: false }]); // camera, microphone and keys are kept
  assert.ok(!h.frameCrypto.keys.includes("forgotten"));
  assert.ok(h.made[0].destroyed);
  const old = h.calls.start[0];
  old.up(); // late news from the dead connection is ignored
  assert.equal(h.session.state.name, "reconnecting");
  await h.timers.runAll(() => h.made.length === 2);
  assert.equal(h.posts.length, 3); // 503 once, then a new grant
  assert.equal(h.made.length, 2);
  assert.equal(h.made[1].opts.token, "t2");
  h.made[1].opts.success();
  h.calls.start[1].up();
  assert.equal(h.session.state.name, "live");
  const said = h.session.diagnostics().history.map((x) => x.text);
  assert.ok(said.some((x) => /^Media server unavailable since 10:42( AM)?$/.test(x)), said.join(" | "));
  assert.equal(said[said.length - 1], "Back");
  await h.timers.runAll(() => h.session.diagnostics().status === "Live");
  assert.equal(h.session.diagnostics().status, "Live");
  assert.equal(FakeSocket.all.filter((s) => s.url.endsWith("/presence")).length, 1); // the live channel stayed
});

test("the session's live channel comes back after a drop and asks again; a held one stays down", async () => {
  const h = harness([{ status: 200, body: GRANT }]);
  h.session.join();
  await flush();
  const first = FakeSocket.all.find((s) => s.url.endsWith("/presence"));
  first.open();
  h.made[0].opts.success();
  h.calls.start[0].up();
  h.session.dropChannel(true);
  assert.equal(h.session.diagnostics().channel.open, false);
  assert.equal(h.session.diagnostics().status, T.liveChannelDown);
  await h.timers.runAll(() => !h.session.timers.has("channel-retry"));
  assert.equal(FakeSocket.all.filter((s) => s.url.endsWith("/presence")).length, 1); // held
  h.session.releaseChannel();
  const second = FakeSocket.all.filter((s) => s.url.endsWith("/presence"))[1];
  assert.ok(second);
  second.open();
  assert.deepEqual(second.sent, [{ resync: true }]);
  second.receive({ segment: "restricted", allowed: true });
  assert.deepEqual(h.calls.segments, [["restricted", true]]);
  assert.equal(h.session.diagnostics().status, "Live");
  first.receive({ segment: "open", allowed: true }); // the old socket is not listened to any more
  assert.equal(h.calls.segments.length, 1);
});

test("the session leaves: keys forgotten, devices released, left once Summitry answered", async () => {
  const h = harness([{ status: 200, body: GRANT }, { status: 200, body: { revoked: 1 } }]);
  h.session.join();
  await flush();
  h.made[0].opts.success();
  h.calls.start[0].up();
  h.session.leave();
  assert.deepEqual(h.calls.stop, [{ final: true }]);
  assert.ok(h.frameCrypto.keys.includes("forgotten"));
  assert.equal(h.session.state.name, "leaving");
  await flush();
  assert.equal(h.posts[1].url, "/api/engagements/x/leave");
  assert.equal(h.session.state.name, "left");
  h.listeners.pagehide();
  assert.deepEqual(h.beacons, []); // nothing left to give back
});

test("the time the media server went away is said in the page's language", async () => {
  const h = harness([{ status: 200, body: GRANT }, { status: 503, body: {} }], "fr");
  h.session.join();
  await flush();
  h.made[0].opts.success();
  h.calls.start[0].up();
  h.made[0].ws.close(CLOSE_JANUS_GONE);
  h.made[0].opts.error("Lost connection to the server (is it down?)");
  assert.equal(h.session.diagnostics().status, "Media server unavailable since 10:42");
});

test("the grant's STUN/TURN servers reach janus.js, and only those", async () => {
  const withTurn = { ...GRANT, ice_servers: [{ urls: ["turn:turn.example:3478"], username: "u", credential: "p" }, { urls: ["stun:stun.example"], username: "", credential: "" }], ice_transport_policy: "relay" };
  const h = harness([{ status: 200, body: withTurn }]);
  h.session.join();
  await flush();
  assert.deepEqual(h.made[0].opts.iceServers, [{ urls: ["turn:turn.example:3478"], username: "u", credential: "p" }, { urls: ["stun:stun.example"] }]);
  assert.equal(h.made[0].opts.iceTransportPolicy, "relay");
  const none = harness([{ status: 200, body: { ...GRANT, ice_servers: [] } }]);
  none.session.join();
  await flush();
  assert.deepEqual(none.made[0].opts.iceServers, []); // no public STUN behind Summitry's back
  const older = harness([{ status: 200, body: GRANT }]); // a grant that says nothing of ICE
  older.session.join();
  await flush();
  assert.equal(older.made[0].opts.iceServers, undefined);
});
