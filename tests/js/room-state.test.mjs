// Pure room state, tested with node's test runner (no browser needed).
import { test } from "node:test";
import assert from "node:assert/strict";
import { RoomState, classifyMediaError, warningForNoMedia } from "../../src/summitry/static/summitry/js/room-state.js";

const roster = [
  { publisher_id: 30, name: "Marc Garneau", title: "Minister of Foreign Affairs of Canada", country: "Canada", initials: "MG" },
  { publisher_id: 10, name: "Antony Blinken", title: "Secretary of State", country: "United States", initials: "AB" },
  { publisher_id: 20, name: "Julie Chung", title: "Acting Assistant Secretary", country: "United States", initials: "JC" },
];

test("gallery follows the roster's protocol order, not arrival order", () => {
  const s = new RoomState(roster, 10);
  s.add(20); s.add(10); s.add(30);
  assert.deepEqual(s.gallery().map((p) => p.publisher_id), [30, 10, 20]);
  assert.equal(s.position(10), 1);
});

test("feeds not on the roster are never shown", () => {
  const s = new RoomState(roster, 10);
  assert.equal(s.add(999), false);
  assert.deepEqual(s.gallery(), []);
  assert.equal(s.person(999).name, "Unknown participant");
});

test("the placeholder for a feed not on the roster is named in the page's language", () => {
  const s = new RoomState(roster, 10, "Participant inconnu");
  assert.equal(s.person(999).name, "Participant inconnu");
  assert.equal(s.person(999).initials, "?");
});

test("a feed that leaves is removed", () => {
  const s = new RoomState(roster, 10);
  s.add(30); s.add(20);
  assert.equal(s.remove(30), true);
  assert.deepEqual(s.gallery().map((p) => p.publisher_id), [20]);
});

test("media errors are classified for the user", () => {
  assert.equal(classifyMediaError({ name: "NotAllowedError" }), "denied");
  assert.equal(classifyMediaError({ name: "NotFoundError" }), "no-devices");
  assert.equal(classifyMediaError({ name: "NotReadableError" }), "busy");
  assert.equal(warningForNoMedia([{ name: "NotFoundError" }, { name: "NotFoundError" }]), "no-devices");
  assert.equal(warningForNoMedia([{ name: "NotAllowedError" }]), "denied");
});
