// Attachments go straight to S3. For each file the API is told its name, type and
// size (POST /tickets/{id}/attachments) and answers a presigned POST; the browser
// then sends the file to S3 with XMLHttpRequest, because fetch cannot report upload
// progress. S3 gets no token: the presigned form is its only credential.
//
// filePicker() is the form part: a labelled file input and a list of the chosen
// files, each with its size, a <progress> bar and its outcome.

import { api, ApiError, idempotencyKey } from "./api.js";
import { h } from "./dom.js";
import { bindText, t } from "./i18n.js";
import { formatBytes } from "./ticket-format.js";

const UPLOAD_TIMEOUT_MS = 10 * 60_000;

/** S3 refused the upload, or it never arrived. */
export class UploadError extends Error {
  constructor(status, detail) {
    super(detail || `upload failed (${status})`);
    this.name = "UploadError";
    this.status = status;
  }
}

/** S3's XML error message, as text (never parsed into the page as markup). */
function s3Message(xhr) {
  const match = /<Message>([^<]{1,300})<\/Message>/.exec(String(xhr.responseText ?? ""));
  return match ? match[1] : "";
}

/** POSTs `file` with the presigned `fields` to `url`; `onProgress(fraction)` as it goes. */
export function sendToS3(url, fields, file, onProgress = () => {}) {
  return new Promise((resolve, reject) => {
    let target;
    try {
      target = new URL(url);
    } catch {
      reject(new UploadError(0, "bad upload address"));
      return;
    }
    if (target.protocol !== "https:" && target.protocol !== "http:") {
      reject(new UploadError(0, "bad upload address"));
      return;
    }
    const form = new FormData();
    for (const [name, value] of Object.entries(fields ?? {})) form.append(name, value);
    form.append("file", file); // S3 wants the file last
    const xhr = new XMLHttpRequest();
    xhr.open("POST", target.href);
    xhr.timeout = UPLOAD_TIMEOUT_MS;
    xhr.withCredentials = false;
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable && event.total > 0) onProgress(Math.min(1, event.loaded / event.total));
    });
    xhr.addEventListener("load", () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve();
      } else {
        reject(new UploadError(xhr.status, s3Message(xhr)));
      }
    });
    xhr.addEventListener("error", () => reject(new UploadError(0, "network")));
    xhr.addEventListener("timeout", () => reject(new UploadError(0, "timeout")));
    xhr.send(form);
  });
}

/** A ticket's attachments are announced here. */
export function ticketAttachmentsPath(ticketId) {
  return `/tickets/${encodeURIComponent(ticketId)}/attachments`;
}

/**
 * Announces `file` at `path` (a POST the API answers with a presigned POST: a ticket's
 * attachments, a contact order's documents, a help article's files), then uploads it.
 * `extra` joins the announcement (a ticket's `internal`). Resolves with the announced file.
 */
export async function announceAndUpload(path, file, { extra = {}, onProgress } = {}) {
  const body = {
    filename: file.name,
    content_type: file.type || "application/octet-stream",
    size: file.size,
    ...extra,
  };
  const announced = await api.post(path, body, { headers: { "Idempotency-Key": idempotencyKey() } });
  await sendToS3(announced.upload_url, announced.upload_fields, file, onProgress);
  return announced;
}

/** Announces `file` on the ticket, then uploads it. Resolves with the attachment. */
export function uploadAttachment(ticketId, file, { internal = false, onProgress } = {}) {
  return announceAndUpload(ticketAttachmentsPath(ticketId), file,
    { extra: internal ? { internal: true } : {}, onProgress });
}

/** The words for a failed upload: the API's field message, else the general one. */
export function failureText(error) {
  if (error instanceof ApiError) {
    const messages = [...(error.fields.get("content_type") ?? []), ...(error.fields.get("size") ?? [])];
    if (error.fields.has("content_type")) return t("upload.errors.type", { detail: messages.join(" ") });
    if (error.fields.has("size") || error.status === 413) return t("upload.errors.size", { detail: messages.join(" ") });
    return error.detail || t("upload.errors.failed");
  }
  return t("upload.errors.failed");
}

/**
 * A file input with the list of chosen files. `id` names the input; the form's
 * error for the field `files` is shown under it. upload(ownerId) announces every
 * chosen file at announceAt(ownerId) (default: the ticket's attachments), sends each
 * in turn and resolves with {uploaded: [attachment], failed: count}.
 */
export function filePicker({ id, internal = () => false, announceAt = ticketAttachmentsPath,
  labelKey = "upload.label", hintKey = "upload.hint" }) {
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const input = h("input", { id, name: "files", type: "file", multiple: true,
    "aria-describedby": `${hintId} ${errorId}` });
  const list = h("ul", { class: "uploads", "aria-live": "polite" });
  const element = h("div", { class: "field field--files" },
    bindText(h("label", { for: id }), labelKey),
    bindText(h("p", { class: "field__hint", id: hintId }), hintKey),
    input,
    h("p", { class: "field__error", id: errorId, dataset: { fieldError: "files" } }),
    list);
  let rows = [];

  function row(file) {
    const progress = h("progress", { max: "100", value: "0", "aria-label": file.name });
    const state = bindText(h("span", { class: "upload__state" }), "upload.waiting");
    const li = h("li", { class: "upload", dataset: { state: "waiting" } },
      h("span", { class: "upload__name", text: file.name }),
      h("span", { class: "upload__size", text: formatBytes(file.size) }),
      progress, state);
    return { file, li, progress, state };
  }

  function show() {
    rows = Array.from(input.files ?? []).map(row);
    list.replaceChildren(...rows.map((r) => r.li));
  }
  input.addEventListener("change", show);

  function set(r, stateName, key, params) {
    r.li.dataset.state = stateName;
    if (key) bindText(r.state, key, params);
  }

  async function upload(ticketId) {
    const uploaded = [];
    let failed = 0;
    for (const r of rows) {
      if (r.li.dataset.state === "done") continue;
      set(r, "uploading", "upload.uploading", { percent: 0 });
      try {
        const attachment = await announceAndUpload(announceAt(ticketId), r.file, {
          extra: internal() ? { internal: true } : {},
          onProgress: (fraction) => {
            const percent = Math.round(fraction * 100);
            r.progress.value = percent;
            bindText(r.state, "upload.uploading", { percent });
          },
        });
        r.progress.value = 100;
        set(r, "done", "upload.done");
        uploaded.push(attachment);
      } catch (error) {
        failed += 1;
        r.li.dataset.state = "error";
        delete r.state.dataset.i18n;
        r.state.textContent = failureText(error);
      }
    }
    return { uploaded, failed };
  }

  return {
    element,
    input,
    count: () => rows.length,
    upload,
    lock(locked) {
      input.disabled = locked;
    },
    reset() {
      input.value = "";
      rows = [];
      list.replaceChildren();
    },
  };
}

// --- downloads -----------------------------------------------------------------------
//
// A browser cannot follow the API's 302 with a bearer token, so the portal asks for
// the address as JSON (GET .../attachments/{aid}/link, through the API client: the
// token goes to the API only) and then opens the presigned S3 address, which carries
// no token. S3 answers with Content-Disposition: attachment, so the page stays.

/** The short-lived download address of one attachment: {url, expires_at}. */
export function attachmentLink(ticketId, attachmentId) {
  return api.get(`/tickets/${encodeURIComponent(ticketId)}/attachments/${encodeURIComponent(attachmentId)}/link`);
}

/** Opens a download address; anything but http(s) is refused. */
export function openDownload(url) {
  let target;
  try {
    target = new URL(String(url));
  } catch {
    throw new UploadError(0, "bad download address");
  }
  if (target.protocol !== "https:" && target.protocol !== "http:") {
    throw new UploadError(0, "bad download address");
  }
  const link = h("a", { href: target.href, download: "", rel: "noopener noreferrer", hidden: true });
  document.body.append(link);
  try {
    link.click();
  } finally {
    link.remove();
  }
}

/** Asks for a download address at `linkPath` (answered as JSON) and opens it. */
export async function downloadFrom(linkPath) {
  const { url } = await api.get(linkPath);
  openDownload(url);
}

/** Asks for the download address of one attachment and opens it. */
export async function downloadAttachment(ticketId, attachmentId) {
  const { url } = await attachmentLink(ticketId, attachmentId);
  openDownload(url);
}
