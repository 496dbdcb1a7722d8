// One contact order (#/contact-orders/<id>, seed 001): its facts (the customer's name
// leads to the customer card), the notes stream (author and time, newest first, hours
// per note and the total; a correction names the note it corrects), bookings (meeting,
// call, digital; in the tenant's time zone; to a colleague with `assign`), documents
// (upload with progress; delete only with `delete_files`), the site on a map (an
// OpenStreetMap link and a static marker: no third-party script or tiles), assign,
// convert to a sales order and close. A closed order is read-only, with a banner.
// Every button is there only for those whose rights the API would honour.

import { api, idempotencyKey } from "../../api.js";
import { $, h } from "../../dom.js";
import { errorKey, FormError, onBusySubmit, onSubmit } from "../../forms.js";
import { bindText, formatDate, formatDateTime, shownTimeZone, t, translate } from "../../i18n.js";
import { allPages, staffUsers, tenantSettings } from "../../reference-data.js";
import { currentUser } from "../../session.js";
import { formatBytes } from "../../ticket-format.js";
import { downloadFrom, filePicker } from "../../upload.js";
import { facts, fill, ifMatch, showLoadError } from "../networks/common.js";
import { formField } from "./new.js";
import {
  customerLink, hoursText, instantOf, orderPath, orderStatus, rightsOf, statusChoices, userName,
} from "./common.js";

const KINDS = ["meeting", "call", "digital"];
const SVG = "http://www.w3.org/2000/svg";

function option(value, text, selected, key) {
  const el = h("option", { value, selected: value === selected }, text);
  return key ? bindText(el, key) : el;
}

function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  el.append(...children);
  return el;
}

/**
 * The site's place: a static marker on a plain grid (its position in words beside it) and
 * a link to OpenStreetMap; with an address only, a link to OpenStreetMap's search.
 */
export function mapOf(site) {
  if (!site) return null;
  const address = [site.address?.street, [site.address?.postal_code, site.address?.city].filter(Boolean).join(" ")]
    .filter(Boolean).join(", ");
  let link = site.map_url ?? null;
  if (!link && address) link = `https://www.openstreetmap.org/search?query=${encodeURIComponent(address)}`;
  if (!link) return null;
  const figure = h("figure", { class: "co-map", id: "co-map" });
  if (site.location) {
    const grid = [];
    for (let i = 1; i < 6; i += 1) {
      grid.push(svg("line", { x1: i * 40, y1: 0, x2: i * 40, y2: 160, class: "co-map__grid" }));
      grid.push(svg("line", { x1: 0, y1: i * 27, x2: 240, y2: i * 27, class: "co-map__grid" }));
    }
    figure.append(svg("svg", { viewBox: "0 0 240 160", class: "co-map__image", role: "img", "aria-labelledby": "co-map-caption" },
      ...grid,
      svg("path", { d: "M120 78 c-12 -16 -18 -26 -18 -36 a18 18 0 0 1 36 0 c0 10 -6 20 -18 36 z", class: "co-map__pin" }),
      svg("circle", { cx: 120, cy: 42, r: 6, class: "co-map__dot" })));
  }
  const where = site.location
    ? t("crm.order.map_position", { lat: site.location.lat.toFixed(4), lon: site.location.lon.toFixed(4) })
    : "";
  figure.append(h("figcaption", { id: "co-map-caption" },
    h("strong", {}, site.name), address ? ` · ${address}` : "", where ? h("span", { class: "muted" }, ` · ${where}`) : null, " ",
    bindText(h("a", { href: link, target: "_blank", rel: "noopener noreferrer", id: "co-map-link" }), "crm.order.map_open")));
  return figure;
}

function section(id, titleKey, ...children) {
  return h("section", { class: "card co-section", id, "aria-labelledby": `${id}-title` },
    bindText(h("h2", { id: `${id}-title`, tabindex: "-1" }), titleKey), ...children);
}

function formError() {
  return h("div", { class: "form-error", role: "alert", dataset: { formError: "" } });
}

export default function contactOrder(container, app, path, params, args) {
  const user = currentUser();
  const rights = rightsOf(user);
  const orderId = args.id;
  const base = orderPath(orderId);
  const alert = h("div", { class: "form-error", role: "alert" });
  const body = h("div", { class: "co-order__body" });
  const title = h("h1", { id: "co-order-title", tabindex: "-1" });
  bindText(title, "crm.order.title");
  const notice = h("p", { class: "notice", role: "status", id: "co-notice", hidden: true });
  if (app.state.notice) {
    bindText(notice, app.state.notice);
    notice.hidden = false;
    app.state.notice = null;
  }
  const screen = h("section", { class: "co-order", dataset: { screen: "contact-order" }, "aria-labelledby": "co-order-title" },
    h("p", { class: "crumbs" }, bindText(h("a", { href: "#/contact-orders" }), "modules.contact_orders.title")),
    title, notice, alert, body);
  container.replaceChildren(screen);
  let alive = true;
  let users = [];
  let timeZone;
  let statuses = [];
  let correcting = null;

  async function load(focus = null) {
    let order;
    let notes;
    let bookings;
    let documents;
    let sales = null;
    try {
      order = await api.get(base); // first: an order one may not see is one 404, not four
      [notes, bookings, documents] = await Promise.all([
        allPages(`${base}/notes`), allPages(`${base}/bookings`), allPages(`${base}/documents`)]);
      if (order.sales_order_id) sales = await api.get(`/sales-orders/${encodeURIComponent(order.sales_order_id)}`).catch(() => null);
    } catch (error) {
      if (!alive) return;
      body.replaceChildren();
      if (error.status === 404) bindText(title, "crm.order.not_found");
      showLoadError(alert, error);
      return;
    }
    if (!alive) return;
    show(order, notes, bookings, documents, sales);
    if (focus) $(focus, screen)?.focus();
  }

  function show(order, notes, bookings, documents, sales) {
    const open = !order.closed;
    title.removeAttribute("data-i18n");
    title.textContent = `${order.number} · ${order.subject}`;
    screen.dataset.closed = String(order.closed);
    const contact = order.contact ?? {};
    const banner = order.closed
      ? h("div", { class: "co-closed-banner", id: "co-closed-banner", role: "note" },
        bindText(h("strong"), "crm.order.closed_banner"), " ",
        bindText(h("span"), "crm.order.closed_since", { when: formatDateTime(order.closed_at) }))
      : null;
    const info = facts([
      ["crm.fields.status", orderStatus(order), "status"],
      ["crm.fields.customer", customerLink(order.customer), "customer"],
      order.site ? ["crm.fields.site", order.site.name, "site"] : null,
      order.service_object ? ["crm.fields.service_object",
        `${order.service_object.name}${order.service_object.serial_number ? ` (${order.service_object.serial_number})` : ""}`, "service_object"] : null,
      ["crm.form.contact", [contact.name, contact.email, contact.phone].filter(Boolean).join(" · "), "contact"],
      ["crm.fields.planned_date", order.planned_date ? formatDate(order.planned_date) : "–", "planned_date"],
      ["crm.fields.assignee", userName(users, order.assignee_id), "assignee"],
      ["crm.order.total_hours", hoursText(order.total_hours), "hours"],
      sales ? ["crm.order.sales_order", sales.number, "sales_order"] : null,
      ["crm.order.created", formatDateTime(order.created_at), "created"],
    ], "co-facts");
    fill(body, banner,
      h("div", { class: "co-order__layout" },
        h("div", { class: "co-order__main" },
          notesSection(order, notes),
          bookingsSection(order, bookings),
          documentsSection(order, documents)),
        h("aside", { class: "co-order__side" },
          h("section", { class: "card co-section", "aria-labelledby": "co-facts-title" },
            bindText(h("h2", { id: "co-facts-title" }), "crm.order.facts"), info),
          mapOf(order.site),
          open && rights.edit ? editSection(order) : null,
          open && rights.assignSelf ? assignSection(order) : null,
          actionsSection(order))));
    translate(body);
  }

  // --- change, assign, convert, close, delete ------------------------------------------

  function editSection(order) {
    const form = h("form", { class: "form", id: "co-edit", novalidate: true },
      formError(),
      formField("co-edit-status", "crm.fields.status", h("select", { id: "co-edit-status", name: "status" },
        statusChoices(statuses, order.status).map((s) => option(s, s, order.status)))),
      formField("co-edit-planned", "crm.fields.planned_date", h("input", { id: "co-edit-planned", name: "planned_date", type: "date", value: order.planned_date ?? "" })),
      bindText(h("button", { class: "button button--secondary", type: "submit", id: "co-edit-save", dataset: { busyI18n: "common.saving" } }), "crm.order.save_changes"));
    onSubmit(form, async (values) => {
      const patch = {};
      if (values.status !== order.status) patch.status = values.status;
      if ((values.planned_date || null) !== (order.planned_date ?? null)) patch.planned_date = values.planned_date || null;
      if (!Object.keys(patch).length) return;
      await api.patch(base, patch, { headers: ifMatch(order.version) });
      await load("#co-edit-status");
    }, { context: "crm.form", statusKeys: { 412: "crm.order.changed_meanwhile" } });
    return section("co-edit-box", "crm.order.change", form);
  }

  function assignSection(order) {
    const form = h("form", { class: "form", id: "co-assign", novalidate: true }, formError());
    if (rights.assign) {
      form.append(formField("co-assign-to", "crm.order.assign_to", h("select", { id: "co-assign-to", name: "assignee_id" },
        users.map((u) => option(u.id, u.id === user.id ? t("crm.form.me", { name: u.name }) : u.name, order.assignee_id ?? user.id)))),
      bindText(h("button", { class: "button button--secondary", type: "submit", id: "co-assign-save" }), "crm.order.assign"));
    } else {
      if (order.assignee_id === user.id) return null;
      form.append(bindText(h("button", { class: "button button--secondary", type: "submit", id: "co-assign-me" }), "crm.order.assign_me"));
    }
    onSubmit(form, async (values) => {
      const chosen = values.assignee_id && values.assignee_id !== user.id ? { assignee_id: values.assignee_id } : undefined;
      await api.post(`${base}/assign`, chosen);
      await load("#co-facts-title");
    });
    return section("co-assign-box", "crm.order.assignment", form);
  }

  function actionsSection(order) {
    const buttons = [];
    const error = h("div", { class: "form-error", role: "alert" });
    const act = (id, key, work, primary = false) => {
      const form = h("form", { class: "co-action" },
        bindText(h("button", { class: `button ${primary ? "button--primary" : "button--secondary"}`, type: "submit", id }), key));
      onBusySubmit(form, async () => {
        error.replaceChildren();
        try {
          await work();
        } catch (failure) {
          error.replaceChildren(bindText(h("p"), errorKey(failure)));
        }
      });
      buttons.push(form);
    };
    if (!order.closed && rights.edit && !order.sales_order_id) {
      act("co-convert", "crm.order.convert", async () => {
        await api.post(`${base}/sales-order`, undefined, { headers: { "Idempotency-Key": idempotencyKey() } });
        await load("#co-facts-title");
      });
    }
    if (!order.closed && rights.edit) {
      act("co-close", "crm.order.close", async () => {
        await api.post(`${base}/close`, undefined, { headers: { "Idempotency-Key": idempotencyKey() } });
        await load("#co-closed-banner");
      });
    }
    if (rights.delete) {
      const confirm = h("div", { class: "co-confirm", hidden: true, id: "co-delete-confirm" },
        bindText(h("p"), "crm.order.delete_confirm"));
      act("co-delete", "crm.order.delete", async () => {
        if (confirm.hidden) {
          confirm.hidden = false;
          bindText($("#co-delete", body), "crm.order.delete_really");
          return;
        }
        await api.delete(base, { headers: ifMatch(order.version) });
        app.navigate("/contact-orders");
      });
      buttons.push(confirm);
    }
    if (!buttons.length) return null;
    return section("co-actions-box", "crm.order.actions", h("div", { class: "co-action-list" }, buttons), error);
  }

  // --- notes ------------------------------------------------------------------------

  function notesSection(order, notes) {
    const byId = new Map(notes.map((n) => [n.id, n]));
    const newestFirst = [...notes].reverse(); // the API answers oldest first, ties in writing order
    const list = h("ol", { class: "co-notes", id: "co-notes", reversed: true },
      newestFirst.map((note) => {
        const corrected = note.corrects ? byId.get(note.corrects) : null;
        return h("li", { class: "entry co-note", dataset: { note: note.id } },
          h("p", { class: "entry__head" },
            h("strong", { class: "entry__author" }, note.author_name ?? ""), " · ",
            h("time", { class: "entry__time", datetime: note.at }, formatDateTime(note.at)),
            note.hours ? h("span", { class: "co-note__hours", dataset: { hours: String(note.hours) } }, " · ",
              bindText(h("span"), "crm.order.note_hours", { hours: hoursText(note.hours) })) : null),
          corrected ? bindText(h("p", { class: "co-note__corrects muted" }), "crm.order.corrects",
            { when: formatDateTime(corrected.at), who: corrected.author_name ?? "" }) : null,
          h("p", { class: "entry__body co-note__body" }, note.body),
          !order.closed && rights.edit
            ? bindText(h("button", { class: "button button--secondary button--small", type: "button", dataset: { correct: note.id },
              on: { click: () => startCorrection(note) } }), "crm.order.correct")
            : null);
      }));
    const total = h("p", { class: "co-total", id: "co-total-hours" },
      bindText(h("span"), "crm.order.total_hours_is", { hours: hoursText(order.total_hours) }));
    const parts = [total];
    if (!order.closed && rights.edit) parts.push(noteForm());
    parts.push(notes.length ? list : bindText(h("p", { class: "muted" }), "crm.order.no_notes"));
    return section("co-notes-box", "crm.order.notes", ...parts);
  }

  function noteForm() {
    const correction = h("p", { class: "notice co-correcting", id: "co-correcting", hidden: !correcting });
    if (correcting) {
      correction.append(bindText(h("span"), "crm.order.correcting", { when: formatDateTime(correcting.at) }), " ",
        bindText(h("button", { class: "button button--secondary button--small", type: "button", on: { click: () => { correcting = null; load("#co-note-body"); } } }),
          "crm.cancel"));
    }
    const form = h("form", { class: "form co-note-form", id: "co-note-form", novalidate: true },
      formError(), correction,
      formField("co-note-body", "crm.order.note", h("textarea", { id: "co-note-body", name: "body", rows: "4", maxlength: "20000" }),
        { hint: "crm.order.note_hint", required: true }),
      formField("co-note-hours", "crm.order.hours", h("input", { id: "co-note-hours", name: "hours", type: "text", inputmode: "decimal", autocomplete: "off", size: "6" }),
        { hint: "crm.order.hours_hint" }),
      bindText(h("button", { class: "button button--primary", type: "submit", id: "co-note-save", dataset: { busyI18n: "common.saving" } }), "crm.order.add_note"));
    onSubmit(form, async (values) => {
      const text = String(values.body ?? "").trim();
      const typed = String(values.hours ?? "").trim().replace(",", ".");
      const errors = {};
      if (!text) errors.body = "crm.order.errors.body";
      const hours = typed === "" ? null : Number(typed);
      if (typed !== "" && !(hours > 0 && hours <= 24)) errors.hours = "crm.order.errors.hours";
      if (Object.keys(errors).length) throw new FormError(errors);
      const note = { body: text };
      if (hours !== null) note.hours = hours;
      if (correcting) note.corrects = correcting.id;
      await api.post(`${base}/notes`, note, { headers: { "Idempotency-Key": idempotencyKey() } });
      correcting = null;
      await load("#co-notes-box-title");
    }, { context: "crm.order" });
    return form;
  }

  function startCorrection(note) {
    correcting = note;
    load("#co-note-body");
  }

  // --- bookings ---------------------------------------------------------------------

  function bookingsSection(order, bookings) {
    const sorted = [...bookings].sort((a, b) => String(a.at).localeCompare(String(b.at)));
    const list = h("ul", { class: "co-bookings", id: "co-bookings" },
      sorted.map((b) => {
        const done = Boolean(b.done_at);
        const form = !done && !order.closed && rights.edit ? h("form", { class: "co-inline" },
          bindText(h("button", { class: "button button--secondary button--small", type: "submit", dataset: { done: b.id } }), "crm.todo.done")) : null;
        if (form) {
          onBusySubmit(form, async () => {
            await api.post(`${base}/bookings/${encodeURIComponent(b.id)}/done`, undefined);
            await load("#co-bookings-box-title");
          });
        }
        return h("li", { class: `co-booking${done ? " co-booking--done" : ""}`, dataset: { booking: b.id, kind: b.kind } },
          h("time", { datetime: b.at, class: "co-booking__at" }, formatDateTime(b.at)), " · ",
          bindText(h("span", { class: "co-booking__kind" }), `crm.kind.${b.kind}`), " · ",
          h("span", { class: "co-booking__who" }, userName(users, b.assignee_id)),
          b.note ? h("span", { class: "co-booking__note" }, ` · ${b.note}`) : null,
          done ? h("span", { class: "muted" }, " · ", bindText(h("span"), "crm.order.booking_done")) : null,
          form ? " " : null, form);
      }));
    const parts = [];
    if (!order.closed && rights.edit) parts.push(bookingForm());
    parts.push(bookings.length ? list : bindText(h("p", { class: "muted" }), "crm.order.no_bookings"));
    return section("co-bookings-box", "crm.order.bookings", ...parts);
  }

  function bookingForm() {
    const zoneHint = timeZone ? t("crm.order.time_zone", { zone: timeZone }) : "";
    const form = h("form", { class: "form co-booking-form", id: "co-booking-form", novalidate: true },
      formError(),
      h("fieldset", { class: "choices" },
        bindText(h("legend"), "crm.order.booking_kind"),
        h("div", { class: "choices__row" }, KINDS.map((kind, i) => h("label", { class: "choice", for: `co-kind-${kind}` },
          h("input", { type: "radio", id: `co-kind-${kind}`, name: "kind", value: kind, checked: i === 0 }), " ",
          bindText(h("span"), `crm.kind.${kind}`)))),
        h("p", { class: "field__error", dataset: { fieldError: "kind" } })),
      h("div", { class: "co-booking-form__when" },
        formField("co-booking-date", "crm.order.date", h("input", { id: "co-booking-date", name: "date", type: "date" }), { required: true }),
        formField("co-booking-time", "crm.order.time", h("input", { id: "co-booking-time", name: "time", type: "time" }), { required: true })),
      zoneHint ? h("p", { class: "field__hint", id: "co-booking-zone" }, zoneHint) : null,
      formField("co-booking-duration", "crm.order.duration", h("input", { id: "co-booking-duration", name: "duration_minutes", type: "number", min: "5", max: "1440", step: "5", value: "30" })),
      rights.assign ? formField("co-booking-who", "crm.order.booking_for", h("select", { id: "co-booking-who", name: "assignee_id" },
        users.map((u) => option(u.id, u.id === user.id ? t("crm.form.me", { name: u.name }) : u.name, user.id)))) : null,
      formField("co-booking-note", "crm.order.booking_note", h("input", { id: "co-booking-note", name: "note", maxlength: "2000", autocomplete: "off" })),
      bindText(h("button", { class: "button button--primary", type: "submit", id: "co-booking-save", dataset: { busyI18n: "common.saving" } }), "crm.order.book"));
    onSubmit(form, async (values) => {
      const at = instantOf(values.date, values.time, timeZone);
      if (!at) {
        const errors = {};
        if (!values.date) errors.date = "crm.order.errors.date";
        if (!values.time) errors.time = "crm.order.errors.time";
        throw new FormError(Object.keys(errors).length ? errors : { date: "crm.order.errors.date" });
      }
      const booking = { at, kind: values.kind ?? "meeting", duration_minutes: Number(values.duration_minutes) || 30 };
      if (values.note) booking.note = values.note.trim();
      if (values.assignee_id && values.assignee_id !== user.id) booking.assignee_id = values.assignee_id;
      try {
        await api.post(`${base}/bookings`, booking, { headers: { "Idempotency-Key": idempotencyKey() } });
      } catch (error) {
        if (error.fields?.has("at")) error.fields.set("date", error.fields.get("at"));
        throw error;
      }
      await load("#co-bookings-box-title");
    }, { context: "crm.order" });
    return form;
  }

  // --- documents --------------------------------------------------------------------

  function documentsSection(order, documents) {
    const error = h("div", { class: "form-error", role: "alert", id: "co-doc-error" });
    const list = h("ul", { class: "files co-documents", id: "co-documents" },
      documents.map((d) => {
        const download = h("button", { class: "button button--secondary button--small", type: "button", dataset: { download: d.id },
          on: { click: async () => {
            error.replaceChildren();
            try {
              await downloadFrom(`${base}/documents/${encodeURIComponent(d.id)}/link`);
            } catch (failure) {
              error.replaceChildren(bindText(h("p"), errorKey(failure)));
            }
          } } }, d.filename);
        let remove = null;
        if (rights.deleteFiles && !order.closed) {
          remove = h("form", { class: "co-inline" },
            h("button", { class: "button button--secondary button--small", type: "submit", dataset: { deleteDocument: d.id },
              "aria-label": t("crm.order.delete_document", { name: d.filename }) }, bindText(h("span"), "crm.order.delete_short")));
          onBusySubmit(remove, async () => {
            error.replaceChildren();
            try {
              await api.delete(`${base}/documents/${encodeURIComponent(d.id)}`);
              await load("#co-documents-box-title");
            } catch (failure) {
              error.replaceChildren(bindText(h("p"), errorKey(failure)));
            }
          });
        }
        return h("li", { class: "file co-document", dataset: { document: d.filename } },
          download, " ", h("span", { class: "muted" }, formatBytes(d.size)), remove ? " " : null, remove);
      }));
    const parts = [];
    if (!order.closed && rights.edit) {
      const picker = filePicker({ id: "co-doc-files", announceAt: (id) => `${orderPath(id)}/documents`,
        labelKey: "crm.order.files", hintKey: "crm.order.files_hint" });
      const form = h("form", { class: "form co-doc-form", id: "co-doc-form", novalidate: true },
        formError(), picker.element,
        bindText(h("button", { class: "button button--secondary", type: "submit", id: "co-doc-upload", dataset: { busyI18n: "common.sending" } }), "crm.order.upload"));
      onSubmit(form, async () => {
        if (!picker.count()) throw new FormError({ files: "crm.order.errors.files" });
        picker.lock(true);
        const { failed } = await picker.upload(orderId);
        picker.lock(false);
        if (failed) return; // each failed file says why in its row
        await load("#co-documents-box-title");
      });
      parts.push(form);
    }
    parts.push(error, documents.length ? list : bindText(h("p", { class: "muted" }), "crm.order.no_documents"));
    return section("co-documents-box", "crm.order.documents", ...parts);
  }

  (async () => {
    const [settings, staff] = await Promise.all([tenantSettings().catch(() => null), staffUsers().catch(() => [])]);
    users = staff;
    // A time typed is read in the zone times are shown in: the tenant's, or the user's own.
    timeZone = shownTimeZone() ?? settings?.support_hours?.timezone;
    statuses = settings?.contact_order_statuses ?? [];
    if (alive) load();
  })();
  return { cleanup: () => { alive = false; } };
}
