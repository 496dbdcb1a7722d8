// A supplier's subscription (#/subscriptions/<id>): the supplier id, status and expiry,
// the questionnaire section by section with its progress, each answer saved as it
// changes (PUT with If-Match; a 412 reloads and says so), the validator's issues at
// their questions, submitting (the missing required questions named), asking for an
// edit after submission, the edit requests and the history.

import { api, ApiError, idempotencyKey } from "../../api.js";
import { $$, h } from "../../dom.js";
import { errorKey, onSubmit } from "../../forms.js";
import { bindText, localized, onLanguageChange, t } from "../../i18n.js";
import { dateOf, facts, fill, ifMatch, money, showLoadError, statusPill, subscriptionPath } from "./common.js";
import { certificateCard } from "./certificate.js";
import { accountManager, accountManagerCard } from "./manager.js";
import { auditsCard, editRequestList, historyCard } from "./parts.js";
import { questionField } from "./questions.js";
import { sendToS3 } from "../../upload.js";

// Typing in a text or number field saves after this pause (a change or leaving it, at once).
const TYPING_PAUSE_MS = 700;

async function loadAll(id) {
  const [subscription, questionnaire] = await Promise.all([
    api.get(subscriptionPath(id)),
    api.get(`${subscriptionPath(id)}/questionnaire`),
  ]);
  const [network, requests, audits, manager] = await Promise.all([
    api.get(`/networks/${encodeURIComponent(subscription.network_id)}`),
    api.get(`${subscriptionPath(id)}/edit-requests`),
    api.get(`${subscriptionPath(id)}/audits`),
    accountManager(),
  ]);
  return { subscription, questionnaire, network, requests: requests.items ?? [], audits: audits.items ?? [], manager };
}

function progressText(row) {
  return t("networks.progress.answered", { answered: row.answered, count: row.questions });
}

export default function supplierSubscription(container, app, id) {
  const screen = h("section", { class: "subscription", dataset: { screen: "subscription" }, "aria-labelledby": "subscription-title" });
  const crumbs = h("p", { class: "crumbs" }, bindText(h("a", { href: "#/subscriptions" }), "networks.mine.back"));
  const title = h("h1", { id: "subscription-title", tabindex: "-1" });
  const notice = h("p", { class: "notice", role: "status", dataset: { notice: "" } });
  const alert = h("div", { class: "form-error", role: "alert", dataset: { loadError: "" } });
  const loading = bindText(h("p", { class: "muted", role: "status" }), "common.loading");
  const body = h("div", { class: "subscription__body" });
  screen.append(crumbs, title, notice, alert, loading, body);
  container.replaceChildren(screen);

  let data = null;
  let fields = new Map(); // question id -> questionField
  let alive = true;
  const saver = {
    pending: new Map(), // question id -> answer waiting to be sent
    running: null, // the PUT under way
    timers: new Map(),
  };
  const saveStatus = h("p", { class: "save-status muted", role: "status", id: "save-status", dataset: { saveStatus: "idle" } });

  function say(key, params) {
    notice.replaceChildren(bindText(h("span"), key, params));
  }

  function setSaveStatus(state) {
    saveStatus.dataset.saveStatus = state;
    if (state === "idle") saveStatus.replaceChildren();
    else bindText(saveStatus, `networks.save.${state}`);
  }

  async function reload({ keepNotice = false } = {}) {
    try {
      data = await loadAll(id);
    } catch (error) {
      if (!alive) return;
      loading.remove();
      showLoadError(alert, error);
      return;
    }
    if (!alive) return;
    loading.remove();
    if (!keepNotice) notice.replaceChildren();
    alert.replaceChildren();
    draw();
  }

  // --- autosave ------------------------------------------------------------------------

  /** Sends a question's answer; one not valid yet is shown as such, unless `quiet` (still typing). */
  function queue(questionId, { quiet = false } = {}) {
    const field = fields.get(questionId);
    if (!field) return;
    const value = field.read();
    if (value === undefined) {
      if (quiet) return;
      field.showError(field.problem);
      field.setState("");
      return;
    }
    field.clearError();
    saver.pending.set(questionId, value);
    field.setState("saving");
    flush();
  }

  async function flush() {
    if (saver.running || saver.pending.size === 0) return saver.running;
    const batch = new Map(saver.pending);
    saver.pending.clear();
    setSaveStatus("saving");
    saver.running = (async () => {
      try {
        const answer = await api.put(`${subscriptionPath(id)}/questionnaire`,
          { answers: Object.fromEntries(batch) }, { headers: ifMatch(data.questionnaire.version) });
        if (!alive) return;
        data.questionnaire = answer;
        alert.replaceChildren(); // an earlier failure is over
        for (const qid of batch.keys()) fields.get(qid)?.setState("saved");
        updateProgress();
        setSaveStatus(saver.pending.size ? "saving" : "saved");
      } catch (error) {
        if (!alive) return;
        if (error instanceof ApiError && error.status === 412) {
          // Answered elsewhere meanwhile (another tab, a colleague): show the answers as they are now.
          saver.pending.clear();
          await reload({ keepNotice: true });
          say("networks.save.reloaded");
          return;
        }
        setSaveStatus("failed");
        const placed = new Set();
        if (error instanceof ApiError) {
          for (const [name, messages] of error.fields) {
            const qid = name.startsWith("answers.") ? name.slice(8) : null;
            if (qid && fields.has(qid)) {
              fields.get(qid).showText(messages.join(" "));
              fields.get(qid).setState("error");
              placed.add(qid);
            }
          }
        }
        for (const qid of batch.keys()) {
          if (!placed.has(qid)) fields.get(qid)?.setState("error");
        }
        alert.replaceChildren(bindText(h("p"), errorKey(error)));
      } finally {
        saver.running = null;
      }
      if (saver.pending.size) await flush();
    })();
    return saver.running;
  }

  /** Everything typed is sent, and every save has answered. */
  async function saved() {
    for (const [qid, timer] of saver.timers) {
      clearTimeout(timer);
      saver.timers.delete(qid);
      queue(qid);
    }
    while (saver.running || saver.pending.size) await (saver.running ?? flush());
  }

  function watch(questionId, field) {
    field.element.addEventListener("answer-ready", () => queue(questionId));
    field.element.addEventListener("change", (event) => {
      if (event.target.type === "file") return; // its answer is ready once uploaded
      clearTimeout(saver.timers.get(questionId));
      saver.timers.delete(questionId);
      queue(questionId);
    });
    field.element.addEventListener("input", (event) => {
      if (!(event.target instanceof HTMLTextAreaElement) && event.target.type !== "text") return;
      clearTimeout(saver.timers.get(questionId));
      saver.timers.set(questionId, setTimeout(() => {
        saver.timers.delete(questionId);
        queue(questionId, { quiet: true });
      }, TYPING_PAUSE_MS));
    });
  }

  /** A file of the answers: announced (a presigned POST), then sent straight to S3. */
  async function uploadFile(file, onProgress) {
    const announced = await api.post(`${subscriptionPath(id)}/files`,
      { filename: file.name, content_type: file.type || "application/octet-stream", size: file.size },
      { headers: { "Idempotency-Key": idempotencyKey() } });
    await sendToS3(announced.upload_url, announced.upload_fields, file, onProgress);
    return { file_id: announced.id, filename: announced.filename };
  }

  // --- drawing -------------------------------------------------------------------------

  function updateProgress() {
    for (const row of data.questionnaire.progress ?? []) {
      for (const el of $$(`[data-progress="${row.section}"]`, screen)) {
        el.textContent = progressText(row);
        el.dataset.missing = String(row.missing_required.length);
      }
      for (const el of $$(`[data-missing="${row.section}"]`, screen)) {
        el.hidden = row.missing_required.length === 0;
      }
    }
  }

  function header(subscription, network) {
    const supplierId = h("p", { class: "supplier-id" },
      bindText(h("span", { class: "supplier-id__label" }), "networks.supplier_id"), " ",
      h("strong", { class: "supplier-id__value", dataset: { supplierId: "" }, text: subscription.supplier_id }));
    return h("div", { class: "card subscription__head" }, supplierId, facts([
      ["networks.fields.status", statusPill(subscription.status), "status"],
      ["networks.fields.expires", dateOf(subscription.expires_at), "expires"],
      ["networks.fields.price", money(subscription.yearly_price, subscription.currency), "price"],
      ["networks.fields.codes", subscription.product_codes.join(", ") || "–", "codes"],
      ["networks.fields.organization", subscription.organization_name ?? "", "organization"],
    ]), network.description ? h("p", { class: "muted", text: localized(network.description) }) : null);
  }

  function returnedBox(questionnaire, questions) {
    const ids = Object.keys(questionnaire.issues ?? {}).filter((qid) => questions.has(qid));
    if (!ids.length) return null;
    return h("section", { class: "card returned", "aria-labelledby": "returned-title", dataset: { returned: "" } },
      bindText(h("h2", { id: "returned-title" }), "networks.returned.title"),
      bindText(h("p"), "networks.returned.intro", { count: ids.length }),
      h("ul", {}, ids.map((qid) => h("li", {},
        h("a", { href: `#${subscriptionPath(id)}`, dataset: { goto: qid }, text: localized(questions.get(qid).title) })))));
  }

  function sectionNav(questionnaire) {
    const rows = new Map((questionnaire.progress ?? []).map((r) => [r.section, r]));
    return h("nav", { class: "card sections-nav", "aria-labelledby": "sections-nav-title" },
      bindText(h("h2", { id: "sections-nav-title" }), "networks.sections.title"),
      h("ol", { class: "sections-nav__list" }, questionnaire.questionnaire.sections.map((s) => {
        const row = rows.get(s.key) ?? { answered: 0, questions: s.questions.length, missing_required: [] };
        return h("li", {},
          h("a", { href: `#${subscriptionPath(id)}`, dataset: { gotoSection: s.key }, text: localized(s.title) }), " ",
          h("span", { class: "muted", dataset: { progress: s.key }, text: progressText(row) }), " ",
          bindText(h("span", { class: "pill pill--small", dataset: { missing: s.key }, hidden: row.missing_required.length === 0 }),
            "networks.sections.missing"));
      })));
  }

  function sectionCard(section, questionnaire, codeList, writable) {
    const issues = questionnaire.issues ?? {};
    const showIssues = data.subscription.status === "returned";
    const open = writable.has(section.key);
    const row = (questionnaire.progress ?? []).find((r) => r.section === section.key);
    const card = h("section", { class: "card questionnaire-section", id: `section-${section.key}`,
      dataset: { section: section.key }, "aria-labelledby": `section-${section.key}-title` },
    h("h2", { id: `section-${section.key}-title`, tabindex: "-1", text: localized(section.title) }),
    h("p", { class: "muted", dataset: { progress: section.key }, text: row ? progressText(row) : "" }),
    open ? null : bindText(h("p", { class: "muted" }), "networks.sections.closed"));
    for (const question of section.questions) {
      const field = questionField(question, questionnaire.answers?.[question.id], {
        issues: showIssues ? issues[question.id] ?? [] : [],
        disabled: !open,
        codeList,
        upload: uploadFile,
      });
      fields.set(question.id, field);
      if (open && !field.readOnly) watch(question.id, field);
      card.append(field.element);
    }
    return card;
  }

  function submitCard(subscription) {
    const reopened = subscription.status === "published" && subscription.open_sections.length > 0;
    if (!["draft", "returned"].includes(subscription.status) && !reopened) return null;
    const form = h("form", { class: "card form", id: "submit-form", novalidate: true, "aria-labelledby": "submit-title" },
      bindText(h("h2", { id: "submit-title" }), "networks.submit.title"),
      bindText(h("p", { class: "lead" }), "networks.submit.intro"),
      h("div", { class: "form-error", role: "alert", dataset: { formError: "" } }),
      h("div", {}, bindText(h("button", { class: "button button--primary", type: "submit", id: "submit-button",
        dataset: { busyI18n: "networks.submit.busy" } }), "networks.submit.button")));
    const questions = new Map(data.questionnaire.questionnaire.sections.flatMap((s) => s.questions.map((q) => [q.id, q])));
    onSubmit(form, async () => {
      await saved();
      try {
        await api.post(`${subscriptionPath(id)}/submit`, undefined, { headers: ifMatch(data.subscription.version) });
      } catch (error) {
        if (error instanceof ApiError && error.status === 400) {
          const missing = Array.from(error.fields.keys())
            .filter((name) => name.startsWith("answers.")).map((name) => name.slice(8)).filter((qid) => questions.has(qid));
          if (missing.length) {
            for (const qid of missing) fields.get(qid)?.showError("networks.submit.missing_one");
            const box = form.querySelector("[data-form-error]");
            box.replaceChildren(bindText(h("p"), "networks.submit.missing", { count: missing.length }),
              h("ul", { dataset: { missingList: "" } }, missing.map((qid) => h("li", {},
                h("a", { href: `#${subscriptionPath(id)}`, dataset: { goto: qid }, text: localized(questions.get(qid).title) })))));
            box.querySelector("a")?.focus();
            return;
          }
        }
        if (error instanceof ApiError && error.status === 412) await reload({ keepNotice: true });
        throw error;
      }
      await reload({ keepNotice: true });
      say("networks.submit.done");
      title.focus();
    }, { statusKeys: { 412: "errors.conflict" } });
    return form;
  }

  function editRequestCard(subscription, sections) {
    if (!["submitted", "published"].includes(subscription.status)) return null;
    const form = h("form", { class: "card form", id: "edit-request-form", novalidate: true, "aria-labelledby": "edit-request-title" },
      bindText(h("h2", { id: "edit-request-title" }), "networks.edit.title"),
      bindText(h("p", { class: "lead" }), "networks.edit.intro"),
      h("div", { class: "form-error", role: "alert", dataset: { formError: "" } }),
      h("div", { class: "field" },
        bindText(h("label", { for: "edit-reason" }), "networks.edit.reason"),
        h("textarea", { id: "edit-reason", name: "reason", rows: "3", maxlength: "4000", "aria-describedby": "edit-reason-error" }),
        h("p", { class: "field__error", id: "edit-reason-error", dataset: { fieldError: "reason" } })),
      h("fieldset", { class: "field choices", "aria-describedby": "edit-sections-error" },
        bindText(h("legend"), "networks.edit.sections"),
        h("div", { class: "choices__list choices__list--columns" }, sections.map((s) => h("label", { class: "choice" },
          h("input", { type: "checkbox", name: `section:${s.key}`, id: `edit-section-${s.key}` }), " ",
          h("span", { text: localized(s.title) })))),
        // The API names "sections" for a missing choice: that text lands here.
        h("input", { type: "hidden", name: "sections" }),
        h("p", { class: "field__error", id: "edit-sections-error", dataset: { fieldError: "sections" } })),
      h("div", {}, bindText(h("button", { class: "button button--secondary", type: "submit", id: "edit-submit",
        dataset: { busyI18n: "common.saving" } }), "networks.edit.submit")));
    onSubmit(form, async (values) => {
      const chosen = Object.keys(values).filter((k) => k.startsWith("section:") && values[k]).map((k) => k.slice(8));
      await api.post(`${subscriptionPath(id)}/edit-requests`, { reason: values.reason.trim(), sections: chosen },
        { headers: { "Idempotency-Key": idempotencyKey() } });
      await reload({ keepNotice: true });
      say("networks.edit.sent");
    }, { context: "networks.edit" });
    return form;
  }

  function draw() {
    const { subscription, questionnaire, network } = data;
    // Typing not yet sent belonged to the fields drawn before (after a 412: not to be sent).
    for (const timer of saver.timers.values()) clearTimeout(timer);
    saver.timers.clear();
    fields = new Map();
    title.textContent = localized(network.name);
    screen.dataset.status = subscription.status;
    const codeList = network.code_list ?? [];
    const questions = new Map(questionnaire.questionnaire.sections.flatMap((s) => s.questions.map((q) => [q.id, q])));
    const writable = new Set(questionnaire.writable_sections ?? []);
    fill(body, 
      header(subscription, network),
      certificateCard(subscription, { done: say }),
      subscription.status === "returned" ? returnedBox(questionnaire, questions) : null,
      sectionNav(questionnaire),
      writable.size ? saveStatus : null,
      ...questionnaire.questionnaire.sections.map((s) => sectionCard(s, questionnaire, codeList, writable)),
      submitCard(subscription),
      editRequestCard(subscription, questionnaire.questionnaire.sections),
      editRequestList(data.requests, questionnaire.questionnaire.sections),
      auditsCard(id, data.audits, { subscription }),
      accountManagerCard(data.manager),
      historyCard(id),
    );
  }

  // In-page links (to a question, to a section) move focus there; the hash stays the route.
  screen.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-goto], a[data-goto-section]");
    if (!link) return;
    event.preventDefault();
    if (link.dataset.goto) {
      const field = fields.get(link.dataset.goto);
      field?.element.scrollIntoView({ block: "center" });
      field?.focus();
    } else {
      const heading = document.getElementById(`section-${link.dataset.gotoSection}-title`);
      heading?.scrollIntoView({ block: "start" });
      heading?.focus();
    }
  });

  const stopLanguage = onLanguageChange(async () => {
    if (!data) return;
    await saved(); // what was typed is kept: it is saved before the page is drawn again
    if (alive) draw();
  });
  reload();
  return {
    cleanup: () => {
      alive = false;
      stopLanguage();
      for (const timer of saver.timers.values()) clearTimeout(timer);
    },
  };
}
