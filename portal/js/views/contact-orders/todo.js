// The to-do list (#/todo, seed 001's "Att göra-lista"): my open bookings and my assigned
// open contact orders by time, under today (overdue ones too), this week and later; a
// booking is marked done with one click. The calendar: my iCalendar feed's address to
// copy into a calendar app, renewed (the old one stops working) or revoked. The address
// is the secret, so the API shows it only when it is made: a lost one is renewed.

import { api, idempotencyKey, loadConfig } from "../../api.js";
import { h } from "../../dom.js";
import { errorKey, onBusySubmit } from "../../forms.js";
import { bindText, formatDate, formatDateTime, onLanguageChange, shownTimeZone, translate } from "../../i18n.js";
import { allPages, tenantSettings } from "../../reference-data.js";
import { fill, showLoadError } from "../networks/common.js";
import { currentUser } from "../../session.js";
import { groupTodo, orderPath, rightsOf } from "./common.js";

const BUCKETS = ["today", "week", "later"];

/** The feed's full address: the API's own origin and base path, then the answered path. */
export async function feedAddress(path) {
  const { base } = await loadConfig();
  return new URL(String(path).replace(/^\/+/, ""), base).href;
}

export default function todo(container) {
  const rights = rightsOf(currentUser());
  const alert = h("div", { class: "form-error", role: "alert" });
  const lists = h("div", { class: "co-todo", id: "co-todo" });
  const feedBox = h("div", { class: "co-feed", id: "co-feed" });
  const screen = h("section", { class: "co-todo-page", dataset: { screen: "todo" }, "aria-labelledby": "todo-title" },
    bindText(h("h1", { id: "todo-title", tabindex: "-1" }), "modules.todo.title"),
    bindText(h("p", { class: "lead" }), "crm.todo.intro"),
    alert, lists,
    h("section", { class: "card co-section", "aria-labelledby": "feed-title" },
      bindText(h("h2", { id: "feed-title" }), "crm.feed.title"),
      bindText(h("p", { class: "muted" }), "crm.feed.intro"),
      feedBox));
  container.replaceChildren(screen);
  let alive = true;
  let items = [];
  let timeZone;

  function item(entry) {
    const when = !entry.at ? bindText(h("span", { class: "muted" }), "crm.todo.undated")
      : /^\d{4}-\d{2}-\d{2}$/.test(entry.at) ? h("span", {}, formatDate(entry.at))
        : h("time", { datetime: entry.at }, formatDateTime(entry.at));
    let done = null;
    // A booking is done; an assigned order is done by closing it (seed 001: "utförd").
    const booking = entry.kind === "booking";
    if (rights.edit) {
      done = h("form", { class: "co-inline" },
        bindText(h("button", { class: "button button--secondary button--small", type: "submit",
          dataset: booking ? { done: entry.booking_id } : { close: entry.contact_order_id } }),
        booking ? "crm.todo.done" : "crm.order.close"));
      onBusySubmit(done, async () => {
        alert.replaceChildren();
        try {
          if (booking) {
            await api.post(`${orderPath(entry.contact_order_id)}/bookings/${encodeURIComponent(entry.booking_id)}/done`, undefined);
            items = items.filter((i) => i !== entry);
          } else {
            await api.post(`${orderPath(entry.contact_order_id)}/close`, undefined, { headers: { "Idempotency-Key": idempotencyKey() } });
            // Its bookings are done with it.
            items = items.filter((i) => i.contact_order_id !== entry.contact_order_id);
          }
          show();
          lists.querySelector("h2")?.focus();
        } catch (error) {
          alert.replaceChildren(bindText(h("p"), errorKey(error)));
        }
      });
    }
    return h("li", { class: "ticket-row co-todo__item", dataset: { kind: entry.kind, order: entry.contact_order_id } },
      h("div", { class: "ticket-row__main" },
        h("a", { class: "ticket-row__link", href: `#${orderPath(entry.contact_order_id)}` },
          h("span", { class: "ticket-row__number" }, entry.number), " ",
          h("span", { class: "ticket-row__subject" }, entry.title)),
        h("p", { class: "ticket-row__meta muted" },
          bindText(h("span", { class: "co-todo__kind" }), entry.kind === "booking" ? `crm.kind.${entry.booking_kind}` : "crm.todo.order"),
          " · ", when, " · ", h("span", {}, entry.customer_name),
          entry.status ? h("span", {}, ` · ${entry.status}`) : null)),
      done ? h("div", { class: "ticket-row__side" }, done) : null);
  }

  function show() {
    const groups = groupTodo(items, new Date(), timeZone);
    fill(lists, BUCKETS.map((bucket) => h("section", { class: "co-todo__group", dataset: { bucket }, "aria-labelledby": `todo-${bucket}` },
      bindText(h("h2", { id: `todo-${bucket}`, tabindex: "-1" }), `crm.todo.${bucket}`, { count: groups[bucket].length }),
      groups[bucket].length
        ? h("ul", { class: "ticket-list" }, groups[bucket].map(item))
        : bindText(h("p", { class: "muted" }), "crm.todo.nothing"))));
  }

  // --- the calendar feed ---------------------------------------------------------------

  function feedButtons(address) {
    const error = h("div", { class: "form-error", role: "alert" });
    const renew = h("form", { class: "co-inline" },
      bindText(h("button", { class: "button button--secondary", type: "submit", id: address ? "feed-renew" : "feed-create" }),
        address ? "crm.feed.renew" : "crm.feed.create"));
    onBusySubmit(renew, async () => {
      try {
        const made = await api.post("/calendar/feed", undefined);
        showFeed(await feedAddress(made.path), address ? "crm.feed.renewed" : "crm.feed.created");
      } catch (failure) {
        error.replaceChildren(bindText(h("p"), errorKey(failure)));
      }
    });
    const revoke = h("form", { class: "co-inline" },
      bindText(h("button", { class: "button button--secondary", type: "submit", id: "feed-revoke" }), "crm.feed.revoke"));
    onBusySubmit(revoke, async () => {
      try {
        await api.delete("/calendar/feed");
        showFeed(null, "crm.feed.revoked");
      } catch (failure) {
        // No feed to revoke is what was wanted.
        if (failure.status === 404) showFeed(null, "crm.feed.revoked");
        else error.replaceChildren(bindText(h("p"), errorKey(failure)));
      }
    });
    return h("div", { class: "co-feed__buttons" }, renew, " ", revoke, error);
  }

  function showFeed(address, noticeKey = null) {
    const notice = noticeKey ? bindText(h("p", { class: "notice", role: "status", id: "feed-notice" }), noticeKey) : null;
    let addressPart = null;
    if (address) {
      const input = h("input", { id: "feed-address", type: "text", readonly: true, value: address, class: "co-feed__address" });
      const copied = h("span", { class: "muted", role: "status" });
      const copy = bindText(h("button", { class: "button button--secondary", type: "button", id: "feed-copy", on: { click: async () => {
        input.select();
        try {
          await navigator.clipboard.writeText(address);
          bindText(copied, "crm.feed.copied");
        } catch {
          bindText(copied, "crm.feed.copy_by_hand");
        }
      } } }), "crm.feed.copy");
      addressPart = h("div", { class: "field" },
        bindText(h("label", { for: "feed-address" }), "crm.feed.address"),
        h("div", { class: "filters__row" }, input, copy), copied,
        bindText(h("p", { class: "field__hint" }), "crm.feed.secret"));
    }
    fill(feedBox, notice, addressPart, feedButtons(address));
    translate(feedBox);
  }

  (async () => {
    try {
      const settings = await tenantSettings().catch(() => null);
      timeZone = shownTimeZone() ?? settings?.support_hours?.timezone;
      items = await allPages("/todo");
    } catch (error) {
      if (alive) showLoadError(alert, error);
      return;
    }
    if (alive) show();
  })();
  showFeed(null);
  const stopLanguage = onLanguageChange(() => { if (items.length) show(); });
  return { cleanup: () => { alive = false; stopLanguage(); } };
}
