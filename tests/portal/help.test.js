// The help center's pure parts: which tenant and slug an address names, the API paths,
// how the server's article links are followed, a search snippet's <mark> parts, and the
// ticket form's suggestions (what is asked, and that the newest answer wins).

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import "./support.js";
import { SUGGEST_MIN, latestOnly, suggestQuery } from "../../portal/js/help-suggest.js";
import {
  articleHash, articleLink, cleanSlug, helpPath, helpTenant, snippetParts,
} from "../../portal/js/views/help.js";

describe("helpTenant", () => {
  it("takes the address's tenant, else the signed-in user's, else none", () => {
    const params = (text) => new URLSearchParams(text);
    assert.equal(helpTenant(params("tenant=demo"), { tenant: "other" }), "demo");
    assert.equal(helpTenant(params(""), { tenant: "other" }), "other");
    assert.equal(helpTenant(params(""), null), null);
    assert.equal(helpTenant(params("tenant=../x"), null), null);
    assert.equal(helpTenant(params("tenant=Demo"), { tenant: "other" }), "other");
  });
});

describe("cleanSlug", () => {
  it("keeps a slug and refuses anything else", () => {
    assert.equal(cleanSlug("skapa-arende"), "skapa-arende");
    for (const typed of [null, undefined, "", "-a", "a-", "a--b", "Ärende", "a/b", "a?b", "<x>", "a".repeat(201)]) {
      assert.equal(cleanSlug(typed), null, String(typed));
    }
  });
});

describe("helpPath and articleHash", () => {
  it("escapes what they are given", () => {
    assert.equal(helpPath("demo", "search", "sv", { q: "a&b c" }), "/help/demo/search?q=a%26b+c&lang=sv");
    assert.equal(helpPath("demo", "categories", "fi"), "/help/demo/categories?lang=fi");
    assert.equal(articleHash("demo", "tredje-part"), "#/help/article/tredje-part?tenant=demo");
  });
});

describe("articleLink", () => {
  it("follows the server's article links inside the portal and leaves other addresses", () => {
    assert.equal(articleLink("#/help/demo/articles/skapa-arende?lang=sv"), "#/help/article/skapa-arende?tenant=demo");
    assert.equal(articleLink("#/help/demo/articles/Bad%20Slug"), "#/help");
    assert.equal(articleLink("#/tickets/new?type=question"), "#/tickets/new?type=question");
    assert.equal(articleLink("https://example.org/x"), null);
    assert.equal(articleLink("javascript:alert(1)"), null);
  });
});

describe("snippetParts", () => {
  it("splits at <mark> and unescapes the text, which stays text", () => {
    assert.deepEqual(snippetParts("en &lt;b&gt; <mark>faktura</mark> &amp; mer"), [
      { text: "en <b> ", mark: false },
      { text: "faktura", mark: true },
      { text: " & mer", mark: false },
    ]);
    assert.deepEqual(snippetParts("&#39;a&#x27; &quot;b&quot; &unknown;"), [{ text: "'a' \"b\" &unknown;", mark: false }]);
    assert.deepEqual(snippetParts(null), []);
  });
});

describe("suggestQuery", () => {
  it("asks only about a subject long enough, with its spaces tidied", () => {
    assert.equal(suggestQuery("  hur   skapar"), "hur skapar");
    assert.equal(suggestQuery("hur skapar  \n"), "hur skapar "); // the last word is whole
    assert.equal(suggestQuery("ab "), null);
    assert.equal(suggestQuery("a".repeat(SUGGEST_MIN - 1)), null);
    assert.equal(suggestQuery("x".repeat(300)).length, 200);
  });
});

describe("latestOnly", () => {
  it("shows the newest question's answer even when an older one arrives later", async () => {
    const waiting = new Map();
    const shown = [];
    const ask = latestOnly((q) => new Promise((resolve) => waiting.set(q, resolve)), (answer) => shown.push(answer));
    const first = ask("fak");
    const second = ask("faktura");
    waiting.get("faktura")("new");
    waiting.get("fak")("old");
    await Promise.all([first, second]);
    assert.deepEqual(shown, ["new"]);
  });
});
