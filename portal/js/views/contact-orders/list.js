// The contact-order list (#/contact-orders, seed 001): by planned date or number as the
// tenant sets, closed orders always last in the "done" dark blue (with a legend); the
// filter panel (assigned to me, dates, customer, status, open/closed) lives in the
// address, so back from an order finds it again; favourite filters ("Spara som
// favorit") are listed, applied in one click, renamed and deleted.

import { api, idempotencyKey } from "../../api.js";
import { h } from "../../dom.js";
import { clearErrors, errorKey, FormError, onBusySubmit, onSubmit, showErrors } from "../../forms.js";
import { bindText, formatDate, onLanguageChange, translate } from "../../i18n.js";
import { organizations, staffUsers, tenantSettings } from "../../reference-data.js";
import { currentUser } from "../../session.js";
import { fill, showLoadError } from "../networks/common.js";
import {
  customerLink, filterQuery, filtersFrom, filtersOfFavourite, hoursText, newOrderPath, orderPath,
  orderStatus, rightsOf, sameFilters, userName,
} from "./common.js";

function field(id, key, control, hint) {
  return h("div", { class: "field filters__field" },
    bindText(h("label", { for: id }), key), control, hint ?? null);
}

function option(value, text, selected, key) {
  const el = h("option", { value, selected: value === selected }, text);
  return key ? bindText(el, key) : el;
}

export default function contactOrders(container, app, path, params) {
  const user = currentUser();
  const rights = rightsOf(user);
  let filters = filtersFrom(params);
  const hasFilters = filterQuery(filters).toString() !== "";

  const toggle = h("button", { class: "button button--secondary", type: "button", id: "co-filter-toggle",
    "aria-expanded": String(hasFilters), "aria-controls": "co-filters" });
  bindText(toggle, "crm.list.filter");
  const panel = h("form", { class: "filters card co-filters", id: "co-filters", role: "search", novalidate: true,
    hidden: !hasFilters, "aria-label": "" });
  panel.dataset.i18nAttr = "aria-label:crm.list.filter";
  const favouritesList = h("ul", { class: "co-favourites", id: "co-favourites" });
  const favouritesError = h("div", { class: "form-error", role: "alert" });
  const info = h("p", { class: "muted list-status", role: "status" });
  const alert = h("div", { class: "form-error", role: "alert" });
  const body = h("tbody", { id: "co-rows" });
  const table = h("table", { class: "co-table", id: "co-table" },
    h("caption", { class: "visually-hidden" }, bindText(h("span"), "modules.contact_orders.title")),
    h("thead", {}, h("tr", {}, ["number", "subject", "customer", "site", "status", "planned_date", "assignee", "hours"]
      .map((name) => bindText(h("th", { scope: "col" }), `crm.fields.${name}`)))),
    body);
  const more = h("form", { class: "list-more", hidden: true },
    bindText(h("button", { class: "button button--secondary", type: "submit", id: "co-more", dataset: { busyI18n: "common.loading" } }),
      "tickets.more"));
  const legend = h("p", { class: "co-legend muted", id: "co-legend" },
    h("span", { class: "co-legend__swatch", "aria-hidden": "true" }), " ", bindText(h("span"), "crm.list.legend"));
  const sortNote = h("p", { class: "muted", id: "co-sort-note" });

  const actions = h("p", { class: "co-actions" },
    rights.create ? bindText(h("a", { class: "button button--primary", id: "co-new", href: `#${newOrderPath()}` }), "crm.list.new") : null,
    bindText(h("a", { class: "button button--secondary", href: "#/todo" }), "modules.todo.title"),
    rights.settings ? bindText(h("a", { class: "button button--secondary", id: "co-settings-link", href: "#/contact-orders/settings" }), "crm.settings.title") : null);
  const screen = h("section", { class: "co-list", dataset: { screen: "contact-orders" }, "aria-labelledby": "co-title" },
    bindText(h("h1", { id: "co-title", tabindex: "-1" }), "modules.contact_orders.title"),
    rights.assignedOnly ? bindText(h("p", { class: "notice", id: "co-assigned-only" }), "crm.list.assigned_only") : null,
    actions,
    h("section", { class: "co-favourites-box", "aria-labelledby": "co-favourites-title" },
      bindText(h("h2", { id: "co-favourites-title", tabindex: "-1" }), "crm.favourites.title"), favouritesList, favouritesError),
    h("div", { class: "co-filterbar" }, toggle), panel,
    alert, info, sortNote, legend, h("div", { class: "co-table-wrap" }, table), more);
  container.replaceChildren(screen);

  let alive = true;
  let rows = [];
  let cursor = null;
  let users = [];
  let customers = [];
  let settings = null;
  let favourites = [];

  toggle.addEventListener("click", () => {
    const open = panel.hidden;
    panel.hidden = !open;
    toggle.setAttribute("aria-expanded", String(open));
    if (open) panel.querySelector("input, select")?.focus();
  });

  function buildPanel() {
    const statuses = settings?.contact_order_statuses ?? [];
    fill(panel,
      h("div", { class: "field filters__field co-check" },
        h("label", { class: "check", for: "co-f-mine" },
          h("input", { type: "checkbox", id: "co-f-mine", name: "mine", checked: filters.assignee === "me" }),
          " ", bindText(h("span"), "crm.list.mine"))),
      field("co-f-from", "crm.list.from", h("input", { type: "date", id: "co-f-from", name: "from", value: filters.from })),
      field("co-f-to", "crm.list.to", h("input", { type: "date", id: "co-f-to", name: "to", value: filters.to,
        "aria-describedby": "co-f-to-error" }),
      h("p", { class: "field__error", id: "co-f-to-error", dataset: { fieldError: "to" } })),
      field("co-f-customer", "crm.fields.customer", h("select", { id: "co-f-customer", name: "customer_id" },
        option("", "", filters.customer_id, "crm.list.any_customer"),
        customers.map((c) => option(c.id, c.name, filters.customer_id)),
        // A customer from the address that the cached register does not hold yet (made just now).
        filters.customer_id && !customers.some((c) => c.id === filters.customer_id)
          ? option(filters.customer_id, filters.customer_id, filters.customer_id) : null)),
      field("co-f-status", "crm.fields.status", h("select", { id: "co-f-status", name: "status" },
        option("", "", filters.status, "crm.list.any_status"),
        [...new Set([...statuses, filters.status].filter(Boolean))].map((s) => option(s, s, filters.status)))),
      field("co-f-state", "crm.list.state", h("select", { id: "co-f-state", name: "state" },
        ["all", "open", "closed"].map((s) => option(s, "", filters.state, `crm.list.state_${s}`)))),
      field("co-f-sort", "crm.list.sort", h("select", { id: "co-f-sort", name: "sort" },
        option("", "", filters.sort, "crm.list.sort_default"),
        ["planned_date", "number"].map((s) => option(s, "", filters.sort, `crm.sort.${s}`)))),
      h("div", { class: "form-error", role: "alert", dataset: { formError: "" } }),
      h("div", { class: "co-filters__buttons" },
        bindText(h("button", { class: "button button--primary", type: "submit", id: "co-f-apply" }), "crm.list.apply"),
        bindText(h("button", { class: "button button--secondary", type: "button", id: "co-f-clear", on: { click: clear } }), "crm.list.clear")),
      h("div", { class: "co-filters__save" },
        h("div", { class: "field" },
          bindText(h("label", { for: "co-fav-name" }), "crm.favourites.name"),
          h("input", { id: "co-fav-name", name: "favourite_name", maxlength: "200", autocomplete: "off",
            "aria-describedby": "co-fav-name-error" }),
          h("p", { class: "field__error", id: "co-fav-name-error", dataset: { fieldError: "favourite_name" } })),
        bindText(h("button", { class: "button button--secondary", type: "button", id: "co-fav-save", on: { click: saveFavourite } }),
          "crm.favourites.save")));
    translate(panel);
  }

  function readPanel() {
    const form = panel.elements;
    return {
      assignee: form.mine.checked ? "me" : (filters.assignee === "none" ? "none" : ""),
      from: form.from.value,
      to: form.to.value,
      customer_id: form.customer_id.value,
      status: form.status.value,
      state: form.state.value,
      sort: form.sort.value,
    };
  }

  function showSortNote() {
    const sort = filters.sort || settings?.contact_order_sort || "planned_date";
    sortNote.dataset.sort = sort;
    bindText(sortNote, `crm.list.sorted_by_${sort}`);
  }

  function row(order) {
    const cells = [
      ["number", h("a", { href: `#${orderPath(order.id)}`, class: "co-number" }, order.number)],
      ["subject", h("a", { href: `#${orderPath(order.id)}`, class: "co-subject" }, order.subject)],
      ["customer", customerLink(order.customer)],
      ["site", order.site?.name ?? ""],
      ["status", orderStatus(order)],
      ["planned_date", order.planned_date ? formatDate(order.planned_date) : ""],
      ["assignee", userName(users, order.assignee_id)],
      ["hours", hoursText(order.total_hours)],
    ];
    return h("tr", { class: order.closed ? "co-row co-row--closed" : "co-row", dataset: { order: order.id, number: order.number } },
      cells.map(([name, value]) => h("td", { dataset: { col: name, label: "" } }, value)));
  }

  function labelCells() {
    // At 375 px each cell shows its column's name before the value (CSS reads data-label).
    for (const cell of body.querySelectorAll("td")) {
      cell.dataset.label = table.tHead.rows[0].cells[cell.cellIndex].textContent;
    }
  }

  let runSeq = 0;
  async function run(next = false) {
    const seq = ++runSeq;
    if (!next) {
      rows = [];
      cursor = null;
      bindText(info, "common.loading");
    }
    alert.replaceChildren();
    const query = filterQuery(filters);
    history.replaceState(history.state, "", `#/contact-orders${query.toString() ? `?${query}` : ""}`);
    query.set("limit", "50");
    if (next && cursor) query.set("cursor", cursor);
    body.parentElement.setAttribute("aria-busy", "true");
    try {
      const page = await api.get(`/contact-orders?${query}`);
      if (!alive || seq !== runSeq) return;
      rows = [...rows, ...(page.items ?? [])];
      cursor = page.next_cursor ?? null;
      body.replaceChildren(...rows.map(row));
      labelCells();
      bindText(info, "crm.list.count", { count: rows.length });
      more.hidden = !cursor;
      showFavourites();
    } catch (error) {
      if (!alive || seq !== runSeq) return;
      info.replaceChildren();
      if (error.status === 400) showFilterErrors(error);
      else showLoadError(alert, error);
    } finally {
      if (alive && seq === runSeq) body.parentElement.removeAttribute("aria-busy");
    }
  }

  function showFilterErrors(error) {
    panel.hidden = false;
    toggle.setAttribute("aria-expanded", "true");
    // The query's errors name "query.to"; the panel's field is "to".
    const fields = new Map([...error.fields].map(([name, messages]) => [name.replace(/^query\./, ""), messages]));
    error.fields = fields;
    showErrors(panel, error, { context: "crm.list" });
  }

  function clear() {
    filters = filtersFrom(new URLSearchParams());
    buildPanel();
    run();
  }

  onSubmit(panel, async () => {
    filters = readPanel();
    if (filters.from && filters.to && filters.to < filters.from) throw new FormError({ to: "crm.list.errors.to" });
    await run();
  });
  onBusySubmit(more, () => run(true));

  // --- favourites ---------------------------------------------------------------------

  function showFavourites() {
    fill(favouritesList,
      favourites.map((f) => {
        const current = sameFilters(filtersOfFavourite(f), filters);
        const apply = h("button", { class: "button button--small co-favourite__apply", type: "button",
          "aria-pressed": String(current), dataset: { favourite: f.id }, on: { click: () => applyFavourite(f) } }, f.name);
        const rename = bindText(h("button", { class: "button button--secondary button--small", type: "button",
          dataset: { rename: f.id }, on: { click: () => renameForm(f, li) } }), "crm.favourites.rename");
        const remove = bindText(h("button", { class: "button button--secondary button--small", type: "button",
          dataset: { remove: f.id }, on: { click: () => removeFavourite(f) } }), "crm.favourites.delete");
        rename.dataset.i18nAttr = "aria-label:crm.favourites.rename_named";
        rename.dataset.i18nArgs = JSON.stringify({ name: f.name });
        remove.dataset.i18nAttr = "aria-label:crm.favourites.delete_named";
        remove.dataset.i18nArgs = JSON.stringify({ name: f.name });
        translate(rename);
        translate(remove);
        const li = h("li", { class: "co-favourite", dataset: { favouriteItem: f.name } }, apply, " ", rename, " ", remove);
        return li;
      }),
      favourites.length ? null : bindText(h("li", { class: "muted" }), "crm.favourites.none"));
  }

  async function loadFavourites() {
    try {
      const answer = await api.get("/saved-filters?module=contact_orders");
      if (!alive) return;
      favourites = answer.items ?? [];
      showFavourites();
    } catch (error) {
      if (alive) showLoadError(favouritesError, error);
    }
  }

  function applyFavourite(favourite) {
    filters = filtersOfFavourite(favourite);
    buildPanel();
    run();
  }

  function savedQuery(f) {
    return Object.fromEntries(filterQuery(f));
  }

  async function saveFavourite() {
    const input = panel.elements.favourite_name;
    const name = input.value.trim();
    clearErrors(panel);
    if (!name) {
      showErrors(panel, new FormError({ favourite_name: "crm.favourites.name_needed" }));
      return;
    }
    try {
      filters = readPanel();
      await api.post("/saved-filters", { name, module: "contact_orders", query: savedQuery(filters) },
        { headers: { "Idempotency-Key": idempotencyKey() } });
      input.value = "";
      await loadFavourites();
      run();
    } catch (error) {
      if (error.fields?.has("name")) error.fields.set("favourite_name", error.fields.get("name"));
      showErrors(panel, error);
    }
  }

  function renameForm(favourite, li) {
    const id = `co-rename-${favourite.id}`;
    const form = h("form", { class: "co-rename", novalidate: true },
      bindText(h("label", { for: id }), "crm.favourites.new_name"),
      h("input", { id, name: "name", value: favourite.name, maxlength: "200", "aria-describedby": `${id}-error` }),
      h("p", { class: "field__error", id: `${id}-error`, dataset: { fieldError: "name" } }),
      h("div", { class: "form-error", role: "alert", dataset: { formError: "" } }),
      bindText(h("button", { class: "button button--small", type: "submit" }), "crm.favourites.save_name"),
      " ",
      bindText(h("button", { class: "button button--secondary button--small", type: "button", on: { click: showFavourites } }), "crm.cancel"));
    li.replaceChildren(form);
    form.elements.name.focus();
    onSubmit(form, async (values) => {
      const name = String(values.name ?? "").trim();
      if (!name) throw new FormError({ name: "crm.favourites.name_needed" });
      // A favourite is never edited: the renamed one is saved anew and the old one deleted.
      await api.post("/saved-filters", { name, module: "contact_orders", query: favourite.query ?? {} },
        { headers: { "Idempotency-Key": idempotencyKey() } });
      await api.delete(`/saved-filters/${encodeURIComponent(favourite.id)}`);
      await loadFavourites();
      favouritesList.querySelector(`[data-favourite-item="${CSS.escape(name)}"] button`)?.focus();
    });
  }

  async function removeFavourite(favourite) {
    favouritesError.replaceChildren();
    try {
      await api.delete(`/saved-filters/${encodeURIComponent(favourite.id)}`);
      await loadFavourites();
      screen.querySelector("#co-favourites-title").focus(); // the deleted one's button is gone
    } catch (error) {
      favouritesError.replaceChildren(bindText(h("p"), errorKey(error)));
    }
  }

  (async () => {
    try {
      [settings, users, customers] = await Promise.all([
        tenantSettings().catch(() => null), staffUsers().catch(() => []), organizations().catch(() => [])]);
    } catch {
      // the lists are conveniences; the orders load without them
    }
    if (!alive) return;
    customers = [...customers].sort((a, b) => String(a.name).localeCompare(String(b.name)));
    buildPanel();
    showSortNote();
    run();
  })();
  loadFavourites();
  const stopLanguage = onLanguageChange(() => {
    labelCells();
    showSortNote();
  });
  return { cleanup: () => { alive = false; stopLanguage(); } };
}
