// The signed-in session: tokens in sessionStorage (this tab only, gone when the
// tab closes; never localStorage), the user in memory, a renewal shortly before
// the token expires, and sign-out.

import { api, ApiError, configureAuth } from "./api.js";

const STORAGE_KEY = "helpdesk.session";
const MAX_MARGIN_MS = 60_000; // renew this long before expiry (less for short-lived tokens)
const RETRY_MS = 15_000; // a renewal that failed for lack of network is retried
const MAX_TIMER_MS = 2_147_483_647;

let tokens = null; // {token, refreshToken, expiresAt}
let user = null;
let timer = null;
let renewing = null;
const listeners = new Set();

configureAuth({ token: () => tokens?.token ?? null, refresh: () => renew() });

function read() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? "null");
    if (saved && typeof saved.token === "string" && typeof saved.refreshToken === "string"
        && Number.isFinite(saved.expiresAt)) {
      return saved;
    }
  } catch {
    // unreadable: treat as signed out
  }
  return null;
}

function write() {
  try {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(tokens));
  } catch {
    // storage disabled: the session lasts as long as the page
  }
}

function margin(lifetimeMs) {
  return Math.min(MAX_MARGIN_MS, Math.max(1_000, lifetimeMs / 5));
}

function schedule(delay) {
  clearTimeout(timer);
  if (!tokens) return;
  const lifetime = tokens.expiresAt - Date.now();
  const wait = delay ?? lifetime - margin(tokens.lifetimeMs ?? lifetime);
  timer = setTimeout(() => {
    renew().catch(() => {});
  }, Math.min(MAX_TIMER_MS, Math.max(0, wait)));
}

function emit(event) {
  for (const listener of listeners) listener(event);
}

function accept(answer, event) {
  const lifetimeMs = Math.max(0, Number(answer.expires_in) || 0) * 1000;
  tokens = {
    token: answer.token,
    refreshToken: answer.refresh_token,
    expiresAt: Date.now() + lifetimeMs,
    lifetimeMs,
  };
  user = answer.user;
  write();
  schedule();
  emit({ type: event, user });
  return user;
}

/**
 * Listeners get {type: "signed-in", user} after a sign-in, {type: "renewed", user}
 * after a token renewal and {type: "signed-out", reason: "user" | "expired"}.
 */
export function onSessionChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function currentUser() {
  return user;
}

/** Whether `person` holds `permission` (the API decides; this only hides what it would refuse). */
export function can(person, permission) {
  return (person?.permissions ?? []).includes(permission);
}

export function isStaff(person) {
  return person?.kind === "staff";
}

export function isSignedIn() {
  return Boolean(tokens && user);
}

/**
 * Signs in. A first sign-in with a temporary password rejects with an ApiError
 * whose extra.challenge is "NEW_PASSWORD_REQUIRED" (and extra.session).
 */
export async function signIn(email, password) {
  return accept(await api.post("/auth/login", { email, password }, { auth: false }), "signed-in");
}

export async function completeNewPassword(email, session, password) {
  return accept(await api.post("/auth/new-password", { email, session, password }, { auth: false }),
    "signed-in");
}

/**
 * Renews the token with the refresh token. Resolves true when renewed; false
 * (and signs out) when the refresh token is no longer accepted. Concurrent
 * callers share one request.
 */
export function renew() {
  if (!tokens) return Promise.resolve(false);
  if (!renewing) {
    renewing = (async () => {
      try {
        const answer = await api.post("/auth/refresh", { refresh_token: tokens.refreshToken },
          { auth: false });
        accept(answer, "renewed");
        return true;
      } catch (error) {
        if (error instanceof ApiError && (error.status === 0 || error.status === 429 || error.status >= 500)
            && tokens && tokens.expiresAt > Date.now()) {
          schedule(RETRY_MS); // a passing problem: try again while the token still works
          return false;
        }
        signOut("expired");
        return false;
      } finally {
        renewing = null;
      }
    })();
  }
  return renewing;
}

/** Picks up the session saved in this tab, renewing it first when it is (nearly) expired. */
export async function restore() {
  tokens = read();
  if (!tokens) return false;
  if (tokens.expiresAt - Date.now() < margin(tokens.lifetimeMs ?? 0)) {
    await renew();
    if (!tokens) return false; // the refresh token was refused
  }
  try {
    user = await api.get("/me");
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      signOut("expired");
      return false;
    }
    throw error; // e.g. offline: keep the tokens, the caller offers to try again
  }
  if (!tokens) return false; // signed out while /me was on its way
  schedule();
  return true;
}

/** After the tab slept (timers do not run then), renew at once if the token is due. */
export function checkExpiry() {
  if (tokens && tokens.expiresAt - Date.now() < margin(tokens.lifetimeMs ?? 0)) {
    renew().catch(() => {});
  }
}

export function signOut(reason = "user") {
  clearTimeout(timer);
  timer = null;
  const wasSignedIn = Boolean(tokens);
  if (reason === "user" && tokens) {
    // Ends the refresh token on the server too; the local sign-out does not wait for it.
    api.post("/auth/logout", undefined, { retry: false }).catch(() => {});
  }
  tokens = null;
  user = null;
  try {
    sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // nothing stored
  }
  if (wasSignedIn) emit({ type: "signed-out", reason });
}
