"""Chat (issue 18) on the local stack, over real WebSocket connections: a visitor and the
demo agent chat, the visitor's connection drops and comes back (fetching what it missed,
without duplicates), and the chat ends into a ticket whose transcript is mailed."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any
from urllib.parse import quote

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from tests.e2e.stack import Stack

QUESTION = "Hur lägger jag till en användare?"
ANSWER = "Under Användare, klicka Lägg till."
PUSH_SECONDS = 1.0  # a message reaches the other side within this (the "under a second")


def _next(ws: ClientConnection, kind: str, timeout: float = 5.0) -> dict[str, Any]:
    """The next pushed frame of ``kind`` (others are skipped: typing, echoes)."""
    deadline = time.monotonic() + timeout
    while True:
        frame = json.loads(ws.recv(timeout=max(0.01, deadline - time.monotonic())))
        if frame["type"] == kind:
            return dict(frame)


def _open(url: str, token: str) -> ClientConnection:
    return connect(f"{url}?token={quote(token)}", open_timeout=5)


def test_a_visitor_and_the_agent_chat_reconnect_and_end_into_a_mailed_ticket(
        stack: Stack, tokens: dict[str, str]) -> None:
    agent = tokens["agent@demo.test"]
    status, _, available = stack.request("GET", "/chat/demo/availability")
    assert status == 200 and available == {"available": True, "reason": "open"}
    email = f"visitor-{uuid.uuid4().hex[:8]}@example.com"
    status, _, chat = stack.request("POST", "/chat/sessions", {
        "tenant": "demo", "name": "Vera", "email": email, "language": "sv"})
    assert status == 201, chat
    assert chat["ws_url"] == stack.url.replace("http://", "ws://") + "/chat"
    key = {"Authorization": f"Chat {chat['key']}"}
    with pytest.raises(InvalidStatus) as refused:
        _open(chat["ws_url"], chat["ws_token"] + "x").close()
    assert refused.value.response.status_code == 401

    with _open(chat["ws_url"], chat["ws_token"]) as customer:
        status, _, joined = stack.request("POST", f"/chat/sessions/{chat['id']}/join", {},
                                          token=agent)
        assert status == 200, joined
        assert _next(customer, "joined")["agent_name"]
        with _open(joined["ws_url"], joined["ws_token"]) as staff:
            customer.send(json.dumps({"action": "typing"}))
            assert _next(staff, "typing")["side"] == "customer"
            sent = time.monotonic()
            customer.send(json.dumps({"action": "send", "text": QUESTION,
                                      "client_id": "v-1"}))
            heard = _next(staff, "message")["message"]
            assert time.monotonic() - sent < PUSH_SECONDS
            assert heard["text"] == QUESTION
            seen = _next(customer, "message")["message"]["id"]  # its own, as stored

            # The visitor's connection drops; the agent answers meanwhile.
            customer.close()
            staff.send(json.dumps({"action": "send", "text": ANSWER}))
            _next(staff, "message")
            status, _, fresh = stack.request("POST", f"/chat/sessions/{chat['id']}/token", {},
                                             headers=key)
            assert status == 201, fresh
            with _open(fresh["ws_url"], fresh["ws_token"]) as back:
                status, _, missed = stack.request(
                    "GET", f"/chat/sessions/{chat['id']}/messages?after={seen}", headers=key)
                assert [m["text"] for m in missed["items"]] == [ANSWER]
                # The first message again (its echo was lost with the connection): nothing new.
                back.send(json.dumps({"action": "send", "text": QUESTION,
                                      "client_id": "v-1"}))
                assert _next(back, "message")["message"]["id"] == seen
                status, _, ended = stack.request("POST", f"/chat/sessions/{chat['id']}/end", {},
                                                 headers=key)
                assert status == 200, ended
                assert _next(back, "ended")["ticket_id"] == ended["ticket_id"]
                assert _next(staff, "ended")["ticket_id"] == ended["ticket_id"]

    status, _, everything = stack.request("GET", f"/chat/sessions/{chat['id']}/messages",
                                          headers=key)
    assert [m["side"] for m in everything["items"]] == ["customer", "agent"]
    status, _, ticket = stack.request("GET", f"/tickets/{ended['ticket_id']}", token=agent)
    assert status == 200 and ticket["channel"] == "chat", ticket
    assert ticket["requester_email"] == email
    assert ANSWER in ticket["description"]
    stack.request("POST", "/_local/tick", {})
    status, _, box = stack.request("GET", "/_local/outbox")
    mailed = [m for m in box["items"] if email in m["to"]]
    assert len(mailed) == 1 and "Tack för att du chattade med oss" in mailed[0]["text"]
