// A customer's card (#/customers/<id>): its details and contact people, its sites and
// service objects (searchable here), all its contact orders with their total hours
// ("Alla kontaktordrar kopplade till en kund visas när du gått in på kunden"; a user who
// sees only assigned orders sees only those, and no totals), its tickets, and at the
// bottom "Add": a contact order for the customer, one of its sites or service objects
// (seed 001's "Alternativ 2"), filled in from it.

import { api } from "../../api.js";
import { h } from "../../dom.js";
import { bindText, formatDate, translate } from "../../i18n.js";
import { allPages } from "../../reference-data.js";
import { can, currentUser } from "../../session.js";
import { statusPill, ticketPath } from "../../ticket-format.js";
import { facts, fill, showLoadError } from "../networks/common.js";
import { hoursText, newOrderPath, orderPath, orderStatus, rightsOf } from "./common.js";

function section(id, titleKey, ...children) {
  return h("section", { class: "card co-section", id, "aria-labelledby": `${id}-title` },
    bindText(h("h2", { id: `${id}-title`, tabindex: "-1" }), titleKey), ...children);
}

/** Whether a site or service object matches the card's search (name, serial, address). */
export function matchesSearch(item, text) {
  const wanted = String(text ?? "").trim().toLowerCase();
  if (!wanted) return true;
  const haystack = [item.name, item.serial_number, item.address?.street, item.address?.city]
    .filter(Boolean).join(" ").toLowerCase();
  return haystack.includes(wanted);
}

export default function customer(container, app, path, params, args) {
  const user = currentUser();
  const rights = rightsOf(user);
  const customerId = args.id;
  const title = bindText(h("h1", { id: "customer-title", tabindex: "-1" }), "crm.customer.title");
  const alert = h("div", { class: "form-error", role: "alert" });
  const body = h("div", { class: "co-customer" });
  container.replaceChildren(h("section", { dataset: { screen: "customer" }, "aria-labelledby": "customer-title" },
    h("p", { class: "crumbs" }, bindText(h("a", { href: "#/customers" }), "modules.customers.title")),
    title, alert, body));
  let alive = true;

  function addLink(query, key, id) {
    return rights.create
      ? bindText(h("a", { class: "button button--secondary button--small", href: `#${newOrderPath(query)}`, id }), key)
      : null;
  }

  function registerList(id, items, render) {
    const list = h("ul", { class: "co-register-list", id });
    const show = (text) => fill(list, items.filter((i) => matchesSearch(i, text)).map(render),
      items.some((i) => matchesSearch(i, text)) ? null : bindText(h("li", { class: "muted" }), "crm.customer.none"));
    show("");
    return { list, show };
  }

  async function load() {
    let org;
    let contacts;
    let sites;
    let objects;
    let orders;
    let tickets = null;
    try {
      [org, contacts, sites, objects, orders] = await Promise.all([
        api.get(`/organizations/${encodeURIComponent(customerId)}`),
        allPages(`/organizations/${encodeURIComponent(customerId)}/contacts`, { max: 5 }),
        allPages(`/organizations/${encodeURIComponent(customerId)}/sites`, { max: 5 }),
        allPages(`/organizations/${encodeURIComponent(customerId)}/service-objects`, { max: 5 }),
        rights.view ? api.get(`/organizations/${encodeURIComponent(customerId)}/contact-orders?limit=100`) : null,
      ]);
      if (can(user, "tickets.view")) {
        tickets = await api.get(`/tickets?organization_id=${encodeURIComponent(customerId)}&limit=20`).catch(() => null);
      }
    } catch (error) {
      if (!alive) return;
      showLoadError(alert, error);
      return;
    }
    if (!alive) return;
    title.removeAttribute("data-i18n");
    title.textContent = org.name;
    const siteName = new Map(sites.map((s) => [s.id, s.name]));

    const sitesPart = registerList("customer-sites", sites, (s) => h("li", { dataset: { site: s.name } },
      h("strong", {}, s.name),
      s.address ? h("span", { class: "muted" }, ` · ${[s.address.street, s.address.postal_code, s.address.city].filter(Boolean).join(" ")}`) : null,
      s.map_url ? [" · ", bindText(h("a", { href: s.map_url, target: "_blank", rel: "noopener noreferrer" }), "crm.order.map_open")] : null,
      " ", addLink({ customer_id: org.id, site_id: s.id }, "crm.customer.new_order_here", null)));
    const objectsPart = registerList("customer-objects", objects, (o) => h("li", { dataset: { object: o.name } },
      h("strong", {}, o.name),
      o.serial_number ? h("span", { class: "muted" }, ` · ${o.serial_number}`) : null,
      o.site_id && siteName.has(o.site_id) ? h("span", { class: "muted" }, ` · ${siteName.get(o.site_id)}`) : null,
      " ", addLink({ customer_id: org.id, service_object_id: o.id }, "crm.customer.new_order_here", null)));
    const search = h("input", { id: "customer-register-q", type: "search", autocomplete: "off", maxlength: "100" });
    search.addEventListener("input", () => {
      sitesPart.show(search.value);
      objectsPart.show(search.value);
    });

    const orderItems = orders?.items ?? [];
    const ordersPart = rights.view ? section("customer-orders", "crm.customer.orders",
      orders.total_hours !== null && orders.total_hours !== undefined
        ? bindText(h("p", { class: "co-total", id: "customer-total" }), "crm.customer.totals",
          { count: orders.order_count ?? orderItems.length, hours: hoursText(orders.total_hours) })
        : null,
      orderItems.length
        ? h("ul", { class: "ticket-list", id: "customer-order-list" }, orderItems.map((o) => h("li", {
          class: `ticket-row${o.closed ? " co-row--closed" : ""}`, dataset: { order: o.id } },
        h("div", { class: "ticket-row__main" },
          h("a", { class: "ticket-row__link", href: `#${orderPath(o.id)}` },
            h("span", { class: "ticket-row__number" }, o.number), " ", h("span", { class: "ticket-row__subject" }, o.subject)),
          h("p", { class: "ticket-row__meta muted" }, o.planned_date ? formatDate(o.planned_date) : "", o.planned_date ? " · " : "",
            bindText(h("span"), "crm.order.note_hours", { hours: hoursText(o.total_hours) }))),
        h("div", { class: "ticket-row__side" }, orderStatus(o)))))
        : bindText(h("p", { class: "muted" }), "crm.customer.no_orders")) : null;
    const ticketsPart = tickets ? section("customer-tickets", "crm.customer.tickets",
      (tickets.items ?? []).length
        ? h("ul", { class: "ticket-list", id: "customer-ticket-list" }, tickets.items.map((tk) => h("li", { class: "ticket-row" },
          h("div", { class: "ticket-row__main" },
            h("a", { class: "ticket-row__link", href: `#${ticketPath(tk.id)}` },
              h("span", { class: "ticket-row__number" }, tk.number ?? ""), " ", h("span", { class: "ticket-row__subject" }, tk.subject))),
          h("div", { class: "ticket-row__side" }, statusPill(tk.status)))))
        : bindText(h("p", { class: "muted" }), "crm.customer.no_tickets")) : null;

    const addMenu = h("div", { class: "co-add-menu", id: "customer-add-menu", hidden: true },
      h("ul", {},
        h("li", {}, addLink({ customer_id: org.id }, "crm.customer.new_order", "customer-new-order")),
        bindText(h("li", { class: "muted" }), "crm.customer.add_hint")));
    const addButton = bindText(h("button", { class: "button button--primary", type: "button", id: "customer-add",
      "aria-expanded": "false", "aria-controls": "customer-add-menu" }), "crm.customer.add");
    addButton.addEventListener("click", () => {
      addMenu.hidden = !addMenu.hidden;
      addButton.setAttribute("aria-expanded", String(!addMenu.hidden));
      if (!addMenu.hidden) addMenu.querySelector("a")?.focus();
    });

    fill(body,
      section("customer-details", "crm.customer.details", facts([
        ["crm.customer.number", org.customer_number ?? "–", "customer_number"],
        ["crm.customer.kind", bindText(h("span"), `crm.org_kind.${org.kind}`), "kind"],
        ["crm.customer.contacts", contacts.length ? contacts.map((c) => [c.name, c.email, c.phone].filter(Boolean).join(" · ")).join("; ") : "–", "contacts"],
      ])),
      ordersPart,
      section("customer-register", "crm.customer.register",
        h("div", { class: "field" }, bindText(h("label", { for: "customer-register-q" }), "crm.customer.register_search"), search),
        bindText(h("h3", {}), "crm.customer.sites"), sitesPart.list,
        bindText(h("h3", {}), "crm.customer.objects"), objectsPart.list),
      ticketsPart,
      rights.create ? h("div", { class: "co-add" }, addButton, addMenu) : null);
    translate(body);
  }

  load();
  return { cleanup: () => { alive = false; } };
}
