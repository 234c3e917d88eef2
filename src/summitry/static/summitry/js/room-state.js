// Pure state of the meeting room: who is present, in which order, and what went wrong.
// No DOM and no WebRTC here, so it can be tested with node's test runner.

/** Classify a getUserMedia failure into what the user is told. */
export function classifyMediaError(err) {
  const name = (err && err.name) || "";
  if (name === "NotAllowedError" || name === "SecurityError" || name === "PermissionDeniedError") return "denied";
  if (name === "NotFoundError" || name === "DevicesNotFoundError" || name === "OverconstrainedError") return "no-devices";
  if (name === "NotReadableError" || name === "TrackStartError") return "busy";
  return "other";
}

/**
 * Decide what to capture given which attempts failed.
 * attempts: ordered list of constraint sets to try; returns the warning to show for the one that worked.
 */
export const CAPTURE_ATTEMPTS = [
  { constraints: { audio: true, video: true }, warning: null },
  { constraints: { audio: true, video: false }, warning: "no-camera" },
  { constraints: { audio: false, video: true }, warning: "no-microphone" },
];

export function warningForNoMedia(errors) {
  return errors.some((e) => classifyMediaError(e) === "denied") ? "denied" : "no-devices";
}

export class RoomState {
  /** unknownName: how the page calls someone not on the roster, in its language. */
  constructor(roster, me, unknownName = "Unknown participant") {
    this.roster = roster;
    this.unknownName = unknownName;
    this.me = me;
    this.byId = new Map(roster.map((p) => [Number(p.publisher_id), p]));
    this.present = new Set();
  }

  /** The roster entry for a Janus publisher id, or a placeholder that never trusts Janus's display. */
  person(id) {
    return this.byId.get(Number(id)) || { publisher_id: Number(id), name: this.unknownName, title: "", country: "", initials: "?" };
  }

  /** Whether a feed belongs to a roster member (feeds from unknown ids are not shown). */
  known(id) {
    return this.byId.has(Number(id));
  }

  add(id) {
    if (!this.known(id)) return false;
    const had = this.present.has(Number(id));
    this.present.add(Number(id));
    return !had;
  }

  remove(id) {
    return this.present.delete(Number(id));
  }

  /** Present people in gallery (protocol) order: the roster's order, which the server computes. */
  gallery() {
    return this.roster.filter((p) => this.present.has(Number(p.publisher_id)));
  }

  /** Index at which a tile for this id belongs among present tiles. */
  position(id) {
    return this.gallery().findIndex((p) => Number(p.publisher_id) === Number(id));
  }
}

/** Status line for the room header. */
export function statusFor({ connected, left, remoteCount }) {
  if (left) return "left";
  if (!connected) return "connecting";
  return remoteCount >= 0 ? "live" : "connecting";
}
