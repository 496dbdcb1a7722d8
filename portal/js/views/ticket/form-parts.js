// The pieces the ticket page's forms are built from (the comment box, staff actions).

import { h } from "../../dom.js";
import { bindText } from "../../i18n.js";

/** A labelled control with its hint and the place its error is shown. */
export function labelledField(id, key, control, { hint } = {}) {
  const errorId = `${id}-error`;
  control.setAttribute("aria-describedby", hint ? `${id}-hint ${errorId}` : errorId);
  return h("div", { class: "field" },
    bindText(h("label", { for: id }), key),
    hint ? bindText(h("p", { class: "field__hint", id: `${id}-hint` }), hint) : null,
    control,
    h("p", { class: "field__error", id: errorId, dataset: { fieldError: control.name } }));
}

export function actionForm(id, titleKey, ...parts) {
  return h("form", { class: "form action", id, novalidate: true },
    bindText(h("h3", { class: "action__title" }), titleKey),
    h("div", { class: "form-error", role: "alert", dataset: { formError: "" } }),
    ...parts);
}

export function submitButton(id, key, busyKey = "common.saving", secondary = false) {
  return bindText(h("button", { class: `button ${secondary ? "button--secondary" : "button--primary"}`, type: "submit", id,
    dataset: { busyI18n: busyKey } }), key);
}
