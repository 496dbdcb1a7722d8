// The pure parts of the portal's screens: what they read from an address or a link,
// and what they send.

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import "./support.js";
import { MODULES, moduleAt, modulesFor, ticketAreaFor } from "../../portal/js/modules.js";
import { UploadError, openDownload, sendToS3 } from "../../portal/js/upload.js";
import { readToken } from "../../portal/js/views/answer.js";
import { safeLink } from "../../portal/js/views/home.js";
import { templateFill, templateIn, ticketBody } from "../../portal/js/views/new-ticket.js";
import { kindsFor, mutedKinds } from "../../portal/js/views/preferences.js";
import { apiQuery, staffFilters } from "../../portal/js/views/ticket-list.js";

const base64url = (text) => Buffer.from(text, "utf-8").toString("base64url");

describe("readToken (the one-click answer link)", () => {
  it("reads the ticket number and expiry of a well-formed token", () => {
    const link = readToken(`${base64url(JSON.stringify({ n: "HD-1001", e: 1795000000, a: "approve" }))}.c2ln`);
    assert.equal(link.number, "HD-1001");
    assert.equal(link.expires.toISOString(), new Date(1795000000 * 1000).toISOString());
  });
  it("reads UTF-8 in the payload and a token without expiry", () => {
    assert.deepEqual(readToken(`${base64url(JSON.stringify({ n: "Ärende-7" }))}.sig`), { number: "Ärende-7", expires: null });
  });
  it("refuses a garbled, unsigned or foreign token", () => {
    for (const token of ["", "abc", "abc.def.ghi", `${base64url("not json")}.sig`, `${base64url("{}")}.sig`,
      `${base64url(JSON.stringify({ n: 42 }))}.sig`, `${base64url(JSON.stringify({ n: "x".repeat(41) }))}.sig`,
      `${base64url(JSON.stringify({ n: "HD-1" }))}.`, "%%%.sig", null]) {
      assert.equal(readToken(token), null, String(token));
    }
  });
});

describe("safeLink (a notification's link)", () => {
  it("keeps the portal's own routes", () => {
    assert.equal(safeLink("#/tickets/T-1"), "#/tickets/T-1");
    assert.equal(safeLink("#/preferences"), "#/preferences");
  });
  it("never makes a link of anything else", () => {
    for (const link of ["javascript:alert(1)", "https://evil.example/", "#/tickets?x=<img>", "//evil.example", "#x", null, 7]) {
      assert.equal(safeLink(link), null, String(link));
    }
  });
});

describe("the staff queue's filters", () => {
  it("default to every active ticket", () => {
    assert.deepEqual(staffFilters(new URLSearchParams("")),
      { status: "active", type: "", assignee: "", organization_id: "", q: "" });
  });
  it("read the address, and an unknown status becomes active", () => {
    assert.deepEqual(staffFilters(new URLSearchParams("status=open&assignee=me&q=printer&other=1")),
      { status: "open", type: "", assignee: "me", organization_id: "", q: "printer" });
    assert.equal(staffFilters(new URLSearchParams("status=all")).status, "all");
    assert.equal(staffFilters(new URLSearchParams("status=deleted")).status, "active");
  });
  it("cut a long search to 100 characters", () => {
    assert.equal(staffFilters(new URLSearchParams(`q=${"a".repeat(150)}`)).q.length, 100);
  });
  it("become GET /tickets's query without the empty ones and without status all", () => {
    assert.equal(apiQuery({ status: "active", type: "", assignee: "me", organization_id: "", q: "a b" }).toString(),
      "status=active&assignee=me&q=a+b");
    assert.equal(apiQuery({ status: "all", type: "bug" }).toString(), "type=bug");
  });
});

describe("ticketBody (POST /tickets from the new-ticket form)", () => {
  const type = { id: "bug", required_fields: [{ name: "hours", type: "number" }, { name: "ref", type: "reference" }] };

  it("sends a contact's ticket from the portal with the type's fields typed", () => {
    const values = { subject: "Printer", description: "Jams.", ticket_type_id: "bug",
      "fields.hours": "1.5", "fields.ref": "  PO-7 ", channel: "phone", organization_id: "O1" };
    assert.deepEqual(ticketBody(values, type, false), {
      subject: "Printer", description: "Jams.", ticket_type_id: "bug", fields: { hours: 1.5, ref: "PO-7" }, channel: "portal",
    });
  });
  it("sends staff's channel and organisation", () => {
    const body = ticketBody({ subject: "S", description: "", ticket_type_id: "bug", channel: "phone", organization_id: "O1" },
      type, true);
    assert.equal(body.channel, "phone");
    assert.equal(body.organization_id, "O1");
  });
  it("leaves out what is empty, so the API names every missing field at once", () => {
    const body = ticketBody({ subject: "", description: "", "fields.hours": " " }, type, true);
    assert.deepEqual(body, { description: "", fields: {}, channel: undefined, organization_id: undefined });
    assert.equal(JSON.stringify(body), "{\"description\":\"\",\"fields\":{}}");
  });
});

describe("templateFill (a template chosen in the new-ticket form)", () => {
  const yearEnd = { ticket_type_id: "question", subject: "Bokslut", body: "Skicka underlagen." };
  const payroll = { ticket_type_id: "task", subject: "Lön", body: "Lönegrunder." };

  it("fills an empty form with the template's type and texts", () => {
    assert.deepEqual(templateFill({ subject: "", description: " " }, null, yearEnd),
      { ticket_type_id: "question", subject: "Bokslut", description: "Skicka underlagen." });
  });
  it("replaces what the previous template wrote, never what was typed", () => {
    assert.deepEqual(templateFill({ subject: "Bokslut", description: "Skicka underlagen." }, yearEnd, payroll),
      { ticket_type_id: "task", subject: "Lön", description: "Lönegrunder." });
    assert.deepEqual(templateFill({ subject: "Mitt eget", description: "Skicka underlagen." }, yearEnd, payroll),
      { ticket_type_id: "task", subject: "Mitt eget", description: "Lönegrunder." });
  });
  it("clears the template's texts when none is chosen again", () => {
    assert.deepEqual(templateFill({ subject: "Bokslut", description: "Egen text" }, yearEnd, null),
      { ticket_type_id: null, subject: "", description: "Egen text" });
  });
  it("speaks the reader's language when the template has it", () => {
    const template = { id: "t", name: "Question", subject: "How do I ", body: "", ticket_type_id: "question",
      translations: { sv: { name: "Fråga", subject: "Hur gör jag för att ", body: "Min fråga:" } } };
    assert.equal(templateIn(template, "sv").subject, "Hur gör jag för att ");
    assert.equal(templateIn(template, "fi").name, "Question");
    assert.equal(templateIn(template, "sv").ticket_type_id, "question");
  });
  it("sends the chosen template", () => {
    assert.equal(ticketBody({ subject: "S", description: "", ticket_type_id: "q", template_id: "T1" }, null, false)
      .template_id, "T1");
  });
});

describe("e-mail preferences", () => {
  it("lists every kind for staff and the customer-facing ones for contacts", () => {
    assert.equal(kindsFor({ kind: "staff" }).length, 14);
    assert.deepEqual(kindsFor({ kind: "contact" }), ["ticket_created", "ticket_commented", "ticket_status_changed",
      "ticket_resolved", "approval_reminder", "ticket_closed", "training_reminder", "training_update"]);
  });
  it("mutes the unchecked kinds and keeps the muted kinds the page does not list", () => {
    const listed = ["ticket_created", "ticket_closed"];
    const kept = ["sla_warning", "ticket_created"];
    assert.deepEqual(mutedKinds(kept, listed, { ticket_created: true, ticket_closed: false }), ["sla_warning", "ticket_closed"]);
    assert.deepEqual(mutedKinds([], listed, { ticket_created: true, ticket_closed: true }), []);
  });
});

describe("work areas", () => {
  const staff = (permissions) => ({ kind: "staff", permissions });
  it("shows staff the areas their permissions open, in menu order", () => {
    assert.deepEqual(modulesFor(staff(["tickets.view", "client_cases.manage"])).map((m) => m.id), ["tickets", "client_cases", "reports"]);
    assert.deepEqual(modulesFor(staff([])), []);
    assert.deepEqual(modulesFor(null), []);
  });
  it("gives every contact their own tickets", () => {
    assert.deepEqual(modulesFor({ kind: "contact", permissions: [] }).map((m) => m.id), ["my_tickets"]);
  });
  it("puts a ticket in the staff queue or the contact's list", () => {
    assert.equal(ticketAreaFor(staff(["tickets.view_organization"])).path, "/tickets");
    assert.equal(ticketAreaFor({ kind: "contact" }).path, "/my-tickets");
    assert.equal(ticketAreaFor(staff(["networks.view"])), null);
  });
  it("finds an area by its path", () => {
    assert.equal(moduleAt("/networks"), MODULES.find((m) => m.id === "networks"));
    assert.equal(moduleAt("/nowhere"), null);
  });
});

describe("files", () => {
  it("opens no download address but http(s)", () => {
    for (const url of ["javascript:alert(1)", "data:text/html,hi", "not a url"]) {
      assert.throws(() => openDownload(url), UploadError, url);
    }
  });
  it("sends no upload to an address but http(s)", async () => {
    for (const url of ["javascript:alert(1)", "ftp://files.example/", ""]) {
      await assert.rejects(sendToS3(url, {}, null), (error) => error instanceof UploadError && error.status === 0, url);
    }
  });
});
