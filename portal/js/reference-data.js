// What the ticket pages look up, loaded once per signed-in user: the ticket types,
// staff users, organisations and the tenant's settings (every page of each list).

import { api } from "./api.js";
import { setTimeZone } from "./i18n.js";
import { can, currentUser } from "./session.js";

const PAGE_LIMIT = 100;
const MAX_PAGES = 20; // reference lists longer than 2,000 entries are not for a select box

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

/** Every active user (staff and contacts), by name; none for users who may not list users. */
export function activeUsers() {
  return once("users", async () => {
    if (!can(currentUser(), "users.view")) return [];
    const users = await allPages("/users");
    return users.filter((u) => u.active !== false).sort((a, b) => String(a.name).localeCompare(String(b.name)));
  });
}

/** Active staff users, by name; an empty list for users who may not list users. */
export function staffUsers() {
  return once("staff", async () => (await activeUsers()).filter((u) => u.kind === "staff"));
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
 * hours' time zone becomes the zone every date is shown in (unless the user chose
 * their own: /me's timezone), and the SLA warning margin tells when a due time is "near".
 */
export function tenantSettings() {
  return once("settings", async () => {
    const user = currentUser();
    if (!can(user, "settings.view")) {
      setTimeZone(user?.timezone); // /me's: the user's own zone, else the tenant's
      return null;
    }
    const settings = await api.get("/settings");
    setTimeZone(user?.timezone_own ? user.timezone : settings?.support_hours?.timezone);
    return settings;
  });
}

/** After an admin saved the settings: the next tenantSettings() reads them again. */
export function forgetTenantSettings() {
  cache.loads.delete("settings");
}

export function byId(items) {
  return new Map((items ?? []).map((item) => [item.id, item]));
}
