// A supplier's subscriptions (#/subscriptions, module "subscriptions"): per network its
// status, the organisation's six-digit supplier id, the expiry and the yearly price, a
// link to the questionnaire and renewal for another year.

import { api, ApiError } from "../../api.js";
import { h } from "../../dom.js";
import { errorKey, onBusySubmit } from "../../forms.js";
import { bindText, localized, onLanguageChange } from "../../i18n.js";
import { dateOf, facts, fill, ifMatch, money, showLoadError, statusPill, subscriptionPath } from "./common.js";
import { accountManager, accountManagerCard } from "./manager.js";

// Renewal is offered once a subscription is published, or when it has run out.
const RENEWABLE = ["published", "expired"];

export default function mySubscriptions(container) {
  const title = bindText(h("h1", { id: "subscriptions-title", tabindex: "-1" }), "modules.subscriptions.title");
  const notice = h("p", { class: "notice", role: "status", dataset: { notice: "" } });
  const alert = h("div", { class: "form-error", role: "alert", dataset: { loadError: "" } });
  const list = h("ul", { class: "subscription-list", id: "subscription-list" });
  const status = bindText(h("p", { class: "muted list-status", role: "status" }), "common.loading");
  const managerSlot = h("div", { class: "subscriptions__manager" });
  const screen = h("section", { class: "subscriptions", dataset: { screen: "subscriptions" }, "aria-labelledby": "subscriptions-title" },
    h("div", { class: "page-head" }, title,
      bindText(h("a", { class: "button button--primary", id: "subscribe-link", href: "#/subscriptions/new" }), "networks.subscribe.link")),
    bindText(h("p", { class: "lead" }), "networks.mine.intro"),
    notice, alert, status, list, managerSlot);
  container.replaceChildren(screen);
  let alive = true;
  let shown = null;

  function row(subscription, names) {
    const renew = RENEWABLE.includes(subscription.status) ? h("form", { class: "subscription-card__renew" },
      h("div", { class: "form-error", role: "alert", dataset: { formError: "" } }),
      bindText(h("button", { class: "button button--secondary button--small", type: "submit",
        dataset: { busyI18n: "common.saving" } }), "networks.mine.renew")) : null;
    if (renew) {
      onBusySubmit(renew, async () => {
        try {
          await api.post(`${subscriptionPath(subscription.id)}/renew`, undefined, { headers: ifMatch(subscription.version) });
        } catch (error) {
          if (!(error instanceof ApiError)) console.error(error);
          renew.querySelector("[data-form-error]").replaceChildren(bindText(h("p"), errorKey(error, { 412: "errors.conflict" })));
          return;
        }
        await load();
        notice.replaceChildren(bindText(h("span"), "networks.mine.renewed"));
      });
    }
    const name = names.get(subscription.network_id) ?? subscription.network_id;
    return h("li", { class: "card subscription-card", dataset: { subscription: subscription.id, status: subscription.status } },
      h("h2", { class: "subscription-card__title" },
        h("a", { href: `#${subscriptionPath(subscription.id)}`, text: name })),
      h("p", { class: "supplier-id" }, bindText(h("span", { class: "supplier-id__label" }), "networks.supplier_id"), " ",
        h("strong", { class: "supplier-id__value", dataset: { supplierId: "" }, text: subscription.supplier_id })),
      facts([
        ["networks.fields.status", statusPill(subscription.status), "status"],
        ["networks.fields.expires", dateOf(subscription.expires_at), "expires"],
        ["networks.fields.price", money(subscription.yearly_price, subscription.currency), "price"],
      ]),
      // An expired supplier is hidden from buyers: say so where the supplier looks.
      subscription.status === "expired"
        ? bindText(h("p", { class: "notice", dataset: { expiredHidden: "" } }), "networks.mine.expired_hidden")
        : null,
      renew);
  }

  function draw() {
    const { items, names } = shown;
    list.replaceChildren(...items.map((s) => row(s, names)));
    bindText(status, items.length ? "networks.mine.count" : "networks.mine.none", { count: items.length });
  }

  async function load() {
    try {
      const [page, networks] = await Promise.all([api.get("/subscriptions?limit=100"), api.get("/networks")]);
      if (!alive) return;
      const names = new Map((networks.items ?? []).map((n) => [n.id, localized(n.name)]));
      shown = { items: page.items ?? [], names };
      draw();
    } catch (error) {
      if (!alive) return;
      status.replaceChildren();
      showLoadError(alert, error);
    }
  }

  const stopLanguage = onLanguageChange(() => {
    if (shown) draw();
  });
  load();
  accountManager().then((manager) => {
    if (alive) fill(managerSlot, accountManagerCard(manager));
  });
  return { cleanup: () => { alive = false; stopLanguage(); } };
}
