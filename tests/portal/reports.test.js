// The reports screen's pure parts (portal/js/views/reports/model.js): the presets' ranges,
// the API's query, the periods' labels in sv/fi/en, the CSV file names, the charts a
// report gives and their tables.

import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";

import "./support.js";
import { tableRows } from "../../portal/js/charts.js";
import { setLanguage } from "../../portal/js/i18n.js";
import { todayFigures } from "../../portal/js/views/reports/home-trend.js";
import {
  BREAKDOWN_COLUMNS, breakdownCells, csvFilename, daysBetween, hours, orderCharts, orderCsvFilename, paramsOf,
  periodLabel, rangeOf, rangeProblem, reportCharts, reportQuery, slaTarget, stateFromParams, todayIn,
} from "../../portal/js/views/reports/model.js";

const times = (median, p90) => ({ count: median === null ? 0 : 2, median_minutes: median, p90_minutes: p90, mean_minutes: median });

function figures(period, extra = {}) {
  return {
    period, created: 3, first_responded: 2, resolved: 1, reopened: 0, approved: 2, rejected: 1, auto_approved: 1,
    first_response: times(90, 240), resolution: times(null, null), approval_answer: times(30, 60),
    sla: { met: 3, breached: 1, compliance: 0.75 }, backlog_end: 7, satisfaction_good: 1, satisfaction_bad: 0,
    hours: 1.5, billable_hours: 1, ...extra,
  };
}

const REPORT = {
  from: "2026-12-01", to: "2026-12-02", group_by: "day", dimension: "all",
  periods: [figures("2026-12-01"), figures("2026-12-02", { created: 5, sla: { met: 0, breached: 0, compliance: null } })],
  totals: figures("total"),
  accuracy: "…",
};

describe("rangeOf", () => {
  it("ends the rolling presets today, both days counted", () => {
    assert.deepEqual(rangeOf("last_7", "2026-12-06"), { from: "2026-11-30", to: "2026-12-06" });
    assert.deepEqual(rangeOf("last_30", "2026-03-01"), { from: "2026-01-31", to: "2026-03-01" });
    assert.equal(daysBetween(...Object.values(rangeOf("last_30", "2026-12-06"))), 30);
  });
  it("knows the months, across a year's end and a leap February", () => {
    assert.deepEqual(rangeOf("this_month", "2026-12-06"), { from: "2026-12-01", to: "2026-12-06" });
    assert.deepEqual(rangeOf("last_month", "2027-01-15"), { from: "2026-12-01", to: "2026-12-31" });
    assert.deepEqual(rangeOf("last_month", "2028-03-02"), { from: "2028-02-01", to: "2028-02-29" });
  });
  it("keeps a chosen range", () => {
    assert.deepEqual(rangeOf("custom", "2026-12-06", { from: "2026-01-01", to: "2026-02-01" }),
      { from: "2026-01-01", to: "2026-02-01" });
  });
});

describe("rangeProblem", () => {
  it("refuses a missing date, a range backwards and one longer than the API's year", () => {
    assert.equal(rangeProblem("", "2026-12-01"), "reports.errors.dates");
    assert.equal(rangeProblem("2026-12-02", "2026-12-01"), "reports.errors.order");
    assert.equal(rangeProblem("2025-01-01", "2026-01-02"), "reports.errors.too_long");
    assert.equal(rangeProblem("2025-01-01", "2026-01-01"), null); // 366 days
  });
});

describe("todayIn", () => {
  it("is the tenant's day, not the browser's", () => {
    const lateEvening = Date.UTC(2026, 11, 6, 23, 30);
    assert.equal(todayIn("Europe/Helsinki", lateEvening), "2026-12-07");
    assert.equal(todayIn("America/New_York", lateEvening), "2026-12-06");
  });
});

describe("reportQuery and csvFilename", () => {
  it("send the range, the grouping and one filter only when it has a value", () => {
    assert.equal(reportQuery({ from: "2026-12-01", to: "2026-12-31", groupBy: "week", filter: "channel", value: "phone" }),
      "from=2026-12-01&to=2026-12-31&group_by=week&channel=phone");
    assert.equal(reportQuery({ from: "2026-12-01", to: "2026-12-02", filter: "agent", value: "" }),
      "from=2026-12-01&to=2026-12-02&group_by=day");
  });
  it("name the files as the API's Content-Disposition does", () => {
    assert.equal(csvFilename({ from: "2026-12-01", to: "2026-12-31" }), "tickets-2026-12-01-2026-12-31.csv");
    assert.equal(csvFilename({ from: "2026-12-01", to: "2026-12-31", by: "channel" }),
      "tickets-by-channel-2026-12-01-2026-12-31.csv");
  });
});

describe("periodLabel", () => {
  afterEach(() => setLanguage("en"));

  it("writes days, weeks and months in Swedish", async () => {
    await setLanguage("sv");
    assert.equal(periodLabel("2026-12-01", "day"), "1 dec.");
    assert.equal(periodLabel("2026-12-01", "day", { long: true }), "1 dec. 2026");
    assert.equal(periodLabel("2026-W49", "week"), "v. 49");
    assert.equal(periodLabel("2026-W49", "week", { long: true }), "Vecka 49, 2026");
    assert.equal(periodLabel("2026-12", "month", { long: true }), "december 2026");
  });
  it("in Finnish", async () => {
    await setLanguage("fi");
    assert.equal(periodLabel("2026-12-01", "day", { long: true }), "1.12.2026");
    assert.equal(periodLabel("2026-W49", "week"), "vk 49");
    assert.equal(periodLabel("2026-W05", "week", { long: true }), "Viikko 5/2026");
    assert.equal(periodLabel("2026-12", "month", { long: true }), "joulukuu 2026");
  });
  it("in English, and leaves what it does not know as it is", async () => {
    await setLanguage("en");
    assert.equal(periodLabel("2026-12-01", "day"), "1 Dec");
    assert.equal(periodLabel("2026-W49", "week"), "W49");
    assert.equal(periodLabel("2026-12", "month"), "Dec 2026");
    assert.equal(periodLabel("total", "day"), "total");
  });
});

describe("reportCharts", () => {
  afterEach(() => setLanguage("en"));

  it("gives every chart one value per period, times in hours, compliance in per cent", async () => {
    await setLanguage("en");
    const charts = reportCharts(REPORT, null);
    assert.deepEqual(charts.map((c) => c.id),
      ["volume", "backlog", "first_response", "resolution", "sla", "approvals", "approval_answer", "satisfaction"]);
    for (const chart of charts) {
      for (const s of chart.series) assert.equal(s.values.length, 2, chart.id);
    }
    const byId = Object.fromEntries(charts.map((c) => [c.id, c]));
    assert.deepEqual(byId.volume.series.map((s) => s.values), [[3, 5], [1, 1]]);
    assert.deepEqual(byId.first_response.series.map((s) => s.values), [[1.5, 1.5], [4, 4]]);
    assert.deepEqual(byId.resolution.series[0].values, [null, null]);
    assert.deepEqual(byId.sla.series[0].values, [75, null]);
    assert.ok(byId.approvals.stacked);
    assert.deepEqual(byId.first_response.refs, []);
    assert.ok(byId.first_response.accuracy && byId.resolution.accuracy && !byId.volume.accuracy);
  });

  it("draws the SLA targets from the settings on the time charts", async () => {
    await setLanguage("sv");
    const settings = { sla_targets: { normal: { first_response_hours: 8, resolution_hours: 40.5 } } };
    assert.equal(slaTarget(settings, "resolution"), 40.5);
    const [fr, res] = reportCharts(REPORT, settings).filter((c) => c.refs?.length);
    assert.equal(fr.refs[0].value, 8);
    assert.equal(res.refs[0].label, "SLA-mål (normal): 40,5 h");
  });

  it("fill the tables in the language's formats", async () => {
    await setLanguage("fi");
    const charts = Object.fromEntries(reportCharts(REPORT).map((c) => [c.id, c]));
    assert.deepEqual(tableRows(charts.first_response), [["1.12.2026", "1,5", "4"], ["2.12.2026", "1,5", "4"]]);
    const sla = tableRows(charts.sla);
    assert.match(sla[0][1], /^75\s?%$/);
    assert.equal(sla[1][1], "–");
  });
});

describe("the breakdown and the home figures", () => {
  it("formats every column of a breakdown item, minutes as hours", async () => {
    await setLanguage("en");
    const item = Object.fromEntries(BREAKDOWN_COLUMNS.map(([field]) => [field, 1]));
    item.first_response_mean_minutes = 90;
    item.resolution_mean_minutes = null;
    const cells = breakdownCells(item);
    assert.equal(cells.length, BREAKDOWN_COLUMNS.length);
    assert.equal(cells.at(-2), "1.5");
    assert.equal(cells.at(-1), "–");
    assert.equal(hours(null), null);
  });
  it("reads today's volumes from the last day of the report", () => {
    assert.deepEqual(todayFigures(REPORT), { created: 5, resolved: 1 });
    assert.deepEqual(todayFigures({ periods: [] }), { created: 0, resolved: 0 });
  });
});

describe("the address", () => {
  it("keeps the choices and reads them back", () => {
    const state = { preset: "custom", from: "2026-11-01", to: "2026-11-30", groupBy: "week", filter: "channel", value: "phone", by: "agent" };
    const params = paramsOf(state);
    assert.equal(params.toString(), "preset=custom&from=2026-11-01&to=2026-11-30&group_by=week&filter=channel&value=phone&by=agent");
    assert.deepEqual(stateFromParams(params), state);
  });
  it("leaves the defaults out", () => {
    assert.equal(paramsOf(stateFromParams(new URLSearchParams())).toString(), "");
  });
  it("drops what it does not know: a bad range, a filter without a value, unknown names", () => {
    const state = stateFromParams(new URLSearchParams(
      "preset=custom&from=2026-12-02&to=2026-12-01&group_by=year&filter=agent&by=mood"));
    assert.deepEqual(state, { preset: "last_30", from: "", to: "", groupBy: "day", filter: "", value: "", by: "type" });
    assert.equal(stateFromParams(new URLSearchParams("filter=evil&value=x")).filter, "");
  });
});


describe("orderCharts (contact orders, seed 001)", () => {
  it("draws opened, closed and converted per period, and the hours", () => {
    const report = { from: "2026-12-01", to: "2026-12-02", group_by: "day", periods: [
      { period: "2026-12-01", opened: 2, closed: 1, converted: 0, hours: 1.5 },
      { period: "2026-12-02", opened: 0, closed: 1, converted: 1, hours: 0 }] };
    const [volume, time] = orderCharts(report);
    assert.deepEqual(volume.series.map((s) => s.values), [[2, 0], [1, 1], [0, 1]]);
    assert.equal(volume.whole, true);
    assert.deepEqual(time.series[0].values, [1.5, 0]);
    assert.equal(volume.labels.length, 2);
    assert.equal(orderCsvFilename({ from: "2026-12-01", to: "2026-12-31" }), "contact-orders-2026-12-01-2026-12-31.csv");
  });
});
