// The head of the home page (issue 23, item 4): what awaits the signed-in user, from
// GET /home. A customer sees the resolutions to test with "Tested OK" / "Not OK" at hand,
// the questions waiting for their answer, then their other open tickets; an agent sees
// the queue in numbers, each a link into the filtered queue.

import { api, idempotencyKey } from "../api.js";
import { h } from "../dom.js";
import { FormError, onSubmit } from "../forms.js";
import { bindText, formatDate, formatNumber, language } from "../i18n.js";
import { can, currentUser } from "../session.js";
import { statusPill, ticketPath, timeEl } from "../ticket-format.js";
import { articleHash, helpPath } from "./help.js";
import { homeTrend } from "./reports/home-trend.js";

/** The agent's numbers in their order: [key, count field, the queue's address]. */
export const QUEUE_TILES = [
  ["mine", "mine", "#/tickets?assignee=me"],
  ["unassigned", "unassigned", "#/tickets?assignee=none"],
  ["past_sla", "past_sla", "#/tickets?assignee=me"],
  ["near_sla", "near_sla", "#/tickets?assignee=me"],
  ["waiting_on_customer", "waiting_on_customer", "#/tickets?assignee=me&status=waiting_on_customer"],
];

/** A count as shown: "100+" when the API read only the first page of a list. */
export function countText(count, capped) {
  return capped && count >= 100 ? `${formatNumber(count)}+` : formatNumber(count);
}

function ticketLink(ticket) {
  return h("a", { href: `#${ticketPath(ticket.id)}` },
    h("span", { class: "ticket-number", text: ticket.number }), " ", ticket.subject);
}

function approvalRow(ticket, onAnswered) {
  const approve = h("form", { class: "inline-form", dataset: { approve: ticket.id } },
    bindText(h("button", { type: "submit", class: "button button--primary" }), "ticket.approval.approve"));
  const reason = h("textarea", { name: "reason", rows: "2", maxlength: "4000", required: "",
    id: `home-reason-${ticket.id}` });
  const reject = h("form", { class: "home-work__reject", id: `home-reject-${ticket.id}`, hidden: "",
    dataset: { reject: ticket.id } },
    bindText(h("label", { for: reason.id }), "answer.reason"), reason,
    bindText(h("button", { type: "submit", class: "button" }), "ticket.approval.reject_submit"));
  const toggle = bindText(h("button", { type: "button", class: "button",
    "aria-expanded": "false", "aria-controls": `home-reject-${ticket.id}` }), "ticket.approval.reject");
  toggle.addEventListener("click", () => {
    reject.hidden = !reject.hidden;
    toggle.setAttribute("aria-expanded", String(!reject.hidden));
    if (!reject.hidden) reason.focus();
  });
  const headers = () => ({ headers: { "Idempotency-Key": idempotencyKey() } });
  onSubmit(approve, async () => {
    await api.post(`${ticketPath(ticket.id)}/approve`, {}, headers());
    await onAnswered("approve");
  }, { context: "answer" });
  onSubmit(reject, async ({ reason: text }) => {
    if (!text.trim()) throw new FormError({ reason: "answer.errors.reason" });
    await api.post(`${ticketPath(ticket.id)}/reject`, { reason: text }, headers());
    await onAnswered("reject");
  }, { context: "answer" });
  const due = ticket.approval_due_at
    ? h("p", { class: "muted" }, bindText(h("span"), "ticket.approval.due"), " ", timeEl(ticket.approval_due_at))
    : null;
  return h("li", { class: "home-work__item", dataset: { ticket: ticket.id } },
    ticketLink(ticket), due, h("div", { class: "home-work__actions" }, approve, toggle), reject);
}

function section(key, rows) {
  const id = `home-work-${key}`;
  return h("section", { class: "home-work__section", "aria-labelledby": id, dataset: { section: key } },
    bindText(h("h3", { id }), `home.work.${key}`), h("ul", { class: "home-work__list" }, ...rows));
}

/** A customer's sections; an empty one is left out, and all empty says so. */
export function renderCustomerWork(el, work, reload) {
  // The list is read again (the answered ticket leaves it), then the outcome shown above it.
  const answered = async (kind) => {
    await reload();
    if (el.isConnected) {
      el.prepend(bindText(h("p", { class: "notice", role: "status", dataset: { answered: kind } }),
        `answer.${kind}.done.title`));
    }
  };
  const parts = [];
  if (work.awaiting_approval.length) {
    parts.push(section("awaiting_approval", work.awaiting_approval.map((t) => approvalRow(t, answered))));
  }
  if (work.awaiting_answer.length) {
    parts.push(section("awaiting_answer", work.awaiting_answer.map((t) =>
      h("li", { class: "home-work__item" }, ticketLink(t), " ",
        bindText(h("a", { href: `#${ticketPath(t.id)}`, class: "button" }), "home.work.answer")))));
  }
  if (work.firm_cases?.length) {
    // Cases from the firm (issue 19): what the client's firm asks of them, soonest due first.
    parts.push(section("firm_cases", work.firm_cases.map((c) =>
      h("li", { class: "home-work__item", dataset: { case: c.id } }, ticketLink(c),
        c.due_date ? h("p", { class: "muted" }, bindText(h("span"), "home.work.due"), " ",
          h("time", { datetime: c.due_date, text: formatDate(c.due_date) })) : null))));
  }
  if (work.other_open.length) {
    parts.push(section("other_open", work.other_open.map((t) =>
      h("li", { class: "home-work__item" }, ticketLink(t), " ", statusPill(t.status)))));
  }
  if (!parts.length) parts.push(bindText(h("p", { class: "muted" }), "home.work.nothing"));
  el.replaceChildren(...parts);
  helpSuggestions(el);
}

/** The help center's most read articles, under a customer's work (issue 17's help center). */
async function helpSuggestions(el) {
  const user = currentUser();
  if (!user?.tenant) return;
  try {
    const answer = await api.get(helpPath(user.tenant, "popular", language(), { limit: "5" }), { auth: false });
    if (!el.isConnected || !answer.items?.length) return;
    el.append(h("section", { class: "home-work__section", "aria-labelledby": "home-work-help", dataset: { section: "help" } },
      bindText(h("h3", { id: "home-work-help" }), "home.work.help"),
      h("ul", { class: "home-work__list" }, ...answer.items.map((a) =>
        h("li", { class: "home-work__item" }, h("a", { href: articleHash(user.tenant, a.slug), text: a.title })))),
      h("p", {}, bindText(h("a", { href: `#/help?tenant=${encodeURIComponent(user.tenant)}` }), "home.work.help_all"))));
  } catch {
    // The work above stands without the suggestions.
  }
}

/** An agent's to-do (contact orders' bookings and assigned orders): a tile into #/todo. */
async function todoTile(list) {
  if (!can(currentUser(), "contact_orders.view")) return;
  try {
    const page = await api.get("/todo?limit=100");
    if (!list.isConnected) return;
    const count = page.items?.length ?? 0;
    list.append(h("li", { class: "home-work__tile" },
      h("a", { href: "#/todo", dataset: { tile: "todo" } },
        h("span", { class: "home-work__count", text: countText(count, Boolean(page.next_cursor)) }),
        bindText(h("span", { class: "home-work__label" }), "home.work.todo"))));
  } catch {
    // The queue's numbers stand without it.
  }
}

/** An agent's numbers, each a link into the queue. */
export function renderQueue(el, queue) {
  const tiles = h("ul", { class: "home-work__tiles" }, ...QUEUE_TILES.map(([key, field, href]) =>
    h("li", { class: `home-work__tile${key === "past_sla" && queue[field] ? " home-work__tile--alert" : ""}` },
      h("a", { href, dataset: { tile: key } },
        h("span", { class: "home-work__count", text: countText(queue[field], queue.capped) }),
        bindText(h("span", { class: "home-work__label" }), `home.work.${key}`)))));
  el.replaceChildren(tiles);
  todoTile(tiles);
}

/** Fills `el` from GET /home; an agent's to-do and the help center link follow it. */
export async function loadWork(el) {
  bindText(el, "common.loading");
  try {
    const home = await api.get("/home");
    if (!el.isConnected) return;
    if (home.work) renderCustomerWork(el, home.work, () => loadWork(el));
    else if (home.queue) {
      renderQueue(el, home.queue);
      // Today's volumes and the 30 days' trend (reports.view), outside the live region.
      const trend = homeTrend();
      if (trend) el.after(trend);
    }
    else el.replaceChildren();
  } catch {
    if (el.isConnected) bindText(el, "home.work.failed");
  }
}
