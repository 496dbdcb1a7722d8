// The reports screen (#/reports, module "reports", issue 23 item 3): a range (last 7 or
// 30 days, this or last month, or from-to), day/week/month, one filter (type, channel,
// organisation or agent), then the charts of GET /reports/tickets, each with its table
// and CSV, and the breakdown by type, channel, organisation or agent. Staff without
// reports.view see their own figures only (the API answers nothing else) and are told so.

import { api } from "../../api.js";
import { h } from "../../dom.js";
import { bindText, formatNumber, localized, onLanguageChange, shownTimeZone, t } from "../../i18n.js";
import { staffUsers, tenantSettings, ticketTypes } from "../../reference-data.js";
import { can, currentUser } from "../../session.js";
import { registerSearch } from "../contact-orders/new.js";
import { showLoadError } from "../networks/common.js";
import { labelledField } from "../ticket/form-parts.js";
import { chartFigure, csvButton } from "./figure.js";
import {
  BREAKDOWNS, BREAKDOWN_COLUMNS, CHANNELS, FILTERS, GROUPINGS, PRESETS, breakdownCells, csvFilename,
  orderCharts, orderCsvFilename, paramsOf, rangeOf, rangeProblem, reportCharts, reportQuery,
  stateFromParams, todayIn,
} from "./model.js";

function option(value, text, selected) {
  return h("option", { value, selected: value === selected }, text);
}

function select(id, name, options) {
  return h("select", { id, name }, options);
}

/** A breakdown item's name: a channel's in the language, else the API's. */
function itemName(by, item) {
  if (by === "channel") return t(`channel.${item.key}`);
  return item.name || item.key;
}

export default function reportsView(container, app, screenPath, params) {
  const user = currentUser();
  const everyone = can(user, "reports.view");
  let alive = true;
  let seq = 0;
  let lists = { types: [], staff: [] };
  let settings = null;
  let shown = null; // {query, report}
  const state = stateFromParams(params);
  if (!everyone) Object.assign(state, { filter: "", value: "" });

  const title = bindText(h("h1", { id: "reports-title", tabindex: "-1" }), "reports.title");
  const mineNote = everyone ? null : bindText(h("p", { class: "notice", dataset: { ownFigures: "" } }), "reports.own_only");
  const form = h("form", { class: "filters reports__filters", id: "reports-form", novalidate: true });
  const formError = h("div", { class: "form-error", role: "alert", dataset: { formError: "" } });
  const status = h("p", { class: "muted", role: "status", id: "reports-status" });
  const charts = h("div", { class: "reports__charts", id: "reports-charts" });
  const breakdown = everyone ? h("section", { class: "card", id: "reports-breakdown", "aria-labelledby": "breakdown-title" }) : null;
  // Contact orders (seed 001): opened, closed, converted and hours, by period and assignee.
  const orders = can(user, "contact_orders.view")
    ? h("section", { class: "reports__orders", id: "reports-orders", "aria-labelledby": "orders-title" }) : null;

  function buildForm() {
    const preset = select("reports-preset", "preset",
      PRESETS.map((p) => option(p, t(`reports.presets.${p}`), state.preset)));
    const custom = state.preset === "custom";
    const from = h("input", { id: "reports-from", name: "from", type: "date", value: state.from, required: true });
    const to = h("input", { id: "reports-to", name: "to", type: "date", value: state.to, required: true });
    const groupBy = select("reports-group", "group_by", GROUPINGS.map((g) => option(g, t(`reports.group.${g}`), state.groupBy)));
    const parts = [
      labelledField("reports-preset", "reports.range", preset),
      custom ? labelledField("reports-from", "reports.from", from) : null,
      custom ? labelledField("reports-to", "reports.to", to) : null,
      labelledField("reports-group", "reports.group_by", groupBy),
    ];
    if (everyone) {
      parts.push(labelledField("reports-filter", "reports.filter",
        select("reports-filter", "filter", FILTERS.map((f) => option(f, t(`reports.filters.${f || "none"}`), state.filter)))));
      const values = filterValues(state.filter);
      if (state.filter === "organization_id") parts.push(organizationSearch.element);
      else if (values) {
        parts.push(labelledField("reports-value", `reports.filters.${state.filter}`,
          select("reports-value", "value", values.map(([v, text]) => option(v, text, state.value)))));
      }
    }
    parts.push(h("div", { class: "field filters__field" },
      bindText(h("button", { type: "submit", class: "button button--primary", id: "reports-submit" }), "reports.show")));
    form.replaceChildren(...parts.filter(Boolean).map((part) => {
      part.classList.add("filters__field");
      return part;
    }));
  }

  /** The choices of a filter: [value, text]; null when it has none. */
  function filterValues(filter) {
    if (filter === "type") return lists.types.map((tt) => [tt.id, localized(tt.name)]);
    if (filter === "channel") return CHANNELS.map((c) => [c, t(`channel.${c}`)]);
    if (filter === "agent") {
      return [["me", t("reports.me")], ["none", t("reports.unassigned")],
        ...lists.staff.filter((u) => u.id !== user.id).map((u) => [u.id, u.name])];
    }
    return null;
  }

  // An organisation is searched for by name, as on the contact order form; picking one shows it.
  const organizationSearch = registerSearch({
    id: "reports-organization", name: "organization", labelKey: "reports.filters.organization_id",
    hintKey: "reports.filters.organization_hint",
    search: async (text) => ((await api.get(`/organizations?q=${encodeURIComponent(text)}&limit=8`)).items ?? [])
      .map((o) => ({ id: o.id, name: o.name, detail: o.customer_number ?? "" })),
    changed: (picked) => {
      state.value = picked?.id ?? "";
      if (picked) load();
    },
  });

  function range() {
    return rangeOf(state.preset, todayIn(shownTimeZone()), { from: state.from, to: state.to });
  }

  function query() {
    const { from, to } = range();
    const filter = everyone ? state.filter : "agent";
    const value = everyone ? state.value : "me";
    return { from, to, groupBy: state.groupBy, filter, value };
  }

  function drawCharts() {
    if (!shown) return;
    const { query: q, report } = shown;
    const csv = { path: () => `/reports/tickets?${reportQuery(q)}`, filename: () => csvFilename(q) };
    charts.replaceChildren(...reportCharts(report, settings).map((spec) =>
      chartFigure(spec, { csv, from: q.from, to: q.to, idPrefix: "report" })));
  }

  /** The address keeps the choices without a new history entry or a re-render. */
  function remember() {
    const kept = paramsOf(state).toString();
    history.replaceState(history.state, "", `#${screenPath}${kept ? `?${kept}` : ""}`);
  }

  async function load() {
    formError.replaceChildren();
    remember();
    const q = query();
    const problem = rangeProblem(q.from, q.to);
    if (problem) {
      formError.replaceChildren(bindText(h("p"), problem));
      return;
    }
    if (q.filter && !q.value) q.filter = "";
    const mine = ++seq;
    bindText(status, "common.loading");
    try {
      const report = await api.get(`/reports/tickets?${reportQuery(q)}`);
      if (!alive || mine !== seq) return;
      shown = { query: q, report };
      drawCharts();
      bindText(status, "reports.shown", { count: report.periods.length });
    } catch (error) {
      if (!alive || mine !== seq) return;
      status.replaceChildren();
      showLoadError(formError, error);
    }
    if (breakdown) loadBreakdown(q);
    if (orders) loadOrders(q);
  }

  let ordersSeq = 0;
  async function loadOrders(q) {
    const mine = ++ordersSeq;
    const error = h("div", { class: "form-error", role: "alert" });
    const path = `/reports/contact-orders?${new URLSearchParams({ from: q.from, to: q.to, group_by: q.groupBy })}`;
    orders.replaceChildren(bindText(h("h2", { id: "orders-title" }), "reports.orders_title"), error);
    try {
      const report = await api.get(path);
      if (!alive || mine !== ordersSeq) return;
      const csv = { path: () => path, filename: () => orderCsvFilename(q) };
      const people = report.by_assignee ?? [];
      orders.append(...orderCharts(report).map((spec) =>
        chartFigure(spec, { csv, from: q.from, to: q.to, level: "h3", idPrefix: "orders" })),
      h("section", { class: "card", "aria-labelledby": "orders-people-title" },
        bindText(h("h3", { id: "orders-people-title" }), "reports.orders_by_assignee"),
        people.length ? h("div", { class: "table-scroll" }, h("table", { class: "admin-table chart__table", id: "orders-people" },
          h("thead", {}, h("tr", {}, ["reports.breakdown.agent", "reports.figures.opened", "reports.figures.closed",
            "reports.figures.converted", "reports.figures.hours"].map((key, i) =>
            h("th", { scope: "col", class: i ? "number" : null, text: t(key) })))),
          h("tbody", {}, people.map((row) => h("tr", { dataset: { key: row.key } },
            h("th", { scope: "row", text: row.key === "none" ? t("reports.unassigned") : row.name || row.key }),
            [row.opened, row.closed, row.converted, row.hours].map((v) =>
              h("td", { class: "number", text: formatNumber(v) })))))))
          : bindText(h("p", { class: "muted" }), "reports.breakdown.empty")));
    } catch (failure) {
      if (alive && mine === ordersSeq) showLoadError(error, failure);
    }
  }

  let breakdownSeq = 0;
  async function loadBreakdown(q = query()) {
    const mine = ++breakdownSeq;
    const error = h("div", { class: "form-error", role: "alert" });
    const by = select("breakdown-by", "by", BREAKDOWNS.map((b) => option(b, t(`reports.breakdown.${b}`), state.by)));
    by.addEventListener("change", () => {
      state.by = by.value;
      remember();
      loadBreakdown(q);
    });
    const path = () => `/reports/tickets/breakdown?${new URLSearchParams({ by: state.by, from: q.from, to: q.to })}`;
    const head = h("div", { class: "chart__head" },
      bindText(h("h2", { id: "breakdown-title" }), "reports.breakdown.title"),
      h("div", { class: "chart__tools" }, labelledField("breakdown-by", "reports.breakdown.by", by),
        csvButton("breakdown-csv", path, () => csvFilename({ ...q, by: state.by }), error)));
    const body = h("div", { class: "table-scroll" }, bindText(h("p", { class: "muted" }), "common.loading"));
    breakdown.replaceChildren(head, error, body);
    try {
      const answer = await api.get(path());
      if (!alive || mine !== breakdownSeq) return;
      const items = answer.items ?? [];
      body.replaceChildren(items.length ? h("table", { class: "admin-table chart__table", id: "breakdown-table" },
        h("caption", { class: "visually-hidden", text: `${t("reports.breakdown.title")}: ${t(`reports.breakdown.${state.by}`)}` }),
        h("thead", {}, h("tr", {}, h("th", { scope: "col", text: t(`reports.breakdown.${state.by}`) }),
          BREAKDOWN_COLUMNS.map(([, key]) => h("th", { scope: "col", class: "number", text: t(key) })))),
        h("tbody", {}, items.map((item) => h("tr", { dataset: { key: item.key } },
          h("th", { scope: "row", text: itemName(state.by, item) }),
          breakdownCells(item).map((cell) => h("td", { class: "number", text: cell }))))))
        : bindText(h("p", { class: "muted" }), "reports.breakdown.empty"));
    } catch (failure) {
      if (alive && mine === breakdownSeq) {
        body.replaceChildren();
        showLoadError(error, failure);
      }
    }
  }

  form.addEventListener("change", (event) => {
    const { name, value } = event.target;
    if (name === "preset") {
      if (value === "custom" && !state.from) Object.assign(state, range());
      state.preset = value;
      buildForm();
      if (value !== "custom") load();
    } else if (name === "group_by") {
      state.groupBy = value;
      load();
    } else if (name === "filter") {
      state.filter = value;
      state.value = value === "organization_id" ? organizationSearch.picked()?.id ?? "" : filterValues(value)?.[0]?.[0] ?? "";
      buildForm();
      if (state.value || !value) load(); // an organisation is loaded once picked
    } else if (name === "value") {
      state.value = value;
      load();
    } else if (name === "from" || name === "to") {
      state[name] = value;
    }
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (state.preset === "custom") {
      state.from = form.elements.from.value;
      state.to = form.elements.to.value;
    }
    load();
  });

  container.replaceChildren(h("section", { class: "reports", "aria-labelledby": "reports-title", dataset: { screen: "reports" } },
    title, mineNote, form, formError, status, charts, breakdown, orders));
  buildForm();

  (async () => {
    // The settings first: they set the tenant's time zone, which says what "today" is.
    settings = await tenantSettings().catch(() => null);
    if (everyone) {
      const [types, staff] = await Promise.all([ticketTypes().catch(() => []), staffUsers().catch(() => [])]);
      lists = { types, staff };
    }
    if (everyone && state.filter === "organization_id") {
      // A reloaded address names the organisation by id: its name goes in the search field.
      const org = await api.get(`/organizations/${encodeURIComponent(state.value)}`).catch(() => null);
      if (org) organizationSearch.input.value = org.name;
    }
    if (!alive) return;
    buildForm();
    load();
  })();

  const stopLanguage = onLanguageChange(() => {
    buildForm();
    drawCharts();
    if (breakdown && shown) loadBreakdown(shown.query);
    if (orders && shown) loadOrders(shown.query);
  });
  return { cleanup: () => { alive = false; stopLanguage(); } };
}
