// The reports screen's pure parts: the date ranges of the presets, GET /reports/tickets's
// query, the periods' labels in the language (2026-12-01, 2026-W49, 2026-12), the CSV
// files' names, and which figures of a report each chart shows.

import { formatNumber, locale, t } from "../../i18n.js";

export const PRESETS = ["last_7", "last_30", "this_month", "last_month", "custom"];
export const GROUPINGS = ["day", "week", "month"];
export const FILTERS = ["", "type", "channel", "organization_id", "agent"];
export const CHANNELS = ["portal", "email", "phone", "staff", "chat"];
export const BREAKDOWNS = ["type", "channel", "organization", "agent"];
export const MAX_DAYS = 366; // the API's longest report

const DAY_MS = 86_400_000;

function utc(day) {
  const [y, m, d] = day.split("-").map(Number);
  return Date.UTC(y, m - 1, d);
}

function iso(ms) {
  return new Date(ms).toISOString().slice(0, 10);
}

/** `day` ("YYYY-MM-DD") moved by `days`. */
export function addDays(day, days) {
  return iso(utc(day) + days * DAY_MS);
}

/** Days from `from` to `to`, both counted. */
export function daysBetween(from, to) {
  return Math.round((utc(to) - utc(from)) / DAY_MS) + 1;
}

/** Today ("YYYY-MM-DD") in `timeZone` (the tenant's: the counters' days are its days). */
export function todayIn(timeZone, now = Date.now()) {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" })
    .formatToParts(new Date(now));
  const part = (type) => parts.find((p) => p.type === type)?.value;
  return `${part("year")}-${part("month")}-${part("day")}`;
}

/** A preset's {from, to} ending today (`custom` keeps the given range). */
export function rangeOf(preset, today, custom = {}) {
  const [y, m] = today.split("-").map(Number);
  switch (preset) {
    case "last_7": return { from: addDays(today, -6), to: today };
    case "last_30": return { from: addDays(today, -29), to: today };
    case "this_month": return { from: `${today.slice(0, 7)}-01`, to: today };
    case "last_month": {
      const first = iso(Date.UTC(y, m - 2, 1));
      return { from: first, to: iso(Date.UTC(y, m - 1, 0)) };
    }
    default: return { from: custom.from ?? today, to: custom.to ?? today };
  }
}

/** What is wrong with a range: an i18n key, or null. */
export function rangeProblem(from, to) {
  const pattern = /^\d{4}-\d{2}-\d{2}$/;
  if (!pattern.test(from ?? "") || !pattern.test(to ?? "")) return "reports.errors.dates";
  if (to < from) return "reports.errors.order";
  if (daysBetween(from, to) > MAX_DAYS) return "reports.errors.too_long";
  return null;
}

const DEFAULT_STATE = { preset: "last_30", from: "", to: "", groupBy: "day", filter: "", value: "", by: "type" };

/** The screen's choices from its address (#/reports?preset=…); anything unknown is the default. */
export function stateFromParams(params) {
  const state = { ...DEFAULT_STATE };
  const get = (name) => (params.get(name) ?? "").slice(0, 100);
  if (PRESETS.includes(get("preset"))) state.preset = get("preset");
  if (state.preset === "custom") {
    state.from = get("from");
    state.to = get("to");
    if (rangeProblem(state.from, state.to)) Object.assign(state, { preset: DEFAULT_STATE.preset, from: "", to: "" });
  }
  if (GROUPINGS.includes(get("group_by"))) state.groupBy = get("group_by");
  if (FILTERS.includes(get("filter")) && get("value")) {
    state.filter = get("filter");
    state.value = get("value");
  }
  if (BREAKDOWNS.includes(get("by"))) state.by = get("by");
  return state;
}

/** The address's query for the choices (defaults left out), so a reload keeps them. */
export function paramsOf(state) {
  const params = new URLSearchParams();
  if (state.preset !== DEFAULT_STATE.preset) params.set("preset", state.preset);
  if (state.preset === "custom") {
    params.set("from", state.from);
    params.set("to", state.to);
  }
  if (state.groupBy !== DEFAULT_STATE.groupBy) params.set("group_by", state.groupBy);
  if (state.filter && state.value) {
    params.set("filter", state.filter);
    params.set("value", state.value);
  }
  if (state.by !== DEFAULT_STATE.by) params.set("by", state.by);
  return params;
}

/** GET /reports/tickets's query: the range, the grouping and at most one filter. */
export function reportQuery({ from, to, groupBy = "day", filter = "", value = "" }) {
  const query = new URLSearchParams({ from, to, group_by: groupBy });
  if (filter && value) query.set(filter, value);
  return query.toString();
}

/** The CSV file's name, as the API's Content-Disposition names it. */
export function csvFilename({ from, to, by = null }) {
  return by ? `tickets-by-${by}-${from}-${to}.csv` : `tickets-${from}-${to}.csv`;
}

/** A period's label: short along a chart's axis, long in its table. */
export function periodLabel(period, groupBy, { long = false } = {}) {
  if (groupBy === "week") {
    const match = /^(\d{4})-W(\d{2})$/.exec(period);
    if (!match) return period;
    const params = { week: Number(match[2]), year: match[1] };
    return t(long ? "reports.week_long" : "reports.week_short", params);
  }
  if (groupBy === "month") {
    const match = /^(\d{4})-(\d{2})$/.exec(period);
    if (!match) return period;
    const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, 1));
    return new Intl.DateTimeFormat(locale(), { month: long ? "long" : "short", year: "numeric", timeZone: "UTC" }).format(date);
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(period)) return period;
  const options = long ? { dateStyle: "medium" } : { day: "numeric", month: "short" };
  return new Intl.DateTimeFormat(locale(), { ...options, timeZone: "UTC" }).format(new Date(utc(period)));
}

/** Minutes -> hours with one decimal (null stays null: no figure). */
export function hours(minutes) {
  return Number.isFinite(minutes) ? Math.round((minutes / 60) * 10) / 10 : null;
}

export const formatCount = (v) => formatNumber(v, { maximumFractionDigits: 0 });
export const formatHours = (v) => formatNumber(v, { maximumFractionDigits: 1 });
export const formatPercent = (v) => formatNumber(v / 100, { style: "percent", maximumFractionDigits: 1 });

/** The SLA targets (hours) to draw on a time chart: the normal priority's, when known. */
export function slaTarget(settings, kind) {
  const target = settings?.sla_targets?.normal?.[`${kind}_hours`];
  return Number.isFinite(target) ? target : null;
}

function series(nameKey, kind, values) {
  return { name: t(nameKey), kind, values };
}

/**
 * The charts of a report, each a spec for charts.js with its id, title and whether the
 * accuracy note belongs to it. `settings` (GET /settings, or null) gives the SLA targets.
 */
export function reportCharts(report, settings = null) {
  const p = report.periods;
  const pick = (fn) => p.map(fn);
  const labels = pick((x) => periodLabel(x.period, report.group_by));
  const longLabels = pick((x) => periodLabel(x.period, report.group_by, { long: true }));
  const base = { labels, longLabels };
  const counts = { ...base, whole: true, format: formatCount };
  const time = { ...base, format: formatHours };
  const ref = (kind) => {
    const target = slaTarget(settings, kind);
    return target === null ? [] : [{ value: target, label: t("reports.sla_target", { hours: formatHours(target) }) }];
  };
  return [
    { id: "volume", title: "reports.charts.volume", ...counts, series: [
      series("reports.figures.created", "bar", pick((x) => x.created)),
      series("reports.figures.resolved", "bar", pick((x) => x.resolved))] },
    { id: "backlog", title: "reports.charts.backlog", ...counts, series: [
      series("reports.figures.backlog_end", "line", pick((x) => x.backlog_end))] },
    { id: "first_response", title: "reports.charts.first_response", ...time, accuracy: true, refs: ref("first_response"), series: [
      series("reports.figures.median_hours", "line", pick((x) => hours(x.first_response.median_minutes))),
      series("reports.figures.p90_hours", "line", pick((x) => hours(x.first_response.p90_minutes)))] },
    { id: "resolution", title: "reports.charts.resolution", ...time, accuracy: true, refs: ref("resolution"), series: [
      series("reports.figures.median_hours", "line", pick((x) => hours(x.resolution.median_minutes))),
      series("reports.figures.p90_hours", "line", pick((x) => hours(x.resolution.p90_minutes)))] },
    { id: "sla", title: "reports.charts.sla", ...base, max: 100, format: formatPercent, series: [
      series("reports.figures.sla_compliance", "line",
        pick((x) => (x.sla.compliance === null ? null : Math.round(x.sla.compliance * 1000) / 10)))] },
    { id: "approvals", title: "reports.charts.approvals", ...counts, stacked: true, series: [
      series("reports.figures.approved", "bar", pick((x) => x.approved)),
      series("reports.figures.rejected", "bar", pick((x) => x.rejected)),
      series("reports.figures.auto_approved", "bar", pick((x) => x.auto_approved))] },
    { id: "approval_answer", title: "reports.charts.approval_answer", ...time, accuracy: true, series: [
      series("reports.figures.median_hours", "line", pick((x) => hours(x.approval_answer.median_minutes)))] },
    { id: "satisfaction", title: "reports.charts.satisfaction", ...counts, stacked: true, series: [
      series("reports.figures.satisfaction_good", "bar", pick((x) => x.satisfaction_good)),
      series("reports.figures.satisfaction_bad", "bar", pick((x) => x.satisfaction_bad))] },
  ];
}

/**
 * The contact orders' charts (seed 001, GET /reports/contact-orders): opened, closed and
 * converted per period, and the hours.
 */
export function orderCharts(report) {
  const p = report.periods;
  const pick = (fn) => p.map(fn);
  const base = { labels: pick((x) => periodLabel(x.period, report.group_by)),
    longLabels: pick((x) => periodLabel(x.period, report.group_by, { long: true })) };
  return [
    { id: "orders", title: "reports.charts.orders", ...base, whole: true, format: formatCount, series: [
      series("reports.figures.opened", "bar", pick((x) => x.opened)),
      series("reports.figures.closed", "bar", pick((x) => x.closed)),
      series("reports.figures.converted", "bar", pick((x) => x.converted))] },
    { id: "order_hours", title: "reports.charts.order_hours", ...base, format: formatCount, series: [
      series("reports.figures.hours", "bar", pick((x) => x.hours))] },
  ];
}

/** The contact-order report's CSV file name. */
export function orderCsvFilename({ from, to }) {
  return `contact-orders-${from}-${to}.csv`;
}

/** A chart's description for screen readers: what it shows and its totals. */
export function chartDescription(spec, from, to) {
  const sums = spec.series.map((s) => {
    const values = s.values.filter(Number.isFinite);
    if (!values.length) return `${s.name}: –`;
    if (spec.whole && s.kind === "bar") return `${s.name}: ${spec.format(values.reduce((a, b) => a + b, 0))}`;
    return `${s.name}: ${spec.format(Math.min(...values))}–${spec.format(Math.max(...values))}`;
  });
  return t("reports.chart_desc", { from: periodLabel(from, "day", { long: true }), to: periodLabel(to, "day", { long: true }), figures: sums.join("; ") });
}

/** The breakdown table's columns: [field, i18n key, format]. */
export const BREAKDOWN_COLUMNS = [
  ["created", "reports.figures.created", formatCount],
  ["resolved", "reports.figures.resolved", formatCount],
  ["reopened", "reports.figures.reopened", formatCount],
  ["sla_met", "reports.figures.sla_met", formatCount],
  ["sla_breached", "reports.figures.sla_breached", formatCount],
  ["approved", "reports.figures.approved", formatCount],
  ["rejected", "reports.figures.rejected", formatCount],
  ["auto_approved", "reports.figures.auto_approved", formatCount],
  ["satisfaction_good", "reports.figures.satisfaction_good", formatCount],
  ["satisfaction_bad", "reports.figures.satisfaction_bad", formatCount],
  ["hours", "reports.figures.hours", formatHours],
  ["billable_hours", "reports.figures.billable_hours", formatHours],
  ["first_response_mean_minutes", "reports.figures.first_response_mean", (v) => formatHours(hours(v))],
  ["resolution_mean_minutes", "reports.figures.resolution_mean", (v) => formatHours(hours(v))],
];

/** A breakdown item's cells in BREAKDOWN_COLUMNS's order (no figure: an en dash). */
export function breakdownCells(item) {
  return BREAKDOWN_COLUMNS.map(([field, , format]) => (Number.isFinite(item[field]) ? format(item[field]) : "–"));
}
