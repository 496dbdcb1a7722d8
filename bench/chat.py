"""Chat in ``make bench`` terms (issue 18): the DynamoDB calls (and items read and written)
of one message sent on the socket and over HTTP, a typing frame, a socket's connect, the
history after a reconnect, availability and the staff queue, with 10 and then 1,000 open
chats in the tenant (``SIZES``). They must be the same at both sizes: nothing a message
does reads beyond its own session's partition.

The app runs in process on a DynamoDB Local of this part's own with the rest on moto's mock
(bench/tickets.py's ``app_on_dynamodb_local``); the socket handlers get the events API
Gateway sends (``local/websocket.py``'s ``websocket_event``) and the management API is a
stand-in that takes every push (``store/chat_push._client``), as pushes are not DynamoDB
calls. Each open chat is made through the API (``POST /chat/sessions``) with its customer's
socket connected.

The fan-out (``fanout``): ``python -m local`` in its own process (tests/e2e/stack.py's
``Stack``, the demo seed: chat on, its agent online), ``CHATS`` visitors each in a chat the
demo agent joined, every customer and the agent's side on a real WebSocket; each customer
sends ``MESSAGES`` messages, one every ``PACE`` seconds (the chats' turns spread evenly over
it: 25 messages a second in all), and the time from a customer's send to its
agent's socket receiving the message is the fan-out latency (p50, p95), which the issue
wants under a second.

``python -m bench.chat`` prints the figures; ``BENCH_CHAT_SIZES=10,100`` for a quick try.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from unittest import mock

from bench.tickets import TENANT, Api, app_on_dynamodb_local, counting

SIZES = tuple(int(n) for n in os.environ.get("BENCH_CHAT_SIZES", "10,1000").split(","))
CHAT_HEADING = "## DynamoDB calls per chat message"
CHATS = int(os.environ.get("BENCH_CHAT_FANOUT_CHATS", "50"))
MESSAGES = 6  # per chat, one every PACE seconds: 50 busy chats are 25 messages a second
PACE = 2.0
FANOUT_LIMIT_MS = 1000.0  # p95: "messages appear for both sides in under a second"
ADMIN, AGENT = f"admin@{TENANT}.test", f"agent@{TENANT}.test"


class _Pushes:
    """The management API: every push taken, none sent anywhere."""

    def __init__(self) -> None:
        self.posts = 0

    def post_to_connection(self, ConnectionId: str, Data: bytes) -> None:
        self.posts += 1

    def delete_connection(self, ConnectionId: str) -> None:
        return None


def _enable_chat(api: Api, app: Any) -> None:
    """Chat on around the clock; the agent online by an open presence socket (not by the
    setting), so availability reads the presence as it does without one."""
    settings = api.call("GET", "/settings", ADMIN)
    body = {k: v for k, v in settings.items()
            if k not in ("tenant", "updated_at", "version", "email_address_status")}
    body["chat"] = {"enabled": True, "always_online_ids": []}
    body["support_hours"] = {**body["support_hours"], "weekdays": [1, 2, 3, 4, 5, 6, 7],
                             "start": "00:00", "end": "23:59", "holiday_country": None}
    api.call("PUT", "/settings", ADMIN, body)
    presence = api.call("POST", "/chat/presence", AGENT)
    _socket(app, "websocket_connect", "presence", query={"token": presence["ws_token"]})


def _socket(app: Any, handler: str, connection_id: str, **fields: Any) -> None:
    from local.websocket import websocket_event

    route = {"websocket_connect": "$connect", "websocket_message": "$default",
             "websocket_disconnect": "$disconnect"}[handler]
    answer = app.handler_map[handler](
        websocket_event(route, connection_id, domain="bench.local", **fields), None)
    if answer.get("statusCode") != 200:
        raise RuntimeError(f"{handler} {connection_id}: {answer}")


def _open_chats(api: Api, app: Any, count: int, first: int) -> None:
    for n in range(first, first + count):
        chat = api.call("POST", "/chat/sessions", None, {
            "tenant": TENANT, "name": f"Visitor {n}", "email": f"v{n}@bench.example"})
        _socket(app, "websocket_connect", f"open-{n}", query={"token": chat["ws_token"]})


def _measure(api: Api, app: Any, label: str) -> list[dict[str, Any]]:
    """One chat with both sides connected; each step counted alone."""
    from chalicelib.store.clients import client

    chat = api.call("POST", "/chat/sessions", None, {
        "tenant": TENANT, "name": "Bench", "email": f"bench-{label}@bench.example"})
    key = {"Authorization": f"Chat {chat['key']}"}
    joined = api.call("POST", f"/chat/sessions/{chat['id']}/join", AGENT)
    _socket(app, "websocket_connect", f"agent-{label}", query={"token": joined["ws_token"]})
    events = client("dynamodb").meta.events
    steps: list[tuple[str, Any]] = [
        ("socket $connect (customer)", lambda: _socket(
            app, "websocket_connect", f"cust-{label}", query={"token": chat["ws_token"]})),
        ("socket frame: send", lambda: _socket(
            app, "websocket_message", f"cust-{label}",
            body=json.dumps({"action": "send", "text": "Hej!", "client_id": "b-1"}))),
        ("socket frame: send again (same client_id)", lambda: _socket(
            app, "websocket_message", f"cust-{label}",
            body=json.dumps({"action": "send", "text": "Hej!", "client_id": "b-1"}))),
        ("socket frame: typing", lambda: _socket(
            app, "websocket_message", f"cust-{label}", body='{"action": "typing"}')),
        ("POST /chat/sessions/{id}/messages (agent)", lambda: api.call(
            "POST", f"/chat/sessions/{chat['id']}/messages", AGENT, {"text": "Hej hej"})),
        ("GET /chat/sessions/{id}/messages (visitor)", lambda: api.call(
            "GET", f"/chat/sessions/{chat['id']}/messages", None, headers=key)),
        (f"GET /chat/{TENANT}/availability", lambda: api.call(
            "GET", f"/chat/{TENANT}/availability", None)),
        ("GET /chat/sessions?state=waiting&limit=5", lambda: api.call(
            "GET", "/chat/sessions?state=waiting&limit=5", AGENT)),
        ("socket $disconnect", lambda: _socket(app, "websocket_disconnect", f"cust-{label}")),
    ]
    rows = []
    for name, step in steps:
        with counting(events) as tally:
            step()
        rows.append({"request": name, "calls": dict(tally.calls), "read": tally.read,
                     "written": tally.written})
    return rows


def run() -> dict[str, Any]:
    os.environ["RATE_LIMIT_CHAT_STARTS_PER_IP"] = "1000000/3600"
    with app_on_dynamodb_local() as http:
        from app import app
        from chalicelib.store import chat_push

        api = Api(http.http)
        for user in (ADMIN, AGENT):
            api.login(user)
        pushes = _Pushes()
        sizes: dict[int, list[dict[str, Any]]] = {}
        opened = 0
        with mock.patch.object(chat_push, "_client", lambda: pushes):
            _enable_chat(api, app)
            for size in SIZES:
                _open_chats(api, app, size - opened, opened)
                opened = size
                sizes[size] = _measure(api, app, str(size))
    small, large = SIZES
    differing = [a["request"] for a, b in zip(sizes[small], sizes[large], strict=True)
                 if a != b]
    return {"sizes": sizes, "differing": differing, "pushes": pushes.posts,
            "fanout": fanout()}


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def fanout() -> dict[str, Any]:
    """Fan-out latency over the local stack's WebSocket API with ``CHATS`` chats at once."""
    from websockets.sync.client import connect

    from tests.e2e.stack import Stack

    os.environ["RATE_LIMIT_CHAT_STARTS_PER_IP"] = "1000000/3600"
    stack = Stack(state_dir=Path(tempfile.mkdtemp(prefix="helpdesk-bench-chat-"))).start()
    sockets: list[Any] = []
    try:
        agent = stack.login(AGENT)
        pairs = []
        for n in range(CHATS):
            _, _, chat = stack.request("POST", "/chat/sessions", {
                "tenant": TENANT, "name": f"Visitor {n}", "email": f"f{n}@bench.example"})
            customer = connect(f"{chat['ws_url']}?token={chat['ws_token']}")
            _, _, joined = stack.request("POST", f"/chat/sessions/{chat['id']}/join", {},
                                         token=agent)
            staff = connect(f"{joined['ws_url']}?token={joined['ws_token']}")
            sockets += [customer, staff]
            pairs.append((customer, staff))
        latencies: list[float] = []
        lock = threading.Lock()

        def converse(customer: Any, staff: Any, offset: float) -> None:
            time.sleep(offset)  # the chats' messages spread over the pace, not all at once
            for i in range(MESSAGES):
                sent = time.perf_counter()
                customer.send(json.dumps({"action": "send", "text": f"m{i}",
                                          "client_id": f"m{i}"}))
                while json.loads(staff.recv(timeout=10))["type"] != "message":
                    pass
                with lock:
                    latencies.append(time.perf_counter() - sent)
                time.sleep(PACE)

        threads = [threading.Thread(target=converse, args=(*pair, n * PACE / CHATS))
                   for n, pair in enumerate(pairs)]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        spent = time.perf_counter() - began
    finally:
        for socket in sockets:
            socket.close()
        stack.stop()
    p50, p95 = _percentile(latencies, 0.5) * 1000, _percentile(latencies, 0.95) * 1000
    return {"chats": CHATS, "messages": len(latencies), "p50_ms": round(p50, 1),
            "p95_ms": round(p95, 1), "max_ms": round(max(latencies) * 1000, 1),
            "mean_ms": round(statistics.mean(latencies) * 1000, 1),
            "seconds": round(spent, 1), "failed": p95 > FANOUT_LIMIT_MS}


def chat_section(figures: dict[str, Any]) -> list[str]:
    from bench.__main__ import _equal_at_both_sizes, _ops

    small, large = SIZES
    lines = [
        "",
        CHAT_HEADING,
        "",
        f"One chat's steps with {small:,} and then {large:,} open chats in the `{TENANT}`"
        " tenant (`bench/chat.py`), each open chat waiting with its customer's socket"
        " connected; the app in process on DynamoDB Local, the socket handlers called with"
        " API Gateway's events, pushes taken by a stand-in of the management API (not"
        " DynamoDB calls). Counted as in the ticket requests above: calls by operation,"
        " items read, items written; the HTTP requests include the directory reads that"
        " authenticate them.",
    ]
    for size in SIZES:
        lines += ["", f"### {size:,} open chats", "",
                  "| step | DynamoDB calls | items read | items written |",
                  "| --- | --- | --- | --- |"]
        lines += [f"| `{r['request']}` | {_ops(r['calls'])} | {r['read']} | {r['written']} |"
                  for r in figures["sizes"][size]]
    lines += ["", _equal_at_both_sizes(figures["differing"], small, large, "open chats")]
    fan = figures.get("fanout")
    if fan:
        lines += ["", f"Fan-out over the local stack (`python -m local` on DynamoDB Local, this"
                  f" 2-core machine): {fan['chats']} chats at once, each a visitor and the demo"
                  f" agent on real WebSockets, each customer sending one message every"
                  f" {PACE:g} s (the chats' turns spread evenly), {fan['messages']} messages"
                  f" in {fan['seconds']} s;"
                  f" from a customer's send to the agent's socket: p50 {fan['p50_ms']} ms,"
                  f" p95 {fan['p95_ms']} ms (limit {FANOUT_LIMIT_MS:.0f} ms), max"
                  f" {fan['max_ms']} ms."]
    lines += ["", "A message on the socket: the connection's rate counter (an UpdateItem; two on"
              " the first frame of a 10-second window, whose counter starts again), the"
              " session (GetItem), one TransactWriteItems (message, its client id, the"
              " session's last message and abandonment time) and one Query of the session's"
              " connections to push to. A resend with the same client id reads the first"
              " message back (its client id, then the message) instead of a Query.",
              "", "This part alone: `.venv/bin/python -m bench chat` (rewrites only this"
              " section) or `.venv/bin/python -m bench.chat` (prints it);"
              " `BENCH_CHAT_SIZES=10,100` for a quick try."]
    return lines


if __name__ == "__main__":
    print("\n".join(chat_section(run())))
