// The usage report (GET /billing/usage?month=YYYY-MM): per client organisation active in
// the month its billable tickets and hours, the totals, the price basis, and whether the
// month is closed (billed in arrears: a closed month never changes). The CSV is fetched
// with the token (Accept: text/csv) and saved through a short-lived blob: address.

import { api } from "../../api.js";
import { h, saveAs } from "../../dom.js";
import { FormError, onBusySubmit, onSubmit } from "../../forms.js";
import { bindText, formatDateTime, formatNumber, translate } from "../../i18n.js";
import { facts, fill, money } from "../networks/common.js";
import { csvFilename, monthOf, tabPath, usageMonth, validMonth } from "./common.js";
import { panelHead, showRefusal, table } from "./parts.js";

const COLUMNS = [
  ["name", "client_cases.usage.client"],
  ["customer_number", "client_cases.usage.customer_number"],
  ["kind", "client_cases.usage.kind"],
  ["active", "client_cases.usage.active"],
  ["billable_tickets", "client_cases.usage.billable_tickets"],
  ["hours", "client_cases.usage.hours"],
];

const hours = (value) => formatNumber(Number(value ?? 0), { minimumFractionDigits: 0, maximumFractionDigits: 2 });

export function usageTab(panel, context) {
  let month = usageMonth(context.params);
  const input = h("input", { id: "cc-usage-month", name: "month", type: "month", value: month, max: monthOf(),
    pattern: "\\d{4}-\\d{2}", "aria-describedby": "cc-usage-month-hint cc-usage-month-error" });
  const picker = h("form", { class: "form cc-usage-picker", id: "cc-usage-form", novalidate: true },
    h("div", { class: "form-error", role: "alert", dataset: { formError: "" } }),
    h("div", { class: "field" },
      bindText(h("label", { for: "cc-usage-month" }), "client_cases.usage.month"),
      bindText(h("p", { class: "field__hint", id: "cc-usage-month-hint" }), "client_cases.usage.month_hint"),
      h("div", { class: "filters__row" }, input,
        bindText(h("button", { class: "button button--secondary", type: "submit", id: "cc-usage-show",
          dataset: { busyI18n: "common.loading" } }), "client_cases.usage.show")),
      h("p", { class: "field__error", id: "cc-usage-month-error", dataset: { fieldError: "month" } })));
  const download = h("form", { class: "cc-usage-download" },
    bindText(h("button", { class: "button button--primary", type: "submit", id: "cc-usage-csv",
      dataset: { busyI18n: "common.loading" } }), "client_cases.usage.csv"));
  const fileNote = h("p", { class: "muted", id: "cc-usage-file" });
  download.append(" ", fileNote);
  const downloadError = h("div", { class: "form-error", role: "alert" });
  const alert = h("div", { class: "form-error", role: "alert" });
  const summary = h("div", { class: "cc-summary", id: "cc-usage-summary", role: "status" });
  const rows = table("cc-usage", "client_cases.usage.title", COLUMNS);
  const foot = h("tfoot");
  rows.table.append(foot);
  fill(panel, ...panelHead("client_cases.usage.title", "client_cases.usage.intro"),
    picker, alert, summary, rows.element, download, downloadError);
  translate(panel);
  let report = null;

  function draw() {
    if (!report) return;
    bindText(fileNote, "client_cases.usage.csv_file", { file: csvFilename(month) });
    fill(summary,
      bindText(h("p", { class: `notice cc-closed cc-closed--${report.closed ? "yes" : "no"}`, id: "cc-usage-closed" }),
        report.closed ? "client_cases.usage.closed" : "client_cases.usage.open",
        { date: report.closed_at ? formatDateTime(report.closed_at) : "" }),
      facts([
        ["client_cases.usage.active_clients", formatNumber(Number(report.active_clients ?? 0)), "active_clients"],
        ["client_cases.price_per_client", money(report.price_per_client ?? 0, report.currency), "price_per_client"],
        ["client_cases.monthly_price", money(report.monthly_price ?? 0, report.currency), "monthly_price"],
      ], "cc-facts"));
    rows.body.replaceChildren(...(report.items ?? []).map((item) => rows.row(
      { dataset: { organization: item.organization_id } }, [
        ["name", h("strong", { text: item.name ?? "" })],
        ["customer_number", item.customer_number ?? "–"],
        ["kind", bindText(h("span"), `crm.org_kind.${["company", "private_person", "supplier", "buyer"].includes(item.kind) ? item.kind : "company"}`)],
        ["active", bindText(h("span"), item.active ? "client_cases.usage.yes" : "client_cases.usage.no_deactivated")],
        ["billable_tickets", formatNumber(Number(item.billable_tickets ?? 0))],
        ["hours", hours(item.hours)],
      ])));
    if (!(report.items ?? []).length) {
      rows.body.append(h("tr", {}, bindText(h("td", { colspan: String(COLUMNS.length), class: "muted" }), "client_cases.usage.none")));
    }
    const totals = report.totals ?? {};
    foot.replaceChildren(h("tr", { class: "cc-totals", id: "cc-usage-totals" },
      bindText(h("th", { scope: "row", colspan: "4" }), "client_cases.usage.totals"),
      h("td", { dataset: { col: "billable_tickets", label: "" } }, formatNumber(Number(totals.billable_tickets ?? 0))),
      h("td", { dataset: { col: "hours", label: "" } }, hours(totals.hours))));
    translate(panel);
    rows.label();
    for (const cell of foot.querySelectorAll("td")) {
      cell.dataset.label = rows.table.tHead.rows[0].cells[cell.dataset.col === "hours" ? 5 : 4].textContent;
    }
  }

  async function load() {
    alert.replaceChildren();
    downloadError.replaceChildren();
    history.replaceState(history.state, "", `#${tabPath("usage", { month })}`);
    try {
      const answer = await api.get(`/billing/usage?month=${encodeURIComponent(month)}`);
      if (!context.alive()) return;
      report = answer;
      download.hidden = false;
      draw();
    } catch (error) {
      if (!context.alive()) return;
      report = null;
      summary.replaceChildren();
      rows.body.replaceChildren();
      foot.replaceChildren();
      download.hidden = true;
      if (error.status === 400 && error.fields?.size) {
        const moved = new Map([...error.fields].map(([name, messages]) => [name.replace(/^query\./, ""), messages]));
        error.fields = moved;
        throw error;
      }
      showRefusal(alert, error, context.moduleState());
    }
  }

  onSubmit(picker, async (values) => {
    if (!validMonth(values.month) || values.month > monthOf()) throw new FormError({ month: "client_cases.usage.errors.month" });
    month = values.month;
    await load();
  }, { context: "client_cases.usage" });

  onBusySubmit(download, async () => {
    downloadError.replaceChildren();
    try {
      const csv = await api.get(`/billing/usage?month=${encodeURIComponent(month)}`,
        { as: "blob", headers: { Accept: "text/csv, application/problem+json" } });
      saveAs(csv, csvFilename(month));
      context.say("client_cases.usage.saved", { file: csvFilename(month) });
    } catch (error) {
      showRefusal(downloadError, error, context.moduleState());
    }
  });

  download.hidden = true;
  load().catch((error) => showRefusal(alert, error, context.moduleState()));
  return { refresh: draw };
}
