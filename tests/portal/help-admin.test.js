// The pure parts of the help center's and the status page's staff screens.

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import "./support.js";
import {
  articleState, diffRows, filterArticles, fromLocalInput, helpfulShare, languagesOf, slugify, textIn, toLocalInput,
  translationsOf,
} from "../../portal/js/views/help-admin/common.js";
import { FormError } from "../../portal/js/forms.js";
import { incidentBody } from "../../portal/js/views/status-admin.js";
import { insertAt } from "../../portal/js/views/help-admin/files.js";

describe("slugify (an article's or category's address from its title)", () => {
  it("writes Swedish and Finnish letters as plain ones and joins words with hyphens", () => {
    assert.equal(slugify("Så gör du: Ärenden & fakturor!"), "sa-gor-du-arenden-fakturor");
    assert.equal(slugify("Käyttäjän öljy"), "kayttajan-oljy");
    assert.equal(slugify("  --Hello   World--  "), "hello-world");
  });
  it("keeps to 80 characters without a trailing hyphen, and makes nothing of nothing", () => {
    const long = slugify(`${"a".repeat(79)} b`);
    assert.equal(long, "a".repeat(79));
    assert.equal(slugify(""), "");
    assert.equal(slugify("!!!"), "");
    assert.equal(slugify(null), "");
  });
});

describe("translationsOf (the form's languages as the API takes them)", () => {
  it("leaves out an empty language and sends a begun one whole", () => {
    const values = {
      "translations.sv.title": "Rubrik", "translations.sv.slug": "rubrik", "translations.sv.body_md": "Text",
      "translations.fi.title": "", "translations.fi.slug": " ", "translations.fi.body_md": "",
      "translations.en.title": "", "translations.en.slug": "", "translations.en.body_md": "Only a body",
    };
    assert.deepEqual(translationsOf(values, ["title", "slug", "body_md"]), {
      sv: { title: "Rubrik", slug: "rubrik", body_md: "Text" },
      en: { title: "", slug: "", body_md: "Only a body" },
    });
    assert.deepEqual(translationsOf({}, ["name"]), {});
  });
});

describe("an article's state and the list's filters", () => {
  const articles = [
    { id: "a", visibility: "public", category_ids: ["c1"], published_version: 2, publish_at: null },
    { id: "b", visibility: "draft", category_ids: [], published_version: null, publish_at: null },
    { id: "c", visibility: "customers", category_ids: ["c1", "c2"], published_version: null, publish_at: "2027-01-01T08:00:00Z" },
  ];
  it("says scheduled, published or not published", () => {
    assert.deepEqual(articles.map(articleState), ["published", "unpublished", "scheduled"]);
  });
  it("filter by category and audience, both or neither", () => {
    const ids = (filters) => filterArticles(articles, filters).map((a) => a.id);
    assert.deepEqual(ids({}), ["a", "b", "c"]);
    assert.deepEqual(ids({ category: "c1" }), ["a", "c"]);
    assert.deepEqual(ids({ category: "c1", visibility: "customers" }), ["c"]);
    assert.deepEqual(ids({ visibility: "internal" }), []);
  });
  it("find every word typed in a title or slug of any language, accents or not", () => {
    const written = [
      { id: "x", translations: { sv: { title: "Byta lösenord", slug: "byta-losenord" }, fi: { title: "Salasanan vaihto", slug: "salasana" } } },
      { id: "y", translations: { en: { title: "Invoices", slug: "invoices" } } },
    ];
    const ids = (q) => filterArticles(written, { q }).map((a) => a.id);
    assert.deepEqual(ids("LÖSEN"), ["x"]);
    assert.deepEqual(ids("losenord byta"), ["x"]);
    assert.deepEqual(ids("vaihto"), ["x"]);
    assert.deepEqual(ids("invoice byta"), []);
    assert.deepEqual(ids("  "), ["x", "y"]);
  });
  it("name the languages written, and a text in the reader's language else the first", () => {
    const translations = { fi: { title: "Otsikko" }, en: { title: "Title" } };
    assert.deepEqual(languagesOf(translations), ["fi", "en"]);
    assert.equal(textIn(translations, "title", "en"), "Title");
    assert.equal(textIn(translations, "title", "sv"), "Otsikko");
    assert.equal(textIn({}, "title", "sv"), "");
  });
  it("give the helpful share of the votes, none without votes", () => {
    assert.equal(helpfulShare({ helpful: 2, not_helpful: 1 }), 67);
    assert.equal(helpfulShare({ helpful: 0, not_helpful: 0 }), null);
  });
});

describe("the schedule's times", () => {
  it("go from the API's moment to the input and back", () => {
    const at = "2027-03-01T07:30:00Z";
    assert.equal(fromLocalInput(toLocalInput(at)), at);
    assert.equal(toLocalInput(null), "");
    assert.equal(toLocalInput("not a time"), "");
    assert.equal(fromLocalInput(""), null);
    assert.equal(fromLocalInput("garbage"), undefined);
  });
});

describe("diffRows (a language's changes between two versions)", () => {
  it("marks added, removed and changed lines with the line they are at", () => {
    const rows = diffRows({ lines: [
      { kind: "changed", old_line: 1, new_line: 1, old: "Gammal", new: "Ny" },
      { kind: "removed", old_line: 3, old: "Bort" },
      { kind: "added", new_line: 4, new: "Till" },
    ] });
    assert.deepEqual(rows, [
      { kind: "changed", sign: "~", line: 1, old: "Gammal", new: "Ny" },
      { kind: "removed", sign: "\u2212", line: 3, old: "Bort", new: null },
      { kind: "added", sign: "+", line: 4, old: null, new: "Till" },
    ]);
    assert.deepEqual(diffRows(undefined), []);
  });
});

describe("incidentBody (a new incident)", () => {
  it("sends the titles given, the components, the impact and the first update", () => {
    assert.deepEqual(incidentBody({ "title.sv": " Störning ", "title.fi": "", "title.en": "Outage", impact: "outage", message: " Vi felsöker. " },
      ["portal"]), { title: { sv: "Störning", en: "Outage" }, component_ids: ["portal"], impact: "outage", message: "Vi felsöker." });
  });
  it("names every missing part at once", () => {
    assert.throws(() => incidentBody({ "title.sv": "", message: "" }, []), (error) => error instanceof FormError
      && Object.keys(error.fieldKeys).sort().join() === "component_ids,impact,message,title.sv");
  });
});

describe("insertAt (a file's Markdown where the cursor is)", () => {
  it("puts it on a line of its own", () => {
    assert.equal(insertAt("Före efter", 4, "![a](attachment:X)"), "Före\n![a](attachment:X)\n efter");
    assert.equal(insertAt("Rad\n", 4, "M"), "Rad\nM");
    assert.equal(insertAt("", 0, "M"), "M");
  });
  it("puts it at the end without a cursor, and keeps a cursor inside the text", () => {
    assert.equal(insertAt("Text", undefined, "M"), "Text\nM");
    assert.equal(insertAt("Text", 99, "M"), "Text\nM");
    assert.equal(insertAt("Text", -3, "M"), "M\nText");
  });
});
