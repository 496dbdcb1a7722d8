// One question of a network's questionnaire as a form part, by its type: text, yes/no,
// number, date, single and multiple choice, codes (from the network's code list) and a
// certification (name, issuer, number, valid until; a file given with it through the API is
// kept), and a file (uploaded straight to S3 as ticket attachments are).
//
// questionField() answers {element, read(), showError(), clearError(), setState()}:
// read() gives the answer to save — null clears it, undefined means "not valid yet"
// (with the text key of why in .problem) and nothing is sent.

import { h } from "../../dom.js";
import { bindText, localized } from "../../i18n.js";
import { answerText, certificationValue, parseNumber } from "./common.js";

function domId(questionId, part = "") {
  return `q-${questionId}${part ? `-${part}` : ""}`;
}

function required(question) {
  return question.required
    ? [" ", h("span", { class: "required", "aria-hidden": "true", text: "*" }),
      bindText(h("span", { class: "visually-hidden" }), "networks.question.required")]
    : [];
}

function radio(name, id, value, checked, labelNode, disabled) {
  return h("label", { class: "choice", for: id },
    h("input", { type: "radio", name, id, value, checked: Boolean(checked), disabled }), " ", labelNode);
}

function checkbox(name, id, value, checked, labelNode, disabled) {
  return h("label", { class: "choice", for: id },
    h("input", { type: "checkbox", name, id, value, checked: Boolean(checked), disabled }), " ", labelNode);
}

/**
 * A file answer: the file given, a file input that uploads at once (`upload(file,
 * onProgress)` answers {file_id, filename}) and removing it. When the answer is ready the
 * control sends "answer-ready" (the file input's own change comes before the upload).
 */
function fileControl(question, value, { id, name, disabled, describedBy, upload }) {
  let current = value && typeof value === "object" ? { file_id: value.file_id, filename: value.filename } : null;
  const shown = h("p", { class: "file-name", dataset: { fileName: "" } });
  const progress = h("progress", { max: "100", value: "0", hidden: true, "aria-label": localized(question.title) });
  const status = h("p", { class: "muted", role: "status" });
  const input = h("input", { id, name, type: "file", disabled: disabled || !upload, dataset: { upload: "" },
    "aria-describedby": describedBy });
  const remove = bindText(h("button", { class: "button button--secondary button--small", type: "button",
    dataset: { removeFile: "" } }), "networks.question.remove_file");
  const control = h("div", { class: "question__file" }, shown, input, progress, status, disabled ? null : remove);
  const ready = () => control.dispatchEvent(new CustomEvent("answer-ready", { bubbles: true }));
  function show() {
    if (current) {
      delete shown.dataset.i18n;
      shown.textContent = current.filename;
    } else bindText(shown, "networks.answer.none");
    remove.hidden = !current;
  }
  input.addEventListener("change", async () => {
    const file = input.files?.[0];
    if (!file) return;
    progress.hidden = false;
    progress.value = 0;
    bindText(status, "networks.question.uploading");
    try {
      current = await upload(file, (fraction) => { progress.value = Math.round(fraction * 100); });
    } catch (error) {
      progress.hidden = true;
      const detail = error?.fields ? [...error.fields.values()].flat().join(" ") : "";
      bindText(status, "networks.question.upload_failed", { detail });
      return;
    } finally {
      input.value = "";
    }
    progress.hidden = true;
    status.replaceChildren();
    show();
    ready();
  });
  remove.addEventListener("click", () => {
    current = null;
    show();
    ready();
  });
  show();
  return { control, read: () => current, group: true };
}

/** The control(s) for a question: {control, read, group} (group: a fieldset is needed). */
function controlFor(question, value, { codeList, disabled, describedBy, upload }) {
  const id = domId(question.id);
  const name = `answers.${question.id}`;
  const described = { "aria-describedby": describedBy };
  switch (question.type) {
    case "text": {
      const area = h("textarea", { id, name, rows: "4", maxlength: "4000", disabled, ...described });
      area.value = typeof value === "string" ? value : "";
      return { control: area, read: () => area.value.trim() || null };
    }
    case "number": {
      const input = h("input", { id, name, type: "text", inputmode: "decimal", autocomplete: "off",
        value: typeof value === "number" ? String(value) : "", disabled, ...described });
      return {
        control: input,
        read: () => parseNumber(input.value),
        problem: "networks.question.not_a_number",
      };
    }
    case "date": {
      const input = h("input", { id, name, type: "date", value: typeof value === "string" ? value : "", disabled, ...described });
      return { control: input, read: () => input.value || null, problem: "networks.question.not_a_date" };
    }
    case "yes_no": {
      const group = h("div", { class: "choices__row" },
        radio(name, `${id}-yes`, "yes", value === true, bindText(h("span"), "networks.answer.yes"), disabled),
        radio(name, `${id}-no`, "no", value === false, bindText(h("span"), "networks.answer.no"), disabled));
      const read = () => {
        const checked = group.querySelector("input:checked");
        return checked ? checked.value === "yes" : null;
      };
      return { control: group, read, group: true };
    }
    case "single_choice": {
      const group = h("div", { class: "choices__list" }, (question.options ?? []).map((o, n) =>
        radio(name, `${id}-${n}`, o.value, value === o.value, h("span", { text: localized(o.label) }), disabled)));
      const read = () => group.querySelector("input:checked")?.value ?? null;
      return { control: group, read, group: true };
    }
    case "multiple_choice":
    case "codes": {
      const chosen = new Set(Array.isArray(value) ? value.map(String) : []);
      const entries = question.type === "codes"
        ? codeList.map((c) => ({ value: String(c.code), label: `${c.code} ${localized(c.name)}` }))
        : (question.options ?? []).map((o) => ({ value: o.value, label: localized(o.label) }));
      // A code given before that the list no longer has stays visible (and can be unticked).
      for (const code of chosen) {
        if (!entries.some((e) => e.value === code)) entries.push({ value: code, label: code });
      }
      const group = h("div", { class: "choices__list choices__list--columns" }, entries.map((e, n) =>
        checkbox(name, `${id}-${n}`, e.value, chosen.has(e.value), h("span", { text: e.label }), disabled)));
      const read = () => {
        const list = Array.from(group.querySelectorAll("input:checked"), (el) => el.value);
        return list.length ? list : null;
      };
      return { control: group, read, group: true };
    }
    case "certification": {
      const current = value && typeof value === "object" ? value : {};
      const part = (key, labelKey, attrs) => {
        const input = h("input", { id: domId(question.id, key), name: `${name}.${key}`, autocomplete: "off",
          value: String(current[key] ?? ""), disabled, ...attrs });
        return { input, field: h("div", { class: "field" }, bindText(h("label", { for: input.id }), labelKey), input) };
      };
      const parts = {
        name: part("name", "networks.question.cert_name", { type: "text", maxlength: "200" }),
        issuer: part("issuer", "networks.question.cert_issuer", { type: "text", maxlength: "200" }),
        number: part("number", "networks.question.cert_number", { type: "text", maxlength: "200" }),
        valid_until: part("valid_until", "networks.question.cert_valid_until", { type: "date" }),
      };
      const group = h("div", { class: "question__parts" }, Object.values(parts).map((p) => p.field));
      const read = () => {
        const answer = certificationValue(Object.fromEntries(Object.entries(parts).map(([k, p]) => [k, p.input.value])));
        // A file given with the certification before (through the API) is kept.
        if (answer && current.file) answer.file = current.file;
        return answer;
      };
      return { control: group, read, group: true, problem: "networks.question.cert_incomplete" };
    }
    case "file":
      return fileControl(question, value, { id, name, disabled, describedBy, upload });
    default:
      return {
        control: h("p", { id, text: answerText(question, value) }),
        read: () => undefined,
        readOnly: true,
      };
  }
}

/**
 * A question's form part. `issues` are the validator's texts for it; `disabled` when its
 * section is closed; `codeList` the network's codes (for a codes question).
 */
export function questionField(question, value, { issues = [], disabled = false, codeList = [], upload = null } = {}) {
  const id = domId(question.id);
  const hintId = domId(question.id, "hint");
  const issuesId = domId(question.id, "issues");
  const errorId = domId(question.id, "error");
  const describedBy = [question.help ? hintId : null, issues.length ? issuesId : null, errorId]
    .filter(Boolean).join(" ");
  const part = controlFor(question, value, { codeList, disabled, describedBy, upload });
  const title = h("span", { class: "question__title", text: localized(question.title) });
  const hint = question.help ? h("p", { class: "field__hint", id: hintId, text: localized(question.help) }) : null;
  const issueBox = issues.length
    ? h("div", { class: "question__issues", id: issuesId, dataset: { issues: "" } },
      bindText(h("p", { class: "question__issues-title" }), "networks.question.issues"),
      h("ul", {}, issues.map((text) => h("li", { text: String(text) }))))
    : null;
  const error = h("p", { class: "field__error", id: errorId, dataset: { fieldError: `answers.${question.id}` } });
  const state = h("p", { class: "question__state muted", dataset: { saveState: "" } });
  let body;
  if (part.group) {
    body = h("fieldset", { class: "question__group", "aria-describedby": describedBy },
      h("legend", {}, title, ...required(question)), hint, issueBox, part.control);
  } else {
    body = h("div", {}, h("label", { for: id }, title, ...required(question)), hint, issueBox, part.control);
  }
  const element = h("div", {
    class: `question field${issues.length ? " question--issue" : ""}`,
    dataset: { question: question.id, type: question.type },
  }, body, error, state);

  const controls = () => element.querySelectorAll("input:not([type=file]), textarea, select");
  return {
    element,
    readOnly: Boolean(part.readOnly),
    read: part.read,
    problem: part.problem ?? "networks.question.invalid",
    showError(key, params) {
      if (key) bindText(error, key, params);
      for (const el of controls()) el.setAttribute("aria-invalid", "true");
    },
    showText(text) {
      delete error.dataset.i18n;
      error.textContent = text;
      for (const el of controls()) el.setAttribute("aria-invalid", "true");
    },
    clearError() {
      delete error.dataset.i18n;
      error.replaceChildren();
      for (const el of controls()) el.removeAttribute("aria-invalid");
    },
    /** "saving", "saved", "error" or "" — shown in words, and as data-state for tests and CSS. */
    setState(name) {
      element.dataset.state = name;
      if (name === "saving" || name === "saved") bindText(state, `networks.question.${name}`);
      else {
        delete state.dataset.i18n;
        state.replaceChildren();
      }
    },
    focus() {
      element.querySelector("input:not([disabled]), textarea:not([disabled])")?.focus();
    },
  };
}
