// A case from the accounting firm on the ticket page (seed 003, issue 19): where it is
// listed (the client's "Cases from your firm", the firm's outbound queue), its due date,
// period and recipients among the facts, and the recipients' "Mark done" (POST
// /tickets/{id}/done, shown when the API says can_mark_done).

import { api, idempotencyKey } from "../../api.js";
import { $, h } from "../../dom.js";
import { onSubmit } from "../../forms.js";
import { bindText } from "../../i18n.js";
import { ticketPath, timeEl } from "../../ticket-format.js";
import { caseStatePill, dueText } from "../client-cases/common.js";

export function isOutbound(ticket) {
  return ticket?.direction === "outbound";
}

/** Whether the API lets this user mark the case done (a flat ability, or under `abilities`). */
export function mayMarkDone(ticket) {
  if (!isOutbound(ticket)) return false;
  const said = ticket.can_mark_done ?? ticket.abilities?.can_mark_done;
  return said === true && !ticket.done_at;
}

/** The back link of an outbound case: the client's list, or the firm's queue. */
export function backOf(ticket, staff) {
  if (!isOutbound(ticket)) return null;
  return staff ? { href: "#/client-cases?tab=queue", key: "client_cases.queue.back" }
    : { href: "#/firm-cases", key: "client_cases.client.back" };
}

/**
 * The menu entry an outbound case belongs to is marked current once the case is read
 * (the router, before reading, marks the ticket list's).
 */
export function markMenu(ticket, staff) {
  if (!isOutbound(ticket)) return;
  const path = staff ? "/client-cases" : "/firm-cases";
  const links = document.querySelectorAll(".mainnav__link");
  if (![...links].some((link) => link.dataset.path === path)) return;
  for (const link of links) {
    if (link.dataset.path === path) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

function fact(key, ...value) {
  return h("div", { dataset: { fact: key.split(".").pop() } }, bindText(h("dt"), key), h("dd", {}, ...value));
}

/** The outbound case's facts, for the facts list beside the thread. */
export function outboundFacts(ticket) {
  if (!isOutbound(ticket)) return [];
  const rows = [fact("client_cases.case.state", caseStatePill(ticket))];
  const due = dueText(ticket);
  if (due) rows.push(fact("client_cases.case.due_date", h("strong", { text: due })));
  if (ticket.period) rows.push(fact("client_cases.case.period", ticket.period));
  if ((ticket.recipient_names ?? []).length) rows.push(fact("client_cases.case.recipients", ticket.recipient_names.join(", ")));
  if (ticket.done_at) {
    rows.push(fact("client_cases.case.done", timeEl(ticket.done_at),
      ticket.done_by_name ? ` · ${ticket.done_by_name}` : ""));
  }
  return rows;
}

/**
 * The "Mark done" card at the top of the page's main column. After the click the API's
 * ticket goes to `ticketChanged(ticket)`, the page is read again with `reload()` and
 * `done()` says so. Returns {render(ticket)}.
 */
export function doneSection(screen, { ticketId, ticketChanged, reload, done }) {
  const form = h("form", { class: "form", id: "done-form", novalidate: true },
    h("div", { class: "form-error", role: "alert", dataset: { formError: "" } }),
    bindText(h("button", { class: "button button--primary", type: "submit", id: "done-submit",
      dataset: { busyI18n: "common.saving" } }), "client_cases.case.mark_done"));
  const card = h("section", { class: "card cc-done", id: "done-card", hidden: true, "aria-labelledby": "done-title" },
    bindText(h("h2", { id: "done-title", tabindex: "-1" }), "client_cases.case.done_title"),
    bindText(h("p", { class: "lead" }), "client_cases.case.done_intro"),
    form);
  $(".ticket__main", screen).prepend(card);

  onSubmit(form, async () => {
    ticketChanged(await api.post(`${ticketPath(ticketId)}/done`, {}, { headers: { "Idempotency-Key": idempotencyKey() } }));
    card.hidden = true;
    done();
    await reload();
  });

  return {
    render(ticket) {
      card.hidden = !mayMarkDone(ticket);
    },
  };
}
