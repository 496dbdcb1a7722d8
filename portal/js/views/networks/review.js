// Staff's view of a subscription (#/subscriptions/<id>): the supplier, its answers per
// section, and — when submitted and the user validates — an issue per question, then
// publish or return; open edit requests are approved or refused by subscriptions.manage.

import { api, ApiError } from "../../api.js";
import { h } from "../../dom.js";
import { onSubmit } from "../../forms.js";
import { bindText, formatDateTime, localized, onLanguageChange } from "../../i18n.js";
import { can, currentUser } from "../../session.js";
import { answerText, codeNames, dateOf, facts, fill, ifMatch, money, networkPath, showLoadError, statusPill, subscriptionPath } from "./common.js";
import { certificateCard } from "./certificate.js";
import { auditsCard, editRequestList, historyCard } from "./parts.js";

async function loadAll(id) {
  const [subscription, questionnaire, requests, audits] = await Promise.all([
    api.get(subscriptionPath(id)),
    api.get(`${subscriptionPath(id)}/questionnaire`),
    api.get(`${subscriptionPath(id)}/edit-requests`),
    api.get(`${subscriptionPath(id)}/audits`),
  ]);
  const network = await api.get(networkPath(subscription.network_id));
  return { subscription, questionnaire, network, requests: requests.items ?? [], audits: audits.items ?? [] };
}

export default function review(container, app, id) {
  const user = currentUser();
  const screen = h("section", { class: "subscription subscription--review", dataset: { screen: "subscription-review" },
    "aria-labelledby": "review-title" });
  const title = h("h1", { id: "review-title", tabindex: "-1" });
  const notice = h("p", { class: "notice", role: "status", dataset: { notice: "" } });
  const alert = h("div", { class: "form-error", role: "alert", dataset: { loadError: "" } });
  const body = h("div", { class: "subscription__body" }, bindText(h("p", { class: "muted", role: "status" }), "common.loading"));
  screen.append(h("p", { class: "crumbs" }, bindText(h("a", { href: "#/networks" }), "networks.staff.back")),
    title, notice, alert, body);
  container.replaceChildren(screen);
  let data = null;
  let alive = true;

  async function reload() {
    try {
      data = await loadAll(id);
    } catch (error) {
      if (alive) showLoadError(alert, error);
      return;
    }
    if (!alive) return;
    alert.replaceChildren();
    draw();
  }

  function say(key) {
    notice.replaceChildren(bindText(h("span"), key));
  }

  function answersCard(section, answers, names, validating, issues) {
    return h("section", { class: "card questionnaire-section", dataset: { section: section.key },
      "aria-labelledby": `review-${section.key}-title` },
    h("h2", { id: `review-${section.key}-title`, text: localized(section.title) }),
    h("dl", { class: "facts review__answers" }, section.questions.map((q) => {
      const issueId = `issue-${q.id}`;
      return h("div", { class: "review__answer", dataset: { question: q.id } },
        h("dt", {}, localized(q.title), q.required ? " *" : ""),
        h("dd", {}, h("span", { dataset: { answer: "" }, text: answerText(q, answers[q.id], names) }),
          (issues[q.id] ?? []).length ? h("ul", { class: "question__issues" }, issues[q.id].map((text) => h("li", { text }))) : null,
          validating ? h("div", { class: "field review__issue" },
            bindText(h("label", { for: issueId }), "networks.review.issue_label"),
            h("textarea", { id: issueId, name: `issue:${q.id}`, rows: "2", maxlength: "1000" })) : null));
    })));
  }

  function validateForm(subscription, sections, answers, names) {
    const form = h("form", { class: "form review__form", id: "review-form", novalidate: true },
      h("div", { class: "form-error", role: "alert", dataset: { formError: "" } }),
      // The last round's issues stay beside their answers, so the validator sees what was asked.
      ...sections.map((s) => answersCard(s, answers, names, true, subscription.issues ?? {})),
      h("div", { class: "card" },
        bindText(h("h2"), "networks.review.decision"),
        bindText(h("p", { class: "lead" }), "networks.review.intro"),
        h("div", { class: "field" }, bindText(h("label", { for: "review-note" }), "networks.review.note"),
          h("textarea", { id: "review-note", name: "note", rows: "2", maxlength: "4000" })),
        h("input", { type: "hidden", name: "decision", value: "publish" }),
        h("div", { class: "action__buttons" },
          bindText(h("button", { class: "button button--primary", type: "submit", id: "review-publish", dataset: { decision: "publish" } }),
            "networks.review.publish"),
          bindText(h("button", { class: "button button--secondary", type: "submit", id: "review-return", dataset: { decision: "return" } }),
            "networks.review.return"))));
    form.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-decision]");
      if (button) form.elements.decision.value = button.dataset.decision;
    });
    onSubmit(form, async (values) => {
      const issues = Object.entries(values)
        .filter(([name, text]) => name.startsWith("issue:") && text.trim())
        .map(([name, text]) => ({ question_id: name.slice(6), text: text.trim() }));
      // A decision that does not fit the issues written is explained, and nothing is sent.
      const misfit = values.decision === "return" && !issues.length ? "networks.review.need_issue"
        : values.decision === "publish" && issues.length ? "networks.review.no_issues" : null;
      if (misfit) {
        form.querySelector("[data-form-error]").replaceChildren(bindText(h("p"), misfit));
        return;
      }
      try {
        await api.post(`${subscriptionPath(id)}/validate`, {
          decision: values.decision, issues: values.decision === "return" ? issues : [], note: values.note.trim() || null,
        }, { headers: ifMatch(subscription.version) });
      } catch (error) {
        if (error instanceof ApiError && error.status === 412) await reload();
        throw error;
      }
      await reload();
      say(values.decision === "publish" ? "networks.review.published" : "networks.review.returned");
      title.focus();
    }, { statusKeys: { 412: "errors.conflict" } });
    return form;
  }

  function draw() {
    const { subscription, questionnaire, network, requests } = data;
    screen.dataset.status = subscription.status;
    title.textContent = subscription.organization_name ?? subscription.supplier_id;
    const sections = questionnaire.questionnaire.sections;
    const names = codeNames(network);
    const validating = subscription.status === "submitted" && can(user, "subscriptions.validate");
    const head = h("div", { class: "card subscription__head" },
      h("p", { class: "supplier-id" }, bindText(h("span", { class: "supplier-id__label" }), "networks.supplier_id"), " ",
        h("strong", { class: "supplier-id__value", dataset: { supplierId: "" }, text: subscription.supplier_id })),
      facts([
        ["networks.fields.network", h("a", { href: `#${networkPath(network.id)}`, text: localized(network.name) }), "network"],
        ["networks.fields.status", statusPill(subscription.status), "status"],
        ["networks.fields.round", String(subscription.round), "round"],
        subscription.submitted_at ? ["networks.fields.submitted", formatDateTime(subscription.submitted_at), "submitted"] : null,
        ["networks.fields.expires", dateOf(subscription.expires_at), "expires"],
        ["networks.fields.price", money(subscription.yearly_price, subscription.currency), "price"],
        ["networks.fields.codes", subscription.product_codes.join(", ") || "–", "codes"],
      ]),
      subscription.status === "published"
        ? h("p", {}, bindText(h("a", { href: `#/suppliers/${encodeURIComponent(subscription.supplier_id)}`, id: "review-profile" }),
          "networks.review.profile_link"))
        : null);
    const decide = can(user, "subscriptions.manage") ? async (request, decision) => {
      await api.post(`${subscriptionPath(id)}/edit-requests/${encodeURIComponent(request.id)}/decision`, decision);
      await reload();
      say(decision.decision === "approve" ? "networks.edit.approved" : "networks.edit.refused");
    } : null;
    const answers = questionnaire.answers ?? {};
    const shownIssues = subscription.status === "returned" ? questionnaire.issues ?? {} : {};
    fill(body, head,
      certificateCard(subscription, {
        revoke: can(user, "subscriptions.validate"),
        done: (key) => say(key),
      }),
      editRequestList(requests, sections, { decide }),
      auditsCard(id, data.audits, {
        subscription,
        manage: can(user, "subscriptions.validate"),
        changed: async (key) => {
          await reload();
          say(key);
        },
      }),
      ...(validating
        ? [validateForm(subscription, sections, answers, names)]
        : sections.map((s) => answersCard(s, answers, names, false, shownIssues))),
      historyCard(id));
  }

  const stopLanguage = onLanguageChange(() => {
    if (data) draw();
  });
  reload();
  return { cleanup: () => { alive = false; stopLanguage(); } };
}
