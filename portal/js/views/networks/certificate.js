// A published subscription's certificate: the PDF downloaded (GET …/certificate, with the
// token, as bytes, then saved through a short-lived blob: address) or mailed to the user's
// own address; staff with subscriptions.validate revoke it. Anyone checks its printed code
// at #/verify.

import { api, idempotencyKey } from "../../api.js";
import { h, saveAs } from "../../dom.js";
import { errorKey, onBusySubmit, onSubmit } from "../../forms.js";
import { bindText, language } from "../../i18n.js";
import { subscriptionPath } from "./common.js";

/**
 * The certificate card of a published subscription (null otherwise). `revoke` (staff)
 * adds the revocation form; `done(key, params)` says what happened.
 */
export function certificateCard(subscription, { revoke = false, done = () => {} } = {}) {
  if (subscription.status !== "published") return null;
  const base = subscriptionPath(subscription.id);
  const error = h("div", { class: "form-error", role: "alert" });
  const download = h("form", { class: "certificate__action" },
    bindText(h("button", { class: "button button--primary", type: "submit", id: "certificate-download",
      dataset: { busyI18n: "common.loading" } }), "networks.certificate.download"));
  onBusySubmit(download, async () => {
    error.replaceChildren();
    try {
      const pdf = await api.get(`${base}/certificate?lang=${encodeURIComponent(language())}`,
        { as: "blob", headers: { Accept: "application/pdf, application/problem+json" } });
      saveAs(pdf, `certificate-${subscription.supplier_id}.pdf`);
    } catch (failure) {
      error.replaceChildren(bindText(h("p"), errorKey(failure)));
    }
  });
  const mail = h("form", { class: "certificate__action" },
    bindText(h("button", { class: "button button--secondary", type: "submit", id: "certificate-mail",
      dataset: { busyI18n: "common.sending" } }), "networks.certificate.mail"));
  onBusySubmit(mail, async () => {
    error.replaceChildren();
    try {
      const sent = await api.post(`${base}/certificate/mail?lang=${encodeURIComponent(language())}`, undefined,
        { headers: { "Idempotency-Key": idempotencyKey() } });
      done("networks.certificate.mailed", { email: sent.sent_to });
    } catch (failure) {
      error.replaceChildren(bindText(h("p"), errorKey(failure)));
    }
  });
  const card = h("section", { class: "card certificate", "aria-labelledby": "certificate-title", dataset: { certificate: "" } },
    bindText(h("h2", { id: "certificate-title" }), "networks.certificate.title"),
    bindText(h("p", { class: "lead" }), "networks.certificate.intro"),
    error,
    h("div", { class: "action__buttons" }, download, revoke ? null : mail));
  if (revoke) {
    const form = h("form", { class: "form", id: "certificate-revoke", novalidate: true },
      bindText(h("h3"), "networks.certificate.revoke_title"),
      h("div", { class: "form-error", role: "alert", dataset: { formError: "" } }),
      h("div", { class: "field" }, bindText(h("label", { for: "revoke-reason" }), "networks.certificate.reason"),
        h("textarea", { id: "revoke-reason", name: "reason", rows: "2", maxlength: "1000", "aria-describedby": "revoke-reason-error" }),
        h("p", { class: "field__error", id: "revoke-reason-error", dataset: { fieldError: "reason" } })),
      h("div", {}, bindText(h("button", { class: "button button--secondary", type: "submit", id: "revoke-submit",
        dataset: { busyI18n: "common.saving" } }), "networks.certificate.revoke")));
    onSubmit(form, async (values) => {
      await api.post(`${base}/certificate/revoke`, { reason: values.reason.trim() });
      form.reset();
      done("networks.certificate.revoked");
    }, { context: "networks.certificate" });
    card.append(form);
  }
  return card;
}
