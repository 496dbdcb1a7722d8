"""The local stack's WebSocket API (issue 18): what API Gateway's WebSocket API does on AWS,
on the local server's own origin.

- ``GET /chat`` with ``Upgrade: websocket`` opens a connection: the app's
  ``websocket_connect`` handler gets the ``$connect`` event API Gateway sends (query string,
  headers, ``requestContext`` with ``routeKey``, ``eventType``, ``connectionId``,
  ``domainName``, ``stage``, ``apiId``); a status other than 200 refuses the handshake
  with that status, as API Gateway does.
- every text frame is a ``$default`` event to ``websocket_message``; a close (by either
  side, or a dropped socket) is a ``$disconnect`` event to ``websocket_disconnect``.
- ``POST /@connections/{id}`` (the management API's ``PostToConnection``) sends its body
  to the connection, ``DELETE`` closes it, ``GET`` describes it; an unknown id is a 410
  ``GoneException``, as API Gateway answers. The app's ``store/chat_push.py`` reaches
  these through boto3 with ``CHAT_PUSH_ENDPOINT`` set to this server.

The protocol is ``websockets``' sans-I/O ``ServerProtocol``, driven in the HTTP server's
handler thread (one thread per connection, as every request has); pushes from other
threads write under the connection's lock.
"""

from __future__ import annotations

import contextlib
import json
import logging
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from local.events import _Context

log = logging.getLogger("helpdesk.local")

API_ID = "localws"
STAGE = "api"
# API Gateway's own frame limit (128 KB); the app refuses far smaller chat frames itself.
MAX_FRAME_BYTES = 128 * 1024
CONNECTIONS_PATH = "/@connections/"

Handler = Callable[[dict[str, Any], Any], Any]


def websocket_event(route_key: str, connection_id: str, *, domain: str, stage: str = STAGE,
                    body: str | None = None, query: dict[str, str] | None = None,
                    headers: dict[str, str] | None = None, source_ip: str = "127.0.0.1",
                    connected_at: int | None = None) -> dict[str, Any]:
    """The Lambda event API Gateway's WebSocket API sends for ``route_key`` (``$connect``,
    ``$default``, ``$disconnect``)."""
    now_ms = int(time.time() * 1000)
    event_type = {"$connect": "CONNECT", "$disconnect": "DISCONNECT"}.get(route_key, "MESSAGE")
    context: dict[str, Any] = {
        "routeKey": route_key, "eventType": event_type, "messageDirection": "IN",
        "extendedRequestId": uuid.uuid4().hex, "requestId": uuid.uuid4().hex,
        "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
        "requestTimeEpoch": now_ms, "stage": stage, "domainName": domain,
        "connectionId": connection_id, "apiId": API_ID,
        "connectedAt": connected_at or now_ms, "identity": {"sourceIp": source_ip},
    }
    event: dict[str, Any] = {"requestContext": context, "isBase64Encoded": False}
    if route_key == "$connect":
        event["headers"] = dict(headers or {})
        event["multiValueHeaders"] = {k: [v] for k, v in (headers or {}).items()}
        if query:
            event["queryStringParameters"] = dict(query)
            event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()}
    elif route_key == "$disconnect":
        context["disconnectStatusCode"] = 1000
        context["disconnectReason"] = ""
    else:
        context["messageId"] = uuid.uuid4().hex
        event["body"] = body or ""
    return event


def _refuse(handler: Any, protocol: Any, response: Any) -> None:
    """Answers the handshake with ``response`` (not 101) and ends the connection."""
    protocol.send_response(response)
    for data in protocol.data_to_send():
        if data:
            handler.connection.sendall(data)
    handler.close_connection = True


class LocalSocket:
    """One open connection: its protocol state and socket, written under a lock."""

    def __init__(self, connection_id: str, protocol: Any, sock: Any, connected_at: int) -> None:
        self.connection_id = connection_id
        self.protocol = protocol
        self.sock = sock
        self.connected_at = connected_at
        self.lock = threading.Lock()
        self.last_active = connected_at

    def flush(self) -> None:
        for data in self.protocol.data_to_send():
            if data:
                self.sock.sendall(data)

    def send(self, text: str) -> None:
        with self.lock:
            self.protocol.send_text(text.encode())
            self.flush()

    def close(self, code: int = 1000, reason: str = "") -> None:
        with self.lock:
            from websockets.protocol import State

            if self.protocol.state is State.OPEN:
                self.protocol.send_close(code, reason)
                self.flush()


class LocalWebsocketApi:
    """The connections of the local WebSocket API and the app's three handlers."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.sockets: dict[str, LocalSocket] = {}
        self._lock = threading.Lock()

    def _invoke(self, name: str, event: dict[str, Any]) -> dict[str, Any]:
        handler: Handler | None = self.app.handler_map.get(name)
        if handler is None:
            return {"statusCode": 200}
        try:
            answer = handler(event, _Context(name))  # local/events.py's, as for schedules
        except Exception:
            log.exception("websocket handler %s failed", name)
            return {"statusCode": 500}
        return answer if isinstance(answer, dict) else {"statusCode": 200}

    # --- a connection, in its handler thread --------------------------------------------
    def serve(self, handler: Any) -> None:
        """Takes over the request ``handler`` (a ``BaseHTTPRequestHandler`` whose request
        line and headers are read) as a WebSocket connection until it closes."""
        from websockets.frames import Opcode
        from websockets.http11 import Request
        from websockets.server import ServerProtocol

        protocol = ServerProtocol(max_size=MAX_FRAME_BYTES)
        # The HTTP server read the request line and headers; the protocol parses them again
        # from their bytes, so it reads the frames that follow (its parser starts with the
        # handshake request).
        raw = f"GET {handler.path} HTTP/1.1\r\n" + "".join(
            f"{name}: {value}\r\n" for name, value in handler.headers.items()) + "\r\n"
        protocol.receive_data(raw.encode("latin-1"))
        request = next((e for e in protocol.events_received() if isinstance(e, Request)), None)
        sock = handler.connection
        response = protocol.accept(request) if request is not None else protocol.reject(
            400, "Not a WebSocket handshake.\n")
        if response.status_code != 101:
            _refuse(handler, protocol, response)
            return
        connection_id = secrets.token_urlsafe(12).replace("-", "A").replace("_", "B") + "="
        host = handler.headers.get("Host", "127.0.0.1")
        query = {k: v[-1] for k, v in parse_qs(urlsplit(handler.path).query).items()}
        plain_headers = {k: v for k, v in handler.headers.items()}
        connected_at = int(time.time() * 1000)
        answer = self._invoke("websocket_connect", websocket_event(
            "$connect", connection_id, domain=host, query=query, headers=plain_headers,
            source_ip=handler.client_address[0], connected_at=connected_at))
        status = int(answer.get("statusCode", 200))
        if status != 200:  # the app refused: API Gateway answers the upgrade so
            _refuse(handler, protocol,
                    protocol.reject(status, str(answer.get("body") or "Forbidden")))
            return
        local = LocalSocket(connection_id, protocol, sock, connected_at)
        with local.lock:
            protocol.send_response(response)
            local.flush()
        with self._lock:
            self.sockets[connection_id] = local
        try:
            self._read(local, host, Opcode)
        finally:
            with self._lock:
                self.sockets.pop(connection_id, None)
            self._invoke("websocket_disconnect", websocket_event(
                "$disconnect", connection_id, domain=host, connected_at=connected_at))
            handler.close_connection = True

    def _read(self, local: LocalSocket, host: str, opcode: Any) -> None:
        from websockets.frames import Frame

        parts: list[bytes] = []
        while True:
            try:
                data = local.sock.recv(65536)
            except OSError:
                data = b""
            with local.lock:
                if data:
                    local.protocol.receive_data(data)
                else:
                    local.protocol.receive_eof()
                events = local.protocol.events_received()
                try:
                    local.flush()  # pongs and the close handshake
                except OSError:
                    return
            for frame in events:
                if not isinstance(frame, Frame):
                    continue
                if frame.opcode in (opcode.TEXT, opcode.BINARY, opcode.CONT):
                    parts.append(bytes(frame.data))
                    if frame.fin:
                        body = b"".join(parts).decode("utf-8", "replace")
                        parts = []
                        local.last_active = int(time.time() * 1000)
                        self._invoke("websocket_message", websocket_event(
                            "$default", local.connection_id, domain=host, body=body,
                            connected_at=local.connected_at))
            if not data or local.protocol.close_expected():
                return

    # --- the management API ------------------------------------------------------------
    def manage(self, method: str, path: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        """``POST|DELETE|GET /@connections/{id}``, as API Gateway's management API answers."""
        from urllib.parse import unquote

        connection_id = unquote(path[len(CONNECTIONS_PATH):])
        with self._lock:
            local = self.sockets.get(connection_id)
        if local is None:
            return 410, {"Content-Type": "application/json",
                         "x-amzn-ErrorType": "GoneException"}, json.dumps(
                {"message": None}).encode()
        if method == "POST":
            try:
                local.send(body.decode("utf-8", "replace"))
            except OSError:
                return 410, {"Content-Type": "application/json",
                             "x-amzn-ErrorType": "GoneException"}, b'{"message": null}'
            return 200, {"Content-Type": "application/json"}, b""
        if method == "DELETE":
            with contextlib.suppress(OSError):  # gone meanwhile: closed either way
                local.close(1000, "closed by the server")
            return 204, {}, b""
        if method == "GET":
            info = {"connectedAt": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                 time.gmtime(local.connected_at / 1000)),
                    "lastActiveAt": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                  time.gmtime(local.last_active / 1000)),
                    "identity": {"sourceIp": "127.0.0.1"}}
            return 200, {"Content-Type": "application/json"}, json.dumps(info).encode()
        return 405, {"Content-Type": "application/json"}, b'{"message": "method not allowed"}'
