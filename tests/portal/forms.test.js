import assert from "node:assert/strict";
import { describe, it } from "node:test";

import "./support.js";
import { ApiError } from "../../portal/js/api.js";
import { FormError, errorKey, values } from "../../portal/js/forms.js";

const apiError = (status, extra = {}) => new ApiError({ status, ...extra });

describe("errorKey", () => {
  it("names the general message of each status", () => {
    assert.equal(errorKey(apiError(401)), "errors.unauthenticated");
    assert.equal(errorKey(apiError(403)), "errors.forbidden");
    assert.equal(errorKey(apiError(404)), "errors.not_found");
    assert.equal(errorKey(apiError(409)), "errors.conflict");
    assert.equal(errorKey(apiError(413)), "errors.too_large");
    assert.equal(errorKey(apiError(422)), "errors.rule");
    assert.equal(errorKey(apiError(429)), "errors.rate_limited");
    assert.equal(errorKey(apiError(418)), "errors.unexpected");
  });
  it("says every 5xx is the server's", () => {
    assert.equal(errorKey(apiError(500)), "errors.server");
    assert.equal(errorKey(apiError(503)), "errors.server");
  });
  it("points at the fields when a 400 names them", () => {
    assert.equal(errorKey(apiError(400)), "errors.invalid_input");
    assert.equal(errorKey(apiError(400, { errors: [{ loc: ["body", "email"], msg: "bad" }] })), "errors.check_fields");
    assert.equal(errorKey(new FormError({ body: "ticket.errors.comment_empty" })), "errors.check_fields");
  });
  it("tells a timeout from a lost connection", () => {
    assert.equal(errorKey(apiError(0, { kind: "timeout" })), "errors.timeout");
    assert.equal(errorKey(apiError(0, { kind: "network" })), "errors.network");
  });
  it("lets a screen say its own words for a status", () => {
    assert.equal(errorKey(apiError(401), { 401: "errors.bad_credentials" }), "errors.bad_credentials");
    assert.equal(errorKey(apiError(404), { 401: "errors.bad_credentials" }), "errors.not_found");
  });
  it("calls anything else unexpected", () => {
    assert.equal(errorKey(new TypeError("x is undefined")), "errors.unexpected");
  });
});

describe("values", () => {
  // A form as forms.js reads it: its elements with name, type, value and dataset.
  const field = (name, type, value, extra = {}) => ({ name, type, value, dataset: {}, ...extra });

  it("reads each named field; data-trim fields are trimmed", () => {
    const form = { elements: [
      field("email", "email", "  ann@example.test ", { dataset: { trim: "" } }),
      field("password", "password", " secret "),
      field("", "text", "no name"),
      field("go", "submit", "Send"),
      field("cancel", "button", "Cancel"),
    ] };
    assert.deepEqual(values(form), { email: "ann@example.test", password: " secret " });
  });
  it("gives a radio group's checked value, and leaves it out when none is checked", () => {
    const rated = { elements: [
      field("rating", "radio", "good", { checked: false }), field("rating", "radio", "bad", { checked: true }),
    ] };
    assert.deepEqual(values(rated), { rating: "bad" });
    const unrated = { elements: [field("rating", "radio", "good", { checked: false })] };
    assert.deepEqual(values(unrated), {});
  });
  it("gives a checkbox as true or false", () => {
    const form = { elements: [
      field("internal", "checkbox", "on", { checked: true }), field("ticket_created", "checkbox", "on", { checked: false }),
    ] };
    assert.deepEqual(values(form), { internal: true, ticket_created: false });
  });
});
