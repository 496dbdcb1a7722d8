// Staff's networks area (#/networks, module "networks"): the validation queue — the
// subscriptions of a status, oldest first (submitted: those waiting for validation) —
// and the networks, found by name, each opening its page.

import { api } from "../../api.js";
import { h } from "../../dom.js";
import { onBusySubmit } from "../../forms.js";
import { bindText, formatDateTime, localized, onLanguageChange } from "../../i18n.js";
import { SUBSCRIPTION_STATUSES, dateOf, networkPath, showLoadError, statusPill, subscriptionPath } from "./common.js";

export default function networks(container) {
  const queueStatus = h("select", { id: "queue-status", name: "status" },
    SUBSCRIPTION_STATUSES.map((s) => bindText(h("option", { value: s, selected: s === "submitted" }), `networks.status.${s}`)));
  const queueList = h("ul", { class: "ticket-list", id: "queue-list" });
  const queueInfo = h("p", { class: "muted list-status", role: "status" });
  const queueError = h("div", { class: "form-error", role: "alert" });
  const more = h("form", { class: "list-more", hidden: true },
    bindText(h("button", { class: "button button--secondary", type: "submit", id: "queue-more", dataset: { busyI18n: "common.loading" } }),
      "tickets.more"));
  const search = h("form", { class: "filters", id: "networks-search", role: "search", novalidate: true },
    h("div", { class: "field filters__field filters__search" },
      bindText(h("label", { for: "networks-q" }), "networks.staff.search"),
      h("div", { class: "filters__row" },
        h("input", { id: "networks-q", name: "q", type: "search", maxlength: "200", autocomplete: "off" }),
        bindText(h("button", { class: "button button--secondary", type: "submit" }), "networks.subscribe.search_submit"))));
  const networkList = h("ul", { class: "ticket-list", id: "networks-list" });
  const networkError = h("div", { class: "form-error", role: "alert" });
  const screen = h("section", { class: "networks", dataset: { screen: "networks" }, "aria-labelledby": "networks-title" },
    bindText(h("h1", { id: "networks-title", tabindex: "-1" }), "modules.networks.title"),
    h("section", { class: "card", "aria-labelledby": "queue-title" },
      bindText(h("h2", { id: "queue-title" }), "networks.staff.queue_title"),
      bindText(h("p", { class: "lead" }), "networks.staff.queue_intro"),
      h("div", { class: "field filters__field" }, bindText(h("label", { for: "queue-status" }), "networks.fields.status"), queueStatus),
      queueError, queueInfo, queueList, more),
    h("section", { class: "card", "aria-labelledby": "networks-list-title" },
      bindText(h("h2", { id: "networks-list-title" }), "networks.staff.networks_title"),
      search, networkError, networkList));
  container.replaceChildren(screen);
  let alive = true;
  let names = new Map();
  let cursor = null;
  let rows = [];

  function queueRow(s) {
    return h("li", { class: "ticket-row", dataset: { subscription: s.id, status: s.status } },
      h("div", { class: "ticket-row__main" },
        h("a", { class: "ticket-row__link", href: `#${subscriptionPath(s.id)}` },
          h("span", { class: "ticket-row__number", text: s.supplier_id }), " ",
          h("span", { class: "ticket-row__subject", text: s.organization_name ?? "" })),
        h("p", { class: "ticket-row__meta" }, statusPill(s.status), " ",
          h("span", { class: "meta", text: names.get(s.network_id) ?? "" }))),
      h("p", { class: "ticket-row__side" }, h("span", { class: "meta" },
        s.submitted_at ? [bindText(h("span"), "networks.fields.submitted"), " ", formatDateTime(s.submitted_at)]
          : [bindText(h("span"), "networks.fields.expires"), " ", dateOf(s.expires_at)])));
  }

  let queueSeq = 0;

  async function loadQueue(next = false) {
    const seq = ++queueSeq;
    if (!next) {
      cursor = null;
      rows = [];
      bindText(queueInfo, "common.loading");
    }
    queueError.replaceChildren();
    try {
      const query = new URLSearchParams({ status: queueStatus.value, limit: "25" });
      if (next && cursor) query.set("cursor", cursor);
      const page = await api.get(`/subscriptions?${query}`);
      if (!alive || seq !== queueSeq) return; // another status was chosen meanwhile
      rows = [...rows, ...(page.items ?? [])];
      cursor = page.next_cursor ?? null;
      queueList.replaceChildren(...rows.map(queueRow));
      bindText(queueInfo, "networks.staff.queue_count", { count: rows.length });
      more.hidden = !cursor;
    } catch (error) {
      if (!alive || seq !== queueSeq) return;
      queueInfo.replaceChildren();
      showLoadError(queueError, error);
    }
  }

  let networkSeq = 0;

  async function loadNetworks(q = "") {
    const seq = ++networkSeq;
    networkError.replaceChildren();
    try {
      const found = await api.get(`/networks${q ? `?q=${encodeURIComponent(q)}` : ""}`);
      if (!alive || seq !== networkSeq) return; // a newer search is on its way
      const items = found.items ?? [];
      if (!q) names = new Map(items.map((n) => [n.id, localized(n.name)]));
      networkList.replaceChildren(...items.map((n) => h("li", { class: "ticket-row", dataset: { network: n.id } },
        h("div", { class: "ticket-row__main" },
          h("a", { class: "ticket-row__link", href: `#${networkPath(n.id)}`, text: localized(n.name) }),
          h("p", { class: "ticket-row__meta muted", text: [n.sector, n.regions.join(", ")].join(" · ") })))));
      if (!items.length) networkList.append(bindText(h("li", { class: "muted" }), "networks.staff.no_networks"));
    } catch (error) {
      if (alive) showLoadError(networkError, error);
    }
  }

  queueStatus.addEventListener("change", () => loadQueue());
  onBusySubmit(more, () => loadQueue(true));
  search.addEventListener("submit", (event) => {
    event.preventDefault();
    loadNetworks(search.elements.q.value.trim());
  });
  const stopLanguage = onLanguageChange(() => loadQueue());
  // The network names first: the queue's rows name their network.
  loadNetworks().then(() => loadQueue());
  return { cleanup: () => { alive = false; stopLanguage(); } };
}
