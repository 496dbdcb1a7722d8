// The ticket page's decisions (views/ticket/rules.js) and the words of its thread
// (views/ticket/thread.js).

import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

import "./support.js";
import { FormError } from "../../portal/js/forms.js";
import { setLanguage } from "../../portal/js/i18n.js";
import {
  commentBody, fieldText, ifMatch, mayAnswer, mayComment, resolveBody, retypeChoices, statusChoices, threadEntries,
  watcherChoices,
} from "../../portal/js/views/ticket/rules.js";
import { eventText, nameOf } from "../../portal/js/views/ticket/thread.js";

const contact = { id: "U-carl", name: "Carl", kind: "contact", permissions: ["tickets.create"] };
const agent = { id: "U-anna", name: "Anna", kind: "staff", permissions: ["tickets.comment"] };
const reader = { id: "U-rita", name: "Rita", kind: "staff", permissions: [] };

function access(overrides = {}) {
  return {
    user: contact, staff: false, orgVisibility: null, commentRefused: null,
    ticket: { requester_id: "U-other", watchers: [], status: "open" },
    ...overrides,
  };
}

describe("mayComment", () => {
  it("lets staff comment with the permission only", () => {
    assert.equal(mayComment(access({ user: agent, staff: true })), true);
    assert.equal(mayComment(access({ user: reader, staff: true })), false);
  });
  it("lets a contact comment on their own ticket and as a watcher, whatever the organisation allows", () => {
    const own = { requester_id: contact.id, watchers: [], status: "open" };
    const watched = { requester_id: "U-other", watchers: [contact.id], status: "open" };
    assert.equal(mayComment(access({ ticket: own, orgVisibility: "organization_read" })), true);
    assert.equal(mayComment(access({ ticket: watched, orgVisibility: "organization_read" })), true);
  });
  it("follows the organisation's setting for a colleague's ticket", () => {
    assert.equal(mayComment(access({ orgVisibility: "organization_comment" })), true);
    assert.equal(mayComment(access({ orgVisibility: "organization_read" })), false);
    assert.equal(mayComment(access({ orgVisibility: null })), true); // the API decides
  });
  it("stops once the API has refused the contact", () => {
    const own = { requester_id: contact.id, watchers: [], status: "open" };
    assert.equal(mayComment(access({ ticket: own, commentRefused: "Read only." })), false);
  });
  it("takes the ticket's own word (can_comment) over the rules when it has one", () => {
    const said = (can_comment, extra = {}) => ({ requester_id: contact.id, watchers: [], status: "open", can_comment, ...extra });
    assert.equal(mayComment(access({ ticket: said(false) })), false); // e.g. closed, or read-only
    assert.equal(mayComment(access({ ticket: said(true), orgVisibility: "organization_read" })), true);
    assert.equal(mayComment(access({ user: reader, staff: true, ticket: said(true) })), true);
  });
});

describe("mayAnswer", () => {
  const resolved = { requester_id: contact.id, watchers: [], status: "resolved" };
  it("asks a contact who may comment to answer a resolved ticket", () => {
    assert.equal(mayAnswer(access({ ticket: resolved })), true);
    assert.equal(mayAnswer(access({ ticket: { ...resolved, status: "open" } })), false);
    assert.equal(mayAnswer(access({ ticket: resolved, commentRefused: "Read only." })), false);
  });
  it("never asks staff", () => {
    assert.equal(mayAnswer(access({ user: agent, staff: true, ticket: resolved })), false);
  });
  it("takes the ticket's own word (can_approve) when it has one", () => {
    assert.equal(mayAnswer(access({ ticket: { ...resolved, can_approve: false } })), false);
    assert.equal(mayAnswer(access({ ticket: { ...resolved, can_approve: true },
      orgVisibility: "organization_read" })), true);
  });
});

describe("threadEntries", () => {
  it("puts events and comments oldest first, an event before a comment of the same instant", () => {
    const events = [
      { type: "created", at: "2026-11-22T09:00:00Z" },
      { type: "status_changed", at: "2026-11-22T11:00:00Z" },
      { type: "commented", at: "2026-11-22T10:00:00Z" },
    ];
    const comments = [
      { id: "C2", created_at: "2026-11-22T11:00:00Z" },
      { id: "C1", created_at: "2026-11-22T10:00:00Z" },
    ];
    const order = threadEntries(events, comments).map((entry) => entry.event?.type ?? entry.comment.id);
    // "commented" is shown by the comment itself.
    assert.deepEqual(order, ["created", "C1", "status_changed", "C2"]);
  });
  it("is empty for an empty ticket", () => {
    assert.deepEqual(threadEntries([], []), []);
  });
});

describe("staff choices", () => {
  it("offers the settable statuses, after the current one when it is not settable", () => {
    assert.deepEqual(statusChoices("open"), ["open", "waiting_on_customer", "waiting_on_third_party", "closed"]);
    assert.deepEqual(statusChoices("new"), ["new", "open", "waiting_on_customer", "waiting_on_third_party", "closed"]);
    assert.deepEqual(statusChoices("resolved")[0], "resolved");
  });
  it("offers the active types and the ticket's own retired one", () => {
    const types = new Map([
      ["bug", { id: "bug", active: true }], ["old", { id: "old", active: false }],
      ["gone", { id: "gone", active: false }], ["idea", { id: "idea" }],
    ]);
    assert.deepEqual(retypeChoices(types, "old").map((type) => type.id), ["bug", "old", "idea"]);
    assert.deepEqual(retypeChoices(types, "bug").map((type) => type.id), ["bug", "idea"]);
  });
  it("sends the version read as If-Match", () => {
    assert.deepEqual(ifMatch({ version: 7 }), { "If-Match": "\"7\"" });
  });
});

describe("fieldText", () => {
  before(() => setLanguage("en"));
  it("shows a type's date and number fields in the language's format, the rest as text", () => {
    assert.equal(fieldText({ type: "date" }, "2026-11-22"), "22 Nov 2026");
    assert.equal(fieldText({ type: "number" }, "1234.5"), "1,234.5");
    assert.equal(fieldText({ type: "reference" }, "PO-7"), "PO-7");
    assert.equal(fieldText(undefined, 12), "12"); // a field the type no longer names
  });
});

describe("request bodies", () => {
  it("marks a comment internal only when it is, and names its files", () => {
    assert.deepEqual(commentBody({ body: "Hello", internal: true }), { body: "Hello" });
    assert.deepEqual(commentBody({ body: "Note" }, { internal: true, attachmentIds: ["A1", "A2"] }),
      { body: "Note", internal: true, attachment_ids: ["A1", "A2"] });
  });
  it("needs a resolution; hours are a number when given", () => {
    assert.deepEqual(resolveBody({ resolution: "Replaced the toner.", hours: "" }), { resolution: "Replaced the toner." });
    assert.deepEqual(resolveBody({ resolution: "Done", hours: "1.25" }), { resolution: "Done", hours: 1.25 });
    assert.throws(() => resolveBody({ resolution: "  ", hours: "1" }), (error) => error instanceof FormError
      && error.fieldKeys.resolution === "ticket.errors.resolution_empty");
  });
});

describe("the thread's words", () => {
  before(() => setLanguage("en"));
  const lists = {
    staff: new Map([["U-anna", { id: "U-anna", name: "Anna" }], ["U-bo", { id: "U-bo", name: "Bo" }]]),
    types: new Map([["bug", { id: "bug", name: { en: "Bug" } }], ["idea", { id: "idea", name: { en: "Idea" } }]]),
  };

  it("names the signed-in user with (you)", () => {
    assert.equal(nameOf("U-anna", lists, agent), "Anna (you)");
    assert.equal(nameOf("U-bo", lists, agent), "Bo");
    assert.equal(nameOf("U-nobody", lists, agent), null);
    assert.equal(nameOf(null, lists, agent), null);
  });

  it("says what happened in words, with statuses, types and names", () => {
    const said = (event) => eventText(event, lists, agent);
    assert.equal(said({ type: "status_changed", actor_name: "Bo", data: { from: "open", to: "waiting_on_customer" } }),
      "Bo changed the status: Open → Waiting on customer");
    assert.equal(said({ type: "assigned", actor_name: "Bo", data: { to: "U-anna" } }), "Bo assigned the ticket to Anna (you)");
    assert.equal(said({ type: "retyped", actor_name: "Bo", data: { from: "bug", to: "idea" } }), "Bo changed the type: Bug → Idea");
  });

  it("names the system and unknown events too", () => {
    assert.equal(eventText({ type: "auto_approved", actor: "system" }, lists, agent),
      "The ticket was closed as approved, as no answer came after the reminder");
    assert.equal(eventText({ type: "merged", actor: "system" }, lists, agent), "The system: merged");
    assert.equal(eventText({ type: "merged", actor: "U-x" }, lists, agent), "Someone: merged");
  });
});

describe("watcherChoices", () => {
  const users = new Map([
    ["s1", { id: "s1", name: "Agent Ann", kind: "staff" }],
    ["c1", { id: "c1", name: "Kund Karl", kind: "contact", organization_id: "acme" }],
    ["c2", { id: "c2", name: "Annan Anna", kind: "contact", organization_id: "other" }],
  ]);
  it("offers staff, then the ticket's organisation's portal users, and keeps an unknown watcher", () => {
    const ticket = { organization_id: "acme", watchers: ["c1", "gone"] };
    assert.deepEqual(watcherChoices(ticket, users), [
      { id: "s1", name: "Agent Ann", contact: false },
      { id: "c1", name: "Kund Karl", contact: true },
      { id: "gone", name: null, contact: false },
    ]);
  });
});
