// Creating a ticket (#/tickets/new), as seed 004 describes: choose the type, fill
// in the form (the type's own required fields, with its checklist as help), add
// files, create. Staff create on a customer's behalf and choose the organisation.
//
// The API checks everything and names every wrong field; forms.js shows each
// message next to its field (a type's field "benefit" is "fields.benefit").
// Files are uploaded once the ticket exists (they belong to it): each with its
// own progress bar, after which the page links to the new ticket.

import { api, idempotencyKey } from "../api.js";
import { $, fromTemplate, h } from "../dom.js";
import { errorKey, onSubmit } from "../forms.js";
import { bindText, language, localized, onLanguageChange } from "../i18n.js";
import { organizations, ticketTypes } from "../reference-data.js";
import { currentUser, isStaff } from "../session.js";
import { ticketPath } from "../ticket-format.js";
import { filePicker } from "../upload.js";
import { suggestions } from "../help-suggest.js";

const INPUT_TYPES = { number: "number", date: "date", reference: "text" };

function typeChoice(type) {
  const id = `new-ticket-type-${type.id}`;
  const note = type.kind === "suggestion" ? "new_ticket.kind_suggestion"
    : type.kind === "third_party" ? "new_ticket.kind_third_party"
      : type.billable ? "new_ticket.billable" : "new_ticket.free";
  return h("li", { class: "type-choice" },
    h("label", { class: "choice type-choice__label", for: id },
      h("input", { type: "radio", name: "ticket_type_id", value: type.id, id,
        "aria-describedby": `${id}-note` }),
      h("span", { class: "type-choice__text" },
        h("span", { class: "type-choice__name", dataset: { typeName: type.id }, text: localized(type.name) }),
        bindText(h("span", { class: `type-choice__note${type.billable ? " type-choice__note--billable" : ""}`,
          id: `${id}-note` }), note))));
}

/** The inputs of the type's required fields; values already typed are kept. */
function typeFields(type, previous) {
  return (type?.required_fields ?? []).map((field) => {
    const name = `fields.${field.name}`;
    const id = `new-ticket-field-${field.name}`;
    const errorId = `${id}-error`;
    const hintId = `${id}-hint`;
    const described = field.type === "reference" || field.type === "date" ? `${hintId} ${errorId}` : errorId;
    const control = field.type === "text" || !INPUT_TYPES[field.type]
      ? h("textarea", { id, name, rows: "3", maxlength: "4000", required: true, "aria-describedby": described })
      : h("input", { id, name, type: INPUT_TYPES[field.type], required: true, "aria-describedby": described,
        step: field.type === "number" ? "any" : null, inputmode: field.type === "number" ? "decimal" : null,
        maxlength: field.type === "reference" ? "64" : null, spellcheck: field.type === "reference" ? "false" : null,
        dataset: { trim: "" } });
    if (previous.has(name)) control.value = previous.get(name);
    return h("div", { class: "field", dataset: { typeField: field.name, fieldType: field.type } },
      h("label", { for: id }, h("span", { dataset: { label: field.name }, text: localized(field.label) }), " ",
        bindText(h("span", { class: "required" }), "new_ticket.required")),
      field.type === "reference" || field.type === "date"
        ? bindText(h("p", { class: "field__hint", id: hintId }), `new_ticket.hint_${field.type}`) : null,
      control,
      h("p", { class: "field__error", id: errorId, dataset: { fieldError: name } }));
  });
}

/**
 * What a chosen template writes into the form: its type, and its subject and text where
 * the field is empty or still holds what the previous template wrote (what the customer
 * typed themselves is kept). `shown` is {subject, description} as the form has them,
 * `previous` the last template applied (or null), `template` the new one (or null).
 */
export function templateFill(shown, previous, template) {
  const untouched = (name, key) => !shown[name].trim() || (previous && shown[name] === previous[key]);
  return {
    ticket_type_id: template?.ticket_type_id ?? null,
    subject: untouched("subject", "subject") ? (template?.subject ?? "") : shown.subject,
    description: untouched("description", "body") ? (template?.body ?? "") : shown.description,
  };
}

/** A template's name and texts in `lang` when it has them, else its own. */
export function templateIn(template, lang) {
  const text = template.translations?.[lang];
  return { ...template, name: text?.name ?? template.name, subject: text?.subject ?? template.subject,
    body: text?.body ?? template.body };
}

/** The body POST /tickets gets from the form's values. */
export function ticketBody(values, type, staff) {
  const fields = {};
  for (const field of type?.required_fields ?? []) {
    const raw = values[`fields.${field.name}`];
    if (raw === undefined || String(raw).trim() === "") continue; // the API says it is missing
    fields[field.name] = field.type === "number" ? Number(raw) : String(raw).trim();
  }
  const body = {
    subject: values.subject,
    description: values.description,
    ticket_type_id: values.ticket_type_id ?? "",
    fields,
    channel: staff ? values.channel : "portal",
  };
  // Left out when empty: the API then names every missing field at once.
  if (!body.subject) delete body.subject;
  if (!body.ticket_type_id) delete body.ticket_type_id;
  if (staff) body.organization_id = values.organization_id || undefined;
  if (values.template_id) body.template_id = values.template_id;
  return body;
}

export default function newTicket(container, app) {
  const user = currentUser();
  const staff = isStaff(user);
  const screen = fromTemplate("tpl-new-ticket");
  const form = $("#new-ticket-form", screen);
  const status = $("[data-load-status]", screen);
  const failure = $("[data-load-error]", screen);
  const help = $("[data-type-help]", screen);
  const fieldsBox = $("[data-type-fields]", form);
  const done = $("[data-done]", screen);
  const picker = filePicker({ id: "new-ticket-files" });
  $("[data-files]", form).replaceWith(picker.element);
  $("[data-back]", screen).href = staff ? "#/tickets" : "#/my-tickets";
  bindText($("[data-back]", screen), staff ? "tickets.back_to_queue" : "tickets.back_to_mine");
  if (!staff) for (const part of screen.querySelectorAll("[data-staff-only]")) part.remove();
  // A customer is offered help articles as the subject is typed (issue 17, item 7).
  const suggested = staff ? null : suggestions(form.elements.namedItem("subject"), user.tenant);
  if (suggested) $("#new-ticket-subject-error", form).after(suggested.element);

  let types = new Map();
  let alive = true;
  let attempt = { body: null, key: null }; // the same body again reuses its Idempotency-Key

  const chosenType = () => types.get(form.elements.namedItem("ticket_type_id")?.value ?? "") ?? null;

  function showType() {
    const type = chosenType();
    const previous = new Map(Array.from(fieldsBox.querySelectorAll("input, textarea"), (el) => [el.name, el.value]));
    fieldsBox.replaceChildren(...typeFields(type, previous));
    const text = type ? localized(type.help ?? {}) : "";
    const third = type?.third_party;
    help.hidden = !type || (!text && !third);
    $("[data-help-text]", help).textContent = text;
    $("[data-help-text]", help).hidden = !text;
    const thirdBox = $("[data-third-party]", help);
    thirdBox.hidden = !third;
    if (third) {
      $("[data-third-name]", thirdBox).textContent = third.name;
      $("[data-third-advice]", thirdBox).textContent = third.advice ?? "";
      const contact = [third.email, third.phone].filter(Boolean).join(" · ");
      $("[data-third-contact]", thirdBox).textContent = contact;
      $("[data-third-contact]", thirdBox).hidden = !contact;
    }
  }

  let templates = new Map();
  let applied = null; // the template whose texts the form holds
  function applyTemplate() {
    const chosen = templates.get(form.elements.namedItem("template_id").value);
    const template = chosen ? templateIn(chosen, language()) : null;
    const subject = form.elements.namedItem("subject");
    const description = form.elements.namedItem("description");
    const fill = templateFill({ subject: subject.value, description: description.value }, applied, template);
    subject.value = fill.subject;
    description.value = fill.description;
    const radio = fill.ticket_type_id && form.querySelector(`input[name=ticket_type_id][value="${CSS.escape(fill.ticket_type_id)}"]`);
    if (radio) radio.checked = true;
    applied = template;
    showType();
  }

  form.addEventListener("change", (event) => {
    if (event.target.name === "ticket_type_id") showType();
    if (event.target.name === "template_id") applyTemplate();
  });

  onSubmit(form, async (values) => {
    const type = chosenType();
    const body = ticketBody(values, type, staff);
    const signature = JSON.stringify(body);
    if (attempt.body !== signature) attempt = { body: signature, key: idempotencyKey() };
    const ticket = await api.post("/tickets", body, { headers: { "Idempotency-Key": attempt.key } });
    suggested?.finish(true);
    if (picker.count() === 0) {
      app.state.notice = "new_ticket.created";
      app.navigate(ticketPath(ticket.id));
      return;
    }
    // The ticket exists: the form's work is done; the files follow, each with its bar.
    for (const el of form.elements) el.disabled = true;
    picker.lock(true);
    done.hidden = false;
    bindText($("[data-done-title]", done), "new_ticket.uploading", { number: ticket.number });
    const link = $("[data-done-link]", done);
    link.href = `#${ticketPath(ticket.id)}`;
    bindText(link, "new_ticket.open", { number: ticket.number });
    const result = await picker.upload(ticket.id);
    if (!alive) return;
    bindText($("[data-done-title]", done), result.failed ? "new_ticket.created_with_failures" : "new_ticket.created_title",
      { number: ticket.number, count: result.failed });
    $("[data-done-title]", done).focus();
  }, { context: "new_ticket" });

  bindText(status, "common.loading");
  container.replaceChildren(screen);
  // The tenant's templates (a failure to read them leaves the form without the choice).
  const readTemplates = api.get("/templates").then((answer) => answer?.items ?? []).catch(() => []);
  Promise.all([ticketTypes(), staff ? organizations() : [], readTemplates]).then(([list, orgs, offered]) => {
    if (!alive) return;
    const active = list.filter((type) => type.active !== false);
    types = new Map(active.map((type) => [type.id, type]));
    $("#new-ticket-types", form).replaceChildren(...active.map(typeChoice));
    const usable = offered.filter((template) => template.active !== false && types.has(template.ticket_type_id));
    templates = new Map(usable.map((template) => [template.id, template]));
    $("#new-ticket-template", form).append(...usable.map((template) => h("option", {
      value: template.id, text: templateIn(template, language()).name, dataset: { templateName: template.id } })));
    $("[data-templates]", form).hidden = !usable.length;
    if (staff) {
      const select = form.elements.namedItem("organization_id");
      const sorted = [...orgs].sort((a, b) => String(a.name).localeCompare(String(b.name)));
      select.append(...sorted.map((org) => h("option", { value: org.id, text: org.name })));
    }
    status.replaceChildren();
    form.hidden = false;
  }).catch((error) => {
    if (!alive) return;
    status.replaceChildren();
    failure.replaceChildren(bindText(h("p"), errorKey(error)));
  });

  const stopLanguage = onLanguageChange(() => {
    for (const el of form.querySelectorAll("[data-template-name]")) {
      const template = templates.get(el.dataset.templateName);
      if (template) el.textContent = templateIn(template, language()).name;
    }
    // The type names, field labels and checklist come from the API in three languages.
    for (const el of form.querySelectorAll("[data-type-name]")) {
      const type = types.get(el.dataset.typeName);
      if (type) el.textContent = localized(type.name);
    }
    const type = chosenType();
    for (const el of form.querySelectorAll("[data-label]")) {
      const field = type?.required_fields.find((f) => f.name === el.dataset.label);
      if (field) el.textContent = localized(field.label);
    }
    if (type) $("[data-help-text]", help).textContent = localized(type.help ?? {});
  });
  return {
    cleanup: () => {
      alive = false;
      suggested?.finish(false); // left without a ticket after reading: a ticket avoided
      stopLanguage();
    },
  };
}
