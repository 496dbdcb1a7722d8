// The certificate check that a supplier certificate's printed address opens:
//   #/verify?code=<tenant>-XXXX-XXXX-XXXX-XXXX
// Open to everyone, signed in or not: GET /certificates/{code} needs no token and
// answers only what the certificate says (valid, expired or revoked; supplier,
// supplier id, network, valid until). Any code that does not hold is "no such
// certificate", whichever part was wrong. Without a code, the page asks for the
// one printed on the certificate.

import { api, ApiError } from "../api.js";
import { h } from "../dom.js";
import { bindText, formatDate, language, onLanguageChange } from "../i18n.js";

export const STATUSES = ["valid", "expired", "revoked"];

/** The code as typed (spaces between groups become hyphens), or null when it cannot be one. */
export function cleanCode(text) {
  const code = String(text ?? "").trim().replace(/\s+/g, "-");
  return code && code.length <= 100 && /^[A-Za-z0-9-]+$/.test(code) ? code : null;
}

/** The API path that checks `code`, the network's name in `lang`. */
export function verifyPath(code, lang) {
  return `/certificates/${encodeURIComponent(code)}?lang=${encodeURIComponent(lang)}`;
}

function fact(key, value) {
  return h("div", { class: "verify__fact" }, bindText(h("dt"), key), h("dd", { text: value }));
}

function showResult(result, answer) {
  const status = STATUSES.includes(answer.status) ? answer.status : "revoked";
  const until = () => formatDate(String(answer.valid_until ?? "").slice(0, 10));
  const untilValue = h("dd", { text: until() });
  result.dataset.status = status;
  result.replaceChildren(
    bindText(h("h2", { tabindex: "-1" }), `verify.status.${status}`),
    h("dl", {},
      fact("verify.supplier", answer.supplier_name),
      fact("verify.supplier_id", answer.supplier_id),
      fact("verify.network", answer.network_name),
      h("div", { class: "verify__fact" }, bindText(h("dt"), "verify.valid_until"), untilValue)),
  );
  result.hidden = false;
  return onLanguageChange(() => { untilValue.textContent = until(); });
}

function showMessage(result, key) {
  delete result.dataset.status;
  result.replaceChildren(bindText(h("p"), key));
  result.hidden = false;
}

export function verify(container, app, path, params) {
  const code = cleanCode(params.get("code"));
  const input = h("input", {
    id: "verify-code", name: "code", type: "text", autocomplete: "off", autocapitalize: "characters",
    spellcheck: "false", maxlength: "100", value: params.get("code") ?? "",
  });
  const form = h("form", { class: "form", novalidate: true },
    h("div", { class: "field" }, bindText(h("label", { for: "verify-code" }), "verify.code"), input),
    bindText(h("button", { class: "button button--primary", type: "submit" }), "verify.submit"));
  const result = h("div", { class: "verify__result", role: "status", hidden: true });
  const screen = h("section", { class: "card auth verify", "aria-labelledby": "verify-title", dataset: { screen: "verify" } },
    bindText(h("h1", { id: "verify-title", tabindex: "-1" }), "verify.title"),
    bindText(h("p", { class: "lead" }), "verify.intro"),
    form, result);

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const typed = cleanCode(input.value);
    if (!typed) {
      showMessage(result, "verify.unknown");
      return;
    }
    app.navigate(`/verify?code=${encodeURIComponent(typed)}`);
  });

  let stop = null;
  let stale = false;
  if (code) {
    showMessage(result, "verify.busy");
    api.get(verifyPath(code, language()), { auth: false }).then((answer) => {
      if (!stale) stop = showResult(result, answer);
    }, (error) => {
      if (stale) return;
      const unknown = error instanceof ApiError && (error.status === 404 || error.status === 400);
      showMessage(result, unknown ? "verify.unknown" : "verify.failed");
    });
  } else if (params.has("code")) {
    showMessage(result, "verify.unknown");
  }
  container.replaceChildren(screen);
  return {
    cleanup: () => {
      stale = true;
      stop?.();
    },
    focus: code ? null : input,
  };
}
