// Files in a chat (issue 18, item 3): the send frame that carries them, a file as a
// message shows it, and the API's own words when it refuses one.

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import "./support.js";
import { MAX_MESSAGE_FILES, messageFile, refusalWords, sendFrame } from "../../portal/js/chat/logic.js";

describe("sendFrame", () => {
  it("is the frame of old when no file goes with the text", () => {
    assert.deepEqual(sendFrame("Hej", "c-1"), { action: "send", text: "Hej", client_id: "c-1" });
    assert.deepEqual(sendFrame("Hej", "c-1", []), { action: "send", text: "Hej", client_id: "c-1" });
  });

  it("names each file once, and may have no text", () => {
    const files = [{ id: "F1", filename: "a.pdf" }, { id: "F2" }, { id: "F1" }, { id: 7 }];
    assert.deepEqual(sendFrame("", "c-2", files), { action: "send", text: "", client_id: "c-2", attachment_ids: ["F1", "F2"] });
  });

  it("matches the API's limit on files a message", () => {
    assert.equal(MAX_MESSAGE_FILES, 5);
  });
});

describe("messageFile", () => {
  it("keeps only what a message shows of an announced file", () => {
    const announced = { id: "F1", filename: "kvitto.pdf", content_type: "application/pdf", size: "70",
      upload_url: "https://s3/x", upload_fields: { key: "t/x" }, state: "pending" };
    assert.deepEqual(messageFile(announced), { id: "F1", filename: "kvitto.pdf", content_type: "application/pdf", size: 70 });
  });
});

describe("refusalWords", () => {
  it("says the tenant's limits as the API words them", () => {
    const problem = { detail: "The request has invalid fields.", errors: [
      { loc: ["body", "content_type"], msg: "application/x-msdownload files are not accepted" },
      { loc: ["body", "size"], msg: "larger than the limit of 26214400 bytes" }] };
    assert.equal(refusalWords(problem),
      "application/x-msdownload files are not accepted; larger than the limit of 26214400 bytes");
  });

  it("falls back to the detail, and to nothing", () => {
    assert.equal(refusalWords({ detail: "This chat has ended.", errors: [] }), "This chat has ended.");
    assert.equal(refusalWords({ errors: [{ loc: ["body"], msg: "a chat has at most 20 files" }, { loc: ["body"], msg: "a chat has at most 20 files" }] }),
      "a chat has at most 20 files");
    assert.equal(refusalWords(null), "");
  });
});
