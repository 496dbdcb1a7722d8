// One ticket (#/tickets/<id>): the address every notification e-mail links to,
// for staff and customer contacts alike.
//
// Everyone sees the ticket's facts, its description and fields, the thread
// (comments and the history's events, oldest first; the API leaves out what is
// internal for contacts) and the files, and may comment where allowed.
// Contacts answer a resolved ticket here: "Tested OK" or "Not OK" with a reason —
// the same question, texts and outcome as the one-click page of the e-mail
// (views/answer.js). Staff comment publicly or internally, assign, re-type,
// change the status and resolve; changes carry If-Match with the version read.
//
// This module loads the ticket and holds what was read (`state`); the parts in
// views/ticket/ draw it and send the changes: summary.js (head, description, facts),
// thread.js, files.js, approval.js, comment-form.js and staff-actions.js, with the
// decisions they share in rules.js.

import { api } from "../api.js";
import { $, fromTemplate, h } from "../dom.js";
import { errorKey } from "../forms.js";
import { bindText, onLanguageChange, t } from "../i18n.js";
import { activeUsers, allPages, byId, organizations, staffUsers, tenantSettings, ticketTypes } from "../reference-data.js";
import { currentUser, isStaff } from "../session.js";
import { refreshTimes, ticketPath } from "../ticket-format.js";
import { approvalSection } from "./ticket/approval.js";
import { commentArea } from "./ticket/comment-form.js";
import { downloadControls, renderFiles } from "./ticket/files.js";
import { backOf, doneSection, markMenu, outboundFacts } from "./ticket/outbound.js";
import { mayAnswer, mayComment } from "./ticket/rules.js";
import { staffActions } from "./ticket/staff-actions.js";
import { renderDescription, renderFacts, renderHead } from "./ticket/summary.js";
import { renderThread } from "./ticket/thread.js";

/** The ticket and its comments, events and files, read together. */
async function fetchTicket(id) {
  const base = ticketPath(id);
  const [ticket, comments, events, files] = await Promise.all([
    api.get(base), allPages(`${base}/comments`), allPages(`${base}/events`), allPages(`${base}/attachments`),
  ]);
  return { ticket, comments, events, files };
}

export default function ticketView(container, app, path, params, args) {
  const user = currentUser();
  const staff = isStaff(user);
  const id = args.id;
  const screen = fromTemplate("tpl-ticket");
  const body = $("[data-body]", screen);
  const status = $("[data-load-status]", screen);
  const failure = $("[data-load-error]", screen);
  const notice = $("[data-notice]", screen);
  const back = $("[data-back]", screen);
  back.href = staff ? "#/tickets" : "#/my-tickets";
  bindText(back, staff ? "tickets.back_to_queue" : "tickets.back_to_mine");
  if (app.state.notice) bindText(notice, app.state.notice);
  app.state.notice = null;

  // What was read, and what the API said about this user's comments.
  const state = {
    ticket: null, comments: [], events: [], files: [], lists: null, settings: null,
    orgVisibility: null, commentRefused: null, alive: true,
  };
  const access = () => ({ user, staff, ticket: state.ticket, orgVisibility: state.orgVisibility,
    commentRefused: state.commentRefused });

  async function reload() {
    Object.assign(state, await fetchTicket(id));
    if (state.alive) render();
  }
  const ticketChanged = (ticket) => {
    state.ticket = ticket;
  };

  const download = downloadControls(id);
  const approval = approvalSection(screen, { ticketId: id, ticketChanged, reload });
  // A case from the firm (issue 19): its recipients mark it done.
  const done = doneSection(screen, { ticketId: id, ticketChanged, reload,
    done: () => bindText(notice, "client_cases.case.marked_done") });
  const comments = commentArea(screen, {
    ticketId: id, user, staff, reload,
    refused: (message) => {
      state.commentRefused = message;
      renderComments();
    },
  });
  let actions = null; // built on the first render, for staff

  function renderComments() {
    comments.render({ ticket: state.ticket, mayComment: mayComment(access()), commentRefused: state.commentRefused });
  }

  /** The parts that show what was read (also after a language change). */
  function renderReadOnly() {
    const { ticket, lists, settings, files } = state;
    renderHead(screen, body, { ticket, lists });
    renderDescription(body, { ticket, lists });
    renderFacts(body, { ticket, lists, settings, user, staff });
    $("[data-facts]", body).append(...outboundFacts(ticket));
    const listed = backOf(ticket, staff);
    if (listed) {
      back.href = listed.href;
      bindText(back, listed.key);
    }
    renderThread($("#ticket-thread", body), { ...state, user, download });
    renderFiles($("[data-files]", body), files, download);
  }

  function render() {
    renderReadOnly();
    approval.render(state.ticket, mayAnswer(access()));
    done.render(state.ticket);
    renderComments();
    if (staff) {
      actions ??= staffActions(screen, { ticketId: id, user, currentTicket: () => state.ticket, ticketChanged, reload });
      actions.fill(state);
    }
    body.hidden = false;
  }

  status.replaceChildren(h("span", { class: "spinner", "aria-hidden": "true" }), " ", bindText(h("span"), "common.loading"));
  container.replaceChildren(screen);

  Promise.all([ticketTypes(), staff ? staffUsers() : [], organizations(), tenantSettings(), fetchTicket(id),
    staff ? activeUsers() : []])
    .then(([types, staffList, orgs, settings, read, users]) => {
      Object.assign(state, read);
      if (!state.alive) return;
      state.lists = { types: byId(types), staff: byId(staffList), organizations: byId(orgs), users: byId(users) };
      state.settings = settings;
      if (!staff) state.orgVisibility = orgs.find((o) => o.id === user.organization_id)?.ticket_visibility ?? null;
      status.replaceChildren();
      render();
      markMenu(state.ticket, staff);
      document.title = `${state.ticket.number} – ${t("app.name")}`;
      // The heading was hidden while loading: keyboard users land on it now.
      if (!document.activeElement || document.activeElement === document.body || container.contains(document.activeElement)
          || document.activeElement.closest?.(".mainnav, .brand")) {
        $("#ticket-title", screen).focus();
      }
    })
    .catch((error) => {
      if (!state.alive) return;
      status.replaceChildren();
      failure.replaceChildren(bindText(h("p"), errorKey(error, { 404: "ticket.not_found" })));
    });

  const stopLanguage = onLanguageChange(() => {
    if (!state.ticket || !state.lists) return;
    renderReadOnly();
    actions?.fill(state);
    refreshTimes(screen);
    document.title = `${state.ticket.number} – ${t("app.name")}`;
  });

  return {
    cleanup: () => {
      state.alive = false;
      stopLanguage();
    },
  };
}
