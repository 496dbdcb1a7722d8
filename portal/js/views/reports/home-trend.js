// The home page's figures for users with reports.view (issue 23, item 4): today's
// volumes (created, resolved) and the last 30 days' created vs resolved per day, from
// GET /reports/tickets, with the chart's table and CSV like on the reports screen.

import { api } from "../../api.js";
import { h } from "../../dom.js";
import { bindText, onLanguageChange, shownTimeZone } from "../../i18n.js";
import { tenantSettings } from "../../reference-data.js";
import { can, currentUser } from "../../session.js";
import { chartFigure } from "./figure.js";
import { csvFilename, formatCount, rangeOf, reportCharts, reportQuery, todayIn } from "./model.js";

/** Today's figures: the last period of a day-by-day report ending today. */
export function todayFigures(report) {
  const last = report.periods.at(-1);
  return { created: last?.created ?? 0, resolved: last?.resolved ?? 0 };
}

/** The section under the queue's numbers, filled once the report is read; null without reports.view. */
export function homeTrend() {
  if (!can(currentUser(), "reports.view")) return null;
  const body = bindText(h("div"), "common.loading");
  const section = h("section", { class: "home-trend", id: "home-trend", "aria-labelledby": "home-trend-title" },
    bindText(h("h3", { id: "home-trend-title" }), "reports.home.title"), body);
  let shown = null; // {query, report}
  function draw() {
    const { query, report } = shown;
    const today = todayFigures(report);
    const volume = reportCharts(report).find((spec) => spec.id === "volume");
    volume.title = "reports.home.trend";
    body.replaceChildren(
      h("ul", { class: "home-work__tiles" }, ["created", "resolved"].map((field) =>
        h("li", { class: "home-work__tile", dataset: { today: field } },
          h("a", { href: "#/reports" },
            h("span", { class: "home-work__count", text: formatCount(today[field]) }),
            bindText(h("span", { class: "home-work__label" }), `reports.home.${field}_today`))))),
      chartFigure(volume, {
        level: "h4", idPrefix: "home", from: query.from, to: query.to,
        csv: { path: () => `/reports/tickets?${reportQuery(query)}`, filename: () => csvFilename(query) },
      }));
  }
  // The chart's texts are drawn in the language: drawn again when it changes, while shown.
  const stopLanguage = onLanguageChange(() => {
    if (!section.isConnected) stopLanguage();
    else if (shown) draw();
  });
  (async () => {
    try {
      await tenantSettings().catch(() => null); // the tenant's zone says what "today" is
      const query = { ...rangeOf("last_30", todayIn(shownTimeZone())), groupBy: "day" };
      const report = await api.get(`/reports/tickets?${reportQuery(query)}`);
      if (!section.isConnected) return;
      shown = { query, report };
      draw();
    } catch {
      if (section.isConnected) bindText(body, "reports.home.failed");
    }
  })();
  return section;
}
