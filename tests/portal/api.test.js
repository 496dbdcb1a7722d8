import assert from "node:assert/strict";
import { before, beforeEach, describe, it } from "node:test";

import { answerApi, jsonResponse } from "./support.js";
import { ApiError, api, configureAuth, fieldName, idempotencyKey, loadConfig } from "../../portal/js/api.js";

const PROBLEM = "application/problem+json";

describe("fieldName", () => {
  it("names a body field without the body prefix, nested fields with dots", () => {
    assert.equal(fieldName(["body", "email"]), "email");
    assert.equal(fieldName(["body", "contact", "email"]), "contact.email");
    assert.equal(fieldName(["body", "items", 0]), "items.0");
  });
  it("keeps the prefix of query and path errors", () => {
    assert.equal(fieldName(["query", "limit"]), "query.limit");
  });
  it("has no name for the body itself or for no location", () => {
    assert.equal(fieldName(["body"]), null);
    assert.equal(fieldName([]), null);
    assert.equal(fieldName("body.email"), null);
  });
});

describe("ApiError.fromProblem", () => {
  it("keeps the problem's members and gathers the field errors by name", () => {
    const error = ApiError.fromProblem(400, {
      type: "about:blank", title: "Invalid input", status: 400, detail: "Check the fields.",
      errors: [{ loc: ["body", "email"], msg: "not an e-mail address" }, { loc: ["body", "email"], msg: "too long" },
        { loc: ["body"], msg: "unplaced" }, { msg: "no location" }],
      challenge: "NEW_PASSWORD_REQUIRED",
    });
    assert.equal(error.status, 400);
    assert.equal(error.kind, "http");
    assert.equal(error.title, "Invalid input");
    assert.equal(error.message, "Check the fields.");
    assert.deepEqual([...error.fields], [["email", ["not an e-mail address", "too long"]]]);
    assert.equal(error.errors.length, 3); // the one without a loc is dropped
    assert.deepEqual(error.extra, { challenge: "NEW_PASSWORD_REQUIRED" });
  });
  it("reads a body that is no problem as an empty one", () => {
    for (const payload of [null, "Bad Gateway", [1, 2]]) {
      const error = ApiError.fromProblem(502, payload);
      assert.equal(error.message, "HTTP 502");
      assert.equal(error.fields.size, 0);
      assert.deepEqual(error.extra, {});
    }
  });
});

describe("request", () => {
  const sent = [];
  let token = "token-1";
  let refreshes = 0;

  before(async () => {
    await loadConfig();
    configureAuth({
      token: () => token,
      refresh: async () => {
        refreshes += 1;
        token = "token-2";
        return true;
      },
    });
  });
  beforeEach(() => {
    sent.length = 0;
    token = "token-1";
    refreshes = 0;
  });

  it("answers a file's bytes as a Blob when asked, and a problem still as an ApiError", async () => {
    const pdf = new Uint8Array([0x25, 0x50, 0x44, 0x46, 0x2d, 0x00, 0xff]); // "%PDF-", then bytes that are not text
    answerApi((url, init) => {
      sent.push({ url: url.href, init });
      return url.pathname.endsWith("/gone")
        ? jsonResponse(422, { status: 422, detail: "Not published." }, PROBLEM)
        : new Response(pdf, { status: 200, headers: { "Content-Type": "application/pdf" } });
    });
    const blob = await api.get("/subscriptions/S1/certificate", { as: "blob", headers: { Accept: "application/pdf" } });
    assert.equal(blob.type, "application/pdf");
    assert.deepEqual(new Uint8Array(await blob.arrayBuffer()), pdf);
    assert.equal(sent[0].init.headers.get("Authorization"), "Bearer token-1");
    assert.equal(sent[0].init.headers.get("Accept"), "application/pdf");
    await assert.rejects(api.get("/subscriptions/S1/gone", { as: "blob" }),
      (error) => error instanceof ApiError && error.status === 422 && error.detail === "Not published.");
  });

  it("sends JSON under api_base with the bearer token", async () => {
    answerApi((url, init) => {
      sent.push({ url: url.href, init });
      return jsonResponse(201, { id: "T1" });
    });
    const answer = await api.post("/tickets", { subject: "Printer" }, { headers: { "Idempotency-Key": "k1" } });
    assert.deepEqual(answer, { id: "T1" });
    const [{ url, init }] = sent;
    assert.equal(url, "https://api.example.test/v1/tickets");
    assert.equal(init.method, "POST");
    assert.equal(init.body, JSON.stringify({ subject: "Printer" }));
    assert.equal(init.headers.get("Authorization"), "Bearer token-1");
    assert.equal(init.headers.get("Content-Type"), "application/json");
    assert.equal(init.headers.get("Idempotency-Key"), "k1");
    assert.equal(init.credentials, "omit");
    assert.equal(init.redirect, "error");
  });

  it("sends no token when asked not to", async () => {
    answerApi((url, init) => {
      sent.push(init);
      return jsonResponse(200, {});
    });
    await api.post("/auth/login", { email: "a@b.test", password: "x" }, { auth: false });
    assert.equal(sent[0].headers.get("Authorization"), null);
  });

  it("refuses absolute addresses: the token goes to the API only", async () => {
    answerApi(() => assert.fail("nothing may be sent"));
    await assert.rejects(api.get("https://evil.example/steal"), /relative to api_base/);
    await assert.rejects(api.get("//evil.example/steal"), /relative to api_base/);
    await assert.rejects(api.get("javascript:alert(1)"), /relative to api_base/);
  });

  it("renews the token once on a 401 and sends the request again", async () => {
    answerApi((url, init) => {
      sent.push(init.headers.get("Authorization"));
      return init.headers.get("Authorization") === "Bearer token-2"
        ? jsonResponse(200, { ok: true }) : jsonResponse(401, { title: "Unauthorized" }, PROBLEM);
    });
    assert.deepEqual(await api.get("/me"), { ok: true });
    assert.deepEqual(sent, ["Bearer token-1", "Bearer token-2"]);
    assert.equal(refreshes, 1);
  });

  it("gives up after one renewal", async () => {
    answerApi(() => jsonResponse(401, { title: "Unauthorized", detail: "Token expired." }, PROBLEM));
    await assert.rejects(api.get("/me"), (error) => error instanceof ApiError && error.status === 401
      && error.detail === "Token expired.");
    assert.equal(refreshes, 1);
  });

  it("turns a problem answer into an ApiError with its field errors", async () => {
    answerApi(() => jsonResponse(400, {
      title: "Invalid input", errors: [{ loc: ["body", "subject"], msg: "Field required" }],
    }, PROBLEM));
    await assert.rejects(api.post("/tickets", {}), (error) => {
      assert.ok(error instanceof ApiError);
      assert.equal(error.status, 400);
      assert.deepEqual(error.fields.get("subject"), ["Field required"]);
      return true;
    });
  });

  it("turns a failed connection into a network error with status 0", async () => {
    answerApi(() => Promise.reject(new TypeError("fetch failed")));
    await assert.rejects(api.get("/tickets"), (error) => error instanceof ApiError
      && error.status === 0 && error.kind === "network");
  });

  it("answers null for 204 and for an empty body", async () => {
    answerApi(() => new Response(null, { status: 204 }));
    assert.equal(await api.delete("/tickets/T1/watchers/me"), null);
  });
});

describe("idempotencyKey", () => {
  it("is a fresh random key each time", () => {
    const keys = new Set(Array.from({ length: 50 }, () => idempotencyKey()));
    assert.equal(keys.size, 50);
    for (const key of keys) assert.match(key, /^[0-9a-f-]{32,36}$/);
  });
});
