// Charts drawn by the portal itself as SVG (issue 23; why not a library: docs/decisions.md):
// bars per period (side by side or stacked), lines, a dashed reference line (an SLA
// target), a y axis with ticks in the language's number format and the periods along x.
//
// layout() is pure (numbers in, shapes out: tested under Node); chartSvg() turns a layout
// into elements. The SVG is an image named by its <title> and <desc> (role="img",
// aria-labelledby); the figures themselves are in the table each chart has (chartTable).
// Colours and sizes come from classes in css/app.css: the CSP allows no style attributes.

import { h } from "./dom.js";

const SVG = "http://www.w3.org/2000/svg";
export const SIZE = { width: 640, height: 240 };
export const NARROW_SIZE = { width: 360, height: 220 }; // a phone's: its texts stay readable
const MARGIN = { top: 12, right: 12, bottom: 36, left: 56 };
const MAX_X_LABELS = 8;

/** A round step (1, 2, 2.5 or 5 × a power of ten) that cuts `span` into about `count` parts. */
export function niceStep(span, count = 5) {
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10;
  return nice * power;
}

const tidy = (value) => Number(value.toPrecision(12)); // 0.30000000000000004 -> 0.3

/** The y axis's ticks from 0 to at least `max`; whole numbers only for counts. */
export function ticks(max, { count = 5, whole = false } = {}) {
  const top = Number.isFinite(max) && max > 0 ? max : 1;
  let step = niceStep(top, count);
  if (whole) step = Math.max(1, Math.ceil(step));
  const steps = Math.ceil(top / step - 1e-9);
  return Array.from({ length: steps + 1 }, (_, i) => tidy(i * step));
}

/** A linear map from [d0, d1] onto [r0, r1] (a degenerate domain maps to r0). */
export function scale([d0, d1], [r0, r1]) {
  const span = d1 - d0;
  return (value) => (span === 0 ? r0 : r0 + ((value - d0) / span) * (r1 - r0));
}

const fixed = (n) => String(Math.round(n * 10) / 10);

/**
 * An SVG path through [x, y] points; a point whose y is null (no figure for that period)
 * breaks the line, so a gap is never drawn as a slope.
 */
export function linePath(points) {
  let d = "";
  let pen = false;
  for (const [x, y] of points) {
    if (y === null || y === undefined || !Number.isFinite(y)) {
      pen = false;
      continue;
    }
    d += `${pen ? "L" : "M"}${fixed(x)} ${fixed(y)}`;
    pen = true;
  }
  return d;
}

/** Which of `count` period labels are shown along x: at most `max`, evenly, the first always. */
export function labelIndexes(count, max = MAX_X_LABELS) {
  const every = Math.max(1, Math.ceil(count / max));
  return Array.from({ length: count }, (_, i) => i).filter((i) => i % every === 0);
}

/**
 * Shapes for a chart. `spec`: labels (one per period, already in the language), series
 * ([{name, kind: "bar" | "line", values: [number | null]}]), stacked (bars on top of each
 * other), whole (counts: whole-number ticks), max (a fixed top, e.g. 100 for per cent),
 * refs ([{value, label}]: dashed horizontal lines) and format(value) for the tick texts.
 */
export function layout(spec, size = SIZE) {
  const { labels, series, stacked = false, whole = false, refs = [], format = String } = spec;
  const plot = { left: MARGIN.left, top: MARGIN.top, right: size.width - MARGIN.right, bottom: size.height - MARGIN.bottom };
  const count = Math.max(1, labels.length);
  const band = (plot.right - plot.left) / count;
  const bars = series.map((s, index) => ({ ...s, index })).filter((s) => s.kind === "bar");
  const lines = series.map((s, index) => ({ ...s, index })).filter((s) => s.kind === "line");
  const value = (v) => (Number.isFinite(v) ? v : 0);

  let top = 0;
  for (let i = 0; i < labels.length; i += 1) {
    if (stacked) top = Math.max(top, bars.reduce((sum, s) => sum + value(s.values[i]), 0));
    else for (const s of bars) top = Math.max(top, value(s.values[i]));
    for (const s of lines) top = Math.max(top, value(s.values[i]));
  }
  for (const ref of refs) top = Math.max(top, value(ref.value));
  if (spec.max !== undefined) top = Math.max(top, spec.max);
  const yTicks = ticks(top, { whole });
  const y = scale([0, yTicks.at(-1)], [plot.bottom, plot.top]);
  const x = (i) => plot.left + band * (i + 0.5);

  const rects = [];
  const gap = Math.min(4, band * 0.15);
  const width = stacked || bars.length === 0 ? band - 2 * gap : (band - 2 * gap) / bars.length;
  for (let i = 0; i < labels.length; i += 1) {
    let base = 0;
    bars.forEach((s, k) => {
      const v = s.values[i];
      if (!Number.isFinite(v) || v <= 0) return;
      const left = plot.left + band * i + gap + (stacked ? 0 : k * width);
      const y0 = y(base);
      const y1 = y(stacked ? base + v : v);
      rects.push({ series: s.index, period: i, value: v, x: left, y: y1, width: Math.max(0.5, width), height: y0 - y1 });
      if (stacked) base += v;
    });
  }
  return {
    width: size.width,
    height: size.height,
    plot,
    yTicks: yTicks.map((v) => ({ value: v, y: y(v), text: format(v) })),
    // About one label per 72 units of width: a narrow chart (a phone's) gets fewer.
    xLabels: labelIndexes(labels.length, Math.max(3, Math.floor((plot.right - plot.left) / 72)))
      .map((i) => ({ index: i, x: x(i), text: labels[i] })),
    bars: rects,
    lines: lines.map((s) => ({
      series: s.index,
      d: linePath(s.values.map((v, i) => [x(i), Number.isFinite(v) ? y(v) : null])),
      // A lone point (its neighbours have no figure) would draw nothing: it gets a dot.
      dots: s.values.map((v, i) => [i, v]).filter(([i, v]) => Number.isFinite(v)
        && !Number.isFinite(s.values[i - 1]) && !Number.isFinite(s.values[i + 1]))
        .map(([i, v]) => ({ x: x(i), y: y(v) })),
    })),
    refs: refs.filter((r) => Number.isFinite(r.value)).map((r) => ({ y: y(r.value), label: r.label })),
  };
}

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "text") el.textContent = value;
    else if (value !== null && value !== undefined) el.setAttribute(name, String(value));
  }
  el.append(...children.flat(Infinity).filter(Boolean));
  return el;
}

/** The chart as an <svg role="img"> named by `title` and described by `description`. */
export function chartSvg(spec, { id, title, description, size = SIZE }) {
  const shape = layout(spec, size);
  const { plot } = shape;
  const titleId = `${id}-svg-title`;
  const descId = `${id}-svg-desc`;
  return svg("svg", {
    class: "chart__svg", viewBox: `0 0 ${shape.width} ${shape.height}`, role: "img",
    "aria-labelledby": `${titleId} ${descId}`, focusable: "false", "data-chart-svg": id,
  },
  svg("title", { id: titleId, text: title }),
  svg("desc", { id: descId, text: description }),
  svg("g", { class: "chart__grid", "aria-hidden": "true" }, shape.yTicks.map((tick) => [
    svg("line", { x1: plot.left, x2: plot.right, y1: fixed(tick.y), y2: fixed(tick.y) }),
    svg("text", { class: "chart__tick chart__tick--y", x: plot.left - 6, y: fixed(tick.y), text: tick.text }),
  ])),
  svg("g", { class: "chart__axis", "aria-hidden": "true" },
    svg("line", { x1: plot.left, x2: plot.right, y1: plot.bottom, y2: plot.bottom }),
    shape.xLabels.map((label) => svg("text", {
      class: "chart__tick chart__tick--x", x: fixed(label.x), y: plot.bottom + 18, text: label.text,
    }))),
  svg("g", { "aria-hidden": "true" }, shape.bars.map((bar) => svg("rect", {
    class: `chart__bar chart__s${bar.series}`, x: fixed(bar.x), y: fixed(bar.y),
    width: fixed(bar.width), height: fixed(bar.height),
  }))),
  svg("g", { "aria-hidden": "true" }, shape.lines.map((line) => [
    svg("path", { class: `chart__line chart__s${line.series}`, d: line.d || null }),
    line.dots.map((dot) => svg("circle", { class: `chart__dot chart__s${line.series}`, cx: fixed(dot.x), cy: fixed(dot.y), r: 3 })),
  ])),
  svg("g", { class: "chart__refs", "aria-hidden": "true" }, shape.refs.map((ref) => [
    svg("line", { class: "chart__ref", x1: plot.left, x2: plot.right, y1: fixed(ref.y), y2: fixed(ref.y) }),
    svg("text", { class: "chart__ref-label", x: plot.right - 4, y: fixed(ref.y - 4), text: ref.label }),
  ])));
}

/** The series' names with their colours (the SVG's own texts are hidden from screen readers). */
export function chartLegend(spec) {
  return h("ul", { class: "chart__legend", "aria-hidden": "true" }, spec.series.map((s, i) =>
    h("li", {}, h("span", { class: `chart__swatch chart__swatch--${s.kind} chart__s${i}` }), " ", s.name)));
}

/**
 * The same figures as rows for a table: [period label, ...each series' value formatted],
 * a missing figure as an en dash.
 */
export function tableRows(spec, labels = spec.longLabels ?? spec.labels) {
  const format = spec.cell ?? spec.format ?? String;
  return labels.map((label, i) => [label, ...spec.series.map((s) =>
    (Number.isFinite(s.values[i]) ? format(s.values[i]) : "–"))]);
}

/** An accessible data table: a caption, column headers, a row header per period. */
export function chartTable(spec, { id, caption, periodHeader }) {
  return h("table", { class: "admin-table chart__table", id },
    // The chart's heading names it on screen; the caption names the table for screen readers.
    h("caption", { class: "visually-hidden", text: caption }),
    h("thead", {}, h("tr", {}, h("th", { scope: "col", text: periodHeader }),
      spec.series.map((s) => h("th", { scope: "col", class: "number", text: s.name })))),
    h("tbody", {}, tableRows(spec).map(([label, ...cells]) => h("tr", {},
      h("th", { scope: "row", text: label }), cells.map((cell) => h("td", { class: "number", text: cell }))))));
}
