// The status page's staff screen (#/status-admin, module "status_admin", for status.manage):
// post an incident (its title in sv/fi/en, the components it affects, its impact and first
// update), add updates to an open one (optionally with a new impact) and resolve it; the
// incidents of the last 90 days as the public page lists them. Each change carries the
// incident's version (If-Match): one posted meanwhile is a 412, said as such.
// The API gives no subscriber count, so none is shown.

import { api, ApiError, idempotencyKey } from "../api.js";
import { h } from "../dom.js";
import { FormError, onSubmit } from "../forms.js";
import { bindText, formatDateTime, language, localized, onLanguageChange } from "../i18n.js";
import { currentUser } from "../session.js";
import { fill, ifMatch, showLoadError } from "./networks/common.js";
import { labelledField, submitButton } from "./ticket/form-parts.js";
import { statusPath } from "./status.js";

const LANGUAGES = ["sv", "fi", "en"];
const IMPACTS = ["degraded", "outage"];

/** The new-incident form's values -> POST /incidents's body (titles left empty are left out). */
export function incidentBody(values, componentIds) {
  const title = Object.fromEntries(LANGUAGES.map((l) => [l, String(values[`title.${l}`] ?? "").trim()]).filter(([, v]) => v));
  const errors = {};
  if (!Object.keys(title).length) errors["title.sv"] = "status_admin.errors.title";
  if (!componentIds.length) errors.component_ids = "status_admin.errors.components";
  if (!values.impact) errors.impact = "status_admin.errors.impact";
  if (!String(values.message ?? "").trim()) errors.message = "status_admin.errors.message";
  if (Object.keys(errors).length) throw new FormError(errors);
  return { title, component_ids: componentIds, impact: values.impact, message: String(values.message).trim() };
}

function radios(idPrefix, name, keys, { checked = null, legend, extra = [] } = {}) {
  const errorId = `${idPrefix}-error`;
  return h("fieldset", { class: "field choices", "aria-describedby": errorId },
    bindText(h("legend"), legend),
    h("div", { class: "choices__row" }, [...extra, ...keys].map(([value, key]) => h("label", { class: "check", for: `${idPrefix}-${value || "keep"}` },
      h("input", { type: "radio", name, value, id: `${idPrefix}-${value || "keep"}`, checked: value === checked }), " ",
      bindText(h("span"), key)))),
    h("p", { class: "field__error", id: errorId, dataset: { fieldError: name } }));
}

const impactChoices = IMPACTS.map((i) => [i, `status.impact.${i}`]);

function newIncidentForm(components, posted) {
  const form = h("form", { class: "form", id: "incident-new", novalidate: true },
    bindText(h("h2", { id: "incident-new-title" }), "status_admin.new.title"),
    h("div", { class: "form-error", role: "alert", dataset: { formError: "" } }),
    h("fieldset", { class: "field choices" },
      bindText(h("legend"), "status_admin.new.incident_title"),
      bindText(h("p", { class: "field__hint" }), "status_admin.new.title_hint"),
      LANGUAGES.map((lang) => labelledField(`incident-title-${lang}`, `help.language.${lang}`,
        h("input", { id: `incident-title-${lang}`, name: `title.${lang}`, type: "text", maxlength: "200", lang })))),
    h("fieldset", { class: "field choices", "aria-describedby": "incident-components-error" },
      bindText(h("legend"), "status_admin.new.components"),
      h("ul", { class: "choices__list choices__list--columns" }, components.map((c) => h("li", {},
        h("label", { class: "check", for: `incident-component-${c.id}` },
          h("input", { type: "checkbox", name: "component_ids", value: c.id, id: `incident-component-${c.id}` }), " ",
          h("span", { text: localized(c.name) }))))),
      h("p", { class: "field__error", id: "incident-components-error", dataset: { fieldError: "component_ids" } })),
    radios("incident-impact", "impact", impactChoices, { legend: "status_admin.impact" }),
    labelledField("incident-message", "status_admin.new.message",
      h("textarea", { id: "incident-message", name: "message", rows: "3", maxlength: "4000" }), { hint: "status_admin.new.message_hint" }),
    h("div", {}, submitButton("incident-submit", "status_admin.new.submit", "common.sending")));
  let key = idempotencyKey(); // kept for a retry whose first try got no answer
  onSubmit(form, async (values) => {
    const chosen = Array.from(form.querySelectorAll('input[name="component_ids"]:checked'), (box) => box.value);
    try {
      await api.post("/incidents", incidentBody(values, chosen), { headers: { "Idempotency-Key": key } });
    } catch (error) {
      if (error instanceof ApiError && error.status !== 0) key = idempotencyKey();
      throw error;
    }
    await posted("status_admin.new.posted");
  }, { context: "status_admin" });
  return form;
}

function updateList(updates) {
  return h("ol", { class: "status__updates" }, [...updates].sort((a, b) => (a.at < b.at ? 1 : -1)).map((u) => h("li", {},
    h("time", { datetime: u.at, text: formatDateTime(u.at) }), " ", h("span", { text: u.message }),
    u.impact ? [" ", bindText(h("span", { class: "muted" }), `status.impact.${u.impact}`)] : null,
    u.resolved ? [" ", bindText(h("span", { class: "muted" }), "status.incident.resolved")] : null)));
}

/** An open incident with its updates, and the forms to add one and to resolve it. */
function openIncident(incident, names, changed) {
  const key = incident.id;
  const update = h("form", { class: "form", id: `incident-${key}-update`, novalidate: true },
    bindText(h("h4"), "status_admin.update.title"),
    h("div", { class: "form-error", role: "alert", dataset: { formError: "" } }),
    labelledField(`incident-${key}-message`, "status_admin.update.message",
      h("textarea", { id: `incident-${key}-message`, name: "message", rows: "2", maxlength: "4000" })),
    radios(`incident-${key}-impact`, "impact", impactChoices,
      { legend: "status_admin.update.impact", checked: "", extra: [["", "status_admin.update.keep_impact"]] }),
    h("div", {}, submitButton(`incident-${key}-update-submit`, "status_admin.update.submit", "common.sending")));
  onSubmit(update, async (values) => {
    const message = values.message.trim();
    if (!message) throw new FormError({ message: "status_admin.errors.message" });
    await api.post(`/incidents/${encodeURIComponent(incident.id)}/updates`, { message, impact: values.impact || null },
      { headers: ifMatch(incident.version) });
    await changed("status_admin.update.posted");
  }, { context: "status_admin", statusKeys: { 412: "status_admin.conflict" } });
  const resolve = h("form", { class: "form", id: `incident-${key}-resolve`, novalidate: true },
    bindText(h("h4"), "status_admin.resolve.title"),
    h("div", { class: "form-error", role: "alert", dataset: { formError: "" } }),
    labelledField(`incident-${key}-resolve-message`, "status_admin.resolve.message",
      h("textarea", { id: `incident-${key}-resolve-message`, name: "message", rows: "2", maxlength: "4000" }),
      { hint: "status_admin.resolve.hint" }),
    h("div", {}, submitButton(`incident-${key}-resolve-submit`, "status_admin.resolve.submit", "common.saving", true)));
  onSubmit(resolve, async (values) => {
    const message = values.message.trim();
    await api.patch(`/incidents/${encodeURIComponent(incident.id)}`, { resolved: true, message: message || null },
      { headers: ifMatch(incident.version) });
    await changed("status_admin.resolve.done");
  }, { context: "status_admin", statusKeys: { 412: "status_admin.conflict" } });
  return h("article", { class: "card card--inner status-admin__incident", dataset: { incident: incident.id, status: "open" } },
    h("h3", { text: localized(incident.title) }),
    h("p", {}, bindText(h("strong"), `status.impact.${incident.impact}`), " \u00b7 ",
      h("span", { text: incident.component_ids.map((id) => names.get(id) ?? id).join(", ") }), " \u00b7 ",
      bindText(h("span", { class: "muted" }), "status_admin.started", { at: formatDateTime(incident.started_at) })),
    updateList(incident.updates ?? []), update, resolve);
}

function resolvedIncident(incident) {
  return h("li", { class: "status-admin__resolved", dataset: { incident: incident.id, status: incident.status } },
    h("strong", { text: incident.title }), " ",
    bindText(h("span", { class: "muted" }), "status_admin.resolved_at",
      { at: formatDateTime(incident.resolved_at ?? incident.started_at) }));
}

export default function statusAdmin(container) {
  const tenant = currentUser()?.tenant ?? "";
  const notice = h("div", { class: "notice", role: "status", tabindex: "-1", dataset: { notice: "" } });
  const error = h("div", { class: "form-error", role: "alert" });
  const openList = h("div", { id: "incidents-open" });
  const resolvedList = h("ul", { id: "incidents-resolved", class: "status-admin__resolved-list" });
  const newSlot = h("section", { class: "card", "aria-labelledby": "incident-new-title" });
  const screen = h("section", { class: "status-admin", "aria-labelledby": "status-admin-title", dataset: { screen: "status-admin" } },
    bindText(h("h1", { id: "status-admin-title", tabindex: "-1" }), "modules.status_admin.title"),
    h("p", {}, bindText(h("a", { href: `#/status?tenant=${encodeURIComponent(tenant)}`, id: "status-admin-public" }), "status_admin.public_link")),
    notice, error,
    h("section", { class: "card", "aria-labelledby": "incidents-open-title" },
      bindText(h("h2", { id: "incidents-open-title" }), "status_admin.open_title"), openList),
    newSlot,
    h("section", { class: "card", "aria-labelledby": "incidents-resolved-title" },
      bindText(h("h2", { id: "incidents-resolved-title" }), "status_admin.resolved_title"), resolvedList));
  container.replaceChildren(screen);
  let alive = true;
  let built = false;

  async function load(doneKey = null) {
    error.replaceChildren();
    try {
      const [components, page] = await Promise.all([
        api.get("/status-components"),
        api.get(statusPath(tenant, language()), { auth: false }),
      ]);
      const open = page.incidents.filter((i) => i.status === "open");
      // The staff read of each open one: its titles in every language and its version.
      const details = await Promise.all(open.map((i) => api.get(`/incidents/${encodeURIComponent(i.id)}`)));
      if (!alive) return;
      const names = new Map((components.all ?? []).map((c) => [c.id, localized(c.name)]));
      const changed = async (key) => {
        await load(key);
      };
      fill(openList, details.length ? details.map((i) => openIncident(i, names, changed))
        : [bindText(h("p", { class: "muted" }), "status_admin.none_open")]);
      const resolved = page.incidents.filter((i) => i.status !== "open");
      fill(resolvedList, resolved.length ? resolved.map(resolvedIncident) : [bindText(h("li", { class: "muted" }), "status_admin.none_resolved")]);
      if (!built || doneKey === "status_admin.new.posted") {
        newSlot.replaceChildren(newIncidentForm(components.all ?? [], changed));
        built = true;
      }
      if (doneKey) {
        bindText(notice, doneKey);
        notice.focus(); // the form that was used is built anew: focus goes to what it did
      } else notice.replaceChildren();
    } catch (failure) {
      if (alive) showLoadError(error, failure);
    }
  }
  load();
  const stopLanguage = onLanguageChange(() => load());
  return { cleanup: () => { alive = false; stopLanguage(); } };
}
