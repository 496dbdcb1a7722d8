// Activation (seed 003's "Köp och aktivera funktionen"): the price basis — the active
// clients, private persons excluded, times the price per client — and, for an
// administrator who also holds settings.manage, the button that buys and activates
// (POST /client-cases/activate, which records that basis). Everyone else sees who can.

import { api } from "../../api.js";
import { h } from "../../dom.js";
import { FormError, onSubmit } from "../../forms.js";
import { bindText, formatDateTime, formatNumber, translate } from "../../i18n.js";
import { activeUsers } from "../../reference-data.js";
import { can } from "../../session.js";
import { facts, fill, money } from "../networks/common.js";
import { canActivate, managesSettings, tabPath } from "./common.js";
import { panelHead, showRefusal } from "./parts.js";

/** The price basis as facts: clients counted, price per client, the month's price. */
function basisFacts(basis) {
  return facts([
    ["client_cases.activation.clients", formatNumber(Number(basis.active_clients ?? 0)), "active_clients"],
    basis.private_persons !== undefined
      ? ["client_cases.checklist.private_persons", formatNumber(Number(basis.private_persons)), "private_persons"] : null,
    ["client_cases.price_per_client", money(basis.price_per_client ?? 0, basis.currency), "price_per_client"],
    ["client_cases.monthly_price", money(basis.monthly_price ?? 0, basis.currency), "monthly_price"],
  ], "cc-facts");
}

export function activationTab(panel, context) {
  const { user } = context;
  const body = h("div", { class: "cc-activation", id: "cc-activation" });
  const alert = h("div", { class: "form-error", role: "alert" });
  fill(panel, ...panelHead("client_cases.activation.title", "client_cases.activation.intro"), alert, body);
  let basis = null;
  let admins = null;
  let names = new Map(); // user id -> name, for "activated by"
  let loaded = false;

  function activeView(state) {
    fill(body,
      bindText(h("p", { class: "notice cc-active-notice", id: "cc-activated" }), "client_cases.activation.done", {
        date: state.activated_at ? formatDateTime(state.activated_at) : "–",
        who: state.activated_by_name ?? names.get(state.activated_by) ?? "–",
      }),
      bindText(h("h3"), "client_cases.activation.recorded_basis"),
      basisFacts(state),
      bindText(h("p", { class: "muted" }), "client_cases.activation.arrears"),
      h("p", {}, bindText(h("a", { class: "button button--primary", href: `#${tabPath("invitations")}` }),
        "client_cases.activation.next_invite")));
  }

  function whoCan() {
    const box = h("div", { class: "cc-who", id: "cc-who-activates" },
      bindText(h("p"), "client_cases.activation.who"));
    if (admins?.length) {
      box.append(bindText(h("p"), "client_cases.activation.admins"),
        h("ul", {}, admins.map((admin) => h("li", { text: `${admin.name} (${admin.email})` }))));
    }
    return box;
  }

  function inactiveView() {
    const parts = [];
    if (basis) {
      parts.push(bindText(h("h3"), "client_cases.activation.basis"), basisFacts(basis),
        bindText(h("p", { class: "muted" }), "client_cases.activation.arrears"));
    }
    parts.push(h("p", {}, bindText(h("a", { href: `#${tabPath("checklist")}` }), "client_cases.activation.checklist_first")));
    if (canActivate(user)) {
      const form = h("form", { class: "form cc-activate", id: "cc-activate-form", novalidate: true },
        h("div", { class: "form-error", role: "alert", dataset: { formError: "" } }),
        h("div", { class: "field" },
          h("label", { class: "check", for: "cc-activate-accept" },
            h("input", { type: "checkbox", id: "cc-activate-accept", name: "accept", "aria-describedby": "cc-activate-accept-error" }),
            " ", bindText(h("span"), "client_cases.activation.accept", basis ? {
              count: Number(basis.active_clients ?? 0), price: money(basis.monthly_price ?? 0, basis.currency) } : { count: 0, price: "–" })),
          h("p", { class: "field__error", id: "cc-activate-accept-error", dataset: { fieldError: "accept" } })),
        h("div", {}, bindText(h("button", { class: "button button--primary", type: "submit", id: "cc-activate-submit",
          dataset: { busyI18n: "common.saving" } }), "client_cases.activation.submit")));
      onSubmit(form, async (values) => {
        if (!values.accept) throw new FormError({ accept: "client_cases.activation.errors.accept" });
        const state = await api.post("/client-cases/activate", {});
        context.moduleChanged({ ...context.moduleState(), ...state });
        context.say("client_cases.activation.activated");
        activeView({ ...context.moduleState(), ...state });
        translate(body);
        body.querySelector("#cc-activated")?.setAttribute("tabindex", "-1");
        body.querySelector("#cc-activated")?.focus();
      });
      parts.push(form);
    } else {
      parts.push(whoCan());
    }
    fill(body, ...parts);
    translate(body);
  }

  function draw() {
    const state = context.moduleState();
    if (state?.active) activeView(state);
    else inactiveView();
    translate(body);
  }

  (async () => {
    const state = context.moduleState();
    if (state?.active && state.activated_by && can(user, "users.view")) {
      try {
        names = new Map((await activeUsers()).map((u) => [u.id, u.name]));
      } catch {
        names = new Map(); // the sentence says when, without whom
      }
    }
    if (!state?.active) {
      // The price basis before buying: the checklist's figures where this user may read them.
      try {
        if (can(user, "client_cases.manage") || managesSettings(user)) {
          basis = await api.get("/client-cases/readiness?limit=1");
        } else if (state) {
          basis = state;
        }
      } catch (error) {
        basis = state;
        if (!context.alive()) return;
        showRefusal(alert, error, state);
      }
      if (!canActivate(user)) {
        try {
          admins = (await activeUsers()).filter((u) => u.kind === "staff" && (u.roles ?? []).includes("admin"));
        } catch {
          admins = null; // the sentence says who without the names
        }
      }
    }
    loaded = true;
    if (context.alive()) draw();
  })();
  return { refresh: () => { if (loaded) draw(); } };
}
