// A new contact order (#/contact-orders/new, seed 001): from the list, or from a
// customer, site or service object (?customer_id=&site_id=&service_object_id=, seed 001's
// "Alternativ 2"), which fills those in. The customer and site fields search the register
// as one types (and with the magnifier); a name found nowhere makes a new customer or
// site, with the contact person's details, and the form says so before saving.

import { api, ApiError, idempotencyKey } from "../../api.js";
import { $, h } from "../../dom.js";
import { FormError, onSubmit } from "../../forms.js";
import { bindText, t, translate } from "../../i18n.js";
import { allPages, staffUsers, tenantSettings } from "../../reference-data.js";
import { currentUser } from "../../session.js";
import { fill } from "../networks/common.js";
import { orderPath, rightsOf } from "./common.js";

const SEARCH_DELAY_MS = 250;

/** A labelled field with its hint and error; `name` is the API's field name. */
export function formField(id, key, control, { hint = null, required = false } = {}) {
  const hintId = hint ? `${id}-hint` : null;
  control.setAttribute("aria-describedby", [hintId, `${id}-error`].filter(Boolean).join(" "));
  if (required) control.setAttribute("aria-required", "true");
  return h("div", { class: "field", dataset: { field: control.name } },
    h("label", { for: id }, bindText(h("span"), key), required ? h("span", { class: "required", "aria-hidden": "true" }, " *") : null),
    hint ? bindText(h("p", { class: "field__hint", id: hintId }), hint) : null,
    control,
    h("p", { class: "field__error", id: `${id}-error`, dataset: { fieldError: control.name } }));
}

/** The magnifier of seed 001's search buttons, drawn inline (no icon font, no image). */
function magnifier() {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("class", "icon");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
  path.setAttribute("d", "M10 3a7 7 0 0 1 5.6 11.2l5.1 5.1-1.4 1.4-5.1-5.1A7 7 0 1 1 10 3Zm0 2a5 5 0 1 0 0 10 5 5 0 0 0 0-10Z");
  svg.append(path);
  return svg;
}

/**
 * A name field that searches a register as one types (and on the magnifier button):
 * the matches are buttons that pick one; typing again drops the pick. `search(text)`
 * answers [{id, name, detail}]; `changed(picked)` hears every change.
 */
export function registerSearch({ id, name, labelKey, hintKey, search, changed, required = false }) {
  const input = h("input", { id, name, type: "text", autocomplete: "off", maxlength: "200", "data-trim": "" });
  const button = h("button", { class: "button button--secondary co-magnifier", type: "button", id: `${id}-search` },
    magnifier(), bindText(h("span", { class: "visually-hidden" }), "crm.form.search"));
  const matches = h("ul", { class: "co-matches", id: `${id}-matches`, "aria-live": "polite" });
  const wrap = formField(id, labelKey, input, { hint: hintKey, required });
  const row = h("div", { class: "filters__row" });
  input.before(row);
  row.append(input, button);
  wrap.append(matches);
  let picked = null;
  let seq = 0;
  let timer = null;

  async function run() {
    const text = input.value.trim();
    const mine = ++seq;
    if (!text) {
      matches.replaceChildren();
      return;
    }
    let found = [];
    try {
      found = await search(text);
    } catch {
      found = [];
    }
    if (mine !== seq) return;
    fill(matches, found.slice(0, 8).map((item) => h("li", {},
      h("button", { class: "button button--secondary button--small co-match", type: "button", dataset: { match: item.id },
        on: { click: () => pick(item) } }, item.name, item.detail ? h("span", { class: "muted" }, ` · ${item.detail}`) : null))));
  }

  function pick(item) {
    picked = item;
    input.value = item?.name ?? "";
    matches.replaceChildren();
    changed(picked);
  }

  input.addEventListener("input", () => {
    if (picked) {
      picked = null;
    }
    changed(null);
    clearTimeout(timer);
    timer = setTimeout(run, SEARCH_DELAY_MS);
  });
  button.addEventListener("click", () => {
    clearTimeout(timer);
    run();
  });
  return { element: wrap, input, picked: () => picked, pick, text: () => input.value.trim() };
}

function option(value, text, selected, key) {
  const el = h("option", { value, selected: value === selected }, text);
  return key ? bindText(el, key) : el;
}

/** The API's errors for the register's references, shown at the fields that take them. */
function atFields(error) {
  if (!(error instanceof ApiError)) return error;
  const renamed = new Map();
  for (const [name, messages] of error.fields) {
    const to = { "customer.id": "customer", "customer.name": "customer", "site.id": "site", "site.name": "site", contact: "contact.name" }[name] ?? name;
    renamed.set(to, [...(renamed.get(to) ?? []), ...messages]);
  }
  error.fields = renamed;
  return error;
}

export default function newContactOrder(container, app, path, params) {
  const user = currentUser();
  const rights = rightsOf(user);
  const prefill = {
    customer: params.get("customer_id") ?? "",
    site: params.get("site_id") ?? "",
    object: params.get("service_object_id") ?? "",
  };
  const form = h("form", { class: "form card co-form", id: "co-form", novalidate: true });
  const screen = h("section", { class: "co-new", dataset: { screen: "contact-order-new" }, "aria-labelledby": "co-new-title" },
    h("p", { class: "crumbs" }, bindText(h("a", { href: "#/contact-orders" }), "modules.contact_orders.title")),
    bindText(h("h1", { id: "co-new-title", tabindex: "-1" }), "crm.form.title"),
    bindText(h("p", { class: "lead" }), "crm.form.intro"),
    form);
  container.replaceChildren(screen);
  let alive = true;
  let sites = [];
  let objects = [];
  let sitesLoaded = Promise.resolve([]); // the picked customer's sites, once read

  const notice = h("p", { class: "notice co-register-notice", id: "co-register-notice", "aria-live": "polite", hidden: true });
  const customer = registerSearch({
    id: "co-customer", name: "customer", labelKey: "crm.fields.customer", hintKey: "crm.form.customer_hint", required: true,
    search: async (text) => ((await api.get(`/organizations?q=${encodeURIComponent(text)}&limit=8`)).items ?? [])
      .map((o) => ({ id: o.id, name: o.name, detail: o.customer_number ?? "" })),
    changed: (picked) => customerChanged(picked),
  });
  const site = registerSearch({
    id: "co-site", name: "site", labelKey: "crm.fields.site", hintKey: "crm.form.site_hint",
    search: async (text) => (await sitesLoaded).filter((s) => s.name.toLowerCase().includes(text.toLowerCase()))
      .map((s) => ({ id: s.id, name: s.name, detail: s.address?.city ?? "" })),
    changed: () => showNotice(),
  });
  const newSite = h("fieldset", { class: "co-new-site", hidden: true },
    bindText(h("legend"), "crm.form.new_site_address"),
    formField("co-site-street", "crm.fields.street", h("input", { id: "co-site-street", name: "site.address.street", "data-trim": "", maxlength: "200" })),
    formField("co-site-postal", "crm.fields.postal_code", h("input", { id: "co-site-postal", name: "site.address.postal_code", "data-trim": "", maxlength: "16" })),
    formField("co-site-city", "crm.fields.city", h("input", { id: "co-site-city", name: "site.address.city", "data-trim": "", maxlength: "200" })));
  const objectSelect = h("select", { id: "co-object", name: "service_object_id" });
  const objectField = formField("co-object", "crm.fields.service_object", objectSelect, { hint: "crm.form.object_hint" });

  function showNotice() {
    const parts = [];
    const customerName = customer.text();
    if (customerName && !customer.picked()) parts.push(t("crm.form.new_customer", { name: customerName }));
    const siteName = site.text();
    if (siteName && !site.picked()) parts.push(t("crm.form.new_site", { name: siteName }));
    notice.hidden = parts.length === 0;
    notice.textContent = parts.join(" ");
    newSite.hidden = !(siteName && !site.picked());
  }

  async function customerChanged(picked) {
    let loaded;
    sitesLoaded = new Promise((resolve) => { loaded = resolve; });
    sites = [];
    objects = [];
    if (picked) {
      try {
        [sites, objects] = await Promise.all([
          allPages(`/organizations/${encodeURIComponent(picked.id)}/sites`),
          allPages(`/organizations/${encodeURIComponent(picked.id)}/service-objects`)]);
      } catch {
        // without the register's sites a new one can still be named
      }
    }
    loaded(sites);
    if (!alive) return;
    if (site.picked() && !sites.some((s) => s.id === site.picked().id)) site.pick(null);
    fill(objectSelect, option("", "", "", "crm.form.no_object"),
      objects.map((o) => option(o.id, o.serial_number ? `${o.name} (${o.serial_number})` : o.name, prefill.object)));
    objectField.hidden = objects.length === 0;
    showNotice();
  }

  (async () => {
    let settings = null;
    let users = [];
    try {
      [settings, users] = await Promise.all([tenantSettings().catch(() => null), staffUsers().catch(() => [])]);
      if (prefill.customer) {
        const org = await api.get(`/organizations/${encodeURIComponent(prefill.customer)}`);
        if (!alive) return;
        customer.pick({ id: org.id, name: org.name });
        await customerChanged({ id: org.id, name: org.name });
        const chosenObject = objects.find((o) => o.id === prefill.object);
        const siteId = prefill.site || chosenObject?.site_id;
        const chosenSite = sites.find((s) => s.id === siteId);
        if (chosenSite) site.pick({ id: chosenSite.id, name: chosenSite.name });
      }
    } catch (error) {
      if (!(error instanceof ApiError)) console.error(error);
    }
    if (!alive) return;
    const statuses = settings?.contact_order_statuses ?? [];
    const assigneeControl = rights.assign
      ? formField("co-assignee", "crm.fields.assignee", h("select", { id: "co-assignee", name: "assignee_id" },
        option("", "", "", "crm.unassigned"),
        users.map((u) => option(u.id, u.id === user.id ? t("crm.form.me", { name: u.name }) : u.name, ""))))
      : rights.assignSelf
        ? h("div", { class: "field" }, h("label", { class: "check", for: "co-assign-me" },
          h("input", { type: "checkbox", id: "co-assign-me", name: "assign_me" }), " ", bindText(h("span"), "crm.form.assign_me")))
        : null;
    form.replaceChildren(
      h("div", { class: "form-error", role: "alert", dataset: { formError: "" } }),
      formField("co-subject", "crm.fields.subject",
        h("input", { id: "co-subject", name: "subject", maxlength: "200", "data-trim": "", autocomplete: "off" }),
        { hint: "crm.form.subject_hint", required: true }),
      customer.element, notice, site.element, newSite, objectField,
      h("fieldset", { class: "co-contact" },
        bindText(h("legend"), "crm.form.contact"),
        bindText(h("p", { class: "field__hint" }), "crm.form.contact_hint"),
        formField("co-contact-name", "crm.fields.contact_name", h("input", { id: "co-contact-name", name: "contact.name", "data-trim": "", maxlength: "200", autocomplete: "off" })),
        formField("co-contact-email", "crm.fields.email", h("input", { id: "co-contact-email", name: "contact.email", type: "email", "data-trim": "", autocomplete: "off" })),
        formField("co-contact-phone", "crm.fields.phone", h("input", { id: "co-contact-phone", name: "contact.phone", type: "tel", "data-trim": "", autocomplete: "off" }))),
      formField("co-status", "crm.fields.status", h("select", { id: "co-status", name: "status" },
        statuses.map((s, i) => option(s, s, i === 0 ? s : ""))), { hint: "crm.form.status_hint" }),
      formField("co-planned", "crm.fields.planned_date", h("input", { id: "co-planned", name: "planned_date", type: "date" })),
      assigneeControl,
      h("div", { class: "co-form__buttons" },
        bindText(h("button", { class: "button button--primary", type: "submit", id: "co-save", dataset: { busyI18n: "common.saving" } }), "crm.form.save"),
        " ",
        bindText(h("a", { class: "button button--secondary", href: "#/contact-orders" }), "crm.cancel")));
    if (statuses.length === 0) $("#co-status", form).closest(".field").remove();
    objectField.hidden = objects.length === 0;
    translate(form);
    showNotice();
  })();

  onSubmit(form, async (values) => {
    const missing = {};
    if (!values.subject) missing.subject = "crm.form.errors.subject";
    if (!customer.text()) missing.customer = "crm.form.errors.customer";
    if (Object.keys(missing).length) throw new FormError(missing);
    const picked = customer.picked();
    const body = {
      subject: values.subject,
      customer: picked ? { id: picked.id } : { name: customer.text() },
    };
    const siteName = site.text();
    if (site.picked()) body.site = { id: site.picked().id };
    else if (siteName) {
      body.site = { name: siteName };
      const address = { street: values["site.address.street"], postal_code: values["site.address.postal_code"], city: values["site.address.city"] };
      if (address.street || address.postal_code || address.city) body.site.address = address;
    }
    if (values.service_object_id) body.service_object_id = values.service_object_id;
    if (values["contact.name"] || values["contact.email"] || values["contact.phone"]) {
      body.contact = { name: values["contact.name"] };
      if (values["contact.email"]) body.contact.email = values["contact.email"];
      if (values["contact.phone"]) body.contact.phone = values["contact.phone"];
    }
    if (values.status) body.status = values.status;
    if (values.planned_date) body.planned_date = values.planned_date;
    if (values.assignee_id) body.assignee_id = values.assignee_id;
    if (values.assign_me) body.assignee_id = user.id;
    try {
      const order = await api.post("/contact-orders", body, { headers: { "Idempotency-Key": idempotencyKey() } });
      app.state.notice = picked ? "crm.form.created" : "crm.form.created_with_customer";
      app.navigate(orderPath(order.id));
    } catch (error) {
      throw atFields(error);
    }
  }, { context: "crm.form" });

  return { cleanup: () => { alive = false; } };
}
