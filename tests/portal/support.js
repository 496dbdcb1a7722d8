// What the portal's modules need from a browser to run their pure parts under Node:
// fetch for the files they load next to themselves (the sv/fi/en catalogs and
// config.json), answered from disk, and an empty document to translate. Requests to
// the API go to the handler a test sets with answerApi().

import { webcrypto } from "node:crypto";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

const CONFIG = { api_base: "https://api.example.test/v1" };
let apiHandler = () => {
  throw new Error("this test sends no API requests");
};

/** `handler(url, init)` answers the API requests that follow (a Response or a promise of one). */
export function answerApi(handler) {
  apiHandler = handler;
}

export function jsonResponse(status, body, type = "application/json") {
  return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { "Content-Type": type } });
}

globalThis.fetch = async (input, init = {}) => {
  const url = new URL(input);
  if (url.protocol === "file:") {
    if (url.pathname.endsWith("/portal/config.json")) return jsonResponse(200, CONFIG);
    return new Response(await readFile(fileURLToPath(url)), { status: 200, headers: { "Content-Type": "application/json" } });
  }
  return apiHandler(url, init);
};

// Node 18 has Web Crypto (for idempotency keys) only as a module, not as a global.
globalThis.crypto ??= webcrypto;

// setLanguage() sets <html lang> and translates the document: here one with no texts.
globalThis.Element ??= class Element {};
globalThis.document ??= { documentElement: {}, querySelectorAll: () => [] };
