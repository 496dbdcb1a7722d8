// Form plumbing shared by every screen: submit handling with a busy button,
// and errors shown where they belong — a field's error next to the field named
// by the problem's errors[].loc, everything else in the form's role="alert" area.
//
// Markup a form provides:
//   <form novalidate>                      the API validates; its answer is shown
//     <div class="form-error" role="alert" data-form-error></div>
//     <input id="x-email" name="email" aria-describedby="x-email-error">
//     <p class="field__error" id="x-email-error" data-field-error="email"></p>
//     <button type="submit" data-busy-i18n="login.busy">

import { ApiError } from "./api.js";
import { $, $$, h } from "./dom.js";
import { bindText, has } from "./i18n.js";

/** An error found before sending: {field name: text key}. */
export class FormError extends Error {
  constructor(fields) {
    super("invalid form");
    this.name = "FormError";
    this.fieldKeys = fields;
  }
}

const STATUS_KEYS = {
  400: "errors.invalid_input",
  401: "errors.unauthenticated",
  403: "errors.forbidden",
  404: "errors.not_found",
  409: "errors.conflict",
  413: "errors.too_large",
  422: "errors.rule",
  429: "errors.rate_limited",
};

/** The text key for an error's general message; `overrides` maps a status to a key. */
export function errorKey(error, overrides = {}) {
  if (error instanceof FormError) return "errors.check_fields";
  if (!(error instanceof ApiError)) return "errors.unexpected";
  if (overrides[error.status]) return overrides[error.status];
  if (error.status === 0) return error.kind === "timeout" ? "errors.timeout" : "errors.network";
  if (error.status >= 500) return "errors.server";
  if (error.status === 400 && error.fields.size) return "errors.check_fields";
  return STATUS_KEYS[error.status] ?? "errors.unexpected";
}

function fieldError(form, name) {
  return $$("[data-field-error]", form).find((el) => el.dataset.fieldError === name) ?? null;
}

/** The controls named `name`: one field, or every radio button of a group. */
function controls(form, name) {
  const item = form.elements.namedItem(name);
  if (item instanceof RadioNodeList) return Array.from(item).filter((el) => el instanceof HTMLElement);
  return item instanceof HTMLElement ? [item] : [];
}

/** The control that takes focus: the field, or a group's checked (else first) radio button. */
function control(form, name) {
  const all = controls(form, name);
  return all.find((el) => el.checked) ?? all[0] ?? null;
}

export function clearErrors(form) {
  const general = $("[data-form-error]", form);
  if (general) general.replaceChildren();
  for (const el of $$("[data-field-error]", form)) {
    el.replaceChildren();
    delete el.dataset.i18n;
    delete el.dataset.i18nArgs;
  }
  for (const el of $$("[aria-invalid]", form)) el.removeAttribute("aria-invalid");
}

function showField(form, name, key, rawMessages) {
  const target = fieldError(form, name);
  const inputs = controls(form, name);
  if (!target || inputs.length === 0) return false;
  if (key) bindText(target, key);
  else target.textContent = rawMessages.join(" ");
  for (const input of inputs) input.setAttribute("aria-invalid", "true");
  return true;
}

/**
 * Shows an error. `context` picks field texts: "<context>.errors.<field>", then
 * for a nested field "<context>.errors.<group>", then "errors.field.<field>",
 * then the API's own message. `statusKeys` overrides the
 * general message per status (e.g. {401: "errors.bad_credentials"}). `reveal(control)`
 * lets a screen that hides some of its fields (language tabs) show the one about to take focus.
 */
export function showErrors(form, error, { context = "", statusKeys = {}, reveal = null } = {}) {
  clearErrors(form);
  const general = $("[data-form-error]", form);
  const unplaced = [];
  let first = null;
  if (error instanceof FormError) {
    for (const [name, key] of Object.entries(error.fieldKeys)) {
      if (showField(form, name, key, [])) first ??= control(form, name);
    }
  } else if (error instanceof ApiError) {
    for (const [name, messages] of error.fields) {
      // A nested field ("fields.benefit", a ticket type's own) falls back to its group's text.
      const group = name.includes(".") ? `${context}.errors.${name.split(".")[0]}` : null;
      const key = [`${context}.errors.${name}`, group, `errors.field.${name}`].find((k) => k && has(k));
      if (showField(form, name, key, messages)) first ??= control(form, name);
      else unplaced.push(...messages);
    }
  }
  if (general) {
    general.append(bindText(h("p"), errorKey(error, statusKeys)));
    if (unplaced.length) general.append(h("ul", {}, unplaced.map((m) => h("li", { text: m }))));
  }
  if (first) reveal?.(first);
  first?.focus();
}

export function setBusy(form, busy) {
  const button = $('[type="submit"]', form);
  if (busy) {
    form.dataset.busy = "true";
    form.setAttribute("aria-busy", "true");
  } else {
    delete form.dataset.busy;
    form.removeAttribute("aria-busy");
  }
  if (!button) return;
  // aria-disabled rather than disabled: the button keeps focus while it works.
  button.classList.toggle("is-busy", busy);
  if (busy) button.setAttribute("aria-disabled", "true");
  else button.removeAttribute("aria-disabled");
  const busyKey = button.dataset.busyI18n;
  if (busyKey) {
    if (busy) {
      button.dataset.idleI18n = button.dataset.i18n ?? "";
      bindText(button, busyKey);
    } else if (button.dataset.idleI18n) {
      bindText(button, button.dataset.idleI18n);
    }
  }
}

/**
 * Runs `work()` on submit with the form busy (a "Show more" or "Mark as read" form,
 * whose errors `work` shows itself). A second submit while the first runs is ignored.
 */
export function onBusySubmit(form, work) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (form.dataset.busy) return;
    setBusy(form, true);
    try {
      await work();
    } finally {
      setBusy(form, false);
    }
  });
}

/**
 * The form's values; fields marked data-trim are trimmed. A radio group gives the
 * checked button's value (absent when none is checked), a checkbox true or false.
 */
export function values(form) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name || el.type === "submit" || el.type === "button") continue;
    if (el.type === "radio") {
      if (el.checked) out[el.name] = el.value;
    } else if (el.type === "checkbox") {
      out[el.name] = el.checked;
    } else {
      out[el.name] = "trim" in el.dataset ? el.value.trim() : el.value;
    }
  }
  return out;
}

/**
 * Runs `handler(values)` on submit with the button busy; a thrown error is
 * shown with showErrors(form, error, options). A second submit while the first
 * runs is ignored.
 */
export function onSubmit(form, handler, options = {}) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (form.dataset.busy) return;
    clearErrors(form);
    setBusy(form, true);
    try {
      await handler(values(form));
    } catch (error) {
      if (!(error instanceof ApiError) && !(error instanceof FormError)) console.error(error);
      if (form.isConnected) showErrors(form, error, options);
    } finally {
      setBusy(form, false);
    }
  });
}
