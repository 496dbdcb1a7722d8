// The portal's entry point: start-up, the hash router and the page shell
// (language selector, account area, notifications badge, main navigation).

import { ApiError, loadConfig } from "./api.js";
import { $, fromTemplate, h } from "./dom.js";
import { errorKey } from "./forms.js";
import {
  bindText, browserLanguage, chosenLanguage, has, language, onLanguageChange, setLanguage, t,
  translate,
} from "./i18n.js";
import { onUnreadChange, startPolling, stopPolling } from "./inbox.js";
import { MODULES, modulesFor, ticketAreaFor } from "./modules.js";
import * as session from "./session.js";
import { tenantSettings } from "./reference-data.js";
import * as answers from "./views/answer.js";
import * as auth from "./views/auth.js";
import * as signedIn from "./views/home.js";
import * as preferences from "./views/preferences.js";
import * as helpCenter from "./views/help.js";
import * as statusPage from "./views/status.js";
import * as certificates from "./views/verify.js";
import * as invitations from "./views/client-cases/invitation.js";
import { chatWidget } from "./chat/widget.js";

// path -> [view, title key]
const PUBLIC = {
  "/login": [auth.login, "login.title"],
  "/forgot": [auth.forgot, "forgot.title"],
  "/reset": [auth.reset, "reset.title"],
  "/new-password": [auth.newPassword, "new_password.title"],
};
// Signed-in pages: a fixed path or a pattern whose groups become the view's
// `args` (named by `names`). `allow(user)` says who may open it; `nav` is the
// main-menu entry it belongs to. A module's `view` hook loads its page when
// first opened; a module without one shows the honest "coming soon" page.
const ticketArea = (user) => ticketAreaFor(user);
const granted = (user, permission) => (user.permissions ?? []).includes(permission);
const PRIVATE = [
  { path: "/home", view: signedIn.home, title: "nav.home" },
  { path: "/notifications", view: signedIn.notifications, title: "notifications.title" },
  { path: "/preferences", view: preferences.preferences, title: "preferences.title" },
  {
    pattern: /^\/tickets\/new$/,
    load: () => import("./views/new-ticket.js"),
    title: "new_ticket.title",
    allow: (user) => Boolean(ticketArea(user)) && (user.permissions ?? []).includes("tickets.create"),
    nav: (user) => ticketArea(user)?.path,
  },
  {
    // #/tickets/<id>: the address the notification e-mails link to, for staff and contacts.
    pattern: /^\/tickets\/([A-Za-z0-9_-]{1,64})$/,
    names: ["id"],
    load: () => import("./views/ticket.js"),
    title: "ticket.title",
    allow: (user) => Boolean(ticketArea(user)),
    nav: (user) => ticketArea(user)?.path,
  },
  // Networks and subscriptions (seed 000): subscribing, a subscription (the supplier's
  // questionnaire or staff's review), a network's page for staff, a supplier's profile.
  {
    pattern: /^\/subscriptions\/new$/,
    load: () => import("./views/networks/subscribe.js"),
    title: "networks.subscribe.title",
    allow: (user) => user.kind === "contact" && granted(user, "subscriptions.subscribe"),
    nav: () => "/subscriptions",
  },
  {
    pattern: /^\/subscriptions\/([A-Za-z0-9_-]{1,64})$/,
    names: ["id"],
    load: () => import("./views/networks/subscription.js"),
    title: "networks.subscription.title",
    allow: (user) => (user.kind === "staff" ? granted(user, "subscriptions.view") : granted(user, "subscriptions.subscribe")),
    nav: (user) => (user.kind === "staff" ? "/networks" : "/subscriptions"),
  },
  {
    pattern: /^\/networks\/([A-Za-z0-9_-]{1,64})$/,
    names: ["id"],
    load: () => import("./views/networks/network.js"),
    title: "networks.network.title",
    allow: (user) => user.kind === "staff" && granted(user, "networks.view"),
    nav: () => "/networks",
  },
  {
    pattern: /^\/suppliers\/([1-9][0-9]{5})$/,
    names: ["id"],
    load: () => import("./views/networks/supplier.js"),
    title: "networks.buyer.profile_title",
    allow: (user) => (user.kind === "staff" ? granted(user, "subscriptions.view") : granted(user, "suppliers.search")),
    nav: (user) => (user.kind === "staff" ? "/networks" : "/suppliers"),
  },
  {
    // The help center's article editor ("new" for a new article), for help.write.
    pattern: /^\/help-admin\/articles\/([A-Za-z0-9_-]{1,64})$/,
    names: ["id"],
    load: () => import("./views/help-admin/editor.js"),
    title: "help_admin.editor.title",
    allow: (user) => user.kind === "staff" && granted(user, "help.write"),
    nav: () => "/help-admin",
  },
  // Contact orders (seed 001): creating one (also from a customer, site or service object),
  // the admin's settings, one order, and a customer's card. "new" and "settings" come
  // before the order's own pattern, which would match them too.
  {
    pattern: /^\/contact-orders\/new$/,
    load: () => import("./views/contact-orders/new.js"),
    title: "crm.form.title",
    allow: (user) => user.kind === "staff" && granted(user, "contact_orders.create"),
    nav: () => "/contact-orders",
  },
  {
    pattern: /^\/contact-orders\/settings$/,
    load: () => import("./views/contact-orders/settings.js"),
    title: "crm.settings.title",
    allow: (user) => user.kind === "staff" && (granted(user, "settings.edit") || granted(user, "roles.manage")),
    nav: () => "/contact-orders",
  },
  {
    pattern: /^\/contact-orders\/([A-Za-z0-9_-]{1,64})$/,
    names: ["id"],
    load: () => import("./views/contact-orders/order.js"),
    title: "crm.order.title",
    allow: (user) => user.kind === "staff" && (granted(user, "contact_orders.view") || granted(user, "contact_orders.view_assigned")),
    nav: () => "/contact-orders",
  },
  {
    pattern: /^\/customers\/([A-Za-z0-9_-]{1,64})$/,
    names: ["id"],
    load: () => import("./views/contact-orders/customer.js"),
    title: "crm.customer.title",
    allow: (user) => user.kind === "staff" && granted(user, "organizations.view"),
    nav: () => "/customers",
  },
  ...MODULES.map((m) => ({
    path: m.path,
    view: m.view ? null : signedIn.placeholder,
    load: m.view ?? null,
    title: `modules.${m.id}.title`,
    allow: (user) => modulesFor(user).includes(m),
  })),
];
// Open to everyone, signed in or not: pages that e-mail links lead to.
const OPEN = {
  "/answer": [answers.answer, "answer.title"],
  "/verify": [certificates.verify, "verify.title"],
  "/status": [statusPage.status, "status.title"],
  "/help": [helpCenter.helpHome, "help.title"],
  "/invitation": [invitations.invitation, "client_cases.invitation.title"],
};
// Open pages with a part of the path as the view's `args`: a help article, by the
// portal's own address or by the one the server writes into articles' links.
const OPEN_PATTERNS = [
  { pattern: /^\/help\/article\/([^/]{1,200})$/, names: ["slug"], view: helpCenter.helpArticle, title: "help.title" },
  { pattern: /^\/help\/category\/([^/]{1,200})$/, names: ["slug"], view: helpCenter.helpCategory, title: "help.title" },
  { pattern: /^\/help\/([^/]{1,63})\/articles\/([^/]{1,200})$/, names: ["tenant", "slug"],
    view: helpCenter.helpArticle, title: "help.title" },
];

/** The open route for a path: [view, title, args], or null. */
function openRoute(path) {
  if (path in OPEN) return [...OPEN[path], {}];
  for (const route of OPEN_PATTERNS) {
    const match = route.pattern.exec(path);
    if (match) {
      let args;
      try {
        args = Object.fromEntries(route.names.map((name, i) => [name, decodeURIComponent(match[i + 1])]));
      } catch {
        return null; // a malformed escape is no page
      }
      return [route.view, route.title, args];
    }
  }
  return null;
}

/** The private route for a path: {route, args}, or null. */
function privateRoute(path) {
  for (const route of PRIVATE) {
    if (route.path !== undefined) {
      if (route.path === path) return { route, args: {} };
      continue;
    }
    const match = route.pattern.exec(path);
    if (match) {
      const args = Object.fromEntries((route.names ?? []).map((name, i) => [name, decodeURIComponent(match[i + 1])]));
      return { route, args };
    }
  }
  return null;
}

/** A route's view function; a module's page is loaded on first use, then kept. */
async function viewOf(route) {
  if (route.view) return route.view;
  const loaded = await route.load();
  route.view = loaded.default;
  return route.view;
}

const app = {
  // What passes between screens, in memory only: a notice key for the next
  // screen, the e-mail address typed last, a pending new-password challenge, and
  // the signed-in page a signed-out visitor asked for (an e-mail's "Mute these
  // e-mails" link), opened after the sign-in instead of home.
  state: { notice: null, email: "", challenge: null, returnTo: null },
  navigate,
};

let booted = false;
let current = { path: null, nav: null, cleanup: null, title: "app.name" };

function routePath() {
  const hash = location.hash;
  return hash.startsWith("#/") ? hash.slice(1).split("?")[0] : "";
}

/** The route's parameters: "#/answer?token=...&action=approve" -> URLSearchParams. */
function routeParams() {
  const hash = location.hash;
  const at = hash.indexOf("?");
  return new URLSearchParams(at === -1 ? "" : hash.slice(at + 1));
}

function navigate(path, { replace = false } = {}) {
  const target = `#${path}`;
  if (location.hash === target) {
    render();
  } else if (replace) {
    history.replaceState(history.state, "", target);
    render();
  } else {
    location.hash = target; // the hashchange renders
  }
}

function allowed(found) {
  const user = session.currentUser();
  return Boolean(user) && (!found.route.allow || found.route.allow(user));
}

function setTitle() {
  document.title = `${t(current.title)} – ${t("app.name")}`;
}

let rendering = 0; // the newest render wins when a page is still loading

async function render() {
  const seq = ++rendering;
  const path = routePath();
  const signedInNow = session.isSignedIn();
  const opened = openRoute(path);
  const open = Boolean(opened);
  const found = open || path in PUBLIC ? null : privateRoute(path);
  if (!open && !signedInNow && !(path in PUBLIC)) {
    // After the sign-in, the page the visitor asked for (e.g. an e-mail's ticket link).
    if (found && path !== "/home") app.state.returnTo = location.hash.slice(1);
    navigate("/login", { replace: true });
    return;
  }
  if (!open && signedInNow && (!found || !allowed(found))) {
    navigate("/home", { replace: true });
    return;
  }
  let view;
  let title;
  let args = {};
  if (open) [view, title, args] = opened;
  else if (!signedInNow) [view, title] = PUBLIC[path];
  else {
    try {
      view = await viewOf(found.route);
    } catch (error) {
      if (seq === rendering) fatal(error);
      return;
    }
    if (seq !== rendering) return; // another page was asked for meanwhile
    title = found.route.title;
    args = found.args;
  }
  const firstScreen = current.path === null;
  current.cleanup?.();
  const container = $("#view");
  const result = view(container, app, path, routeParams(), args);
  if (result === null) return; // the view sent us elsewhere
  const user = session.currentUser();
  const nav = found?.route.nav ? found.route.nav(user) : path;
  current = { path, nav, cleanup: result?.cleanup ?? null, title };
  updateShell();
  updateChat(path);
  setTitle();
  translate(container);
  // Keyboard and screen-reader users land on the new screen's heading (or the
  // field the screen names). The first screen of a visit leaves focus alone.
  const target = result?.focus ?? (firstScreen ? null : $("h1", container));
  target?.focus();
}

// --- the shell ----------------------------------------------------------------------

function navItem(path, key, extra) {
  // The space keeps the label and the "coming soon" pill apart in the link's name.
  const link = h("a", { class: "mainnav__link", href: `#${path}`, dataset: { path } },
    bindText(h("span"), key), extra ? " " : null, extra);
  return h("li", {}, link);
}

function buildNav(user) {
  const list = $("#mainnav-list");
  list.replaceChildren(navItem("/home", "nav.home"));
  for (const module of modulesFor(user)) {
    list.append(navItem(module.path, `modules.${module.id}.title`,
      module.view ? null : bindText(h("span", { class: "pill pill--small" }), "common.coming_soon")));
  }
}

function updateShell() {
  const user = session.currentUser();
  const signed = Boolean(user) && session.isSignedIn();
  $("#account").hidden = !signed;
  $("#mainnav").hidden = !signed;
  $("#account-name").textContent = signed ? user.name : "";
  // Whose helpdesk this is (the tenant's display name from /me), beside the product's.
  const tenant = $("#brand-tenant");
  tenant.textContent = signed ? (user.tenant_name ?? "") : "";
  tenant.hidden = !tenant.textContent;
  if (!signed) {
    $("#mainnav-list").replaceChildren();
    return;
  }
  if (!$("#mainnav-list").childElementCount) buildNav(user);
  for (const link of document.querySelectorAll(".mainnav__link")) {
    if (link.dataset.path === current.nav) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const accountLinks = { "/notifications": "#notifications-link", "/preferences": "#preferences-link", "/help": "#help-link" };
  for (const [path, selector] of Object.entries(accountLinks)) {
    if (current.path === path) $(selector).setAttribute("aria-current", "page");
    else $(selector).removeAttribute("aria-current");
  }
}

/**
 * The customer's chat button (issue 18): a signed-in portal user's on every page, a
 * visitor's on the public help center's pages (whose tenant the address names).
 */
function updateChat(path) {
  const user = session.isSignedIn() ? session.currentUser() : null;
  const onHelp = path === "/help" || path.startsWith("/help/");
  const tenant = onHelp ? helpCenter.helpTenant(routeParams(), user) ?? routeHelpTenant(path) : null;
  try {
    chatWidget().update({ user, helpTenant: tenant });
  } catch (error) {
    console.error(error); // the page works without its chat button
  }
}

/** The tenant of "/help/<tenant>/articles/<slug>" (the address the server writes). */
function routeHelpTenant(path) {
  const match = /^\/help\/([a-z0-9][a-z0-9-]{1,62})\/articles\//.exec(path);
  return match ? match[1] : null;
}

function showUnread(count) {
  const badge = $("#notifications-badge");
  const link = $("#notifications-link");
  badge.hidden = !count;
  badge.textContent = count > 99 ? "99+" : String(count ?? 0);
  if (count) {
    // The badge is aria-hidden; the link's name says the count in words.
    link.dataset.i18nAttr = "aria-label:notifications.link_label";
    link.dataset.i18nArgs = JSON.stringify({ count });
    translate(link);
  } else {
    delete link.dataset.i18nAttr;
    delete link.dataset.i18nArgs;
    link.removeAttribute("aria-label");
  }
}

function wireShell() {
  const select = $("#language-select");
  select.value = language();
  select.addEventListener("change", () => {
    setLanguage(select.value, { remember: true }).catch(fatal);
  });
  onLanguageChange((lang) => {
    select.value = lang;
    setTitle();
  });
  $("#sign-out").addEventListener("click", () => session.signOut("user"));
  $("#skip-link").addEventListener("click", (event) => {
    event.preventDefault(); // "#main" is not a route
    $("#main").focus();
  });
  onUnreadChange(showUnread);
  showUnread(null);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") session.checkExpiry();
  });
  window.addEventListener("hashchange", () => {
    if (booted) render();
  });
}

session.onSessionChange(async (event) => {
  if (event.type === "signed-in") {
    // A fresh sign-in speaks the user's language; the selector still overrides it.
    try {
      await setLanguage(event.user.language, { remember: true });
    } catch (error) {
      console.error(error);
    }
    $("#mainnav-list").replaceChildren();
    startPolling();
    tenantSettings().catch(() => {}); // staff see times in the tenant's zone; a failure keeps the browser's
    const target = app.state.returnTo ?? "/home";
    app.state.returnTo = null;
    navigate(target); // render() still sends a user home from a page they may not open
  } else if (event.type === "signed-out") {
    stopPolling();
    app.state.notice = event.reason === "user" ? "session.signed_out" : "session.expired";
    app.state.challenge = null;
    app.state.returnTo = null;
    if (event.reason === "user") app.state.email = ""; // a shared computer should not tell who it was
    updateShell();
    updateChat(current.path ?? "");
    // An open page (a one-click answer) works signed out too: what was typed there stays.
    if (booted && !openRoute(current.path ?? "")) navigate("/login");
  }
});

function fatal(error) {
  console.error(error);
  current.cleanup?.();
  current = { path: null, nav: null, cleanup: null, title: "errors.fatal_title" };
  const screen = fromTemplate("tpl-fatal");
  $("#fatal-retry", screen).addEventListener("click", () => location.reload());
  $("#view").replaceChildren(screen);
  if (has("errors.fatal")) {
    // A failed request has its own message; anything else is the general one.
    bindText($("[data-message]", screen), error instanceof ApiError ? errorKey(error) : "errors.fatal");
    translate(screen);
    setTitle();
  } else {
    // The texts themselves did not load: the template's English stays.
    $("[data-message]", screen).textContent = "The portal could not start. Reload the page to try again.";
  }
}

async function boot() {
  wireShell();
  try {
    await setLanguage(chosenLanguage() ?? browserLanguage()); // first, so even a failure speaks it
    await loadConfig();
    if (await session.restore()) {
      if (!chosenLanguage()) await setLanguage(session.currentUser().language);
      startPolling();
      tenantSettings().catch(() => {});
    }
  } catch (error) {
    fatal(error);
    return;
  }
  booted = true;
  render();
}

boot();
