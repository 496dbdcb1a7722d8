// What the help center's staff screens share (#/help-admin: the articles and categories,
// the article editor): the texts per language as the API takes them, an article's state,
// the list's filters, the schedule's times, the versions' diff as rows, and the language
// tabs. The pure parts are tested in tests/portal/help-admin.test.js.

import { h } from "../../dom.js";
import { bindText, language } from "../../i18n.js";

export const LANGUAGES = ["sv", "fi", "en"];
export const VISIBILITIES = ["draft", "internal", "customers", "public"];

/** The editor's address of an article ("new" for a new one). */
export function editorHash(id) {
  return `#/help-admin/articles/${encodeURIComponent(id)}`;
}

/** A title typed in any of the three languages -> the slug it suggests ("Så gör du" -> "sa-gor-du"). */
export function slugify(text) {
  return String(text ?? "")
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "") // å ä ö -> a a o once their marks are apart
    .replace(/ß/g, "ss")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 80)
    .replace(/-+$/, "");
}

/**
 * The form's texts per language -> the API's `translations`: a language whose fields are
 * all empty is left out; one begun is sent whole, so the API names what it lacks.
 * `values` holds "translations.<lang>.<field>" as forms.js's values() reads them.
 */
export function translationsOf(values, fields) {
  const out = {};
  for (const lang of LANGUAGES) {
    const text = Object.fromEntries(fields.map((f) => [f, String(values[`translations.${lang}.${f}`] ?? "")]));
    if (fields.some((f) => text[f].trim())) out[lang] = text;
  }
  return out;
}

/** The languages an article or category is written in, in the order sv, fi, en. */
export function languagesOf(translations) {
  return LANGUAGES.filter((lang) => translations?.[lang]);
}

/** A text of `translations` in the reader's language, else the first written. */
export function textIn(translations, field, lang = language()) {
  const found = translations?.[lang] ?? translations?.[languagesOf(translations)[0]];
  return String(found?.[field] ?? "");
}

/**
 * An article's state as the list and the editor say it: "scheduled" (a publish is due),
 * "published" (readers see version n), else "unpublished" (never, or taken down).
 */
export function articleState(article) {
  if (article.publish_at) return "scheduled";
  return article.published_version ? "published" : "unpublished";
}

/** Text as the title search compares it: lower case, without accents ("Å" -> "a"). */
function folded(text) {
  return String(text ?? "").toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
}

/**
 * The articles the list's filters let through (`category` and `visibility`: "" for all;
 * `q`: words each found in a title or slug of any language).
 */
export function filterArticles(articles, { category = "", visibility = "", q = "" } = {}) {
  const words = folded(q).split(/\s+/).filter(Boolean);
  return articles.filter((a) => (!category || (a.category_ids ?? []).includes(category))
    && (!visibility || a.visibility === visibility)
    && words.every((word) => Object.values(a.translations ?? {}).some((text) => folded(text?.title).includes(word)
      || folded(text?.slug).includes(word))));
}

/** Helpful votes as a whole percentage of all votes; null when there are none. */
export function helpfulShare(stats) {
  const votes = Number(stats?.helpful ?? 0) + Number(stats?.not_helpful ?? 0);
  return votes ? Math.round((100 * Number(stats.helpful)) / votes) : null;
}

const pad = (n) => String(n).padStart(2, "0");

/** An API moment -> a datetime-local input's value, in the browser's time ("" for none). */
export function toLocalInput(iso) {
  const date = new Date(iso ?? "");
  if (!iso || Number.isNaN(date.getTime())) return "";
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** A datetime-local input's value (the browser's time) -> the API's moment; "" -> null. */
export function fromLocalInput(value) {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * A language's diff from GET /articles/{id}/versions/{n}?against=m -> rows to show, in the
 * order of the newer text: {sign: "+", "-" or "~", line, old, new}.
 */
export function diffRows(languageDiff) {
  return (languageDiff?.lines ?? []).map((change) => ({
    kind: change.kind,
    sign: change.kind === "added" ? "+" : change.kind === "removed" ? "\u2212" : "~",
    line: change.kind === "removed" ? change.old_line : change.new_line,
    old: change.old ?? null,
    new: change.new ?? null,
  }));
}

/**
 * The sv/fi/en tabs over per-language panels (`panelFor(lang)` builds each): a tablist
 * that arrow keys move along, as the ARIA tabs pattern has it. `select(lang)` shows one;
 * `mark(lang, written)` says on its tab whether the language has text.
 */
export function languageTabs(idPrefix, panelFor) {
  const tabs = new Map();
  const panels = new Map();
  const list = h("div", { class: "tabs lang-tabs", role: "tablist", dataset: { i18nAttr: "aria-label:help_admin.tabs.label" } });
  for (const lang of LANGUAGES) {
    const status = h("span", { class: "lang-tabs__status" });
    const tab = h("button", {
      type: "button", role: "tab", class: "tabs__tab", id: `${idPrefix}-tab-${lang}`,
      "aria-controls": `${idPrefix}-panel-${lang}`, dataset: { lang },
    }, bindText(h("span", { class: "lang-tabs__name" }), `help.language.${lang}`), " ", status);
    tabs.set(lang, { tab, status });
    panels.set(lang, h("div", { role: "tabpanel", id: `${idPrefix}-panel-${lang}`, class: "lang-tabs__panel",
      "aria-labelledby": tab.id, dataset: { lang } }, panelFor(lang)));
    list.append(tab);
  }
  function select(lang, { focus = false } = {}) {
    for (const [code, { tab }] of tabs) {
      const chosen = code === lang;
      tab.setAttribute("aria-selected", String(chosen));
      tab.tabIndex = chosen ? 0 : -1;
      panels.get(code).hidden = !chosen;
      if (chosen && focus) tab.focus();
    }
  }
  list.addEventListener("click", (event) => {
    const tab = event.target.closest("[role=tab]");
    if (tab) select(tab.dataset.lang);
  });
  list.addEventListener("keydown", (event) => {
    const at = LANGUAGES.indexOf(event.target.dataset?.lang);
    if (at === -1) return;
    const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
    const to = step ? LANGUAGES[(at + step + LANGUAGES.length) % LANGUAGES.length]
      : { Home: LANGUAGES[0], End: LANGUAGES[LANGUAGES.length - 1] }[event.key];
    if (!to) return;
    event.preventDefault();
    select(to, { focus: true });
  });
  function mark(lang, written) {
    bindText(tabs.get(lang).status, written ? "help_admin.tabs.written" : "help_admin.tabs.empty");
    tabs.get(lang).status.dataset.written = String(written);
  }
  /** Shows the panel holding `control` (a field with an error, about to take focus). */
  function reveal(control) {
    const panel = control?.closest?.("[role=tabpanel]");
    if (panel && panel.hidden) select(panel.dataset.lang);
  }
  select(LANGUAGES.includes(language()) ? language() : LANGUAGES[0]);
  return { list, panels: [...panels.values()], select, mark, reveal };
}

/** The visibility's pill (the words say it; the colour only helps). */
export function visibilityPill(visibility) {
  const known = VISIBILITIES.includes(visibility) ? visibility : "draft";
  return bindText(h("span", { class: `pill pill--small visibility visibility--${known}`, dataset: { visibility: known } }),
    `help_admin.visibility.${known}`);
}
