// One visit to a meeting, shared by the meeting room (room.js) and the interpreter console (booth.js):
// joining through Summitry (and its lobby, refusals and media-server-down answers), the live channel
// (opened, its messages handed to the page, reconnected), the end-to-end keys it carries, the Janus
// session through Summitry's relay, recovery by itself (a new join, a new grant, publish and subscribe
// again), and leaving (the button, or the page closing). What to do and what to say comes from the pure
// machine in session-state.js; this file carries it out. The page only renders and handles its media.
import { CLOSE_REVOKED, describe, holdsGrant, initial, step } from "./session-state.js";
import { FrameCrypto, supported as e2eeSupported } from "./e2ee.js";

export { backoffDelay, BACKOFF, describe, holdsGrant, initial, step } from "./session-state.js";

const MEDIA_TIMERS = ["retry", "connect-timeout", "explain-timeout", "ice-check", "settle"];
const FINAL = new Set(["leaving", "left", "ended", "refused", "paused"]);
const janusInits = new WeakMap(); // janus.js -> its Janus.init, done once

function csrfFrom(doc) {
  const m = ((doc && doc.cookie) || "").match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return m ? decodeURIComponent(m[1]) : "";
}

/**
 * ``page``: { render(state, view), startMedia(media), stopMedia({ final }), iceRestart(), onMessage(msg),
 * onSegment(kind, allowed), onKey(key), onChannelOpen() } — all but startMedia and stopMedia optional.
 * ``media`` (given to startMedia): { janus, grant, up(), lost(code), ice(iceState), current() }.
 * ``env`` replaces the browser for tests: fetch, WebSocket, Janus, adapter, setTimeout, clearTimeout,
 * now, random, location, document, navigator, window.
 */
export class MeetingSession {
  constructor({ cfg, t, page, env = {} }) {
    const g = globalThis;
    this.cfg = cfg;
    this.t = t;
    this.page = page;
    this.env = {
      fetch: env.fetch || ((...a) => g.fetch(...a)),
      WebSocket: env.WebSocket || g.WebSocket,
      Janus: env.Janus || null,
      adapter: env.adapter || g.adapter,
      setTimeout: env.setTimeout || ((f, ms) => g.setTimeout(f, ms)),
      clearTimeout: env.clearTimeout || ((id) => g.clearTimeout(id)),
      now: env.now || (() => Date.now()),
      random: env.random || Math.random,
      location: env.location || g.location,
      document: env.document || g.document,
      navigator: env.navigator || g.navigator,
      window: env.window || g.window,
    };
    const lang = (this.env.document && this.env.document.documentElement && this.env.document.documentElement.lang) || undefined;
    let clock;
    try { clock = new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit" }); } catch (_) { clock = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" }); }
    this.time = (ms) => clock.format(new Date(ms));
    this.state = initial();
    this.canEncrypt = env.canEncrypt ?? e2eeSupported();
    this.frameCrypto = env.frameCrypto || new FrameCrypto();
    this.grant = null;
    this.janus = null;
    this.generation = 0; // one per Janus connection: callbacks of an older one are ignored
    this.relaySocket = null;
    this.relayCloseCode = null;
    this.iceServers = null; // what janus.js was last given (diagnostics)
    this.timers = new Map();
    this.channel = null; // the live channel's WebSocket
    this.channelHeld = false; // diagnostics: keep the live channel down
    this.history = [];
    this.lastView = null;
    const win = this.env.window;
    if (win && win.addEventListener) {
      win.addEventListener("online", () => this.dispatch({ type: "online" }));
      win.addEventListener("pagehide", () => this.beacon());
    }
  }

  // --- what the page calls -------------------------------------------------------------------------

  /** The user asks to join (or to join again). */
  join() { this.dispatch({ type: "join" }); }

  /** The user leaves. */
  leave() { this.dispatch({ type: "leave" }); }

  /** The meeting ended for this page (the room was destroyed, or Janus says it was kicked). */
  ended(reason) { this.dispatch({ type: "ended", reason }); }

  /** Send a message on the live channel; false when it is not open. */
  send(message) {
    const ws = this.channel;
    if (!ws || !this.state.channel.open || ws.readyState !== 1) return false;
    ws.send(JSON.stringify(message));
    return true;
  }

  get channelOpen() { return Boolean(this.channel && this.state.channel.open); }

  // --- the machine ---------------------------------------------------------------------------------

  dispatch(event) {
    const { state, effects } = step(this.state, event, { now: this.env.now(), random: this.env.random });
    this.state = state;
    for (const effect of effects) this.run(effect);
    this.render();
  }

  render() {
    const view = describe(this.state, this.t, this.time);
    const last = this.history[this.history.length - 1];
    if (!last || last.state !== this.state.name || last.text !== view.text) {
      this.history.push({ state: this.state.name, kind: view.kind, text: view.text, at: this.env.now() });
      if (this.history.length > 100) this.history.shift();
    }
    this.lastView = view;
    if (this.page.render) this.page.render(this.state, view);
  }

  later(name, ms, event) {
    this.cancel(name);
    this.timers.set(name, this.env.setTimeout(() => { this.timers.delete(name); this.dispatch(event); }, ms));
  }

  cancel(name) {
    if (this.timers.has(name)) { this.env.clearTimeout(this.timers.get(name)); this.timers.delete(name); }
  }

  run(effect) {
    switch (effect.do) {
      case "post-join": this.postJoin(); break;
      case "connect-media": this.connectMedia(effect.grant); break;
      case "stop-media": this.stopMedia(); break;
      case "post-leave": this.postLeave(); break;
      case "open-channel": this.openChannel(); break;
      case "close-channel": this.closeChannel(); break;
      case "resync": this.send({ resync: true }); if (this.page.onChannelOpen) this.page.onChannelOpen(); break;
      case "ice-restart": if (this.page.iceRestart) this.page.iceRestart(); break;
      case "cancel-timers": MEDIA_TIMERS.forEach((n) => this.cancel(n)); break;
      case "retry-in": this.later("retry", effect.ms, { type: "retry" }); break;
      case "connect-timeout-in": this.later("connect-timeout", effect.ms, { type: "connect-timeout" }); break;
      case "explain-timeout-in": this.later("explain-timeout", effect.ms, { type: "explain-timeout" }); break;
      case "ice-check-in": this.later("ice-check", effect.ms, { type: "ice-check" }); break;
      case "settle-in": this.later("settle", effect.ms, { type: "settle" }); break;
      case "channel-retry-in": this.later("channel-retry", effect.ms, { type: "channel-retry" }); break;
      default: break;
    }
  }

  // --- Summitry's API ------------------------------------------------------------------------------

  async request(url, payload) {
    const headers = { "X-CSRFToken": csrfFrom(this.env.document) };
    if (payload) headers["Content-Type"] = "application/json";
    try {
      const resp = await this.env.fetch(url, { method: "POST", credentials: "same-origin", headers,
        body: payload ? JSON.stringify(payload) : undefined });
      let body = null;
      try { body = await resp.json(); } catch (_) { body = null; }
      return { status: resp.status, body };
    } catch (_) {
      return { status: 0, body: null }; // no answer at all: Summitry (or the network) is down
    }
  }

  async postJoin() {
    const res = await this.request(this.cfg.joinUrl, { e2ee: this.canEncrypt });
    if (res.status === 200) this.grant = res.body;
    this.dispatch({ type: "join-answer", status: res.status, body: res.body });
  }

  async postLeave() {
    await this.request(this.cfg.leaveUrl);
    this.dispatch({ type: "leave-done" });
  }

  /** The page is closing: give the grant back (a beacon survives the page). */
  beacon() {
    if (!holdsGrant(this.state) || !this.env.navigator || !this.env.navigator.sendBeacon) return;
    const form = new FormData();
    form.append("csrfmiddlewaretoken", csrfFrom(this.env.document));
    this.env.navigator.sendBeacon(this.cfg.leaveUrl, form);
  }

  // --- Janus, through Summitry's relay -------------------------------------------------------------

  initJanus() {
    // Janus.init once per page; the relay's WebSocket is watched (its close code says why it closed).
    const Janus = this.env.Janus;
    let ready = janusInits.get(Janus);
    if (!ready) {
      ready = new Promise((resolve) => {
        const deps = Janus.useDefaultDependencies({ adapter: this.env.adapter });
        const make = deps.newWebSocket;
        deps.newWebSocket = (server, proto) => {
          const ws = make(server, proto);
          if (ready.session) ready.session.watchRelay(ws);
          return ws;
        };
        Janus.init({ debug: false, dependencies: deps, callback: resolve });
      });
      janusInits.set(Janus, ready);
    }
    ready.session = this;
    return ready;
  }

  watchRelay(ws) {
    const gen = this.generation;
    this.relaySocket = ws;
    this.relayCloseCode = null;
    ws.addEventListener("close", (ev) => { if (gen === this.generation) this.relayCloseCode = ev.code; });
  }

  async connectMedia(grant) {
    const gen = ++this.generation;
    await this.initJanus();
    if (gen !== this.generation || this.state.name !== "connecting") return;
    const Janus = this.env.Janus;
    const media = {
      grant,
      janus: null,
      current: () => gen === this.generation,
      up: () => { if (gen === this.generation) this.dispatch({ type: "media-up" }); },
      lost: (code) => { if (gen === this.generation) this.dispatch({ type: "media-lost", code: code ?? this.relayCloseCode }); },
      ice: (iceState) => { if (gen === this.generation) this.dispatch({ type: "ice", iceState }); },
    };
    const options = {
      server: grant.janus_url,
      token: grant.token,
      success: () => { if (gen === this.generation) this.page.startMedia(media); },
      error: (err) => {
        if (gen !== this.generation) return;
        console.warn("Janus:", err, "relay closed with", this.relayCloseCode);
        media.lost(this.relayCloseCode);
      },
      destroyed: () => {},
    };
    // The STUN/TURN servers Summitry names, and only those (none: no fallback to janus.js's public
    // STUN); each join brings TURN credentials of its own grant.
    if (Array.isArray(grant.ice_servers)) {
      options.iceServers = grant.ice_servers.map((s) => (s.username ? { urls: s.urls, username: s.username, credential: s.credential } : { urls: s.urls }));
    }
    if (grant.ice_transport_policy) options.iceTransportPolicy = grant.ice_transport_policy;
    this.iceServers = options.iceServers || null;
    this.janus = new Janus(options);
    media.janus = this.janus;
  }

  stopMedia() {
    this.generation++; // whatever the old connection still reports is ignored from here on
    const final = FINAL.has(this.state.name);
    try { this.page.stopMedia({ final }); } catch (err) { console.warn("stopping media", err); }
    if (this.janus) {
      const janus = this.janus;
      this.janus = null;
      try { janus.destroy({ cleanupHandles: true, notifyDestroyed: false }); } catch (_) { /* already gone */ }
    }
    this.relaySocket = null;
    this.grant = null;
    if (final) {
      this.frameCrypto.forget();
      if (this.page.onKey) this.page.onKey(null);
    }
  }

  // --- the live channel ----------------------------------------------------------------------------

  openChannel() {
    if (this.channelHeld || (this.channel && this.channel.readyState <= 1)) return;
    const loc = this.env.location;
    const scheme = loc.protocol === "https:" ? "wss" : "ws";
    const ws = new this.env.WebSocket(`${scheme}://${loc.host}${this.cfg.presencePath}`);
    this.channel = ws;
    ws.addEventListener("open", () => { if (this.channel === ws) this.dispatch({ type: "channel-open" }); });
    ws.addEventListener("close", (ev) => {
      if (this.channel !== ws) return;
      this.channel = null;
      this.dispatch({ type: "channel-closed", code: ev.code });
    });
    ws.addEventListener("message", (ev) => { if (this.channel === ws) this.onChannelMessage(ev.data); });
  }

  closeChannel() {
    this.cancel("channel-retry");
    const ws = this.channel;
    this.channel = null; // its close is ours: not reported
    if (ws) ws.close();
  }

  async onChannelMessage(data) {
    let msg;
    try { msg = JSON.parse(data); } catch (_) { return; }
    if (!msg || typeof msg !== "object") return;
    if ("segment" in msg) {
      if (this.page.onSegment) this.page.onSegment(msg.segment, msg.allowed);
      this.dispatch({ type: "segment", allowed: Boolean(msg.allowed) });
      return;
    }
    if ("e2ee" in msg) {
      const key = msg.e2ee;
      if (key) await this.frameCrypto.setKey(key.key_id, key.key);
      else this.frameCrypto.clear();
      if (this.page.onKey) this.page.onKey(key);
      return;
    }
    if (msg.media_restarted) {
      this.dispatch({ type: "media-restarted" });
      return;
    }
    if ("admission" in msg) {
      this.dispatch({ type: "admission", value: msg.admission });
      return;
    }
    if (this.page.onMessage) this.page.onMessage(msg);
  }

  // --- diagnostics, for tests and technicians ------------------------------------------------------

  diagnostics() {
    const s = this.state;
    return { state: s.name, cause: s.cause, since: s.since, attempt: s.attempt, back: s.back,
      channel: { open: s.channel.open, attempts: s.channel.attempt, held: this.channelHeld },
      status: this.lastView && this.lastView.text, history: this.history.map((h) => ({ ...h })) };
  }

  /** Close the live channel as a network drop would; ``hold`` keeps it down until releaseChannel(). */
  dropChannel(hold = false) {
    this.channelHeld = Boolean(hold);
    if (this.channel) this.channel.close(4000, "dropped for diagnostics");
  }

  releaseChannel() {
    this.channelHeld = false;
    if (this.state.channel.wanted && !this.state.channel.open) this.openChannel();
  }

  /** Close the relay to Janus as a network drop would. */
  dropRelay() {
    if (this.relaySocket) this.relaySocket.close(4000, "dropped for diagnostics");
  }
}

export { CLOSE_REVOKED };
