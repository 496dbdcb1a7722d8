// One chat's live connection (issue 18), for the customer's widget and the staff screen:
// the WebSocket opened with a short-lived grant, reconnected with backoff after a drop
// (a new grant, the socket, then every message after the last one seen), messages sent
// with a client id so a resend after a drop makes nothing new, and the rendering of the
// conversation into a role="log" list that changes only what changed (so a screen reader
// hears each new message once). The contract: docs/decisions.md, "## Chat".

import { api, ApiError } from "../api.js";
import { h } from "../dom.js";
import { bindText, formatDateTime, translate } from "../i18n.js";
import { formatBytes } from "../ticket-format.js";
import { openDownload, sendToS3 } from "../upload.js";
import { downloadControl } from "../views/ticket/files.js";
import {
  backoffDelay, cleanText, lastSeenId, MAX_MESSAGE_FILES, mergeMessages, messageFile, newClientId, pendingMessages,
  readFrame, refusalWords, sendFrame, TYPING_EVERY_MS,
} from "./logic.js";

const MAX_CATCH_UP_PAGES = 20; // 100 messages a page: far beyond any chat

/** `element` with its data-i18n(-attr) filled in. */
function translated(element) {
  translate(element);
  return element;
}

/**
 * The HTTP routes of chat `id`: with a visitor's key (`Authorization: Chat <key>`,
 * no bearer token) or the signed-in user's token.
 */
export function chatRoutes(id, key = null) {
  const options = key ? { auth: false, headers: { Authorization: `Chat ${key}` } } : {};
  const base = `/chat/sessions/${encodeURIComponent(id)}`;
  return {
    session: () => api.get(base, options),
    token: () => api.post(`${base}/token`, {}, options),
    since: (after) => api.get(`${base}/messages${after ? `?after=${encodeURIComponent(after)}` : ""}`, options),
    send: (text, clientId, files = []) => {
      const { action: _action, ...body } = sendFrame(text, clientId, files);
      return api.post(`${base}/messages`, body, options);
    },
    // A file to upload into the chat: the API answers a presigned POST (or refuses it).
    announceFile: (file) => api.post(`${base}/files`,
      { filename: file.name, content_type: file.type || "application/octet-stream", size: file.size }, options),
    fileLink: (fileId) => api.get(`${base}/files/${encodeURIComponent(fileId)}/link`, options),
    end: (body = {}) => api.post(`${base}/end`, body, options),
  };
}

/** A socket that reconnects with backoff: `grant()` gives {ws_url, ws_token} for each attempt. */
export class Socket {
  constructor({ grant, onOpen = () => {}, onFrame = () => {}, onState = () => {}, onRefused = () => {} }) {
    Object.assign(this, { grant, onOpen, onFrame, onState, onRefused });
    this.ws = null;
    this.attempt = 0;
    this.timer = null;
    this.stopped = false;
    this.online = () => this.reconnectNow();
    window.addEventListener("online", this.online);
  }

  /** Opens with `first` ({ws_url, ws_token}) when given, else a fresh grant. */
  async open(first = null) {
    if (this.stopped) return;
    this.onState(this.attempt === 0 ? "connecting" : "reconnecting");
    let answer = first;
    if (!answer) {
      try {
        answer = await this.grant();
      } catch (error) {
        // 403/404/409/422: the chat is over or not ours; anything else passes and is retried.
        if (error instanceof ApiError && [401, 403, 404, 409, 422].includes(error.status)) {
          this.stop();
          this.onRefused(error);
          return;
        }
        this.retry();
        return;
      }
    }
    if (this.stopped) return;
    const ws = new WebSocket(`${answer.ws_url}?token=${encodeURIComponent(answer.ws_token)}`);
    this.ws = ws;
    ws.addEventListener("open", () => {
      if (this.ws !== ws) return;
      this.attempt = 0;
      this.onState("open");
      this.onOpen();
    });
    ws.addEventListener("message", (event) => {
      if (this.ws === ws) this.onFrame(String(event.data));
    });
    ws.addEventListener("close", () => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (!this.stopped) this.retry();
    });
  }

  retry() {
    if (this.stopped) return;
    this.onState("reconnecting");
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.open(), backoffDelay(this.attempt));
    this.attempt += 1;
  }

  /** The network came back: try at once rather than after the backoff. */
  reconnectNow() {
    if (this.stopped || this.ws) return;
    clearTimeout(this.timer);
    this.open();
  }

  isOpen() {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /** Sends a frame; false when the socket is not open (the caller keeps it for later). */
  send(frame) {
    if (!this.isOpen()) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    window.removeEventListener("online", this.online);
    const ws = this.ws;
    this.ws = null;
    ws?.close();
    this.onState("closed");
  }
}

/**
 * A chat as one side sees it. `routes` is chatRoutes(...); `side` "customer" or "agent";
 * `me` the name shown on one's own unsent messages. `onChange(conversation)` after
 * every change of messages, typing, state or connection; `onEnded(ticketId)` once.
 */
export class Conversation {
  constructor({ id, routes, side, me, onChange = () => {}, onEnded = () => {}, onJoined = () => {} }) {
    Object.assign(this, { id, routes, side, me, onChange, onEnded, onJoined });
    this.messages = [];
    this.connection = "connecting"; // connecting | open | reconnecting | closed
    this.typing = null; // {name, until}
    this.ended = false;
    this.lastTyping = 0;
    this.catchingUp = null;
    this.again = false;
    this.socket = new Socket({
      grant: () => routes.token(),
      onOpen: () => this.catchUp(),
      onFrame: (text) => this.frame(text),
      onState: (state) => {
        this.connection = state;
        this.onChange(this);
      },
      onRefused: () => this.checkEnded(),
    });
  }

  /** Connects (with `grant` from the start or a join, else a fresh one) and loads the history. */
  start(grant = null) {
    this.socket.open(grant);
    this.catchUp().catch(() => {}); // the history shows even before the socket is up
  }

  stop() {
    this.socket.stop();
  }

  /**
   * Every message after the last one seen, merged by id; then the unsent ones again. A
   * call while one is under way runs once more after it: the fetch that counts is the one
   * begun after the socket opened (a message stored before that is fetched, one after it
   * is pushed).
   */
  catchUp() {
    if (this.catchingUp) {
      this.again = true;
      return this.catchingUp;
    }
    this.catchingUp = (async () => {
      let after = lastSeenId(this.messages);
      for (let page = 0; page < MAX_CATCH_UP_PAGES; page += 1) {
        const answer = await this.routes.since(after);
        this.merge(answer?.items ?? []);
        after = answer?.next_after ?? null;
        if (!after) break;
      }
    })()
      .catch((error) => {
        if (error instanceof ApiError && [403, 404].includes(error.status)) this.checkEnded();
      })
      .finally(() => {
        this.catchingUp = null;
        if (this.again) {
          this.again = false;
          this.catchUp();
        } else this.resend();
      });
    return this.catchingUp;
  }

  resend() {
    for (const message of pendingMessages(this.messages)) {
      this.socket.send(sendFrame(message.text, message.client_id, message.attachments));
    }
  }

  merge(incoming) {
    const before = this.messages.length;
    this.messages = mergeMessages(this.messages, incoming);
    if (incoming.some((m) => m.side !== this.side)) this.typing = null; // they sent what they typed
    if (this.messages.length !== before || incoming.length) this.onChange(this);
  }

  /**
   * Sends `text` (already cleaned; "" when files go alone) with `files` (uploaded, as
   * `messageFile` gives them): shown at once as pending, confirmed by its echo.
   */
  send(text, files = []) {
    const message = { pending: true, client_id: newClientId(this.side === "agent" ? "a" : "c"), side: this.side,
      author_name: this.me, text, attachments: files };
    this.messages = mergeMessages(this.messages, [message]);
    this.onChange(this);
    if (!this.socket.send(sendFrame(text, message.client_id, files))) {
      // No socket now: over HTTP (the same client id; a later resend answers this one).
      this.routes.send(text, message.client_id, files)
        .then((answer) => answer?.message && this.merge([answer.message]))
        .catch(() => {}); // kept as pending: sent again when the socket is back
    }
  }

  /** Announces `file` in the chat and uploads it; resolves with it as a message carries it. */
  async upload(file, onProgress = () => {}) {
    const announced = await this.routes.announceFile(file);
    await sendToS3(announced.upload_url, announced.upload_fields, file, onProgress);
    return messageFile(announced);
  }

  /** Opens one of the chat's files (a short-lived address, asked for on each click). */
  async download(fileId) {
    const { url } = await this.routes.fileLink(fileId);
    openDownload(url);
  }

  /** Tells the other side one is typing, at most every few seconds (frames are rate limited). */
  typed(now = Date.now()) {
    if (now - this.lastTyping < TYPING_EVERY_MS) return;
    if (this.socket.send({ action: "typing" })) this.lastTyping = now;
  }

  frame(text) {
    const event = readFrame(text, this.id);
    if (!event) return;
    if (event.kind === "message") this.merge([event.message]);
    else if (event.kind === "typing" && event.side !== this.side) {
      this.typing = { name: event.name, at: Date.now() };
      this.onChange(this);
    } else if (event.kind === "joined") this.onJoined(event);
    else if (event.kind === "ended") this.finish(event.ticketId);
  }

  /** The chat may be over (a grant refused): ask the server rather than guess. */
  checkEnded() {
    this.routes.session().then((session) => {
      if (session?.state === "ended") this.finish(session.ticket_id ?? null);
    }).catch(() => {});
  }

  finish(ticketId) {
    if (this.ended) return;
    this.ended = true;
    this.typing = null;
    this.socket.stop();
    this.onEnded(ticketId);
    this.onChange(this);
  }
}

// --- rendering --------------------------------------------------------------------------

/** The composer: Enter sends, Shift+Enter is a new line (and an IME's Enter picks a word). */
export function enterSends(event) {
  return event.key === "Enter" && !event.shiftKey && !event.isComposing && !event.altKey && !event.ctrlKey && !event.metaKey;
}

/**
 * A composer `form` with its `text` box and `error` line sends into `conversation()`
 * (a function: the chat may change under the form): Enter sends, typing is told, an
 * empty or too long text is said next to the box.
 */
export function wireComposer(form, text, error, conversation, tray = null) {
  text.addEventListener("keydown", (event) => {
    if (enterSends(event)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  text.addEventListener("input", () => conversation()?.typed());
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (tray?.busy()) {
      bindText(error, "chat.files.wait");
      return;
    }
    const files = tray?.ready() ?? [];
    const clean = cleanText(text.value);
    if (!clean && (text.value.trim() || !files.length)) {
      bindText(error, text.value.trim() ? "chat.errors.too_long" : "chat.errors.text");
      return;
    }
    error.replaceChildren();
    delete error.dataset.i18n;
    conversation()?.send(clean ?? "", files);
    text.value = "";
    tray?.clear();
  });
}

/**
 * The composer's files: an "Attach files" button (a file input behind it), and the
 * list of chosen files, each uploaded at once with its progress, then ready to go
 * with the next message (or removed); a refusal says the API's words (the tenant's
 * types and sizes). `prefix` makes the ids; `conversation()` as for wireComposer.
 */
export function fileTray(prefix, conversation) {
  const inputId = `${prefix}-file`;
  const listId = `${prefix}-files`;
  const input = h("input", { id: inputId, type: "file", multiple: true, hidden: true, tabindex: "-1" });
  const button = bindText(h("button", { type: "button", class: "button button--secondary chat-attach", id: `${prefix}-attach`,
    "aria-controls": listId, on: { click: () => input.click() } }), "chat.files.attach");
  const list = translated(h("ul", { class: "uploads chat-files", id: listId, "aria-live": "polite",
    dataset: { i18nAttr: "aria-label:chat.files.list" } }));
  let rows = [];

  function remove(entry) {
    rows = rows.filter((r) => r !== entry);
    entry.li.remove();
    button.focus();
  }

  function makeRow(file) {
    const progress = h("progress", { max: "100", value: "0", "aria-label": file.name });
    const state = bindText(h("span", { class: "upload__state" }), "upload.uploading", { percent: 0 });
    const li = h("li", { class: "upload", dataset: { state: "uploading" } });
    const entry = { li, state, progress, file: null, done: false };
    li.append(h("span", { class: "upload__name file-name", text: file.name }),
      h("span", { class: "upload__size", text: formatBytes(file.size) }),
      translated(h("button", { type: "button", class: "button button--link chat-files__remove", text: "\u00d7",
        dataset: { i18nAttr: "aria-label:chat.files.remove", i18nArgs: JSON.stringify({ name: file.name }) },
        on: { click: () => remove(entry) } })),
      progress, state);
    return entry;
  }

  async function upload(entry, file) {
    try {
      entry.file = await conversation().upload(file, (fraction) => {
        const percent = Math.round(fraction * 100);
        entry.progress.value = percent;
        bindText(entry.state, "upload.uploading", { percent });
      });
      entry.li.dataset.state = "done";
      bindText(entry.state, "chat.files.ready");
    } catch (error) {
      entry.li.dataset.state = "error";
      const words = error instanceof ApiError ? refusalWords(error) : "";
      if (words) bindText(entry.state, "chat.files.refused", { detail: words });
      else bindText(entry.state, error instanceof ApiError && error.status === 0 ? "errors.network" : "upload.errors.failed");
    } finally {
      entry.done = true;
    }
  }

  input.addEventListener("change", () => {
    const chosen = Array.from(input.files ?? []);
    input.value = "";
    for (const file of chosen) {
      const entry = makeRow(file);
      rows.push(entry);
      list.append(entry.li);
      if (rows.filter((r) => r.li.dataset.state !== "error").length > MAX_MESSAGE_FILES) {
        entry.li.dataset.state = "error";
        entry.done = true;
        bindText(entry.state, "chat.files.too_many", { max: MAX_MESSAGE_FILES });
        continue;
      }
      upload(entry, file);
    }
  });

  return {
    element: h("div", { class: "chat-files-tray" }, input, list),
    button,
    busy: () => rows.some((r) => !r.done),
    ready: () => rows.filter((r) => r.file && r.li.dataset.state === "done").map((r) => r.file),
    clear() {
      rows = [];
      list.replaceChildren();
    },
  };
}

function keyOf(message) {
  return message.client_id ? `${message.side}:${message.client_id}` : `id:${message.id}`;
}

function messageItem(message, mySide, download) {
  const mine = message.side === mySide;
  const li = h("li", { class: `chat-message chat-message--${message.side}${mine ? " chat-message--mine" : ""}` });
  li.append(
    h("p", { class: "chat-message__meta" },
      h("span", { class: "chat-message__author", text: message.author_name ?? "" }),
      h("span", { class: "chat-message__time", dataset: { time: "" } })));
  if (message.text) li.append(h("p", { class: "chat-message__text", text: message.text }));
  const files = message.attachments ?? [];
  if (files.length && download) {
    // Each file a button that asks for a short-lived address when pressed, as a ticket's files.
    const place = `chat-${message.id ?? message.client_id}`;
    li.append(translated(h("ul", { class: "chat-message__files", dataset: { i18nAttr: "aria-label:chat.files.sent" } },
      ...files.map((file) => h("li", { class: "file", dataset: { fileId: file.id } },
        downloadControl(file, `${place}-${file.id}`, () => download(file.id)))))));
  }
  li.append(bindText(h("span", { class: "chat-message__pending", dataset: { pendingNote: "" } }), "chat.sending"));
  return li;
}

function updateItem(li, message) {
  li.classList.toggle("chat-message--pending", Boolean(message.pending));
  li.querySelector("[data-pending-note]").hidden = !message.pending;
  const time = li.querySelector("[data-time]");
  time.textContent = message.at ? formatDateTime(message.at) : "";
  if (message.id) li.dataset.id = message.id;
}

/**
 * Shows `messages` in `list` (a role="log" element): an item per message, kept when it
 * was already there (a pending message becomes its stored self in place), new ones added
 * where they belong.
 */
export function renderMessages(list, messages, mySide, download = null) {
  const existing = new Map();
  for (const li of list.children) existing.set(li.dataset.key, li);
  const keep = new Set();
  messages.forEach((message, index) => {
    const key = keyOf(message);
    keep.add(key);
    let li = existing.get(key);
    if (!li) {
      li = messageItem(message, mySide, download);
      li.dataset.key = key;
    }
    updateItem(li, message);
    if (list.children[index] !== li) list.insertBefore(li, list.children[index] ?? null);
  });
  for (const [key, li] of existing) if (!keep.has(key)) li.remove();
}
