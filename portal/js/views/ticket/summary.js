// The ticket's read-only parts: the head (number, type, subject, badges), the
// description with the type's fields, and the facts beside them.

import { $, h } from "../../dom.js";
import { bindText, formatNumber, localized } from "../../i18n.js";
import { slaBadge, statusPill, timeEl, typeName } from "../../ticket-format.js";
import { fieldText } from "./rules.js";
import { nameOf } from "./thread.js";

function fact(key, ...value) {
  return h("div", {}, bindText(h("dt"), key), h("dd", {}, ...value));
}

/** The head inside `body`; the screen's data-status follows the ticket's. */
export function renderHead(screen, body, { ticket, lists }) {
  $("[data-number]", body).replaceChildren(
    h("span", { text: ticket.number }), " · ", h("span", { dataset: { meta: "type" }, text: typeName(lists.types, ticket.ticket_type_id) }));
  $("[data-subject]", body).textContent = ticket.subject;
  const badges = $("[data-badges]", body);
  badges.replaceChildren(statusPill(ticket.status), " ",
    bindText(h("span", { class: `priority priority--${ticket.priority}` }), `priority.${ticket.priority}`), " ",
    bindText(h("span", { class: "tag" }), ticket.billable ? "ticket.billable" : "ticket.free"));
  screen.dataset.status = ticket.status;
}

export function renderDescription(body, { ticket, lists }) {
  const description = $("[data-description]", body);
  if (ticket.description) {
    description.textContent = ticket.description;
    description.classList.remove("muted");
  } else {
    bindText(description, "ticket.no_description");
    description.classList.add("muted");
  }
  const type = lists.types.get(ticket.ticket_type_id);
  const labels = new Map((type?.required_fields ?? []).map((f) => [f.name, f]));
  const fields = $("[data-fields]", body);
  fields.replaceChildren(...Object.entries(ticket.fields ?? {}).map(([name, value]) => {
    const spec = labels.get(name);
    return h("div", { dataset: { field: name } },
      h("dt", { text: spec ? localized(spec.label) : name }), h("dd", { text: fieldText(spec, value) }));
  }));
  fields.hidden = fields.childElementCount === 0;
}

/** The facts; staff also see the assignee, channel, SLA times and hours. */
export function renderFacts(body, { ticket, lists, settings, user, staff }) {
  const facts = $("[data-facts]", body);
  const requester = ticket.requester_id === user.id
    ? bindText(h("span"), "ticket.requester_you") : h("span", { text: ticket.requester_name ?? "" });
  const rows = [fact("ticket.requester", requester)];
  const org = lists.organizations.get(ticket.organization_id);
  if (org) rows.push(fact("ticket.organization", org.name));
  if (staff) {
    const assignee = nameOf(ticket.assignee_id, lists, user);
    rows.push(fact("ticket.assignee", ticket.assignee_id
      ? (assignee ?? bindText(h("span"), "ticket.someone")) : bindText(h("span"), "ticket.unassigned")));
    rows.push(fact("ticket.channel", bindText(h("span"), `channel.${ticket.channel}`)));
  }
  rows.push(fact("ticket.created", timeEl(ticket.created_at)));
  rows.push(fact("ticket.updated", timeEl(ticket.updated_at)));
  const warn = settings?.sla_warning_minutes ?? 60;
  const open = ticket.status !== "resolved" && ticket.status !== "closed";
  if (staff && ticket.first_response_due_at) {
    rows.push(fact("sla.first_response_label", ticket.first_response_at
      ? [bindText(h("span"), "sla.answered"), " ", timeEl(ticket.first_response_at)]
      : open ? slaBadge({ kind: "first_response", at: ticket.first_response_due_at }, warn) : timeEl(ticket.first_response_due_at)));
  }
  if (staff && ticket.resolution_due_at) {
    rows.push(fact("sla.resolution_label", open
      ? slaBadge({ kind: "resolution", at: ticket.resolution_due_at }, warn) : timeEl(ticket.resolution_due_at)));
  }
  if (ticket.status === "resolved" && ticket.approval_due_at) {
    rows.push(fact("ticket.approval_due", timeEl(ticket.approval_due_at)));
  }
  if (ticket.closed_at) {
    rows.push(fact("ticket.closed", timeEl(ticket.closed_at), " ",
      ticket.closed_reason ? bindText(h("span", { class: "muted" }), `closed_reason.${ticket.closed_reason}`) : null));
  }
  if (staff && ticket.total_hours) rows.push(fact("ticket.hours", formatNumber(ticket.total_hours)));
  facts.replaceChildren(...rows);
}
