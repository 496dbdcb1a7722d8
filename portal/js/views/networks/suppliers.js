// The buyers' supplier search (#/suppliers, module "suppliers"): the published suppliers
// of a network the buyer's organisation is a member of, by name or six-digit supplier id,
// product/service code and region; follow or stop following each; the suppliers followed.
// The search lives in the address (#/suppliers?network_id=…&q=…) so back from a profile
// finds it again.

import { api } from "../../api.js";
import { h } from "../../dom.js";
import { errorKey, onBusySubmit } from "../../forms.js";
import { bindText, localized, onLanguageChange } from "../../i18n.js";
import { currentUser } from "../../session.js";
import { dateOf, fill, networkPath, showLoadError } from "./common.js";

const FILTERS = ["network_id", "q", "code", "region"];

export function supplierPath(supplierId) {
  return `/suppliers/${encodeURIComponent(supplierId)}`;
}

/** The search from the address: only the known filters, each at most 200 characters. */
export function searchFrom(params) {
  return Object.fromEntries(FILTERS.map((name) => [name, (params.get(name) ?? "").slice(0, 200)]));
}

/** GET /suppliers's query: the filters given (network_id always). */
export function searchQuery(search) {
  const query = new URLSearchParams();
  for (const name of FILTERS) if (search[name]) query.set(name, search[name]);
  return query;
}

/** A follow button that follows or stops following; `changed(followed)` after each. */
export function followButton(supplierId, followed, changed = () => {}) {
  let state = Boolean(followed);
  const label = h("span");
  const button = h("button", { class: "button button--secondary button--small", type: "submit",
    dataset: { follow: supplierId } }, label);
  const error = h("div", { class: "form-error", role: "alert" });
  const form = h("form", { class: "follow" }, button, error);
  const show = () => {
    bindText(label, state ? "networks.buyer.unfollow" : "networks.buyer.follow");
    button.setAttribute("aria-pressed", String(state));
    button.dataset.followed = String(state);
  };
  onBusySubmit(form, async () => {
    error.replaceChildren();
    try {
      if (state) await api.delete(`${supplierPath(supplierId)}/follow`);
      else await api.post(`${supplierPath(supplierId)}/follow`, undefined);
    } catch (failure) {
      error.replaceChildren(bindText(h("p"), errorKey(failure)));
      return;
    }
    state = !state;
    show();
    changed(state);
  });
  show();
  return form;
}

/** The networks this user may search: for a buyer, those its organisation is a member of. */
async function searchableNetworks() {
  const all = (await api.get("/networks")).items ?? [];
  const full = await Promise.all(all.map((n) => api.get(networkPath(n.id))));
  const user = currentUser();
  return user.kind === "staff" ? full : full.filter((n) => n.member_organization_ids.includes(user.organization_id));
}

export default function suppliers(container, app, path, params) {
  let search = searchFrom(params);
  const form = h("form", { class: "filters card", id: "supplier-search", role: "search", novalidate: true });
  const info = h("p", { class: "muted list-status", role: "status" });
  const alert = h("div", { class: "form-error", role: "alert" });
  const list = h("ul", { class: "ticket-list", id: "supplier-list" });
  const more = h("form", { class: "list-more", hidden: true },
    bindText(h("button", { class: "button button--secondary", type: "submit", id: "suppliers-more", dataset: { busyI18n: "common.loading" } }),
      "tickets.more"));
  const followedList = h("ul", { class: "followed__list", id: "followed-list" });
  const screen = h("section", { class: "suppliers", dataset: { screen: "suppliers" }, "aria-labelledby": "suppliers-title" },
    bindText(h("h1", { id: "suppliers-title", tabindex: "-1" }), "modules.suppliers.title"),
    bindText(h("p", { class: "lead" }), "networks.buyer.intro"),
    form, alert, info, list, more,
    h("section", { class: "card followed", "aria-labelledby": "followed-title" },
      bindText(h("h2", { id: "followed-title" }), "networks.buyer.followed_title"), followedList));
  container.replaceChildren(screen);
  let alive = true;
  let networks = [];
  let rows = [];
  let cursor = null;

  function labelled(id, key, control) {
    return h("div", { class: "field filters__field" }, bindText(h("label", { for: id }), key), control);
  }

  function option(value, text, selected, key) {
    const el = h("option", { value, selected: value === selected }, text);
    return key ? bindText(el, key) : el;
  }

  function buildForm() {
    const network = networks.find((n) => n.id === search.network_id);
    fill(form,
      labelled("supplier-network", "networks.fields.network", h("select", { id: "supplier-network", name: "network_id" },
        networks.map((n) => option(n.id, localized(n.name), search.network_id)))),
      labelled("supplier-code", "networks.buyer.code", h("select", { id: "supplier-code", name: "code" },
        option("", "", search.code, "networks.buyer.any_code"),
        (network?.code_list ?? []).map((c) => option(String(c.code), `${c.code} ${localized(c.name)}`, search.code)))),
      labelled("supplier-region", "networks.buyer.region", h("select", { id: "supplier-region", name: "region" },
        option("", "", search.region, "networks.buyer.any_region"),
        (network?.regions ?? []).map((r) => option(r, r, search.region)))),
      h("div", { class: "field filters__field filters__search" },
        bindText(h("label", { for: "supplier-q" }), "networks.buyer.search"),
        h("div", { class: "filters__row" },
          h("input", { id: "supplier-q", name: "q", type: "search", maxlength: "200", autocomplete: "off", value: search.q,
            "aria-describedby": "supplier-q-hint" }),
          bindText(h("button", { class: "button button--secondary", type: "submit", id: "supplier-search-submit" }),
            "networks.subscribe.search_submit")),
        bindText(h("p", { class: "field__hint", id: "supplier-q-hint" }), "networks.buyer.search_hint")));
  }

  function row(listing) {
    return h("li", { class: "ticket-row", dataset: { supplier: listing.supplier_id } },
      h("div", { class: "ticket-row__main" },
        h("a", { class: "ticket-row__link", href: `#${supplierPath(listing.supplier_id)}` },
          h("span", { class: "ticket-row__number", text: listing.supplier_id }), " ",
          h("span", { class: "ticket-row__subject", text: listing.name })),
        h("p", { class: "ticket-row__meta muted" },
          h("span", { text: listing.product_codes.join(", ") }), " · ", h("span", { text: listing.regions.join(", ") }), " · ",
          bindText(h("span"), "networks.fields.expires"), " ", dateOf(listing.expires_at))),
      h("div", { class: "ticket-row__side" }, followButton(listing.supplier_id, listing.followed, loadFollowed)));
  }

  let runSeq = 0;

  async function run(next = false) {
    if (!search.network_id) return;
    const seq = ++runSeq;
    if (!next) {
      rows = [];
      cursor = null;
      bindText(info, "common.loading");
    }
    alert.replaceChildren();
    list.setAttribute("aria-busy", "true"); // until the newest search has answered
    const query = searchQuery(search);
    history.replaceState(history.state, "", `#/suppliers?${query}`);
    if (next && cursor) query.set("cursor", cursor);
    try {
      const page = await api.get(`/suppliers?${query}`);
      if (!alive || seq !== runSeq) return; // a newer search is on its way
      rows = [...rows, ...(page.items ?? [])];
      cursor = page.next_cursor ?? null;
      list.replaceChildren(...rows.map(row));
      bindText(info, "networks.buyer.count", { count: rows.length });
      more.hidden = !cursor;
      list.removeAttribute("aria-busy");
    } catch (error) {
      if (!alive || seq !== runSeq) return;
      list.removeAttribute("aria-busy");
      info.replaceChildren();
      showLoadError(alert, error);
    }
  }

  async function loadFollowed() {
    try {
      const page = await api.get("/me/followed-suppliers?limit=100");
      if (!alive) return;
      const items = page.items ?? [];
      fill(followedList, items.map((f) => h("li", { dataset: { followed: f.supplier_id } },
        h("a", { href: `#${supplierPath(f.supplier_id)}` }, h("strong", { text: f.supplier_id }), " ", f.name ?? ""))),
      items.length ? null : bindText(h("li", { class: "muted" }), "networks.buyer.none_followed"));
    } catch (error) {
      if (alive) showLoadError(followedList, error);
    }
  }

  form.addEventListener("change", (event) => {
    if (event.target.tagName !== "SELECT") return;
    const networkChanged = event.target.name === "network_id";
    search = { ...search, [event.target.name]: event.target.value };
    if (networkChanged) {
      search.code = "";
      search.region = "";
      buildForm();
    }
    run();
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    search = { ...search, q: form.elements.q.value.trim() };
    run();
  });
  onBusySubmit(more, () => run(true));

  (async () => {
    try {
      networks = await searchableNetworks();
    } catch (error) {
      if (alive) showLoadError(alert, error);
      return;
    }
    if (!alive) return;
    if (!networks.some((n) => n.id === search.network_id)) search.network_id = networks[0]?.id ?? "";
    buildForm();
    if (!networks.length) bindText(info, "networks.buyer.no_networks");
    run();
  })();
  if (currentUser().kind !== "staff") loadFollowed();
  else screen.lastElementChild.remove(); // staff follow no one
  const stopLanguage = onLanguageChange(() => {
    if (networks.length) buildForm();
  });
  return { cleanup: () => { alive = false; stopLanguage(); } };
}
