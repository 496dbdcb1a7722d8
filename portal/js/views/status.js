// The public status page, and where the status e-mails' links lead:
//   #/status?tenant=<tenant>[&confirm=<token> | &unsubscribe=<token>]
// Open to everyone, signed in or not: GET /status/{tenant} needs no token. The
// components with their state, the incidents of the last 90 days with their
// updates, and a form to be e-mailed of incidents (double opt-in). A link from
// a mail only fills in the page: the reader's own click sends the POST that
// confirms or unsubscribes, because mail scanners follow every link.

import { api, ApiError } from "../api.js";
import { h } from "../dom.js";
import { bindText, formatDateTime, language, onLanguageChange } from "../i18n.js";

export const STATES = ["operational", "degraded", "outage"];
const REFRESH_MS = 60_000;

/** The tenant named in the address, or null when it cannot be one. */
export function cleanTenant(text) {
  const tenant = String(text ?? "").trim();
  return /^[a-z0-9][a-z0-9-]{1,62}$/.test(tenant) ? tenant : null;
}

/** The API path of the tenant's page, names in `lang`. */
export function statusPath(tenant, lang) {
  return `/status/${encodeURIComponent(tenant)}?lang=${encodeURIComponent(lang)}`;
}

/** A state the page knows; anything else is shown as the worst, never as "operational". */
export function stateOf(value) {
  return STATES.includes(value) ? value : "outage";
}

/** What a mailed link asks: {action: "confirm" | "unsubscribe", token}, or null. */
export function linkAction(params) {
  for (const action of ["confirm", "unsubscribe"]) {
    const token = params.get(action);
    if (token) return { action, token };
  }
  return null;
}

function stateBadge(state) {
  const known = stateOf(state);
  return bindText(h("span", { class: "status__state", dataset: { state: known } }), `status.state.${known}`);
}

function times(list) {
  // Times follow the language; each element keeps its ISO moment to format again.
  for (const el of list) el.textContent = formatDateTime(el.dataset.at);
}

function timeOf(at, stamps) {
  const el = h("time", { datetime: at, dataset: { at } });
  stamps.push(el);
  return el;
}

function incidentCard(incident, stamps) {
  const updates = h("ol", { class: "status__updates" },
    ...incident.updates.map((u) => h("li", {},
      timeOf(u.at, stamps), " ", h("span", { text: u.message }))));
  const names = incident.components.map((c) => c.name).join(", ");
  return h("article", { class: "status__incident", dataset: { status: incident.status } },
    h("h3", { text: incident.title }),
    h("p", {},
      bindText(h("span"), `status.incident.${incident.status === "resolved" ? "resolved" : "open"}`), " ",
      bindText(h("span"), `status.impact.${incident.impact === "outage" ? "outage" : "degraded"}`),
      names ? h("span", { text: ` · ${names}` }) : null),
    updates);
}

function showPage(body, page) {
  const stamps = [];
  const incidents = page.incidents.length
    ? page.incidents.map((i) => incidentCard(i, stamps))
    : [bindText(h("p"), "status.no_incidents")];
  body.replaceChildren(
    h("p", { class: "status__overall", dataset: { state: stateOf(page.state) } },
      bindText(h("strong"), `status.overall.${stateOf(page.state)}`)),
    h("ul", { class: "status__components" },
      ...page.components.map((c) => h("li", {}, h("span", { text: c.name }), " ", stateBadge(c.state)))),
    bindText(h("h2"), "status.incidents"),
    ...incidents);
  times(stamps);
  return onLanguageChange(() => times(stamps));
}

function message(el, key) {
  el.replaceChildren(bindText(h("p"), key));
  el.hidden = false;
}

function subscribeForm(tenant) {
  const input = h("input", { id: "status-email", name: "email", type: "email", autocomplete: "email", maxlength: "254" });
  const result = h("div", { role: "status", hidden: true });
  const form = h("form", { class: "form", novalidate: true },
    bindText(h("h2"), "status.subscribe.title"),
    h("div", { class: "field" }, bindText(h("label", { for: "status-email" }), "status.subscribe.email"), input),
    bindText(h("button", { class: "button button--primary", type: "submit" }), "status.subscribe.submit"),
    result);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api.post(`/status/${encodeURIComponent(tenant)}/subscriptions`,
        { email: input.value.trim(), language: language() }, { auth: false });
      message(result, "status.subscribe.sent"); // the same for every address
    } catch (error) {
      const limited = error instanceof ApiError && error.status === 429;
      const invalid = error instanceof ApiError && error.status === 400;
      message(result, limited ? "status.subscribe.limited" : invalid ? "status.subscribe.invalid" : "status.failed");
    }
  });
  return form;
}

function linkCard(tenant, { action, token }) {
  const result = h("div", { role: "status", hidden: true });
  const button = bindText(h("button", { class: "button button--primary", type: "button" }), `status.${action}.submit`);
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await api.post(`/status/${encodeURIComponent(tenant)}/subscriptions/${action}`, { token }, { auth: false });
      message(result, `status.${action}.done`);
      button.remove();
    } catch (error) {
      const gone = error instanceof ApiError && error.status === 410;
      const invalid = error instanceof ApiError && error.status === 400;
      message(result, gone ? "status.link_gone" : invalid ? "status.link_invalid" : "status.failed");
      button.disabled = gone || invalid;
    }
  });
  return h("div", { class: "status__link" }, bindText(h("p"), `status.${action}.intro`), button, result);
}

export function status(container, app, path, params) {
  const tenant = cleanTenant(params.get("tenant"));
  const body = h("div", { class: "status__body", "aria-live": "polite" });
  const screen = h("section", { class: "card status", "aria-labelledby": "status-title", dataset: { screen: "status" } },
    bindText(h("h1", { id: "status-title", tabindex: "-1" }), "status.title"));
  container.replaceChildren(screen);
  if (!tenant) {
    message(body, "status.unknown");
    screen.append(body);
    return undefined;
  }
  const link = linkAction(params);
  if (link) screen.append(linkCard(tenant, link));
  screen.append(body, subscribeForm(tenant));
  message(body, "status.busy");

  let stop = null;
  let stale = false;
  const load = () => {
    api.get(statusPath(tenant, language()), { auth: false }).then((page) => {
      if (stale) return;
      stop?.();
      stop = showPage(body, page);
    }, (error) => {
      if (stale) return;
      const unknown = error instanceof ApiError && error.status === 404;
      message(body, unknown ? "status.unknown" : "status.failed");
    });
  };
  load();
  const stopLanguage = onLanguageChange(load); // names and titles come in the reader's language
  // Seed 000's "uppdateringar i realtid": an open page reads the state again every minute.
  const timer = setInterval(load, REFRESH_MS);
  return {
    cleanup: () => {
      stale = true;
      clearInterval(timer);
      stop?.();
      stopLanguage();
    },
  };
}
