// The page an invitation e-mail's link opens (#/invitation?token=...), open to everyone:
// the signed token in the address is the only credential. Opening it only reads the
// invitation (GET /invitations/{token}/preview; mail scanners follow every link); the
// main contact's own click accepts (POST /invitations/{token}/accept). Then the page says
// how to sign in — with the temporary password just mailed, or the usual one.
// An altered link (400, 404) and one that is expired, revoked or used (410) say so in words.

import { api, ApiError } from "../../api.js";
import { h } from "../../dom.js";
import { errorKey, onSubmit } from "../../forms.js";
import { bindText, formatDateTime, onLanguageChange, translate } from "../../i18n.js";
import { isSignedIn } from "../../session.js";
import { facts } from "../networks/common.js";
import { apiWords } from "./common.js";

/** Whether the address's token can be one at all (the API checks its signature). */
export function plausibleToken(token) {
  return typeof token === "string" && token.length >= 16 && token.length <= 4096 && /^[A-Za-z0-9._~=+/-]+$/.test(token);
}

/** What a refusal means for the page: "invalid", "gone" (with its state), "forbidden", or null. */
export function invitationOutcome(error) {
  if (!(error instanceof ApiError)) return null;
  if (error.status === 400 || error.status === 404) return { kind: "invalid" };
  if (error.status === 410) {
    const state = String(error.extra?.state ?? "");
    return { kind: "gone", state: ["expired", "revoked", "accepted"].includes(state) ? state : "unknown" };
  }
  if (error.status === 403) return { kind: "forbidden" };
  return null;
}

/** An invitation's state as the preview reads it: only "sent" can be accepted. */
export function previewOutcome(preview) {
  const state = String(preview?.state ?? "sent");
  if (state === "sent") return null;
  return { kind: "gone", state: ["expired", "revoked", "accepted"].includes(state) ? state : "unknown" };
}

/** Where "Sign in" leads: the API's login_url when it is this portal's own address, else #/login. */
export function loginHref(loginUrl, origin) {
  try {
    const url = new URL(String(loginUrl ?? ""), origin);
    if (url.origin === origin && (url.hash === "" || url.hash.startsWith("#/"))) return url.hash || "#/login";
  } catch {
    // not an address: the portal's own sign-in
  }
  return "#/login";
}

export function invitation(container, app, path, params) {
  const token = params.get("token") ?? "";
  const title = bindText(h("h1", { id: "invitation-title", tabindex: "-1" }), "client_cases.invitation.title");
  const intro = h("p", { class: "lead", dataset: { intro: "" } });
  const details = h("div", { dataset: { details: "" } });
  const status = bindText(h("p", { class: "muted", role: "status" }), "common.loading");
  const form = h("form", { class: "form", id: "invitation-form", novalidate: true, hidden: true },
    h("div", { class: "form-error", role: "alert", dataset: { formError: "" } }),
    bindText(h("button", { class: "button button--primary button--block", type: "submit", id: "invitation-accept",
      dataset: { busyI18n: "client_cases.invitation.busy" } }), "client_cases.invitation.accept"));
  const result = h("div", { class: "answer__result", hidden: true, dataset: { result: "" } });
  const screen = h("section", { class: "card auth answer cc-invitation", dataset: { screen: "invitation" },
    "aria-labelledby": "invitation-title" }, title, intro, details, status, form, result);
  container.replaceChildren(screen);
  let preview = null;

  function drawPreview() {
    if (!preview) return;
    bindText(intro, "client_cases.invitation.intro",
      { tenant: preview.tenant_name ?? "", organization: preview.organization_name ?? "" });
    details.replaceChildren(facts([
      ["client_cases.invitation.organization", preview.organization_name ?? "", "organization"],
      ["client_cases.invitation.contact", preview.contact_name ?? "", "contact"],
      ["client_cases.invitation.email", preview.email ?? "", "email"],
      preview.expires_at ? ["client_cases.invitation.expires", formatDateTime(preview.expires_at), "expires"] : null,
    ]));
    translate(details);
  }

  /** The outcome replaces the form and takes the focus. */
  function show(outcome, words = []) {
    form.remove();
    status.replaceChildren();
    const key = outcome.kind === "gone" ? `client_cases.invitation.gone_${outcome.state}` : `client_cases.invitation.${outcome.kind}`;
    result.dataset.outcome = outcome.kind === "gone" ? `gone-${outcome.state}` : outcome.kind;
    result.replaceChildren(
      bindText(h("h2", { id: "invitation-result-title", tabindex: "-1" }), `${key}.title`),
      bindText(h("p"), `${key}.text`),
      words.length ? h("ul", { class: "cc-api-words" }, words.map((w) => h("li", { text: w }))) : null,
      h("p", { class: "auth__links" }, isSignedIn()
        ? bindText(h("a", { class: "button button--secondary", href: "#/home", id: "invitation-portal" }), "answer.to_portal")
        : bindText(h("a", { class: "button button--secondary", href: "#/login", id: "invitation-login" }), "answer.sign_in")));
    result.hidden = false;
    result.querySelector("h2").focus();
  }

  function accepted(answer) {
    form.remove();
    status.replaceChildren();
    result.dataset.outcome = "accepted";
    const signIn = isSignedIn()
      // Signed in already: the portal reads the user again to show the new menu entry.
      ? bindText(h("button", { class: "button button--primary", type: "button", id: "invitation-reload",
        on: { click: () => { history.replaceState(history.state, "", "#/firm-cases"); location.reload(); } } }),
      "client_cases.invitation.reload")
      : bindText(h("a", { class: "button button--primary", id: "invitation-login",
        href: loginHref(answer.login_url, location.origin) }), "client_cases.invitation.sign_in");
    if (!isSignedIn()) app.state.email = String(answer.email ?? "");
    result.replaceChildren(
      bindText(h("h2", { id: "invitation-result-title", tabindex: "-1" }), "client_cases.invitation.done.title"),
      bindText(h("p"), "client_cases.invitation.done.text",
        { organization: answer.organization_name ?? "", tenant: answer.tenant_name ?? "" }),
      bindText(h("p", { id: "invitation-how" }), answer.user_created
        ? "client_cases.invitation.done.new_user" : "client_cases.invitation.done.existing_user", { email: answer.email ?? "" }),
      h("p", { class: "auth__links" }, signIn));
    result.hidden = false;
    result.querySelector("h2").focus();
  }

  if (!plausibleToken(token)) {
    show({ kind: "invalid" });
    return undefined;
  }
  const base = `/invitations/${encodeURIComponent(token)}`;

  onSubmit(form, async () => {
    let answer;
    try {
      answer = await api.post(`${base}/accept`, {}, { auth: false });
    } catch (error) {
      const outcome = invitationOutcome(error);
      if (!outcome) throw error; // shown in the form
      // The API says which (expired, revoked, used, replaced by a newer link) in words.
      show(outcome, outcome.kind === "invalid" ? [] : apiWords(error));
      return;
    }
    accepted(answer);
  });

  api.get(`${base}/preview`, { auth: false }).then((answer) => {
    if (!screen.isConnected) return;
    preview = answer;
    drawPreview();
    const closed = previewOutcome(preview);
    if (closed) {
      show(closed);
      return;
    }
    status.replaceChildren();
    form.hidden = false;
  }).catch((error) => {
    if (!screen.isConnected) return;
    const outcome = invitationOutcome(error);
    if (outcome) show(outcome, outcome.kind === "invalid" ? [] : apiWords(error));
    else {
      status.replaceChildren();
      status.append(bindText(h("span", { class: "form-error" }), errorKey(error)));
    }
  });

  const stopLanguage = onLanguageChange(drawPreview);
  return { cleanup: stopLanguage };
}
