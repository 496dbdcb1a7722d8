// Parts of a subscription's page shared by the supplier's and the staff's: its edit
// requests (staff decide the open ones) and its history, read when opened.

import { api, idempotencyKey } from "../../api.js";
import { h } from "../../dom.js";
import { FormError, onSubmit } from "../../forms.js";
import { bindText, formatDateTime, has, localized } from "../../i18n.js";
import { dateOf, showLoadError, subscriptionPath } from "./common.js";

function sectionNames(keys, sections) {
  const titles = new Map(sections.map((s) => [s.key, localized(s.title)]));
  return keys.map((k) => titles.get(k) ?? k).join(", ");
}

/**
 * The subscription's edit requests, newest first. With `decide(request, decision)` (staff
 * with subscriptions.manage) an open one has its approve and refuse buttons and a note.
 */
export function editRequestList(requests, sections, { decide = null } = {}) {
  if (!requests.length) return null;
  return h("section", { class: "card edit-requests", "aria-labelledby": "edit-requests-title", dataset: { editRequests: "" } },
    bindText(h("h2", { id: "edit-requests-title" }), "networks.edit.list_title"),
    h("ul", { class: "edit-requests__list" }, requests.map((request) => {
      const item = h("li", { class: "edit-request", dataset: { request: request.id, status: request.status } },
        h("p", {}, bindText(h("strong"), `networks.edit.status.${request.status}`), " ",
          h("time", { datetime: request.requested_at, text: formatDateTime(request.requested_at) })),
        h("p", {}, bindText(h("span", { class: "muted" }), "networks.edit.sections"), " ",
          h("span", { text: sectionNames(request.sections, sections) })),
        h("p", { class: "edit-request__reason", text: request.reason }),
        request.note ? h("p", {}, bindText(h("span", { class: "muted" }), "networks.edit.note"), " ",
          h("span", { text: request.note })) : null);
      if (decide && request.status === "open") item.append(decisionForm(request, decide));
      return item;
    })));
}

function decisionForm(request, decide) {
  const noteId = `edit-note-${request.id}`;
  const form = h("form", { class: "form edit-request__decision", novalidate: true },
    h("div", { class: "form-error", role: "alert", dataset: { formError: "" } }),
    h("div", { class: "field" }, bindText(h("label", { for: noteId }), "networks.edit.note_label"),
      h("textarea", { id: noteId, name: "note", rows: "2", maxlength: "4000" })),
    h("input", { type: "hidden", name: "decision", value: "approve" }),
    h("div", { class: "action__buttons" },
      bindText(h("button", { class: "button button--primary button--small", type: "submit", dataset: { decision: "approve" } }),
        "networks.edit.approve"),
      bindText(h("button", { class: "button button--secondary button--small", type: "submit", dataset: { decision: "refuse" } }),
        "networks.edit.refuse")));
  // The button pressed says the decision (one form, two outcomes).
  form.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-decision]");
    if (button) form.elements.decision.value = button.dataset.decision;
  });
  onSubmit(form, (values) => decide(request, { decision: values.decision, note: values.note.trim() || null }));
  return form;
}

function eventText(event) {
  const key = has(`networks.events.${event.type}`) ? `networks.events.${event.type}` : "networks.events.other";
  const data = event.data ?? {};
  return bindText(h("span"), key, {
    actor: event.actor_name ?? "",
    type: event.type,
    round: data.round ?? "",
    until: data.until ? dateOf(data.until) : "",
  });
}

/** The history, read from the API when first opened (a <details>). */
export function historyCard(id) {
  const list = h("ol", { class: "history__list" });
  const status = h("div", { class: "form-error", role: "alert" });
  const details = h("details", { class: "card history", id: "history" },
    bindText(h("summary"), "networks.history.title"), status, list);
  let loaded = false;
  details.addEventListener("toggle", async () => {
    if (!details.open || loaded) return;
    loaded = true;
    list.replaceChildren(bindText(h("li", { class: "muted" }), "common.loading"));
    try {
      const page = await api.get(`${subscriptionPath(id)}/events?limit=100`);
      list.replaceChildren(...(page.items ?? []).map((event) => h("li", { class: "history__item", dataset: { event: event.type } },
        h("time", { datetime: event.at, text: formatDateTime(event.at) }), " ", eventText(event),
        event.data?.note ? h("p", { class: "muted", text: String(event.data.note) }) : null,
        event.data?.reason ? h("p", { class: "muted", text: String(event.data.reason) }) : null)));
    } catch (error) {
      list.replaceChildren();
      showLoadError(status, error);
      loaded = false;
    }
  });
  return details;
}

// An audit's findings as the API takes them: at most 20, each a paragraph of 1,000 characters.
const MAX_FINDINGS = 20;
const MAX_FINDING_LENGTH = 1000;

/** Findings typed one a line -> the list the API takes (empty lines left out). */
export function findingsOf(text) {
  return String(text ?? "").split("\n").map((line) => line.trim()).filter(Boolean);
}

function auditItem(audit) {
  return h("li", { class: "audit", dataset: { audit: audit.id, result: audit.result ?? "open" } },
    h("p", {}, bindText(h("strong"), audit.result ? `networks.audits.result.${audit.result}` : "networks.audits.scheduled"), " ",
      h("span", { text: dateOf(audit.scheduled_on) }), " · ", h("span", { text: audit.auditor })),
    audit.note ? h("p", { class: "muted", text: audit.note }) : null,
    audit.findings?.length ? h("ul", { class: "audit__findings" }, audit.findings.map((f) => h("li", { text: f }))) : null);
}

/**
 * The subscription's audits (they count for its network only). With `manage` (staff with
 * subscriptions.validate) a new one is scheduled when none is open, and the open one's
 * result recorded; `changed(key)` reloads the page and says what was done.
 */
export function auditsCard(id, audits, { subscription, manage = false, changed = async () => {} } = {}) {
  const open = audits.find((a) => !a.result) ?? null;
  const card = h("section", { class: "card audits", "aria-labelledby": "audits-title", dataset: { audits: "" } },
    bindText(h("h2", { id: "audits-title" }), "networks.audits.title"),
    audits.length ? h("ul", { class: "edit-requests__list" }, audits.map(auditItem))
      : bindText(h("p", { class: "muted" }), "networks.audits.none"));
  if (!manage) return audits.length ? card : null;
  if (open) {
    const form = h("form", { class: "form", id: "audit-result-form", novalidate: true },
      bindText(h("h3"), "networks.audits.record"),
      h("div", { class: "form-error", role: "alert", dataset: { formError: "" } }),
      h("fieldset", { class: "field choices", "aria-describedby": "audit-result-error" },
        bindText(h("legend"), "networks.audits.result_label"),
        h("div", { class: "choices__row" }, ["passed", "failed"].map((r) => h("label", { class: "choice", for: `audit-result-${r}` },
          h("input", { type: "radio", name: "result", value: r, id: `audit-result-${r}` }), " ",
          bindText(h("span"), `networks.audits.result.${r}`)))),
        h("p", { class: "field__error", id: "audit-result-error", dataset: { fieldError: "result" } })),
      h("div", { class: "field" }, bindText(h("label", { for: "audit-findings" }), "networks.audits.findings"),
        bindText(h("p", { class: "field__hint", id: "audit-findings-hint" }), "networks.audits.findings_hint"),
        h("textarea", { id: "audit-findings", name: "findings", rows: "3", "aria-describedby": "audit-findings-hint audit-findings-error" }),
        h("p", { class: "field__error", id: "audit-findings-error", dataset: { fieldError: "findings" } })),
      h("div", {}, bindText(h("button", { class: "button button--primary", type: "submit", id: "audit-result-submit",
        dataset: { busyI18n: "common.saving" } }), "networks.audits.record_submit")));
    onSubmit(form, async (values) => {
      const findings = findingsOf(values.findings);
      if (!values.result) throw new FormError({ result: "networks.audits.errors.result" });
      if (values.result === "failed" && !findings.length) throw new FormError({ findings: "networks.audits.errors.findings" });
      if (findings.length > MAX_FINDINGS || findings.some((f) => f.length > MAX_FINDING_LENGTH)) {
        throw new FormError({ findings: "networks.audits.errors.findings_limits" });
      }
      await api.patch(`/audits/${encodeURIComponent(open.id)}`,
        { result: values.result ?? null, findings: findings.length ? findings : null },
        { headers: { "If-Match": `"${Number(open.version)}"` } });
      await changed("networks.audits.recorded");
    }, { context: "networks.audits", statusKeys: { 412: "errors.conflict" } });
    card.append(form);
  } else if (["submitted", "published"].includes(subscription.status)) {
    const form = h("form", { class: "form", id: "audit-form", novalidate: true },
      bindText(h("h3"), "networks.audits.schedule"),
      h("div", { class: "form-error", role: "alert", dataset: { formError: "" } }),
      h("div", { class: "field" }, bindText(h("label", { for: "audit-date" }), "networks.audits.date"),
        h("input", { id: "audit-date", name: "scheduled_on", type: "date", "aria-describedby": "audit-date-error" }),
        h("p", { class: "field__error", id: "audit-date-error", dataset: { fieldError: "scheduled_on" } })),
      h("div", { class: "field" }, bindText(h("label", { for: "audit-auditor" }), "networks.audits.auditor"),
        h("input", { id: "audit-auditor", name: "auditor", type: "text", maxlength: "200", "data-trim": "", "aria-describedby": "audit-auditor-error" }),
        h("p", { class: "field__error", id: "audit-auditor-error", dataset: { fieldError: "auditor" } })),
      h("div", { class: "field" }, bindText(h("label", { for: "audit-note" }), "networks.audits.note"),
        h("textarea", { id: "audit-note", name: "note", rows: "2", maxlength: "4000" })),
      h("div", {}, bindText(h("button", { class: "button button--secondary", type: "submit", id: "audit-submit",
        dataset: { busyI18n: "common.saving" } }), "networks.audits.schedule_submit")));
    onSubmit(form, async (values) => {
      await api.post(`${subscriptionPath(id)}/audits`,
        { scheduled_on: values.scheduled_on, auditor: values.auditor, note: values.note.trim() || null },
        { headers: { "Idempotency-Key": idempotencyKey() } });
      await changed("networks.audits.scheduled_done");
    }, { context: "networks.audits" });
    card.append(form);
  }
  return card;
}
