// Staff's chat screen (#/chat, module "chat", for chat.answer; issue 18 item 5): the
// waiting chats (oldest first), one's own open chats (several at once), colleagues'
// chats; take a chat, answer it (canned answers from the tenant's ticket templates in
// the customer's language), see the customer's recent tickets beside it, hand it to a
// colleague, end it into a new ticket or onto one of those tickets. While the screen is
// open a presence socket keeps the agent counted as online and hears of every new
// waiting chat: a visual alert (a counter in the page title and a banner, until the chats
// it announced are taken), no sound.

import { api } from "../api.js";
import { $, h } from "../dom.js";
import { errorKey } from "../forms.js";
import { bindText, formatDateTime, language, t, translate } from "../i18n.js";
import { currentUser } from "../session.js";
import { staffUsers } from "../reference-data.js";
import { chatRoutes, Conversation, fileTray, renderMessages, Socket, wireComposer } from "../chat/conversation.js";
import { readFrame, TYPING_SHOWN_MS } from "../chat/logic.js";

const QUEUE_REFRESH_MS = 15_000; // colleagues taking chats is not pushed: the lists are read again
const RECENT_TICKETS = 5;

/** A template's text in `lang` (its translation when it has one, else its own). */
export function templateText(template, lang) {
  const text = template?.translations?.[lang];
  return { name: text?.name ?? template?.name ?? "", body: text?.body ?? template?.body ?? "" };
}

/** The recent tickets' query for a chat's customer: theirs (a user), none for a visitor. */
export function recentTicketsPath(customer, limit = RECENT_TICKETS) {
  if (customer?.kind !== "user" || !customer.user_id) return null;
  return `/tickets?requester=${encodeURIComponent(customer.user_id)}&limit=${limit}`;
}

/** The page title's prefix: "(2) " when two chats wait, nothing when none. */
export function alertPrefix(waiting) {
  return waiting > 0 ? `(${waiting > 99 ? "99+" : waiting}) ` : "";
}

export default function chatQueue(container) {
  const me = currentUser();
  const state = {
    waiting: [], mine: [], others: [], selected: null, chats: new Map(), templates: [], stopped: false,
    seenWaiting: new Set(), newWaiting: 0,
  };
  const alert = h("p", { class: "chat-desk__alert", id: "chat-alert", role: "status" });
  const lists = {
    waiting: h("ul", { class: "chat-desk__list", id: "chat-waiting" }),
    mine: h("ul", { class: "chat-desk__list", id: "chat-mine" }),
    others: h("ul", { class: "chat-desk__list", id: "chat-others" }),
  };
  const counts = { waiting: h("span", { class: "badge badge--inline" }) };
  const loadError = h("div", { class: "form-error", role: "alert" });
  const pane = h("div", { class: "chat-desk__pane", id: "chat-pane" });
  const screen = h("section", { class: "chat-desk", "aria-labelledby": "chat-desk-title", dataset: { screen: "chat" } },
    bindText(h("h1", { id: "chat-desk-title", tabindex: "-1" }), "chat.desk.title"),
    alert, loadError,
    h("div", { class: "chat-desk__grid" },
      h("div", { class: "chat-desk__queue" },
        h("section", { class: "card", "aria-labelledby": "chat-waiting-title" },
          h("h2", { id: "chat-waiting-title" }, bindText(h("span"), "chat.desk.waiting"), " ", counts.waiting),
          lists.waiting),
        h("section", { class: "card", "aria-labelledby": "chat-mine-title" },
          bindText(h("h2", { id: "chat-mine-title" }), "chat.desk.mine"), lists.mine),
        h("section", { class: "card", "aria-labelledby": "chat-others-title" },
          bindText(h("h2", { id: "chat-others-title" }), "chat.desk.others"), lists.others)),
      pane));
  container.replaceChildren(screen);

  const baseTitle = () => document.title.replace(/^\(\d+\+?\) /, "");
  function showAlert() {
    document.title = alertPrefix(state.newWaiting) + baseTitle();
    if (state.newWaiting) bindText(alert, "chat.desk.alert", { count: state.newWaiting });
    else {
      alert.replaceChildren();
      delete alert.dataset.i18n;
    }
    alert.classList.toggle("chat-desk__alert--on", state.newWaiting > 0);
  }

  // --- the lists ---------------------------------------------------------------------------

  function customerLabel(session) {
    const c = session.customer ?? {};
    return `${c.name ?? ""}${c.kind === "visitor" ? ` (${t("chat.desk.visitor")})` : ""}`;
  }

  let shownLists = "";
  function renderLists() {
    // Unchanged lists stay as they are: a button is never replaced under the pointer.
    const shown = JSON.stringify([state.selected, language(),
      ...["waiting", "mine", "others"].map((name) => state[name].map((s) => [s.id, s.agent_name, s.customer?.name])),
      state.mine.map((s) => state.chats.get(s.id)?.unread ?? 0)]);
    if (shown === shownLists) return;
    shownLists = shown;
    bindText(counts.waiting, "chat.desk.count", { count: state.waiting.length });
    counts.waiting.hidden = !state.waiting.length;
    lists.waiting.replaceChildren(...(state.waiting.length ? state.waiting.map((s) => h("li", { class: "chat-desk__item", dataset: { session: s.id } },
      h("span", { class: "chat-desk__who", text: customerLabel(s) }),
      h("span", { class: "muted", text: formatDateTime(s.created_at) }),
      bindText(h("button", { class: "button button--small", type: "button", dataset: { take: s.id },
        on: { click: (event) => take(s, event.currentTarget) } }), "chat.desk.take", { name: s.customer?.name ?? "" })))
      : [bindText(h("li", { class: "muted" }), "chat.desk.none_waiting")]));
    lists.mine.replaceChildren(...(state.mine.length ? state.mine.map((s) => {
      const chat = state.chats.get(s.id);
      return h("li", { class: "chat-desk__item" },
        h("button", { class: `chat-desk__open${state.selected === s.id ? " chat-desk__open--current" : ""}`, type: "button",
          "aria-pressed": String(state.selected === s.id), dataset: { open: s.id }, on: { click: () => select(s.id) } },
        h("span", { text: customerLabel(s) }),
        chat?.unread ? h("span", { class: "badge badge--inline", text: String(chat.unread) }) : null));
    }) : [bindText(h("li", { class: "muted" }), "chat.desk.none_mine")]));
    lists.others.replaceChildren(...(state.others.length ? state.others.map((s) => h("li", { class: "chat-desk__item" },
      h("span", { text: customerLabel(s) }),
      bindText(h("span", { class: "muted" }), "chat.desk.answered_by", { name: s.agent_name ?? "" })))
      : [bindText(h("li", { class: "muted" }), "chat.desk.none_others")]));
  }

  async function refresh() {
    const asked = Date.now(); // a chat taken after this is not in these lists yet
    try {
      const [waiting, active, mine] = await Promise.all([
        api.get("/chat/sessions?state=waiting&limit=50"),
        api.get("/chat/sessions?state=active&limit=50"),
        api.get("/chat/sessions?mine=true&limit=50"),
      ]);
      if (state.stopped) return;
      state.waiting = waiting?.items ?? [];
      state.mine = mine?.items ?? [];
      const mineIds = new Set(state.mine.map((s) => s.id));
      state.others = (active?.items ?? []).filter((s) => !mineIds.has(s.id));
      // A chat waiting no more (taken, ended) leaves the alert.
      const stillWaiting = new Set(state.waiting.map((s) => s.id));
      for (const id of state.seenWaiting) if (!stillWaiting.has(id)) state.seenWaiting.delete(id);
      // The alert counts the chats announced while this screen was open that still wait.
      state.newWaiting = state.seenWaiting.size;
      for (const session of state.mine) ensureChat(session);
      for (const id of [...state.chats.keys()]) {
        const chat = state.chats.get(id);
        if (!mineIds.has(id) && !chat.conversation.ended && chat.since < asked) dropChat(id);
      }
      loadError.replaceChildren();
      renderLists();
      showAlert();
      if (!state.selected && state.mine.length) select(state.mine[0].id, { focus: false });
    } catch (error) {
      if (!state.stopped) bindText(loadError, errorKey(error));
    }
  }

  // --- presence: online while the screen is open, told of new waiting chats -----------------

  const presence = new Socket({
    grant: () => api.post("/chat/presence", {}),
    onFrame: (text) => {
      const event = readFrame(text, null);
      if (event?.kind !== "waiting") return;
      state.seenWaiting.add(event.session.id);
      state.newWaiting = state.seenWaiting.size;
      showAlert();
      refresh();
    },
  });
  presence.open();

  // --- one's chats ---------------------------------------------------------------------------

  function ensureChat(session, grant = null) {
    if (state.chats.has(session.id)) {
      state.chats.get(session.id).session = session;
      return state.chats.get(session.id);
    }
    const chat = { session, unread: 0, tickets: null, conversation: null, ticketId: null, since: Date.now() };
    chat.conversation = new Conversation({
      id: session.id, routes: chatRoutes(session.id), side: "agent", me: me.name,
      onChange: () => {
        if (state.selected === session.id) renderLive(chat);
        else {
          const theirs = chat.conversation.messages.filter((m) => m.side === "customer").length;
          if (chat.seen !== undefined && theirs > chat.seen) {
            chat.unread += theirs - chat.seen;
            renderLists();
          }
          chat.seen = theirs;
        }
      },
      onEnded: (ticketId) => {
        chat.ticketId = ticketId;
        if (state.selected === session.id) renderPane();
        refresh();
      },
    });
    state.chats.set(session.id, chat);
    chat.conversation.start(grant);
    return chat;
  }

  function dropChat(id) {
    state.chats.get(id)?.conversation.stop();
    state.chats.delete(id);
    if (state.selected === id) {
      state.selected = null;
      renderPane();
    }
  }

  async function take(session, button) {
    button.disabled = true;
    try {
      const answer = await api.post(`/chat/sessions/${encodeURIComponent(session.id)}/join`, {});
      state.seenWaiting.delete(session.id);
      state.newWaiting = state.seenWaiting.size;
      ensureChat(answer.session, { ws_url: answer.ws_url, ws_token: answer.ws_token });
      state.mine = [...state.mine.filter((s) => s.id !== answer.session.id), answer.session];
      state.waiting = state.waiting.filter((s) => s.id !== session.id);
      renderLists();
      showAlert();
      select(answer.session.id);
    } catch (error) {
      button.disabled = false;
      bindText(loadError, errorKey(error, { 409: "chat.desk.taken" }));
      refresh();
    }
  }

  function select(id, { focus = true } = {}) {
    state.selected = id;
    const chat = state.chats.get(id);
    if (chat) {
      chat.unread = 0;
      chat.seen = chat.conversation.messages.filter((m) => m.side === "customer").length;
    }
    renderLists();
    renderPane();
    if (focus) $("#chat-agent-text", pane)?.focus();
  }

  // --- the selected conversation --------------------------------------------------------------

  function renderPane() {
    const chat = state.chats.get(state.selected);
    if (!chat) {
      pane.replaceChildren(bindText(h("p", { class: "muted chat-desk__empty" }), "chat.desk.pick"));
      return;
    }
    const customer = chat.session.customer ?? {};
    const log = h("ol", { class: "chat-log", id: "chat-agent-log", role: "log", "aria-live": "polite", "aria-labelledby": "chat-pane-title" });
    const head = h("header", { class: "chat-desk__head" },
      h("h2", { id: "chat-pane-title", tabindex: "-1", text: customer.name ?? "" }),
      h("p", { class: "muted" }, h("span", { text: customer.email ?? "" }), " · ",
        bindText(h("span"), customer.kind === "visitor" ? "chat.desk.visitor_unverified" : "chat.desk.portal_user")));
    if (chat.conversation.ended) {
      pane.replaceChildren(h("div", { class: "card chat-desk__conversation" }, head, log,
        h("div", { class: "chat-done", role: "status", id: "chat-agent-ended" },
          bindText(h("p", { class: "chat-done__title" }), "chat.ended.title"),
          chat.ticketId
            ? h("p", {}, bindText(h("a", { href: `#/tickets/${encodeURIComponent(chat.ticketId)}`, id: "chat-agent-ticket" }), "chat.desk.open_ticket"))
            : bindText(h("p"), "chat.ended.nothing")),
        bindText(h("button", { class: "button button--secondary", type: "button", id: "chat-agent-close",
          on: { click: () => dropChat(chat.session.id) } }), "chat.desk.close")));
      renderMessages(log, chat.conversation.messages.filter((m) => !m.pending), "agent",
        (fileId) => chat.conversation.download(fileId));
      translate(pane);
      return;
    }
    const text = h("textarea", { id: "chat-agent-text", name: "text", rows: "3", maxlength: "2000",
      "aria-describedby": "chat-agent-hint chat-agent-error" });
    const tray = fileTray("chat-agent", () => chat.conversation);
    const composer = h("form", { class: "chat-composer", id: "chat-agent-composer", novalidate: true },
      bindText(h("label", { for: "chat-agent-text", class: "visually-hidden" }), "chat.message"),
      text,
      bindText(h("p", { class: "field__hint", id: "chat-agent-hint" }), "chat.enter_hint"),
      h("p", { class: "field__error", id: "chat-agent-error" }),
      tray.element,
      h("div", { class: "chat-composer__actions" },
        cannedPicker(chat, text),
        tray.button,
        bindText(h("button", { class: "button button--primary", type: "submit", id: "chat-agent-send" }), "chat.send")));
    wireComposer(composer, text, $("#chat-agent-error", composer), () => chat.conversation, tray);
    const tickets = h("aside", { class: "card chat-desk__tickets", "aria-labelledby": "chat-tickets-title" },
      bindText(h("h3", { id: "chat-tickets-title" }), "chat.desk.recent"),
      h("ul", { class: "chat-desk__list", id: "chat-recent" }));
    pane.replaceChildren(h("div", { class: "chat-desk__work" },
      h("div", { class: "card chat-desk__conversation" }, head,
        h("p", { class: "chat-live__connection", dataset: { connection: "" }, role: "status" }),
        log,
        h("p", { class: "chat-live__typing", dataset: { typing: "" } }),
        composer,
        actions(chat)),
      tickets));
    translate(pane);
    renderLive(chat);
    loadTickets(chat, tickets);
  }

  function renderLive(chat) {
    const log = $("#chat-agent-log", pane);
    if (!log || chat.conversation.ended) return;
    renderMessages(log, chat.conversation.messages, "agent", (fileId) => chat.conversation.download(fileId));
    log.scrollTop = log.scrollHeight;
    const connection = $("[data-connection]", pane);
    if (chat.conversation.connection === "reconnecting") bindText(connection, "chat.reconnecting");
    else connection.replaceChildren();
    const typing = $("[data-typing]", pane);
    const them = chat.conversation.typing;
    if (them && Date.now() - them.at < TYPING_SHOWN_MS) {
      bindText(typing, "chat.typing", { name: them.name || chat.session.customer?.name || "" });
      clearTimeout(state.typingTimer);
      state.typingTimer = setTimeout(() => renderLive(chat), TYPING_SHOWN_MS);
    } else typing.replaceChildren();
  }

  function cannedPicker(chat, text) {
    const lang = chat.session.customer?.language ?? language();
    const picker = h("select", { id: "chat-canned", "aria-label": t("chat.desk.canned") },
      h("option", { value: "", text: t("chat.desk.canned") }),
      state.templates.map((template, index) => h("option", { value: String(index), text: templateText(template, lang).name })));
    picker.dataset.i18nAttr = "aria-label:chat.desk.canned";
    picker.addEventListener("change", () => {
      const template = state.templates[Number(picker.value)];
      if (picker.value && template) {
        // Into the box, not sent: the agent reads it through first.
        const body = templateText(template, lang).body;
        text.value = text.value.trim() ? `${text.value.trimEnd()}\n${body}` : body;
        text.focus();
      }
      picker.value = "";
    });
    picker.hidden = !state.templates.length;
    return picker;
  }

  function actions(chat) {
    const error = h("div", { class: "form-error", role: "alert", id: "chat-agent-action-error" });
    const colleague = h("select", { id: "chat-transfer-to", name: "to_user_id" });
    staffUsers().then((users) => {
      colleague.replaceChildren(h("option", { value: "", text: t("chat.desk.transfer_pick") }),
        ...users.filter((u) => u.id !== me.id).map((u) => h("option", { value: u.id, text: u.name })));
    }).catch(() => {});
    const target = h("select", { id: "chat-end-into", name: "ticket_id" },
      h("option", { value: "", text: t("chat.desk.end_new_ticket") }));
    chat.endTarget = target;
    const run = async (button, work) => {
      button.disabled = true;
      error.replaceChildren();
      try {
        await work();
      } catch (failure) {
        bindText(error, errorKey(failure));
      } finally {
        button.disabled = false;
      }
    };
    const transferButton = bindText(h("button", { class: "button button--secondary", type: "button", id: "chat-transfer" }), "chat.desk.transfer");
    transferButton.addEventListener("click", () => run(transferButton, async () => {
      if (!colleague.value) {
        bindText(error, "chat.desk.transfer_pick");
        return;
      }
      await api.post(`/chat/sessions/${encodeURIComponent(chat.session.id)}/transfer`, { to_user_id: colleague.value });
      dropChat(chat.session.id);
      await refresh();
    }));
    const endButton = bindText(h("button", { class: "button", type: "button", id: "chat-agent-end" }), "chat.end");
    endButton.addEventListener("click", () => run(endButton, async () => {
      const body = target.value ? { ticket_id: target.value } : {};
      const answer = await chat.conversation.routes.end(body);
      chat.conversation.finish(answer.ticket_id ?? null);
    }));
    return h("div", { class: "chat-desk__actions" }, error,
      h("div", { class: "chat-desk__action" },
        bindText(h("label", { for: "chat-transfer-to" }), "chat.desk.transfer_to"), colleague, transferButton),
      h("div", { class: "chat-desk__action" },
        bindText(h("label", { for: "chat-end-into" }), "chat.desk.end_into"), target, endButton));
  }

  async function loadTickets(chat, aside) {
    const list = $("#chat-recent", aside);
    const path = recentTicketsPath(chat.session.customer);
    if (!path) {
      list.replaceChildren(bindText(h("li", { class: "muted" }), "chat.desk.no_tickets_visitor"));
      return;
    }
    try {
      chat.tickets ??= (await api.get(path))?.items ?? [];
    } catch (error) {
      list.replaceChildren(bindText(h("li", { class: "form-error" }), errorKey(error)));
      return;
    }
    if (!aside.isConnected) return;
    list.replaceChildren(...(chat.tickets.length ? chat.tickets.map((ticket) => h("li", { class: "chat-desk__ticket" },
      h("a", { href: `#/tickets/${encodeURIComponent(ticket.id)}`, text: `${ticket.number ?? ""} ${ticket.subject ?? ""}`.trim() }),
      h("span", { class: "muted", text: t(`ticket_status.${ticket.status}`) })))
      : [bindText(h("li", { class: "muted" }), "chat.desk.no_tickets")]));
    chat.endTarget?.append(...chat.tickets.map((ticket) => h("option", { value: ticket.id,
      text: t("chat.desk.end_onto", { ticket: `${ticket.number ?? ""} ${ticket.subject ?? ""}`.trim() }) })));
  }

  // --- start and stop -----------------------------------------------------------------------------

  api.get("/templates").then((answer) => {
    state.templates = (answer?.items ?? []).filter((tpl) => tpl.active !== false);
    if (state.selected) {
      const shown = $("#chat-canned", pane);
      const text = $("#chat-agent-text", pane);
      const chat = state.chats.get(state.selected);
      if (shown && text && chat) shown.replaceWith(cannedPicker(chat, text));
    }
  }).catch(() => {}); // no canned answers: the chat works without them
  renderLists();
  renderPane();
  refresh();
  const timer = setInterval(refresh, QUEUE_REFRESH_MS);
  return {
    focus: null,
    cleanup() {
      state.stopped = true;
      clearInterval(timer);
      clearTimeout(state.typingTimer);
      presence.stop();
      for (const chat of state.chats.values()) chat.conversation.stop();
      state.newWaiting = 0;
      document.title = baseTitle();
    },
  };
}
