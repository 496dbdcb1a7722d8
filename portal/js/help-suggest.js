// The ticket form's article suggestions (issue 17, item 7): as the customer types the
// subject, up to five articles (GET /help/suggest?q=, signed in: public and
// customers-only). Asked after a pause in typing; an answer to an older subject never
// replaces a newer one. An article opened from the list opens in a new tab (the form
// keeps what was typed) and is remembered; when the form is left, the opened ones are
// reported (POST /help/suggest/outcome) with whether the ticket was created: a form left
// without a ticket counts as a ticket avoided for each.

import { api, idempotencyKey } from "./api.js";
import { h } from "./dom.js";
import { bindText, language } from "./i18n.js";
import { articleHash } from "./views/help.js";

export const SUGGEST_DELAY_MS = 300;
export const SUGGEST_MIN = 3;

/**
 * The words worth asking about, or null when the subject is too short to suggest from. A
 * trailing space stays (as one): it tells the server the last word is whole, not being typed.
 */
export function suggestQuery(subject) {
  const q = String(subject ?? "").replace(/^\s+/, "").replace(/\s+/g, " ").slice(0, 200);
  return q.trim().length >= SUGGEST_MIN ? q : null;
}

/**
 * Keeps the newest answer: `ask(q)` returns a promise for the answer, `show(answer)` is
 * called with the answer of the newest question only, however the answers arrive.
 */
export function latestOnly(ask, show) {
  let asked = 0;
  return (q) => {
    const seq = ++asked;
    return ask(q).then((answer) => {
      if (seq === asked) show(answer);
    }, (error) => {
      if (seq === asked) throw error;
    });
  };
}

/** The suggestions under `input` for the user's tenant; `finish(created)` reports the outcome once. */
export function suggestions(input, tenant) {
  const opened = new Set();
  let timer = null;
  let reported = false;
  const list = h("ul", { class: "help-suggest__list" });
  const box = h("section", { class: "help-suggest", "aria-labelledby": "help-suggest-title", hidden: true },
    bindText(h("h2", { id: "help-suggest-title" }), "help.suggest.title"), list);
  const live = h("p", { class: "visually-hidden", role: "status" });

  const show = (answer) => {
    const items = (answer?.items ?? []).slice(0, 5);
    list.replaceChildren(...items.map((hit) => h("li", {},
      h("a", { href: articleHash(tenant, hit.slug), target: "_blank", rel: "noopener", text: hit.title,
        dataset: { articleId: hit.article_id }, on: { click: () => opened.add(hit.article_id) } }))));
    box.hidden = !items.length;
    if (items.length) bindText(live, "help.suggest.found", { count: items.length });
    else live.replaceChildren();
  };
  // An empty question answers "nothing" at once, and so outdates an answer still under way.
  const ask = latestOnly(
    (q) => (q ? api.get(`/help/suggest?${new URLSearchParams({ q, lang: language() })}`) : Promise.resolve(null)),
    show);

  input.addEventListener("input", () => {
    clearTimeout(timer);
    const q = suggestQuery(input.value);
    if (!q) {
      ask("");
      return;
    }
    timer = setTimeout(() => ask(q).catch(() => show(null)), SUGGEST_DELAY_MS);
  });
  function finish(created, { closing = false } = {}) {
    clearTimeout(timer);
    window.removeEventListener("pagehide", closed);
    if (reported || !opened.size) return;
    reported = true;
    api.post("/help/suggest/outcome", { opened: [...opened].slice(0, 5), ticket_created: Boolean(created) },
      { headers: { "Idempotency-Key": idempotencyKey() }, keepalive: closing })
      .catch(() => {}); // the figures are staff's; the customer is not told of a lost count
  }
  // Closing the tab (or going to another site) leaves the form too; keepalive lets the
  // report outlive the page.
  function closed() {
    finish(false, { closing: true });
  }
  window.addEventListener("pagehide", closed);
  return { element: h("div", {}, box, live), finish, opened: () => [...opened] };
}
