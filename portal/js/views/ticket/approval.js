// A contact's answer to a resolved ticket: "Tested OK" or "Not OK" with a reason — the
// same question, texts and outcome as the one-click page of the e-mail (views/answer.js).

import { api, idempotencyKey } from "../../api.js";
import { $, h } from "../../dom.js";
import { FormError, onSubmit } from "../../forms.js";
import { bindText } from "../../i18n.js";
import { ticketPath, timeEl } from "../../ticket-format.js";

/**
 * Wires the page's [data-approval] section. After an answer the API's ticket goes to
 * `ticketChanged(ticket)` and the page is read again with `reload()`.
 * Returns {render(ticket, answering)}.
 */
export function approvalSection(screen, { ticketId, ticketChanged, reload }) {
  const approval = $("[data-approval]", screen);
  const rejectForm = $("#reject-form", approval);
  const approveForm = $("#approve-form", approval);
  const rejectToggle = $("#reject-toggle", approval);
  const result = $("[data-result]", approval);

  function showResult(kind) {
    // The one-click page's outcome texts: the same answer reads the same everywhere.
    $("[data-choices]", approval).hidden = true;
    rejectForm.hidden = true;
    result.dataset.outcome = "done";
    bindText($("[data-result-title]", result), `answer.${kind}.done.title`);
    bindText($("[data-result-text]", result), `answer.${kind}.done.text`);
    result.hidden = false;
    $("[data-result-title]", result).focus();
  }

  rejectToggle.addEventListener("click", () => {
    const open = rejectForm.hidden;
    rejectForm.hidden = !open;
    rejectToggle.setAttribute("aria-expanded", String(open));
    if (open) rejectForm.elements.reason.focus();
  });

  onSubmit(approveForm, async () => {
    ticketChanged(await api.post(`${ticketPath(ticketId)}/approve`, {}, { headers: { "Idempotency-Key": idempotencyKey() } }));
    showResult("approve");
    await reload();
  }, { context: "answer" });

  onSubmit(rejectForm, async ({ reason }) => {
    if (!reason.trim()) throw new FormError({ reason: "answer.errors.reason" });
    ticketChanged(await api.post(`${ticketPath(ticketId)}/reject`, { reason }, { headers: { "Idempotency-Key": idempotencyKey() } }));
    rejectForm.reset();
    showResult("reject");
    await reload();
  }, { context: "answer" });

  /** Shown while the contact may answer, and afterwards for the outcome. */
  function render(ticket, answering) {
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

  return { render };
}
