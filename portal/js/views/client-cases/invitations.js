// Invitations (seed 003's "Bjud in dina kunder"): the client organisations not yet
// connected, each with "Invite" (POST /invitations; a 422 names what to fix, and those
// words stand next to that organisation), and the lists of sent and accepted invitations
// (GET /invitations?state=) in two tabs — a sent one can be sent again (a new link, the
// old one dead) or revoked.

import { api, ApiError, idempotencyKey } from "../../api.js";
import { h } from "../../dom.js";
import { errorKey, onBusySubmit } from "../../forms.js";
import { bindText, formatDateTime, translate } from "../../i18n.js";
import { allPages } from "../../reference-data.js";
import { can } from "../../session.js";
import { fill } from "../networks/common.js";
import { apiWords, invitationStateKey, invitationsPath, tabPath } from "./common.js";
import { moreForm, namedButton, pagedList, panelHead, showRefusal, table } from "./parts.js";

const LISTS = ["sent", "accepted"];

function time(iso) {
  return iso ? h("time", { datetime: iso, text: formatDateTime(iso) }) : "–";
}

export function invitationsTab(panel, context) {
  const { user, params } = context;
  const list = LISTS.includes(params.get("state")) ? params.get("state") : "sent";
  const mayInvite = can(user, "client_cases.invite");
  const inviteBox = h("section", { class: "cc-invite", "aria-labelledby": "cc-invite-title" });
  const listAlert = h("div", { class: "form-error", role: "alert" });
  const info = h("p", { class: "muted list-status", role: "status" });
  const subTabs = h("nav", { class: "tabs cc-subtabs", "aria-label": "" });
  subTabs.dataset.i18nAttr = "aria-label:client_cases.invitations.lists_label";
  subTabs.append(...LISTS.map((name) => {
    const link = bindText(h("a", { class: "tabs__tab", href: `#${tabPath("invitations", { state: name })}`,
      id: `cc-invitations-${name}`, dataset: { list: name } }), `client_cases.invitations.list_${name}`);
    if (name === list) link.setAttribute("aria-current", "page");
    return link;
  }));
  const columns = list === "sent"
    ? [["organization", "client_cases.invitations.organization"], ["contact", "client_cases.invitations.contact"],
      ["sent_at", "client_cases.invitations.sent_at"], ["expires_at", "client_cases.invitations.expires_at"],
      ["state", "client_cases.invitations.state"], ["actions", "client_cases.invitations.actions"]]
    : [["organization", "client_cases.invitations.organization"], ["contact", "client_cases.invitations.contact"],
      ["sent_at", "client_cases.invitations.sent_at"], ["accepted_at", "client_cases.invitations.accepted_at"]];
  const rows = table("cc-invitations", `client_cases.invitations.list_${list}`, columns);
  const more = moreForm("cc-invitations-more");
  fill(panel, ...panelHead("client_cases.invitations.title", "client_cases.invitations.intro"),
    mayInvite ? inviteBox : null,
    h("section", { class: "cc-invitation-lists", "aria-labelledby": "cc-lists-title" },
      bindText(h("h3", { id: "cc-lists-title" }), "client_cases.invitations.lists_title"),
      subTabs, listAlert, info, rows.element, more));
  translate(panel);

  const sentOrAccepted = pagedList({ path: `/invitations?state=${list}`, limit: 50, info, alert: listAlert, more,
    context, drawn: () => draw() });
  const loadList = (reset) => sentOrAccepted.load(reset);
  let organizations = [];
  let pending = new Map(); // organisation id -> its live (sent) invitation

  // --- inviting ---------------------------------------------------------------------

  function inviteRow(org) {
    const words = h("div", { class: "cc-invite-words", role: "alert", id: `cc-invite-words-${org.id}` });
    const live = pending.get(org.id);
    const form = live ? null : h("form", { class: "cc-inline-form" },
      namedButton("client_cases.invitations.invite", "client_cases.invitations.invite_named", org.name,
        { type: "submit", class: "button button--primary button--small", dataset: { invite: org.id, busyI18n: "common.sending" },
          "aria-describedby": `cc-invite-words-${org.id}` }));
    if (form) {
      onBusySubmit(form, async () => {
        words.replaceChildren();
        try {
          const sent = await api.post("/invitations", { organization_id: org.id },
            { headers: { "Idempotency-Key": idempotencyKey() } });
          context.say("client_cases.invitations.sent", { name: org.name, email: sent.email ?? "" });
        } catch (error) {
          if (!(error instanceof ApiError)) console.error(error);
          // The API's words name what to fix (no main contact, an invalid address...).
          const said = apiWords(error);
          words.replaceChildren(bindText(h("p"), errorKey(error)),
            said.length ? h("ul", {}, said.map((w) => h("li", { text: w }))) : null);
          if (error instanceof ApiError && error.status === 422) {
            words.append(h("p", {}, bindText(h("a", { href: `#${tabPath("checklist")}` }), "client_cases.invitations.see_checklist")));
          }
          return;
        }
        await Promise.all([loadOrganizations(), loadList(true)]);
        inviteBox.querySelector("#cc-invite-title")?.focus();
      });
    }
    return h("li", { class: "cc-invite-row", dataset: { organization: org.id, name: org.name } },
      h("span", { class: "cc-invite-name" }, h("strong", { text: org.name }),
        org.customer_number ? h("span", { class: "muted", text: ` · ${org.customer_number}` }) : null),
      " ",
      live ? bindText(h("span", { class: "pill pill--small", dataset: { invited: "" } }), "client_cases.invitations.already_sent",
        { date: formatDateTime(live.sent_at) }) : form,
      words);
  }

  function drawInvite() {
    const open = organizations.filter((o) => !o.connected_at && o.active !== false);
    fill(inviteBox,
      bindText(h("h3", { id: "cc-invite-title", tabindex: "-1" }), "client_cases.invitations.invite_title"),
      bindText(h("p", { class: "muted" }), "client_cases.invitations.invite_intro"),
      open.length ? h("ul", { class: "cc-invite-list", id: "cc-invite-list" }, open.map(inviteRow))
        : bindText(h("p", { class: "muted" }), "client_cases.invitations.all_connected"));
    translate(inviteBox);
  }

  async function loadOrganizations() {
    if (!mayInvite) return;
    try {
      const [orgs, live] = await Promise.all([allPages("/organizations", { max: 10 }), allPages("/invitations?state=sent", { max: 10 })]);
      if (!context.alive()) return;
      organizations = [...orgs].sort((a, b) => String(a.name).localeCompare(String(b.name)));
      pending = new Map(live.map((i) => [i.organization_id, i]));
      drawInvite();
    } catch (error) {
      if (!context.alive()) return;
      fill(inviteBox, bindText(h("h3", { id: "cc-invite-title", tabindex: "-1" }), "client_cases.invitations.invite_title"),
        h("div", { class: "form-error", role: "alert" }));
      showRefusal(inviteBox.querySelector(".form-error"), error, context.moduleState());
    }
  }

  // --- the lists --------------------------------------------------------------------

  function actions(invitation) {
    const error = h("div", { class: "field__error", role: "alert" });
    const act = (key, namedKey, action, doneKey, id) => {
      const form = h("form", { class: "cc-inline-form" },
        namedButton(key, namedKey, invitation.organization_name ?? "",
          { type: "submit", id, dataset: { [action]: invitation.id, busyI18n: "common.sending" } }));
      onBusySubmit(form, async () => {
        error.replaceChildren();
        let changed;
        try {
          changed = await api.post(invitationsPath(invitation.id, action), {},
            { headers: { "Idempotency-Key": idempotencyKey() } });
        } catch (failure) {
          const said = apiWords(failure);
          error.replaceChildren(bindText(h("span"), errorKey(failure)), said.length ? ` ${said.join(" ")}` : "");
          return;
        }
        context.say(doneKey, { name: invitation.organization_name ?? "", email: changed?.email ?? invitation.email ?? "" });
        await Promise.all([loadList(true), loadOrganizations()]);
        panel.querySelector("#cc-lists-title")?.setAttribute("tabindex", "-1");
        panel.querySelector("#cc-lists-title")?.focus();
      });
      return form;
    };
    return h("div", { class: "cc-actions" },
      act("client_cases.invitations.resend", "client_cases.invitations.resend_named", "resend",
        "client_cases.invitations.resent", `cc-resend-${invitation.id}`),
      " ",
      act("client_cases.invitations.revoke", "client_cases.invitations.revoke_named", "revoke",
        "client_cases.invitations.revoked", `cc-revoke-${invitation.id}`),
      error);
  }

  function row(invitation) {
    const contact = h("div", {}, h("span", { text: invitation.contact_name ?? "" }),
      invitation.email ? h("p", { class: "muted", text: invitation.email }) : null);
    const cells = [
      ["organization", h("strong", { text: invitation.organization_name ?? invitation.organization_id })],
      ["contact", contact],
      ["sent_at", h("span", {}, time(invitation.sent_at),
        invitation.resent_count ? [" ", bindText(h("span", { class: "muted" }), "client_cases.invitations.resent_count",
          { count: Number(invitation.resent_count) })] : null)],
    ];
    if (list === "sent") {
      cells.push(["expires_at", time(invitation.expires_at)],
        ["state", bindText(h("span", { class: `pill pill--small cc-inv cc-inv--${invitation.state}` }), invitationStateKey(invitation.state))],
        ["actions", invitation.state === "sent" ? actions(invitation) : ""]);
    } else {
      cells.push(["accepted_at", time(invitation.accepted_at)]);
    }
    return rows.row({ dataset: { invitation: invitation.id, organization: invitation.organization_id } }, cells);
  }

  function draw() {
    const invitations = sentOrAccepted.items;
    rows.body.replaceChildren(...invitations.map(row));
    translate(rows.body);
    rows.label();
    bindText(info, invitations.length ? "client_cases.invitations.count" : `client_cases.invitations.none_${list}`,
      { count: invitations.length });
  }

  loadOrganizations();
  loadList(true);
  return {
    refresh: () => {
      if (sentOrAccepted.last) draw();
      if (organizations.length) drawInvite();
    },
  };
}
