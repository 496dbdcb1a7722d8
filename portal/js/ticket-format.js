// How a ticket's parts look the same on every ticket page: its address, status pill,
// type name, times that follow the language, SLA due times and file sizes.

import { h } from "./dom.js";
import { bindText, formatDateTime, localized } from "./i18n.js";

export const STATUSES = ["new", "open", "waiting_on_customer", "waiting_on_third_party", "resolved", "closed"];
export const PRIORITIES = ["low", "normal", "high", "urgent"];

export function ticketPath(id) {
  return `/tickets/${encodeURIComponent(id)}`;
}

export function typeName(types, id) {
  const type = types.get(id);
  return type ? localized(type.name) : String(id ?? "");
}

export function statusPill(status) {
  return bindText(h("span", { class: `status status--${String(status).replace(/[^a-z_]/g, "")}`,
    dataset: { status } }), `ticket_status.${STATUSES.includes(status) ? status : "unknown"}`);
}

/** A <time> whose text follows the language (see refreshTimes). */
export function timeEl(iso, extraClass = "") {
  return h("time", { class: extraClass || null, datetime: iso, dataset: { at: iso }, text: formatDateTime(iso) });
}

/** After a language change: every <time data-at> in `root` in the new language's format. */
export function refreshTimes(root) {
  for (const el of root.querySelectorAll("time[data-at]")) el.textContent = formatDateTime(el.dataset.at);
}

/**
 * Where an SLA due time stands: "overdue" once past, "soon" within the tenant's
 * warning margin (default 60 minutes), else "ok".
 */
export function slaState(due, warnMinutes = 60, now = Date.now()) {
  const at = Date.parse(due);
  if (Number.isNaN(at)) return null;
  if (at <= now) return "overdue";
  if (at - now <= warnMinutes * 60_000) return "soon";
  return "ok";
}

/**
 * The SLA time that matters for a ticket in a list. The list item carries no
 * first_response_at, so "new" stands for "not answered yet" (a public staff
 * answer moves a new ticket to open); resolved and closed tickets have no clock.
 */
export function nextDue(ticket) {
  if (ticket.status === "resolved" || ticket.status === "closed") return null;
  if (ticket.status === "new" && ticket.first_response_due_at) {
    return { kind: "first_response", at: ticket.first_response_due_at };
  }
  return ticket.resolution_due_at ? { kind: "resolution", at: ticket.resolution_due_at } : null;
}

/** "Respond by 22 Nov 2026, 10:30" with its state as a class and, when late, in words too. */
export function slaBadge(due, warnMinutes) {
  const state = slaState(due.at, warnMinutes);
  const badge = h("span", { class: `sla sla--${state}`, dataset: { sla: state, kind: due.kind } });
  badge.append(bindText(h("span"), `sla.${due.kind}`), " ", timeEl(due.at));
  if (state !== "ok") badge.append(" ", bindText(h("strong", { class: "sla__state" }), `sla.${state}`));
  return badge;
}

export function formatBytes(size) {
  const units = ["B", "kB", "MB", "GB"];
  let value = Number(size) || 0;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 || value >= 10 ? 0 : 1)} ${units[unit]}`;
}
