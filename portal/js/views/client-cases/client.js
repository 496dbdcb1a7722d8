// The client's side (#/firm-cases, seed 003's "Byråärenden"): the cases the accounting
// firm sent to this contact (or to all of their organisation, for its contact admin),
// GET /tickets?direction=outbound, each with its due date and state; a case opens in the
// ticket page, where the contact answers, uploads files and marks it done.

import { api } from "../../api.js";
import { h } from "../../dom.js";
import { errorKey, onBusySubmit } from "../../forms.js";
import { bindText, onLanguageChange } from "../../i18n.js";
import { refreshTimes, statusPill, ticketPath, timeEl } from "../../ticket-format.js";
import { caseStatePill, dueText } from "./common.js";
import { moreForm } from "./parts.js";

function caseRow(ticket) {
  const link = h("a", { class: "ticket-row__link", href: `#${ticketPath(ticket.id)}` },
    h("span", { class: "ticket-row__number", text: ticket.number ?? "" }), " ",
    h("span", { class: "ticket-row__subject", text: ticket.subject ?? "" }));
  const due = dueText(ticket);
  const meta = h("p", { class: "ticket-row__meta" }, caseStatePill(ticket), " ", statusPill(ticket.status),
    due ? [" ", h("span", { class: "meta", dataset: { meta: "due" } },
      bindText(h("span"), "client_cases.client.due"), " ", h("strong", { text: due }))] : null,
    ticket.period ? [" ", h("span", { class: "meta", dataset: { meta: "period" } },
      bindText(h("span"), "client_cases.client.period"), " ", ticket.period)] : null);
  const side = h("p", { class: "ticket-row__side" },
    h("span", { class: "meta" }, bindText(h("span"), "tickets.last_activity"), " ", timeEl(ticket.updated_at ?? ticket.created_at)));
  return h("li", { class: "ticket-row cc-case-row", dataset: { ticketId: ticket.id } },
    h("div", { class: "ticket-row__main" }, link, meta), side);
}

export default function firmCases(container) {
  const list = h("ul", { class: "ticket-list", id: "firm-cases-list" });
  const status = bindText(h("p", { class: "muted list-status", role: "status" }), "common.loading");
  const failure = h("div", { class: "form-error", role: "alert" });
  const more = moreForm("firm-cases-more");
  container.replaceChildren(h("section", { class: "tickets cc-client", dataset: { screen: "firm-cases" }, "aria-labelledby": "firm-cases-title" },
    bindText(h("h1", { id: "firm-cases-title", tabindex: "-1" }), "modules.firm_cases.title"),
    bindText(h("p", { class: "lead" }), "client_cases.client.intro"),
    failure, status, list, more));
  let items = [];
  let cursor = null;
  let alive = true;

  function draw() {
    list.replaceChildren(...items.map(caseRow));
    bindText(status, items.length ? (cursor ? "tickets.count_more" : "tickets.count") : "client_cases.client.none",
      { count: items.length });
    more.hidden = !cursor;
  }

  async function load() {
    failure.replaceChildren();
    try {
      const page = await api.get(`/tickets?direction=outbound&limit=25${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      if (!alive) return;
      items = [...items, ...(page.items ?? [])];
      cursor = page.next_cursor ?? null;
      draw();
    } catch (error) {
      if (!alive) return;
      status.replaceChildren();
      failure.replaceChildren(bindText(h("p"), errorKey(error)), error.detail ? h("p", { text: error.detail }) : null);
    }
  }

  onBusySubmit(more, load);
  load();
  const stopLanguage = onLanguageChange(() => {
    draw();
    refreshTimes(list);
  });
  return { cleanup: () => { alive = false; stopLanguage(); } };
}
