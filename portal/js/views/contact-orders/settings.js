// Contact-order settings for admins (#/contact-orders/settings, seed 001's "Information
// till administratörer"): the statuses (add, rename, reorder, retire: an order keeps a
// retired status and shows it, new ones cannot take it), the list's default sort (number
// or planned date; closed orders last either way), the notification channels, and the
// eight contact-order rights of each role.

import { api } from "../../api.js";
import { h } from "../../dom.js";
import { FormError, onSubmit } from "../../forms.js";
import { bindText, t, translate } from "../../i18n.js";
import { forgetTenantSettings } from "../../reference-data.js";
import { can, currentUser } from "../../session.js";
import { fill, ifMatch, showLoadError } from "../networks/common.js";
import { moved, RIGHTS } from "./common.js";

const CHANNELS = ["in_app", "email", "sms"];

/** The statuses as edited: trimmed, none empty, none twice (case-blind); else the error's key. */
export function checkStatuses(statuses) {
  const cleaned = statuses.map((s) => String(s ?? "").trim());
  if (!cleaned.length) return { error: "crm.settings.errors.none" };
  if (cleaned.some((s) => !s)) return { error: "crm.settings.errors.empty" };
  if (cleaned.some((s) => s.length > 60)) return { error: "crm.settings.errors.long" };
  const lowered = cleaned.map((s) => s.toLowerCase());
  if (new Set(lowered).size !== lowered.length) return { error: "crm.settings.errors.repeat" };
  return { statuses: cleaned };
}

/** A role's permissions with the contact-order rights replaced by `chosen`. */
export function withRights(permissions, chosen) {
  const others = (permissions ?? []).filter((p) => !RIGHTS.includes(p));
  return [...others, ...RIGHTS.filter((r) => chosen.includes(r))].sort();
}

export default function contactOrderSettings(container) {
  const user = currentUser();
  const alert = h("div", { class: "form-error", role: "alert" });
  const settingsBox = h("div", { id: "co-settings-box" });
  const rolesBox = h("div", { id: "co-roles-box" });
  container.replaceChildren(h("section", { class: "co-settings", dataset: { screen: "contact-order-settings" }, "aria-labelledby": "co-settings-title" },
    h("p", { class: "crumbs" }, bindText(h("a", { href: "#/contact-orders" }), "modules.contact_orders.title")),
    bindText(h("h1", { id: "co-settings-title", tabindex: "-1" }), "crm.settings.title"),
    alert, settingsBox, rolesBox));
  let alive = true;
  let settings = null;
  let statuses = [];

  function statusRow(name, index) {
    const id = `co-status-${index}`;
    const input = h("input", { id, name: `status_${index}`, value: name, maxlength: "60", "data-trim": "", dataset: { statusInput: String(index) } });
    input.addEventListener("input", () => { statuses[index] = input.value; });
    const button = (key, label, disabled, work) => {
      const el = bindText(h("button", { class: "button button--secondary button--small", type: "button", disabled: disabled || null,
        on: { click: work } }), key);
      el.dataset.i18nAttr = `aria-label:${label}`;
      el.dataset.i18nArgs = JSON.stringify({ name });
      return el;
    };
    return h("li", { class: "co-status-row", dataset: { statusRow: name } },
      h("label", { for: id, class: "visually-hidden" }, t("crm.settings.status_n", { n: index + 1 })),
      input, " ",
      button("crm.settings.up", "crm.settings.up_named", index === 0, () => { statuses = moved(statuses, index, -1); drawStatuses(`co-status-${index - 1}`); }),
      button("crm.settings.down", "crm.settings.down_named", index === statuses.length - 1, () => { statuses = moved(statuses, index, 1); drawStatuses(`co-status-${index + 1}`); }),
      button("crm.settings.retire", "crm.settings.retire_named", statuses.length === 1, () => {
        statuses = statuses.filter((_, i) => i !== index);
        drawStatuses("co-status-new");
      }));
  }

  let statusList;
  function drawStatuses(focusId = null) {
    fill(statusList, statuses.map(statusRow));
    translate(statusList);
    if (focusId) document.getElementById(focusId)?.focus();
  }

  function buildSettings() {
    statusList = h("ol", { class: "co-status-list", id: "co-status-list" });
    const addInput = h("input", { id: "co-status-new", name: "status_new", maxlength: "60", autocomplete: "off", "aria-describedby": "co-status-new-error" });
    const addButton = bindText(h("button", { class: "button button--secondary", type: "button", id: "co-status-add" }), "crm.settings.add_status");
    addButton.addEventListener("click", () => {
      const name = addInput.value.trim();
      if (!name) return;
      statuses = [...statuses, name];
      addInput.value = "";
      drawStatuses("co-status-new");
    });
    const form = h("form", { class: "form card", id: "co-settings-form", novalidate: true },
      h("div", { class: "form-error", role: "alert", dataset: { formError: "" } }),
      h("fieldset", {},
        bindText(h("legend"), "crm.settings.statuses"),
        bindText(h("p", { class: "field__hint" }), "crm.settings.statuses_hint"),
        statusList,
        h("p", { class: "field__error", id: "co-statuses-error", dataset: { fieldError: "contact_order_statuses" } }),
        h("div", { class: "field" },
          bindText(h("label", { for: "co-status-new" }), "crm.settings.new_status"),
          h("div", { class: "filters__row" }, addInput, addButton),
          h("p", { class: "field__error", id: "co-status-new-error", dataset: { fieldError: "status_new" } }))),
      h("fieldset", { class: "choices" },
        bindText(h("legend"), "crm.settings.sort"),
        h("label", { class: "check", for: "co-sort-number" },
          h("input", { type: "checkbox", id: "co-sort-number", name: "sort_by_number", checked: settings.contact_order_sort === "number" }),
          " ", bindText(h("span"), "crm.settings.sort_by_number")),
        bindText(h("p", { class: "field__hint" }), "crm.settings.sort_hint")),
      h("fieldset", { class: "choices" },
        bindText(h("legend"), "crm.settings.channels"),
        bindText(h("p", { class: "field__hint" }), "crm.settings.channels_hint"),
        CHANNELS.map((c) => h("label", { class: "check", for: `co-channel-${c}` },
          h("input", { type: "checkbox", id: `co-channel-${c}`, name: `channel_${c}`, checked: Boolean(settings.notification_channels?.[c]) }),
          " ", bindText(h("span"), `crm.settings.channel_${c}`)))),
      h("p", { class: "notice", role: "status", id: "co-settings-saved", hidden: true }),
      bindText(h("button", { class: "button button--primary", type: "submit", id: "co-settings-save", dataset: { busyI18n: "common.saving" } }), "crm.settings.save"));
    // The statuses are kept in `statuses`, not read from the inputs by name.
    addInput.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        addButton.click();
      }
    });
    onSubmit(form, async (values) => {
      form.querySelector("#co-settings-saved").hidden = true;
      const checked = checkStatuses(statuses);
      if (checked.error) throw new FormError({ status_new: checked.error });
      const document = { ...settings, contact_order_statuses: checked.statuses,
        contact_order_sort: values.sort_by_number ? "number" : "planned_date",
        notification_channels: Object.fromEntries(CHANNELS.map((c) => [c, Boolean(values[`channel_${c}`])])) };
      for (const readOnly of ["tenant", "updated_at", "version", "email_address_status"]) delete document[readOnly];
      settings = await api.put("/settings", document, { headers: ifMatch(settings.version) });
      forgetTenantSettings();
      statuses = [...settings.contact_order_statuses];
      drawStatuses();
      const saved = form.querySelector("#co-settings-saved");
      bindText(saved, "crm.settings.saved");
      saved.hidden = false;
    }, { context: "crm.settings", statusKeys: { 412: "crm.order.changed_meanwhile" } });
    fill(settingsBox, form);
    drawStatuses();
    translate(settingsBox);
  }

  function buildRoles(roles) {
    const staffRoles = roles.filter((r) => !["contact", "contact_admin", "supplier", "buyer"].includes(r.name));
    const form = h("form", { class: "form card", id: "co-roles-form", novalidate: true },
      h("div", { class: "form-error", role: "alert", dataset: { formError: "" } }),
      bindText(h("p", { class: "field__hint" }), "crm.settings.roles_hint"),
      h("div", { class: "co-table-wrap" }, h("table", { class: "co-rights" },
        h("thead", {}, h("tr", {}, bindText(h("th", { scope: "col" }), "crm.settings.role"),
          RIGHTS.map((r) => bindText(h("th", { scope: "col" }), `crm.rights.${r.split(".")[1]}`)))),
        h("tbody", {}, staffRoles.map((role) => h("tr", { dataset: { role: role.name } },
          h("th", { scope: "row" }, role.name),
          RIGHTS.map((r) => {
            const id = `co-right-${role.name}-${r.split(".")[1]}`;
            const box = h("input", { type: "checkbox", id, name: id, checked: role.permissions.includes(r), dataset: { right: r } });
            box.dataset.i18nAttr = "aria-label:crm.settings.right_of";
            box.dataset.i18nArgs = JSON.stringify({ role: role.name, right: t(`crm.rights.${r.split(".")[1]}`) });
            return h("td", {}, box);
          })))))),
      h("p", { class: "notice", role: "status", id: "co-roles-saved", hidden: true }),
      can(user, "roles.manage")
        ? bindText(h("button", { class: "button button--primary", type: "submit", id: "co-roles-save", dataset: { busyI18n: "common.saving" } }), "crm.settings.save_roles")
        : null);
    onSubmit(form, async () => {
      form.querySelector("#co-roles-saved").hidden = true;
      for (const role of staffRoles) {
        const row = form.querySelector(`tr[data-role="${CSS.escape(role.name)}"]`);
        const chosen = [...row.querySelectorAll("input[data-right]")].filter((b) => b.checked).map((b) => b.dataset.right);
        const next = withRights(role.permissions, chosen);
        if (next.join() === [...role.permissions].sort().join()) continue;
        const saved = await api.put(`/roles/${encodeURIComponent(role.name)}`, { permissions: next });
        role.permissions = saved.permissions;
      }
      const saved = form.querySelector("#co-roles-saved");
      bindText(saved, "crm.settings.roles_saved");
      saved.hidden = false;
    });
    fill(rolesBox, h("section", { "aria-labelledby": "co-roles-title" },
      bindText(h("h2", { id: "co-roles-title" }), "crm.settings.roles"), form));
    translate(rolesBox);
  }

  (async () => {
    try {
      const [loaded, roles] = await Promise.all([
        api.get("/settings"), can(user, "roles.view") ? api.get("/roles") : { items: [] }]);
      if (!alive) return;
      settings = loaded;
      statuses = [...(settings.contact_order_statuses ?? [])];
      if (can(user, "settings.edit")) buildSettings();
      if ((roles.items ?? []).length) buildRoles(roles.items);
    } catch (error) {
      if (alive) showLoadError(alert, error);
    }
  })();
  return { cleanup: () => { alive = false; } };
}
