// The home page's work section (issue 23, item 4): the agent's tiles lead into the
// filtered queue, and a count read from one page says "at least".

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import "./support.js";
import { QUEUE_TILES, countText } from "../../portal/js/views/home-work.js";
import { staffFilters } from "../../portal/js/views/ticket-list.js";

describe("the agent's queue tiles", () => {
  it("each open the queue with filters the list understands", () => {
    for (const [, , href] of QUEUE_TILES) {
      const [path, query = ""] = href.slice(1).split("?");
      assert.equal(path, "/tickets");
      const filters = staffFilters(new URLSearchParams(query));
      assert.equal(filters.assignee, new URLSearchParams(query).get("assignee"));
      if (query.includes("status=")) assert.equal(filters.status, "waiting_on_customer");
    }
  });
  it("name every number GET /home answers", () => {
    assert.deepEqual(QUEUE_TILES.map(([, field]) => field).sort(),
      ["mine", "near_sla", "past_sla", "unassigned", "waiting_on_customer"]);
  });
});

describe("countText", () => {
  it("says 100+ only when the list was longer than the page read", () => {
    assert.equal(countText(3, false), "3");
    assert.equal(countText(100, true), "100+");
    assert.equal(countText(40, true), "40");
  });
});
