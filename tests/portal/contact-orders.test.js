// The contact-order screens' pure parts: the list's filters in the address and in saved
// favourites, the rights that decide each button, wall-clock times in the tenant's zone,
// the to-do list's buckets, the statuses editor and the roles' rights.

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import "./support.js";
import { modulesFor } from "../../portal/js/modules.js";
import {
  dayIn, filterQuery, filtersFrom, filtersOfFavourite, groupTodo, instantOf, moved, newOrderPath, rightsOf,
  RIGHTS, sameFilters, statusChoices, todoBucket,
} from "../../portal/js/views/contact-orders/common.js";
import { matchesSearch } from "../../portal/js/views/contact-orders/customer.js";
import { registerAddress, registerFrom } from "../../portal/js/views/contact-orders/customers.js";
import { checkStatuses, withRights } from "../../portal/js/views/contact-orders/settings.js";

const staff = (permissions) => ({ kind: "staff", permissions });

describe("the contact-order list's filters", () => {
  it("default to every order", () => {
    assert.deepEqual(filtersFrom(new URLSearchParams("")),
      { assignee: "", from: "", to: "", customer_id: "", status: "", state: "all", sort: "" });
  });
  it("read the address and drop what is not a filter's value", () => {
    const read = filtersFrom(new URLSearchParams(
      "assignee=me&from=2026-12-01&to=2026-12-31&customer_id=C1&status=Bokad&state=open&sort=number&x=1"));
    assert.deepEqual(read, { assignee: "me", from: "2026-12-01", to: "2026-12-31", customer_id: "C1",
      status: "Bokad", state: "open", sort: "number" });
    const junk = filtersFrom(new URLSearchParams("assignee=u1&from=1.12.2026&customer_id=a/b&state=gone&sort=name"));
    assert.deepEqual(junk, { assignee: "", from: "", to: "", customer_id: "", status: "", state: "all", sort: "" });
    assert.equal(filtersFrom(new URLSearchParams(`status=${"x".repeat(80)}`)).status.length, 60);
  });
  it("become the query with only what is set, state all left out", () => {
    assert.equal(filterQuery({ assignee: "me", from: "", to: "", customer_id: "", status: "Ny", state: "all", sort: "" }).toString(),
      "assignee=me&status=Ny");
    assert.equal(filterQuery({ state: "closed", from: "2026-01-01" }).toString(), "from=2026-01-01&state=closed");
  });
  it("round-trip through a saved favourite, whatever order its query is in", () => {
    const filters = filtersFrom(new URLSearchParams("state=open&assignee=me"));
    const favourite = { query: Object.fromEntries(filterQuery(filters)) };
    assert.ok(sameFilters(filtersOfFavourite(favourite), filters));
    assert.ok(sameFilters(filtersOfFavourite({ query: { assignee: "me", state: "open" } }), filters));
    assert.ok(!sameFilters(filtersOfFavourite({ query: { assignee: "me" } }), filters));
    assert.deepEqual(filtersOfFavourite({ query: { evil: "<img>", state: 7 } }), filtersFrom(new URLSearchParams("")));
    assert.deepEqual(filtersOfFavourite(null), filtersFrom(new URLSearchParams("")));
  });
});

describe("the create form's address (seed 001's Alternativ 2)", () => {
  it("carries the customer, site or service object it is made from", () => {
    assert.equal(newOrderPath(), "/contact-orders/new");
    assert.equal(newOrderPath({ customer_id: "C 1", site_id: "S1" }), "/contact-orders/new?customer_id=C+1&site_id=S1");
    assert.equal(newOrderPath({ customer_id: "C1", service_object_id: "O1" }), "/contact-orders/new?customer_id=C1&service_object_id=O1");
  });
});

describe("the eight rights of seed 001", () => {
  it("decide the buttons", () => {
    const sales = rightsOf(staff(RIGHTS));
    assert.deepEqual(Object.entries(sales).filter(([, v]) => !v).map(([k]) => k), ["assignedOnly", "settings"]);
    const agent = rightsOf(staff(["contact_orders.view", "contact_orders.edit", "contact_orders.create", "contact_orders.assign_self"]));
    assert.equal(agent.assign, false);
    assert.equal(agent.assignSelf, true);
    assert.equal(agent.deleteFiles, false);
    assert.equal(agent.delete, false);
  });
  it("make a view_assigned-only user's world narrower", () => {
    const limited = rightsOf(staff(["contact_orders.view_assigned"]));
    assert.equal(limited.view, true);
    assert.equal(limited.assignedOnly, true);
    assert.equal(limited.create || limited.edit || limited.assignSelf, false);
    assert.equal(rightsOf(staff(["contact_orders.view", "contact_orders.view_assigned"])).assignedOnly, false);
  });
  it("assign implies taking an order oneself; admins reach the settings", () => {
    assert.equal(rightsOf(staff(["contact_orders.assign"])).assignSelf, true);
    assert.equal(rightsOf(staff(["roles.manage"])).settings, true);
    assert.equal(rightsOf(staff(["settings.view"])).settings, false);
  });
  it("show the to-do list and the customer register in the menu", () => {
    assert.deepEqual(modulesFor(staff(["contact_orders.view_assigned"])).map((m) => m.id), ["contact_orders", "todo"]);
    assert.deepEqual(modulesFor(staff(["organizations.view"])).map((m) => m.id), ["customers"]);
    assert.deepEqual(modulesFor({ kind: "contact", permissions: ["organizations.view", "contact_orders.view"] }).map((m) => m.id),
      ["my_tickets"]);
  });
});

describe("times in the tenant's zone", () => {
  it("turn a Stockholm wall-clock time into UTC, summer and winter", () => {
    assert.equal(instantOf("2026-12-07", "09:30", "Europe/Stockholm"), "2026-12-07T08:30:00Z");
    assert.equal(instantOf("2026-07-07", "09:30", "Europe/Stockholm"), "2026-07-07T07:30:00Z");
    assert.equal(instantOf("2026-12-07", "09:30", "Europe/Helsinki"), "2026-12-07T07:30:00Z");
    assert.equal(instantOf("2026-12-07", "09:30", "UTC"), "2026-12-07T09:30:00Z");
  });
  it("cross the daylight-saving change the right way", () => {
    // 29 March 2026: Stockholm goes from +01:00 to +02:00 at 02:00 local.
    assert.equal(instantOf("2026-03-29", "01:30", "Europe/Stockholm"), "2026-03-29T00:30:00Z");
    assert.equal(instantOf("2026-03-29", "03:30", "Europe/Stockholm"), "2026-03-29T01:30:00Z");
  });
  it("refuse what is not a date and a time", () => {
    for (const [day, time] of [["", "09:00"], ["2026-12-07", ""], ["7.12.2026", "09:00"], ["2026-12-07", "9"]]) {
      assert.equal(instantOf(day, time, "Europe/Stockholm"), null, `${day} ${time}`);
    }
  });
  it("name the day of an instant in the zone", () => {
    assert.equal(dayIn("2026-12-06T23:30:00Z", "Europe/Stockholm"), "2026-12-07");
    assert.equal(dayIn("2026-12-06T23:30:00Z", "UTC"), "2026-12-06");
  });
});

describe("the to-do list's buckets", () => {
  // Wednesday 9 December 2026, 10:00 in Stockholm.
  const now = new Date("2026-12-09T09:00:00Z");
  const zone = "Europe/Stockholm";
  it("put overdue and today's items under today", () => {
    assert.equal(todoBucket("2026-12-01T09:00:00Z", now, zone), "today");
    assert.equal(todoBucket("2026-12-09T20:00:00Z", now, zone), "today");
    assert.equal(todoBucket("2026-12-09", now, zone), "today");
  });
  it("put the rest of the Monday-to-Sunday week under this week", () => {
    assert.equal(todoBucket("2026-12-10T08:00:00Z", now, zone), "week");
    assert.equal(todoBucket("2026-12-13T21:00:00Z", now, zone), "week"); // Sunday 22:00 local
    assert.equal(todoBucket("2026-12-13T23:30:00Z", now, zone), "later"); // Monday 00:30 local
    assert.equal(todoBucket("2026-12-14", now, zone), "later");
  });
  it("put undated items later, and group keeping the API's order", () => {
    assert.equal(todoBucket(null, now, zone), "later");
    const items = [{ at: "2026-12-08T10:00:00Z", n: 1 }, { at: "2026-12-11", n: 2 }, { at: null, n: 3 }, { at: "2026-12-09T15:00:00Z", n: 4 }];
    const groups = groupTodo(items, now, zone);
    assert.deepEqual(Object.fromEntries(Object.entries(groups).map(([k, v]) => [k, v.map((i) => i.n)])),
      { today: [1, 4], week: [2], later: [3] });
  });
});

describe("the statuses editor", () => {
  it("moves a status up and down, and leaves the ends alone", () => {
    assert.deepEqual(moved(["a", "b", "c"], 1, -1), ["b", "a", "c"]);
    assert.deepEqual(moved(["a", "b", "c"], 1, 1), ["a", "c", "b"]);
    assert.deepEqual(moved(["a", "b", "c"], 0, -1), ["a", "b", "c"]);
    assert.deepEqual(moved(["a", "b", "c"], 2, 1), ["a", "b", "c"]);
  });
  it("keeps a retired status on the orders that have it", () => {
    assert.deepEqual(statusChoices(["Ny", "Bokad"], "Gammal"), ["Ny", "Bokad", "Gammal"]);
    assert.deepEqual(statusChoices(["Ny", "Bokad"], "Ny"), ["Ny", "Bokad"]);
  });
  it("refuses an empty list, empty and repeated names", () => {
    assert.deepEqual(checkStatuses([" Ny ", "Bokad"]), { statuses: ["Ny", "Bokad"] });
    assert.equal(checkStatuses([]).error, "crm.settings.errors.none");
    assert.equal(checkStatuses(["Ny", " "]).error, "crm.settings.errors.empty");
    assert.equal(checkStatuses(["Ny", "ny"]).error, "crm.settings.errors.repeat");
    assert.equal(checkStatuses(["x".repeat(61)]).error, "crm.settings.errors.long");
  });
});

describe("a role's contact-order rights", () => {
  it("replace only the contact-order rights, keeping the others", () => {
    assert.deepEqual(withRights(["tickets.view", "contact_orders.view", "contact_orders.delete"], ["contact_orders.view_assigned"]),
      ["contact_orders.view_assigned", "tickets.view"]);
    assert.deepEqual(withRights([], ["contact_orders.edit", "made.up"]), ["contact_orders.edit"]);
  });
});

describe("the customer card's search of sites and service objects", () => {
  it("finds by name, serial number and address, ignoring case", () => {
    const site = { name: "Verkstaden", address: { street: "Storgatan 1", city: "Stockholm" } };
    const object = { name: "Kompressor", serial_number: "SN-42" };
    assert.ok(matchesSearch(site, ""));
    assert.ok(matchesSearch(site, "verk"));
    assert.ok(matchesSearch(site, "stockholm"));
    assert.ok(matchesSearch(object, "sn-4"));
    assert.ok(!matchesSearch(object, "verk"));
  });
});

describe("the registers' address", () => {
  it("reads the register and the search, an unknown register being the customers'", () => {
    assert.deepEqual(registerFrom(new URLSearchParams("register=sites&q=lager")), { register: "sites", q: "lager" });
    assert.deepEqual(registerFrom(new URLSearchParams("register=users")), { register: "customers", q: "" });
    assert.equal(registerFrom(new URLSearchParams(`q=${"a".repeat(150)}`)).q.length, 100);
  });
  it("writes it back, the customers' register without its name", () => {
    assert.equal(registerAddress({ register: "customers", q: "" }), "/customers");
    assert.equal(registerAddress({ register: "objects", q: "kompressor kx" }), "/customers?register=objects&q=kompressor+kx");
  });
});
