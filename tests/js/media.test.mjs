import { test } from "node:test";
import assert from "node:assert/strict";
import { mixGains } from "../../src/summitry/static/summitry/js/media.js";

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
