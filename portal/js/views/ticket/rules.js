// What the ticket page decides without touching the page: who may comment or answer,
// the thread's order, the staff's choices and the bodies the API is sent.

import { FormError } from "../../forms.js";
import { formatDate, formatNumber } from "../../i18n.js";
import { can } from "../../session.js";

// Statuses staff set by hand (resolving needs a resolution, so it has its own form).
export const SETTABLE_STATUSES = ["open", "waiting_on_customer", "waiting_on_third_party", "closed"];
// Events already shown by what they produced (the comment itself).
const SILENT_EVENTS = new Set(["commented"]);

/** Changes carry the version read, so a change made meanwhile is refused (412), not lost. */
export function ifMatch(ticket) {
  return { "If-Match": `"${ticket.version}"` };
}

/**
 * Whether the signed-in user may comment. `access` is {user, staff, ticket,
 * orgVisibility, commentRefused}. GET /tickets/{id} says it (`can_comment`); a ticket
 * as a change answered it carries no such word, and then the rules the API applies
 * decide: a contact comments on their own tickets, as a watcher, or as the
 * organisation allows, until the API has refused them.
 */
export function mayComment({ user, staff, ticket, orgVisibility, commentRefused }) {
  if (commentRefused && !staff) return false;
  if (typeof ticket.can_comment === "boolean") return ticket.can_comment;
  if (staff) return can(user, "tickets.comment");
  if (ticket.requester_id === user.id || (ticket.watchers ?? []).includes(user.id)) return true;
  return orgVisibility === null || orgVisibility === "organization_comment";
}

/** A contact who may answer a resolved ticket: "Tested OK" or "Not OK" (`can_approve`). */
export function mayAnswer(access) {
  if (access.staff || access.ticket.status !== "resolved") return false;
  if (typeof access.ticket.can_approve === "boolean") return access.ticket.can_approve;
  return mayComment(access);
}

/**
 * The thread, oldest first: the history's events (but those shown by what they made)
 * and the comments; at the same instant the event comes before the comment.
 * Each entry is {at, event} or {at, comment}.
 */
export function threadEntries(events, comments) {
  return [
    ...events.filter((event) => !SILENT_EVENTS.has(event.type)).map((event) => ({ at: event.at, order: 0, event })),
    ...comments.map((comment) => ({ at: comment.created_at, order: 1, comment })),
  ].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.order - b.order))
    .map(({ at, event, comment }) => (event ? { at, event } : { at, comment }));
}

/** The statuses staff may pick: the settable ones, after the current one when it is not. */
export function statusChoices(status) {
  return SETTABLE_STATUSES.includes(status) ? SETTABLE_STATUSES : [status, ...SETTABLE_STATUSES];
}

export const PRIORITIES = ["low", "normal", "high", "urgent"];

/**
 * Who may watch the ticket, staff first then the organisation's portal users, each by
 * name: {id, name, contact}. A watcher the list does not know (a user since made
 * inactive) stays, without a name, so saving does not drop them unasked.
 */
export function watcherChoices(ticket, users) {
  const all = [...users.values()];
  const staff = all.filter((u) => u.kind === "staff");
  const contacts = all.filter((u) => u.kind === "contact" && u.organization_id === ticket.organization_id);
  const known = [...staff, ...contacts].map((u) => ({ id: u.id, name: u.name, contact: u.kind === "contact" }));
  const ids = new Set(known.map((u) => u.id));
  const unknown = (ticket.watchers ?? []).filter((id) => !ids.has(id)).map((id) => ({ id, name: null, contact: false }));
  return [...known, ...unknown];
}

/** The types a ticket may get: the active ones, and its own even when retired. */
export function retypeChoices(types, currentTypeId) {
  return [...types.values()].filter((type) => type.active !== false || type.id === currentTypeId);
}

/** A ticket type's field value as shown: dates and numbers in the language's format. */
export function fieldText(spec, value) {
  if (spec?.type === "date") return formatDate(value);
  if (spec?.type === "number") return formatNumber(Number(value));
  return String(value);
}

/** POST .../comments: the body, marked internal only when it is, with the files uploaded. */
export function commentBody({ body }, { internal = false, attachmentIds = [] } = {}) {
  const payload = { body };
  if (internal) payload.internal = true;
  if (attachmentIds.length) payload.attachment_ids = attachmentIds;
  return payload;
}

/** POST .../resolve from the resolve form: a resolution is required, hours are optional. */
export function resolveBody({ resolution, hours }) {
  if (!resolution.trim()) throw new FormError({ resolution: "ticket.errors.resolution_empty" });
  const body = { resolution };
  if (hours !== "") body.hours = Number(hours);
  return body;
}
