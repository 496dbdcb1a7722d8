// What the ticket pages share: reference data loaded once per signed-in user
// (ticket types, staff users, organisations, the tenant's settings), and the
// small pieces every ticket page shows the same way (status, SLA, times).

import { api } from "./api.js";
import { h } from "./dom.js";
import { bindText, formatDateTime, localized, setTimeZone } from "./i18n.js";
import { currentUser } from "./session.js";

export const STATUSES = ["new", "open", "waiting_on_customer", "waiting_on_third_party", "resolved", "closed"];
export const PRIORITIES = ["low", "normal", "high", "urgent"];
const PAGE_LIMIT = 100;
const MAX_PAGES = 20; // reference lists longer than 2,000 entries are not for a select box

export function can(user, permission) {
  return (user?.permissions ?? []).includes(permission);
}

export function isStaff(user) {
  return user?.kind === "staff";
}

// --- reference data --------------------------------------------------------------------

// One cache per user: a sign-out and another sign-in in the same tab never show
// the previous user's lists.
let cache = { owner: null, loads: new Map() };

function once(name, load) {
  const owner = currentUser()?.id ?? null;
  if (cache.owner !== owner) cache = { owner, loads: new Map() };
  if (!cache.loads.has(name)) {
    const loading = load();
    cache.loads.set(name, loading);
    loading.catch(() => cache.loads.delete(name)); // a failed load is tried again next time
  }
  return cache.loads.get(name);
}

/** Every page of a list endpoint (`path` has its own query, if any). */
export async function allPages(path, { max = MAX_PAGES } = {}) {
  const items = [];
  let cursor = null;
  for (let page = 0; page < max; page += 1) {
    const join = path.includes("?") ? "&" : "?";
    const answer = await api.get(`${path}${join}limit=${PAGE_LIMIT}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    items.push(...(answer?.items ?? []));
    cursor = answer?.next_cursor ?? null;
    if (!cursor) break;
  }
  return items;
}

/** The tenant's ticket types (an admin also gets the retired ones, marked active: false). */
export function ticketTypes() {
  return once("types", async () => (await api.get("/ticket-types"))?.items ?? []);
}

/** Active staff users, by name; an empty list for users who may not list users. */
export function staffUsers() {
  return once("staff", async () => {
    if (!can(currentUser(), "users.view")) return [];
    const users = await allPages("/users");
    return users.filter((u) => u.kind === "staff" && u.active !== false)
      .sort((a, b) => String(a.name).localeCompare(String(b.name)));
  });
}

/** The organisations the user may see (a contact: their own), by name. */
export function organizations() {
  return once("organizations", async () => {
    const user = currentUser();
    if (!can(user, "organizations.view") && !can(user, "organizations.view_own")) return [];
    return allPages("/organizations");
  });
}

/**
 * The tenant's settings, for staff (contacts may not read them): the support
 * hours' time zone becomes the zone every date is shown in, and the SLA warning
 * margin tells when a due time is "near".
 */
export function tenantSettings() {
  return once("settings", async () => {
    if (!can(currentUser(), "settings.view")) {
      setTimeZone(undefined);
      return null;
    }
    const settings = await api.get("/settings");
    setTimeZone(settings?.support_hours?.timezone);
    return settings;
  });
}

export function byId(items) {
  return new Map((items ?? []).map((item) => [item.id, item]));
}

export function typeName(types, id) {
  const type = types.get(id);
  return type ? localized(type.name) : String(id ?? "");
}

// --- how tickets look --------------------------------------------------------------------

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

/** A fresh Idempotency-Key: a retried click never makes a second ticket or comment. */
export function idempotencyKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

export function ticketPath(id) {
  return `/tickets/${encodeURIComponent(id)}`;
}
