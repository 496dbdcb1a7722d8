// The one-click answer page that e-mail links open:
//   #/answer?token=<token>&action=approve|reject|rate[&rating=good|bad]
// Open to everyone, signed in or not: the signed token is the only credential.
// Mail scanners follow every link, so opening the page changes nothing; the
// person's own click sends POST /ticket-answers.
//
// The token is "<base64url JSON payload>.<signature>". The page reads the
// ticket number (n) and the expiry (e, epoch seconds) from the payload only to
// show them; the API checks everything else.

import { api, ApiError } from "../api.js";
import { $, $$, fromTemplate } from "../dom.js";
import { onSubmit } from "../forms.js";
import { bindText, formatDateTime, onLanguageChange } from "../i18n.js";
import { isSignedIn } from "../session.js";

// action -> the parts of the form it keeps and the body it sends
const ACTIONS = {
  approve: {
    parts: ["comment"],
    submit: "answer.approve.submit",
    body: ({ comment }) => ({ answer: "approve", comment }),
  },
  reject: {
    parts: ["reason"],
    submit: "answer.reject.submit",
    body: ({ reason }) => ({ answer: "reject", reason }),
  },
  rate: {
    parts: ["rating", "comment"],
    submit: "answer.rate.submit",
    body: ({ rating, comment }) => ({ answer: "rate", rating: rating ?? null, comment }),
  },
};
const RATINGS = ["good", "bad"];

/** The payload's {number, expires} when the token looks like one of ours, else null. */
export function readToken(token) {
  try {
    const [encoded, signature, ...rest] = String(token ?? "").split(".");
    if (!encoded || !signature || rest.length) return null;
    const base64 = encoded.replace(/-/g, "+").replace(/_/g, "/");
    const binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
    const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
    const payload = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
    const number = payload?.n;
    if (typeof number !== "string" || !number || number.length > 40) return null;
    const expires = Number.isFinite(payload.e) ? new Date(payload.e * 1000) : null;
    return { number, expires: expires && !Number.isNaN(expires.getTime()) ? expires : null };
  } catch {
    return null; // not base64, not UTF-8 or not JSON: a garbled link
  }
}

/** What a refused answer means for the page, or null for errors the form shows itself. */
function outcomeOf(error) {
  if (!(error instanceof ApiError)) return null;
  if (error.status === 410) return "gone";
  if (error.status === 403) return "forbidden";
  // An altered token, or a link whose action was changed by hand.
  if (error.status === 400 && (error.fields.has("token") || error.fields.has("answer"))) return "invalid";
  return null;
}

function portalLink(screen) {
  const links = $("[data-links]", screen);
  bindText($("a", links), isSignedIn() ? "answer.to_portal" : "answer.sign_in");
  $("a", links).href = isSignedIn() ? "#/home" : "#/login";
  links.hidden = false;
}

/** The link itself is unusable: say so in the page's heading, and send nothing. */
function invalidLink(screen) {
  $("[data-ticket]", screen).remove();
  bindText($("[data-title]", screen), "answer.invalid.title");
  bindText($("[data-intro]", screen), "answer.invalid.text");
  $("[data-expiry]", screen).remove();
  $("form", screen).remove();
  portalLink(screen);
}

/**
 * The answer went through ("done") or was refused for good ("gone", "forbidden",
 * "invalid"): the outcome replaces the form and takes the focus.
 */
function showOutcome(screen, action, outcome) {
  const key = outcome === "done" ? `answer.${action}.done` : `answer.${outcome}`;
  $("[data-intro]", screen).hidden = true;
  $("[data-expiry]", screen)?.remove();
  $("form", screen).remove();
  const result = $("[data-result]", screen);
  result.dataset.outcome = outcome;
  bindText($("[data-result-title]", result), `${key}.title`);
  bindText($("[data-result-text]", result), `${key}.text`);
  result.hidden = false;
  portalLink(screen);
  $("[data-result-title]", result).focus();
}

export function answer(container, app, path, params) {
  const screen = fromTemplate("tpl-answer");
  const token = params.get("token") ?? "";
  const action = params.get("action") ?? "";
  const setup = Object.hasOwn(ACTIONS, action) ? ACTIONS[action] : null;
  const link = setup ? readToken(token) : null;
  screen.dataset.action = setup ? action : "invalid";
  if (!link) {
    invalidLink(screen);
    container.replaceChildren(screen);
    return undefined;
  }

  bindText($("[data-ticket]", screen), "answer.ticket", { number: link.number });
  bindText($("[data-title]", screen), `answer.${action}.title`);
  bindText($("[data-intro]", screen), `answer.${action}.intro`);
  const expiry = $("[data-expiry]", screen);
  const showExpiry = () => {
    if (link.expires) bindText(expiry, "answer.expires", { date: formatDateTime(link.expires) });
  };
  if (!link.expires) expiry.remove();
  showExpiry();

  const form = $("form", screen);
  for (const part of $$("[data-part]", form)) {
    if (!setup.parts.includes(part.dataset.part)) part.remove();
  }
  const rating = params.get("rating");
  if (setup.parts.includes("rating") && RATINGS.includes(rating)) {
    form.elements.namedItem("rating").value = rating;
  }
  bindText($('[type="submit"]', form), setup.submit);

  onSubmit(form, async (fields) => {
    try {
      await api.post("/ticket-answers", { token, ...setup.body(fields) }, { auth: false });
    } catch (error) {
      const outcome = outcomeOf(error);
      if (!outcome) throw error; // shown in the form: a field's error next to the field
      showOutcome(screen, action, outcome);
      return;
    }
    showOutcome(screen, action, "done");
  }, { context: "answer" });

  container.replaceChildren(screen);
  const stopLanguage = onLanguageChange(showExpiry); // the date follows the language
  return { cleanup: stopLanguage };
}
