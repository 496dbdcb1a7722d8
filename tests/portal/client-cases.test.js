// The client-case screens' pure parts (seed 003, issue 19): who sees which tab and the
// client's menu entry, the checklist's checks in words, case and invitation states, the
// usage report's month and CSV file name, a template's placeholders in the preview, the
// new case's body, the invitation link's outcomes, and the texts in all three languages.

import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";

import "./support.js";
import { ApiError } from "../../portal/js/api.js";
import { setLanguage, t } from "../../portal/js/i18n.js";
import { modulesFor } from "../../portal/js/modules.js";
import {
  apiWords, canActivate, caseState, csvFilename, dueDateText, fillPlaceholders, invitationStateKey, notActive, outboundBody,
  parseReminderDays, previousMonth, readinessChecks, recipientChoices, recipientErrors, sortTemplates, tabFrom,
  tabPath, tabsFor, templateTexts, usageMonth, validMonth,
} from "../../portal/js/views/client-cases/common.js";
import {
  invitationOutcome, loginHref, plausibleToken, previewOutcome,
} from "../../portal/js/views/client-cases/invitation.js";
import { backOf, mayMarkDone } from "../../portal/js/views/ticket/outbound.js";

const staff = (permissions, roles = ["agent"]) => ({ kind: "staff", roles, permissions });
const problem = (status, body) => ApiError.fromProblem(status, { title: "Problem", ...body });

describe("who sees client cases", () => {
  it("gives staff the tabs their permissions open, in order", () => {
    const admin = staff(["client_cases.manage", "client_cases.invite", "billing.view", "settings.manage",
      "tickets.view", "tickets.create"], ["admin"]);
    assert.deepEqual(tabsFor(admin), ["checklist", "activation", "invitations", "queue", "new", "usage"]);
    assert.deepEqual(tabsFor(staff(["billing.view"])), ["activation", "usage"]);
    assert.deepEqual(tabsFor(staff(["client_cases.invite", "tickets.view"])), ["activation", "invitations", "queue"]);
  });
  it("lets only an admin with settings.manage activate", () => {
    assert.equal(canActivate(staff(["settings.manage"], ["admin"])), true);
    assert.equal(canActivate(staff(["settings.manage"], ["agent"])), false);
    // The contract's settings.manage is this project's settings.edit (docs/decisions.md).
    assert.equal(canActivate(staff(["settings.edit"], ["admin"])), true);
    assert.equal(canActivate(staff(["client_cases.manage"], ["admin"])), false);
    assert.equal(canActivate(null), false);
  });
  it("opens the checklist before activation and the queue after, unless the address says", () => {
    const tabs = ["checklist", "activation", "invitations", "queue", "usage"];
    assert.equal(tabFrom(new URLSearchParams(""), tabs, false), "checklist");
    assert.equal(tabFrom(new URLSearchParams(""), tabs, true), "queue");
    assert.equal(tabFrom(new URLSearchParams("tab=usage"), tabs, true), "usage");
    assert.equal(tabFrom(new URLSearchParams("tab=new"), tabs, true), "queue"); // not this user's tab
    assert.equal(tabFrom(new URLSearchParams(""), ["activation", "usage"], false), "activation");
    assert.equal(tabPath("invitations", { state: "accepted", empty: "" }), "/client-cases?tab=invitations&state=accepted");
  });
  it("shows the staff area to whoever holds one of its permissions", () => {
    assert.deepEqual(modulesFor(staff(["billing.view"])).map((m) => m.id), ["client_cases"]);
    assert.ok(modulesFor(staff(["client_cases.invite"])).some((m) => m.id === "client_cases" && m.view));
  });
  it("gives a contact the firm's cases only once their organisation is connected", () => {
    const contact = { kind: "contact", permissions: [] };
    assert.deepEqual(modulesFor(contact).map((m) => m.id), ["my_tickets"]);
    assert.deepEqual(modulesFor({ ...contact, organization_connected: false }).map((m) => m.id), ["my_tickets"]);
    assert.deepEqual(modulesFor({ ...contact, organization_connected: true }).map((m) => m.id), ["my_tickets", "firm_cases"]);
    assert.deepEqual(modulesFor(staff(["tickets.view"], ["admin"])).filter((m) => m.id === "firm_cases"), []);
  });
});

describe("the readiness checklist", () => {
  it("marks each check OK or missing with what to fix", () => {
    const ready = { main_contact_ok: true, email_ok: true, email_problem: null, address_ok: true };
    assert.deepEqual(readinessChecks(ready).map(({ id, ok, fix }) => [id, ok, fix]),
      [["main_contact", true, null], ["email", true, null], ["address", true, null]]);
    const bounced = { main_contact_ok: true, email_ok: false, email_problem: "undeliverable", address_ok: false };
    assert.deepEqual(readinessChecks(bounced).map((c) => c.fix), [null,
      "client_cases.checklist.fix.email_undeliverable", "client_cases.checklist.fix.address"]);
    assert.equal(readinessChecks({ main_contact_ok: true, email_problem: "invalid" })[1].fix, "client_cases.checklist.fix.email_invalid");
    assert.equal(readinessChecks({ main_contact_ok: true, email_problem: "odd" })[1].fix, "client_cases.checklist.fix.email_missing");
  });
  it("asks for the main contact before the address that contact lacks", () => {
    const none = readinessChecks({ main_contact_ok: false, email_ok: false, email_problem: "missing", address_ok: true });
    assert.deepEqual(none.map((c) => c.fix), ["client_cases.checklist.fix.main_contact",
      "client_cases.checklist.fix.email_after_contact", null]);
    assert.deepEqual(readinessChecks(undefined).map((c) => c.ok), [false, false, false]);
  });
});

describe("states", () => {
  it("label a case by its due date until it is done", () => {
    const today = "2026-12-06";
    assert.equal(caseState({ due_date: "2026-12-05", status: "open" }, today), "overdue");
    assert.equal(caseState({ due_date: "2026-12-06" }, today), "due_today");
    assert.equal(caseState({ due_date: "2026-12-09" }, today), "due_soon");
    assert.equal(caseState({ due_date: "2026-12-10" }, today), "open");
    assert.equal(caseState({ due_date: null }, today), "open");
    assert.equal(caseState({ due_date: "2026-11-01", done_at: "2026-11-02T10:00:00Z", status: "closed" }, today), "done");
    assert.equal(caseState({ due_date: "2026-11-01", status: "closed" }, today), "closed");
    assert.equal(caseState({ due_date: "1.12.2026" }, today), "open");
  });
  it("name an invitation's state, and an unknown one as unknown", () => {
    assert.equal(invitationStateKey("accepted"), "client_cases.invitation_state.accepted");
    assert.equal(invitationStateKey("<b>"), "client_cases.invitation_state.unknown");
  });
});

describe("the usage report", () => {
  it("names the CSV file as the API does", () => {
    assert.equal(csvFilename("2026-11"), "usage-2026-11.csv");
    assert.equal(csvFilename("2026-13"), "usage.csv");
    assert.equal(csvFilename("../x"), "usage.csv");
  });
  it("opens on last month (billed in arrears), or the address's month when it has begun", () => {
    const now = new Date(2026, 0, 15);
    assert.equal(usageMonth(new URLSearchParams(""), now), "2025-12");
    assert.equal(usageMonth(new URLSearchParams("month=2025-06"), now), "2025-06");
    assert.equal(usageMonth(new URLSearchParams("month=2026-01"), now), "2026-01");
    assert.equal(usageMonth(new URLSearchParams("month=2026-02"), now), "2025-12"); // not begun
    assert.equal(usageMonth(new URLSearchParams("month=2026-1"), now), "2025-12");
    assert.equal(previousMonth("2026-03"), "2026-02");
    assert.equal(previousMonth("nope"), null);
    assert.ok(validMonth("2026-12") && !validMonth("2026-00") && !validMonth(""));
  });
});

describe("templates and the new case", () => {
  const values = { client_name: "Acme AB", period: "2026", due_date: "31 Jan 2027" };
  it("fills the placeholders for the preview, leaving a missing value visible", () => {
    assert.equal(fillPlaceholders("Bokslut {period} för {client_name}, senast {due_date}", values),
      "Bokslut 2026 för Acme AB, senast 31 Jan 2027");
    assert.equal(fillPlaceholders("Moms {period} – {client_name}", { client_name: "Acme AB", period: " " }),
      "Moms {period} – Acme AB");
    assert.equal(fillPlaceholders("{other} {client_name}{client_name}", values), "{other} Acme ABAcme AB");
    assert.equal(fillPlaceholders(null, values), "");
  });
  it("writes the due date into the preview as the API writes it", () => {
    assert.equal(dueDateText("2027-01-31", "sv"), "2027-01-31");
    assert.equal(dueDateText("2027-01-31", "fi"), "31.1.2027");
    assert.equal(dueDateText("2027-01-05", "en"), "5 January 2027");
    assert.equal(dueDateText("", "en"), "");
    assert.equal(fillPlaceholders("senast {due_date}", { due_date: dueDateText("", "sv") }), "senast {due_date}");
  });
  it("offers the reader's language first and a template's texts in it", () => {
    const templates = [
      { id: "en", name: "Year-end", language: "en" }, { id: "sv2", name: "Moms", language: "sv" },
      { id: "sv1", name: "Bokslut", language: "sv" }, { id: "own", name: "Egen", active: true },
      { id: "off", name: "Gammal", active: false },
    ];
    assert.deepEqual(sortTemplates(templates, "sv").map((x) => x.id), ["sv1", "own", "sv2", "en"]);
    const translated = { name: "Receipts", subject: "Missing receipts", translations: { fi: { name: "Kuitit" } } };
    assert.equal(templateTexts(translated, "fi").name, "Kuitit");
    assert.equal(templateTexts(translated, "fi").subject, "Missing receipts");
  });
  it("reads reminder days", () => {
    assert.deepEqual(parseReminderDays("1, 7"), [7, 1]);
    assert.deepEqual(parseReminderDays(" 14;3 "), [14, 3]);
    assert.equal(parseReminderDays(""), null);
    for (const bad of ["0", "91", "366", "7, 7", "a", "1.5", "-1", "1 2 3 4 5 6"]) {
      assert.equal(parseReminderDays(bad), undefined, bad);
    }
    assert.deepEqual(parseReminderDays("90 30 14 7 1"), [90, 30, 14, 7, 1]);
  });
  it("sends an outbound case with only what is set", () => {
    assert.deepEqual(outboundBody({ organization_id: "O1", template_id: "T1", period: " 2026 ", due_date: "2027-01-31",
      subject: "", description: "" }, ["C1", "C2"], [7, 1]), {
      direction: "outbound", organization_id: "O1", recipients: ["C1", "C2"], template_id: "T1",
      period: "2026", due_date: "2027-01-31", reminder_days: [7, 1] });
    assert.deepEqual(outboundBody({ organization_id: "O1", subject: "Kvitton", description: "Text\n" }, ["C1"], [7]), {
      direction: "outbound", organization_id: "O1", recipients: ["C1"], subject: "Kvitton", description: "Text\n" });
  });
  it("chooses recipients among contacts with a portal user", () => {
    const choices = recipientChoices([{ id: "b", name: "Bo", email: "bo@x.test" }, { id: "a", name: "Ann", user_id: "U1" }]);
    assert.deepEqual(choices, [{ id: "a", name: "Ann", email: "", selectable: true },
      { id: "b", name: "Bo", email: "bo@x.test", selectable: false }]);
  });
  it("puts the API's words about a wrong recipient under the recipients, with the name", () => {
    const error = problem(422, { detail: "Not a contact.", errors: [
      { loc: ["body", "recipients", 1], msg: "not a registered contact of the organization" },
      { loc: ["body", "due_date"], msg: "in the past" }] });
    recipientErrors(error, ["C1", "C2"], new Map([["C2", "Bo"]]));
    assert.deepEqual(error.fields.get("recipients"), ["Bo: not a registered contact of the organization"]);
    assert.ok(!error.fields.has("recipients.1"));
    assert.deepEqual(error.fields.get("due_date"), ["in the past"]);
  });
});

describe("refusals", () => {
  it("keep the API's words, each once", () => {
    const error = problem(422, { detail: "The organisation has no main contact.", errors: [
      { loc: ["body", "organization_id"], msg: "no main contact" }, { loc: ["body", "x"], msg: "no main contact" }] });
    assert.deepEqual(apiWords(error), ["The organisation has no main contact.", "no main contact"]);
    assert.deepEqual(apiWords(new Error("x")), []);
  });
  it("tell the module's 403 before activation from other refusals", () => {
    assert.equal(notActive(problem(403, { detail: "not activated" }), { active: false }), true);
    assert.equal(notActive(problem(403, {}), { active: true }), false);
    assert.equal(notActive(problem(422, {}), { active: false }), false);
  });
});

describe("the invitation link", () => {
  it("refuses what cannot be a token without asking", () => {
    assert.equal(plausibleToken("eyJvIjoiTzEifQ.c2lnbmF0dXJlLXRva2Vu"), true);
    for (const bad of ["", "short", "a b c d e f g h i j", "x".repeat(5000), "<script>alert(1)</script>", null]) {
      assert.equal(plausibleToken(bad), false, String(bad));
    }
  });
  it("says why a link no longer works", () => {
    assert.deepEqual(invitationOutcome(problem(400, { detail: "bad signature" })), { kind: "invalid" });
    assert.deepEqual(invitationOutcome(problem(404, {})), { kind: "invalid" });
    assert.deepEqual(invitationOutcome(problem(410, { state: "expired" })), { kind: "gone", state: "expired" });
    assert.deepEqual(invitationOutcome(problem(410, { state: "revoked" })), { kind: "gone", state: "revoked" });
    assert.deepEqual(invitationOutcome(problem(410, {})), { kind: "gone", state: "unknown" });
    assert.deepEqual(invitationOutcome(problem(403, { detail: "needs contact_admin" })), { kind: "forbidden" });
    assert.equal(invitationOutcome(problem(500, {})), null);
    assert.equal(previewOutcome({ state: "sent" }), null);
    assert.deepEqual(previewOutcome({ state: "accepted" }), { kind: "gone", state: "accepted" });
  });
  it("signs in on this portal only", () => {
    const origin = "https://portal.example.test";
    assert.equal(loginHref("https://portal.example.test/#/login", origin), "#/login");
    assert.equal(loginHref("https://portal.example.test/", origin), "#/login");
    assert.equal(loginHref("https://evil.example/#/login", origin), "#/login");
    assert.equal(loginHref("javascript:alert(1)", origin), "#/login");
    assert.equal(loginHref(null, origin), "#/login");
  });
});

describe("a case from the firm on the ticket page", () => {
  it("offers Mark done when the API says so and it is not done", () => {
    assert.equal(mayMarkDone({ direction: "outbound", can_mark_done: true }), true);
    assert.equal(mayMarkDone({ direction: "outbound", abilities: { can_mark_done: true } }), true);
    assert.equal(mayMarkDone({ direction: "outbound", can_mark_done: true, done_at: "2026-12-01T10:00:00Z" }), false);
    assert.equal(mayMarkDone({ direction: "outbound" }), false);
    assert.equal(mayMarkDone({ direction: "inbound", can_mark_done: true }), false);
  });
  it("leads back to where the case is listed", () => {
    assert.deepEqual(backOf({ direction: "outbound" }, false), { href: "#/firm-cases", key: "client_cases.client.back" });
    assert.equal(backOf({ direction: "outbound" }, true).href, "#/client-cases?tab=queue");
    assert.equal(backOf({ direction: "inbound" }, true), null);
  });
});

describe("the texts", () => {
  afterEach(() => setLanguage("en"));
  it("name the client's heading as seed 003 does, in each language", async () => {
    const expected = { sv: "Byråärenden", fi: "Tilitoimiston asiat", en: "Cases from your firm" };
    for (const [lang, heading] of Object.entries(expected)) {
      await setLanguage(lang);
      assert.equal(t("modules.firm_cases.title"), heading);
      assert.equal(t("client_cases.case_state.overdue") === "client_cases.case_state.overdue", false);
    }
  });
  it("count in each language's plural forms", async () => {
    await setLanguage("sv");
    assert.equal(t("client_cases.invitations.count", { count: 1 }), "1 inbjudan visas.");
    assert.equal(t("client_cases.invitations.count", { count: 2 }), "2 inbjudningar visas.");
    await setLanguage("fi");
    assert.equal(t("client_cases.checklist.count", { count: 3, missing: 1 }), "3 asiakasta näkyvissä, 1 ei valmiina.");
  });
});
