// The checklist before activation (seed 003's "Checklista innan du aktiverar"): per client
// organisation its main contact, that contact's e-mail and the organisation's address,
// each marked OK or missing with what to fix; the count of active clients the price is
// based on (private persons excluded); clients that look inactive, which an admin
// deactivates here (PATCH /organizations/{id} with If-Match) — and reactivates below.

import { api, ApiError } from "../../api.js";
import { h } from "../../dom.js";
import { errorKey, onBusySubmit } from "../../forms.js";
import { bindText, formatDate, formatNumber, translate } from "../../i18n.js";
import { allPages } from "../../reference-data.js";
import { can } from "../../session.js";
import { customerPath } from "../contact-orders/common.js";
import { facts, fill, money } from "../networks/common.js";
import { ifMatch, invitationStateKey, readinessChecks } from "./common.js";
import { checkMark, moreForm, namedButton, pagedList, panelHead, table } from "./parts.js";

const COLUMNS = [
  ["client", "client_cases.checklist.client"],
  ["main_contact", "client_cases.checklist.main_contact"],
  ["email", "client_cases.checklist.email"],
  ["address", "client_cases.checklist.address"],
  ["ready", "client_cases.checklist.ready"],
  ["activity", "client_cases.checklist.activity"],
];

function checkCell(check, item) {
  return h("div", { class: "cc-check-cell", dataset: { check: check.id } },
    checkMark(check.ok),
    check.fix ? h("p", { class: "cc-fix" }, bindText(h("span"), check.fix), " ",
      bindText(h("a", { href: `#${customerPath(item.id)}` }), "client_cases.checklist.open_customer")) : null);
}

export function checklistTab(panel, context) {
  const { user } = context;
  const mayEdit = can(user, "organizations.edit");
  const summary = h("div", { class: "cc-summary", id: "cc-readiness-summary" });
  const alert = h("div", { class: "form-error", role: "alert" });
  const info = h("p", { class: "muted list-status", role: "status" });
  const rows = table("cc-readiness", "client_cases.checklist.title", COLUMNS);
  const more = moreForm("cc-readiness-more");
  const inactiveBox = h("section", { class: "cc-inactive", "aria-labelledby": "cc-inactive-title" });
  fill(panel, ...panelHead("client_cases.checklist.title", "client_cases.checklist.intro"),
    summary, alert, info, rows.element, more, inactiveBox);

  const readiness = pagedList({ path: "/client-cases/readiness", limit: 100, info, alert, more, context,
    drawn: () => draw() });
  const load = (reset) => readiness.load(reset);

  function drawSummary() {
    const answer = readiness.last;
    if (!answer) return;
    fill(summary, facts([
      ["client_cases.checklist.active_clients", formatNumber(Number(answer.active_clients ?? 0)), "active_clients"],
      ["client_cases.checklist.private_persons", formatNumber(Number(answer.private_persons ?? 0)), "private_persons"],
      ["client_cases.price_per_client", money(answer.price_per_client ?? 0, answer.currency), "price_per_client"],
      ["client_cases.monthly_price", money(answer.monthly_price ?? 0, answer.currency), "monthly_price"],
      ["client_cases.checklist.inactive_candidates", formatNumber(Number(answer.inactive_candidates ?? 0)), "inactive_candidates"],
    ], "cc-facts"),
    bindText(h("p", { class: "muted" }), "client_cases.checklist.price_note"));
  }

  function activityCell(item) {
    const cell = h("div", { class: "cc-activity" },
      item.last_activity_at
        ? bindText(h("span"), "client_cases.checklist.last_activity", { date: formatDate(item.last_activity_at.slice(0, 10)) })
        : bindText(h("span", { class: "muted" }), "client_cases.checklist.no_activity"));
    if (!item.looks_inactive) return cell;
    cell.append(" ", bindText(h("strong", { class: "cc-inactive-flag", dataset: { looksInactive: "" } }),
      "client_cases.checklist.looks_inactive"));
    if (!mayEdit) return cell;
    const error = h("p", { class: "field__error", role: "alert" });
    const confirm = h("form", { class: "cc-confirm", hidden: true },
      bindText(h("p"), "client_cases.checklist.deactivate_confirm", { name: item.name }),
      bindText(h("button", { class: "button button--primary button--small", type: "submit",
        id: `cc-deactivate-confirm-${item.id}`, dataset: { busyI18n: "common.saving" } }), "client_cases.checklist.deactivate_yes"),
      " ",
      bindText(h("button", { class: "button button--secondary button--small", type: "button",
        on: { click: () => {
          confirm.hidden = true;
          ask.setAttribute("aria-expanded", "false");
          ask.focus();
        } } }), "client_cases.cancel"));
    const ask = namedButton("client_cases.checklist.deactivate", "client_cases.checklist.deactivate_named", item.name,
      { dataset: { deactivate: item.id }, "aria-expanded": "false" });
    ask.addEventListener("click", () => {
      confirm.hidden = false;
      ask.setAttribute("aria-expanded", "true");
      confirm.querySelector("[type=submit]").focus();
    });
    onBusySubmit(confirm, async () => {
      error.replaceChildren();
      try {
        await api.patch(`/organizations/${encodeURIComponent(item.id)}`, { active: false }, { headers: ifMatch(item.version) });
      } catch (failure) {
        if (!(failure instanceof ApiError)) console.error(failure);
        error.replaceChildren(bindText(h("span"), errorKey(failure, { 412: "errors.conflict" })));
        return;
      }
      context.say("client_cases.checklist.deactivated", { name: item.name });
      await load(true);
      await loadInactive();
      panel.querySelector("#cc-panel-title")?.focus();
    });
    cell.append(" ", ask, confirm, error);
    return cell;
  }

  function row(item) {
    const [main, email, address] = readinessChecks(item);
    const privatePerson = item.kind === "private_person";
    const client = h("div", {},
      h("strong", { text: item.name }),
      item.customer_number ? h("span", { class: "muted", text: ` · ${item.customer_number}` }) : null,
      privatePerson ? [" ", bindText(h("span", { class: "tag", dataset: { privatePerson: "" } }), "client_cases.checklist.private_person")] : null,
      item.connected_at ? [" ", bindText(h("span", { class: "pill pill--small cc-connected" }), "client_cases.connected")]
        : item.invitation ? [" ", bindText(h("span", { class: `pill pill--small cc-inv cc-inv--${item.invitation.state}`,
          dataset: { invitationState: item.invitation.state } }), invitationStateKey(item.invitation.state))] : null);
    const contact = h("div", {}, checkCell(main, item),
      item.main_contact ? h("p", { class: "muted", text: item.main_contact.name }) : null);
    const mail = h("div", {}, checkCell(email, item),
      item.main_contact?.email ? h("p", { class: "muted cc-email", text: item.main_contact.email }) : null);
    const ready = h("div", {}, checkMark(Boolean(item.ready),
      ["client_cases.checklist.ready_yes", "client_cases.checklist.ready_no"]));
    return rows.row({ class: `cc-row${item.ready ? " cc-row--ready" : ""}`, dataset: { organization: item.id, name: item.name } }, [
      ["client", client], ["main_contact", contact], ["email", mail], ["address", checkCell(address, item)],
      ["ready", ready], ["activity", activityCell(item)],
    ]);
  }

  function draw() {
    const { items } = readiness;
    rows.body.replaceChildren(...items.map(row));
    translate(rows.body);
    rows.label();
    const notReady = items.filter((i) => !i.ready).length;
    bindText(info, items.length ? "client_cases.checklist.count" : "client_cases.checklist.none",
      { count: items.length, missing: notReady });
    drawSummary();
  }

  // Clients deactivated earlier: out of the count and the lists, back in with one click.
  async function loadInactive() {
    if (!mayEdit) return;
    let all;
    try {
      all = await allPages("/organizations?include_inactive=true", { max: 10 });
    } catch {
      return; // the checklist stands without this list
    }
    if (!context.alive()) return;
    const inactive = all.filter((o) => o.active === false);
    fill(inactiveBox,
      bindText(h("h3", { id: "cc-inactive-title", tabindex: "-1" }), "client_cases.checklist.inactive_title"),
      inactive.length ? h("ul", { class: "cc-inactive-list", id: "cc-inactive-list" }, inactive.map((org) => {
        const error = h("span", { class: "field__error", role: "alert" });
        const form = h("form", { class: "cc-inline-form" },
          namedButton("client_cases.checklist.reactivate", "client_cases.checklist.reactivate_named", org.name,
            { type: "submit", dataset: { reactivate: org.id, busyI18n: "common.saving" } }));
        onBusySubmit(form, async () => {
          error.replaceChildren();
          try {
            await api.patch(`/organizations/${encodeURIComponent(org.id)}`, { active: true }, { headers: ifMatch(org.version) });
          } catch (failure) {
            error.replaceChildren(bindText(h("span"), errorKey(failure, { 412: "errors.conflict" })));
            return;
          }
          context.say("client_cases.checklist.reactivated", { name: org.name });
          await load(true);
          await loadInactive();
          inactiveBox.querySelector("#cc-inactive-title")?.focus();
        });
        return h("li", { dataset: { organization: org.id } }, h("span", { text: org.name }),
          org.deactivated_at ? " " : null,
          org.deactivated_at ? bindText(h("span", { class: "muted" }), "client_cases.checklist.deactivated_on",
            { date: formatDate(String(org.deactivated_at).slice(0, 10)) }) : null,
          " ", form, " ", error);
      })) : bindText(h("p", { class: "muted" }), "client_cases.checklist.no_inactive"));
    translate(inactiveBox);
  }

  load(true);
  loadInactive();
  return { refresh: () => { if (readiness.last) draw(); } };
}
