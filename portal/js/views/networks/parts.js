// Parts of a subscription's page shared by the supplier's and the staff's: its edit
// requests (staff decide the open ones) and its history, read when opened.

import { api } from "../../api.js";
import { h } from "../../dom.js";
import { onSubmit } from "../../forms.js";
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
