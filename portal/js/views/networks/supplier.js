// A supplier's profile for buyers (#/suppliers/<six digits>): in each network the buyer
// may search where it is published, its codes, regions, validity, last audit result and
// the published answers (as validated, never drafts); follow or stop following.

import { api } from "../../api.js";
import { h } from "../../dom.js";
import { bindText, localized, onLanguageChange } from "../../i18n.js";
import { currentUser } from "../../session.js";
import { answerText, dateOf, facts, fill, showLoadError } from "./common.js";
import { followButton, supplierPath } from "./suppliers.js";

export default function supplierProfile(container, app, path, params, args) {
  const title = h("h1", { id: "supplier-title", tabindex: "-1" });
  const alert = h("div", { class: "form-error", role: "alert" });
  const body = h("div", { class: "subscription__body" }, bindText(h("p", { class: "muted", role: "status" }), "common.loading"));
  const staff = currentUser().kind === "staff";
  const screen = h("section", { class: "supplier", dataset: { screen: "supplier" }, "aria-labelledby": "supplier-title" },
    h("p", { class: "crumbs" }, bindText(h("a", { href: staff ? "#/networks" : "#/suppliers" }),
      staff ? "networks.staff.back" : "networks.buyer.back")),
    title, alert, body);
  container.replaceChildren(screen);
  let profile = null;
  let alive = true;

  function networkCard(entry) {
    const sections = entry.questionnaire?.sections ?? [];
    return h("section", { class: "card", dataset: { network: entry.network_id }, "aria-labelledby": `profile-${entry.network_id}` },
      h("h2", { id: `profile-${entry.network_id}`, text: localized(entry.network_name) }),
      facts([
        ["networks.fields.published", dateOf(entry.published_at), "published"],
        ["networks.fields.expires", dateOf(entry.expires_at), "expires"],
        ["networks.fields.codes", entry.product_codes.join(", ") || "–", "codes"],
        ["networks.buyer.regions", entry.regions.join(", ") || "–", "regions"],
        entry.last_audit_result
          ? ["networks.audits.last", bindText(h("span"), `networks.audits.result.${entry.last_audit_result}`), "audit"] : null,
      ]),
      sections.map((section) => h("section", { class: "network__section", dataset: { section: section.key } },
        h("h3", { text: localized(section.title) }),
        h("dl", { class: "facts review__answers" }, section.questions.map((q) => h("div", { dataset: { question: q.id } },
          h("dt", { text: localized(q.title) }), h("dd", { text: answerText(q, entry.answers?.[q.id]) })))))));
  }

  function draw() {
    title.textContent = profile.name ?? profile.supplier_id;
    fill(body,
      h("div", { class: "card subscription__head" },
        h("p", { class: "supplier-id" }, bindText(h("span", { class: "supplier-id__label" }), "networks.supplier_id"), " ",
          h("strong", { class: "supplier-id__value", dataset: { supplierId: "" }, text: profile.supplier_id })),
        staff ? null : followButton(profile.supplier_id, profile.followed, (followed) => { profile.followed = followed; })),
      profile.networks.map(networkCard));
  }

  (async () => {
    try {
      profile = await api.get(supplierPath(args.id));
    } catch (error) {
      if (alive) {
        body.replaceChildren();
        showLoadError(alert, error);
      }
      return;
    }
    if (alive) draw();
  })();
  const stopLanguage = onLanguageChange(() => {
    if (profile) draw();
  });
  return { cleanup: () => { alive = false; stopLanguage(); } };
}
