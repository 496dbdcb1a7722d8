// Cases from the firm to its clients (seed 003's "Skapa ärende - Byrå"): the firm's
// outbound queue (GET /tickets?direction=outbound) with each case's client, recipients,
// due date and state, and the form for a new case — a connected client, recipients
// among its registered contacts with a portal user, a ready-made or own template
// (GET /templates?direction=outbound) with the period and due date, reminders before
// it, and a preview of the subject and text as the template fills them in.

import { api, ApiError, idempotencyKey } from "../../api.js";
import { h } from "../../dom.js";
import { FormError, onSubmit } from "../../forms.js";
import { bindText, language, translate } from "../../i18n.js";
import { allPages } from "../../reference-data.js";
import { can } from "../../session.js";
import { statusPill, ticketPath } from "../../ticket-format.js";
import { fill } from "../networks/common.js";
import {
  caseStatePill, dueDateText, dueText, fillPlaceholders, outboundBody, parseReminderDays, recipientChoices, sortTemplates,
  recipientErrors, tabPath, templateTexts,
} from "./common.js";
import { moreForm, pagedList, panelHead, showRefusal, table } from "./parts.js";

const QUEUE_COLUMNS = [
  ["case", "client_cases.queue.case"],
  ["client", "client_cases.queue.client"],
  ["recipients", "client_cases.queue.recipients"],
  ["due", "client_cases.queue.due"],
  ["state", "client_cases.queue.state"],
];

// --- the queue --------------------------------------------------------------------------

export function queueTab(panel, context) {
  const alert = h("div", { class: "form-error", role: "alert" });
  const info = h("p", { class: "muted list-status", role: "status" });
  const rows = table("cc-queue", "client_cases.queue.title", QUEUE_COLUMNS);
  const more = moreForm("cc-queue-more");
  fill(panel, ...panelHead("client_cases.queue.title", "client_cases.queue.intro"),
    can(context.user, "tickets.create") ? h("p", {}, bindText(h("a", { class: "button button--primary", id: "cc-new-case-link",
      href: `#${tabPath("new")}` }), "client_cases.queue.new")) : null,
    alert, info, rows.element, more);
  let names = new Map();
  const queue = pagedList({ path: "/tickets?direction=outbound", limit: 25, info, alert, more, context,
    drawn: () => draw() });

  function row(ticket) {
    const link = h("a", { class: "ticket-row__link", href: `#${ticketPath(ticket.id)}` },
      h("span", { class: "ticket-row__number", text: ticket.number ?? "" }), " ",
      h("span", { class: "ticket-row__subject", text: ticket.subject ?? "" }));
    const due = dueText(ticket);
    return rows.row({ dataset: { ticketId: ticket.id, status: ticket.status ?? "" } }, [
      ["case", link],
      ["client", names.get(ticket.organization_id) ?? ticket.organization_name ?? ""],
      ["recipients", (ticket.recipient_names ?? []).join(", ")],
      ["due", due ?? bindText(h("span", { class: "muted" }), "client_cases.queue.no_due")],
      ["state", h("span", {}, caseStatePill(ticket), " ", statusPill(ticket.status))],
    ]);
  }

  function draw() {
    const { items, cursor } = queue;
    rows.body.replaceChildren(...items.map(row));
    translate(rows.body);
    rows.label();
    bindText(info, items.length ? (cursor ? "tickets.count_more" : "tickets.count") : "client_cases.queue.none",
      { count: items.length });
  }

  allPages("/organizations?include_inactive=true", { max: 10 })
    .then((orgs) => { names = new Map(orgs.map((o) => [o.id, o.name])); })
    .catch(() => {})
    .finally(() => { if (context.alive()) queue.load(true); });
  return { refresh: () => { if (queue.last) draw(); } };
}

// --- a new case -------------------------------------------------------------------------

function field(id, key, control, { hint = null, error = null } = {}) {
  const errorId = `${id}-error`;
  control.setAttribute("aria-describedby", [hint ? `${id}-hint` : null, errorId].filter(Boolean).join(" "));
  return h("div", { class: "field" },
    bindText(h("label", { for: id }), key),
    hint ? bindText(h("p", { class: "field__hint", id: `${id}-hint` }), hint) : null,
    control,
    h("p", { class: "field__error", id: errorId, dataset: { fieldError: error ?? control.name } }));
}

export function newCaseTab(panel, context) {
  const alert = h("div", { class: "form-error", role: "alert" });
  const orgSelect = h("select", { id: "cc-case-org", name: "organization_id" },
    bindText(h("option", { value: "" }), "client_cases.new.choose_client"));
  const recipientList = h("ul", { class: "choices__list", id: "cc-case-recipients" });
  const recipientsBox = h("fieldset", { class: "field choices", "aria-describedby": "cc-case-recipients-hint cc-case-recipients-error" },
    bindText(h("legend"), "client_cases.new.recipients"),
    bindText(h("p", { class: "field__hint", id: "cc-case-recipients-hint" }), "client_cases.new.recipients_hint"),
    recipientList,
    h("p", { class: "field__error", id: "cc-case-recipients-error", dataset: { fieldError: "recipients" } }));
  const templateSelect = h("select", { id: "cc-case-template", name: "template_id" },
    bindText(h("option", { value: "" }), "client_cases.new.no_template"));
  const period = h("input", { id: "cc-case-period", name: "period", type: "text", maxlength: "40", autocomplete: "off", "data-trim": "" });
  const due = h("input", { id: "cc-case-due", name: "due_date", type: "date" });
  const reminders = h("input", { id: "cc-case-reminders", name: "reminder_days", type: "text", inputmode: "numeric",
    maxlength: "40", autocomplete: "off" });
  const subject = h("input", { id: "cc-case-subject", name: "subject", type: "text", maxlength: "200", "data-trim": "" });
  const description = h("textarea", { id: "cc-case-description", name: "description", rows: "6", maxlength: "20000" });
  const previewSubject = h("p", { class: "cc-preview__subject", id: "cc-preview-subject" });
  const previewBody = h("p", { class: "cc-preview__body", id: "cc-preview-body" });
  const preview = h("section", { class: "cc-preview card", id: "cc-preview", "aria-labelledby": "cc-preview-title", "aria-live": "polite" },
    bindText(h("h3", { id: "cc-preview-title" }), "client_cases.new.preview"), previewSubject, previewBody);
  const form = h("form", { class: "form cc-case-form", id: "cc-case-form", novalidate: true },
    h("div", { class: "form-error", role: "alert", dataset: { formError: "" } }),
    field("cc-case-org", "client_cases.new.client", orgSelect, { hint: "client_cases.new.client_hint" }),
    recipientsBox,
    field("cc-case-template", "client_cases.new.template", templateSelect, { hint: "client_cases.new.template_hint" }),
    h("div", { class: "cc-case-row" },
      field("cc-case-period", "client_cases.new.period", period, { hint: "client_cases.new.period_hint" }),
      field("cc-case-due", "client_cases.new.due_date", due),
      field("cc-case-reminders", "client_cases.new.reminders", reminders, { hint: "client_cases.new.reminders_hint", error: "reminder_days" })),
    field("cc-case-subject", "client_cases.new.subject", subject, { hint: "client_cases.new.subject_hint" }),
    field("cc-case-description", "client_cases.new.description", description, { hint: "client_cases.new.description_hint" }),
    preview,
    h("div", {}, bindText(h("button", { class: "button button--primary", type: "submit", id: "cc-case-submit",
      dataset: { busyI18n: "common.sending" } }), "client_cases.new.submit")));
  fill(panel, ...panelHead("client_cases.new.title", "client_cases.new.intro"), alert, form);
  translate(panel);

  let organizations = new Map();
  let templates = new Map();
  let contactNames = new Map();

  function chosenTemplate() {
    return templates.get(templateSelect.value) ?? null;
  }

  function drawPreview() {
    const template = chosenTemplate();
    const texts = template ? templateTexts(template, language()) : { subject: "", body: "" };
    const values = {
      client_name: organizations.get(orgSelect.value)?.name ?? "",
      period: period.value.trim(),
      due_date: dueDateText(due.value, language()),
    };
    const subjectText = fillPlaceholders(subject.value.trim() || texts.subject, values);
    const bodyText = fillPlaceholders(description.value.trim() ? description.value : texts.body, values);
    if (subjectText) {
      delete previewSubject.dataset.i18n;
      previewSubject.textContent = subjectText;
    } else bindText(previewSubject, "client_cases.new.preview_empty");
    previewBody.textContent = bodyText;
  }

  async function showRecipients() {
    const orgId = orgSelect.value;
    recipientList.replaceChildren();
    if (!orgId) {
      recipientList.append(bindText(h("li", { class: "muted" }), "client_cases.new.choose_client_first"));
      return;
    }
    recipientList.append(bindText(h("li", { class: "muted" }), "common.loading"));
    let contacts;
    try {
      contacts = await allPages(`/organizations/${encodeURIComponent(orgId)}/contacts`, { max: 5 });
    } catch (error) {
      recipientList.replaceChildren(h("li", { class: "form-error", role: "alert" }));
      showRefusal(recipientList.firstChild, error, context.moduleState());
      return;
    }
    if (orgSelect.value !== orgId || !context.alive()) return;
    const choices = recipientChoices(contacts);
    contactNames = new Map(choices.map((c) => [c.id, c.name]));
    const mainId = organizations.get(orgId)?.main_contact_id;
    recipientList.replaceChildren(...(choices.length ? choices.map((c) => {
      const id = `cc-recipient-${c.id}`;
      return h("li", { dataset: { recipient: c.id } }, h("label", { class: "choice", for: id },
        h("input", { type: "checkbox", id, name: "recipients", value: c.id, disabled: !c.selectable,
          checked: c.selectable && (c.id === mainId || choices.filter((x) => x.selectable).length === 1) }),
        " ", h("span", { text: c.name }), c.email ? h("span", { class: "muted", text: ` · ${c.email}` }) : null,
        c.selectable ? null : [" ", bindText(h("span", { class: "muted cc-no-user" }), "client_cases.new.no_portal_user")]));
    }) : [bindText(h("li", { class: "muted" }), "client_cases.new.no_contacts")]));
    translate(recipientList);
  }

  orgSelect.addEventListener("change", () => {
    showRecipients();
    drawPreview();
  });
  for (const control of [templateSelect, period, due, subject, description]) {
    control.addEventListener("input", drawPreview);
    control.addEventListener("change", drawPreview);
  }

  onSubmit(form, async (values) => {
    const recipients = Array.from(recipientList.querySelectorAll("input[name=recipients]:checked"), (input) => input.value);
    const reminderDays = parseReminderDays(values.reminder_days);
    const problems = {};
    if (!values.organization_id) problems.organization_id = "client_cases.new.errors.no_client";
    if (!recipients.length) problems.recipients = "client_cases.new.errors.no_recipients";
    if (reminderDays === undefined) problems.reminder_days = "client_cases.new.errors.reminders";
    if (reminderDays && !values.due_date) problems.reminder_days = "client_cases.new.errors.reminders_need_due";
    if (!values.template_id && !String(values.subject ?? "").trim()) problems.subject = "client_cases.new.errors.subject_needed";
    if (Object.keys(problems).length) throw new FormError(problems);
    let created;
    try {
      created = await api.post("/tickets", outboundBody(values, recipients, reminderDays),
        { headers: { "Idempotency-Key": idempotencyKey() } });
    } catch (error) {
      // "recipients.1" names the second one chosen: its words go under the recipients, with its name.
      if (error instanceof ApiError) recipientErrors(error, recipients, contactNames);
      throw error;
    }
    context.app.state.notice = "client_cases.new.sent";
    context.app.navigate(ticketPath(created.id));
  }, { context: "client_cases.new" });

  (async () => {
    try {
      const [orgs, offered] = await Promise.all([
        allPages("/organizations", { max: 10 }),
        api.get("/templates?direction=outbound").then((answer) => answer?.items ?? []),
      ]);
      if (!context.alive()) return;
      const connected = orgs.filter((o) => o.connected_at && o.active !== false)
        .sort((a, b) => String(a.name).localeCompare(String(b.name)));
      organizations = new Map(connected.map((o) => [o.id, o]));
      orgSelect.append(...connected.map((o) => h("option", { value: o.id, text: o.name })));
      const usable = sortTemplates(offered.filter((t) => !t.direction || t.direction === "outbound"), language());
      templates = new Map(usable.map((t) => [t.id, t]));
      templateSelect.append(...usable.map((t) => h("option", { value: t.id, dataset: { templateId: t.id },
        text: t.language && t.language !== language() ? `${templateTexts(t, language()).name} (${t.language})`
          : templateTexts(t, language()).name })));
      if (!connected.length) {
        alert.replaceChildren(h("p", {}, bindText(h("span"), "client_cases.new.no_connected"), " ",
          bindText(h("a", { href: `#${tabPath("invitations")}` }), "client_cases.tabs.invitations")));
      }
      const asked = context.params.get("organization_id");
      if (asked && organizations.has(asked)) orgSelect.value = asked;
      showRecipients();
      drawPreview();
    } catch (error) {
      if (!context.alive()) return;
      showRefusal(alert, error, context.moduleState());
    }
  })();

  return {
    refresh: () => {
      for (const option of templateSelect.querySelectorAll("option[data-template-id]")) {
        const template = templates.get(option.dataset.templateId);
        if (template) option.textContent = templateTexts(template, language()).name;
      }
      drawPreview();
    },
  };
}
