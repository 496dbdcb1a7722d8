// The thread: comments and the history's events, oldest first (the API leaves out what
// is internal for contacts), each in words; user text stays text.

import { h } from "../../dom.js";
import { bindText, t } from "../../i18n.js";
import { byId } from "../../reference-data.js";
import { timeEl, typeName } from "../../ticket-format.js";
import { threadEntries } from "./rules.js";

/** A user's name as the page shows it: "(you)" after the signed-in user's own. */
export function nameOf(id, lists, user) {
  if (!id) return null;
  const name = lists.staff.get(id)?.name ?? (id === user.id ? user.name : null);
  return id === user.id ? `${name} (${t("ticket.you")})` : name;
}

/** The words for one history event. */
export function eventText(event, lists, user) {
  const actor = event.actor_name || (event.actor === "system" ? t("events.system") : t("events.someone"));
  const data = event.data ?? {};
  const status = (s) => t(`ticket_status.${s}`);
  switch (event.type) {
    case "created": return t("events.created", { actor });
    case "status_changed": return t("events.status_changed", { actor, from: status(data.from), to: status(data.to) });
    case "assigned": {
      const to = nameOf(data.to, lists, user);
      if (!data.to) return t("events.unassigned", { actor });
      return to ? t("events.assigned_to", { actor, to }) : t("events.assigned", { actor });
    }
    case "retyped": return t("events.retyped", { actor, from: typeName(lists.types, data.from), to: typeName(lists.types, data.to) });
    case "priority_changed": return t("events.priority_changed", { actor, from: t(`priority.${data.from}`), to: t(`priority.${data.to}`) });
    case "resolved": return t("events.resolved", { actor });
    case "approved": return t("events.approved", { actor });
    case "rejected": return t("events.rejected", { actor });
    case "attachment_added": return t("events.attachment_added", { actor, filename: String(data.filename ?? "") });
    case "reminder_sent": return t("events.reminder_sent");
    case "auto_approved": return t("events.auto_approved");
    case "auto_approval_paused": return t("events.auto_approval_paused", { actor });
    case "auto_approval_resumed": return t("events.auto_approval_resumed", { actor });
    case "watchers_changed": return t("events.watchers_changed", { actor });
    case "rated": return t("events.rated", { actor });
    case "marked_done": return t("events.marked_done", { actor });
    default: return t("events.other", { actor, type: String(event.type) });
  }
}

function commentItem(comment, files, download) {
  const internal = Boolean(comment.internal);
  const author = comment.author_name || t(comment.author_kind === "system" ? "events.system" : "events.someone");
  const head = h("p", { class: "entry__head" },
    h("span", { class: "entry__author", text: author }), " ",
    bindText(h("span", { class: `tag tag--${comment.author_kind}` }), `ticket.author_${comment.author_kind}`), " ",
    timeEl(comment.created_at, "entry__time"));
  if (internal) head.append(" ", bindText(h("span", { class: "pill pill--internal" }), "ticket.internal_marker"));
  const item = h("li", { class: `entry entry--comment entry--${comment.author_kind}${internal ? " entry--internal" : ""}`,
    dataset: { commentId: comment.id, internal: String(internal) } },
  head, h("p", { class: "entry__body", text: comment.body }));
  // A mail's sign-off is kept apart from its words and folded away (mail.quotes).
  const signature = comment.email?.signature;
  if (signature) {
    item.append(h("details", { class: "entry__signature" },
      bindText(h("summary"), "ticket.signature"), h("p", { text: signature })));
  }
  const attached = (comment.attachment_ids ?? []).map((id) => files.get(id)).filter(Boolean);
  if (attached.length) {
    item.append(h("p", { class: "entry__files" }, bindText(h("span"), "ticket.attached"), " ",
      attached.map((file, i) => [i ? ", " : "", download(file, "thread")])));
  }
  return item;
}

function eventItem(event, lists, user) {
  return h("li", { class: `entry entry--event${event.internal ? " entry--internal" : ""}`, dataset: { event: event.type } },
    h("p", { class: "entry__line" }, h("span", { text: eventText(event, lists, user) }), " ",
      timeEl(event.at, "entry__time")));
}

/** The thread into `list` (the page's #ticket-thread); `download(file, place)` from files.js. */
export function renderThread(list, { comments, events, files, lists, user, download }) {
  const byFile = byId(files);
  list.replaceChildren(...threadEntries(events, comments).map((entry) => (entry.event
    ? eventItem(entry.event, lists, user) : commentItem(entry.comment, byFile, download))));
}
