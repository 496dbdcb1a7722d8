// One chart as the reports screen and the home page show it: its heading, a "Table"
// toggle (the same figures as an accessible table), a CSV download, the legend, the SVG
// and, for the time charts, the note on the medians' accuracy.

import { api } from "../../api.js";
import { NARROW_SIZE, SIZE, chartLegend, chartSvg, chartTable } from "../../charts.js";
import { h, saveAs } from "../../dom.js";
import { errorKey } from "../../forms.js";
import { bindText, t } from "../../i18n.js";
import { chartDescription } from "./model.js";

/** A button that fetches `path` as CSV (with the token) and saves it as `filename`. */
export function csvButton(id, path, filename, errorEl) {
  const button = bindText(h("button", { type: "button", class: "button button--secondary button--small", id,
    dataset: { csv: "" } }), "reports.csv");
  button.addEventListener("click", async () => {
    errorEl.replaceChildren();
    button.disabled = true;
    try {
      const blob = await api.get(path(), { as: "blob", headers: { Accept: "text/csv, application/problem+json" } });
      saveAs(blob, filename());
    } catch (error) {
      errorEl.replaceChildren(bindText(h("p"), errorKey(error)));
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

/**
 * The chart `spec` (model.js's reportCharts) as a figure. `csv` = {path(), filename()}
 * of the report's CSV; `level` the heading's level; `from`/`to` the range, for the
 * description read out with the image.
 */
export function chartFigure(spec, { csv, from, to, level = "h2", idPrefix = "chart" }) {
  const id = `${idPrefix}-${spec.id}`;
  const title = t(spec.title);
  const error = h("div", { class: "form-error", role: "alert" });
  const image = h("div", { class: "chart__image" },
    chartLegend(spec),
    chartSvg(spec, { id, title, description: chartDescription(spec, from, to),
      size: window.matchMedia("(max-width: 40rem)").matches ? NARROW_SIZE : SIZE }));
  const table = h("div", { class: "table-scroll chart__table-wrap", id: `${id}-table`, hidden: true },
    chartTable(spec, { id: `${id}-data`, caption: title, periodHeader: t("reports.period") }));
  const toggle = bindText(h("button", { type: "button", class: "button button--secondary button--small",
    "aria-pressed": "false", "aria-controls": `${id}-table`, dataset: { tableToggle: spec.id } }), "reports.table");
  toggle.addEventListener("click", () => {
    const showTable = table.hidden;
    table.hidden = !showTable;
    image.hidden = showTable;
    toggle.setAttribute("aria-pressed", String(showTable));
  });
  const note = spec.accuracy ? bindText(h("p", { class: "field__hint chart__note" }), "reports.accuracy") : null;
  return h("section", { class: "card chart", id, "aria-labelledby": `${id}-title`, dataset: { chart: spec.id } },
    h("div", { class: "chart__head" },
      h(level, { id: `${id}-title`, text: title }),
      h("div", { class: "chart__tools" }, toggle, csv ? csvButton(`${id}-csv`, csv.path, csv.filename, error) : null)),
    error, image, table, note);
}
