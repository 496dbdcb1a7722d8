// The signed-in screens: home (who you are, the inbox, the work areas), the
// "coming soon" page of a work area that is not built yet, and the inbox.

import { api } from "../api.js";
import { $, fromTemplate, h } from "../dom.js";
import { errorKey, onBusySubmit } from "../forms.js";
import { bindText, formatDateTime, has, onLanguageChange, t } from "../i18n.js";
import { onUnreadChange, refreshUnread, setUnread, unreadCount } from "../inbox.js";
import { moduleAt, modulesFor } from "../modules.js";
import { currentUser } from "../session.js";
import { loadWork } from "./home-work.js";

function roleText(role) {
  return has(`roles.${role}`) ? t(`roles.${role}`) : role;
}

function fillFacts(screen, user) {
  const fact = (name) => $(`[data-fact="${name}"]`, screen);
  fact("name").textContent = user.name;
  fact("email").textContent = user.email;
  fact("tenant").textContent = user.tenant;
  bindText(fact("kind"), `kind.${user.kind === "staff" ? "staff" : "contact"}`);
  const roles = fact("roles");
  roles.replaceChildren();
  const list = user.roles ?? [];
  if (list.length === 0) roles.append(bindText(h("span"), "home.no_roles"));
  for (const role of list) roles.append(h("span", { class: "tag", text: roleText(role) }), " ");
}

function moduleCard(module) {
  return h("li", { class: `module${module.view ? " module--ready" : ""}` },
    h("a", { class: "module__link", href: `#${module.path}`, dataset: { module: module.id } },
      h("span", { class: "module__head" },
        bindText(h("span", { class: "module__title" }), `modules.${module.id}.title`),
        module.view ? null : " ",
        module.view ? null : bindText(h("span", { class: "pill" }), "common.coming_soon")),
      " ",
      bindText(h("span", { class: "module__text" }), `modules.${module.id}.description`)));
}

function inboxSummary(el, count) {
  if (count === null) bindText(el, "common.loading");
  else if (count === 0) bindText(el, "notifications.none_unread");
  else bindText(el, "notifications.unread", { count });
}

export function home(container) {
  const user = currentUser();
  const screen = fromTemplate("tpl-home");
  const kind = user.kind === "staff" ? "staff" : "contact";
  screen.dataset.kind = kind;
  bindText($("[data-welcome]", screen), "home.welcome", { name: user.name });
  bindText($("[data-intro]", screen), `home.intro_${kind}`);
  bindText($("[data-modules-title]", screen), `home.modules_${kind}`);
  bindText($("[data-work-title]", screen), `home.work.title_${kind}`);
  loadWork($("[data-work]", screen));
  fillFacts(screen, user);
  const modules = modulesFor(user);
  const list = $("#modules-list", screen);
  list.append(...modules.map(moduleCard));
  if (modules.length === 0) list.append(bindText(h("li", { class: "muted" }), "home.no_modules"));

  const summary = $("[data-inbox-summary]", screen);
  inboxSummary(summary, unreadCount());
  const stopInbox = onUnreadChange((count) => inboxSummary(summary, count));
  const stopLanguage = onLanguageChange(() => fillFacts(screen, user));
  container.replaceChildren(screen);
  return { cleanup: () => { stopInbox(); stopLanguage(); } };
}

export function placeholder(container, app, path) {
  const module = moduleAt(path);
  const screen = fromTemplate("tpl-placeholder");
  bindText($("[data-title]", screen), `modules.${module.id}.title`);
  bindText($("[data-description]", screen), `modules.${module.id}.description`);
  screen.dataset.module = module.id;
  container.replaceChildren(screen);
}

/** A notification's link, when it is one of the portal's own routes; else null. */
export function safeLink(link) {
  // Only the portal's own routes become links; anything else stays plain text.
  return typeof link === "string" && /^#\/[\w\-/]*$/.test(link) ? link : null;
}

function notificationItem(item, onRead) {
  const unread = !item.read_at;
  const li = h("li", { class: `note${unread ? " note--unread" : ""}`, dataset: { id: item.id } });
  const title = h("h2", { class: "note__title" });
  const link = safeLink(item.link);
  title.append(link ? h("a", { href: link, text: item.title }) : item.title);
  const time = h("time", { class: "note__time", datetime: item.created_at, text: formatDateTime(item.created_at) });
  li.append(title);
  if (item.body) li.append(h("p", { class: "note__body", text: item.body }));
  const meta = h("p", { class: "note__meta" }, time);
  if (unread) {
    meta.append(" ", bindText(h("span", { class: "pill pill--accent" }), "notifications.unread_marker"));
    const form = h("form", { class: "note__action" },
      bindText(h("button", { class: "button button--secondary button--small", type: "submit",
        dataset: { busyI18n: "common.loading" } }), "notifications.mark_read"));
    onBusySubmit(form, () => onRead(item));
    meta.append(" ", form);
  }
  li.append(meta);
  return li;
}

export function notifications(container) {
  const screen = fromTemplate("tpl-notifications");
  const list = $("#notifications-list", screen);
  const status = $("[data-list-status]", screen);
  const failure = $("[data-list-error]", screen);
  const more = $("#notifications-more", screen);
  let cursor = null;
  let alive = true;

  const showError = (error) => failure.replaceChildren(bindText(h("p"), errorKey(error)));

  async function markRead(item) {
    failure.replaceChildren();
    try {
      const updated = await api.post(`/notifications/${encodeURIComponent(item.id)}/read`, {});
      const fresh = notificationItem({ ...item, ...updated }, markRead);
      list.querySelector(`[data-id="${CSS.escape(item.id)}"]`)?.replaceWith(fresh);
      const count = unreadCount();
      if (count) setUnread(count - 1);
      refreshUnread();
      // The button is gone; keep the keyboard user's place on the item.
      const heading = $(".note__title", fresh);
      heading.tabIndex = -1;
      heading.focus();
    } catch (error) {
      showError(error);
    }
  }

  async function loadPage() {
    failure.replaceChildren();
    const path = `/notifications?limit=25${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const page = await api.get(path);
    if (!alive) return;
    list.append(...(page.items ?? []).map((item) => notificationItem(item, markRead)));
    setUnread(Number(page.unread_count));
    cursor = page.next_cursor ?? null;
    more.hidden = !cursor;
    if (list.children.length === 0) bindText(status, "notifications.empty");
    else status.replaceChildren();
  }

  onBusySubmit(more, async () => {
    try {
      await loadPage();
    } catch (error) {
      showError(error);
    }
  });

  bindText(status, "common.loading");
  container.replaceChildren(screen);
  loadPage().catch((error) => {
    status.replaceChildren();
    showError(error);
  });
  return { cleanup: () => { alive = false; } };
}
