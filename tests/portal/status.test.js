// The status page's pure parts: which tenant an address names, the API path it
// asks, how it reads a state, and what a mailed link asks for.

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import "./support.js";
import { STATES, cleanTenant, linkAction, stateOf, statusPath } from "../../portal/js/views/status.js";

describe("cleanTenant", () => {
  it("keeps a tenant's name and refuses anything else", () => {
    assert.equal(cleanTenant(" demo "), "demo");
    assert.equal(cleanTenant("status-api-other"), "status-api-other");
    for (const typed of [null, undefined, "", "a", "Demo", "../x", "a/b", "a?b", "<script>", "x".repeat(64)]) {
      assert.equal(cleanTenant(typed), null, String(typed));
    }
  });
});

describe("statusPath", () => {
  it("asks the public page with the tenant encoded and the language", () => {
    assert.equal(statusPath("demo", "fi"), "/status/demo?lang=fi");
  });
});

describe("stateOf", () => {
  it("knows the three states and shows anything unknown as the worst", () => {
    assert.deepEqual(STATES, ["operational", "degraded", "outage"]);
    for (const state of STATES) assert.equal(stateOf(state), state);
    assert.equal(stateOf("fine"), "outage");
    assert.equal(stateOf(undefined), "outage");
  });
});

describe("linkAction (a mailed link)", () => {
  it("reads a confirmation or an unsubscribe token, nothing else", () => {
    assert.deepEqual(linkAction(new URLSearchParams("tenant=demo&confirm=a.b")), { action: "confirm", token: "a.b" });
    assert.deepEqual(linkAction(new URLSearchParams("tenant=demo&unsubscribe=c.d")), { action: "unsubscribe", token: "c.d" });
    assert.equal(linkAction(new URLSearchParams("tenant=demo")), null);
    assert.equal(linkAction(new URLSearchParams("tenant=demo&confirm=")), null);
  });
});
