// The customer register (#/customers): customers found by the start of their name (the
// search lives in the address), each leading to its card.

import { api } from "../../api.js";
import { h } from "../../dom.js";
import { onBusySubmit } from "../../forms.js";
import { bindText } from "../../i18n.js";
import { fill, showLoadError } from "../networks/common.js";
import { customerPath } from "./common.js";

export default function customers(container, app, path, params) {
  let q = String(params.get("q") ?? "").slice(0, 100);
  const form = h("form", { class: "filters card", role: "search", id: "customer-search", novalidate: true },
    h("div", { class: "field filters__field filters__search" },
      bindText(h("label", { for: "customer-q" }), "crm.registers.search"),
      h("div", { class: "filters__row" },
        h("input", { id: "customer-q", name: "q", type: "search", maxlength: "100", autocomplete: "off", value: q, "aria-describedby": "customer-q-hint" }),
        bindText(h("button", { class: "button button--secondary", type: "submit", id: "customer-search-submit" }), "crm.form.search")),
      bindText(h("p", { class: "field__hint", id: "customer-q-hint" }), "crm.registers.search_hint")));
  const info = h("p", { class: "muted list-status", role: "status" });
  const alert = h("div", { class: "form-error", role: "alert" });
  const list = h("ul", { class: "ticket-list", id: "customer-list" });
  const more = h("form", { class: "list-more", hidden: true },
    bindText(h("button", { class: "button button--secondary", type: "submit", id: "customers-more", dataset: { busyI18n: "common.loading" } }), "tickets.more"));
  container.replaceChildren(h("section", { class: "co-customers", dataset: { screen: "customers" }, "aria-labelledby": "customers-title" },
    bindText(h("h1", { id: "customers-title", tabindex: "-1" }), "modules.customers.title"),
    bindText(h("p", { class: "lead" }), "crm.registers.intro"),
    form, alert, info, list, more));
  let alive = true;
  let rows = [];
  let cursor = null;
  let seq = 0;

  async function run(next = false) {
    const mine = ++seq;
    if (!next) {
      rows = [];
      cursor = null;
    }
    alert.replaceChildren();
    const query = new URLSearchParams();
    if (q) query.set("q", q);
    history.replaceState(history.state, "", `#/customers${q ? `?${query}` : ""}`);
    query.set("limit", "50");
    if (next && cursor) query.set("cursor", cursor);
    try {
      const page = await api.get(`/organizations?${query}`);
      if (!alive || mine !== seq) return;
      rows = [...rows, ...(page.items ?? [])];
      cursor = page.next_cursor ?? null;
      fill(list, rows.map((o) => h("li", { class: "ticket-row", dataset: { customerRow: o.id } },
        h("div", { class: "ticket-row__main" },
          h("a", { class: "ticket-row__link", href: `#${customerPath(o.id)}` },
            o.customer_number ? h("span", { class: "ticket-row__number" }, o.customer_number) : null, " ",
            h("span", { class: "ticket-row__subject" }, o.name)),
          bindText(h("p", { class: "ticket-row__meta muted" }), `crm.org_kind.${o.kind}`)))));
      bindText(info, "crm.registers.count", { count: rows.length });
      more.hidden = !cursor;
    } catch (error) {
      if (alive && mine === seq) showLoadError(alert, error);
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    q = form.elements.q.value.trim();
    run();
  });
  let timer = null;
  form.elements.q.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      q = form.elements.q.value.trim();
      run();
    }, 300);
  });
  onBusySubmit(more, () => run(true));
  run();
  return { cleanup: () => { alive = false; clearTimeout(timer); } };
}
