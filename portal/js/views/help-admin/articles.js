// The help center's staff area (#/help-admin, module "help_admin", for help.write): the
// tenant's articles, newest first, each with its audience, state, languages and figures
// (views, helpful votes, tickets avoided: carried by GET /articles' rows),
// filtered by category and audience; a new article; and the categories.

import { api } from "../../api.js";
import { h } from "../../dom.js";
import { onBusySubmit } from "../../forms.js";
import { bindText, formatDateTime, formatNumber, translate } from "../../i18n.js";
import { currentUser } from "../../session.js";
import { showLoadError } from "../networks/common.js";
import { categoriesCard } from "./categories.js";
import {
  LANGUAGES, VISIBILITIES, articleState, editorHash, filterArticles, helpfulShare, languagesOf, textIn, visibilityPill,
} from "./common.js";

const PAGE_SIZE = 50;

function statCell(name) {
  return h("td", { class: "number", dataset: { stat: name } }, "\u2026");
}

export default function helpAdmin(container) {
  const category = h("select", { id: "help-admin-category", name: "category" },
    bindText(h("option", { value: "" }), "help_admin.list.all_categories"));
  const visibility = h("select", { id: "help-admin-visibility", name: "visibility" },
    bindText(h("option", { value: "" }), "help_admin.list.all_visibilities"),
    VISIBILITIES.map((v) => bindText(h("option", { value: v }), `help_admin.visibility.${v}`)));
  const search = h("input", { id: "help-admin-q", name: "q", type: "search", maxlength: "100", autocomplete: "off" });
  const rows = h("tbody", { id: "help-admin-rows" });
  const info = h("p", { class: "muted list-status", role: "status" });
  const error = h("div", { class: "form-error", role: "alert" });
  const more = h("form", { class: "list-more", hidden: true },
    bindText(h("button", { class: "button button--secondary", type: "submit", id: "help-admin-more", dataset: { busyI18n: "common.loading" } }),
      "tickets.more"));
  const tenant = currentUser()?.tenant;
  const screen = h("section", { class: "help-admin", "aria-labelledby": "help-admin-title", dataset: { screen: "help-admin" } },
    bindText(h("h1", { id: "help-admin-title", tabindex: "-1" }), "modules.help_admin.title"),
    h("p", { class: "action__buttons" },
      bindText(h("a", { class: "button button--primary", href: editorHash("new"), id: "help-admin-new" }), "help_admin.list.new"),
      tenant ? bindText(h("a", { class: "button button--secondary", href: `#/help?tenant=${encodeURIComponent(tenant)}` }),
        "help_admin.list.open_help_center") : null),
    h("section", { class: "card", "aria-labelledby": "help-admin-articles-title" },
      bindText(h("h2", { id: "help-admin-articles-title" }), "help_admin.list.title"),
      h("div", { class: "filters" },
        h("div", { class: "field filters__field" }, bindText(h("label", { for: "help-admin-q" }), "help_admin.list.search"), search),
        h("div", { class: "field filters__field" }, bindText(h("label", { for: "help-admin-category" }), "help_admin.list.category"), category),
        h("div", { class: "field filters__field" }, bindText(h("label", { for: "help-admin-visibility" }), "help_admin.list.visibility"), visibility)),
      error, info,
      h("div", { class: "table-scroll" },
        h("table", { class: "admin-table", id: "help-admin-table" },
          h("thead", {}, h("tr", {}, ["title", "state", "languages", "views", "helpful", "tickets_avoided", "updated"].map((c) =>
            bindText(h("th", { scope: "col", class: ["views", "helpful", "tickets_avoided"].includes(c) ? "number" : null }),
              `help_admin.list.columns.${c}`)))),
          rows)),
      more));
  let alive = true;
  let articles = [];
  let cursor = null;
  const stats = new Map(); // article id -> its figures (a promise), read once per visit

  function figures(article, cells) {
    const fill = (s) => {
      const share = helpfulShare(s);
      cells.views.textContent = formatNumber(s.views);
      cells.helpful.textContent = share === null ? "\u2013" : `${formatNumber(share)} % (${formatNumber(s.helpful + s.not_helpful)})`;
      cells.tickets_avoided.textContent = formatNumber(s.tickets_avoided);
    };
    if (!article.latest_version || article.figures === null) { // never published: nobody has read it yet
      for (const cell of Object.values(cells)) cell.textContent = "\u2013";
      return;
    }
    if (article.figures) { // the list carries them (one read for the page)
      fill(article.figures);
      return;
    }
    if (!stats.has(article.id)) stats.set(article.id, api.get(`/articles/${encodeURIComponent(article.id)}/stats`));
    stats.get(article.id).then(fill, () => {
      stats.delete(article.id); // tried again when the list is shown next
      for (const cell of Object.values(cells)) cell.textContent = "?";
    });
  }

  function row(article) {
    const cells = { views: statCell("views"), helpful: statCell("helpful"), tickets_avoided: statCell("tickets_avoided") };
    const state = articleState(article);
    const langs = languagesOf(article.translations);
    const tr = h("tr", { dataset: { article: article.id, visibility: article.visibility, state } },
      h("th", { scope: "row" }, h("a", { href: editorHash(article.id), text: textIn(article.translations, "title") })),
      h("td", {}, visibilityPill(article.visibility), " ",
        bindText(h("span", { class: "muted" }), `help_admin.state.${state}`),
        article.published_version ? h("span", { class: "muted", text: ` v${article.published_version}` }) : null),
      h("td", { dataset: { languages: langs.join(",") } }, LANGUAGES.map((lang) => (langs.includes(lang)
        ? h("abbr", { class: "lang-tag", lang, dataset: { i18nAttr: `title:help.language.${lang}` }, text: lang.toUpperCase() })
        : null))),
      cells.views, cells.helpful, cells.tickets_avoided,
      h("td", {}, h("time", { datetime: article.updated_at, text: formatDateTime(article.updated_at) })));
    figures(article, cells);
    return tr;
  }

  function show() {
    const shown = filterArticles(articles, { category: category.value, visibility: visibility.value, q: search.value });
    rows.replaceChildren(...shown.map(row));
    translate(rows); // the language tags' titles
    bindText(info, articles.length ? "help_admin.list.count" : "help_admin.list.none",
      { count: shown.length, total: articles.length });
    more.hidden = !cursor;
  }

  async function load(next = false) {
    error.replaceChildren();
    if (!next) bindText(info, "common.loading");
    try {
      const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
      if (next && cursor) query.set("cursor", cursor);
      const page = await api.get(`/articles?${query}`);
      if (!alive) return;
      articles = next ? [...articles, ...(page.items ?? [])] : page.items ?? [];
      cursor = page.next_cursor ?? null;
      show();
    } catch (failure) {
      if (!alive) return;
      info.replaceChildren();
      showLoadError(error, failure);
    }
  }

  category.addEventListener("change", show);
  search.addEventListener("input", show);
  visibility.addEventListener("change", show);
  onBusySubmit(more, () => load(true));
  screen.append(categoriesCard({
    changed: (items) => {
      const chosen = category.value;
      category.replaceChildren(bindText(h("option", { value: "" }), "help_admin.list.all_categories"),
        ...items.map((c) => h("option", { value: c.id, text: textIn(c.translations, "name"), selected: c.id === chosen })));
    },
  }));
  container.replaceChildren(screen);
  load();
  return { cleanup: () => { alive = false; } };
}
