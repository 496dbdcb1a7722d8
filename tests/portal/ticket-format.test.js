import assert from "node:assert/strict";
import { describe, it } from "node:test";

import "./support.js";
import { formatBytes, nextDue, slaState, ticketPath, typeName } from "../../portal/js/ticket-format.js";

const NOW = Date.parse("2026-11-22T10:00:00Z");

describe("slaState", () => {
  it("is overdue once the due time has come", () => {
    assert.equal(slaState("2026-11-22T10:00:00Z", 60, NOW), "overdue");
    assert.equal(slaState("2026-11-21T10:00:00Z", 60, NOW), "overdue");
  });
  it("is soon within the warning margin, ok before it", () => {
    assert.equal(slaState("2026-11-22T11:00:00Z", 60, NOW), "soon");
    assert.equal(slaState("2026-11-22T11:00:01Z", 60, NOW), "ok");
    assert.equal(slaState("2026-11-22T10:20:00Z", 15, NOW), "ok");
  });
  it("has no state for what is not a time", () => {
    assert.equal(slaState("soon", 60, NOW), null);
  });
});

describe("nextDue", () => {
  const due = { first_response_due_at: "2026-11-22T11:00:00Z", resolution_due_at: "2026-11-23T10:00:00Z" };
  it("is the first response while the ticket is new", () => {
    assert.deepEqual(nextDue({ status: "new", ...due }), { kind: "first_response", at: due.first_response_due_at });
  });
  it("is the resolution once answered, or when there is no first-response time", () => {
    assert.deepEqual(nextDue({ status: "open", ...due }), { kind: "resolution", at: due.resolution_due_at });
    assert.deepEqual(nextDue({ status: "new", resolution_due_at: due.resolution_due_at }),
      { kind: "resolution", at: due.resolution_due_at });
  });
  it("is nothing for resolved and closed tickets or without times", () => {
    assert.equal(nextDue({ status: "resolved", ...due }), null);
    assert.equal(nextDue({ status: "closed", ...due }), null);
    assert.equal(nextDue({ status: "open" }), null);
  });
});

describe("formatBytes", () => {
  it("uses the largest unit that keeps the number at least 1", () => {
    assert.equal(formatBytes(0), "0 B");
    assert.equal(formatBytes(1023), "1023 B");
    assert.equal(formatBytes(1536), "1.5 kB");
    assert.equal(formatBytes(10 * 1024 * 1024), "10 MB");
    assert.equal(formatBytes(5 * 1024 ** 4), "5120 GB");
  });
  it("reads what is not a size as 0", () => {
    assert.equal(formatBytes("many"), "0 B");
  });
});

describe("ticketPath", () => {
  it("escapes the id into one path segment", () => {
    assert.equal(ticketPath("T-1"), "/tickets/T-1");
    assert.equal(ticketPath("../users"), "/tickets/..%2Fusers");
  });
});

describe("typeName", () => {
  it("names a known type in the current language and shows an unknown one by id", () => {
    const types = new Map([["bug", { id: "bug", name: { en: "Bug", sv: "Fel" } }]]);
    assert.equal(typeName(types, "bug"), "Bug");
    assert.equal(typeName(types, "retired"), "retired");
    assert.equal(typeName(types, undefined), "");
  });
});
