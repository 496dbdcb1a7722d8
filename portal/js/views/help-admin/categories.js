// The help center's categories for staff (a card of #/help-admin): each with its name,
// slug and description per language, its place in the order and its icon's name; a new
// one, and each one's form to rename or reorder it (saved with If-Match).

import { api, ApiError, idempotencyKey } from "../../api.js";
import { h } from "../../dom.js";
import { FormError, onSubmit } from "../../forms.js";
import { bindText } from "../../i18n.js";
import { ifMatch, showLoadError } from "../networks/common.js";
import { labelledField, submitButton } from "../ticket/form-parts.js";
import { LANGUAGES, slugify, textIn, translationsOf } from "./common.js";

const TEXT_FIELDS = ["name", "slug", "description"];

/** A category's form: `category` null for a new one. `saved()` reads the list again. */
function categoryForm(category, saved) {
  const key = category ? category.id : "new";
  const id = (part) => `category-${key}-${part}`;
  const form = h("form", { class: "form category-form", id: id("form"), novalidate: true },
    h("div", { class: "form-error", role: "alert", dataset: { formError: "" } }),
    LANGUAGES.map((lang) => {
      const text = category?.translations?.[lang] ?? {};
      const name = (f) => `translations.${lang}.${f}`;
      const slug = h("input", { id: id(`${lang}-slug`), name: name("slug"), type: "text", maxlength: "80", "data-trim": "",
        value: text.slug ?? "", spellcheck: "false", dataset: { auto: text.slug ? "false" : "true" } });
      const title = h("input", { id: id(`${lang}-name`), name: name("name"), type: "text", maxlength: "200", "data-trim": "",
        value: text.name ?? "", lang });
      title.addEventListener("input", () => {
        if (slug.dataset.auto !== "false") slug.value = slugify(title.value);
      });
      slug.addEventListener("input", () => { slug.dataset.auto = "false"; });
      const description = h("textarea", { id: id(`${lang}-description`), name: name("description"), rows: "2", maxlength: "2000", lang });
      description.value = text.description ?? "";
      return h("fieldset", { class: "field choices category-form__lang", dataset: { lang } },
        bindText(h("legend"), `help.language.${lang}`),
        labelledField(id(`${lang}-name`), "help_admin.categories.name", title),
        labelledField(id(`${lang}-slug`), "help_admin.categories.slug", slug),
        labelledField(id(`${lang}-description`), "help_admin.categories.description", description));
    }),
    h("div", { class: "category-form__row" },
      labelledField(id("order"), "help_admin.categories.order",
        h("input", { id: id("order"), name: "order", type: "number", min: "0", max: "100000", step: "1", value: String(category?.order ?? 0) })),
      labelledField(id("icon"), "help_admin.categories.icon",
        h("input", { id: id("icon"), name: "icon", type: "text", maxlength: "40", "data-trim": "", value: category?.icon ?? "", spellcheck: "false" }),
        { hint: "help_admin.categories.icon_hint" })),
    h("div", {}, submitButton(id("submit"), category ? "help_admin.categories.save" : "help_admin.categories.create")));
  let createKey = idempotencyKey(); // kept for a retry whose first try got no answer
  onSubmit(form, async (values) => {
    const translations = translationsOf(values, TEXT_FIELDS);
    if (!Object.keys(translations).length) throw new FormError({ "translations.sv.name": "help_admin.editor.errors.one_language" });
    const order = values.order === "" ? 0 : Number(values.order);
    if (!Number.isInteger(order) || order < 0) throw new FormError({ order: "help_admin.editor.errors.order" });
    const body = { translations, order, icon: values.icon || null };
    if (category) await api.patch(`/categories/${encodeURIComponent(category.id)}`, body, { headers: ifMatch(category.version) });
    else {
      try {
        await api.post("/categories", body, { headers: { "Idempotency-Key": createKey } });
      } catch (error) {
        if (error instanceof ApiError && error.status !== 0) createKey = idempotencyKey();
        throw error;
      }
    }
    await saved(category ? "help_admin.categories.saved" : "help_admin.categories.created");
  }, { context: "help_admin.categories", statusKeys: { 412: "errors.conflict" } });
  return form;
}

/**
 * The categories card. `changed(categories)` tells the list page the categories read (its
 * filter names them).
 */
export function categoriesCard({ changed }) {
  const list = h("ul", { class: "categories-admin__list", id: "categories-admin-list" });
  const status = h("div", { class: "form-error", role: "alert" });
  const notice = h("div", { class: "notice", role: "status" });
  const creating = h("details", { class: "categories-admin__new", id: "category-new" },
    bindText(h("summary"), "help_admin.categories.new"));
  const card = h("section", { class: "card categories-admin", "aria-labelledby": "categories-admin-title" },
    bindText(h("h2", { id: "categories-admin-title" }), "help_admin.categories.title"),
    notice, status, list, creating);

  async function reload(doneKey = null) {
    status.replaceChildren();
    try {
      const items = [...((await api.get("/categories"))?.items ?? [])].sort((a, b) => a.order - b.order);
      list.replaceChildren(...items.map((c) => h("li", { class: "category-admin", dataset: { category: c.id } },
        h("details", {},
          h("summary", {},
            h("span", { class: "category-admin__name", text: textIn(c.translations, "name") }), " ",
            h("span", { class: "muted" }, bindText(h("span"), "help_admin.categories.summary",
              { order: c.order, languages: LANGUAGES.filter((l) => c.translations?.[l]).join(", ").toUpperCase() })),
            c.icon ? h("span", { class: "muted", text: ` \u00b7 ${c.icon}` }) : null),
          categoryForm(c, reload)))));
      if (!items.length) list.append(bindText(h("li", { class: "muted" }), "help_admin.categories.none"));
      creating.replaceChildren(bindText(h("summary"), "help_admin.categories.new"), categoryForm(null, reload));
      // Closed after a category was made; a "New category" opened while the list loaded stays open.
      if (doneKey) creating.open = false;
      if (doneKey) bindText(notice, doneKey);
      changed(items);
    } catch (error) {
      showLoadError(status, error);
    }
  }
  reload();
  return card;
}
