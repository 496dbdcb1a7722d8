// One network for staff (#/networks/<id>): its facts, price tiers, code list and the
// questionnaire section by section. With networks.manage it is changed in a JSON editor
// (names, sector, regions, tiers, code list, members, questionnaire, description): PATCH
// with If-Match, the API's errors listed by the field they name.

import { api, ApiError, fieldName } from "../../api.js";
import { h } from "../../dom.js";
import { errorKey, onSubmit } from "../../forms.js";
import { bindText, localized, onLanguageChange, t } from "../../i18n.js";
import { can, currentUser } from "../../session.js";
import { facts, fill, ifMatch, money, networkPath, showLoadError } from "./common.js";

// The parts of a network PATCH /networks/{id} takes.
const EDITABLE = ["name", "sector", "regions", "price_tiers", "code_list", "member_organization_ids", "questionnaire", "description"];

/** The editor's text: the network's changeable parts as indented JSON. */
export function editorText(network) {
  return JSON.stringify(Object.fromEntries(EDITABLE.map((k) => [k, network[k] ?? null])), null, 2);
}

/** The editor's text -> a PATCH body, or a {line, message} when it is not a JSON object. */
export function patchBody(text) {
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { problem: String(error.message ?? error) };
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return { problem: "{ … }" };
  // description null means "no change" to the API; the other parts are sent as written.
  const body = Object.fromEntries(Object.entries(parsed).filter(([k, v]) => EDITABLE.includes(k) && !(k === "description" && v === null)));
  return { body };
}

export default function networkPage(container, app, path, params, args) {
  const user = currentUser();
  const title = h("h1", { id: "network-title", tabindex: "-1" });
  const notice = h("p", { class: "notice", role: "status", dataset: { notice: "" } });
  const alert = h("div", { class: "form-error", role: "alert" });
  const body = h("div", {}, bindText(h("p", { class: "muted", role: "status" }), "common.loading"));
  const screen = h("section", { class: "network", dataset: { screen: "network" }, "aria-labelledby": "network-title" },
    h("p", { class: "crumbs" }, bindText(h("a", { href: "#/networks" }), "networks.staff.back")), title, notice, alert, body);
  container.replaceChildren(screen);
  let network = null;
  let alive = true;

  async function load() {
    try {
      network = await api.get(networkPath(args.id));
    } catch (error) {
      if (alive) showLoadError(alert, error);
      return;
    }
    if (alive) draw();
  }

  function questionnaireCard() {
    return h("section", { class: "card", "aria-labelledby": "network-questionnaire-title" },
      bindText(h("h2", { id: "network-questionnaire-title" }), "networks.network.questionnaire", { version: network.questionnaire_version }),
      (network.questionnaire.sections ?? []).map((section) => h("section", { class: "network__section", dataset: { section: section.key } },
        h("h3", { text: localized(section.title) }),
        h("ol", {}, section.questions.map((q) => h("li", { dataset: { question: q.id } },
          h("span", { text: localized(q.title) }), " ",
          bindText(h("span", { class: "tag" }), `networks.types.${q.type}`),
          q.required ? bindText(h("span", { class: "pill pill--small" }), "networks.question.required") : null,
          q.options?.length ? h("span", { class: "muted", text: ` (${q.options.map((o) => localized(o.label)).join(", ")})` }) : null))))));
  }

  function editor() {
    const area = h("textarea", { id: "network-json", name: "json", rows: "24", spellcheck: "false", class: "code-editor",
      "aria-describedby": "network-json-hint network-json-errors" });
    area.value = editorText(network);
    const errors = h("ul", { class: "field__error", id: "network-json-errors", dataset: { jsonErrors: "" } });
    const form = h("form", { class: "card form", id: "network-edit", novalidate: true, "aria-labelledby": "network-edit-title" },
      bindText(h("h2", { id: "network-edit-title" }), "networks.network.edit"),
      h("div", { class: "form-error", role: "alert", dataset: { formError: "" } }),
      h("div", { class: "field" }, bindText(h("label", { for: "network-json" }), "networks.network.json"),
        bindText(h("p", { class: "field__hint", id: "network-json-hint" }), "networks.network.json_hint"), area, errors),
      h("div", {}, bindText(h("button", { class: "button button--primary", type: "submit", id: "network-save",
        dataset: { busyI18n: "common.saving" } }), "networks.network.save")));
    onSubmit(form, async (values) => {
      errors.replaceChildren();
      const { body: patch, problem } = patchBody(values.json);
      if (problem) {
        errors.append(h("li", {}, bindText(h("span"), "networks.network.not_json"), " ", h("code", { text: problem })));
        area.setAttribute("aria-invalid", "true");
        return;
      }
      try {
        network = await api.patch(networkPath(network.id), patch, { headers: ifMatch(network.version) });
      } catch (error) {
        if (error instanceof ApiError) {
          // Each problem by the field it names: "questionnaire.sections.0.questions.1.type".
          for (const e of error.errors) {
            errors.append(h("li", { dataset: { field: fieldName(e.loc) ?? "" } },
              h("code", { text: fieldName(e.loc) ?? "" }), " ", h("span", { text: String(e.msg ?? "") })));
          }
          if (error.status === 412) {
            await load();
            notice.replaceChildren(bindText(h("span"), "networks.network.reloaded"));
          }
          if (error.errors.length) {
            // Shown here rather than by onSubmit, which would list them again unplaced.
            area.setAttribute("aria-invalid", "true");
            form.querySelector("[data-form-error]").replaceChildren(bindText(h("p"), errorKey(error)));
            area.focus();
            return;
          }
        }
        throw error;
      }
      draw();
      notice.replaceChildren(bindText(h("span"), "networks.network.saved"));
    }, { statusKeys: { 412: "errors.conflict" } });
    return form;
  }

  function draw() {
    title.textContent = localized(network.name);
    fill(body, 
      h("div", { class: "card" }, facts([
        ["networks.network.sector", network.sector, "sector"],
        ["networks.network.regions", network.regions.join(", "), "regions"],
        ["networks.network.members", String(network.member_organization_ids.length), "members"],
        ["networks.network.codes", String(network.code_list.length), "codes"],
      ]), network.description ? h("p", { class: "muted", text: localized(network.description) }) : null),
      h("section", { class: "card", "aria-labelledby": "network-tiers-title" },
        bindText(h("h2", { id: "network-tiers-title" }), "networks.tiers.title"),
        h("ul", { class: "tiers" }, network.price_tiers.map((tier) => h("li", {
          text: tier.up_to === null || tier.up_to === undefined
            ? t("networks.tiers.unlimited", { price: money(tier.yearly_price, network.currency) })
            : t("networks.tiers.up_to", { count: tier.up_to, price: money(tier.yearly_price, network.currency) }),
        })))),
      questionnaireCard(),
      can(user, "networks.manage") ? editor() : null);
  }

  const stopLanguage = onLanguageChange(() => {
    if (network) draw();
  });
  load();
  return { cleanup: () => { alive = false; stopLanguage(); } };
}
