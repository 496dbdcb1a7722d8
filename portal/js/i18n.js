// Swedish, Finnish and English.
//
// Texts live in /i18n/<lang>.json (nested objects; a value that is an object
// with "one"/"other" is chosen by Intl.PluralRules from the "count" parameter).
// Markup names its texts declaratively and this module fills them in with
// textContent:
//   data-i18n="login.title"                  the element's text
//   data-i18n-args='{"name": "..."}'         parameters for {name}
//   data-i18n-attr="aria-label:nav.label"    attributes, ";"-separated
// Which language: an explicit choice made in this tab (sessionStorage), else
// the signed-in user's language, else the browser's, else English.

export const LANGUAGES = ["sv", "fi", "en"];
const FALLBACK = "en";
const STORAGE_KEY = "helpdesk.language";
const LOCALES = { sv: "sv-SE", fi: "fi-FI", en: "en-GB" };

const catalogs = new Map();
const listeners = new Set();
let current = FALLBACK;

export function normalize(tag) {
  const base = String(tag ?? "").trim().toLowerCase().split(/[-_]/)[0];
  return LANGUAGES.includes(base) ? base : null;
}

export function browserLanguage() {
  const tags = navigator.languages?.length ? navigator.languages : [navigator.language];
  for (const tag of tags) {
    const supported = normalize(tag);
    if (supported) return supported;
  }
  return FALLBACK;
}

/** The language chosen in this tab, if any. */
export function chosenLanguage() {
  try {
    return normalize(sessionStorage.getItem(STORAGE_KEY));
  } catch {
    return null;
  }
}

export function language() {
  return current;
}

export function locale() {
  return LOCALES[current];
}

async function load(lang) {
  if (!catalogs.has(lang)) {
    const response = await fetch(new URL(`../i18n/${lang}.json`, import.meta.url), {
      headers: { Accept: "application/json" },
    });
    if (!response.ok) throw new Error(`i18n/${lang}.json: HTTP ${response.status}`);
    catalogs.set(lang, await response.json());
  }
  return catalogs.get(lang);
}

/**
 * Switches the language: loads its texts, sets <html lang>, translates the
 * document and tells the listeners. `remember` stores it as this tab's choice.
 */
export async function setLanguage(lang, { remember = false } = {}) {
  const next = normalize(lang) ?? FALLBACK;
  await Promise.all([load(next), load(FALLBACK)]);
  if (remember) {
    try {
      sessionStorage.setItem(STORAGE_KEY, next);
    } catch {
      // storage can be disabled; the choice then lasts until the page is left
    }
  }
  current = next;
  document.documentElement.lang = next;
  translate(document);
  for (const listener of listeners) listener(next);
}

/** Calls `listener(lang)` after every change; returns the unsubscribe function. */
export function onLanguageChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function lookup(catalog, key) {
  let node = catalog;
  for (const part of key.split(".")) {
    if (node === null || typeof node !== "object" || !(part in node)) return undefined;
    node = node[part];
  }
  return node;
}

export function has(key) {
  return lookup(catalogs.get(current) ?? {}, key) !== undefined
    || lookup(catalogs.get(FALLBACK) ?? {}, key) !== undefined;
}

/** The text for `key` in the current language, with {name} parameters filled in. */
export function t(key, params = {}) {
  let value = lookup(catalogs.get(current) ?? {}, key);
  if (value === undefined) value = lookup(catalogs.get(FALLBACK) ?? {}, key);
  if (value === undefined) {
    console.warn(`i18n: no text for "${key}"`);
    return key;
  }
  if (value && typeof value === "object") {
    const category = new Intl.PluralRules(LOCALES[current]).select(Number(params.count ?? 0));
    value = value[category] ?? value.other;
  }
  return String(value).replace(/\{(\w+)\}/g, (whole, name) =>
    name in params ? String(params[name]) : whole);
}

/** Fills in every data-i18n / data-i18n-attr under `root` (the element itself included). */
export function translate(root) {
  const elements = root instanceof Element ? [root] : [];
  elements.push(...root.querySelectorAll("[data-i18n], [data-i18n-attr]"));
  for (const el of elements) {
    let params = {};
    if (el.dataset.i18nArgs) {
      try {
        params = JSON.parse(el.dataset.i18nArgs);
      } catch {
        params = {};
      }
    }
    if (el.dataset.i18n) el.textContent = t(el.dataset.i18n, params);
    if (el.dataset.i18nAttr) {
      for (const pair of el.dataset.i18nAttr.split(";")) {
        const [attr, key] = pair.split(":").map((s) => s.trim());
        if (attr && key) el.setAttribute(attr, t(key, params));
      }
    }
  }
}

/** Sets an element's text key (and parameters) and translates it now. */
export function bindText(el, key, params) {
  el.dataset.i18n = key;
  if (params) el.dataset.i18nArgs = JSON.stringify(params);
  else delete el.dataset.i18nArgs;
  translate(el);
  return el;
}

// Dates and times are shown in this time zone: the tenant's (staff read it from
// /settings), else the browser's own (undefined lets Intl use it).
let timeZone;

export function setTimeZone(zone) {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone ?? undefined });
    timeZone = zone ?? undefined;
  } catch {
    timeZone = undefined; // an unknown zone: the browser's is better than an error
  }
}

/** The zone times are shown in (undefined: the browser's), for a form that takes a time. */
export function shownTimeZone() {
  return timeZone;
}

export function formatDateTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso ?? "");
  return new Intl.DateTimeFormat(LOCALES[current], { dateStyle: "medium", timeStyle: "short", timeZone })
    .format(date);
}

/** A calendar date ("2026-11-22", no time of day) in the language's format. */
export function formatDate(isoDate) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(isoDate ?? ""));
  if (!match) return String(isoDate ?? "");
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return new Intl.DateTimeFormat(LOCALES[current], { dateStyle: "medium", timeZone: "UTC" }).format(date);
}

export function formatNumber(value, options = {}) {
  return new Intl.NumberFormat(LOCALES[current], options).format(value);
}

/** A {sv, fi, en} text from the API in the current language (else English, else any). */
export function localized(texts) {
  if (!texts || typeof texts !== "object") return String(texts ?? "");
  return String(texts[current] ?? texts[FALLBACK] ?? Object.values(texts)[0] ?? "");
}
