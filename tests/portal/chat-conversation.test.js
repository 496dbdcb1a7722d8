// A chat's connection (issue 18) under Node with a fake WebSocket and fake routes: a
// dropped socket comes back with a new grant, fetches what it missed after the last seen
// message, sends the unconfirmed message again with its client id, and shows each message
// once; a grant refused because the chat ended ends it.

import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";

import "./support.js";
import { ApiError } from "../../portal/js/api.js";
import { Conversation } from "../../portal/js/chat/conversation.js";

class FakeSocket extends EventTarget {
  static OPEN = 1;
  static made = [];
  constructor(url) {
    super();
    this.url = url;
    this.sent = [];
    this.readyState = 0;
    FakeSocket.made.push(this);
  }
  accept() {
    this.readyState = 1;
    this.dispatchEvent(new Event("open"));
  }
  push(frame) {
    const event = new Event("message");
    event.data = JSON.stringify(frame);
    this.dispatchEvent(event);
  }
  send(text) {
    this.sent.push(JSON.parse(text));
  }
  close() {
    this.readyState = 3;
    this.dispatchEvent(new Event("close"));
  }
}

const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));
const message = (id, side, text, clientId = null) => ({ id, session_id: "s1", side, text, client_id: clientId, author_name: side, at: "2026-12-06T10:00:00Z" });

function fakeRoutes(history) {
  const calls = { token: 0, since: [] };
  return {
    calls,
    routes: {
      token: async () => {
        calls.token += 1;
        return { ws_url: "ws://chat.test/chat", ws_token: `grant-${calls.token}` };
      },
      since: async (after) => {
        calls.since.push(after);
        return { items: history.filter((m) => after === null || m.id > after), next_after: null };
      },
      session: async () => ({ state: "active" }),
      send: async () => {
        throw new ApiError({ status: 0, kind: "network" });
      },
    },
  };
}

describe("Conversation", () => {
  beforeEach(() => {
    FakeSocket.made = [];
    globalThis.WebSocket = FakeSocket;
    globalThis.window = new EventTarget();
  });
  afterEach(() => {
    delete globalThis.WebSocket;
    delete globalThis.window;
  });

  it("reconnects after a drop, fetches what it missed and resends the unconfirmed message once", async () => {
    const history = [message("01", "customer", "hej", "c-1")];
    const { calls, routes } = fakeRoutes(history);
    const conversation = new Conversation({ id: "s1", routes, side: "customer", me: "Carl" });
    conversation.start({ ws_url: "ws://chat.test/chat", ws_token: "first" });
    const first = FakeSocket.made[0];
    assert.equal(first.url, "ws://chat.test/chat?token=first");
    first.accept();
    await tick();
    assert.deepEqual(conversation.messages.map((m) => m.id), ["01"]);

    conversation.send("är någon där?");
    const sent = first.sent.find((f) => f.action === "send");
    assert.equal(sent.text, "är någon där?");
    // The connection drops before the echo; the agent answered meanwhile, and the server
    // had stored the customer's message (its echo was lost).
    first.close();
    assert.equal(conversation.connection, "reconnecting");
    history.push(message("02", "customer", "är någon där?", sent.client_id), message("03", "agent", "Ja!"));
    await tick(600); // the first backoff is at most 500 ms
    assert.equal(calls.token, 1);
    const second = FakeSocket.made[1];
    assert.equal(second.url, "ws://chat.test/chat?token=grant-1");
    second.accept();
    await tick();
    assert.equal(calls.since.at(-1), "01"); // only what came after the last one seen
    assert.deepEqual(conversation.messages.map((m) => [m.id, m.text]),
      [["01", "hej"], ["02", "är någon där?"], ["03", "Ja!"]]);
    // Confirmed by the fetch: nothing is sent again. A late echo changes nothing.
    assert.equal(second.sent.filter((f) => f.action === "send").length, 0);
    second.push({ type: "message", message: history[1] });
    assert.equal(conversation.messages.length, 3);
    conversation.stop();
  });

  it("sends a message written while disconnected once the socket is back, with the same client id", async () => {
    const { routes } = fakeRoutes([]);
    const conversation = new Conversation({ id: "s1", routes, side: "agent", me: "Aino" });
    conversation.start({ ws_url: "ws://chat.test/chat", ws_token: "first" });
    FakeSocket.made[0].close(); // never opened
    conversation.send("Hej!");
    await tick(10);
    const [pending] = conversation.messages;
    assert.equal(pending.pending, true); // the HTTP send failed too: still pending
    await tick(600);
    const back = FakeSocket.made[1];
    back.accept();
    await tick();
    const resent = back.sent.filter((f) => f.action === "send");
    assert.deepEqual(resent, [{ action: "send", text: "Hej!", client_id: pending.client_id }]);
    back.push({ type: "message", message: message("05", "agent", "Hej!", pending.client_id) });
    assert.deepEqual(conversation.messages.map((m) => m.id), ["05"]);
    conversation.stop();
  });

  it("ends when a new grant is refused because the chat is over", async () => {
    const { routes } = fakeRoutes([]);
    routes.token = async () => {
      throw new ApiError({ status: 409 });
    };
    routes.session = async () => ({ state: "ended", ticket_id: "t-9" });
    let endedWith;
    const conversation = new Conversation({ id: "s1", routes, side: "customer", me: "Carl", onEnded: (id) => {
      endedWith = id;
    } });
    conversation.start({ ws_url: "ws://chat.test/chat", ws_token: "first" });
    FakeSocket.made[0].accept();
    FakeSocket.made[0].close();
    await tick(600);
    assert.equal(endedWith, "t-9");
    assert.equal(conversation.ended, true);
    assert.equal(FakeSocket.made.length, 1); // no further attempts
  });

  it("fetches again after the socket opened when the first fetch began before it", async () => {
    const { calls, routes } = fakeRoutes([message("01", "agent", "Hej")]);
    let release;
    const held = new Promise((resolve) => {
      release = resolve;
    });
    const since = routes.since;
    routes.since = async (after) => {
      if (calls.since.length === 0) await held; // the first fetch is slow
      return since(after);
    };
    const conversation = new Conversation({ id: "s1", routes, side: "customer", me: "Carl" });
    conversation.start({ ws_url: "ws://chat.test/chat", ws_token: "first" });
    FakeSocket.made[0].accept(); // opens while the first fetch is under way
    release();
    await tick(10);
    assert.deepEqual(calls.since, [null, "01"]);
    assert.deepEqual(conversation.messages.map((m) => m.id), ["01"]);
    conversation.stop();
  });

  it("shows the other side typing and ignores frames of another chat", async () => {
    const { routes } = fakeRoutes([]);
    const conversation = new Conversation({ id: "s1", routes, side: "customer", me: "Carl" });
    conversation.start({ ws_url: "ws://chat.test/chat", ws_token: "first" });
    const socket = FakeSocket.made[0];
    socket.accept();
    socket.push({ type: "typing", session_id: "s2", side: "agent", name: "Eve" });
    assert.equal(conversation.typing, null);
    socket.push({ type: "typing", session_id: "s1", side: "agent", name: "Aino" });
    assert.equal(conversation.typing.name, "Aino");
    conversation.typed(10_000);
    conversation.typed(10_500); // within the typing interval: not sent again
    assert.equal(socket.sent.filter((f) => f.action === "typing").length, 1);
    conversation.stop();
  });
});
