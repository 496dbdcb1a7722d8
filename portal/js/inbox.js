// The in-app inbox's unread count, shared by the header badge and the home
// page. Polled while the tab is visible and the user is signed in.

import { api } from "./api.js";

const POLL_MS = 60_000;

let unread = null; // null until known
let poller = null;
const listeners = new Set();

function set(count) {
  const next = Number.isFinite(count) ? Math.max(0, count) : null;
  if (next === unread) return;
  unread = next;
  for (const listener of listeners) listener(unread);
}

export function unreadCount() {
  return unread;
}

export function onUnreadChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Asks the API for the unread count; failures keep the last known count. */
export async function refreshUnread() {
  try {
    const page = await api.get("/notifications?limit=1");
    set(Number(page?.unread_count));
  } catch {
    // a missed poll is not worth an error on screen; the next one tries again
  }
}

export function setUnread(count) {
  set(count);
}

function poll() {
  if (document.visibilityState === "visible") refreshUnread();
}

export function startPolling() {
  stopPolling();
  refreshUnread();
  poller = setInterval(poll, POLL_MS);
  document.addEventListener("visibilitychange", poll);
}

export function stopPolling() {
  clearInterval(poller);
  poller = null;
  document.removeEventListener("visibilitychange", poll);
  set(null);
}
