import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";

import "./support.js";
import { setLanguage } from "../../portal/js/i18n.js";
import { modulesFor } from "../../portal/js/modules.js";
import { kindsFor } from "../../portal/js/views/preferences.js";
import {
  answerText, answered, certificationValue, ifMatch, parseNumber,
} from "../../portal/js/views/networks/common.js";
import { editorText, patchBody } from "../../portal/js/views/networks/network.js";
import { findingsOf } from "../../portal/js/views/networks/parts.js";
import { searchFrom, searchQuery } from "../../portal/js/views/networks/suppliers.js";

describe("numbers typed in a questionnaire", () => {
  it("reads the three languages' ways of writing them", () => {
    assert.equal(parseNumber("1500"), 1500);
    assert.equal(parseNumber("10 000 000"), 10_000_000);
    assert.equal(parseNumber("12,5"), 12.5);
    assert.equal(parseNumber("12.5"), 12.5);
    assert.equal(parseNumber("1\u00a0500"), 1500);
    assert.equal(parseNumber("-3"), -3);
  });
  it("clears on nothing and refuses what is not a number", () => {
    assert.equal(parseNumber(""), null);
    assert.equal(parseNumber("   "), null);
    for (const text of ["three", "1,2,3", "12a", "1e5", "--1", "."]) assert.equal(parseNumber(text), undefined, text);
  });
});

describe("a certification's answer", () => {
  it("is null when empty and waits for its needed parts", () => {
    assert.equal(certificationValue({}), null);
    assert.equal(certificationValue({ name: " ", issuer: "", number: "", valid_until: "" }), null);
    assert.equal(certificationValue({ name: "ISO 14001", issuer: "", valid_until: "2027-01-31" }), undefined);
    assert.equal(certificationValue({ name: "ISO 14001", issuer: "DNV", valid_until: "" }), undefined);
  });
  it("is the API's object once name, issuer and date are given", () => {
    assert.deepEqual(certificationValue({ name: " ISO 14001 ", issuer: "DNV", number: "", valid_until: "2027-01-31" }),
      { name: "ISO 14001", issuer: "DNV", number: null, valid_until: "2027-01-31" });
    assert.deepEqual(certificationValue({ name: "ISO", issuer: "DNV", number: "C-1", valid_until: "2027-01-31" }).number, "C-1");
  });
});

describe("answers as text", () => {
  afterEach(() => setLanguage("en"));
  const yesNo = { id: "q", type: "yes_no" };
  const choice = { id: "c", type: "multiple_choice", options: [
    { value: "a", label: { sv: "Ett", en: "One" } }, { value: "b", label: { en: "Two" } }] };

  it("counts an answer as given as the API does", () => {
    for (const value of [null, undefined, "", []]) assert.equal(answered(value), false);
    for (const value of [false, 0, "x", ["a"]]) assert.equal(answered(value), true);
  });
  it("says yes, no, the options and the codes in the current language", async () => {
    await setLanguage("sv");
    assert.equal(answerText(yesNo, true), "Ja");
    assert.equal(answerText(yesNo, false), "Nej");
    assert.equal(answerText(yesNo, null), "Inte besvarad");
    assert.equal(answerText(choice, ["a", "b", "gone"]), "Ett, Two, gone");
    assert.equal(answerText({ type: "codes" }, ["45.21", "99"], new Map([["45.21", "Bygg"]])), "45.21 Bygg, 99");
    await setLanguage("en");
    assert.equal(answerText({ type: "certification" }, { name: "ISO 14001", issuer: "DNV", number: null, valid_until: "2027-01-31" }),
      "ISO 14001, DNV, valid until 31 Jan 2027");
    assert.equal(answerText({ type: "file" }, { file_id: "f", filename: "report.pdf" }), "report.pdf");
  });
});

describe("the network editor", () => {
  const network = { id: "n", version: 3, name: { en: "N" }, sector: "construction", regions: ["se"], price_tiers: [],
    code_list: [], member_organization_ids: [], questionnaire: { sections: [] }, description: null, created_at: "x" };
  it("edits only what PATCH takes", () => {
    const shown = JSON.parse(editorText(network));
    assert.deepEqual(Object.keys(shown), ["name", "sector", "regions", "price_tiers", "code_list",
      "member_organization_ids", "questionnaire", "description"]);
  });
  it("sends the parts written, without a null description or what PATCH does not take", () => {
    const { body } = patchBody(JSON.stringify({ ...network, sector: "energy" }));
    assert.equal(body.sector, "energy");
    assert.equal("description" in body, false);
    assert.equal("id" in body || "version" in body || "created_at" in body, false);
  });
  it("says when the text is not a JSON object", () => {
    assert.ok(patchBody("{ not json").problem);
    assert.ok(patchBody("[1, 2]").problem);
    assert.ok(patchBody("null").problem);
  });
  it("changes with the version read", () => {
    assert.deepEqual(ifMatch(3), { "If-Match": '"3"' });
  });
});

describe("the buyers' search in the address", () => {
  it("reads only the known filters, each kept short", () => {
    const params = new URLSearchParams({ network_id: "n1", q: "x".repeat(300), code: "45.21", evil: "1" });
    const search = searchFrom(params);
    assert.deepEqual(Object.keys(search), ["network_id", "q", "code", "region"]);
    assert.equal(search.q.length, 200);
    assert.equal(search.region, "");
  });
  it("asks GET /suppliers for the filters given", () => {
    assert.equal(searchQuery({ network_id: "n1", q: "Bygg & Betong", code: "", region: "se" }).toString(),
      "network_id=n1&q=Bygg+%26+Betong&region=se");
  });
});

describe("an audit's findings", () => {
  it("are the lines written, trimmed, without empty ones", () => {
    assert.deepEqual(findingsOf(" Missing fire plan \n\n  Old ladder\n"), ["Missing fire plan", "Old ladder"]);
    assert.deepEqual(findingsOf(""), []);
  });
});

describe("the network areas", () => {
  it("offers a supplier's users their subscriptions, and staff the networks", () => {
    const supplier = { kind: "contact", permissions: ["tickets.create", "networks.view", "subscriptions.subscribe"] };
    assert.deepEqual(modulesFor(supplier).map((m) => m.id), ["my_tickets", "subscriptions"]);
    const buyer = { kind: "contact", permissions: ["networks.view", "suppliers.search"] };
    assert.deepEqual(modulesFor(buyer).map((m) => m.id), ["my_tickets", "suppliers"]);
    const staff = modulesFor({ kind: "staff", permissions: ["networks.view"] });
    assert.deepEqual(staff.map((m) => m.id), ["networks"]);
    assert.equal(typeof staff[0].view, "function");
  });
});

describe("the e-mail settings of the network kinds", () => {
  const subscriptionKinds = (user) => kindsFor(user).filter((k) => k === "subscription_update" || k === "followed_supplier");
  it("are offered to those they reach", () => {
    assert.deepEqual(subscriptionKinds({ kind: "contact", permissions: ["subscriptions.subscribe"] }), ["subscription_update"]);
    assert.deepEqual(subscriptionKinds({ kind: "contact", permissions: ["suppliers.search", "suppliers.follow"] }), ["followed_supplier"]);
    assert.deepEqual(subscriptionKinds({ kind: "staff", permissions: ["subscriptions.manage", "suppliers.follow"] }), ["subscription_update"]);
  });
  it("are not offered to anyone else", () => {
    assert.deepEqual(subscriptionKinds({ kind: "contact", permissions: [] }), []);
    assert.deepEqual(subscriptionKinds({ kind: "staff", permissions: ["subscriptions.view"] }), []);
    assert.deepEqual(subscriptionKinds(null), []);
  });
});
