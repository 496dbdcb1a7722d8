// What the network and subscription screens share: addresses, status pills, prices,
// the If-Match of a version read, an answer as plain text, a load error, a facts list.
// Everything from the API is shown as text (h() and textContent), never as markup.

import { ApiError } from "../../api.js";
import { h } from "../../dom.js";
import { errorKey } from "../../forms.js";
import { bindText, formatDate, formatNumber, localized, t } from "../../i18n.js";

export const SUBSCRIPTION_STATUSES = ["draft", "submitted", "returned", "published", "expired"];

export function subscriptionPath(id) {
  return `/subscriptions/${encodeURIComponent(id)}`;
}

export function networkPath(id) {
  return `/networks/${encodeURIComponent(id)}`;
}

/** Changes carry the version read: a change made meanwhile is refused (412), not lost. */
export function ifMatch(version) {
  return { "If-Match": `"${Number(version)}"` };
}

export function statusPill(status) {
  const known = SUBSCRIPTION_STATUSES.includes(status) ? status : "unknown";
  return bindText(h("span", { class: `status status--sub-${known}`, dataset: { status: known } }),
    `networks.status.${known}`);
}

export function money(amount, currency) {
  try {
    return formatNumber(Number(amount), { style: "currency", currency: String(currency || "SEK"), maximumFractionDigits: 0 });
  } catch {
    return `${formatNumber(Number(amount))} ${String(currency ?? "")}`;
  }
}

/** "2027-12-06T10:00:00Z" -> the date in the language's format. */
export function dateOf(iso) {
  return formatDate(String(iso ?? "").slice(0, 10));
}

/**
 * A number typed in any of the three languages ("1 500,5", "1500.5") -> 1500.5;
 * "" -> null (the answer is cleared); anything else -> undefined (not a number).
 */
export function parseNumber(text) {
  const compact = String(text ?? "").replace(/[\s\u00a0\u202f]/g, "");
  if (compact === "") return null;
  const normal = compact.replace(",", ".");
  if (!/^[-+]?(\d+\.?\d*|\.\d+)$/.test(normal)) return undefined;
  return Number(normal);
}

/**
 * A certification's parts -> its answer: null when every part is empty, undefined while
 * a needed part (name, issuer, valid until) is missing, else the object the API takes.
 */
export function certificationValue({ name = "", issuer = "", number = "", valid_until: validUntil = "" }) {
  const parts = [name, issuer, number, validUntil].map((v) => String(v ?? "").trim());
  if (parts.every((v) => v === "")) return null;
  const [n, i, no, until] = parts;
  if (!n || !i || !/^\d{4}-\d{2}-\d{2}$/.test(until)) return undefined;
  return { name: n, issuer: i, number: no || null, valid_until: until };
}

/** Whether an answer counts as given (as the API's progress counts it). */
export function answered(value) {
  return !(value === null || value === undefined || value === "" || (Array.isArray(value) && value.length === 0));
}

/** An answer as plain text in the current language (the review, read-only sections). */
export function answerText(question, value, names = new Map()) {
  if (!answered(value)) return t("networks.answer.none");
  const option = (v) => {
    const found = (question.options ?? []).find((o) => o.value === v);
    return found ? localized(found.label) : String(v);
  };
  switch (question.type) {
    case "yes_no":
      return t(value ? "networks.answer.yes" : "networks.answer.no");
    case "number":
      return typeof value === "number" ? formatNumber(value) : String(value);
    case "date":
      return formatDate(value);
    case "single_choice":
      return option(value);
    case "multiple_choice":
      return Array.isArray(value) ? value.map(option).join(", ") : String(value);
    case "codes":
      return Array.isArray(value)
        ? value.map((c) => (names.has(c) ? `${c} ${names.get(c)}` : String(c))).join(", ")
        : String(value);
    case "certification": {
      if (!value || typeof value !== "object") return String(value);
      const parts = [value.name, value.issuer, value.number].filter(Boolean).map(String);
      return t("networks.answer.certification", { what: parts.join(", "), until: formatDate(value.valid_until) });
    }
    case "file":
      return value && typeof value === "object" ? String(value.filename ?? "") : String(value);
    default:
      return String(value);
  }
}

/** code -> its name in the current language, from a network's code list. */
export function codeNames(network) {
  return new Map((network?.code_list ?? []).map((c) => [String(c.code), localized(c.name)]));
}

/** A <dl class="facts"> of [text key, value node or text, data-fact name]. */
export function facts(rows, extraClass = "") {
  return h("dl", { class: `facts ${extraClass}`.trim() },
    rows.filter(Boolean).map(([key, value, name]) => h("div", { dataset: name ? { fact: name } : {} },
      bindText(h("dt"), key), h("dd", {}, value))));
}

/** Replaces an element's children, leaving out the parts a screen does not have (null). */
export function fill(el, ...children) {
  el.replaceChildren(...children.flat().filter(Boolean));
}

/** A failed load shown in a role="alert" element. */
export function showLoadError(el, error) {
  if (!(error instanceof ApiError)) console.error(error);
  el.replaceChildren(bindText(h("p"), errorKey(error)));
}

/** The standard page head: an h1 that takes focus, and an optional crumb link back. */
export function pageHead(titleKey, { back = null, backKey = null, id = "page-title" } = {}) {
  const title = bindText(h("h1", { id, tabindex: "-1" }), titleKey);
  const crumbs = back ? h("p", { class: "crumbs" }, bindText(h("a", { href: `#${back}` }), backKey)) : null;
  return { title, crumbs };
}
