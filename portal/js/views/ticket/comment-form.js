// The comment box under the thread: staff comment publicly or internally, contacts
// where allowed, with files; where commenting is not possible a note says why.

import { api, ApiError, idempotencyKey } from "../../api.js";
import { $, h } from "../../dom.js";
import { FormError, onSubmit } from "../../forms.js";
import { bindText, t } from "../../i18n.js";
import { can } from "../../session.js";
import { ticketPath } from "../../ticket-format.js";
import { filePicker } from "../../upload.js";
import { labelledField, submitButton } from "./form-parts.js";
import { commentBody } from "./rules.js";

function buildForm(screen, { ticketId, user, staff, refused, reload }) {
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
      const uploads = await picker.upload(ticketId);
      if (uploads.failed) throw new FormError({ files: "upload.errors.some_failed" });
      attachmentIds = uploads.uploaded.map((a) => a.id);
    }
    try {
      await api.post(`${ticketPath(ticketId)}/comments`, commentBody(values, { internal, attachmentIds }),
        { headers: { "Idempotency-Key": idempotencyKey() } });
    } catch (error) {
      // Not allowed to comment (the organisation lets this contact read only): say so, in the API's words.
      if (error instanceof ApiError && error.status === 403 && !staff) {
        refused(error.detail || t("ticket.comment.read_only"));
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
  return form;
}

/**
 * Wires the page's comment slot. The form is built once and kept (what is typed stays
 * over re-renders); `refused(message)` is called when the API refuses a contact's
 * comment. Returns {render({ticket, mayComment, commentRefused})}.
 */
export function commentArea(screen, { ticketId, user, staff, refused, reload }) {
  const slot = $("[data-comment-slot]", screen);
  const note = $("[data-comment-closed]", screen);
  const noteText = $("[data-comment-closed-text]", note);
  let form = null;

  function render({ ticket, mayComment, commentRefused }) {
    const closedForContact = !staff && ticket.status === "closed";
    if (closedForContact || !mayComment) {
      form?.remove();
      form = null;
      note.hidden = false;
      if (closedForContact) bindText(noteText, "ticket.comment.closed");
      else if (commentRefused) {
        delete noteText.dataset.i18n;
        noteText.textContent = commentRefused;
      } else bindText(noteText, "ticket.comment.read_only");
      $("[data-new-ticket]", note).hidden = !closedForContact || !can(user, "tickets.create");
      return;
    }
    note.hidden = true;
    if (!form) {
      form = buildForm(screen, { ticketId, user, staff, refused, reload });
      slot.replaceChildren(form);
    }
  }

  return { render };
}
