// Subscribing to a network (#/subscriptions/new): find the network (name, sector,
// region), tick the product/service codes from its code list and see the yearly price
// follow (GET /networks/{id}/quote), then subscribe for a year.

import { api, idempotencyKey } from "../../api.js";
import { h } from "../../dom.js";
import { onSubmit } from "../../forms.js";
import { bindText, localized, t } from "../../i18n.js";
import { fill, money, networkPath, showLoadError, subscriptionPath } from "./common.js";

function tierText(tier, currency) {
  const price = money(tier.yearly_price, currency);
  return tier.up_to === null || tier.up_to === undefined
    ? t("networks.tiers.unlimited", { price })
    : t("networks.tiers.up_to", { count: tier.up_to, price });
}

export default function subscribe(container, app) {
  const title = bindText(h("h1", { id: "subscribe-title", tabindex: "-1" }), "networks.subscribe.title");
  const search = h("form", { class: "filters card", id: "network-search", role: "search", novalidate: true },
    h("div", { class: "field filters__field filters__search" },
      bindText(h("label", { for: "network-q" }), "networks.subscribe.search"),
      h("div", { class: "filters__row" },
        h("input", { id: "network-q", name: "q", type: "search", maxlength: "200", autocomplete: "off" }),
        bindText(h("button", { class: "button button--secondary", type: "submit", id: "network-search-submit" }), "networks.subscribe.search_submit"))));
  const alert = h("div", { class: "form-error", role: "alert" });
  const status = h("p", { class: "muted list-status", role: "status" });
  const choices = h("div", { class: "choices__list", id: "network-choices" });
  const details = h("div", { class: "subscribe__details" });
  const form = h("form", { class: "form", id: "subscribe-form", novalidate: true },
    h("div", { class: "form-error", role: "alert", dataset: { formError: "" } }),
    h("fieldset", { class: "field choices", "aria-describedby": "network-choice-error" },
      bindText(h("legend"), "networks.subscribe.network"), choices,
      h("p", { class: "field__error", id: "network-choice-error", dataset: { fieldError: "network_id" } })),
    details);
  const screen = h("section", { class: "subscribe", dataset: { screen: "subscribe" }, "aria-labelledby": "subscribe-title" },
    h("p", { class: "crumbs" }, bindText(h("a", { href: "#/subscriptions" }), "networks.mine.back")),
    h("div", { class: "card" }, title, bindText(h("p", { class: "lead" }), "networks.subscribe.intro"), search, alert, status, form));
  container.replaceChildren(screen);
  let alive = true;
  let network = null;
  let chosenId = null; // the radio button ticked (its network may still be loading)
  let quoteSeq = 0;

  let findSeq = 0;

  async function find(q) {
    const seq = ++findSeq;
    bindText(status, "common.loading");
    alert.replaceChildren();
    try {
      const found = await api.get(`/networks${q ? `?q=${encodeURIComponent(q)}` : ""}`);
      if (!alive || seq !== findSeq) return; // a newer search is on its way
      const items = found.items ?? [];
      bindText(status, "networks.subscribe.found", { count: items.length });
      choices.replaceChildren(...items.map((n) => h("label", { class: "choice", for: `network-${n.id}` },
        h("input", { type: "radio", name: "network_id", id: `network-${n.id}`, value: n.id }), " ",
        h("span", {}, h("strong", { text: localized(n.name) }), " ",
          h("span", { class: "muted", text: [n.sector, n.regions.join(", ")].join(" · ") })))));
      // The network chosen stays chosen (with its codes) when the new search finds it too.
      const kept = chosenId && items.some((n) => n.id === chosenId);
      if (kept) choices.querySelector(`#network-${CSS.escape(chosenId)}`).checked = true;
      else {
        details.replaceChildren();
        network = null;
        chosenId = null;
      }
    } catch (error) {
      if (!alive || seq !== findSeq) return;
      status.replaceChildren();
      showLoadError(alert, error);
    }
  }

  async function updateQuote(box, count) {
    const seq = ++quoteSeq;
    try {
      const quote = await api.get(`${networkPath(network.id)}/quote?codes=${count}`);
      if (!alive || seq !== quoteSeq) return; // a newer choice is on its way
      bindText(box, quote.unlimited ? "networks.subscribe.quote_unlimited" : "networks.subscribe.quote",
        { count, price: money(quote.yearly_price, quote.currency) });
      box.dataset.price = String(quote.yearly_price);
    } catch (error) {
      if (!alive || seq !== quoteSeq) return;
      showLoadError(box, error);
    }
  }

  async function choose(networkId) {
    chosenId = networkId;
    network = null;
    details.replaceChildren(bindText(h("p", { class: "muted", role: "status" }), "common.loading"));
    let loaded;
    try {
      loaded = await api.get(networkPath(networkId));
    } catch (error) {
      if (alive && chosenId === networkId) showLoadError(details, error);
      return;
    }
    if (!alive || chosenId !== networkId) return; // another network was chosen meanwhile
    network = loaded;
    const quote = h("p", { class: "quote", id: "subscribe-quote", role: "status", "aria-live": "polite" });
    const codes = h("div", { class: "choices__list choices__list--columns", id: "subscribe-codes" },
      (network.code_list ?? []).map((c, n) => h("label", { class: "choice", for: `code-${n}` },
        h("input", { type: "checkbox", name: `code:${c.code}`, id: `code-${n}`, value: c.code }), " ",
        h("span", { text: `${c.code} ${localized(c.name)}` }))));
    codes.addEventListener("change", () => updateQuote(quote, codes.querySelectorAll("input:checked").length));
    fill(details, 
      network.description ? h("p", { text: localized(network.description) }) : null,
      h("div", { class: "card card--inner" }, bindText(h("h2"), "networks.tiers.title"),
        h("ul", { class: "tiers" }, network.price_tiers.map((tier) => h("li", { text: tierText(tier, network.currency) })))),
      h("fieldset", { class: "field choices", "aria-describedby": "subscribe-codes-hint subscribe-codes-error" },
        bindText(h("legend"), "networks.subscribe.codes"),
        bindText(h("p", { class: "field__hint", id: "subscribe-codes-hint" }), "networks.subscribe.codes_hint"),
        codes,
        h("input", { type: "hidden", name: "product_codes" }),
        h("p", { class: "field__error", id: "subscribe-codes-error", dataset: { fieldError: "product_codes" } })),
      quote,
      h("fieldset", { class: "field choices", "aria-describedby": "subscribe-regions-hint subscribe-regions-error" },
        bindText(h("legend"), "networks.subscribe.regions"),
        bindText(h("p", { class: "field__hint", id: "subscribe-regions-hint" }), "networks.subscribe.regions_hint"),
        h("div", { class: "choices__row", id: "subscribe-regions" }, network.regions.map((r) => h("label", { class: "choice", for: `region-${r}` },
          h("input", { type: "checkbox", name: `region:${r}`, id: `region-${r}`, value: r, checked: true }), " ", h("span", { text: r })))),
        h("input", { type: "hidden", name: "regions" }),
        h("p", { class: "field__error", id: "subscribe-regions-error", dataset: { fieldError: "regions" } })),
      h("div", {}, bindText(h("button", { class: "button button--primary", type: "submit", id: "subscribe-submit",
        dataset: { busyI18n: "common.saving" } }), "networks.subscribe.submit")));
    updateQuote(quote, 0);
  }

  search.addEventListener("submit", (event) => {
    event.preventDefault();
    find(search.elements.q.value.trim());
  });
  choices.addEventListener("change", (event) => {
    if (event.target.name === "network_id") choose(event.target.value);
  });
  onSubmit(form, async (values) => {
    const chosen = (prefix) => Object.keys(values).filter((k) => k.startsWith(prefix) && values[k]).map((k) => k.slice(prefix.length));
    const regions = chosen("region:");
    const body = { network_id: values.network_id ?? "", product_codes: chosen("code:") };
    // Every region ticked is the default (all of the network's), so it is left out.
    if (network && regions.length < network.regions.length) body.regions = regions;
    const created = await api.post("/subscriptions", body,
      { headers: { "Idempotency-Key": idempotencyKey() } });
    app.navigate(subscriptionPath(created.id));
  }, { context: "networks.subscribe", statusKeys: { 409: "networks.subscribe.already" } });

  find("");
  return { cleanup: () => { alive = false; } };
}
