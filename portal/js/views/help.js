// The help center (issue 17, items 5-8), open to everyone, signed in or not:
//   #/help?tenant=<tenant>                     categories, the most read, search, contact
//   #/help/article/<slug>?tenant=<tenant>      one article, "was this helpful?"
//   #/help/<tenant>/articles/<slug>?lang=<l>   the address the server writes into
//                                              articles' own links ([[slug]]): the same page
// The tenant comes from the address, else the signed-in user's own; a page that names none
// for a visitor says so (as the status page does). Signed in, the same reads also show
// customers-only articles. Everything from the API goes in as text, except an article's
// `html` (sanitised with nh3 at publish), which is rebuilt element by element through the
// same allowlist (copyArticle), and a search hit's snippet, whose only
// markup is <mark> (snippetParts).

import { api, ApiError } from "../api.js";
import { h } from "../dom.js";
import { bindText, formatDate, language, onLanguageChange, t } from "../i18n.js";
import { currentUser } from "../session.js";
import { cleanTenant } from "./status.js";

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const SEARCH_MIN = 2;
const HOME_ARTICLES = 10; // GET /help/{tenant}/categories lists this many per category

/** The help center's tenant: the one the address names, else the signed-in user's, else null. */
export function helpTenant(params, user) {
  return cleanTenant(params.get("tenant")) ?? cleanTenant(user?.tenant);
}

/** An article's slug from the address, or null when it cannot be one. */
export function cleanSlug(text) {
  const slug = String(text ?? "");
  return slug.length <= 200 && SLUG.test(slug) ? slug : null;
}

/** The portal's address of an article. */
export function articleHash(tenant, slug) {
  return `#/help/article/${encodeURIComponent(slug)}?tenant=${encodeURIComponent(tenant)}`;
}

/** An API path under /help/{tenant}, with ?lang= and any further query parameters. */
export function helpPath(tenant, rest, lang, extra = {}) {
  const query = new URLSearchParams({ ...extra, lang });
  return `/help/${encodeURIComponent(tenant)}/${rest}?${query}`;
}

/**
 * A link inside an article, as the portal should follow it: the server's
 * "#/help/<tenant>/articles/<slug>?lang=" becomes the article page's address; other
 * portal addresses ("#/tickets/new?type=") stay; anything else is external (null).
 */
export function articleLink(href) {
  const text = String(href ?? "");
  const match = /^#\/help\/([^/?#]+)\/articles\/([^/?#]+)(?:\?.*)?$/.exec(text);
  if (match) {
    const tenant = cleanTenant(decodeURIComponent(match[1]));
    const slug = cleanSlug(decodeURIComponent(match[2]));
    return tenant && slug ? articleHash(tenant, slug) : "#/help";
  }
  return text.startsWith("#/") ? text : null;
}

const ENTITIES = { amp: "&", lt: "<", gt: ">", quot: "\"", apos: "'", "#39": "'", "#x27": "'", "#x2F": "/" };

function unescape(text) {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, name) => {
    if (name in ENTITIES) return ENTITIES[name];
    if (/^#x/i.test(name)) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith("#")) return String.fromCodePoint(Number(name.slice(1)));
    return whole;
  });
}

/** A hit's snippet (escaped text with <mark> around the words found) as [{text, mark}]. */
export function snippetParts(snippet) {
  const parts = [];
  let mark = false;
  for (const piece of String(snippet ?? "").split(/(<\/?mark>)/)) {
    if (piece === "<mark>") mark = true;
    else if (piece === "</mark>") mark = false;
    else if (piece) parts.push({ text: unescape(piece), mark });
  }
  return parts;
}

function snippetNode(snippet) {
  return h("p", { class: "help__snippet" },
    ...snippetParts(snippet).map((part) => (part.mark ? h("mark", { text: part.text }) : part.text)));
}

// The server's allowlist (chalicelib/domain/help.py), applied again on the way in.
const TAGS = new Set(["p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "code", "pre",
  "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td", "aside"]);
const VOID = new Set(["br", "hr", "img"]);
// Elements whose content is never text to show (nh3 drops them with their content).
const DROPPED = new Set(["script", "style", "template", "iframe", "object", "noscript", "textarea", "title", "svg", "math"]);
const ATTRIBUTES = {
  a: ["href", "title", "data-help-file"], img: ["src", "alt", "title", "data-help-file"], aside: ["role"],
  ol: ["start"],
};
const CLASSES = /^(callout|callout-[a-z]+|help-link|help-ticket-button|help-file|language-[a-z]+)$/;
const FILE_ID = /^[0-9A-Za-z]{1,64}$/;
// A file's address from the API lasts five minutes; a link older than this asks again.
const FILE_LINK_MS = 4 * 60 * 1000;
const SAFE_URL = /^(https?:|mailto:|#\/)/i;
const TOKEN = /<!--[\s\S]*?-->|<(\/?)([A-Za-z][A-Za-z0-9]*)((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*\/?>|[^<]+|</g;
const ATTRIBUTE = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;

function attributesOf(text) {
  const found = new Map();
  for (const m of text.matchAll(ATTRIBUTE)) found.set(m[1].toLowerCase(), unescape(m[2] ?? m[3] ?? m[4] ?? ""));
  return found;
}

function element(tag, attributes) {
  const el = document.createElement(tag);
  for (const name of ATTRIBUTES[tag] ?? []) {
    const value = attributes.get(name);
    if (value === undefined) continue;
    if ((name === "href" || name === "src") && !SAFE_URL.test(value.trim())) continue;
    el.setAttribute(name, value);
  }
  const classes = (attributes.get("class") ?? "").split(/\s+/).filter((c) => CLASSES.test(c));
  if (classes.length) el.className = classes.join(" ");
  if (tag === "th" || tag === "td") {
    // A table column's alignment, set through the CSSOM (the page allows no style attributes).
    const align = /text-align:\s*(left|right|center)/.exec(attributes.get("style") ?? "");
    if (align) el.style.textAlign = align[1];
  }
  if (tag === "a") {
    const inside = articleLink(el.getAttribute("href"));
    if (inside) el.setAttribute("href", inside);
    else if (el.hasAttribute("href")) el.setAttribute("rel", "noopener noreferrer");
  }
  return el;
}

/**
 * The article's sanitised html as nodes, built with createElement and text nodes only: the
 * browser never parses it (so nothing in it can run or load), and only the allowlisted
 * elements, attributes, classes and URLs are made; anything else keeps just its text.
 */
export function copyArticle(html) {
  const root = document.createDocumentFragment();
  const open = [root];
  const names = [""];
  let dropping = null;
  for (const m of String(html ?? "").matchAll(TOKEN)) {
    const [token, closing, rawTag, rawAttributes] = m;
    const tag = rawTag?.toLowerCase();
    if (dropping) {
      if (closing && tag === dropping) dropping = null;
      continue;
    }
    if (token.startsWith("<!--")) continue;
    if (!tag) {
      open.at(-1).append(document.createTextNode(unescape(token)));
    } else if (closing) {
      const at = names.lastIndexOf(tag);
      if (at > 0) {
        open.length = at;
        names.length = at;
      }
    } else if (DROPPED.has(tag)) {
      if (!token.endsWith("/>")) dropping = tag;
    } else if (TAGS.has(tag)) {
      const el = element(tag, attributesOf(rawAttributes ?? ""));
      open.at(-1).append(el);
      if (!VOID.has(tag)) {
        open.push(el);
        names.push(tag);
      }
    }
  }
  return Array.from(root.childNodes);
}

/**
 * The article's own images and files (`data-help-file`, the files bucket being private)
 * get a short-lived address each from the API: an image its `src`, a file link its `href`,
 * asked again on a click when it has grown old.
 */
export function showFiles(root, fileLink) {
  for (const el of root.querySelectorAll("[data-help-file]")) {
    const id = el.dataset.helpFile;
    if (!FILE_ID.test(id ?? "")) continue;
    let fetched = 0;
    const load = () => fileLink(id).then((link) => {
      if (!SAFE_URL.test(link.url)) throw new Error("unsafe address");
      fetched = Date.now();
      el.setAttribute(el.tagName === "IMG" ? "src" : "href", link.url);
      return link.url;
    });
    load().catch(() => el.classList.add("help-file--missing"));
    if (el.tagName === "A") {
      el.addEventListener("click", (event) => {
        if (fetched && Date.now() - fetched < FILE_LINK_MS) return;
        event.preventDefault();
        load().then((url) => window.location.assign(url)).catch(() => {});
      });
    }
  }
}

function fallbackNote(lang) {
  return bindText(h("p", { class: "help__fallback" }), "help.fallback", { language: t(`help.language.${lang}`) });
}

/** Replaces `el`'s children with the nodes given, leaving out the absent ones (null). */
function fill(el, ...nodes) {
  el.replaceChildren(...nodes.filter((node) => node !== null && node !== undefined));
}

function say(el, key) {
  el.replaceChildren(bindText(h("p"), key));
}

function failureKey(error) {
  return error instanceof ApiError && error.status === 404 ? "help.unknown" : "help.failed";
}

function articleItem(tenant, article) {
  return h("li", {},
    h("a", { href: articleHash(tenant, article.slug), text: article.title }),
    article.fallback ? [" ", bindText(h("span", { class: "help__fallback-tag" }), "help.fallback_short",
      { language: t(`help.language.${article.lang}`) })] : null);
}

/** The portal's address of a category's own page. */
export function categoryHash(tenant, slug) {
  return `#/help/category/${encodeURIComponent(slug)}?tenant=${encodeURIComponent(tenant)}`;
}

function articleList(tenant, articles) {
  return articles.length
    ? h("ul", { class: "help__articles" }, ...articles.map((a) => articleItem(tenant, a)))
    : bindText(h("p"), "help.no_articles");
}

function categoriesNode(tenant, categories) {
  if (!categories.length) return [bindText(h("p"), "help.no_categories")];
  return categories.map((category) => h("section", { class: "help__category", dataset: { category: category.slug } },
    h("h3", {}, h("a", { href: categoryHash(tenant, category.slug), text: category.name })),
    category.description ? h("p", { class: "help__description", text: category.description }) : null,
    articleList(tenant, category.articles),
    // The home page lists a category's first articles; its own page lists them all.
    category.articles.length >= HOME_ARTICLES
      ? h("p", {}, bindText(h("a", { href: categoryHash(tenant, category.slug) }), "help.all_in_category",
        { name: category.name }))
      : null));
}

function searchBox(tenant) {
  const input = h("input", { id: "help-search-q", name: "q", type: "search", maxlength: "200", autocomplete: "off" });
  const results = h("div", { class: "help__results", "aria-live": "polite" });
  let asked = 0;
  const form = h("form", { class: "help__search", role: "search", novalidate: true },
    h("div", { class: "field" },
      bindText(h("label", { for: "help-search-q" }), "help.search.label"),
      h("div", { class: "help__search-row" }, input,
        bindText(h("button", { class: "button button--primary", type: "submit" }), "help.search.submit"))),
    results);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const q = input.value.trim();
    const seq = ++asked;
    if (q.length < SEARCH_MIN) {
      say(results, "help.search.too_short");
      return;
    }
    say(results, "help.busy");
    api.get(helpPath(tenant, "search", language(), { q })).then((found) => {
      if (seq !== asked) return; // a newer search answers instead
      if (!found.items.length) {
        results.replaceChildren(bindText(h("p"), "help.search.none", { q }));
        return;
      }
      results.replaceChildren(
        bindText(h("h2", { id: "help-results-title" }), "help.search.results", { count: found.items.length }),
        h("ol", { class: "help__hits", "aria-labelledby": "help-results-title" }, ...found.items.map((hit) => h("li", {},
          h("a", { href: articleHash(tenant, hit.slug), text: hit.title }), snippetNode(hit.snippet)))));
    }, (error) => {
      if (seq === asked) say(results, error instanceof ApiError && error.status === 400 ? "help.search.invalid" : "help.failed");
    });
  });
  return form;
}

function contactBlock() {
  return h("section", { class: "help__contact", "aria-labelledby": "help-contact-title" },
    bindText(h("h2", { id: "help-contact-title" }), "help.contact.title"),
    bindText(h("p"), "help.contact.text"),
    bindText(h("a", { class: "button button--secondary", href: "#/tickets/new" }), "help.contact.link"),
    h("div", { dataset: { supportLines: "" } }));
}

/** The weekdays (1 = Monday) as the reader's language writes them, e.g. "mån–fre". */
function weekdayNames(days, lang) {
  const name = (day) => new Intl.DateTimeFormat(lang, { weekday: "short", timeZone: "UTC" })
    .format(new Date(Date.UTC(2024, 0, day))); // 1 January 2024 was a Monday
  const sorted = [...(days ?? [])].sort((a, b) => a - b);
  const run = sorted.every((day, i) => i === 0 || day === sorted[i - 1] + 1);
  if (sorted.length > 2 && run) return `${name(sorted[0])}–${name(sorted[sorted.length - 1])}`;
  return sorted.map(name).join(", ");
}

/** The tenant's support lines and hours (GET /help/<tenant>/contact) into ``slot``. */
function showSupportLines(slot, answer) {
  const hours = answer.hours ?? {};
  const lines = (answer.phones ?? []).map((phone) => h("li", {},
    h("span", { class: "help__phone-label", text: `${phone.label}: ` }),
    h("a", { href: `tel:${phone.number.replace(/[^+0-9]/g, "")}`, text: phone.number })));
  slot.replaceChildren(
    hours.start ? bindText(h("p", { dataset: { supportHours: "" } }), "help.contact.hours", {
      days: weekdayNames(hours.weekdays, answer.lang), start: hours.start, end: hours.end }) : "",
    lines.length ? h("ul", { class: "help__phones", dataset: { supportPhones: "" } }, ...lines) : "");
}

/**
 * Reads with `ask(lang)` now and again whenever the language changes; only the newest
 * answer (or failure) is shown, and nothing once the page is left. Returns the stop function.
 */
function readInLanguage(ask, show, fail) {
  let asked = 0;
  let stale = false;
  const load = () => {
    const seq = ++asked;
    ask(language()).then((answer) => {
      if (!stale && seq === asked) show(answer);
    }, (error) => {
      if (!stale && seq === asked) fail(error);
    });
  };
  load();
  const stopLanguage = onLanguageChange(load);
  return () => {
    stale = true;
    stopLanguage();
  };
}

function backLink(tenant) {
  return bindText(h("a", { class: "help__back", href: tenant ? `#/help?tenant=${encodeURIComponent(tenant)}` : "#/help" }),
    "help.back");
}

export function helpHome(container, app, path, params) {
  const tenant = helpTenant(params, currentUser());
  const screen = h("section", { class: "card help", "aria-labelledby": "help-title", dataset: { screen: "help" } },
    bindText(h("h1", { id: "help-title", tabindex: "-1" }), "help.title"));
  container.replaceChildren(screen);
  const body = h("div", { class: "help__body", "aria-live": "polite" });
  if (!tenant) {
    say(body, "help.unknown");
    screen.append(body);
    return undefined;
  }
  const popular = h("section", { class: "help__popular", "aria-labelledby": "help-popular-title", hidden: true });
  const contact = contactBlock();
  screen.append(searchBox(tenant), body, popular, contact);
  const stopContact = readInLanguage(
    (lang) => api.get(helpPath(tenant, "contact", lang), { auth: false }),
    (answer) => showSupportLines(contact.querySelector("[data-support-lines]"), answer),
    () => {}); // without its lines the block still offers the ticket form

  say(body, "help.busy");
  const stopTopics = readInLanguage((lang) => api.get(helpPath(tenant, "categories", lang)), (answer) => {
    body.replaceChildren(bindText(h("h2"), "help.categories"), ...categoriesNode(tenant, answer.items));
  }, (error) => say(body, failureKey(error)));
  const stopPopular = readInLanguage(
    (lang) => api.get(helpPath(tenant, "popular", lang, { limit: "5" }), { auth: false }), (answer) => {
      popular.hidden = !answer.items.length;
      popular.replaceChildren(bindText(h("h2", { id: "help-popular-title" }), "help.popular"),
        h("ol", { class: "help__articles" }, ...answer.items.map((a) => articleItem(tenant, a))));
    }, () => {
      popular.hidden = true; // the topics say what went wrong
    });
  return {
    cleanup: () => {
      stopTopics();
      stopPopular();
      stopContact();
    },
  };
}

export function helpCategory(container, app, path, params, args = {}) {
  const tenant = helpTenant(params, currentUser());
  const slug = cleanSlug(args.slug);
  const heading = bindText(h("h1", { id: "help-category-title", tabindex: "-1" }), "help.busy");
  const body = h("div", { class: "help__body", "aria-live": "polite" });
  container.replaceChildren(h("section", { class: "card help", "aria-labelledby": "help-category-title",
    dataset: { screen: "help-category" } }, backLink(tenant), heading, body));
  if (!tenant || !slug) {
    bindText(heading, "help.category_not_found");
    return undefined;
  }
  const stop = readInLanguage((lang) => api.get(helpPath(tenant, `categories/${encodeURIComponent(slug)}`, lang)),
    (category) => {
      delete heading.dataset.i18n; // the category's own name
      heading.textContent = category.name;
      fill(body,
        category.fallback ? fallbackNote(category.lang) : null,
        category.description ? h("p", { class: "help__description", text: category.description }) : null,
        articleList(tenant, category.articles),
        category.most_read?.length ? h("section", { class: "help__popular", "aria-labelledby": "help-category-popular" },
          bindText(h("h2", { id: "help-category-popular" }), "help.popular"),
          articleList(tenant, category.most_read)) : null);
    }, (error) => {
      bindText(heading, error instanceof ApiError && error.status === 404 ? "help.category_not_found" : "help.failed");
      body.replaceChildren();
    });
  return { cleanup: stop };
}

function feedbackForm(tenant, slug) {
  const comment = h("textarea", { id: "help-feedback-comment", name: "comment", rows: "3", maxlength: "2000" });
  const result = h("div", { role: "status" });
  let helpful = null;
  const commentPart = h("div", { class: "field", hidden: true },
    bindText(h("label", { for: "help-feedback-comment" }), "help.feedback.comment"), comment,
    bindText(h("button", { class: "button button--primary", type: "submit" }), "help.feedback.send"));
  const choice = (value, key) => bindText(h("button", { class: "button", type: "button", dataset: { helpful: String(value) },
    "aria-pressed": "false", on: { click: () => choose(value) } }), key);
  const yes = choice(true, "help.feedback.yes");
  const no = choice(false, "help.feedback.no");
  const form = h("form", { class: "help__feedback", "aria-labelledby": "help-feedback-title", novalidate: true },
    bindText(h("h2", { id: "help-feedback-title" }), "help.feedback.title"),
    h("div", { class: "help__feedback-choice" }, yes, " ", no), commentPart, result);

  function choose(value) {
    helpful = value;
    yes.setAttribute("aria-pressed", String(value));
    no.setAttribute("aria-pressed", String(!value));
    commentPart.hidden = false;
    comment.focus();
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (helpful === null) return;
    const text = comment.value.trim();
    const sent = { helpful, ...(text ? { comment: text } : {}) };
    for (const el of form.elements) el.disabled = true;
    try {
      await api.post(helpPath(tenant, `articles/${encodeURIComponent(slug)}/feedback`, language()), sent, { auth: false });
      form.replaceChildren(bindText(h("p", { role: "status", tabindex: "-1" }), "help.feedback.thanks"));
      form.firstChild.focus();
    } catch (error) {
      for (const el of form.elements) el.disabled = false;
      say(result, error instanceof ApiError && error.status === 429 ? "help.feedback.limited" : "help.failed");
    }
  });
  return form;
}

export function helpArticle(container, app, path, params, args = {}) {
  const tenant = cleanTenant(args.tenant) ?? helpTenant(params, currentUser());
  const slug = cleanSlug(args.slug);
  const heading = bindText(h("h1", { id: "help-article-title", tabindex: "-1" }), "help.busy");
  const body = h("div", { class: "help__article-body" });
  const screen = h("article", { class: "card help help-article", "aria-labelledby": "help-article-title",
    dataset: { screen: "help-article" } }, backLink(tenant), heading, body);
  container.replaceChildren(screen);
  if (!tenant || !slug) {
    bindText(heading, "help.not_found");
    return undefined;
  }
  let counted = false;
  const stop = readInLanguage((lang) => api.get(helpPath(tenant, `articles/${encodeURIComponent(slug)}`, lang)),
    (article) => {
      delete heading.dataset.i18n; // the title is the article's, in its own language
      heading.textContent = article.title;
      const stamp = h("time", { datetime: article.updated_at });
      stamp.textContent = formatDate(article.updated_at.slice(0, 10));
      const content = h("div", { class: "help__content", lang: article.lang }, ...copyArticle(article.html));
      showFiles(content, (id) => api.get(helpPath(tenant,
        `articles/${encodeURIComponent(slug)}/files/${id}`, article.lang)));
      fill(body,
        article.fallback ? fallbackNote(article.lang) : null,
        content,
        h("p", { class: "help__updated" }, bindText(h("span"), "help.updated"), " ", stamp),
        article.visibility === "public" ? feedbackForm(tenant, slug) : null);
      if (!counted && article.visibility === "public") {
        counted = true; // one view per opening, not per language change
        api.post(helpPath(tenant, `articles/${encodeURIComponent(slug)}/views`, language()), undefined,
          { auth: false }).catch(() => {}); // a lost count is not the reader's problem
      }
    }, (error) => {
      const missing = error instanceof ApiError && error.status === 404;
      bindText(heading, missing ? "help.not_found" : "help.failed");
      body.replaceChildren();
    });
  return { cleanup: stop };
}
