// The article editor's side cards: the published versions (newest first) with the changes
// between any two and "restore this version", and the article's figures (views, votes,
// tickets avoided). Everything from the API goes in as text.

import { api, ApiError } from "../../api.js";
import { h } from "../../dom.js";
import { onBusySubmit } from "../../forms.js";
import { bindText, formatDateTime, formatNumber } from "../../i18n.js";
import { facts, fill, showLoadError } from "../networks/common.js";
import { diffRows, helpfulShare, visibilityPill } from "./common.js";

const MAX_VERSIONS = 100; // one page: an article is rarely published more often

function articlePath(id) {
  return `/articles/${encodeURIComponent(id)}`;
}

function diffLine(row) {
  const where = bindText(h("span", { class: "diff__kind" }), `help_admin.diff.${row.kind}`, { line: row.line ?? "" });
  return h("li", { class: `diff__line diff__line--${row.kind}`, dataset: { kind: row.kind } },
    h("span", { class: "diff__sign", "aria-hidden": "true", text: row.sign }), " ", where, " ",
    row.old !== null ? h("del", { class: "diff__old", text: row.old || "\u00a0" }) : null,
    row.old !== null && row.new !== null ? " " : null,
    row.new !== null ? h("ins", { class: "diff__new", text: row.new || "\u00a0" }) : null);
}

/** The changes of one language, from GET .../versions/{n}?against=m. */
function languageChanges(diff) {
  const rows = diffRows(diff);
  return h("section", { class: "diff", dataset: { lang: diff.lang } },
    bindText(h("h4"), `help.language.${diff.lang}`),
    diff.title_changed ? h("p", { class: "diff__title" }, bindText(h("span"), "help_admin.diff.title"), " ",
      diff.old_title ? h("del", { text: diff.old_title }) : null, diff.old_title && diff.new_title ? " \u2192 " : null,
      diff.new_title ? h("ins", { text: diff.new_title }) : null) : null,
    bindText(h("p", { class: "muted diff__counts" }), "help_admin.diff.counts",
      { added: diff.added, removed: diff.removed, changed: diff.changed }),
    rows.length ? h("ol", { class: "diff__lines" }, rows.map(diffLine))
      : bindText(h("p", { class: "muted" }), "help_admin.diff.no_text_changes"));
}

/**
 * The versions card. `restore(number)` (the editor's) makes a version the working copy;
 * `reload()` reads the list again after a publish.
 */
export function versionsCard(articleId, { restore }) {
  const list = h("ol", { class: "versions__list", reversed: true });
  const status = h("div", { class: "form-error", role: "alert" });
  const from = h("select", { id: "versions-from", name: "from" });
  const to = h("select", { id: "versions-to", name: "to" });
  const changes = h("div", { class: "versions__changes", id: "versions-changes", "aria-live": "polite" });
  const compare = h("form", { class: "form versions__compare", id: "versions-compare", novalidate: true, hidden: true },
    bindText(h("h3"), "help_admin.versions.compare_title"),
    h("div", { class: "versions__pick" },
      h("div", { class: "field" }, bindText(h("label", { for: "versions-from" }), "help_admin.versions.from"), from),
      h("div", { class: "field" }, bindText(h("label", { for: "versions-to" }), "help_admin.versions.to"), to)),
    h("div", {}, bindText(h("button", { class: "button button--secondary", type: "submit", id: "versions-compare-submit",
      dataset: { busyI18n: "common.loading" } }), "help_admin.versions.compare")));
  const card = h("section", { class: "card versions", "aria-labelledby": "versions-title", dataset: { versions: "" } },
    bindText(h("h2", { id: "versions-title" }), "help_admin.versions.title"), status, list, compare, changes);

  async function show(newer, older) {
    status.replaceChildren();
    try {
      const answer = await api.get(`${articlePath(articleId)}/versions/${Number(newer)}?against=${Number(older)}`);
      fill(changes,
        bindText(h("h3", { id: "versions-changes-title", tabindex: "-1" }), "help_admin.versions.changes_title",
          { from: older, to: newer }),
        (answer.diff ?? []).map(languageChanges));
      changes.querySelector("h3").focus();
    } catch (error) {
      showLoadError(status, error);
    }
  }

  onBusySubmit(compare, () => show(to.value, from.value));

  function item(version, older) {
    const showChanges = older ? bindText(h("button", { class: "button button--secondary button--small", type: "button",
      dataset: { compare: String(version.number) } }), "help_admin.versions.changes_from", { number: older.number }) : null;
    showChanges?.addEventListener("click", () => {
      from.value = String(older.number);
      to.value = String(version.number);
      show(version.number, older.number);
    });
    const restoring = bindText(h("button", { class: "button button--secondary button--small", type: "button",
      dataset: { restore: String(version.number) } }), "help_admin.versions.restore", { number: version.number });
    restoring.addEventListener("click", async () => {
      restoring.disabled = true;
      try {
        await restore(version.number);
      } finally {
        restoring.disabled = false;
      }
    });
    return h("li", { class: "version", dataset: { version: String(version.number) } },
      h("p", {}, bindText(h("strong"), "help_admin.versions.number", { number: version.number }), " ",
        h("time", { datetime: version.at, text: formatDateTime(version.at) }),
        version.author_name ? h("span", { class: "muted", text: ` \u00b7 ${version.author_name}` }) : null, " ",
        visibilityPill(version.visibility)),
      h("div", { class: "action__buttons" }, showChanges, restoring));
  }

  async function reload() {
    status.replaceChildren();
    try {
      const page = await api.get(`${articlePath(articleId)}/versions?limit=${MAX_VERSIONS}`);
      const versions = page?.items ?? [];
      fill(list, versions.map((v, n) => item(v, versions[n + 1] ?? null)));
      if (!versions.length) list.append(bindText(h("li", { class: "muted" }), "help_admin.versions.none"));
      const options = (chosen) => versions.map((v) => bindText(h("option", { value: String(v.number), selected: v.number === chosen }),
        "help_admin.versions.number", { number: v.number }));
      from.replaceChildren(...options(versions[1]?.number));
      to.replaceChildren(...options(versions[0]?.number));
      compare.hidden = versions.length < 2;
    } catch (error) {
      showLoadError(status, error);
    }
  }
  reload();
  return { card, reload };
}

/**
 * The article's figures from GET /articles/{id}/stats, with its readers' latest comments.
 * `everPublished()` says whether there can be any: the figures start with the first publish.
 */
export function statsCard(articleId, { everPublished }) {
  const body = h("div", {}, bindText(h("p", { class: "muted" }), "common.loading"));
  const card = h("section", { class: "card article-stats", "aria-labelledby": "article-stats-title", dataset: { stats: "" } },
    bindText(h("h2", { id: "article-stats-title" }), "help_admin.stats.title"), body);
  async function reload() {
    if (!everPublished()) {
      body.replaceChildren(bindText(h("p", { class: "muted" }), "help_admin.stats.none"));
      return;
    }
    try {
      const stats = await api.get(`${articlePath(articleId)}/stats`);
      const share = helpfulShare(stats);
      fill(body, facts([
        ["help_admin.stats.views", formatNumber(stats.views), "views"],
        ["help_admin.stats.helpful", share === null ? formatNumber(stats.helpful)
          : `${formatNumber(stats.helpful)} (${formatNumber(share)} %)`, "helpful"],
        ["help_admin.stats.not_helpful", formatNumber(stats.not_helpful), "not_helpful"],
        ["help_admin.stats.tickets_avoided", formatNumber(stats.tickets_avoided), "tickets_avoided"],
        ["help_admin.stats.asked_anyway", formatNumber(stats.created_after_suggestion), "asked_anyway"],
      ]), stats.comments?.length ? [bindText(h("h3"), "help_admin.stats.comments"),
        h("ul", { class: "article-stats__comments" }, stats.comments.map((c) => h("li", {},
          h("time", { datetime: c.at, text: formatDateTime(c.at) }), " ",
          bindText(h("span", { class: "muted" }), c.helpful ? "help.feedback.yes" : "help.feedback.no"), " ",
          h("span", { text: c.comment }))))] : null);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        body.replaceChildren(bindText(h("p", { class: "muted" }), "help_admin.stats.none")); // taken down
      } else showLoadError(body, error);
    }
  }
  reload();
  return { card, reload };
}
