// What the client-case screens (seed 003, issue 19) share: which tabs a user gets, the
// readiness checks in words, invitation and case states, the month of the usage report
// and its CSV file's name, a template's placeholders filled in for the preview, the body
// of a new outbound case, and the API's own words for a refusal. The pure functions here
// have node tests (tests/portal/client-cases.test.js).

import { ApiError } from "../../api.js";
import { h } from "../../dom.js";
import { bindText, formatDate } from "../../i18n.js";
import { can } from "../../session.js";

// --- who sees what ---------------------------------------------------------------------

/** The staff screen's tabs, in their order. */
export const TABS = ["checklist", "activation", "invitations", "queue", "new", "usage"];

/**
 * The contract's "settings.manage" is this project's settings.edit (docs/decisions.md);
 * either counts, so a later rename needs no portal change.
 */
export function managesSettings(user) {
  return can(user, "settings.manage") || can(user, "settings.edit");
}

/** Activation needs both the admin role and settings.manage (seed 003: "administratör ... full behörighet"). */
export function canActivate(user) {
  return (user?.roles ?? []).includes("admin") && managesSettings(user);
}

/** The tabs `user` may open; the API decides, this only leaves out what it would refuse. */
export function tabsFor(user) {
  const allowed = {
    checklist: can(user, "client_cases.manage") || managesSettings(user),
    activation: true,
    invitations: can(user, "client_cases.invite") || can(user, "client_cases.manage"),
    queue: can(user, "tickets.view"),
    new: can(user, "tickets.create") && (can(user, "client_cases.invite") || can(user, "client_cases.manage")),
    usage: can(user, "billing.view"),
  };
  return TABS.filter((tab) => allowed[tab]);
}

/**
 * The tab to show: the address's when the user has it, else where the work is — the
 * checklist before activation, the outbound queue after it.
 */
export function tabFrom(params, tabs, active) {
  const asked = String(params?.get?.("tab") ?? "");
  if (tabs.includes(asked)) return asked;
  const preferred = active ? ["queue", "invitations", "usage", "activation"] : ["checklist", "activation"];
  return preferred.find((tab) => tabs.includes(tab)) ?? tabs[0] ?? "activation";
}

export function tabPath(tab, extra = {}) {
  const query = new URLSearchParams({ tab });
  for (const [name, value] of Object.entries(extra)) if (value) query.set(name, String(value));
  return `/client-cases?${query}`;
}

// --- the readiness checklist -----------------------------------------------------------

/**
 * One organisation's checks as the checklist shows them: [{id, ok, fix}] where `fix`
 * is the text key saying what to do (null when the check passes).
 */
export function readinessChecks(item) {
  const emailFix = {
    missing: "client_cases.checklist.fix.email_missing",
    invalid: "client_cases.checklist.fix.email_invalid",
    undeliverable: "client_cases.checklist.fix.email_undeliverable",
  };
  const mainOk = Boolean(item?.main_contact_ok);
  const emailOk = Boolean(item?.email_ok);
  return [
    { id: "main_contact", ok: mainOk, fix: mainOk ? null : "client_cases.checklist.fix.main_contact" },
    {
      id: "email",
      ok: emailOk,
      // Without a main contact there is no address to check: the first fix comes first.
      fix: emailOk ? null : (mainOk ? (emailFix[item?.email_problem] ?? emailFix.missing)
        : "client_cases.checklist.fix.email_after_contact"),
    },
    { id: "address", ok: Boolean(item?.address_ok), fix: item?.address_ok ? null : "client_cases.checklist.fix.address" },
  ];
}

/** Whether a row counts towards the price: a private person never does (seed 003). */
export function counted(item) {
  return item?.kind !== "private_person" && item?.active !== false;
}

// --- states ----------------------------------------------------------------------------

export const INVITATION_STATES = ["sent", "accepted", "revoked", "expired"];

export function invitationStateKey(state) {
  return `client_cases.invitation_state.${INVITATION_STATES.includes(state) ? state : "unknown"}`;
}

/** "YYYY-MM-DD" of `now` in the browser's calendar. */
export function today(now = new Date()) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/**
 * An outbound case's state for its label: "done" once marked done (or closed),
 * "overdue" after its due date, "due_today", "due_soon" within `soonDays`, else "open".
 */
export function caseState(ticket, todayDate, soonDays = 3) {
  if (ticket?.done_at) return "done";
  if (ticket?.status === "closed") return "closed";
  const due = /^\d{4}-\d{2}-\d{2}$/.test(String(ticket?.due_date ?? "")) ? ticket.due_date : null;
  if (!due) return "open";
  const days = Math.round((Date.parse(`${due}T00:00:00Z`) - Date.parse(`${todayDate}T00:00:00Z`)) / 86_400_000);
  if (days < 0) return "overdue";
  if (days === 0) return "due_today";
  return days <= soonDays ? "due_soon" : "open";
}

/** The case's state as a pill (its words, not only its colour). */
export function caseStatePill(ticket, todayDate = today()) {
  const state = caseState(ticket, todayDate);
  return bindText(h("span", { class: `pill cc-state cc-state--${state}`, dataset: { caseState: state } }),
    `client_cases.case_state.${state}`);
}

/** The due date in the language's format, or null. */
export function dueText(ticket) {
  return ticket?.due_date ? formatDate(ticket.due_date) : null;
}

// --- the usage report -----------------------------------------------------------------

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function validMonth(text) {
  return MONTH.test(String(text ?? ""));
}

export function monthOf(now = new Date()) {
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}`;
}

/** The month before "YYYY-MM". */
export function previousMonth(month) {
  const [, year, mm] = MONTH.exec(month) ?? [];
  if (!year) return null;
  const y = Number(year);
  const m = Number(mm);
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, "0")}`;
}

/** The month the report opens on: the address's, else last month (billed in arrears). */
export function usageMonth(params, now = new Date()) {
  const asked = String(params?.get?.("month") ?? "");
  const current = monthOf(now);
  if (validMonth(asked) && asked <= current) return asked;
  return previousMonth(current);
}

/** The CSV file's name, as the API's Content-Disposition names it: usage-YYYY-MM.csv. */
export function csvFilename(month) {
  return validMonth(month) ? `usage-${month}.csv` : "usage.csv";
}

// --- templates and the new case --------------------------------------------------------

const PLACEHOLDER = /\{(client_name|period|due_date)\}/g;

/**
 * A template's text with {client_name}, {period} and {due_date} filled in, as the API
 * fills them; a value not chosen yet stays as its placeholder, so the preview shows the gap.
 */
export function fillPlaceholders(text, values) {
  return String(text ?? "").replace(PLACEHOLDER, (whole, name) => {
    const value = values?.[name];
    return value === undefined || value === null || String(value).trim() === "" ? whole : String(value);
  });
}

/** A template's name, subject and body in `lang` when it has them (like the new-ticket form's). */
export function templateTexts(template, lang) {
  const text = template?.translations?.[lang];
  return {
    name: text?.name ?? template?.name ?? "",
    subject: text?.subject ?? template?.subject ?? "",
    body: text?.body ?? template?.body ?? "",
  };
}

/** The templates in the order offered: the reader's language first, then by name. */
export function sortTemplates(templates, lang) {
  const rank = (template) => (!template.language || template.language === lang ? 0 : 1);
  return [...(templates ?? [])].filter((template) => template.active !== false)
    .sort((a, b) => rank(a) - rank(b)
      || templateTexts(a, lang).name.localeCompare(templateTexts(b, lang).name));
}

export const MAX_REMINDERS = 5;
export const MAX_REMINDER_DAYS = 90;

/**
 * "7, 1" -> [7, 1] (days before the due date, each 1..90, at most five, no repeats,
 * largest first, as the API takes them); "" -> null (the API's default); else undefined.
 */
export function parseReminderDays(text) {
  const parts = String(text ?? "").split(/[\s,;]+/).filter(Boolean);
  if (!parts.length) return null;
  if (parts.length > MAX_REMINDERS || parts.some((p) => !/^\d{1,3}$/.test(p))) return undefined;
  const days = parts.map(Number);
  if (days.some((d) => d < 1 || d > MAX_REMINDER_DAYS) || new Set(days).size !== days.length) return undefined;
  return days.sort((a, b) => b - a);
}

const EN_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
  "September", "October", "November", "December"];

/**
 * A due date as the API writes it into a template's {due_date} (domain/outbound.py's
 * format_due_date): "31.1.2027" in Finnish, "31 January 2027" in English, else ISO.
 */
export function dueDateText(isoDate, lang) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(isoDate ?? ""));
  if (!match) return "";
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (lang === "fi") return `${day}.${month}.${year}`;
  if (lang === "en") return `${day} ${EN_MONTHS[month - 1]} ${year}`;
  return `${match[1]}-${match[2]}-${match[3]}`;
}

/**
 * POST /tickets's body for an outbound case from the form's values and the chosen
 * recipients; empty optional fields are left out (the template fills them in).
 */
export function outboundBody(values, recipients, reminderDays) {
  const body = { direction: "outbound", organization_id: values.organization_id, recipients: [...recipients] };
  if (values.template_id) body.template_id = values.template_id;
  for (const name of ["period", "due_date", "subject", "description"]) {
    const value = String(values[name] ?? "").trim();
    if (value) body[name] = name === "description" ? String(values[name]) : value;
  }
  if (Array.isArray(reminderDays) && body.due_date) body.reminder_days = reminderDays;
  return body;
}

/** The contacts a case can go to: those with a portal user; the rest are listed but not chosen. */
export function recipientChoices(contacts) {
  return (contacts ?? []).map((contact) => ({
    id: contact.id, name: contact.name, email: contact.email ?? "", selectable: Boolean(contact.user_id),
  })).sort((a, b) => Number(b.selectable) - Number(a.selectable) || String(a.name).localeCompare(String(b.name)));
}

/**
 * The API names a wrong recipient by its place ("recipients.1"); the form has one place
 * for them all: those errors move to "recipients", each with the contact's name.
 */
export function recipientErrors(error, sent, names = new Map()) {
  const moved = [];
  for (const [name, messages] of [...error.fields]) {
    const match = /^recipients\.(\d+)$/.exec(name);
    if (!match) continue;
    const id = sent[Number(match[1])];
    const who = names.get(id) ?? id ?? "";
    moved.push(...messages.map((m) => (who ? `${who}: ${m}` : m)));
    error.fields.delete(name);
  }
  if (moved.length) error.fields.set("recipients", [...(error.fields.get("recipients") ?? []), ...moved]);
  return error;
}

// --- refusals in the API's words -------------------------------------------------------

/**
 * The API's own words for a refusal (an invitation's 422 names what to fix): the detail
 * and every field's message, each once.
 */
export function apiWords(error) {
  if (!(error instanceof ApiError)) return [];
  const words = [];
  if (error.detail) words.push(error.detail);
  for (const messages of error.fields.values()) words.push(...messages);
  return [...new Set(words.filter(Boolean))];
}

/** Whether a refusal is the module's "not activated yet" 403. */
export function notActive(error, moduleState) {
  return error instanceof ApiError && error.status === 403 && moduleState?.active === false;
}

/** Changes carry the version read: a change made meanwhile is refused (412), not lost. */
export function ifMatch(version) {
  return { "If-Match": `"${Number(version)}"` };
}

export function invitationsPath(id, action) {
  return `/invitations/${encodeURIComponent(id)}/${action}`;
}
