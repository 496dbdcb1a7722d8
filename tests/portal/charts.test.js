// The portal's own SVG charts (portal/js/charts.js): round ticks, scales, paths that
// break at a missing figure, bars side by side or stacked, and the table's rows.

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import "./support.js";
import { NARROW_SIZE, SIZE, labelIndexes, layout, linePath, niceStep, scale, tableRows, ticks } from "../../portal/js/charts.js";

describe("ticks", () => {
  it("start at zero and end at a round value at or above the maximum", () => {
    assert.deepEqual(ticks(17), [0, 5, 10, 15, 20]);
    assert.deepEqual(ticks(100), [0, 20, 40, 60, 80, 100]);
    assert.deepEqual(ticks(0.7), [0, 0.2, 0.4, 0.6, 0.8]);
  });
  it("are whole numbers for counts, and one step when there is nothing", () => {
    assert.deepEqual(ticks(3, { whole: true }), [0, 1, 2, 3]);
    assert.deepEqual(ticks(0, { whole: true }), [0, 1]);
    assert.deepEqual(ticks(Number.NaN), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  });
  it("take steps of 1, 2, 2.5 or 5 times a power of ten", () => {
    assert.equal(niceStep(1000, 5), 200);
    assert.equal(niceStep(12, 5), 2.5);
    assert.equal(niceStep(40, 5), 10);
  });
});

describe("scale", () => {
  it("maps the domain linearly onto the range, upside down for y", () => {
    const y = scale([0, 20], [200, 0]);
    assert.equal(y(0), 200);
    assert.equal(y(5), 150);
    assert.equal(y(20), 0);
    assert.equal(scale([3, 3], [10, 0])(3), 10);
  });
});

describe("linePath", () => {
  it("draws through the points and lifts the pen at a missing figure", () => {
    assert.equal(linePath([[0, 10], [5, 20.04], [10, null], [15, 5], [20, 6]]), "M0 10L5 20M15 5L20 6");
    assert.equal(linePath([[0, null], [1, undefined]]), "");
  });
});

describe("labelIndexes", () => {
  it("shows every period when few, else at most eight, evenly, the first always", () => {
    assert.deepEqual(labelIndexes(5), [0, 1, 2, 3, 4]);
    const many = labelIndexes(30);
    assert.ok(many.length <= 8);
    assert.equal(many[0], 0);
    assert.deepEqual(many, [0, 4, 8, 12, 16, 20, 24, 28]);
  });
});

describe("layout", () => {
  const spec = {
    labels: ["a", "b", "c"],
    series: [{ name: "x", kind: "bar", values: [2, 4, 0] }, { name: "y", kind: "bar", values: [1, 1, 3] }],
    whole: true,
    format: (v) => `#${v}`,
  };

  it("puts the bars side by side within each period's band, scaled to the ticks", () => {
    const shape = layout(spec);
    assert.equal(shape.yTicks.at(-1).value, 4);
    assert.equal(shape.yTicks.at(-1).text, "#4");
    assert.equal(shape.bars.length, 5); // a zero draws no bar
    const [first, second] = shape.bars.filter((b) => b.period === 0);
    assert.ok(second.x > first.x);
    assert.equal(first.width, second.width);
    const tallest = shape.bars.find((b) => b.value === 4);
    assert.equal(Math.round(tallest.y), shape.plot.top);
    assert.equal(Math.round(tallest.y + tallest.height), shape.plot.bottom);
    assert.equal(shape.width, SIZE.width);
  });

  it("labels fewer periods along a narrow chart's axis", () => {
    const labels = Array.from({ length: 30 }, (_, i) => String(i + 1));
    const wide = layout({ labels, series: [] });
    const narrow = layout({ labels, series: [] }, NARROW_SIZE);
    assert.ok(narrow.xLabels.length < wide.xLabels.length);
    assert.ok(narrow.xLabels.length >= 3);
    assert.equal(narrow.width, NARROW_SIZE.width);
  });

  it("stacks bars when asked: the top is the sum", () => {
    const shape = layout({ ...spec, stacked: true });
    assert.equal(shape.yTicks.at(-1).value, 5);
    const [low, high] = shape.bars.filter((b) => b.period === 1);
    assert.equal(low.x, high.x);
    assert.equal(Math.round(high.y + high.height), Math.round(low.y)); // one on top of the other
  });

  it("raises the axis to a reference line and a fixed top, and dots a lone point", () => {
    const shape = layout({
      labels: ["a", "b", "c"], max: 100,
      series: [{ name: "m", kind: "line", values: [null, 40, null] }],
      refs: [{ value: 120, label: "target" }],
    });
    assert.ok(shape.yTicks.at(-1).value >= 120);
    assert.equal(shape.lines[0].dots.length, 1);
    assert.equal(shape.refs[0].label, "target");
    assert.ok(shape.refs[0].y >= shape.plot.top);
  });
});

describe("tableRows", () => {
  it("gives each period its label and each series its formatted figure, a dash for none", () => {
    const rows = tableRows({
      labels: ["1 Dec"], longLabels: ["1 Dec 2026"], format: (v) => `${v} h`,
      series: [{ name: "median", values: [1.5] }, { name: "p90", values: [null] }],
    });
    assert.deepEqual(rows, [["1 Dec 2026", "1.5 h", "–"]]);
  });
});
