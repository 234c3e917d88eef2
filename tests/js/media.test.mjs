import { test } from "node:test";
import assert from "node:assert/strict";
import { answerAsDtlsServer, gradeAudio, mixGains } from "../../src/summitry/static/summitry/js/media.js";

test("the floor alone when listening to the floor", () => {
  assert.deepEqual(mixGains("floor", 0.3), [1, 0]);
});

test("interpretation with the floor underneath at the listener's level", () => {
  assert.deepEqual(mixGains("fr", 0.25), [0.25, 1]);
  assert.deepEqual(mixGains("fr", 0), [0, 1]);
});

test("levels outside 0..1 are clamped; nonsense is silence", () => {
  assert.deepEqual(mixGains("es", 7), [1, 1]);
  assert.deepEqual(mixGains("es", -1), [0, 1]);
  assert.deepEqual(mixGains("es", "loud"), [0, 1]);
});

test("incoming audio is graded by loss and jitter", () => {
  assert.equal(gradeAudio(0, 0, 0).grade, "none");
  assert.equal(gradeAudio(100, 0, 0.005).grade, "good");
  assert.equal(gradeAudio(98, 2, 0.005).grade, "fair");
  assert.equal(gradeAudio(90, 10, 0.005).grade, "poor");
  assert.equal(gradeAudio(100, 0, 0.045).grade, "fair");
  assert.equal(gradeAudio(100, 0, 0.08).grade, "poor");
  assert.ok(Math.abs(gradeAudio(90, 10, 0).loss - 0.1) < 1e-9);
  assert.equal(gradeAudio(100, -3, 0).grade, "good"); // RTCP can report negative loss (duplicates)
});

test("subscriptions answer as the DTLS server, so that Janus starts the handshake", () => {
  const jsep = { type: "answer", sdp: "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=setup:active\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=setup:active\r\n" };
  answerAsDtlsServer(jsep);
  assert.equal(jsep.sdp.match(/a=setup:passive/g).length, 2);
  assert.ok(!jsep.sdp.includes("a=setup:active"));
});
