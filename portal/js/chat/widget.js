// The customer's chat (issue 18, seed 004 "Chattfunktionen"): a button in the lower
// right corner of every page for a signed-in portal user, and of the public help
// center's pages for a visitor (who gives name and e-mail first). The button says
// whether someone answers now; outside that it offers to leave a message (a ticket).
// The open chat is remembered in this tab (sessionStorage: its id, tenant and a
// visitor's key), so a reload picks the conversation up again.

import { api, ApiError } from "../api.js";
import { $, h } from "../dom.js";
import { FormError, onSubmit } from "../forms.js";
import { bindText, language, translate } from "../i18n.js";
import { chatRoutes, Conversation, fileTray, renderMessages, wireComposer } from "./conversation.js";
import { cleanText, readStoredChat, STORAGE_KEY, TYPING_SHOWN_MS } from "./logic.js";

const AVAILABILITY_EVERY_MS = 60_000;

function remember(chat) {
  try {
    if (chat) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(chat));
    else sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // storage disabled: the chat lasts as long as the page
  }
}

function stored(owner) {
  try {
    return readStoredChat(sessionStorage.getItem(STORAGE_KEY), owner);
  } catch {
    return null;
  }
}

function field(id, name, key, control) {
  control.id = id;
  control.name = name;
  control.setAttribute("aria-describedby", `${id}-error`);
  return h("div", { class: "field" },
    bindText(h("label", { for: id }), key),
    control,
    h("p", { class: "field__error", id: `${id}-error`, dataset: { fieldError: name } }));
}

function submit(id, key, busyKey = "common.sending") {
  return bindText(h("button", { class: "button button--primary button--block", type: "submit", id, dataset: { busyI18n: busyKey } }), key);
}

class ChatWidget {
  constructor() {
    this.user = null; // the signed-in portal user, or null (a visitor)
    this.tenant = null;
    this.availability = null;
    this.availabilityAt = 0;
    this.conversation = null;
    this.chat = null; // {id, tenant, key, owner}
    this.phase = "start"; // start | chat | ended | left
    this.ticketId = null;
    this.agentName = "";
    this.leftTicket = null;
    this.unread = 0; // the other side's messages while the panel was closed
    this.root = h("div", { class: "chat-widget", id: "chat-widget", hidden: true });
    this.launcher = h("button", { class: "chat-launcher", id: "chat-launcher", type: "button", "aria-expanded": "false",
      "aria-controls": "chat-panel", on: { click: () => this.toggle() } },
    h("span", { class: "chat-launcher__dot", "aria-hidden": "true" }),
    bindText(h("span", { class: "chat-launcher__label" }), "chat.button"),
    h("span", { class: "chat-launcher__status", dataset: { launcherStatus: "" } }));
    this.title = bindText(h("h2", { id: "chat-panel-title", tabindex: "-1" }), "chat.title");
    this.body = h("div", { class: "chat-panel__body" });
    this.panel = h("section", { class: "chat-panel", id: "chat-panel", "aria-labelledby": "chat-panel-title", hidden: true },
      h("header", { class: "chat-panel__head" }, this.title,
        bindText(h("button", { class: "button button--secondary button--small", type: "button", id: "chat-minimise",
          on: { click: () => this.toggle(false) } }), "chat.minimise")),
      this.body);
    this.panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.toggle(false);
    });
    this.root.append(this.panel, this.launcher);
    document.body.append(this.root);
  }

  /**
   * Called after every page change and sign-in/out: who the customer is (a portal
   * user, a visitor on the help center of `helpTenant`, or nobody: staff, or a
   * signed-out page without a tenant).
   */
  update({ user, helpTenant }) {
    const portalUser = user && user.kind !== "staff" ? user : null;
    const owner = portalUser?.id ?? null;
    if (this.chat && this.chat.owner !== owner) this.reset(false); // another person at this tab
    if (user?.kind === "staff") {
      this.hide();
      return;
    }
    this.user = portalUser;
    const resumed = this.chat ? null : stored(owner);
    const tenant = portalUser?.tenant ?? resumed?.tenant ?? this.chat?.tenant ?? helpTenant ?? null;
    if (!tenant) {
      this.hide();
      return;
    }
    this.tenant = tenant;
    this.root.hidden = false;
    if (resumed) this.resume(resumed);
    else if (!this.chat) this.refreshAvailability();
    this.showLauncher();
  }

  hide() {
    this.root.hidden = true;
    this.panel.hidden = true;
    this.launcher.setAttribute("aria-expanded", "false");
  }

  toggle(open = this.panel.hidden) {
    this.panel.hidden = !open;
    this.launcher.setAttribute("aria-expanded", String(open));
    if (open) {
      if (this.phase === "start" && !this.chat) this.refreshAvailability(true);
      this.render();
      const first = this.body.querySelector("input, textarea");
      (first ?? this.title).focus();
      this.unread = 0;
      this.showLauncher();
    } else if (this.panel.contains(document.activeElement)) {
      this.launcher.focus(); // closed from inside (Escape, "Minimise"): back to the button
    }
  }

  refreshAvailability(force = false) {
    if (!force && Date.now() - this.availabilityAt < AVAILABILITY_EVERY_MS && this.availability) return;
    this.availabilityAt = Date.now();
    const tenant = this.tenant;
    api.get(`/chat/${encodeURIComponent(tenant)}/availability`, { auth: false })
      .then((answer) => {
        if (tenant !== this.tenant) return;
        this.availability = answer;
        this.showLauncher();
        if (this.phase === "start" && !this.panel.hidden && !this.body.contains(document.activeElement)) this.render();
      })
      .catch(() => {
        this.availability = null; // unknown: the button still opens; starting tells the truth
        this.showLauncher();
      });
  }

  showLauncher() {
    const status = this.launcher.querySelector("[data-launcher-status]");
    let key;
    if (this.chat && this.phase === "chat") key = this.unread ? "chat.status.unread" : "chat.status.open_chat";
    else if (!this.availability) key = "chat.status.unknown";
    else key = this.availability.available ? "chat.status.available" : "chat.status.leave_message";
    bindText(status, key, this.unread ? { count: this.unread } : undefined);
    this.launcher.dataset.available = String(Boolean(this.chat || this.availability?.available));
  }

  // --- starting, resuming, ending -------------------------------------------------------

  async start(values) {
    const body = this.user ? { language: language() }
      : { tenant: this.tenant, name: String(values.name ?? "").trim(), email: String(values.email ?? "").trim(), language: language() };
    if (!this.user) {
      const errors = {};
      if (!body.name) errors.name = "chat.errors.name";
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(body.email)) errors.email = "errors.field.email";
      if (Object.keys(errors).length) throw new FormError(errors);
    }
    let answer;
    try {
      answer = await api.post("/chat/sessions", body, { auth: Boolean(this.user) });
    } catch (error) {
      if (error instanceof ApiError && error.status === 422) {
        // Nobody answers after all: offer the message form instead.
        this.availability = { available: false, reason: error.extra?.reason ?? "no_one_online" };
        this.showLauncher();
        this.render();
        return;
      }
      throw error;
    }
    this.chat = { id: answer.id, tenant: this.tenant, key: answer.key ?? null, owner: this.user?.id ?? null,
      name: this.user ? this.user.name : body.name };
    remember(this.chat);
    this.open(answer);
  }

  resume(chat) {
    this.chat = chat;
    this.open(null);
  }

  open(grant) {
    this.phase = "chat";
    this.ticketId = null;
    this.agentName = "";
    this.unread = 0;
    const me = this.user?.name ?? this.chat.name ?? "";
    this.conversation = new Conversation({
      id: this.chat.id,
      routes: chatRoutes(this.chat.id, this.chat.key),
      side: "customer",
      me,
      onChange: () => this.changed(),
      onJoined: (event) => {
        this.agentName = event.agentName;
        this.render();
      },
      onEnded: (ticketId) => this.ended(ticketId),
    });
    this.conversation.start(grant);
    // Who answers (a reload while the chat is on): the session knows.
    this.conversation.routes.session().then((session) => {
      if (session.agent_name) this.agentName = session.agent_name;
      if (session.state === "ended") this.conversation.finish(session.ticket_id ?? null);
      else this.render();
    }).catch((error) => {
      if (error instanceof ApiError && [401, 403, 404].includes(error.status)) this.reset(true); // the key expired
    });
    this.render();
    if (!this.panel.hidden) $("#chat-text", this.body)?.focus();
  }

  changed() {
    if (this.panel.hidden && this.conversation) {
      const theirs = this.conversation.messages.filter((m) => m.side !== "customer" && !m.pending).length;
      if (this.seenTheirs !== undefined && theirs > this.seenTheirs) this.unread = (this.unread ?? 0) + (theirs - this.seenTheirs);
      this.seenTheirs = theirs;
      this.showLauncher();
    } else if (this.conversation) {
      this.seenTheirs = this.conversation.messages.filter((m) => m.side !== "customer" && !m.pending).length;
    }
    this.renderLive();
  }

  ended(ticketId) {
    this.phase = "ended";
    this.ticketId = ticketId;
    remember(null);
    this.render();
    this.showLauncher();
  }

  /** Forgets the chat (after its end, or a key no longer accepted) and shows the start. */
  reset(render = true) {
    this.conversation?.stop();
    this.conversation = null;
    this.chat = null;
    this.phase = "start";
    this.ticketId = null;
    this.leftTicket = null;
    this.unread = 0;
    this.seenTheirs = undefined;
    remember(null);
    if (render) {
      this.refreshAvailability(true);
      this.render();
      this.showLauncher();
    }
  }

  // --- rendering --------------------------------------------------------------------------

  render() {
    if (this.panel.hidden) return;
    let content;
    if (this.phase === "chat") content = this.chatView();
    else if (this.phase === "ended") content = this.endedView();
    else if (this.leftTicket) content = this.leftView();
    else if (this.availability && !this.availability.available) content = this.leaveView();
    else content = this.startView();
    this.body.replaceChildren(content);
    translate(this.body);
    if (this.phase === "chat") this.renderLive();
  }

  visitorFields(prefix) {
    if (this.user) return [];
    return [
      field(`${prefix}-name`, "name", "chat.name", h("input", { type: "text", autocomplete: "name", maxlength: "100" })),
      field(`${prefix}-email`, "email", "fields.email", h("input", { type: "email", autocomplete: "email", inputmode: "email",
        autocapitalize: "none", spellcheck: "false" })),
    ];
  }

  startView() {
    const form = h("form", { class: "form chat-start", id: "chat-start", novalidate: true },
      bindText(h("p", { class: "lead" }), this.user ? "chat.start.intro_user" : "chat.start.intro_visitor"),
      h("div", { class: "form-error", role: "alert", dataset: { formError: "" } }),
      ...this.visitorFields("chat-start"),
      submit("chat-start-submit", "chat.start.submit", "chat.start.busy"));
    onSubmit(form, (values) => this.start(values));
    return form;
  }

  leaveView() {
    const reason = this.availability?.reason ?? "no_one_online";
    const form = h("form", { class: "form chat-leave", id: "chat-leave", novalidate: true },
      bindText(h("p", { class: "lead" }), `chat.unavailable.${["outside_hours", "disabled"].includes(reason) ? reason : "no_one_online"}`),
      h("div", { class: "form-error", role: "alert", dataset: { formError: "" } }),
      ...this.visitorFields("chat-leave"),
      field("chat-leave-text", "text", "chat.leave.text", h("textarea", { rows: "4", maxlength: "2000" })),
      submit("chat-leave-submit", "chat.leave.submit"));
    onSubmit(form, async (values) => {
      const text = cleanText(values.text);
      const errors = {};
      if (!text) errors.text = "chat.errors.text";
      const body = { text, language: language() };
      if (!this.user) {
        body.name = String(values.name ?? "").trim();
        body.email = String(values.email ?? "").trim();
        if (!body.name) errors.name = "chat.errors.name";
        if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(body.email)) errors.email = "errors.field.email";
      }
      if (Object.keys(errors).length) throw new FormError(errors);
      const answer = await api.post(`/chat/${encodeURIComponent(this.tenant)}/messages`, body, { auth: Boolean(this.user) });
      this.leftTicket = answer.ticket_id;
      this.render();
      this.title.focus();
    });
    return form;
  }

  leftView() {
    return h("div", { class: "chat-done", role: "status" },
      bindText(h("p"), this.user ? "chat.leave.done_user" : "chat.leave.done_visitor"),
      this.ticketLink(this.leftTicket));
  }

  ticketLink(ticketId) {
    if (!ticketId) return null;
    if (this.user) {
      const link = bindText(h("a", { href: `#/tickets/${encodeURIComponent(ticketId)}`, id: "chat-ticket-link" }), "chat.ended.open_ticket");
      // The ticket's number, which the customer's e-mail and ticket list show too.
      api.get(`/tickets/${encodeURIComponent(ticketId)}`)
        .then((ticket) => ticket?.number && bindText(link, "chat.ended.open_ticket_number", { number: ticket.number }))
        .catch(() => {}); // the link works without its number
      return h("p", {}, link);
    }
    return bindText(h("p", { class: "muted", id: "chat-ticket-ref" }), "chat.ended.reference", { id: ticketId });
  }

  chatView() {
    const text = h("textarea", { id: "chat-text", name: "text", rows: "2", maxlength: "2000", "aria-describedby": "chat-text-hint chat-text-error" });
    const form = h("form", { class: "chat-composer", id: "chat-composer", novalidate: true },
      bindText(h("label", { for: "chat-text", class: "visually-hidden" }), "chat.message"),
      text,
      bindText(h("p", { class: "field__hint", id: "chat-text-hint" }), "chat.enter_hint"),
      h("p", { class: "field__error", id: "chat-text-error", dataset: { fieldError: "text" } }),
      h("div", { class: "chat-composer__actions" },
        bindText(h("button", { class: "button button--primary", type: "submit", id: "chat-send" }), "chat.send"),
        bindText(h("button", { class: "button button--secondary", type: "button", id: "chat-end",
          on: { click: (event) => this.end(event.currentTarget) } }), "chat.end")));
    const tray = fileTray("chat", () => this.conversation);
    form.querySelector(".chat-composer__actions").prepend(tray.button);
    form.insertBefore(tray.element, form.querySelector(".chat-composer__actions"));
    wireComposer(form, text, form.querySelector("[data-field-error]"), () => this.conversation, tray);
    return h("div", { class: "chat-live" },
      h("p", { class: "chat-live__who", dataset: { who: "" }, role: "status" }),
      h("p", { class: "chat-live__connection", dataset: { connection: "" }, role: "status" }),
      h("ol", { class: "chat-log", id: "chat-log", role: "log", "aria-live": "polite", "aria-labelledby": "chat-panel-title" }),
      h("p", { class: "chat-live__typing", dataset: { typing: "" } }),
      form);
  }

  /** The parts of the chat view that change while it is open (no focus lost). */
  renderLive() {
    if (this.panel.hidden || this.phase !== "chat" || !this.conversation) return;
    const log = $("#chat-log", this.body);
    if (!log) return;
    renderMessages(log, this.conversation.messages, "customer", (fileId) => this.conversation.download(fileId));
    log.scrollTop = log.scrollHeight;
    const who = $("[data-who]", this.body);
    const whoKey = this.agentName ? "chat.joined" : "chat.waiting";
    if (who.dataset.i18n !== whoKey || who.dataset.i18nArgs !== JSON.stringify({ name: this.agentName })) {
      bindText(who, whoKey, { name: this.agentName });
    }
    const connection = $("[data-connection]", this.body);
    const state = this.conversation.connection;
    if (state === "reconnecting") bindText(connection, "chat.reconnecting");
    else {
      connection.replaceChildren();
      delete connection.dataset.i18n;
    }
    const typing = $("[data-typing]", this.body);
    const them = this.conversation.typing;
    if (them && Date.now() - them.at < TYPING_SHOWN_MS) {
      bindText(typing, "chat.typing", { name: them.name || this.agentName });
      clearTimeout(this.typingTimer);
      this.typingTimer = setTimeout(() => this.renderLive(), TYPING_SHOWN_MS);
    } else {
      typing.replaceChildren();
      delete typing.dataset.i18n;
    }
  }

  async end(button) {
    if (!this.conversation || button.disabled) return;
    button.disabled = true;
    try {
      const answer = await this.conversation.routes.end({});
      this.conversation.finish(answer.ticket_id ?? null);
    } catch (error) {
      button.disabled = false;
      const note = $("[data-connection]", this.body);
      if (note) bindText(note, error instanceof ApiError && error.status === 0 ? "errors.network" : "errors.unexpected");
    }
  }

  endedView() {
    const messages = this.conversation?.messages ?? [];
    const log = h("ol", { class: "chat-log chat-log--ended", id: "chat-log", "aria-labelledby": "chat-panel-title" });
    renderMessages(log, messages.filter((m) => !m.pending), "customer", (fileId) => this.conversation?.download(fileId));
    const saved = this.ticketId ? (this.user ? "chat.ended.saved_user" : "chat.ended.saved_visitor") : "chat.ended.nothing";
    return h("div", { class: "chat-ended" },
      log,
      h("div", { class: "chat-done", role: "status", id: "chat-ended" },
        bindText(h("p", { class: "chat-done__title" }), "chat.ended.title"),
        bindText(h("p"), saved),
        this.ticketLink(this.ticketId)),
      bindText(h("button", { class: "button button--secondary button--block", type: "button", id: "chat-new",
        on: { click: () => {
          this.reset(true);
          this.title.focus();
        } } }), "chat.ended.new"));
  }
}

let widget = null;

/** The one widget of the page, made on first use. */
export function chatWidget() {
  widget ??= new ChatWidget();
  return widget;
}
