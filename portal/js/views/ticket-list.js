// Ticket lists: the staff queue (#/tickets, module "tickets") and a contact's own
// list (#/my-tickets, module "my_tickets"). Both read GET /tickets, newest activity
// first, a page at a time with the API's cursor ("Show more").
//
// Staff filter by status, type, assignee (me / nobody / anyone) and organisation,
// or search; the filters live in the address (#/tickets?status=open&assignee=me) so
// a reload or the back button keeps them. Contacts switch between active and closed
// tickets; the API already limits them to what their organisation lets them see.

import { api } from "../api.js";
import { $, fromTemplate, h } from "../dom.js";
import { errorKey, onBusySubmit } from "../forms.js";
import { bindText, localized, onLanguageChange } from "../i18n.js";
import { byId, organizations, staffUsers, tenantSettings, ticketTypes } from "../reference-data.js";
import { can, currentUser } from "../session.js";
import {
  STATUSES, nextDue, refreshTimes, slaBadge, statusPill, ticketPath, timeEl, typeName,
} from "../ticket-format.js";

const PAGE_SIZE = 25;
const STAFF_FILTERS = ["status", "type", "assignee", "organization_id", "q"];

/** The staff queue's filters from the address; status defaults to every active ticket. */
export function staffFilters(params) {
  const filters = { status: "active", type: "", assignee: "", organization_id: "", q: "" };
  for (const name of STAFF_FILTERS) {
    if (params.has(name)) filters[name] = params.get(name).slice(0, 100);
  }
  if (filters.status !== "all" && filters.status !== "active" && !STATUSES.includes(filters.status)) {
    filters.status = "active";
  }
  return filters;
}

/** GET /tickets's query for the filters: empty ones and status "all" are left out. */
export function apiQuery(filters) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) {
    if (!value || (name === "status" && value === "all")) continue;
    query.set(name, value);
  }
  return query;
}

function labelled(id, key, control) {
  return h("div", { class: "field filters__field" }, bindText(h("label", { for: id }), key), control);
}

function option(value, text, selected) {
  return h("option", { value, selected: value === selected }, text);
}

/** The staff filter form; calls `apply(filters)` when one changes. */
function staffFilterForm(form, current, lists, apply) {
  function build() {
    const filters = current();
    const status = h("select", { id: "filter-status", name: "status" },
      bindText(option("active", "", filters.status), "tickets.filters.active"),
      bindText(option("all", "", filters.status), "tickets.filters.all"),
      STATUSES.map((s) => bindText(option(s, "", filters.status), `ticket_status.${s}`)));
    const type = h("select", { id: "filter-type", name: "type" },
      bindText(option("", "", filters.type), "tickets.filters.any_type"),
      lists.types.map((tt) => option(tt.id, localized(tt.name), filters.type)));
    const assignee = h("select", { id: "filter-assignee", name: "assignee" },
      bindText(option("", "", filters.assignee), "tickets.filters.anyone"),
      bindText(option("me", "", filters.assignee), "tickets.filters.me"),
      bindText(option("none", "", filters.assignee), "tickets.filters.nobody"),
      lists.staff.filter((u) => u.id !== currentUser()?.id)
        .map((u) => option(u.id, u.name, filters.assignee)));
    const organization = h("select", { id: "filter-organization", name: "organization_id" },
      bindText(option("", "", filters.organization_id), "tickets.filters.any_organization"),
      lists.organizations.map((o) => option(o.id, o.name, filters.organization_id)));
    const q = h("input", { id: "filter-q", name: "q", type: "search", value: filters.q,
      maxlength: "100", autocomplete: "off", "aria-describedby": "filter-q-hint" });
    form.replaceChildren(
      labelled("filter-status", "tickets.filters.status", status),
      labelled("filter-type", "tickets.filters.type", type),
      labelled("filter-assignee", "tickets.filters.assignee", assignee),
      labelled("filter-organization", "tickets.filters.organization", organization),
      h("div", { class: "field filters__field filters__search" },
        bindText(h("label", { for: "filter-q" }), "tickets.filters.search"),
        h("div", { class: "filters__row" }, q,
          bindText(h("button", { class: "button button--secondary", type: "submit", id: "filter-submit" }),
            "tickets.filters.submit")),
        bindText(h("p", { class: "field__hint", id: "filter-q-hint" }), "tickets.filters.search_hint")));
  }
  const read = () => Object.fromEntries(STAFF_FILTERS.map((name) => [name, form.elements[name].value.trim()]));
  form.addEventListener("change", (event) => {
    if (event.target.tagName === "SELECT") apply(read());
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    apply(read());
  });
  build();
  return { rebuild: build };
}

/** One ticket in a list: its number and subject link to it; the rest is plain text. */
function ticketRow(ticket, context) {
  const { staff, user, lists, warnMinutes } = context;
  const link = h("a", { class: "ticket-row__link", href: `#${ticketPath(ticket.id)}` },
    h("span", { class: "ticket-row__number", text: ticket.number }), " ",
    h("span", { class: "ticket-row__subject", text: ticket.subject }));
  const meta = h("p", { class: "ticket-row__meta" }, statusPill(ticket.status), " ",
    h("span", { class: "meta", dataset: { meta: "type" } },
      bindText(h("span", { class: "visually-hidden" }), "ticket.type_label"), " ",
      typeName(lists.types, ticket.ticket_type_id)));
  if (staff) {
    const org = lists.organizations.get(ticket.organization_id);
    meta.append(" ", h("span", { class: "meta", dataset: { meta: "organization" } },
      bindText(h("span", { class: "visually-hidden" }), "ticket.organization"), " ",
      org ? org.name : bindText(h("span"), "ticket.unknown_organization")));
    const assignee = ticket.assignee_id ? lists.staff.get(ticket.assignee_id) : null;
    const who = h("span", { class: "meta", dataset: { meta: "assignee" } },
      bindText(h("span", { class: "visually-hidden" }), "ticket.assignee"), " ");
    if (!ticket.assignee_id) who.append(bindText(h("span"), "ticket.unassigned"));
    else if (ticket.assignee_id === user.id) who.append(bindText(h("span"), "ticket.assigned_to_me"));
    else who.append(assignee ? assignee.name : bindText(h("span"), "ticket.someone"));
    meta.append(" ", who);
    if (ticket.requester_name) {
      meta.append(" ", h("span", { class: "meta", dataset: { meta: "requester" } },
        bindText(h("span", { class: "visually-hidden" }), "ticket.requester"), " ", ticket.requester_name));
    }
    if (!ticket.first_response_at && ticket.status !== "closed" && ticket.status !== "resolved") {
      meta.append(" ", bindText(h("span", { class: "pill pill--small", dataset: { meta: "unanswered" } }),
        "tickets.awaiting_first_response"));
    }
    if (ticket.priority === "high" || ticket.priority === "urgent") {
      meta.append(" ", bindText(h("span", { class: `priority priority--${ticket.priority}` }),
        `priority.${ticket.priority}`));
    }
  } else {
    // Whose ticket: "yours", or the colleague's name (a row without one says "a colleague's").
    const mine = ticket.requester_id === user.id;
    const whose = h("span", { class: `meta whose whose--${mine ? "mine" : "colleague"}`, dataset: { meta: "requester" } });
    if (!mine && ticket.requester_name) {
      whose.append(bindText(h("span", { class: "visually-hidden" }), "ticket.requester"), " ", ticket.requester_name);
    } else bindText(whose, mine ? "tickets.mine" : "tickets.colleague");
    meta.append(" ", whose);
  }
  const side = h("p", { class: "ticket-row__side" },
    h("span", { class: "meta" }, bindText(h("span"), "tickets.last_activity"), " ", timeEl(ticket.updated_at)));
  const due = staff ? nextDue(ticket) : null;
  if (due) side.append(slaBadge(due, warnMinutes));
  return h("li", { class: "ticket-row", dataset: { ticketId: ticket.id, status: ticket.status } },
    h("div", { class: "ticket-row__main" }, link, meta), side);
}

export default function tickets(container, app, path, params) {
  const user = currentUser();
  const staff = path === "/tickets";
  const screen = fromTemplate("tpl-tickets");
  screen.dataset.list = staff ? "queue" : "mine";
  const list = $("#tickets-list", screen);
  const status = $("[data-list-status]", screen);
  const failure = $("[data-list-error]", screen);
  const more = $("#tickets-more", screen);
  const filterForm = $("#tickets-filters", screen);
  const tabs = $("[data-tabs]", screen);
  const moduleId = staff ? "tickets" : "my_tickets";
  bindText($("[data-title]", screen), `modules.${moduleId}.title`);
  bindText($("[data-intro]", screen), staff ? "tickets.intro_staff" : "tickets.intro_contact");
  $("#tickets-new", screen).hidden = !can(user, "tickets.create");

  const closedView = !staff && params.get("show") === "closed";
  let filters = staff ? staffFilters(params) : { status: closedView ? "closed" : "active" };
  const context = { staff, user, lists: null, warnMinutes: 60 };
  let items = [];
  let cursor = null;
  let alive = true;
  let generation = 0; // a page from an older filter is dropped
  let filterUi = null;

  if (staff) {
    tabs.remove();
  } else {
    filterForm.remove();
    for (const tab of tabs.querySelectorAll("a")) {
      const current = (tab.dataset.show === "closed") === closedView;
      if (current) tab.setAttribute("aria-current", "page");
    }
  }

  const showError = (error) => failure.replaceChildren(bindText(h("p"), errorKey(error)));

  function emptyText() {
    if (staff) return "tickets.empty_filtered";
    return closedView ? "tickets.empty_closed" : "tickets.empty_active";
  }

  function showStatus() {
    if (items.length === 0) bindText(status, emptyText());
    else bindText(status, cursor ? "tickets.count_more" : "tickets.count", { count: items.length });
  }

  async function loadPage(reset) {
    const mine = ++generation;
    failure.replaceChildren();
    if (reset) {
      items = [];
      cursor = null;
      list.replaceChildren();
      list.setAttribute("aria-busy", "true");
      status.replaceChildren(h("span", { class: "spinner", "aria-hidden": "true" }), " ",
        bindText(h("span"), "common.loading"));
    }
    const query = apiQuery(filters);
    query.set("limit", String(PAGE_SIZE));
    if (cursor) query.set("cursor", cursor);
    try {
      const page = await api.get(`/tickets?${query}`);
      if (!alive || mine !== generation) return;
      const fresh = page?.items ?? [];
      items.push(...fresh);
      list.append(...fresh.map((ticket) => ticketRow(ticket, context)));
      cursor = page?.next_cursor ?? null;
      more.hidden = !cursor;
      showStatus();
    } catch (error) {
      if (!alive || mine !== generation) return;
      status.replaceChildren();
      showError(error);
    } finally {
      if (mine === generation) list.removeAttribute("aria-busy");
    }
  }

  function apply(next) {
    filters = next;
    const query = apiQuery(filters);
    if (filters.status === "all") query.set("status", "all");
    // The address keeps the filters without a new history entry or a re-render.
    history.replaceState(history.state, "", `#${path}${query.toString() ? `?${query}` : ""}`);
    loadPage(true);
  }

  onBusySubmit(more, () => loadPage(false));

  status.replaceChildren(h("span", { class: "spinner", "aria-hidden": "true" }), " ",
    bindText(h("span"), "common.loading"));
  container.replaceChildren(screen);

  Promise.all([ticketTypes(), staff ? staffUsers() : [], staff ? organizations() : [], tenantSettings()])
    .then(([types, staffList, orgs, settings]) => {
      if (!alive) return;
      context.lists = { types: byId(types), staff: byId(staffList), organizations: byId(orgs) };
      context.warnMinutes = settings?.sla_warning_minutes ?? 60;
      if (staff) {
        const sortedOrgs = [...orgs].sort((a, b) => String(a.name).localeCompare(String(b.name)));
        filterUi = staffFilterForm(filterForm, () => filters,
          { types: types.filter((tt) => tt.active !== false), staff: staffList, organizations: sortedOrgs }, apply);
      }
      return loadPage(true);
    })
    .catch((error) => {
      if (!alive) return;
      status.replaceChildren();
      showError(error);
    });

  const stopLanguage = onLanguageChange(() => {
    // Type names come from the API in three languages; times follow the locale.
    if (!context.lists) return;
    if (filterUi) {
      const focused = document.activeElement?.id;
      filterUi.rebuild();
      if (focused && $(`#${CSS.escape(focused)}`, filterForm)) $(`#${CSS.escape(focused)}`, filterForm).focus();
    }
    list.replaceChildren(...items.map((ticket) => ticketRow(ticket, context)));
    refreshTimes(list);
    if (items.length || !list.hasAttribute("aria-busy")) showStatus();
  });
  return {
    cleanup: () => {
      alive = false;
      stopLanguage();
    },
  };
}
