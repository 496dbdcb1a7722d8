// The chat's pure parts (issue 18), shared by the customer's widget and the staff
// screen: the reconnect backoff, merging fetched and pushed messages without
// duplicates, client message ids, what the tab remembers of an open chat, and
// what a pushed frame means. No DOM, no clock: tested under Node (tests/portal/chat.test.js).

export const BACKOFF_BASE_MS = 500;
export const BACKOFF_MAX_MS = 30_000;
// Typing frames at most this often: the server allows 20 frames per 10 seconds.
export const TYPING_EVERY_MS = 3_000;
// The other side's "is typing" fades after this long without a new frame.
export const TYPING_SHOWN_MS = 5_000;
export const MAX_TEXT = 2000; // as the API's (domain/chat.py MAX_TEXT)

/**
 * The wait before reconnect attempt `attempt` (0 first): exponential from
 * BACKOFF_BASE_MS, capped, with "full jitter" (`random` in [0, 1)) so that many
 * tabs losing the same server do not all come back in the same instant.
 * Never less than 250 ms: a server closing at once is not hammered.
 */
export function backoffDelay(attempt, random = Math.random) {
  const step = Math.max(0, Math.min(Number(attempt) || 0, 16));
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** step);
  const drawn = Number(random());
  const share = Number.isFinite(drawn) ? Math.min(Math.max(drawn, 0), 0.999999) : 0.5;
  return Math.max(250, Math.floor(ceiling * share));
}

/** A new client message id (`[A-Za-z0-9_-]{1,64}`, as the API wants): a resend makes nothing new. */
export function newClientId(prefix = "c") {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `${prefix}-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/**
 * The conversation after `incoming` arrived: stored messages by `id`, in id order
 * (ids sort in time), each once however often it came (an echo, a fetch after a
 * reconnect, a resend's answer); a pending message (sent, no id yet: `{pending:
 * true, client_id, side, text}`) is replaced by the stored message of the same side
 * and client_id, and pending ones stay last, in the order they were written.
 * Neither list is changed.
 */
export function mergeMessages(current, incoming) {
  const stored = new Map();
  const pending = [];
  for (const message of [...current, ...incoming]) {
    if (!message) continue;
    if (message.pending) {
      if (!pending.some((p) => p.client_id === message.client_id)) pending.push(message);
    } else if (typeof message.id === "string") {
      stored.set(message.id, message);
    }
  }
  const confirmed = new Set();
  for (const message of stored.values()) {
    if (message.client_id) confirmed.add(`${message.side}\u0000${message.client_id}`);
  }
  const ordered = [...stored.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return [...ordered, ...pending.filter((p) => !confirmed.has(`${p.side}\u0000${p.client_id}`))];
}

/** The newest stored message's id (what `?after=` asks from), or null. */
export function lastSeenId(messages) {
  let last = null;
  for (const message of messages) {
    if (!message.pending && typeof message.id === "string" && (last === null || message.id > last)) last = message.id;
  }
  return last;
}

/** The messages still waiting for the server's answer (to send again after a reconnect). */
export function pendingMessages(messages) {
  return messages.filter((m) => m.pending);
}

/** A message text as sent: trimmed; null when empty or too long. */
export function cleanText(text) {
  const trimmed = String(text ?? "").trim();
  return trimmed && trimmed.length <= MAX_TEXT ? trimmed : null;
}

/**
 * What one pushed frame (the socket's text) means for the chat `sessionId`:
 * {kind: "message" | "typing" | "joined" | "ended" | "waiting" | "error", ...} or
 * null for a frame that is not JSON, not an object, or about another chat.
 */
export function readFrame(text, sessionId) {
  let frame;
  try {
    frame = JSON.parse(text);
  } catch {
    return null;
  }
  if (!frame || typeof frame !== "object" || typeof frame.type !== "string") return null;
  const about = frame.type === "message" ? frame.message?.session_id : frame.session_id;
  if (sessionId && about !== undefined && about !== sessionId) return null;
  switch (frame.type) {
    case "message":
      return frame.message && typeof frame.message.id === "string" ? { kind: "message", message: frame.message } : null;
    case "typing":
      return { kind: "typing", side: frame.side, name: String(frame.name ?? "") };
    case "joined":
      return { kind: "joined", agentId: frame.agent_id ?? null, agentName: String(frame.agent_name ?? ""),
        transferredBy: frame.transferred_by ?? null };
    case "ended":
      return { kind: "ended", endedBy: frame.ended_by ?? null, ticketId: frame.ticket_id ?? null };
    case "waiting":
      return frame.session && typeof frame.session.id === "string" ? { kind: "waiting", session: frame.session } : null;
    case "error":
      return { kind: "error", code: String(frame.code ?? ""), detail: String(frame.detail ?? "") };
    default:
      return null;
  }
}

// --- what the tab remembers ----------------------------------------------------------

export const STORAGE_KEY = "helpdesk.chat";

/**
 * The open chat this tab remembers: {id, tenant, key?, owner, name}. `owner` is the
 * signed-in user's id (null for a visitor), so another person signing in at the
 * same tab never resumes it. Anything malformed is nothing.
 */
export function readStoredChat(raw, owner) {
  let saved;
  try {
    saved = JSON.parse(raw ?? "null");
  } catch {
    return null;
  }
  if (!saved || typeof saved !== "object") return null;
  if (typeof saved.id !== "string" || !/^[A-Za-z0-9_-]{1,64}$/.test(saved.id)) return null;
  if (typeof saved.tenant !== "string" || !/^[a-z0-9][a-z0-9-]{1,62}$/.test(saved.tenant)) return null;
  if ((saved.owner ?? null) !== (owner ?? null)) return null;
  if (saved.key !== undefined && saved.key !== null && typeof saved.key !== "string") return null;
  const name = typeof saved.name === "string" ? saved.name.slice(0, 100) : "";
  return { id: saved.id, tenant: saved.tenant, key: saved.key ?? null, owner: owner ?? null, name };
}

/** The chat panel's state name for a session's state (the API's waiting | active | ended). */
export function phaseOf(session) {
  if (!session) return "start";
  return session.state === "ended" ? "ended" : "chat";
}

// --- files (issue 18, item 3) --------------------------------------------------------

export const MAX_MESSAGE_FILES = 5; // as the API's (domain/chat.py MAX_MESSAGE_FILES)

/** A file as a message carries it: {id, filename, content_type, size} and nothing else. */
export function messageFile(file) {
  return { id: String(file.id), filename: String(file.filename ?? ""), content_type: String(file.content_type ?? ""),
    size: Number(file.size) || 0 };
}

/**
 * The socket's send frame (and the HTTP body) of a message: its text, client id and
 * the ids of the files it carries (none: no `attachment_ids` at all, as before files).
 */
export function sendFrame(text, clientId, files = []) {
  const frame = { action: "send", text: String(text ?? ""), client_id: clientId };
  const ids = (files ?? []).map((f) => f.id).filter((id) => typeof id === "string");
  if (ids.length) frame.attachment_ids = [...new Set(ids)];
  return frame;
}

/**
 * Why the API refused a file, in its own words (the tenant's types and sizes, the
 * chat's limit): the field messages of the problem, else its detail; "" when neither.
 */
export function refusalWords(problem) {
  const words = (Array.isArray(problem?.errors) ? problem.errors : [])
    .map((e) => String(e?.msg ?? "").trim()).filter(Boolean);
  return words.length ? [...new Set(words)].join("; ") : String(problem?.detail ?? "");
}
