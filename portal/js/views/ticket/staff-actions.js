// Staff actions beside the ticket: assign, re-type, change the status or the priority,
// choose the watchers, resolve — each form shown only to those whose permissions allow it. Changes carry If-Match with the
// version read.

import { api, ApiError, idempotencyKey } from "../../api.js";
import { $, h } from "../../dom.js";
import { onSubmit } from "../../forms.js";
import { bindText, localized, t } from "../../i18n.js";
import { can } from "../../session.js";
import { ticketPath } from "../../ticket-format.js";
import { actionForm, labelledField, submitButton } from "./form-parts.js";
import { PRIORITIES, ifMatch, resolveBody, retypeChoices, statusChoices, watcherChoices } from "./rules.js";

/**
 * Builds the page's [data-staff-actions] forms. `currentTicket()` is the ticket as
 * last read; a change's answer goes to `ticketChanged(ticket)`, then `reload()`.
 * Returns {fill({ticket, lists})}, which sets the forms' choices to the ticket's.
 */
export function staffActions(screen, { ticketId, user, currentTicket, ticketChanged, reload }) {
  const box = $("[data-staff-actions]", screen);
  box.hidden = false;
  const forms = $("[data-action-forms]", box);
  const saved = (key) => $("[data-action-notice]", screen).replaceChildren(bindText(h("span"), key));
  const parts = {};

  function patchForm(form, toBody) {
    onSubmit(form, async (values) => {
      try {
        ticketChanged(await api.patch(ticketPath(ticketId), toBody(values), { headers: ifMatch(currentTicket()) }));
      } catch (error) {
        // Someone else changed the ticket meanwhile: show it as it is now, and say so.
        if (error instanceof ApiError && (error.status === 412 || error.status === 409)) await reload();
        throw error;
      }
      await reload();
      saved("ticket.saved");
    }, { statusKeys: { 412: "errors.conflict" } });
  }

  if (can(user, "tickets.assign")) {
    const select = h("select", { id: "assign-select", name: "assignee_id" });
    const toMe = bindText(h("button", { class: "button button--secondary button--small", type: "button", id: "assign-me" }), "ticket.assign.to_me");
    const form = actionForm("assign-form", "ticket.assign.title",
      labelledField("assign-select", "ticket.assign.label", select),
      h("div", { class: "action__buttons" }, submitButton("assign-submit", "ticket.assign.submit", "common.saving", true), toMe));
    toMe.addEventListener("click", () => {
      select.value = user.id;
      form.requestSubmit();
    });
    patchForm(form, ({ assignee_id: value }) => ({ assignee_id: value || null }));
    forms.append(form);
    parts.assign = { form, select, toMe };
  }
  if (can(user, "tickets.edit")) {
    const typeSelect = h("select", { id: "retype-select", name: "ticket_type_id" });
    const retype = actionForm("retype-form", "ticket.retype.title",
      labelledField("retype-select", "ticket.retype.label", typeSelect, { hint: "ticket.retype.hint" }),
      h("div", {}, submitButton("retype-submit", "ticket.retype.submit", "common.saving", true)));
    patchForm(retype, ({ ticket_type_id: value }) => ({ ticket_type_id: value }));
    forms.append(retype);
    parts.retype = { form: retype, select: typeSelect };

    const statusSelect = h("select", { id: "status-select", name: "status" });
    const statusForm = actionForm("status-form", "ticket.status_change.title",
      labelledField("status-select", "ticket.status_change.label", statusSelect),
      h("div", {}, submitButton("status-submit", "ticket.status_change.submit", "common.saving", true)));
    patchForm(statusForm, ({ status: value }) => ({ status: value }));
    forms.append(statusForm);
    parts.status = { form: statusForm, select: statusSelect };

    const prioritySelect = h("select", { id: "priority-select", name: "priority" },
      ...PRIORITIES.map((p) => bindText(h("option", { value: p }), `priority.${p}`)));
    const priorityForm = actionForm("priority-form", "ticket.priority_change.title",
      labelledField("priority-select", "ticket.priority_change.label", prioritySelect),
      h("div", {}, submitButton("priority-submit", "ticket.priority_change.submit", "common.saving", true)));
    patchForm(priorityForm, ({ priority }) => ({ priority }));
    forms.append(priorityForm);
    parts.priority = { form: priorityForm, select: prioritySelect };

    // Watchers: staff, and the portal users of the ticket's organisation (as the API allows).
    const choices = h("ul", { class: "choices__list", id: "watchers-choices" });
    const watchersForm = actionForm("watchers-form", "ticket.watchers.title",
      h("fieldset", { class: "field choices", "aria-describedby": "watchers-hint watchers-error" },
        bindText(h("legend"), "ticket.watchers.label"),
        bindText(h("p", { class: "field__hint", id: "watchers-hint" }), "ticket.watchers.hint"),
        choices,
        h("p", { class: "field__error", id: "watchers-error", dataset: { fieldError: "watchers" } })),
      h("div", {}, submitButton("watchers-submit", "ticket.watchers.submit", "common.saving", true)));
    patchForm(watchersForm, () => ({
      watchers: Array.from(choices.querySelectorAll("input:checked"), (input) => input.value) }));
    forms.append(watchersForm);
    parts.watchers = { form: watchersForm, choices };
  }
  if (can(user, "tickets.resolve")) {
    const resolution = h("textarea", { id: "resolve-resolution", name: "resolution", rows: "4", maxlength: "20000" });
    const hours = h("input", { id: "resolve-hours", name: "hours", type: "number", min: "0", max: "24", step: "0.25", inputmode: "decimal" });
    const form = actionForm("resolve-form", "ticket.resolve.title",
      bindText(h("p", { class: "field__hint" }), "ticket.resolve.intro"),
      labelledField("resolve-resolution", "ticket.resolve.label", resolution),
      labelledField("resolve-hours", "ticket.resolve.hours", hours),
      h("div", {}, submitButton("resolve-submit", "ticket.resolve.submit", "common.saving")));
    onSubmit(form, async (values) => {
      const body = resolveBody(values);
      ticketChanged(await api.post(`${ticketPath(ticketId)}/resolve`, body, { headers: { "Idempotency-Key": idempotencyKey() } }));
      form.reset();
      await reload();
      saved("ticket.resolve.done");
    }, { context: "ticket.resolve" });
    forms.append(form);
    parts.resolve = { form };
  }

  function fill({ ticket, lists }) {
    if (parts.assign) {
      const { select, toMe } = parts.assign;
      const options = [bindText(h("option", { value: "" }), "ticket.unassigned"),
        ...[...lists.staff.values()].map((u) => h("option", { value: u.id, text: u.id === user.id ? `${u.name} (${t("ticket.you")})` : u.name }))];
      if (ticket.assignee_id && !lists.staff.has(ticket.assignee_id)) {
        options.push(bindText(h("option", { value: ticket.assignee_id }), "ticket.someone"));
      }
      select.replaceChildren(...options);
      select.value = ticket.assignee_id ?? "";
      toMe.hidden = ticket.assignee_id === user.id;
    }
    if (parts.retype) {
      parts.retype.select.replaceChildren(...retypeChoices(lists.types, ticket.ticket_type_id).map((type) => h("option", {
        value: type.id, text: `${localized(type.name)} · ${t(type.billable ? "ticket.billable" : "ticket.free")}` })));
      parts.retype.select.value = ticket.ticket_type_id;
    }
    if (parts.status) {
      parts.status.select.replaceChildren(...statusChoices(ticket.status).map((s) => bindText(h("option", { value: s }), `ticket_status.${s}`)));
      parts.status.select.value = ticket.status;
    }
    if (parts.priority) parts.priority.select.value = ticket.priority;
    if (parts.watchers) {
      parts.watchers.choices.replaceChildren(...watcherChoices(ticket, lists.users).map(({ id: userId, name, contact }) => {
        const inputId = `watcher-${userId}`;
        return h("li", {}, h("label", { class: "choice", for: inputId },
          h("input", { type: "checkbox", id: inputId, value: userId, checked: ticket.watchers.includes(userId) }),
          " ", name ? h("span", { text: name }) : bindText(h("span"), "ticket.someone"),
          contact ? [" ", bindText(h("span", { class: "muted" }), "ticket.watchers.customer")] : null));
      }));
    }
    if (parts.resolve) parts.resolve.form.hidden = ticket.status === "resolved" || ticket.status === "closed";
  }

  return { fill };
}
