// One ticket (#/tickets/<id>): the address every notification e-mail links to,
// for staff and customer contacts alike.
//
// Everyone sees the ticket's facts, its description and fields, the thread
// (comments and the history's events, oldest first; the API leaves out what is
// internal for contacts) and the files, and may comment where allowed.
// Contacts answer a resolved ticket here: "Tested OK" or "Not OK" with a reason —
// the same question, texts and outcome as the one-click page of the e-mail
// (views/answer.js). Staff comment publicly or internally, assign, re-type,
// change the status and resolve; changes carry If-Match with the version read.

import { api, ApiError, idempotencyKey } from "../api.js";
import { $, fromTemplate, h } from "../dom.js";
import { FormError, errorKey, onSubmit } from "../forms.js";
import { bindText, formatDate, formatNumber, localized, onLanguageChange, t, translate } from "../i18n.js";
import { allPages, byId, organizations, staffUsers, tenantSettings, ticketTypes } from "../reference-data.js";
import { can, currentUser, isStaff } from "../session.js";
import { refreshTimes, slaBadge, statusPill, ticketPath, timeEl, typeName } from "../ticket-format.js";
import { downloadAttachment, filePicker } from "../upload.js";

// Statuses staff set by hand (resolving needs a resolution, so it has its own form).
const SETTABLE = ["open", "waiting_on_customer", "waiting_on_third_party", "closed"];
// Events already shown by what they produced (the comment itself).
const SILENT_EVENTS = new Set(["commented"]);

function ifMatch(ticket) {
  return { "If-Match": `"${ticket.version}"` };
}

function fact(key, ...value) {
  return h("div", {}, bindText(h("dt"), key), h("dd", {}, ...value));
}

function nameOf(id, lists, user) {
  if (!id) return null;
  const name = lists.staff.get(id)?.name ?? (id === user.id ? user.name : null);
  return id === user.id ? `${name} (${t("ticket.you")})` : name;
}

/** The words for one history event; user text stays text. */
function eventText(event, lists, user) {
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
  const attached = (comment.attachment_ids ?? []).map((id) => files.get(id)).filter(Boolean);
  if (attached.length) {
    item.append(h("p", { class: "entry__files" }, bindText(h("span"), "ticket.attached"), " ",
      attached.map((file, i) => [i ? ", " : "", download(file, "thread")])));
  }
  return item;
}

/**
 * A file's download control: a button named "Download <file>" (the name shown is
 * the file's, as text) and a message beside it for the busy state and errors.
 * `fetchFile()` asks the API for the address and opens it.
 */
function downloadControl(file, idPrefix, fetchFile) {
  const messageId = `${idPrefix}-message`;
  const button = h("button", { type: "button", class: "download__button", "aria-describedby": messageId,
    dataset: { i18nAttr: "aria-label:ticket.download.label", i18nArgs: JSON.stringify({ filename: file.filename }) } },
  h("span", { class: "download__icon", "aria-hidden": "true", text: "\u2193" }),
  h("span", { class: "file-name", text: file.filename }));
  translate(button);
  const message = h("span", { class: "download__message", id: messageId, "aria-live": "polite" });
  const element = h("span", { class: "download", dataset: { download: file.id, state: "idle" } }, button, " ", message);

  function show(state, key) {
    element.dataset.state = state;
    const busy = state === "busy";
    button.classList.toggle("is-busy", busy);
    // aria-disabled rather than disabled: the button keeps its focus while it works.
    if (busy) {
      button.setAttribute("aria-disabled", "true");
      element.setAttribute("aria-busy", "true");
    } else {
      button.removeAttribute("aria-disabled");
      element.removeAttribute("aria-busy");
    }
    if (key) bindText(message, key);
    else {
      delete message.dataset.i18n;
      message.textContent = "";
    }
  }

  button.addEventListener("click", async () => {
    if (element.dataset.state === "busy") return;
    show("busy", "ticket.download.busy");
    try {
      await fetchFile();
      show("idle");
    } catch (error) {
      const notReady = error instanceof ApiError && error.status === 409;
      show("error", notReady ? "ticket.download.not_ready" : "ticket.download.failed");
    }
  });
  return element;
}

function eventItem(event, lists, user) {
  return h("li", { class: `entry entry--event${event.internal ? " entry--internal" : ""}`, dataset: { event: event.type } },
    h("p", { class: "entry__line" }, h("span", { text: eventText(event, lists, user) }), " ",
      timeEl(event.at, "entry__time")));
}

function labelledField(id, key, control, { hint } = {}) {
  const errorId = `${id}-error`;
  control.setAttribute("aria-describedby", hint ? `${id}-hint ${errorId}` : errorId);
  return h("div", { class: "field" },
    bindText(h("label", { for: id }), key),
    hint ? bindText(h("p", { class: "field__hint", id: `${id}-hint` }), hint) : null,
    control,
    h("p", { class: "field__error", id: errorId, dataset: { fieldError: control.name } }));
}

function actionForm(id, titleKey, ...parts) {
  return h("form", { class: "form action", id, novalidate: true },
    bindText(h("h3", { class: "action__title" }), titleKey),
    h("div", { class: "form-error", role: "alert", dataset: { formError: "" } }),
    ...parts);
}

function submitButton(id, key, busyKey = "common.saving", secondary = false) {
  return bindText(h("button", { class: `button ${secondary ? "button--secondary" : "button--primary"}`, type: "submit", id,
    dataset: { busyI18n: busyKey } }), key);
}

export default function ticketView(container, app, path, params, args) {
  const user = currentUser();
  const staff = isStaff(user);
  const id = args.id;
  const screen = fromTemplate("tpl-ticket");
  const body = $("[data-body]", screen);
  const status = $("[data-load-status]", screen);
  const failure = $("[data-load-error]", screen);
  const notice = $("[data-notice]", screen);
  const back = $("[data-back]", screen);
  back.href = staff ? "#/tickets" : "#/my-tickets";
  bindText(back, staff ? "tickets.back_to_queue" : "tickets.back_to_mine");
  if (app.state.notice) bindText(notice, app.state.notice);
  app.state.notice = null;

  // One download control per file and place, kept over re-renders (and language
  // changes) so a download under way or its error stays where it is.
  const downloads = new Map();
  function download(file, place) {
    const key = `${place}:${file.id}`;
    if (!downloads.has(key)) {
      downloads.set(key, downloadControl(file, `download-${place}-${file.id}`, () => downloadAttachment(id, file.id)));
    }
    return downloads.get(key);
  }

  const state = {
    ticket: null, comments: [], events: [], files: [], lists: null, settings: null,
    orgVisibility: null, commentRefused: null, alive: true, built: false,
  };

  // --- loading -------------------------------------------------------------------------

  async function fetchAll() {
    const base = ticketPath(id);
    const [ticket, comments, events, files] = await Promise.all([
      api.get(base), allPages(`${base}/comments`), allPages(`${base}/events`), allPages(`${base}/attachments`),
    ]);
    Object.assign(state, { ticket, comments, events, files });
  }

  async function reload() {
    await fetchAll();
    if (state.alive) render();
  }

  // --- the read-only parts ----------------------------------------------------------------

  function renderHead() {
    const { ticket, lists } = state;
    $("[data-number]", body).replaceChildren(
      h("span", { text: ticket.number }), " · ", h("span", { dataset: { meta: "type" }, text: typeName(lists.types, ticket.ticket_type_id) }));
    $("[data-subject]", body).textContent = ticket.subject;
    const badges = $("[data-badges]", body);
    badges.replaceChildren(statusPill(ticket.status), " ",
      bindText(h("span", { class: `priority priority--${ticket.priority}` }), `priority.${ticket.priority}`), " ",
      bindText(h("span", { class: "tag" }), ticket.billable ? "ticket.billable" : "ticket.free"));
    screen.dataset.status = ticket.status;
  }

  function renderDescription() {
    const { ticket, lists } = state;
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
      const shown = spec?.type === "date" ? formatDate(value) : spec?.type === "number" ? formatNumber(Number(value)) : String(value);
      return h("div", { dataset: { field: name } },
        h("dt", { text: spec ? localized(spec.label) : name }), h("dd", { text: shown }));
    }));
    fields.hidden = fields.childElementCount === 0;
  }

  function renderFacts() {
    const { ticket, lists, settings } = state;
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

  function renderThread() {
    const { comments, events, files, lists } = state;
    const byFile = byId(files);
    const entries = [
      ...events.filter((e) => !SILENT_EVENTS.has(e.type)).map((e) => ({ at: e.at, order: 0, node: () => eventItem(e, lists, user) })),
      ...comments.map((c) => ({ at: c.created_at, order: 1, node: () => commentItem(c, byFile, download) })),
    ].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.order - b.order));
    $("#ticket-thread", body).replaceChildren(...entries.map((e) => e.node()));
  }

  function renderFiles() {
    const list = $("[data-files]", body);
    const files = state.files;
    if (!files.length) {
      list.replaceChildren(bindText(h("li", { class: "muted" }), "ticket.no_files"));
      return;
    }
    list.replaceChildren(...files.map((file) => h("li", { class: `file${file.internal ? " file--internal" : ""}`, dataset: { fileId: file.id } },
      download(file, "files"), " ",
      h("span", { class: "muted" }, `${file.uploaded_by_name ?? ""}`.trim() ? `${file.uploaded_by_name} · ` : "", timeEl(file.created_at)),
      file.internal ? [" ", bindText(h("span", { class: "pill pill--internal pill--small" }), "ticket.internal_marker")] : null)));
  }

  // --- contacts: approve or reject a resolved ticket ---------------------------------------

  function mayAnswer() {
    const { ticket } = state;
    return !staff && ticket.status === "resolved" && mayComment();
  }

  /** A contact may comment on their own tickets, as a watcher, or as the organisation allows. */
  function mayComment() {
    const { ticket } = state;
    if (staff) return can(user, "tickets.comment");
    if (state.commentRefused) return false;
    if (ticket.requester_id === user.id || (ticket.watchers ?? []).includes(user.id)) return true;
    return state.orgVisibility === null || state.orgVisibility === "organization_comment";
  }

  const approval = $("[data-approval]", screen);
  const rejectForm = $("#reject-form", approval);
  const approveForm = $("#approve-form", approval);
  const rejectToggle = $("#reject-toggle", approval);
  const result = $("[data-result]", approval);

  function showApprovalResult(kind) {
    // The one-click page's outcome texts: the same answer reads the same everywhere.
    $("[data-choices]", approval).hidden = true;
    rejectForm.hidden = true;
    result.dataset.outcome = "done";
    bindText($("[data-result-title]", result), `answer.${kind}.done.title`);
    bindText($("[data-result-text]", result), `answer.${kind}.done.text`);
    result.hidden = false;
    $("[data-result-title]", result).focus();
  }

  function renderApproval() {
    const { ticket } = state;
    const answering = mayAnswer();
    if (!answering && result.hidden) {
      approval.hidden = true;
      return;
    }
    approval.hidden = false;
    if (!answering) return; // the outcome stays on screen after the answer
    $("[data-resolution]", approval).textContent = ticket.resolution ?? "";
    const due = $("[data-approval-due]", approval);
    if (ticket.approval_due_at) {
      due.replaceChildren(bindText(h("span"), "ticket.approval.due"), " ", timeEl(ticket.approval_due_at));
      due.hidden = false;
    } else {
      due.hidden = true;
    }
  }

  rejectToggle.addEventListener("click", () => {
    const open = rejectForm.hidden;
    rejectForm.hidden = !open;
    rejectToggle.setAttribute("aria-expanded", String(open));
    if (open) rejectForm.elements.reason.focus();
  });

  onSubmit(approveForm, async () => {
    state.ticket = await api.post(`${ticketPath(id)}/approve`, {}, { headers: { "Idempotency-Key": idempotencyKey() } });
    showApprovalResult("approve");
    await reload();
  }, { context: "answer" });

  onSubmit(rejectForm, async ({ reason }) => {
    if (!reason.trim()) throw new FormError({ reason: "answer.errors.reason" });
    state.ticket = await api.post(`${ticketPath(id)}/reject`, { reason }, { headers: { "Idempotency-Key": idempotencyKey() } });
    rejectForm.reset();
    showApprovalResult("reject");
    await reload();
  }, { context: "answer" });

  // --- the comment box ------------------------------------------------------------------------

  let commentUi = null;

  function buildCommentForm() {
    const internalAllowed = staff && can(user, "tickets.comment_internal");
    const picker = filePicker({ id: "comment-files", internal: () => internalAllowed && form.elements.internal.checked });
    const textarea = h("textarea", { id: "comment-body", name: "body", rows: "5", maxlength: "20000" });
    const submit = submitButton("comment-submit", "ticket.comment.submit", "common.sending");
    const form = h("form", { class: "form comment-form", id: "comment-form", novalidate: true },
      bindText(h("h3", { class: "action__title" }), "ticket.comment.title"),
      h("div", { class: "form-error", role: "alert", dataset: { formError: "" } }),
      internalAllowed ? h("div", { class: "field" },
        h("label", { class: "check comment-form__internal", for: "comment-internal" },
          h("input", { type: "checkbox", id: "comment-internal", name: "internal", "aria-describedby": "comment-internal-hint" }),
          " ", bindText(h("span"), "ticket.comment.internal")),
        bindText(h("p", { class: "field__hint", id: "comment-internal-hint" }), "ticket.comment.internal_hint")) : null,
      labelledField("comment-body", "ticket.comment.label", textarea),
      picker.element,
      h("div", {}, submit));
    if (internalAllowed) {
      form.elements.internal.addEventListener("change", () => {
        const internal = form.elements.internal.checked;
        form.classList.toggle("comment-form--internal", internal);
        bindText(submit, internal ? "ticket.comment.submit_internal" : "ticket.comment.submit");
        bindText($("label[for=comment-body]", form), internal ? "ticket.comment.label_internal" : "ticket.comment.label");
      });
    }
    const sent = $("[data-comment-notice]", screen);
    onSubmit(form, async (values) => {
      sent.replaceChildren();
      if (!values.body.trim()) throw new FormError({ body: "ticket.errors.comment_empty" });
      const internal = internalAllowed && values.internal === true;
      let attachmentIds = [];
      if (picker.count()) {
        const uploads = await picker.upload(id);
        if (uploads.failed) throw new FormError({ files: "upload.errors.some_failed" });
        attachmentIds = uploads.uploaded.map((a) => a.id);
      }
      const payload = { body: values.body };
      if (internal) payload.internal = true;
      if (attachmentIds.length) payload.attachment_ids = attachmentIds;
      try {
        await api.post(`${ticketPath(id)}/comments`, payload, { headers: { "Idempotency-Key": idempotencyKey() } });
      } catch (error) {
        // Not allowed to comment (the organisation lets this contact read only): say so, in the API's words.
        if (error instanceof ApiError && error.status === 403 && !staff) {
          state.commentRefused = error.detail || t("ticket.comment.read_only");
          renderCommentArea();
          return;
        }
        throw error;
      }
      form.reset();
      picker.reset();
      form.classList.remove("comment-form--internal");
      bindText(submit, "ticket.comment.submit");
      bindText($("label[for=comment-body]", form), "ticket.comment.label");
      bindText(sent, internal ? "ticket.comment.sent_internal" : "ticket.comment.sent");
      await reload();
    }, { context: "ticket.comment" });
    return { form };
  }

  function renderCommentArea() {
    const slot = $("[data-comment-slot]", screen);
    const closedForContact = !staff && state.ticket.status === "closed";
    const note = $("[data-comment-closed]", screen);
    if (closedForContact || !mayComment()) {
      commentUi?.form.remove();
      commentUi = null;
      note.hidden = false;
      if (closedForContact) bindText($("[data-comment-closed-text]", note), "ticket.comment.closed");
      else if (state.commentRefused) {
        delete $("[data-comment-closed-text]", note).dataset.i18n;
        $("[data-comment-closed-text]", note).textContent = state.commentRefused;
      } else bindText($("[data-comment-closed-text]", note), "ticket.comment.read_only");
      $("[data-new-ticket]", note).hidden = !closedForContact || !can(user, "tickets.create");
      return;
    }
    note.hidden = true;
    if (!commentUi) {
      commentUi = buildCommentForm();
      slot.replaceChildren(commentUi.form);
    }
  }

  // --- staff: assign, re-type, status, resolve -------------------------------------------------

  let staffUi = null;

  function patchForm(form, toBody) {
    onSubmit(form, async (values) => {
      try {
        state.ticket = await api.patch(ticketPath(id), toBody(values), { headers: ifMatch(state.ticket) });
      } catch (error) {
        // Someone else changed the ticket meanwhile: show it as it is now, and say so.
        if (error instanceof ApiError && (error.status === 412 || error.status === 409)) await reload();
        throw error;
      }
      await reload();
      $("[data-action-notice]", screen).replaceChildren(bindText(h("span"), "ticket.saved"));
    }, { statusKeys: { 412: "errors.conflict" } });
  }

  function buildStaffActions() {
    const box = $("[data-staff-actions]", screen);
    box.hidden = false;
    const forms = $("[data-action-forms]", box);
    const parts = {};
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
        if (!values.resolution.trim()) throw new FormError({ resolution: "ticket.errors.resolution_empty" });
        const sent = { resolution: values.resolution };
        if (values.hours !== "") sent.hours = Number(values.hours);
        state.ticket = await api.post(`${ticketPath(id)}/resolve`, sent, { headers: { "Idempotency-Key": idempotencyKey() } });
        form.reset();
        await reload();
        $("[data-action-notice]", screen).replaceChildren(bindText(h("span"), "ticket.resolve.done"));
      }, { context: "ticket.resolve" });
      forms.append(form);
      parts.resolve = { form };
    }
    return parts;
  }

  function fillStaffActions() {
    const { ticket, lists } = state;
    if (staffUi.assign) {
      const { select, toMe } = staffUi.assign;
      const options = [bindText(h("option", { value: "" }), "ticket.unassigned"),
        ...[...lists.staff.values()].map((u) => h("option", { value: u.id, text: u.id === user.id ? `${u.name} (${t("ticket.you")})` : u.name }))];
      if (ticket.assignee_id && !lists.staff.has(ticket.assignee_id)) {
        options.push(bindText(h("option", { value: ticket.assignee_id }), "ticket.someone"));
      }
      select.replaceChildren(...options);
      select.value = ticket.assignee_id ?? "";
      toMe.hidden = ticket.assignee_id === user.id;
    }
    if (staffUi.retype) {
      const active = [...lists.types.values()].filter((type) => type.active !== false || type.id === ticket.ticket_type_id);
      staffUi.retype.select.replaceChildren(...active.map((type) => h("option", {
        value: type.id, text: `${localized(type.name)} · ${t(type.billable ? "ticket.billable" : "ticket.free")}` })));
      staffUi.retype.select.value = ticket.ticket_type_id;
    }
    if (staffUi.status) {
      const choices = SETTABLE.includes(ticket.status) ? SETTABLE : [ticket.status, ...SETTABLE];
      staffUi.status.select.replaceChildren(...choices.map((s) => bindText(h("option", { value: s }), `ticket_status.${s}`)));
      staffUi.status.select.value = ticket.status;
    }
    if (staffUi.resolve) staffUi.resolve.form.hidden = ticket.status === "resolved" || ticket.status === "closed";
  }

  // --- putting it together -------------------------------------------------------------------

  function render() {
    renderHead();
    renderDescription();
    renderFacts();
    renderThread();
    renderFiles();
    renderApproval();
    renderCommentArea();
    if (staff) {
      staffUi ??= buildStaffActions();
      fillStaffActions();
    }
    body.hidden = false;
  }

  status.replaceChildren(h("span", { class: "spinner", "aria-hidden": "true" }), " ", bindText(h("span"), "common.loading"));
  container.replaceChildren(screen);

  Promise.all([ticketTypes(), staff ? staffUsers() : [], organizations(), tenantSettings(), fetchAll()])
    .then(([types, staffList, orgs, settings]) => {
      if (!state.alive) return;
      state.lists = { types: byId(types), staff: byId(staffList), organizations: byId(orgs) };
      state.settings = settings;
      if (!staff) state.orgVisibility = orgs.find((o) => o.id === user.organization_id)?.ticket_visibility ?? null;
      status.replaceChildren();
      render();
      document.title = `${state.ticket.number} – ${t("app.name")}`;
      // The heading was hidden while loading: keyboard users land on it now.
      if (!document.activeElement || document.activeElement === document.body || container.contains(document.activeElement)
          || document.activeElement.closest?.(".mainnav, .brand")) {
        $("#ticket-title", screen).focus();
      }
    })
    .catch((error) => {
      if (!state.alive) return;
      status.replaceChildren();
      failure.replaceChildren(bindText(h("p"), errorKey(error, { 404: "ticket.not_found" })));
    });

  const stopLanguage = onLanguageChange(() => {
    if (!state.ticket || !state.lists) return;
    renderHead();
    renderDescription();
    renderFacts();
    renderThread();
    renderFiles();
    if (staffUi) fillStaffActions();
    refreshTimes(screen);
    document.title = `${state.ticket.number} – ${t("app.name")}`;
  });

  return {
    cleanup: () => {
      state.alive = false;
      stopLanguage();
    },
  };
}
