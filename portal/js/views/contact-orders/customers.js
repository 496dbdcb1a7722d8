// The registers (#/customers, seed 001's "Register"): customers, sites and service objects,
// each found by the start of its name (the register and the search live in the address:
// ?register=sites&q=…). A customer leads to its card; a site or service object names its
// customer (a link to the card) and offers a new contact order made from it.

import { api } from "../../api.js";
import { h } from "../../dom.js";
import { onBusySubmit } from "../../forms.js";
import { bindText } from "../../i18n.js";
import { currentUser } from "../../session.js";
import { fill, showLoadError } from "../networks/common.js";
import { customerPath, newOrderPath, rightsOf } from "./common.js";

// register -> the API's list and the texts of its search
export const REGISTERS = {
  customers: { path: "/organizations" },
  sites: { path: "/sites" },
  objects: { path: "/service-objects" },
};

/** The register and search from the address; an unknown register is the customers'. */
export function registerFrom(params) {
  const register = String(params.get("register") ?? "");
  return {
    register: register in REGISTERS ? register : "customers",
    q: String(params.get("q") ?? "").slice(0, 100),
  };
}

/** The address of a register's search (the customers' without its name). */
export function registerAddress({ register, q }) {
  const query = new URLSearchParams();
  if (register !== "customers") query.set("register", register);
  if (q) query.set("q", q);
  const text = query.toString();
  return `/customers${text ? `?${text}` : ""}`;
}

export default function registers(container, app, path, params) {
  const rights = rightsOf(currentUser());
  const { register } = registerFrom(params);
  let { q } = registerFrom(params);
  const tabs = h("nav", { class: "tabs", "aria-labelledby": "customers-title" });
  const label = h("label", { for: "customer-q" });
  const form = h("form", { class: "filters card", role: "search", id: "customer-search", novalidate: true },
    h("div", { class: "field filters__field filters__search" },
      label,
      h("div", { class: "filters__row" },
        h("input", { id: "customer-q", name: "q", type: "search", maxlength: "100", autocomplete: "off", value: q, "aria-describedby": "customer-q-hint" }),
        bindText(h("button", { class: "button button--secondary", type: "submit", id: "customer-search-submit" }), "crm.form.search")),
      bindText(h("p", { class: "field__hint", id: "customer-q-hint" }), "crm.registers.search_hint")));
  const info = h("p", { class: "muted list-status", role: "status" });
  const alert = h("div", { class: "form-error", role: "alert" });
  const list = h("ul", { class: "ticket-list", id: "register-list" });
  const more = h("form", { class: "list-more", hidden: true },
    bindText(h("button", { class: "button button--secondary", type: "submit", id: "customers-more", dataset: { busyI18n: "common.loading" } }), "tickets.more"));
  container.replaceChildren(h("section", { class: "co-customers", dataset: { screen: "customers" }, "aria-labelledby": "customers-title" },
    bindText(h("h1", { id: "customers-title", tabindex: "-1" }), "modules.customers.title"),
    bindText(h("p", { class: "lead" }), "crm.registers.intro"),
    tabs, form, alert, info, list, more));
  let alive = true;
  let rows = [];
  let cursor = null;
  let seq = 0;

  function showTabs() {
    fill(tabs, Object.keys(REGISTERS).map((name) => bindText(h("a", {
      class: "tabs__tab", href: `#${registerAddress({ register: name, q: "" })}`, id: `register-${name}`,
      "aria-current": name === register ? "page" : null }), `crm.registers.${name}`)));
    bindText(label, `crm.registers.search_${register}`);
  }

  function customerOf(item) {
    return item.organization_name
      ? h("a", { href: `#${customerPath(item.organization_id)}`, class: "co-customer-link" }, item.organization_name)
      : "";
  }

  function newOrder(query) {
    return rights.create
      ? bindText(h("a", { class: "button button--secondary button--small", href: `#${newOrderPath(query)}` }), "crm.customer.new_order_here")
      : null;
  }

  const ROWS = {
    customers: (o) => h("li", { class: "ticket-row", dataset: { customerRow: o.id } },
      h("div", { class: "ticket-row__main" },
        h("a", { class: "ticket-row__link", href: `#${customerPath(o.id)}` },
          o.customer_number ? h("span", { class: "ticket-row__number" }, o.customer_number) : null, " ",
          h("span", { class: "ticket-row__subject" }, o.name)),
        bindText(h("p", { class: "ticket-row__meta muted" }), `crm.org_kind.${o.kind}`))),
    sites: (s) => h("li", { class: "ticket-row", dataset: { siteRow: s.id } },
      h("div", { class: "ticket-row__main" },
        h("strong", {}, s.name),
        h("p", { class: "ticket-row__meta muted" }, customerOf(s),
          s.address ? h("span", {}, [s.address.street, s.address.postal_code, s.address.city].filter(Boolean).join(" ")) : null)),
      h("div", { class: "ticket-row__side" }, newOrder({ customer_id: s.organization_id, site_id: s.id }))),
    objects: (o) => h("li", { class: "ticket-row", dataset: { objectRow: o.id } },
      h("div", { class: "ticket-row__main" },
        h("strong", {}, o.name),
        h("p", { class: "ticket-row__meta muted" }, customerOf(o), o.serial_number ? h("span", {}, o.serial_number) : null)),
      h("div", { class: "ticket-row__side" }, newOrder({ customer_id: o.organization_id, service_object_id: o.id }))),
  };

  async function run(next = false) {
    const mine = ++seq;
    if (!next) {
      rows = [];
      cursor = null;
    }
    alert.replaceChildren();
    history.replaceState(history.state, "", `#${registerAddress({ register, q })}`);
    const query = new URLSearchParams();
    if (q) query.set("q", q);
    query.set("limit", "50");
    if (next && cursor) query.set("cursor", cursor);
    try {
      const page = await api.get(`${REGISTERS[register].path}?${query}`);
      if (!alive || mine !== seq) return;
      rows = [...rows, ...(page.items ?? [])];
      cursor = page.next_cursor ?? null;
      fill(list, rows.map(ROWS[register]));
      bindText(info, `crm.registers.count_${register}`, { count: rows.length });
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
  showTabs();
  run();
  return { cleanup: () => { alive = false; clearTimeout(timer); } };
}
