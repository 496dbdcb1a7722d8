// What the contact-order screens (seed 001) share: addresses, the rights that decide
// each button, the list's filters as they stand in the address, the to-do list's
// buckets, wall-clock times in the tenant's zone, and a few small parts (the status
// pill, the customer link). The pure functions here have node tests
// (tests/portal/contact-orders.test.js).

import { h } from "../../dom.js";
import { bindText, formatNumber } from "../../i18n.js";
import { can } from "../../session.js";

// --- addresses ------------------------------------------------------------------------

export function orderPath(id) {
  return `/contact-orders/${encodeURIComponent(id)}`;
}

export function customerPath(id) {
  return `/customers/${encodeURIComponent(id)}`;
}

/** The create form, filled in from a customer, site or service object (seed 001's "Alternativ 2"). */
export function newOrderPath({ customer_id: customerId, site_id: siteId, service_object_id: objectId } = {}) {
  const query = new URLSearchParams();
  if (customerId) query.set("customer_id", customerId);
  if (siteId) query.set("site_id", siteId);
  if (objectId) query.set("service_object_id", objectId);
  const text = query.toString();
  return `/contact-orders/new${text ? `?${text}` : ""}`;
}

// --- rights ---------------------------------------------------------------------------

// Seed 001's eight rights, in its order: Visa, Visa (endast) tilldelade, Ändra, Skapa,
// Ta bort, Tilldela, Tilldela sig själv, Ta bort uppladdade filer.
export const RIGHTS = [
  "contact_orders.view", "contact_orders.view_assigned", "contact_orders.edit",
  "contact_orders.create", "contact_orders.delete", "contact_orders.assign",
  "contact_orders.assign_self", "contact_orders.delete_files",
];

/** What `user` may do with contact orders; the API decides, this only hides what it would refuse. */
export function rightsOf(user) {
  const view = can(user, "contact_orders.view");
  return {
    view: view || can(user, "contact_orders.view_assigned"),
    assignedOnly: !view && can(user, "contact_orders.view_assigned"),
    edit: can(user, "contact_orders.edit"),
    create: can(user, "contact_orders.create"),
    delete: can(user, "contact_orders.delete"),
    assign: can(user, "contact_orders.assign"),
    assignSelf: can(user, "contact_orders.assign") || can(user, "contact_orders.assign_self"),
    deleteFiles: can(user, "contact_orders.delete_files"),
    settings: can(user, "settings.edit") || can(user, "roles.manage"),
  };
}

// --- the list's filters ---------------------------------------------------------------

export const STATES = ["all", "open", "closed"];
export const SORTS = ["planned_date", "number"];
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The filters from the address (#/contact-orders?assignee=me&state=open...): known ones only. */
export function filtersFrom(params) {
  const get = (name) => String(params.get(name) ?? "").slice(0, 200);
  const assignee = get("assignee");
  const state = get("state");
  const sort = get("sort");
  return {
    assignee: assignee === "me" || assignee === "none" ? assignee : "",
    from: DATE.test(get("from")) ? get("from") : "",
    to: DATE.test(get("to")) ? get("to") : "",
    customer_id: ID.test(get("customer_id")) ? get("customer_id") : "",
    status: get("status").trim().slice(0, 60),
    state: STATES.includes(state) ? state : "all",
    sort: SORTS.includes(sort) ? sort : "",
  };
}

/** The filters as a query (the address's and GET /contact-orders's): only what is set. */
export function filterQuery(filters) {
  const query = new URLSearchParams();
  for (const name of ["assignee", "from", "to", "customer_id", "status", "sort"]) {
    if (filters[name]) query.set(name, filters[name]);
  }
  if (filters.state && filters.state !== "all") query.set("state", filters.state);
  return query;
}

/** A saved favourite's query back into filters (a favourite saved elsewhere may hold anything). */
export function filtersOfFavourite(favourite) {
  return filtersFrom(new URLSearchParams(Object.entries(favourite?.query ?? {}).map(([k, v]) => [k, String(v)])));
}

/** Whether two sets of filters ask for the same orders. */
export function sameFilters(a, b) {
  return filterQuery(a).toString() === filterQuery(b).toString();
}

// --- times in the tenant's zone -------------------------------------------------------

/** "YYYY-MM-DD" of an instant in `timeZone` (undefined: the browser's). */
export function dayIn(instant, timeZone) {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" })
    .formatToParts(new Date(instant));
  const part = (type) => parts.find((p) => p.type === type)?.value;
  return `${part("year")}-${part("month")}-${part("day")}`;
}

function offsetMinutes(utcMillis, timeZone) {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit",
  }).formatToParts(new Date(utcMillis));
  const n = (type) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(n("year"), n("month") - 1, n("day"), n("hour"), n("minute"), n("second"));
  return Math.round((wall - utcMillis) / 60_000);
}

/**
 * A wall-clock date and time in `timeZone` ("2026-12-07", "09:30", "Europe/Stockholm")
 * -> the instant in the API's format ("2026-12-07T08:30:00Z"); null when not a time.
 */
export function instantOf(day, time, timeZone) {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(day ?? ""));
  const t = /^(\d{2}):(\d{2})$/.exec(String(time ?? ""));
  if (!d || !t) return null;
  const wall = Date.UTC(Number(d[1]), Number(d[2]) - 1, Number(d[3]), Number(t[1]), Number(t[2]));
  if (Number.isNaN(wall)) return null;
  // The zone's offset at the guess, then again at the corrected time (daylight saving).
  let utc = wall - offsetMinutes(wall, timeZone) * 60_000;
  utc = wall - offsetMinutes(utc, timeZone) * 60_000;
  return new Date(utc).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function daysBetween(fromDay, toDay) {
  return Math.round((Date.parse(`${toDay}T00:00:00Z`) - Date.parse(`${fromDay}T00:00:00Z`)) / 86_400_000);
}

/**
 * The to-do list's bucket of an item due at `at` (an instant, a date or null), seen at
 * `now` in `timeZone`: "today" (overdue ones too), "week" (the rest of this Monday-to-
 * Sunday week) or "later" (and undated).
 */
export function todoBucket(at, now, timeZone) {
  if (!at) return "later";
  const today = dayIn(now, timeZone);
  const day = DATE.test(at) ? at : dayIn(at, timeZone);
  const ahead = daysBetween(today, day);
  if (ahead <= 0) return "today";
  const weekday = (new Date(`${today}T00:00:00Z`).getUTCDay() + 6) % 7; // Monday 0
  return ahead <= 6 - weekday ? "week" : "later";
}

/** The to-do items by bucket, each in the API's order (by time). */
export function groupTodo(items, now, timeZone) {
  const groups = { today: [], week: [], later: [] };
  for (const item of items ?? []) groups[todoBucket(item.at, now, timeZone)].push(item);
  return groups;
}

// --- the statuses ---------------------------------------------------------------------

/** The choices of a status select: the tenant's, and an order's own if it has been retired. */
export function statusChoices(statuses, current) {
  const list = [...(statuses ?? [])];
  if (current && !list.includes(current)) list.push(current);
  return list;
}

/** A list with the item at `index` moved by `delta` (-1 up, +1 down); out of range: unchanged. */
export function moved(list, index, delta) {
  const target = index + delta;
  if (index < 0 || index >= list.length || target < 0 || target >= list.length) return [...list];
  const copy = [...list];
  [copy[index], copy[target]] = [copy[target], copy[index]];
  return copy;
}

// --- small parts ----------------------------------------------------------------------

export function hoursText(hours) {
  return formatNumber(Number(hours ?? 0), { maximumFractionDigits: 2 });
}

/** An order's status as a pill; a closed order is "done" dark blue (seed 001), whatever its status says. */
export function orderStatus(order) {
  if (order.closed) {
    return bindText(h("span", { class: "status co-status co-status--closed", dataset: { status: "closed" } }),
      "crm.closed");
  }
  return h("span", { class: "status co-status", dataset: { status: order.status }, text: order.status });
}

/** The customer's name as a link to its card ("klickar på kundens namn ... kundkortet"). */
export function customerLink(customer) {
  if (!customer) return "";
  return h("a", { class: "co-customer-link", href: `#${customerPath(customer.id)}`, dataset: { customer: customer.id } },
    customer.name);
}

/** A user's name from the staff list (else nothing: the id means nothing to a reader). */
export function userName(users, id, fallbackKey = "crm.unassigned") {
  if (!id) return bindText(h("span", { class: "muted" }), fallbackKey);
  const found = (users ?? []).find((u) => u.id === id);
  return found ? found.name : bindText(h("span", { class: "muted" }), "crm.someone");
}
