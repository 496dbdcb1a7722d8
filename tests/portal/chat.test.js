// The chat's pure parts (issue 18): the reconnect backoff, merging fetched and pushed
// messages without duplicates, reading pushed frames, what the tab remembers, and the
// staff screen's canned answers and alert.

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import "./support.js";
import {
  BACKOFF_MAX_MS, backoffDelay, cleanText, lastSeenId, mergeMessages, newClientId, pendingMessages, readFrame,
  readStoredChat,
} from "../../portal/js/chat/logic.js";

const stored = (id, side = "agent", extra = {}) => ({ id, session_id: "s1", side, text: `text ${id}`, at: "2026-12-06T10:00:00Z", ...extra });
const pending = (clientId, text = "hi") => ({ pending: true, client_id: clientId, side: "customer", text });

describe("backoffDelay", () => {
  it("grows exponentially with full jitter and stops growing at the cap", () => {
    const top = () => 0.999999;
    assert.equal(backoffDelay(0, top), 499);
    assert.equal(backoffDelay(1, top), 999);
    assert.equal(backoffDelay(3, top), 3999);
    assert.equal(backoffDelay(10, top), BACKOFF_MAX_MS - 1);
    assert.equal(backoffDelay(1000, top), BACKOFF_MAX_MS - 1);
  });
  it("never waits less than 250 ms nor more than the cap, whatever the random source says", () => {
    for (const random of [() => 0, () => -1, () => 2, () => Number.NaN]) {
      for (const attempt of [0, 1, 5, 40, -3, Number.NaN]) {
        const delay = backoffDelay(attempt, random);
        assert.ok(delay >= 250 && delay < BACKOFF_MAX_MS, `${attempt}: ${delay}`);
      }
    }
  });
});

describe("mergeMessages", () => {
  it("keeps each stored message once, in id order, however often it arrives", () => {
    const pushed = [stored("02"), stored("01")];
    const fetched = [stored("01"), stored("02"), stored("03")];
    const merged = mergeMessages(mergeMessages([], pushed), fetched);
    assert.deepEqual(merged.map((m) => m.id), ["01", "02", "03"]);
    assert.deepEqual(mergeMessages(merged, [stored("02")]).map((m) => m.id), ["01", "02", "03"]);
  });
  it("replaces a pending message by its echo (same side and client id) and keeps pending ones last", () => {
    let list = mergeMessages([stored("01")], [pending("c-1", "first"), pending("c-2", "second")]);
    list = mergeMessages(list, [stored("02", "agent")]);
    assert.deepEqual(list.map((m) => m.id ?? m.client_id), ["01", "02", "c-1", "c-2"]);
    list = mergeMessages(list, [stored("03", "customer", { client_id: "c-1", text: "first" })]);
    assert.deepEqual(list.map((m) => m.id ?? m.client_id), ["01", "02", "03", "c-2"]);
    assert.deepEqual(pendingMessages(list).map((m) => m.client_id), ["c-2"]);
  });
  it("does not take the other side's message with the same client id for one's own", () => {
    const list = mergeMessages([pending("x")], [stored("01", "agent", { client_id: "x" })]);
    assert.deepEqual(list.map((m) => m.id ?? m.client_id), ["01", "x"]);
  });
  it("keeps a resent pending message once and changes neither list", () => {
    const current = [pending("c-1")];
    const merged = mergeMessages(current, [pending("c-1"), null]);
    assert.equal(merged.length, 1);
    assert.equal(current.length, 1);
  });
});

describe("lastSeenId", () => {
  it("is the newest stored id, pending ones not counted", () => {
    assert.equal(lastSeenId([]), null);
    assert.equal(lastSeenId([pending("c")]), null);
    assert.equal(lastSeenId([stored("01"), stored("03"), stored("02"), pending("c")]), "03");
  });
});

describe("readFrame", () => {
  it("reads the pushed frames of this chat", () => {
    const message = stored("01");
    assert.deepEqual(readFrame(JSON.stringify({ type: "message", message }), "s1"), { kind: "message", message });
    assert.deepEqual(readFrame(JSON.stringify({ type: "typing", session_id: "s1", side: "agent", name: "Ada" }), "s1"),
      { kind: "typing", side: "agent", name: "Ada" });
    assert.deepEqual(readFrame(JSON.stringify({ type: "ended", session_id: "s1", ended_by: "agent", ticket_id: "t1" }), "s1"),
      { kind: "ended", endedBy: "agent", ticketId: "t1" });
    assert.equal(readFrame(JSON.stringify({ type: "joined", session_id: "s1", agent_id: "u", agent_name: "Ada" }), "s1").agentName, "Ada");
    assert.equal(readFrame(JSON.stringify({ type: "waiting", session: { id: "s2" } }), null).session.id, "s2");
    assert.equal(readFrame(JSON.stringify({ type: "error", code: "rate_limited", detail: "slow down" }), "s1").code, "rate_limited");
  });
  it("ignores another chat's frames, unknown types and anything not JSON", () => {
    assert.equal(readFrame(JSON.stringify({ type: "message", message: { ...stored("01"), session_id: "s2" } }), "s1"), null);
    assert.equal(readFrame(JSON.stringify({ type: "typing", session_id: "s2", side: "agent" }), "s1"), null);
    for (const text of ["", "nope", "null", "[]", "{}", JSON.stringify({ type: "other" }), JSON.stringify({ type: "message" })]) {
      assert.equal(readFrame(text, "s1"), null, text);
    }
  });
});

describe("readStoredChat", () => {
  const saved = { id: "01HCHAT", tenant: "demo", key: "k.e.y", owner: null, name: "Vera" };
  it("resumes the visitor's chat with its key", () => {
    assert.deepEqual(readStoredChat(JSON.stringify(saved), null), saved);
  });
  it("never resumes another person's chat, nor anything malformed", () => {
    assert.equal(readStoredChat(JSON.stringify(saved), "user-1"), null);
    assert.equal(readStoredChat(JSON.stringify({ ...saved, owner: "user-1" }), "user-2"), null);
    assert.deepEqual(readStoredChat(JSON.stringify({ ...saved, key: null, owner: "user-1" }), "user-1").owner, "user-1");
    for (const raw of [null, "", "{", "[]", JSON.stringify({ ...saved, id: "../x" }), JSON.stringify({ ...saved, tenant: "Demo" }),
      JSON.stringify({ ...saved, key: 5 })]) {
      assert.equal(readStoredChat(raw, null), null, String(raw));
    }
  });
});

describe("cleanText and newClientId", () => {
  it("sends trimmed text of 1 to 2,000 characters", () => {
    assert.equal(cleanText("  hej \n"), "hej");
    assert.equal(cleanText("   "), null);
    assert.equal(cleanText("x".repeat(2001)), null);
    assert.equal(cleanText("x".repeat(2000)).length, 2000);
  });
  it("makes ids the API accepts, a new one each time", () => {
    const a = newClientId("c");
    assert.match(a, /^[A-Za-z0-9_-]{1,64}$/);
    assert.notEqual(a, newClientId("c"));
  });
});

describe("the staff screen's helpers", async () => {
  const { alertPrefix, recentTicketsPath, templateText } = await import("../../portal/js/views/chat-queue.js");
  const { enterSends } = await import("../../portal/js/chat/conversation.js");
  it("offers a canned answer in the customer's language, else the template's own", () => {
    const template = { name: "Thanks", body: "Thank you!", translations: { sv: { name: "Tack", subject: "Tack", body: "Tack så mycket!" } } };
    assert.deepEqual(templateText(template, "sv"), { name: "Tack", body: "Tack så mycket!" });
    assert.deepEqual(templateText(template, "fi"), { name: "Thanks", body: "Thank you!" });
  });
  it("lists a portal user's recent tickets and none for a visitor", () => {
    assert.equal(recentTicketsPath({ kind: "user", user_id: "u 1" }), "/tickets?requester=u%201&limit=5");
    assert.equal(recentTicketsPath({ kind: "visitor", user_id: null, email: "v@example.com" }), null);
    assert.equal(recentTicketsPath(null), null);
  });
  it("counts waiting chats in the page title", () => {
    assert.equal(alertPrefix(0), "");
    assert.equal(alertPrefix(2), "(2) ");
    assert.equal(alertPrefix(120), "(99+) ");
  });
  it("sends on Enter, not on Shift+Enter nor while composing", () => {
    assert.equal(enterSends({ key: "Enter" }), true);
    assert.equal(enterSends({ key: "Enter", shiftKey: true }), false);
    assert.equal(enterSends({ key: "Enter", isComposing: true }), false);
    assert.equal(enterSends({ key: "a" }), false);
  });
});
