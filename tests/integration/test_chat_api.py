"""Chat (issue 18) through the Chalice app: the HTTP routes, and the WebSocket handlers
invoked with the events API Gateway sends (``local/websocket.py`` builds them). The
management API is faked only at its boundary (``store/chat_push._client``): it records
what was pushed to which connection, closes connections, and says ``GoneException`` for
connections it was told are gone.

Attacks performed: another tenant's session id (HTTP and socket, at connect and on a
frame), a visitor's key on another session, a forged socket grant, a flood of frames,
an oversized frame, markup in a message, ending twice."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError

from app import app
from chalicelib.api import chat_socket
from chalicelib.config import get_config
from chalicelib.domain import chat as rules
from chalicelib.store import chat as chat_store
from chalicelib.store import chat_push
from local.outbox import LocalOutbox
from local.websocket import websocket_event
from tests.integration.api_client import Api
from tests.integration.tenants import emails, module_tenants

TENANTS = module_tenants(__name__)
TENANT, OTHER_TENANT = TENANTS
ADMIN, AGENT, CUSTOMER = emails(TENANT)
OTHER_ADMIN, OTHER_AGENT, _ = emails(OTHER_TENANT)


class FakeManagementApi:
    """``apigatewaymanagementapi`` as the app uses it: posts recorded per connection."""

    def __init__(self) -> None:
        self.posted: dict[str, list[dict[str, Any]]] = {}
        self.closed: list[str] = []
        self.gone: set[str] = set()

    def _check(self, connection_id: str, operation: str) -> None:
        if connection_id in self.gone:
            raise ClientError({"Error": {"Code": "GoneException", "Message": ""}}, operation)

    def post_to_connection(self, ConnectionId: str, Data: bytes) -> None:
        self._check(ConnectionId, "PostToConnection")
        self.posted.setdefault(ConnectionId, []).append(json.loads(Data))

    def delete_connection(self, ConnectionId: str) -> None:
        self._check(ConnectionId, "DeleteConnection")
        self.closed.append(ConnectionId)

    def frames(self, connection_id: str, kind: str) -> list[dict[str, Any]]:
        return [f for f in self.posted.get(connection_id, []) if f["type"] == kind]


@pytest.fixture(scope="module")
def push(local_resources: Any) -> Iterator[FakeManagementApi]:
    fake = FakeManagementApi()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(chat_push, "_client", lambda: fake)
        yield fake


@pytest.fixture(scope="module", autouse=True)
def chat_on(api: Api) -> None:
    """The main tenant offers chat (around the clock, its agent online by setting); the
    other tenant too, so a refusal there is isolation, not a tenant without chat."""
    for admin, agent in ((ADMIN, AGENT), (OTHER_ADMIN, OTHER_AGENT)):
        me = api.call("GET", "/me", as_user=agent)
        settings = api.call("GET", "/settings", as_user=admin).body
        body = {k: v for k, v in settings.items()
                if k not in ("tenant", "updated_at", "version", "email_address_status")}
        body["chat"] = {"enabled": True, "always_online_ids": [me.body["id"]]}
        body["support_hours"] = {**body["support_hours"], "weekdays": [1, 2, 3, 4, 5, 6, 7],
                                 "start": "00:00", "end": "23:59", "holiday_country": None}
        answer = api.call("PUT", "/settings", body, as_user=admin)
        assert answer.status == 200, answer.body


def _invoke(api: Api, name: str, event: dict[str, Any]) -> dict[str, Any]:
    return dict(api.client.lambda_.invoke(name, event).payload)


def _connect(api: Api, connection_id: str, token: str | None) -> dict[str, Any]:
    query = {"token": token} if token is not None else None
    return _invoke(api, "websocket_connect", websocket_event(
        "$connect", connection_id, domain="localhost:8000", query=query))


def _frame(api: Api, connection_id: str, frame: dict[str, Any] | str) -> None:
    body = frame if isinstance(frame, str) else json.dumps(frame)
    answer = _invoke(api, "websocket_message", websocket_event(
        "$default", connection_id, domain="localhost:8000", body=body))
    assert answer["statusCode"] == 200


def _visitor(api: Api, tenant: str = TENANT, name: str = "Vera Besökare",
             email: str = "vera@visitor.example") -> dict[str, Any]:
    answer = api.call("POST", "/chat/sessions", {"tenant": tenant, "name": name,
                                                  "email": email, "language": "en"})
    assert answer.status == 201, answer.body
    return dict(answer.body)


def _join(api: Api, session_id: str, agent: str = AGENT) -> dict[str, Any]:
    answer = api.call("POST", f"/chat/sessions/{session_id}/join", as_user=agent)
    assert answer.status == 200, answer.body
    return dict(answer.body)


def _key(chat: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Chat {chat['key']}"}


def test_a_visitor_chats_with_an_agent_and_the_transcript_becomes_a_mailed_ticket(
        api: Api, push: FakeManagementApi, runner: Any, mail: LocalOutbox) -> None:
    available = api.call("GET", f"/chat/{TENANT}/availability")
    assert available.status == 200 and available.body == {"available": True, "reason": "open"}
    chat = _visitor(api, email="transcript@visitor.example")
    assert chat["ws_url"] == get_config().chat_socket_url and chat["state"] == "waiting"
    assert _connect(api, "cust-1", chat["ws_token"])["statusCode"] == 200
    queue = api.call("GET", "/chat/sessions?state=waiting", as_user=AGENT)
    assert chat["id"] in [s["id"] for s in queue.body["items"]]

    joined = _join(api, chat["id"])
    assert joined["session"]["state"] == "active"
    assert push.frames("cust-1", "joined")[-1]["agent_name"]
    assert _connect(api, "agent-1", joined["ws_token"])["statusCode"] == 200
    # An agent with a chat open counts as online (besides the setting).
    now = int(datetime.now(UTC).timestamp())
    assert joined["session"]["agent_id"] in {
        c["user_id"] for c in chat_store.presence_connections(TENANT, now)}
    mine = api.call("GET", "/chat/sessions?mine=true", as_user=AGENT)
    assert chat["id"] in [s["id"] for s in mine.body["items"]]
    assert chat["id"] not in [s["id"] for s in api.call(
        "GET", "/chat/sessions?mine=true", as_user=ADMIN).body["items"]]

    _frame(api, "cust-1", {"action": "send", "text": "How do I add a user?", "client_id": "c1"})
    _frame(api, "agent-1", {"action": "typing"})
    assert push.frames("cust-1", "typing")[-1]["side"] == "agent"
    assert push.frames("agent-1", "typing") == []  # not echoed to the typist
    _frame(api, "agent-1", {"action": "send", "text": "Under Users, press Add.",
                            "client_id": "a1"})
    said = [f["message"]["text"] for f in push.frames("agent-1", "message")]
    assert said == ["How do I add a user?", "Under Users, press Add."]

    history = api.call("GET", f"/chat/sessions/{chat['id']}/messages", headers=_key(chat))
    assert [m["side"] for m in history.body["items"]] == ["customer", "agent"]
    ended = api.call("POST", f"/chat/sessions/{chat['id']}/end", headers=_key(chat))
    assert ended.status == 200, ended.body
    ticket_id = ended.body["ticket_id"]
    assert push.frames("agent-1", "ended")[-1]["ticket_id"] == ticket_id
    assert {"cust-1", "agent-1"} <= set(push.closed)  # the ended chat's sockets close
    # Ending again (either side) is the same answer: one ticket.
    again = api.call("POST", f"/chat/sessions/{chat['id']}/end", as_user=AGENT)
    assert again.status == 200 and again.body["ticket_id"] == ticket_id

    ticket = api.call("GET", f"/tickets/{ticket_id}", as_user=AGENT).body
    assert ticket["channel"] == "chat" and ticket["subject"] == "Chat: How do I add a user?"
    # The visitor is an unverified contact: never a portal user's ticket.
    assert ticket["organization_id"] == "unverified-senders"
    assert ticket["requester_id"] is None
    assert ticket["requester_email"] == "transcript@visitor.example"
    assert "Under Users, press Add." in ticket["description"]
    runner.drain()
    sent = [m for m in mail.messages() if "transcript@visitor.example" in m["to"]]
    assert len(sent) == 1
    assert "Thank you for chatting with us" in sent[0]["text"]  # the visitor's language
    assert "How do I add a user?" in sent[0]["text"]
    # An ended chat takes no more messages and no new socket.
    late = api.call("POST", f"/chat/sessions/{chat['id']}/messages", {"text": "hello?"},
                    headers=_key(chat))
    assert late.status == 422
    assert _connect(api, "cust-late", chat["ws_token"])["statusCode"] == 403


def test_a_reconnect_fetches_what_it_missed_and_a_resend_makes_no_duplicate(
        api: Api, push: FakeManagementApi) -> None:
    chat = _visitor(api)
    joined = _join(api, chat["id"])
    _connect(api, "cust-2", chat["ws_token"])
    _connect(api, "agent-2", joined["ws_token"])
    _frame(api, "cust-2", {"action": "send", "text": "first", "client_id": "m-1"})
    seen = push.frames("cust-2", "message")[-1]["message"]["id"]
    _invoke(api, "websocket_disconnect", websocket_event("$disconnect", "cust-2",
                                                          domain="localhost:8000"))
    _frame(api, "agent-2", {"action": "send", "text": "while you were away"})
    assert push.frames("cust-2", "message")[-1]["message"]["id"] == seen  # not pushed: gone
    # Back with a new token; the resend of m-1 (its answer was lost) makes nothing new.
    token = api.call("POST", f"/chat/sessions/{chat['id']}/token", headers=_key(chat))
    assert token.status == 201
    assert _connect(api, "cust-3", token.body["ws_token"])["statusCode"] == 200
    _frame(api, "cust-3", {"action": "send", "text": "first", "client_id": "m-1"})
    assert push.frames("cust-3", "message")[-1]["message"]["id"] == seen
    assert [f["message"]["text"] for f in push.frames("agent-2", "message")] == [
        "first", "while you were away"]
    missed = api.call("GET", f"/chat/sessions/{chat['id']}/messages?after={seen}",
                      headers=_key(chat))
    assert [m["text"] for m in missed.body["items"]] == ["while you were away"]
    resent = api.call("POST", f"/chat/sessions/{chat['id']}/messages",
                      {"text": "first", "client_id": "m-1"}, headers=_key(chat))
    assert resent.status == 200 and resent.body["duplicate"] is True
    assert resent.body["message"]["id"] == seen
    everything = api.call("GET", f"/chat/sessions/{chat['id']}/messages", headers=_key(chat))
    assert [m["text"] for m in everything.body["items"]] == ["first", "while you were away"]


def test_another_tenants_session_is_not_found_and_refused_on_the_socket(
        api: Api, push: FakeManagementApi) -> None:
    chat = _visitor(api)
    other = _visitor(api, tenant=OTHER_TENANT)
    for method, path in (("GET", ""), ("GET", "/messages"), ("POST", "/join"),
                         ("POST", "/end")):
        answer = api.call(method, f"/chat/sessions/{chat['id']}{path}", as_user=OTHER_AGENT)
        assert answer.status == 404, (method, path, answer.body)
    # A visitor's key opens its own session only.
    answer = api.call("GET", f"/chat/sessions/{chat['id']}/messages", headers=_key(other))
    assert answer.status == 404
    # A signed-in customer of the same tenant does not read a visitor's chat.
    answer = api.call("GET", f"/chat/sessions/{chat['id']}", as_user=CUSTOMER)
    assert answer.status == 404
    # A grant of the other tenant naming this tenant's session (signed with the server's
    # secret, as if it leaked): the session is not the other tenant's, so refused.
    forged = rules.issue_grant(get_config().secret, rules.Grant(
        OTHER_TENANT, chat["id"], "customer", None, "Mallory",
        rules.grant_expiry(datetime.now(UTC))))
    assert _connect(api, "evil-1", forged)["statusCode"] == 403
    assert _connect(api, "evil-2", chat["ws_token"] + "x")["statusCode"] == 401
    assert _connect(api, "evil-3", None)["statusCode"] == 401
    expired = rules.issue_grant(get_config().secret, rules.Grant(
        TENANT, chat["id"], "customer", None, "Vera", int(datetime.now(UTC).timestamp()) - 1))
    assert _connect(api, "evil-4", expired)["statusCode"] == 401
    # A connection of the other tenant's chat naming this chat on a frame is refused.
    _connect(api, "other-1", other["ws_token"])
    _frame(api, "other-1", {"action": "send", "text": "hi", "session_id": chat["id"]})
    assert push.frames("other-1", "error")[-1]["code"] == "refused"
    messages = api.call("GET", f"/chat/sessions/{chat['id']}/messages", headers=_key(chat))
    assert messages.body["items"] == []


def test_a_flood_of_frames_closes_the_connection_with_a_reason(
        api: Api, push: FakeManagementApi, monkeypatch: pytest.MonkeyPatch) -> None:
    # Every frame at one moment: the limit is per fixed window of the clock, and frames
    # sent across a window's edge (or slowly, on a loaded machine) would be counted apart.
    frozen = datetime.now(UTC)

    class _Frozen(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> _Frozen:  # type: ignore[override]
            return cls.fromtimestamp(frozen.timestamp(), tz)

    monkeypatch.setattr(chat_socket, "datetime", _Frozen)
    chat = _visitor(api)
    _connect(api, "flood-1", chat["ws_token"])
    for n in range(rules.RATE_FRAMES + 1):
        _frame(api, "flood-1", {"action": "typing"})
        if n < rules.RATE_FRAMES:
            assert push.frames("flood-1", "error") == []
    error = push.frames("flood-1", "error")[-1]
    assert error["code"] == "rate_limited" and "closed" in error["detail"]
    assert push.closed[-1] == "flood-1"


def test_size_limits_and_markup(api: Api, push: FakeManagementApi) -> None:
    chat = _visitor(api)
    _join(api, chat["id"])
    _connect(api, "size-1", chat["ws_token"])
    _frame(api, "size-1", {"action": "send", "text": "x" * (rules.MAX_FRAME_BYTES + 1)})
    assert push.frames("size-1", "error")[-1]["code"] == "bad_frame"
    _frame(api, "size-1", {"action": "send", "text": "y" * (rules.MAX_TEXT + 1)})
    assert "at most" in push.frames("size-1", "error")[-1]["detail"]
    _frame(api, "size-1", "not json")
    assert push.frames("size-1", "error")[-1]["code"] == "bad_frame"
    too_long = api.call("POST", f"/chat/sessions/{chat['id']}/messages",
                        {"text": "z" * (rules.MAX_TEXT + 1)}, headers=_key(chat))
    assert too_long.status == 400
    assert too_long.body["errors"][0]["loc"] == ["body", "text"]
    _frame(api, "size-1", {"action": "send",
                           "text": '<script>alert("x")</script>Hej <b>där</b> &amp; du'})
    stored = api.call("GET", f"/chat/sessions/{chat['id']}/messages", headers=_key(chat))
    assert [m["text"] for m in stored.body["items"]] == ["Hej där & du"]
    only_markup = api.call("POST", f"/chat/sessions/{chat['id']}/messages",
                           {"text": "<img src=x onerror=alert(1)>"}, headers=_key(chat))
    assert only_markup.status == 400


def test_a_gone_connection_is_forgotten(api: Api, push: FakeManagementApi) -> None:
    chat = _visitor(api)
    joined = _join(api, chat["id"])
    _connect(api, "gone-1", chat["ws_token"])
    _connect(api, "gone-2", joined["ws_token"])
    push.gone.add("gone-1")
    now = int(datetime.now(UTC).timestamp())
    _frame(api, "gone-2", {"action": "send", "text": "are you there?"})
    left = chat_store.session_connections(TENANT, chat["id"], now)
    assert [c["connection_id"] for c in left] == ["gone-2"]
    assert chat_store.get_connection("gone-1") is None


def test_a_signed_in_customer_transfer_and_an_existing_ticket(
        api: Api, push: FakeManagementApi) -> None:
    started = api.call("POST", "/chat/sessions", {}, as_user=CUSTOMER)
    assert started.status == 201 and started.body["key"] is None
    chat_id = started.body["id"]
    session = api.call("GET", f"/chat/sessions/{chat_id}", as_user=CUSTOMER).body
    assert session["customer"]["kind"] == "user" and session["customer"]["organization_id"]
    # Staff start no chats; a bearer token never names another tenant's chat.
    assert api.call("POST", "/chat/sessions", {}, as_user=AGENT).status == 403
    joined = _join(api, chat_id)
    _connect(api, "moved-agent", joined["ws_token"])
    taken = api.call("POST", f"/chat/sessions/{chat_id}/join", as_user=ADMIN)
    assert taken.status == 409
    admin_id = api.call("GET", "/me", as_user=ADMIN).body["id"]
    moved = api.call("POST", f"/chat/sessions/{chat_id}/transfer", {"to_user_id": admin_id},
                     as_user=AGENT)
    assert moved.status == 200 and moved.body["agent_id"] == admin_id
    assert push.frames("moved-agent", "joined")[-1]["transferred_by"]
    assert "moved-agent" in push.closed  # the previous agent's socket closes
    _frame(api, "moved-agent", {"action": "send", "text": "still here"})
    assert push.frames("moved-agent", "error")[-1]["code"] == "refused"
    nobody = api.call("POST", f"/chat/sessions/{chat_id}/transfer",
                      {"to_user_id": session["customer"]["user_id"]}, as_user=ADMIN)
    assert nobody.status == 400
    said = api.call("POST", f"/chat/sessions/{chat_id}/messages", {"text": "My invoice?"},
                    as_user=CUSTOMER)
    assert said.status == 201
    # The customer's own ticket, to which the admin adds the transcript.
    ticket = api.call("POST", "/tickets", {"subject": "Invoice", "description": "Where?",
                                           "ticket_type_id": "technical_fault"},
                      as_user=CUSTOMER).body
    ended = api.call("POST", f"/chat/sessions/{chat_id}/end", {"ticket_id": ticket["id"]},
                     as_user=ADMIN)
    assert ended.status == 200 and ended.body["ticket_id"] == ticket["id"]
    comments = api.call("GET", f"/tickets/{ticket['id']}/comments", as_user=ADMIN).body
    assert any("My invoice?" in c["body"] for c in comments["items"])


def test_leave_a_message_becomes_a_ticket(api: Api) -> None:
    left = api.call("POST", f"/chat/{TENANT}/messages",
                    {"name": "Otto", "email": "otto@visitor.example", "text": "Call me back"})
    assert left.status == 201, left.body
    ticket = api.call("GET", f"/tickets/{left.body['ticket_id']}", as_user=AGENT).body
    assert ticket["channel"] == "chat" and ticket["description"] == "Call me back"
    missing = api.call("POST", f"/chat/{TENANT}/messages", {"text": "anonymous"})
    assert missing.status == 400
    assert {tuple(e["loc"]) for e in missing.body["errors"]} == {("body", "name"),
                                                                ("body", "email")}
    assert api.call("POST", "/chat/nosuchtenant/messages",
                    {"name": "A", "email": "a@b.example", "text": "x"}).status == 404


def test_an_abandoned_chat_ends_by_itself_through_the_sweep(
        api: Api, push: FakeManagementApi, runner: Any) -> None:
    chat = _visitor(api, email="abandoned@visitor.example")
    _connect(api, "idle-1", chat["ws_token"])
    _frame(api, "idle-1", {"action": "send", "text": "Hello?"})
    soon = runner.tick(datetime.now(UTC) + timedelta(minutes=5))
    assert "chat_abandon:ended" not in soon["schedules"]["chat_abandoned"]
    later = runner.tick(datetime.now(UTC) + timedelta(minutes=rules.ABANDON_MINUTES + 1))
    assert later["schedules"]["chat_abandoned"]["chat_abandon:ended"] >= 1
    session = api.call("GET", f"/chat/sessions/{chat['id']}", headers=_key(chat)).body
    assert session["state"] == "ended" and session["ended_by"] == "system"
    assert session["ticket_id"]
    assert push.frames("idle-1", "ended")[-1]["ticket_id"] == session["ticket_id"]


def test_the_websocket_handlers_are_chalices_websocket_handlers() -> None:
    assert set(app.websocket_handlers) == {"$connect", "$default", "$disconnect"}
    assert "WEBSOCKETS" in app.experimental_feature_flags


def test_staff_presence_sockets_hear_of_new_waiting_chats(
        api: Api, push: FakeManagementApi) -> None:
    grant = api.call("POST", "/chat/presence", as_user=AGENT)
    assert grant.status == 201
    assert api.call("POST", "/chat/presence", as_user=CUSTOMER).status == 403
    assert _connect(api, "presence-1", grant.body["ws_token"])["statusCode"] == 200
    now = int(datetime.now(UTC).timestamp())
    assert chat_store.someone_online(TENANT, now)
    assert "presence-1" in {c["connection_id"] for c in chat_store.presence_connections(
        TENANT, now)}
    # Expired presence (API Gateway never said the socket closed) is not online.
    assert "presence-1" not in {c["connection_id"] for c in chat_store.presence_connections(
        TENANT, now + rules.CONNECTION_TTL_SECONDS + 1)}
    chat = _visitor(api)
    assert push.frames("presence-1", "waiting")[-1]["session"]["id"] == chat["id"]
    # A presence socket speaks in no chat.
    _frame(api, "presence-1", {"action": "send", "text": "hello"})
    assert push.frames("presence-1", "error")[-1]["code"] == "refused"
    _invoke(api, "websocket_disconnect", websocket_event("$disconnect", "presence-1",
                                                          domain="localhost:8000"))
    _visitor(api)
    assert len(push.frames("presence-1", "waiting")) == 1
    assert "presence-1" not in {c["connection_id"] for c in chat_store.presence_connections(
        TENANT, now)}


def test_a_chat_in_which_nothing_was_said_ends_without_a_ticket(api: Api) -> None:
    chat = _visitor(api)
    ended = api.call("POST", f"/chat/sessions/{chat['id']}/end", headers=_key(chat))
    assert ended.status == 200 and ended.body["ticket_id"] is None
    assert ended.body["session"]["state"] == "ended"


def test_messages_over_http_are_limited_per_chat_and_side(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    chat = _visitor(api)
    monkeypatch.setenv("RATE_LIMIT_CHAT_MESSAGES_PER_SESSION", "3/3600")
    get_config.cache_clear()
    try:
        path = f"/chat/sessions/{chat['id']}/messages"
        for n in range(3):
            assert api.call("POST", path, {"text": f"m{n}"}, headers=_key(chat)).status == 201
        refused = api.call("POST", path, {"text": "one more"}, headers=_key(chat))
        assert refused.status == 429 and "retry-after" in refused.headers
    finally:
        monkeypatch.undo()
        get_config.cache_clear()


def test_a_join_racing_a_message_keeps_the_messages_time(api: Api) -> None:
    from chalicelib.services import chat as svc

    chat = _visitor(api)
    read_before = svc.load_for(svc.Party(TENANT, "customer", None, "Vera"), chat["id"])
    later = datetime.now(UTC) + timedelta(minutes=5)
    message, _ = svc.send(svc.Party(TENANT, "customer", None, "Vera"), chat["id"],
                          "meanwhile", None, later)
    joined = read_before.model_copy(update={"state": "active", "agent_id": "a1",
                                            "agent_name": "Aino", "version": 2})
    svc._assign(TENANT, read_before, joined)
    stored = svc.load_for(svc.Party(TENANT, "customer", None, "Vera"), chat["id"])
    assert stored.state == "active" and stored.agent_id == "a1"
    assert stored.last_message_at == message.at  # not the time the join had read
    item = chat_store.get_session(TENANT, chat["id"])
    assert item is not None and item["due_at"] == rules.abandon_at(message.at)


# --- files (issue 18, item 3) --------------------------------------------------------------

PDF = b"%PDF-1.4\n" + b"x" * 60


def _announce(api: Api, chat_id: str, filename: str = "kvitto.pdf",
              content: bytes = PDF, content_type: str = "application/pdf",
              upload: bool = True, **auth: Any) -> dict[str, Any]:
    made = api.call("POST", f"/chat/sessions/{chat_id}/files", {
        "filename": filename, "content_type": content_type, "size": len(content)}, **auth)
    assert made.status == 201, made.body
    assert "key" not in made.body and made.body["state"] == "pending"
    if upload:
        sent = requests.post(made.body["upload_url"], data=made.body["upload_fields"],
                             files={"file": (filename, content)}, timeout=10)
        assert sent.status_code in (200, 204), sent.text
    return dict(made.body)


def test_files_travel_in_messages_and_become_the_tickets_attachments(
        api: Api, push: FakeManagementApi) -> None:
    chat = _visitor(api, email="files@visitor.example")
    joined = _join(api, chat["id"])
    _connect(api, "file-cust", chat["ws_token"])
    _connect(api, "file-agent", joined["ws_token"])
    receipt = _announce(api, chat["id"], headers=_key(chat))
    # Over HTTP, a message of files only (no text).
    sent = api.call("POST", f"/chat/sessions/{chat['id']}/messages",
                    {"attachment_ids": [receipt["id"]]}, headers=_key(chat))
    assert sent.status == 201, sent.body
    assert sent.body["message"]["text"] == ""
    assert sent.body["message"]["attachments"] == [{
        "id": receipt["id"], "filename": "kvitto.pdf", "content_type": "application/pdf",
        "size": len(PDF)}]
    pushed = push.frames("file-agent", "message")[-1]["message"]
    assert pushed["attachments"][0]["id"] == receipt["id"]
    # The agent's file over the socket, with text.
    guide = _announce(api, chat["id"], "guide.txt", b"Step 1", "text/plain", as_user=AGENT)
    _frame(api, "file-agent", {"action": "send", "text": "Here is the guide",
                               "attachment_ids": [guide["id"]]})
    said = push.frames("file-cust", "message")[-1]["message"]
    assert said["text"] == "Here is the guide" and said["attachments"][0]["filename"] == (
        "guide.txt")
    # Either party, and staff of the tenant, fetch the file.
    for auth in ({"headers": _key(chat)}, {"as_user": AGENT}, {"as_user": ADMIN}):
        link = api.call("GET", f"/chat/sessions/{chat['id']}/files/{receipt['id']}/link",
                        **auth)
        assert link.status == 200, (auth, link.body)
        assert requests.get(link.body["url"], timeout=10).content == PDF

    ended = api.call("POST", f"/chat/sessions/{chat['id']}/end", headers=_key(chat))
    ticket_id = ended.body["ticket_id"]
    ticket = api.call("GET", f"/tickets/{ticket_id}", as_user=AGENT).body
    assert "[File: kvitto.pdf]" in ticket["description"]
    assert "Here is the guide [File: guide.txt]" in ticket["description"]
    listed = api.call("GET", f"/tickets/{ticket_id}/attachments", as_user=AGENT).body
    assert {(a["filename"], a["state"]) for a in listed["items"]} == {
        ("kvitto.pdf", "uploaded"), ("guide.txt", "uploaded")}
    copied = api.call("GET", f"/tickets/{ticket_id}/attachments/{receipt['id']}/link",
                      as_user=AGENT)
    assert copied.status == 200, copied.body
    assert requests.get(copied.body["url"], timeout=10).content == PDF


def test_a_signed_in_customer_finds_the_chats_files_on_the_existing_ticket(
        api: Api, push: FakeManagementApi) -> None:
    started = api.call("POST", "/chat/sessions", {}, as_user=CUSTOMER)
    chat_id = started.body["id"]
    _join(api, chat_id)
    shot = _announce(api, chat_id, "skärm.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 30,
                     "image/png", as_user=CUSTOMER)
    said = api.call("POST", f"/chat/sessions/{chat_id}/messages",
                    {"text": "This error", "attachment_ids": [shot["id"]]}, as_user=CUSTOMER)
    assert said.status == 201, said.body
    ticket = api.call("POST", "/tickets", {"subject": "Error", "description": "See chat",
                                           "ticket_type_id": "technical_fault"},
                      as_user=CUSTOMER).body
    ended = api.call("POST", f"/chat/sessions/{chat_id}/end", {"ticket_id": ticket["id"]},
                     as_user=AGENT)
    assert ended.status == 200, ended.body
    mine = api.call("GET", f"/tickets/{ticket['id']}/attachments", as_user=CUSTOMER).body
    assert [a["filename"] for a in mine["items"]] == ["skärm.png"]
    link = api.call("GET", f"/tickets/{ticket['id']}/attachments/{shot['id']}/link",
                    as_user=CUSTOMER)
    assert link.status == 200, link.body


def test_file_attacks_are_refused(api: Api, push: FakeManagementApi) -> None:
    chat = _visitor(api)
    _join(api, chat["id"])
    other_chat = _visitor(api, email="other@visitor.example")
    foreign = _announce(api, other_chat["id"], headers=_key(other_chat))
    elsewhere = _visitor(api, tenant=OTHER_TENANT)
    other_tenants = _announce(api, elsewhere["id"], headers=_key(elsewhere))
    never = _announce(api, chat["id"], "never.pdf", upload=False, headers=_key(chat))
    path = f"/chat/sessions/{chat['id']}/messages"
    # Another chat's file, another tenant's file, a file never uploaded: each named.
    for file_id in (foreign["id"], other_tenants["id"], never["id"]):
        refused = api.call("POST", path, {"text": "look", "attachment_ids": [file_id]},
                           headers=_key(chat))
        assert refused.status == 400, refused.body
        assert refused.body["errors"][0]["loc"] == ["body", "attachment_ids", 0]
        assert file_id in refused.body["errors"][0]["msg"]
        link = api.call("GET", f"/chat/sessions/{chat['id']}/files/{file_id}/link",
                        headers=_key(chat))
        assert link.status == (409 if file_id == never["id"] else 404), link.body
    # The same over the socket: an error frame naming the file; nothing is said.
    _connect(api, "file-evil", chat["ws_token"])
    _frame(api, "file-evil", {"action": "send", "attachment_ids": [foreign["id"]]})
    error = push.frames("file-evil", "error")[-1]
    assert error["code"] == "refused" and foreign["id"] in error["detail"]
    _frame(api, "file-evil", {"action": "send", "attachment_ids": ["a"] * 6})
    assert push.frames("file-evil", "error")[-1]["code"] == "bad_frame"
    assert api.call("GET", path, headers=_key(chat)).body["items"] == []
    # Another chat's key, another tenant's staff: no file of theirs.
    assert api.call("POST", f"/chat/sessions/{chat['id']}/files", {
        "filename": "x.pdf", "content_type": "application/pdf", "size": 10},
        headers=_key(other_chat)).status == 404
    assert api.call("GET", f"/chat/sessions/{chat['id']}/files/{never['id']}/link",
                    as_user=OTHER_AGENT).status == 404
    # A type the tenant does not accept, a size over its limit.
    wrong = api.call("POST", f"/chat/sessions/{chat['id']}/files", {
        "filename": "run.exe", "content_type": "application/x-msdownload", "size": 10},
        headers=_key(chat))
    assert wrong.status == 400
    assert wrong.body["errors"][0]["loc"] == ["body", "content_type"]
    huge = api.call("POST", f"/chat/sessions/{chat['id']}/files", {
        "filename": "big.pdf", "content_type": "application/pdf", "size": 10**9},
        headers=_key(chat))
    assert huge.status == 400 and huge.body["errors"][0]["loc"] == ["body", "size"]
    # More than five on a message.
    six = api.call("POST", path, {"attachment_ids": [never["id"]] * 6}, headers=_key(chat))
    assert six.status == 400


def test_a_chat_takes_at_most_twenty_files(api: Api) -> None:
    chat = _visitor(api)
    for n in range(rules.MAX_FILES - 1):  # one is announced below by the helper
        made = api.call("POST", f"/chat/sessions/{chat['id']}/files", {
            "filename": f"f{n}.pdf", "content_type": "application/pdf", "size": 10},
            headers=_key(chat))
        assert made.status == 201, (n, made.body)
    _announce(api, chat["id"], upload=False, headers=_key(chat))
    twenty_first = api.call("POST", f"/chat/sessions/{chat['id']}/files", {
        "filename": "one-more.pdf", "content_type": "application/pdf", "size": 10},
        headers=_key(chat))
    assert twenty_first.status == 400
    assert f"at most {rules.MAX_FILES}" in twenty_first.body["errors"][0]["msg"]
    # The count holds in the store too (a race past the read): the write is refused.
    from chalicelib.services import chat_files
    from chalicelib.store.dynamo import UnitOfWork

    uow = UnitOfWork()
    chat_store.add_file(uow, TENANT, {"id": "raced", "session_id": chat["id"]},
                        rules.MAX_FILES, chat_files.TooManyFiles)
    with pytest.raises(chat_files.TooManyFiles):
        uow.commit()


def test_a_full_transaction_leaves_room_for_every_attachment_and_adds_history_after(
        api: Api) -> None:
    """A new ticket's subject index may fill most of the end's transaction: the attachment
    records go in it all the same, the history that does not fit follows its commit."""
    from chalicelib.domain.principal import Principal
    from chalicelib.services import chat_files
    from chalicelib.services.context import Ctx
    from chalicelib.services.directory import system_principal
    from chalicelib.store.dynamo import UnitOfWork

    ticket = api.call("POST", "/tickets", {"subject": "Full", "description": "x",
                                           "ticket_type_id": "technical_fault"},
                      as_user=CUSTOMER).body
    principal: Principal = system_principal(TENANT)
    ctx = Ctx(principal, datetime.now(UTC))
    attachments = [{"id": f"full{n}", "ticket_id": ticket["id"], "filename": f"f{n}.pdf",
                    "content_type": "application/pdf", "size": 10, "state": "uploaded",
                    "internal": False, "uploaded_by": "u", "created_at": ctx.stamp,
                    "key": f"t/{TENANT}/tickets/{ticket['id']}/full{n}/f{n}.pdf"}
                   for n in range(rules.MAX_FILES)]
    uow = UnitOfWork()
    for n in range(75):  # what the ticket's own writes might take
        uow.put(get_config().chat_table, {"PK": f"T#{TENANT}#FILLER", "SK": f"{n:03d}"})
    chat_files.write_attachments(uow, ctx, ticket["id"], attachments)
    assert len(uow.ops) == chat_files.MAX_TRANSACTION_WRITES
    uow.commit()
    listed = api.call("GET", f"/tickets/{ticket['id']}/attachments?limit=100",
                      as_user=AGENT).body
    assert len(listed["items"]) == rules.MAX_FILES
    events = api.call("GET", f"/tickets/{ticket['id']}/events?limit=100", as_user=AGENT).body
    added = [e for e in events["items"] if e["type"] == "attachment_added"]
    assert len(added) == rules.MAX_FILES
