// The pieces the client-case tabs are built from: a tab's heading, a refusal in words
// (the API's own beside ours, and the way to activation when that is what is missing), a
// table that reads as a list of cards on a phone, and a "Show more" form.

import { api, ApiError } from "../../api.js";
import { h } from "../../dom.js";
import { errorKey, onBusySubmit } from "../../forms.js";
import { bindText, t } from "../../i18n.js";
import { apiWords, notActive, tabPath } from "./common.js";

/** The tab's h2 (what the panel is labelled by) and its intro. */
export function panelHead(titleKey, introKey) {
  return [
    bindText(h("h2", { id: "cc-panel-title", tabindex: "-1" }), titleKey),
    introKey ? bindText(h("p", { class: "muted" }), introKey) : null,
  ].filter(Boolean);
}

/** A refusal shown in `el` (role="alert"): our words, the API's, and what to do. */
export function showRefusal(el, error, moduleState) {
  if (!(error instanceof ApiError)) console.error(error);
  const parts = [bindText(h("p"), errorKey(error))];
  const words = apiWords(error);
  if (words.length) parts.push(h("ul", { class: "cc-api-words" }, words.map((w) => h("li", { text: w }))));
  if (notActive(error, moduleState)) {
    parts.push(h("p", {}, bindText(h("a", { href: `#${tabPath("activation")}` }), "client_cases.go_activate")));
  }
  el.replaceChildren(...parts);
}

/**
 * A table of `columns` ([[name, text key], ...]) whose cells carry their column's name
 * (data-label) for the narrow layout. `rows` are [[name, value], ...] per row, with the
 * row's attributes as `attrs`.
 */
export function table(id, captionKey, columns) {
  const body = h("tbody");
  const el = h("table", { class: "co-table cc-table", id },
    h("caption", { class: "visually-hidden" }, bindText(h("span"), captionKey)),
    h("thead", {}, h("tr", {}, columns.map(([name, key]) => bindText(h("th", { scope: "col", dataset: { col: name } }), key)))),
    body);
  return {
    element: h("div", { class: "co-table-wrap" }, el),
    table: el,
    body,
    row(attrs, cells) {
      return h("tr", attrs, cells.map(([name, value]) => h("td", { dataset: { col: name, label: "" } }, value)));
    },
    /** The cells' labels from the head (again after a language change). */
    label() {
      for (const cell of body.querySelectorAll("td")) {
        const head = el.tHead.rows[0].cells[cell.cellIndex];
        if (head) cell.dataset.label = head.textContent;
      }
    },
  };
}

/**
 * A list read a page at a time: `path` (with its own query) and `limit` name the list;
 * `load(true)` starts again, the `more` form's "Show more" reads the next page, and
 * `drawn()` follows each page. A refusal is shown in `alert`. Returns the list's state:
 * {items, cursor, last (the last page's answer), load}.
 */
export function pagedList({ path, limit, info, alert, more, context, drawn }) {
  const list = { items: [], cursor: null, last: null, load };
  async function load(reset) {
    alert.replaceChildren();
    if (reset) {
      list.items = [];
      list.cursor = null;
      bindText(info, "common.loading");
    }
    const join = path.includes("?") ? "&" : "?";
    const next = list.cursor ? `&cursor=${encodeURIComponent(list.cursor)}` : "";
    try {
      const page = await api.get(`${path}${join}limit=${limit}${next}`);
      if (!context.alive()) return;
      list.last = page;
      list.items = [...list.items, ...(page.items ?? [])];
      list.cursor = page.next_cursor ?? null;
      more.hidden = !list.cursor;
      drawn();
    } catch (error) {
      if (!context.alive()) return;
      info.replaceChildren();
      showRefusal(alert, error, context.moduleState());
    }
  }
  onBusySubmit(more, () => load(false));
  return list;
}

export function moreForm(id) {
  return h("form", { class: "list-more", hidden: true },
    bindText(h("button", { class: "button button--secondary", type: "submit", id, dataset: { busyI18n: "common.loading" } }),
      "tickets.more"));
}

/** A check's mark: a sign for the eye, the word for everyone (the sign alone is never the meaning). */
export function checkMark(ok, words = ["client_cases.checklist.ok", "client_cases.checklist.missing"]) {
  return h("span", { class: `cc-check cc-check--${ok ? "ok" : "missing"}`, dataset: { ok: String(ok) } },
    h("span", { class: "cc-check__sign", "aria-hidden": "true", text: ok ? "✓" : "✗" }), " ",
    bindText(h("span", { class: "cc-check__word" }), ok ? words[0] : words[1]));
}

/** A button whose accessible name says what it acts on ("Invite Acme AB"). */
export function namedButton(key, namedKey, name, attrs = {}) {
  const button = bindText(h("button", { class: "button button--secondary button--small", type: "button", ...attrs }), key);
  button.setAttribute("aria-label", t(namedKey, { name }));
  button.dataset.i18nAttr = `aria-label:${namedKey}`;
  button.dataset.i18nArgs = JSON.stringify({ name });
  return button;
}
