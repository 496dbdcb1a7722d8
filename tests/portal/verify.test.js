// The certificate check page's pure parts: what it makes of a typed code, and
// the API path it asks.

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import "./support.js";
import { STATUSES, cleanCode, verifyPath } from "../../portal/js/views/verify.js";

describe("cleanCode (a code as typed or linked)", () => {
  it("keeps a printed code and joins groups typed with spaces", () => {
    assert.equal(cleanCode("demo-7K3M-Q9XA-2BFR-HT4W"), "demo-7K3M-Q9XA-2BFR-HT4W");
    assert.equal(cleanCode("  demo 7k3m q9xa  2bfr ht4w "), "demo-7k3m-q9xa-2bfr-ht4w");
  });
  it("refuses nothing, paths, queries and overlong input", () => {
    for (const typed of [null, undefined, "", "   ", "demo/../x", "a?b", "a#b", "x".repeat(101), "<script>"]) {
      assert.equal(cleanCode(typed), null, String(typed));
    }
  });
});

describe("verifyPath", () => {
  it("asks the public check with the code encoded and the language", () => {
    assert.equal(verifyPath("demo-7K3M-Q9XA-2BFR-HT4W", "fi"), "/certificates/demo-7K3M-Q9XA-2BFR-HT4W?lang=fi");
    assert.equal(verifyPath("a b", "sv"), "/certificates/a%20b?lang=sv");
  });
  it("knows the three statuses the API answers", () => {
    assert.deepEqual(STATUSES, ["valid", "expired", "revoked"]);
  });
});
