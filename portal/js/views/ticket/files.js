// The ticket's files: the list beside the thread, and the download control each file
// gets there and under the comment it came with.

import { ApiError } from "../../api.js";
import { h } from "../../dom.js";
import { bindText, translate } from "../../i18n.js";
import { timeEl } from "../../ticket-format.js";
import { downloadAttachment } from "../../upload.js";

/**
 * A file's download control: a button named "Download <file>" (the name shown is
 * the file's, as text) and a message beside it for the busy state and errors.
 * `fetchFile()` asks the API for the address and opens it.
 */
export function downloadControl(file, idPrefix, fetchFile) {
  const messageId = `${idPrefix}-message`;
  const button = h("button", { type: "button", class: "download__button", "aria-describedby": messageId,
    dataset: { i18nAttr: "aria-label:ticket.download.label", i18nArgs: JSON.stringify({ filename: file.filename }) } },
  h("span", { class: "download__icon", "aria-hidden": "true", text: "\u2193" }),
  h("span", { class: "file-name", text: file.filename }));
  translate(button);
  const message = h("span", { class: "download__message", id: messageId, "aria-live": "polite" });
  const element = h("span", { class: "download", dataset: { download: file.id, state: "idle" } }, button, " ", message);

  function show(state, key) {
    element.dataset.state = state;
    const busy = state === "busy";
    button.classList.toggle("is-busy", busy);
    // aria-disabled rather than disabled: the button keeps its focus while it works.
    if (busy) {
      button.setAttribute("aria-disabled", "true");
      element.setAttribute("aria-busy", "true");
    } else {
      button.removeAttribute("aria-disabled");
      element.removeAttribute("aria-busy");
    }
    if (key) bindText(message, key);
    else {
      delete message.dataset.i18n;
      message.textContent = "";
    }
  }

  button.addEventListener("click", async () => {
    if (element.dataset.state === "busy") return;
    show("busy", "ticket.download.busy");
    try {
      await fetchFile();
      show("idle");
    } catch (error) {
      const notReady = error instanceof ApiError && error.status === 409;
      show("error", notReady ? "ticket.download.not_ready" : "ticket.download.failed");
    }
  });
  return element;
}

/**
 * `download(file, place)`: one download control per file and place ("files",
 * "thread"), kept over re-renders (and language changes) so a download under way or
 * its error stays where it is.
 */
export function downloadControls(ticketId) {
  const controls = new Map();
  return function download(file, place) {
    const key = `${place}:${file.id}`;
    if (!controls.has(key)) {
      controls.set(key, downloadControl(file, `download-${place}-${file.id}`, () => downloadAttachment(ticketId, file.id)));
    }
    return controls.get(key);
  };
}

/** The list of files (`list` is the page's [data-files]). */
export function renderFiles(list, files, download) {
  if (!files.length) {
    list.replaceChildren(bindText(h("li", { class: "muted" }), "ticket.no_files"));
    return;
  }
  list.replaceChildren(...files.map((file) => h("li", { class: `file${file.internal ? " file--internal" : ""}`, dataset: { fileId: file.id } },
    download(file, "files"), " ",
    h("span", { class: "muted" }, `${file.uploaded_by_name ?? ""}`.trim() ? `${file.uploaded_by_name} · ` : "", timeEl(file.created_at)),
    file.internal ? [" ", bindText(h("span", { class: "pill pill--internal pill--small" }), "ticket.internal_marker")] : null)));
}
