// The article editor's images and files: the article's own files (the bucket is private;
// the text shows one as ![name](attachment:<id>), a link as [name](attachment:<id>)), an
// upload that puts the file's Markdown where the writer's cursor is, and deleting one the
// published text does not show.

import { api } from "../../api.js";
import { h } from "../../dom.js";
import { bindText } from "../../i18n.js";
import { formatBytes } from "../../ticket-format.js";
import { announceAndUpload, failureText } from "../../upload.js";
import { fill, showLoadError } from "../networks/common.js";

const MAX_FILES = 100; // GET /articles/{id}/files lists at most this many

/** `text` with `insert` put at `at` on a line of its own (the cursor's place in a textarea). */
export function insertAt(text, at, insert) {
  const where = Math.max(0, Math.min(Number.isInteger(at) ? at : text.length, text.length));
  const before = text.slice(0, where);
  const after = text.slice(where);
  const lead = before && !before.endsWith("\n") ? "\n" : "";
  const trail = after && !after.startsWith("\n") ? "\n" : "";
  return `${before}${lead}${insert}${trail}${after}`;
}

function putInText(textarea, markdown) {
  const at = textarea.selectionStart;
  textarea.value = insertAt(textarea.value, at, markdown);
  textarea.dispatchEvent(new Event("input", { bubbles: true })); // the tab says it is written
  textarea.focus();
}

/** The short-lived address of one of the article's files, for staff (the preview shows it). */
export function staffFileLink(articleId) {
  return (fileId) => api.get(`/articles/${encodeURIComponent(articleId)}/files/${encodeURIComponent(fileId)}/link`);
}

/**
 * The files card of article `articleId`. `textarea()` is the body field of the language
 * shown, where an uploaded or chosen file's Markdown goes.
 */
export function filesCard(articleId, { textarea }) {
  const list = h("ul", { class: "article-files__list", id: "article-files-list" });
  const status = h("div", { class: "form-error", role: "alert" });
  const progress = h("p", { class: "muted", role: "status" });
  const input = h("input", { id: "article-file", type: "file", multiple: true, "aria-describedby": "article-file-hint" });
  const card = h("section", { class: "card article-files", "aria-labelledby": "article-files-title", dataset: { files: "" } },
    bindText(h("h2", { id: "article-files-title" }), "help_admin.files.title"),
    status,
    h("div", { class: "field" },
      bindText(h("label", { for: "article-file" }), "help_admin.files.add"),
      bindText(h("p", { class: "field__hint", id: "article-file-hint" }), "help_admin.files.hint"),
      input),
    progress, list);

  function item(file) {
    const insert = bindText(h("button", { class: "button button--secondary button--small", type: "button" }), "help_admin.files.insert");
    insert.addEventListener("click", () => putInText(textarea(), file.markdown));
    const remove = bindText(h("button", { class: "button button--secondary button--small", type: "button" }), "help_admin.files.delete");
    remove.addEventListener("click", async () => {
      status.replaceChildren();
      remove.disabled = true;
      try {
        await api.delete(`/articles/${encodeURIComponent(articleId)}/files/${encodeURIComponent(file.id)}`);
        await reload();
      } catch (error) {
        showLoadError(status, error);
        remove.disabled = false;
      }
    });
    return h("li", { class: "article-file", dataset: { file: file.id } },
      h("p", {}, h("strong", { text: file.filename }), " ", h("span", { class: "muted", text: formatBytes(file.size) })),
      h("code", { class: "article-file__markdown", text: file.markdown }),
      h("div", { class: "action__buttons" }, insert, remove));
  }

  async function reload() {
    try {
      const files = (await api.get(`/articles/${encodeURIComponent(articleId)}/files`))?.items ?? [];
      fill(list, files.length ? files.map(item) : [bindText(h("li", { class: "muted" }), "help_admin.files.none")]);
      input.disabled = files.length >= MAX_FILES;
    } catch (error) {
      showLoadError(status, error);
    }
  }

  input.addEventListener("change", async () => {
    status.replaceChildren();
    const chosen = Array.from(input.files ?? []);
    const failed = [];
    input.disabled = true;
    for (const file of chosen) {
      bindText(progress, "help_admin.files.uploading", { name: file.name });
      try {
        const uploaded = await announceAndUpload(`/articles/${encodeURIComponent(articleId)}/files`, file);
        putInText(textarea(), uploaded.markdown);
      } catch (error) {
        failed.push(h("li", {}, `${file.name}: ${failureText(error)}`));
      }
    }
    input.value = "";
    input.disabled = false;
    if (failed.length) fill(status, bindText(h("p"), "help_admin.files.failed"), h("ul", {}, failed));
    bindText(progress, "help_admin.files.uploaded", { count: chosen.length - failed.length });
    await reload();
  });

  reload();
  return { card, reload };
}
