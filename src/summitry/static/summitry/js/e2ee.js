// End-to-end media encryption with encoded transforms (insertable streams): Janus forwards frames it
// cannot read. Each encrypted frame keeps its first bytes in clear (what the depacketizer needs) and
// carries: ciphertext | 12-byte IV | key id | clear-byte count | "SMT1".
// Frames without the trailer pass untouched, so open segments need no renegotiation.

const MAGIC = [0x53, 0x4d, 0x54, 0x31]; // "SMT1"
const TRAILER = 12 + 1 + 1 + MAGIC.length;

export function supported() {
  return Boolean(window.isSecureContext && window.crypto && crypto.subtle && window.RTCRtpSender &&
    (RTCRtpSender.prototype.createEncodedStreams || window.RTCRtpScriptTransform));
}

/** How many leading bytes stay in clear: VP8 key frames 10, delta frames 3, Opus 1. */
export function clearBytes(frame) {
  if (frame.type === "key") return 10;
  if (frame.type === "delta") return 3;
  return 1;
}

export function hasTrailer(bytes) {
  if (bytes.length < TRAILER) return false;
  for (let i = 0; i < MAGIC.length; i++) if (bytes[bytes.length - MAGIC.length + i] !== MAGIC[i]) return false;
  return true;
}

export class FrameCrypto {
  constructor() {
    this.keys = new Map(); // key id -> CryptoKey
    this.current = null; // key id used to encrypt, or null: send in clear
    this.stats = { encrypted: 0, decrypted: 0, dropped: 0, clear: 0 };
  }

  async setKey(keyId, base64) {
    const raw = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const key = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
    this.keys.set(keyId, key);
    // keep the previous key a little, for frames already in flight
    for (const id of [...this.keys.keys()]) if (id !== keyId && this.keys.size > 2) this.keys.delete(id);
    this.current = keyId;
  }

  clear() {
    this.current = null;
  }

  forget() {
    this.keys.clear();
    this.current = null;
  }

  senderTransform() {
    return new TransformStream({ transform: (frame, controller) => this.encrypt(frame, controller) });
  }

  receiverTransform() {
    return new TransformStream({ transform: (frame, controller) => this.decrypt(frame, controller) });
  }

  async encrypt(frame, controller) {
    const id = this.current;
    if (id === null || !this.keys.has(id)) {
      this.stats.clear++;
      controller.enqueue(frame);
      return;
    }
    const data = new Uint8Array(frame.data);
    const n = Math.min(clearBytes(frame), data.length);
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const sealed = new Uint8Array(await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: data.subarray(0, n) }, this.keys.get(id), data.subarray(n)));
    const out = new Uint8Array(n + sealed.length + TRAILER);
    out.set(data.subarray(0, n), 0);
    out.set(sealed, n);
    out.set(iv, n + sealed.length);
    out[n + sealed.length + 12] = id;
    out[n + sealed.length + 13] = n;
    out.set(MAGIC, n + sealed.length + 14);
    frame.data = out.buffer;
    this.stats.encrypted++;
    controller.enqueue(frame);
  }

  async decrypt(frame, controller) {
    const data = new Uint8Array(frame.data);
    if (!hasTrailer(data)) {
      this.stats.clear++;
      controller.enqueue(frame);
      return;
    }
    const end = data.length - TRAILER;
    const id = data[end + 12];
    const n = data[end + 13];
    const key = this.keys.get(id);
    if (!key || n > end) {
      this.stats.dropped++;
      return; // not ours to read: drop rather than feed the decoder garbage
    }
    try {
      const plain = new Uint8Array(await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: data.subarray(end, end + 12), additionalData: data.subarray(0, n) }, key,
        data.subarray(n, end)));
      const out = new Uint8Array(n + plain.length);
      out.set(data.subarray(0, n), 0);
      out.set(plain, n);
      frame.data = out.buffer;
      this.stats.decrypted++;
      controller.enqueue(frame);
    } catch (_) {
      this.stats.dropped++;
    }
  }
}
