// Which notifications also come by e-mail ("Mute these e-mails" in every
// message leads here). One checkbox per kind the user can get: checked means
// "send me e-mail"; the API stores the opposite, the muted kinds. The in-app
// inbox shows every kind either way.

import { api } from "../api.js";
import { $, fromTemplate, h } from "../dom.js";
import { errorKey, onSubmit } from "../forms.js";
import { bindText } from "../i18n.js";
import { currentUser } from "../session.js";

// Every kind, in the order the page lists them (chalicelib/domain/notifications.py KINDS).
const KINDS = [
  "ticket_created", "ticket_assigned", "ticket_commented", "ticket_status_changed",
  "ticket_resolved", "approval_reminder", "ticket_rejected", "ticket_closed",
  "sla_warning", "sla_breached", "contact_order_assigned", "booking_reminder",
  "training_reminder", "training_update",
];
// The kinds that ever reach a customer contact.
const CONTACT_KINDS = new Set([
  "ticket_created", "ticket_commented", "ticket_status_changed", "ticket_resolved",
  "approval_reminder", "ticket_closed", "training_reminder", "training_update",
]);

// The kinds that come with a permission. Networks (seed 000): a subscription's steps reach
// the supplier's users and its account manager (staff who manage subscriptions); a
// followed supplier's news reaches buyers.
const PERMISSION_KINDS = [
  ["subscription_update", (user, may) => may("subscriptions.subscribe") || (user.kind === "staff" && may("subscriptions.manage"))],
  ["followed_supplier", (user, may) => user.kind !== "staff" && may("suppliers.follow")],
  // Reports (issue 23): the weekly summary reaches the staff who see the team's reports.
  ["weekly_summary", (user, may) => user.kind === "staff" && may("reports.view")],
];

export function kindsFor(user) {
  const base = user?.kind === "staff" ? KINDS : KINDS.filter((kind) => CONTACT_KINDS.has(kind));
  const may = (permission) => (user?.permissions ?? []).includes(permission);
  return [...base, ...PERMISSION_KINDS.filter(([, gets]) => user && gets(user, may)).map(([kind]) => kind)];
}

/**
 * The muted kinds to save: the listed kinds left unchecked (`checked` maps a kind to
 * its box), and the kinds this page does not list (a contact's staff-only ones) as
 * they were kept.
 */
export function mutedKinds(kept, listed, checked) {
  const hidden = kept.filter((kind) => !listed.includes(kind));
  return [...hidden, ...listed.filter((kind) => checked[kind] === false)];
}

// Mails that carry one-click answers: muting one also means answering in the portal
// instead (the "Tested OK" / "Not OK" buttons, the rating links), and the page says so.
const ANSWER_KINDS = new Set(["ticket_resolved", "approval_reminder", "ticket_closed"]);

function choice(kind, user) {
  const id = `preference-${kind}`;
  const noteId = `${id}-note`;
  const note = ANSWER_KINDS.has(kind) && user?.kind !== "staff";
  return h("li", { class: "choices__item" },
    h("label", { class: "check" },
      h("input", { type: "checkbox", id, name: kind, dataset: { kind }, "aria-describedby": note ? noteId : null }),
      " ",
      bindText(h("span"), `preferences.kinds.${kind}`)),
    note ? bindText(h("p", { class: "field__hint", id: noteId }), `preferences.answer_notes.${kind}`) : null);
}

export function preferences(container) {
  const screen = fromTemplate("tpl-preferences");
  const form = $("form", screen);
  const status = $("[data-load-status]", screen);
  const failure = $("[data-load-error]", screen);
  const notice = $("[data-notice]", form);
  const kinds = kindsFor(currentUser());
  let kept = []; // the muted kinds as last loaded or saved
  let alive = true;

  $("#preferences-kinds", form).append(...kinds.map((kind) => choice(kind, currentUser())));

  function show(muted) {
    const off = new Set(Array.isArray(muted) ? muted : []);
    for (const kind of kinds) form.elements.namedItem(kind).checked = !off.has(kind);
  }

  form.addEventListener("change", () => notice.replaceChildren());
  onSubmit(form, async (fields) => {
    notice.replaceChildren();
    const muted = mutedKinds(kept, kinds, fields);
    const saved = await api.put("/me/notification-preferences", { muted_email: muted });
    kept = saved?.muted_email ?? muted;
    show(kept);
    bindText(notice, "preferences.saved");
  });

  bindText(status, "common.loading");
  container.replaceChildren(screen);
  undeliverable(screen, () => alive);
  api.get("/me/notification-preferences").then((answer) => {
    if (!alive) return;
    kept = Array.isArray(answer?.muted_email) ? answer.muted_email : [];
    show(kept);
    status.replaceChildren();
    form.hidden = false;
  }).catch((error) => {
    if (!alive) return;
    status.replaceChildren();
    failure.replaceChildren(bindText(h("p"), errorKey(error)));
  });
  return { cleanup: () => { alive = false; } };
}

// Mail to the user's address bounced for good, so none is sent: say so, and let them
// turn e-mail on again once the address works (PATCH /me clears the mark).
function undeliverable(screen, isAlive) {
  const box = $("[data-undeliverable]", screen);
  const text = $("[data-undeliverable-text]", box);
  const failure = $("[data-undeliverable-error]", box);
  const button = $("#preferences-deliver-again", box);
  const done = $("[data-delivering]", screen);
  api.get("/me").then((me) => {
    if (!isAlive() || !me?.email_undeliverable) return;
    bindText(text, "preferences.undeliverable.text", { email: me.email });
    box.hidden = false;
  }).catch(() => {}); // the page works without it; the preferences show their own error
  button.addEventListener("click", async () => {
    failure.replaceChildren();
    button.disabled = true;
    bindText(button, "preferences.undeliverable.busy");
    try {
      await api.patch("/me", { email_undeliverable: false });
      box.hidden = true;
      bindText(done, "preferences.undeliverable.cleared");
    } catch (error) {
      failure.replaceChildren(bindText(h("p"), errorKey(error)));
    } finally {
      button.disabled = false;
      bindText(button, "preferences.undeliverable.clear");
    }
  });
}
