// The one way the portal talks to the API.
//
// - The API's address comes from /config.json ({"api_base": "..."}), read once.
// - Paths are relative to api_base; absolute URLs are refused, and the bearer
//   token is attached only when the request goes to api_base's own origin.
// - Errors (application/problem+json) become an ApiError carrying the status,
//   title, detail, the problem's extra members and the field errors by name
//   ("email" for loc ["body", "email"]).

const TIMEOUT_MS = 30_000;

let config = null;
let auth = {
  token: () => null,
  refresh: async () => false,
};

export class ApiError extends Error {
  constructor({ status = 0, kind = "http", title = "", detail = "", type = "", errors = [], extra = {} }) {
    super(detail || title || `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status; // 0 when the request never got an answer
    this.kind = kind; // "http" | "network" | "timeout"
    this.title = title;
    this.detail = detail;
    this.type = type;
    this.errors = errors; // [{loc: [...], msg}]
    this.extra = extra; // other members, e.g. challenge and session
    this.fields = new Map(); // field name -> [messages]
    for (const error of errors) {
      const name = fieldName(error.loc);
      if (!name) continue;
      if (!this.fields.has(name)) this.fields.set(name, []);
      this.fields.get(name).push(String(error.msg ?? ""));
    }
  }

  static fromProblem(status, payload) {
    const problem = payload && typeof payload === "object" && !Array.isArray(payload) ? payload : {};
    const { type, title, detail, errors, status: _status, ...extra } = problem;
    return new ApiError({
      status,
      title: typeof title === "string" ? title : "",
      detail: typeof detail === "string" ? detail : "",
      type: typeof type === "string" ? type : "",
      errors: Array.isArray(errors) ? errors.filter((e) => e && Array.isArray(e.loc)) : [],
      extra,
    });
  }
}

/** ["body", "contact", "email"] -> "contact.email"; query and path errors keep their prefix. */
export function fieldName(loc) {
  if (!Array.isArray(loc) || loc.length === 0) return null;
  const parts = loc[0] === "body" ? loc.slice(1) : loc;
  return parts.length ? parts.map(String).join(".") : null;
}

export async function loadConfig() {
  if (config) return config;
  const response = await fetch(new URL("../config.json", import.meta.url), {
    cache: "no-store",
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  });
  if (!response.ok) throw new Error(`config.json: HTTP ${response.status}`);
  const data = await response.json();
  const base = new URL(String(data.api_base ?? ""));
  if (base.protocol !== "https:" && base.protocol !== "http:") {
    throw new Error("config.json: api_base must be an http(s) URL");
  }
  if (!base.pathname.endsWith("/")) base.pathname += "/";
  config = { base, origin: base.origin };
  return config;
}

/** The session module tells the API client where the token is and how to renew it. */
export function configureAuth({ token, refresh }) {
  auth = { token, refresh };
}

function resolve(path) {
  if (!config) throw new Error("loadConfig() must finish before the first request");
  if (typeof path !== "string" || /^[a-z][a-z0-9+.-]*:/i.test(path) || path.startsWith("//")) {
    throw new Error("API paths are relative to api_base");
  }
  return new URL(path.replace(/^\/+/, ""), config.base);
}

async function parseBody(response) {
  if (response.status === 204) return null;
  const type = response.headers.get("Content-Type") || "";
  const text = await response.text();
  if (!text) return null;
  if (type.includes("json")) {
    try {
      return JSON.parse(text);
    } catch {
      return null;
    }
  }
  return text;
}

/**
 * Sends one request. Options: body (sent as JSON), auth (default true: attach
 * the token and, on a 401, renew it once and retry), headers, signal, and
 * as: "blob" for a file's bytes (a certificate's PDF) instead of JSON, and keepalive
 * for a report that must outlive the page (sent as the tab closes).
 */
export async function request(method, path, options = {}) {
  const { body, auth: useAuth = true, headers = {}, signal, retry = true, as = "json", keepalive = false } = options;
  const url = resolve(path);
  const sent = new Headers({ Accept: "application/json, application/problem+json", ...headers });
  if (body !== undefined) sent.set("Content-Type", "application/json");
  const token = useAuth ? auth.token() : null;
  if (token && url.origin === config.origin) sent.set("Authorization", `Bearer ${token}`);

  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException("timeout", "TimeoutError")), TIMEOUT_MS);
  const forwardAbort = () => controller.abort(signal.reason);
  signal?.addEventListener("abort", forwardAbort, { once: true });
  let response;
  try {
    response = await fetch(url, {
      method,
      headers: sent,
      body: body === undefined ? undefined : JSON.stringify(body),
      mode: "cors",
      credentials: "omit", // the bearer token is the only credential
      cache: "no-store",
      redirect: "error", // JSON calls never redirect; a redirect must not carry the token on
      keepalive,
      signal: controller.signal,
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    const timedOut = controller.signal.aborted;
    throw new ApiError({ status: 0, kind: timedOut ? "timeout" : "network", detail: String(error) });
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", forwardAbort);
  }

  if (response.status === 401 && token && retry && (await auth.refresh())) {
    return request(method, path, { ...options, retry: false });
  }
  if (response.ok && as === "blob") return response.blob();
  const payload = await parseBody(response);
  if (!response.ok) throw ApiError.fromProblem(response.status, payload);
  return payload;
}

/** A fresh Idempotency-Key: a retried click never makes a second ticket or comment. */
export function idempotencyKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

export const api = {
  get: (path, options) => request("GET", path, options),
  post: (path, body, options) => request("POST", path, { ...options, body }),
  put: (path, body, options) => request("PUT", path, { ...options, body }),
  patch: (path, body, options) => request("PATCH", path, { ...options, body }),
  delete: (path, options) => request("DELETE", path, options),
};
