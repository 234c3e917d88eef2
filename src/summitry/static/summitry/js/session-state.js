// The state of one visit to a meeting, as a pure state machine: no DOM, no WebSocket, no timers.
// ``step(state, event)`` returns the next state and the effects the page's session must carry out
// (post a join, open the live channel, schedule a retry...). Tested with node's test runner.
//
//   idle ──join──▶ joining ──200──▶ connecting ──media-up──▶ live
//                    │ 202            ▲   │ lost / timeout      │ lost (relay closed, Janus gone)
//                    ▼                │   ▼                     ▼
//                  waiting ─admitted─┘ reconnecting ◀──────────┘   (retry: a new join, a new grant)
//   live ──4401 (Summitry cut the visit)──▶ interrupted ──(no word from the live channel)──▶ ended
//   any ──segment excludes me──▶ paused ──segment lets me in──▶ joining
//   any ──leave──▶ leaving ──Summitry revoked the grant──▶ left
//   the room destroyed, a removal ──▶ ended;   403/404, the lobby's denial ──▶ refused (may join again)

/** Exponential backoff with full jitter: a random delay in [0, min(cap, base × factor^attempt)). */
export const BACKOFF = Object.freeze({ base: 500, factor: 2, cap: 10000 });

export function backoffDelay(attempt, random = Math.random, { base, factor, cap } = BACKOFF) {
  const ceiling = Math.min(cap, base * factor ** Math.max(0, attempt));
  return Math.floor(Math.min(Math.max(random(), 0), 0.999999) * ceiling);
}

/** How long a page waits for the live channel to say why Summitry cut its visit, before saying so. */
export const EXPLAIN_GRACE_MS = 4000;
/** How long connecting (relay, session, publisher) may take before the page tries again. */
export const CONNECT_TIMEOUT_MS = 20000;
/** How long ICE may stay disconnected or failed before an ICE restart, and how many restarts first. */
export const ICE_GRACE_MS = 3000;
export const ICE_RESTARTS = 2;
/** How long the status says "Back" after a recovery. */
export const BACK_MS = 6000;

// The relay's close codes (meetings.consumers.JanusRelayConsumer).
export const CLOSE_REVOKED = 4401; // Summitry ended this visit on purpose (left, a segment, the end, a newer visit)
export const CLOSE_JANUS_GONE = 4410; // Janus's side of the relay ended: the media server went away
export const CLOSE_RELAY_FAILED = 1011;

const WITH_GRANT = new Set(["connecting", "live", "interrupted"]);
const MEDIA = new Set(["connecting", "live"]);
const IN_MEETING = new Set(["joining", "waiting", "connecting", "live", "reconnecting", "interrupted", "paused"]);

/** The state before anything happened. */
export function initial() {
  return {
    name: "idle", auto: false, recovering: false, back: false, everLive: false,
    attempt: 0, cause: null, since: null, reason: null, detail: null,
    ice: { trouble: false, restarts: 0 },
    channel: { wanted: false, open: false, attempt: 0, ever: false },
  };
}

/** Whether the page holds (or may still hold) a grant: what a closing page must give back. */
export function holdsGrant(state) {
  return WITH_GRANT.has(state.name) || (state.name === "reconnecting" && state.cause === "network");
}

/** Whether the visit is under way (the live channel is wanted, a leave makes sense). */
export function inMeeting(state) {
  return IN_MEETING.has(state.name);
}

function to(state, name, extra = {}) {
  return { ...state, name, ...extra };
}

function lost(state, cause, now, random) {
  // Media went away: the page tears its media down (keeping camera, microphone and keys) and tries
  // again, sooner at first, then less often. ``since`` is when it was last fine.
  const since = state.name === "reconnecting" || state.recovering ? (state.since ?? now) : now;
  const delay = backoffDelay(state.attempt, random);
  return {
    state: to(state, "reconnecting", { cause, since, attempt: state.attempt + 1, back: false, recovering: true,
      ice: { trouble: false, restarts: 0 } }),
    effects: [{ do: "stop-media" }, { do: "retry-in", ms: delay }],
  };
}

function withChannel(state, effects, wanted) {
  // Open the live channel while the visit is under way, close it when it ends.
  if (wanted && !state.channel.wanted) {
    return { state: { ...state, channel: { ...state.channel, wanted: true, attempt: 0 } },
      effects: [...effects, { do: "open-channel" }] };
  }
  if (!wanted && state.channel.wanted) {
    return { state: { ...state, channel: { ...state.channel, wanted: false, open: false, ever: false } },
      effects: [...effects, { do: "close-channel" }] };
  }
  return { state, effects };
}

function ended(state, reason, name = "ended", detail = null) {
  const next = to(state, name, { reason, detail, auto: false, back: false, recovering: false, attempt: 0,
    cause: null, since: null });
  return withChannel(next, [{ do: "cancel-timers" }, { do: "stop-media" }], false);
}

/**
 * One step of the machine. ``event.type`` is one of:
 *   join (the user asks), join-answer {status, body}, media-up, media-lost {code}, connect-timeout,
 *   retry, online, media-restarted, ice {iceState}, ice-check, settle, explain-timeout,
 *   segment {allowed}, admission {value}, ended {reason}, leave, leave-done,
 *   channel-open, channel-closed {code}, channel-retry.
 * ``ctx``: { now (ms), random () → [0, 1) }.
 */
export function step(state, event, ctx = {}) {
  const now = ctx.now ?? 0;
  const random = ctx.random ?? Math.random;
  const same = { state, effects: [] };
  switch (event.type) {
    case "join":
      if (!["idle", "refused", "left", "ended"].includes(state.name)) return same;
      return { state: to(initial(), "joining", { channel: state.channel, everLive: false }), effects: [{ do: "post-join" }] };

    case "join-answer": {
      if (state.name !== "joining") return same;
      const { status } = event;
      if (status === 200) {
        const next = to(state, "connecting", { detail: null, reason: null });
        return withChannel(next, [{ do: "connect-media", grant: event.body }, { do: "connect-timeout-in", ms: CONNECT_TIMEOUT_MS }], true);
      }
      if (status === 202) {
        const next = to(state, "waiting", { recovering: false, attempt: 0, cause: null, since: null });
        return withChannel(next, [], true);
      }
      if (status === 0 || status >= 500) {
        // Summitry unreachable (0: no answer at all), or its media server (503): try again by itself.
        return lost(state, status === 0 ? "network" : "media", now, random);
      }
      // 403, 404: refused, with Summitry's sentence (a closed segment, the end, a removal...).
      return ended(state, "refused", "refused", (event.body && event.body.detail) || null);
    }

    case "media-up":
      if (state.name !== "connecting") return same;
      return {
        state: to(state, "live", { back: state.recovering && state.everLive, everLive: true, recovering: false,
          attempt: 0, cause: null, since: null, auto: false, ice: { trouble: false, restarts: 0 } }),
        effects: [{ do: "cancel-timers" }, ...(state.recovering && state.everLive ? [{ do: "settle-in", ms: BACK_MS }] : [])],
      };

    case "settle":
      return state.name === "live" && state.back ? { state: { ...state, back: false }, effects: [] } : same;

    case "media-lost":
    case "connect-timeout": {
      if (!MEDIA.has(state.name)) return same;
      if (event.type === "media-lost" && event.code === CLOSE_REVOKED) {
        // Summitry cut this visit on purpose; the live channel says why (a segment, a removal, the end).
        // Never rejoin by itself here: a newer visit (another window) would be cut in turn.
        return { state: to(state, "interrupted", { back: false }),
          effects: [{ do: "cancel-timers" }, { do: "stop-media" }, { do: "explain-timeout-in", ms: EXPLAIN_GRACE_MS }] };
      }
      // Connecting failed (we have a grant, so Summitry answers: its media server does not), or Janus's side
      // of the relay ended: the media server. A connection that dropped silently: the network.
      const media = state.name === "connecting" || event.type === "connect-timeout" ||
        event.code === CLOSE_JANUS_GONE || event.code === CLOSE_RELAY_FAILED;
      const cause = media ? "media" : state.cause === "media" ? "media" : "network";
      const out = lost(state, cause, now, random);
      return { ...out, effects: [{ do: "cancel-timers" }, ...out.effects] };
    }

    case "explain-timeout":
      return state.name === "interrupted" ? ended(state, "kicked") : same;

    case "media-restarted":
      // Summitry says Janus started again: whoever waits joins now; a visit that still looks up
      // (it joined just before Summitry forgot the old Janus's grants) is gone, and joins again.
      if (state.name === "reconnecting") {
        return { state: to(state, "joining", { auto: true }), effects: [{ do: "cancel-timers" }, { do: "post-join" }] };
      }
      if (state.name === "interrupted" || MEDIA.has(state.name)) {
        const out = lost(state, "media", now, random);
        return { ...out, effects: [{ do: "cancel-timers" }, ...out.effects] };
      }
      return same;

    case "retry":
      if (state.name !== "reconnecting") return same;
      return { state: to(state, "joining", { auto: true }), effects: [{ do: "post-join" }] };

    case "online":
      if (state.name === "reconnecting") {
        return { state: to(state, "joining", { auto: true }), effects: [{ do: "cancel-timers" }, { do: "post-join" }] };
      }
      if (state.name === "live") return { state, effects: [{ do: "ice-restart" }] };
      return same;

    case "ice": {
      if (state.name !== "live") return same;
      const bad = event.iceState === "failed" || event.iceState === "disconnected";
      if (bad && !state.ice.trouble) {
        return { state: { ...state, ice: { ...state.ice, trouble: true } }, effects: [{ do: "ice-check-in", ms: ICE_GRACE_MS }] };
      }
      if (!bad && (event.iceState === "connected" || event.iceState === "completed")) {
        return { state: { ...state, ice: { trouble: false, restarts: 0 } }, effects: [] };
      }
      return same;
    }

    case "ice-check": {
      if (state.name !== "live" || !state.ice.trouble) return same;
      if (state.ice.restarts >= ICE_RESTARTS) return step(state, { type: "media-lost", code: 0 }, ctx);
      return {
        state: { ...state, ice: { trouble: true, restarts: state.ice.restarts + 1 } },
        effects: [{ do: "ice-restart" }, { do: "ice-check-in", ms: ICE_GRACE_MS * 2 }],
      };
    }

    case "segment":
      if (!event.allowed) {
        if (!["joining", "waiting", "connecting", "live", "reconnecting", "interrupted"].includes(state.name)) return same;
        // Summitry has taken this participant's media away at Janus already; wait to be let back in.
        const next = to(state, "paused", { back: false, recovering: false, attempt: 0, cause: null, since: null });
        return { state: next, effects: [{ do: "cancel-timers" }, { do: "stop-media" }] };
      }
      if (state.name === "paused") return { state: to(state, "joining", { auto: true }), effects: [{ do: "post-join" }] };
      return same;

    case "admission":
      if (event.value === "admitted" && state.name === "waiting") {
        return { state: to(state, "joining", { auto: true }), effects: [{ do: "post-join" }] };
      }
      if (event.value === "denied") {
        if (state.name === "waiting") return ended(state, "lobby-denied", "refused");
        if (["connecting", "live", "interrupted", "reconnecting"].includes(state.name)) return ended(state, "kicked");
      }
      return same;

    case "ended":
      if (!inMeeting(state)) return same;
      return ended(state, event.reason || "ended");

    case "leave": {
      // Left once Summitry says so: the grant is revoked when the page says "left".
      if (!inMeeting(state)) return same;
      const out = ended(state, "left", "leaving");
      return { state: out.state, effects: [...out.effects, { do: "post-leave" }] };
    }

    case "leave-done":
      return state.name === "leaving" ? { state: to(state, "left"), effects: [] } : same;

    case "channel-open":
      if (!state.channel.wanted) return { state, effects: [{ do: "close-channel" }] };
      return {
        state: { ...state, channel: { ...state.channel, open: true, attempt: 0, ever: true } },
        effects: [{ do: "resync" }],
      };

    case "channel-closed": {
      const channel = { ...state.channel, open: false };
      if (!channel.wanted) return { state: { ...state, channel }, effects: [] };
      if (event.code === 4403 || event.code === 4404) {
        // Summitry no longer lets this person in at all: the visit is over.
        return ended({ ...state, channel }, "kicked");
      }
      const ms = backoffDelay(channel.attempt, random);
      return { state: { ...state, channel: { ...channel, attempt: channel.attempt + 1 } }, effects: [{ do: "channel-retry-in", ms }] };
    }

    case "channel-retry":
      return state.channel.wanted && !state.channel.open ? { state, effects: [{ do: "open-channel" }] } : same;

    default:
      return same;
  }
}

/**
 * What the page says about a state, in its language: ``t`` holds the page's strings (data-* of #i18n),
 * ``time(ms)`` formats a moment in the reader's locale. Returns { text, kind, alert, level }: the status
 * badge, the state the page is styled by, and what the alert box says (null: leave it as it is;
 * "": empty it).
 */
export function describe(state, t, time = (ms) => new Date(ms).toISOString().slice(11, 16)) {
  const unavailable = () => (t.unavailableSince || "").replace("{time}", time(state.since));
  switch (state.name) {
    case "joining":
      if (state.recovering && state.cause === "media") return { text: unavailable(), kind: "error", alert: null };
      if (state.recovering) return { text: t.reconnecting, kind: "reconnecting", alert: null };
      return { text: t.connecting, kind: "connecting", alert: state.auto ? null : "" };
    case "waiting":
      return { text: t.waiting, kind: "waiting", alert: t.waiting, level: "info" };
    case "connecting":
      if (state.recovering) {
        return state.cause === "media"
          ? { text: unavailable(), kind: "error", alert: null }
          : { text: t.reconnecting, kind: "reconnecting", alert: null };
      }
      return { text: t.connecting, kind: "connecting", alert: null };
    case "live": {
      const down = state.channel.wanted && state.channel.ever && !state.channel.open;
      const text = state.back ? t.back : down ? t.liveChannelDown : t.live;
      return { text, kind: "live", alert: state.back ? "" : null };
    }
    case "reconnecting":
      if (state.cause === "media") return { text: unavailable(), kind: "error", alert: t.janusDown, level: "warning" };
      return { text: t.reconnecting, kind: "reconnecting", alert: t.reconnectingDetail, level: "warning" };
    case "interrupted":
      return { text: t.reconnecting, kind: "reconnecting", alert: null };
    case "paused":
      return { text: t.paused, kind: "paused", alert: t.paused, level: "info" };
    case "refused":
      return { text: t.notConnected, kind: "error",
        alert: state.reason === "lobby-denied" ? t.lobbyDenied : state.detail || t.refused, level: "error" };
    case "leaving":
      return { text: t.notConnected, kind: "leaving", alert: "" };
    case "left":
      return { text: t.left, kind: "left", alert: "" };
    case "ended": {
      const alert = { ended: t.ended, "you-ended": t.youEnded, kicked: t.kicked }[state.reason] || t.kicked;
      return { text: t.notConnected, kind: "ended", alert, level: "error" };
    }
    default:
      return { text: t.notConnected, kind: "idle", alert: null };
  }
}
