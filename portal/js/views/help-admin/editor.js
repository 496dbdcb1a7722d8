// The article editor (#/help-admin/articles/<id>, "new" for a new one), for staff holding
// help.write: per language (sv/fi/en tabs) the title, slug and Markdown text with the
// server's preview; categories, audience (organisations for customers-only), order.
// Saving sends the version read (If-Match): a change saved meanwhile is a 412, said as
// such, and the text typed stays. Publishing, the schedule and taking an article down
// need help.publish: without it those controls are not there at all. The versions card
// shows the changes between any two published versions and restores one.

import { api, ApiError, idempotencyKey } from "../../api.js";
import { $, h } from "../../dom.js";
import { FormError, onSubmit } from "../../forms.js";
import { bindText, formatDateTime } from "../../i18n.js";
import { organizations } from "../../reference-data.js";
import { can, currentUser } from "../../session.js";
import { articleHash, copyArticle, showFiles } from "../help.js";
import { fill, ifMatch, pageHead, showLoadError } from "../networks/common.js";
import { labelledField } from "../ticket/form-parts.js";
import {
  LANGUAGES, VISIBILITIES, articleState, editorHash, fromLocalInput, languageTabs, slugify, textIn, toLocalInput,
  translationsOf, visibilityPill,
} from "./common.js";
import { filesCard, staffFileLink } from "./files.js";
import { statsCard, versionsCard } from "./versions.js";

const TEXT_FIELDS = ["title", "slug", "body_md"];
const FIELD_CONTEXT = "help_admin.editor";

function languagePanel(lang) {
  const name = (field) => `translations.${lang}.${field}`;
  const id = (field) => `article-${lang}-${field}`;
  const preview = h("div", { class: "article-preview", id: `article-${lang}-preview`, "aria-live": "polite" });
  return h("div", { class: "form__group" },
    labelledField(id("title"), "help_admin.editor.title_label",
      h("input", { id: id("title"), name: name("title"), type: "text", maxlength: "200", "data-trim": "", lang, dataset: { field: "title" } })),
    labelledField(id("slug"), "help_admin.editor.slug_label",
      h("input", { id: id("slug"), name: name("slug"), type: "text", maxlength: "80", "data-trim": "", autocomplete: "off",
        spellcheck: "false", dataset: { field: "slug" } }), { hint: "help_admin.editor.slug_hint" }),
    labelledField(id("body_md"), "help_admin.editor.body_label",
      h("textarea", { id: id("body_md"), name: name("body_md"), rows: "14", class: "code-editor", lang, dataset: { field: "body_md" } }),
      { hint: "help_admin.editor.body_hint" }),
    h("div", {}, bindText(h("button", { class: "button button--secondary button--small", type: "button", dataset: { preview: lang } }),
      "help_admin.editor.preview")),
    preview);
}

function choiceList(legendKey, name, errorId, items) {
  return h("fieldset", { class: "field choices", "aria-describedby": errorId },
    bindText(h("legend"), legendKey),
    h("ul", { class: "choices__list choices__list--columns" }, items),
    h("p", { class: "field__error", id: errorId, dataset: { fieldError: name } }));
}

function radio(name, value, key) {
  const id = `article-${name}-${value}`;
  return h("li", {}, h("label", { class: "check", for: id },
    h("input", { type: "radio", name, value, id }), " ", bindText(h("span"), key)));
}

export default function editor(container, app, path, params, { id: routeId }) {
  const mayPublish = can(currentUser(), "help.publish");
  let article = null; // as last read or saved: its version goes with every change
  let alive = true;
  let action = "save";
  let dirty = false; // typed since the last load or save: closing the tab asks first
  const warnUnsaved = (event) => {
    if (!dirty) return;
    event.preventDefault();
    event.returnValue = ""; // older browsers ask only when this is set
  };
  window.addEventListener("beforeunload", warnUnsaved);
  // A retried first save never makes two articles: the key changes only once the API has
  // answered (a refused body sent again under the same key would be a 409).
  let createKey = idempotencyKey();

  const { title, crumbs } = pageHead(routeId === "new" ? "help_admin.editor.new_title" : "help_admin.editor.title", { back: "/help-admin", backKey: "help_admin.back", id: "help-editor-title" });
  const state = h("p", { class: "article-state", dataset: { articleState: "" } });
  const notice = h("div", { class: "notice", role: "status", dataset: { notice: "" } });
  const loadError = h("div", { class: "form-error", role: "alert" });
  const tabs = languageTabs("article", languagePanel);
  const categoryList = choiceList("help_admin.editor.categories", "category_ids", "article-categories-error", []);
  const organizationSelect = h("select", { id: "article-organizations", name: "organization_ids", multiple: true, size: "6" });
  const organizationField = labelledField("article-organizations", "help_admin.editor.organizations", organizationSelect,
    { hint: "help_admin.editor.organizations_hint" });
  const schedule = mayPublish ? h("fieldset", { class: "field choices article-schedule" },
    bindText(h("legend"), "help_admin.editor.schedule"),
    bindText(h("p", { class: "field__hint" }), "help_admin.editor.schedule_hint"),
    labelledField("article-publish-at", "help_admin.editor.publish_at",
      h("input", { id: "article-publish-at", name: "publish_at", type: "datetime-local" })),
    labelledField("article-unpublish-at", "help_admin.editor.unpublish_at",
      h("input", { id: "article-unpublish-at", name: "unpublish_at", type: "datetime-local" }))) : null;
  const conflict = h("div", { class: "notice notice--warning", dataset: { conflict: "" }, hidden: true },
    bindText(h("p"), "help_admin.editor.conflict"),
    bindText(h("button", { class: "button button--secondary button--small", type: "button", id: "article-reload" }),
      "help_admin.editor.reload"));
  const takeDown = mayPublish ? bindText(h("button", { class: "button button--secondary", type: "submit", id: "article-take-down",
    dataset: { action: "takedown" }, hidden: true }), "help_admin.editor.take_down") : null;
  const form = h("form", { class: "form article-form", id: "article-form", novalidate: true },
    h("div", { class: "form-error", role: "alert", dataset: { formError: "" } }),
    conflict,
    tabs.list, ...tabs.panels,
    categoryList,
    choiceList("help_admin.editor.visibility", "visibility", "article-visibility-error",
      VISIBILITIES.map((v) => radio("visibility", v, `help_admin.visibility_long.${v}`))),
    organizationField,
    labelledField("article-order", "help_admin.editor.order",
      h("input", { id: "article-order", name: "order", type: "number", min: "0", max: "100000", step: "1", value: "0" }),
      { hint: "help_admin.editor.order_hint" }),
    schedule,
    h("div", { class: "action__buttons" },
      bindText(h("button", { class: "button button--primary", type: "submit", id: "article-save", dataset: { action: "save", busyI18n: "common.saving" } }),
        "help_admin.editor.save"),
      mayPublish ? bindText(h("button", { class: "button button--primary", type: "submit", id: "article-publish", dataset: { action: "publish" } }),
        "help_admin.editor.publish") : null,
      takeDown));
  const side = h("div", { class: "article-side" });
  const screen = h("section", { class: "help-admin help-editor", "aria-labelledby": "help-editor-title", dataset: { screen: "help-editor" } },
    crumbs, title, state, notice, loadError,
    h("div", { class: "help-editor__layout" }, h("div", { class: "card" }, form), side));
  container.replaceChildren(screen);

  const field = (lang, name) => form.elements.namedItem(`translations.${lang}.${name}`);
  const written = (lang) => TEXT_FIELDS.some((f) => field(lang, f).value.trim());
  const showOrganizations = () => {
    organizationField.hidden = form.elements.namedItem("visibility").value !== "customers";
  };

  // The slug follows the title until it is typed into (or the article has one).
  form.addEventListener("input", (event) => {
    dirty = true;
    const el = event.target;
    const lang = el.closest("[role=tabpanel]")?.dataset.lang;
    if (!lang) return;
    if (el.dataset.field === "title" && field(lang, "slug").dataset.auto !== "false") {
      field(lang, "slug").value = slugify(el.value);
    } else if (el.dataset.field === "slug") {
      field(lang, "slug").dataset.auto = "false";
    }
    tabs.mark(lang, written(lang));
  });
  form.addEventListener("change", (event) => {
    if (event.target.name === "visibility") showOrganizations();
  });
  form.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    if (button) action = button.dataset.action;
  });
  form.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-preview]");
    if (button) preview(button.dataset.preview, button);
  });
  $("#article-reload", conflict).addEventListener("click", () => load());

  async function preview(lang, button) {
    const out = $(`#article-${lang}-preview`, form);
    button.disabled = true;
    try {
      const shown = await api.post("/article-preview", { lang, body_md: field(lang, "body_md").value });
      if (!alive) return;
      const content = h("div", { class: "help__content", lang }, ...copyArticle(shown.html));
      if (article) showFiles(content, staffFileLink(article.id)); // the article's own images
      fill(out,
        bindText(h("h3", { class: "article-preview__title" }), "help_admin.editor.preview_title"),
        shown.problems?.length ? h("ul", { class: "form-error article-preview__problems" }, shown.problems.map((p) => h("li", { text: p }))) : null,
        content);
    } catch (error) {
      if (alive) showLoadError(out, error);
    } finally {
      button.disabled = false;
    }
  }

  function showState() {
    const current = articleState(article);
    const published = article.published_version
      ? bindText(h("span"), "help_admin.state.published_version", { number: article.published_version, at: formatDateTime(article.published_at) })
      : null;
    const tenant = currentUser()?.tenant;
    const slug = article.published_version ? textIn(article.translations, "slug") : "";
    fill(state, visibilityPill(article.visibility), " ",
      bindText(h("strong", { dataset: { state: current } }), `help_admin.state.${current}`), " ", published,
      article.publish_at ? [" ", bindText(h("span"), "help_admin.state.publish_at", { at: formatDateTime(article.publish_at) })] : null,
      article.unpublish_at ? [" ", bindText(h("span"), "help_admin.state.unpublish_at", { at: formatDateTime(article.unpublish_at) })] : null,
      tenant && slug ? [" ", bindText(h("a", { href: articleHash(tenant, slug), id: "article-public-link" }), "help_admin.state.read_it")] : null);
    const heading = textIn(article.translations, "title");
    if (heading) {
      delete title.dataset.i18n;
      title.textContent = heading;
    }
    if (takeDown) takeDown.hidden = !article.published_version;
  }

  function fillForm() {
    dirty = false;
    for (const lang of LANGUAGES) {
      const text = article.translations?.[lang] ?? {};
      for (const name of TEXT_FIELDS) field(lang, name).value = text[name] ?? "";
      field(lang, "slug").dataset.auto = text.slug ? "false" : "true";
      tabs.mark(lang, written(lang));
    }
    const chosen = new Set(article.category_ids ?? []);
    for (const box of form.querySelectorAll('input[name="category_ids"]')) box.checked = chosen.has(box.value);
    for (const el of form.querySelectorAll('input[name="visibility"]')) el.checked = el.value === article.visibility;
    const orgs = new Set(article.organization_ids ?? []);
    for (const option of organizationSelect.options) option.selected = orgs.has(option.value);
    form.elements.namedItem("order").value = String(article.order ?? 0);
    if (schedule) {
      form.elements.namedItem("publish_at").value = toLocalInput(article.publish_at);
      form.elements.namedItem("unpublish_at").value = toLocalInput(article.unpublish_at);
    }
    showOrganizations();
    // The tab shown is one the article is written in (the reader's language when it is).
    const shownLang = tabs.panels.find((p) => !p.hidden)?.dataset.lang;
    const firstWritten = LANGUAGES.find(written);
    if (firstWritten && !written(shownLang)) tabs.select(firstWritten);
  }

  let sideCards = null;

  async function restore(number) {
    notice.replaceChildren();
    loadError.replaceChildren();
    try {
      article = await api.post(`/articles/${encodeURIComponent(article.id)}/versions/${Number(number)}/restore`, undefined,
        { headers: ifMatch(article.version) });
      if (!alive) return;
      fillForm();
      showState();
      conflict.hidden = true;
      bindText(notice, "help_admin.editor.restored", { number });
      title.focus();
    } catch (error) {
      if (!alive) return;
      if (error instanceof ApiError && error.status === 412) conflict.hidden = false;
      showLoadError(loadError, error);
    }
  }

  function showSide() {
    if (sideCards) return;
    const versions = versionsCard(article.id, { restore });
    const stats = statsCard(article.id, { everPublished: () => article.latest_version > 0 });
    const shownBody = () => field(tabs.panels.find((p) => !p.hidden)?.dataset.lang ?? "sv", "body_md");
    const files = filesCard(article.id, { textarea: shownBody });
    sideCards = { versions, stats, files };
    side.replaceChildren(files.card, stats.card, versions.card);
  }

  /** The form's values -> the body of POST /articles or PATCH /articles/{id}. */
  function bodyOf(values, doing) {
    const translations = translationsOf(values, TEXT_FIELDS);
    if (!Object.keys(translations).length) {
      const lang = tabs.panels.find((p) => !p.hidden)?.dataset.lang ?? "sv";
      throw new FormError({ [`translations.${lang}.title`]: "help_admin.editor.errors.one_language" });
    }
    const order = values.order === "" ? 0 : Number(values.order);
    if (!Number.isInteger(order) || order < 0) throw new FormError({ order: "help_admin.editor.errors.order" });
    const body = {
      translations,
      visibility: doing === "takedown" ? "draft" : (values.visibility ?? "draft"),
      category_ids: Array.from(form.querySelectorAll('input[name="category_ids"]:checked'), (box) => box.value),
      organization_ids: values.visibility === "customers" ? Array.from(organizationSelect.selectedOptions, (o) => o.value) : [],
      order,
    };
    if (schedule) {
      for (const name of ["publish_at", "unpublish_at"]) {
        const at = fromLocalInput(values[name]);
        if (at === undefined) throw new FormError({ [name]: "help_admin.editor.errors.moment" });
        body[name] = at;
      }
    }
    return body;
  }

  onSubmit(form, async (values) => {
    // The button pressed says what to do (Enter in a field presses Save).
    const doing = action;
    action = "save";
    notice.replaceChildren();
    conflict.hidden = true;
    const body = bodyOf(values, doing);
    try {
      if (article) {
        article = await api.patch(`/articles/${encodeURIComponent(article.id)}`, body, { headers: ifMatch(article.version) });
      } else {
        article = await api.post("/articles", body, { headers: { "Idempotency-Key": createKey } });
        // The new article's own address, without opening the page again.
        history.replaceState(history.state, "", editorHash(article.id));
      }
      if (doing === "publish") {
        article = await api.post(`/articles/${encodeURIComponent(article.id)}/publish`, undefined, { headers: ifMatch(article.version) });
      }
    } catch (error) {
      if (error instanceof ApiError && error.status === 412) conflict.hidden = false;
      if (!article && error instanceof ApiError && error.status !== 0) createKey = idempotencyKey();
      throw error;
    } finally {
      if (article && alive) {
        showState();
        if (!sideCards) showSide();
        else if (doing === "publish") {
          sideCards.versions.reload();
          sideCards.stats.reload();
        }
      }
    }
    dirty = false;
    const done = { publish: "help_admin.editor.published", takedown: "help_admin.editor.taken_down" }[doing] ?? "help_admin.editor.saved";
    bindText(notice, done, { number: article.published_version ?? "" });
    if (doing === "takedown") fillForm();
  }, { context: FIELD_CONTEXT, statusKeys: { 412: "help_admin.editor.conflict_short" }, reveal: tabs.reveal });

  async function load() {
    loadError.replaceChildren();
    try {
      const [categories, orgs] = await Promise.all([
        api.get("/categories"),
        organizations().catch(() => []), // the audience then is every customer: the API says so if not
      ]);
      if (!alive) return;
      categoryList.querySelector("ul").replaceChildren(...(categories?.items ?? []).map((c) => h("li", {},
        h("label", { class: "check", for: `article-category-${c.id}` },
          h("input", { type: "checkbox", name: "category_ids", value: c.id, id: `article-category-${c.id}` }), " ",
          h("span", { text: textIn(c.translations, "name") })))));
      if (!categories?.items?.length) categoryList.querySelector("ul").append(bindText(h("li", { class: "muted" }), "help_admin.editor.no_categories"));
      organizationSelect.replaceChildren(...orgs.map((o) => h("option", { value: o.id, text: o.name })));
      if (routeId !== "new" || article) {
        article = await api.get(`/articles/${encodeURIComponent(article?.id ?? routeId)}`);
        if (!alive) return;
        fillForm();
        showState();
        if (sideCards) {
          sideCards.versions.reload();
          sideCards.stats.reload();
          sideCards.files.reload();
        } else showSide();
      } else {
        form.elements.namedItem("visibility").value = "draft";
        for (const lang of LANGUAGES) tabs.mark(lang, false);
        showOrganizations();
      }
    } catch (error) {
      if (alive) showLoadError(loadError, error);
    }
  }

  load();
  return {
    cleanup: () => {
      alive = false;
      window.removeEventListener("beforeunload", warnUnsaved);
    },
  };
}
