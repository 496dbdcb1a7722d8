"""The local stack's one origin: the portal's static files, the ``/_local`` helpers
and, for everything else, the Chalice app behind chalice's own API Gateway emulation.

``/_local`` lives here, not in the app, so it can never be deployed.
"""

from __future__ import annotations

import json
import logging
import mimetypes
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from chalice.app import Chalice
from chalice.config import Config as ChaliceConfig
from chalice.local import LocalGateway, LocalGatewayException

from local.events import EventRunner
from local.outbox import LocalOutbox
from local.websocket import CONNECTIONS_PATH, LocalWebsocketApi

log = logging.getLogger("helpdesk.local")

# What the CloudFront distribution sends with the portal (infra/resources.yaml); the
# files bucket (moto here) is in img-src for help articles' images (presigned addresses).
PORTAL_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data: blob: http://127.0.0.1:*; "
    "connect-src 'self' http://127.0.0.1:* ws://127.0.0.1:*; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'; object-src 'none'"
)
# API Gateway refuses bodies over 10 MB before Lambda sees them.
GATEWAY_BODY_LIMIT = 10 * 1024 * 1024


def _problem(status: int, title: str, detail: str) -> tuple[int, dict[str, str], bytes]:
    body = {"type": f"https://helpdesk.dev/problems/{status}", "title": title,
            "status": status, "detail": detail, "errors": []}
    return status, {"Content-Type": "application/problem+json"}, json.dumps(body).encode()


class PeerGateway(LocalGateway):
    """chalice's gateway says every request came from 127.0.0.1; API Gateway names the
    peer in ``requestContext.identity.sourceIp``, which the app's per-IP limits count.
    This one names the connection's peer the same way (per thread: the server is threaded).
    ``X-Forwarded-For`` is passed on as a header only, as API Gateway does."""

    def __init__(self, app: Chalice, config: ChaliceConfig) -> None:
        super().__init__(app, config)
        self._peer = threading.local()

    def handle_request_from(self, source_ip: str, method: str, path: str,
                            headers: dict[str, str], body: bytes) -> Any:
        self._peer.ip = source_ip
        try:
            return self.handle_request(method=method, path=path, headers=headers, body=body)
        finally:
            del self._peer.ip

    def _generate_lambda_event(self, method: str, path: str, headers: Any,
                               body: bytes | None) -> Any:
        event = super()._generate_lambda_event(method, path, headers, body)
        source_ip = getattr(self._peer, "ip", None)
        if source_ip:
            event["requestContext"]["identity"]["sourceIp"] = source_ip
        return event


class LocalStackServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default backlog of 5 made a burst of 16 connections wait a second or
    # be reset (measured by bench/stack.py's sixteen parallel creates).
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: Chalice, portal_dir: Path,
                 local_routes: dict[str, Any],
                 outbox: LocalOutbox | None = None) -> None:
        super().__init__(address, _Handler)
        self.outbox = outbox
        self.gateway = PeerGateway(
            app, ChaliceConfig.create(chalice_stage="local", lambda_timeout=30,
                                      lambda_memory_size=512, app_name="helpdesk"))
        self.portal_dir = portal_dir.resolve()
        self.local_routes = local_routes
        # The chat's WebSocket API and its management API (local/websocket.py).
        self.websockets = LocalWebsocketApi(app)

    @property
    def origin(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


class _Handler(BaseHTTPRequestHandler):
    server: LocalStackServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def do_GET(self) -> None:
        self._handle()

    def __getattr__(self, name: str) -> Any:
        # Every other method (PUT, PATCH, TRACE, ...) takes the same path; the app answers 405.
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)

    def _handle(self) -> None:
        path = self.path.split("?", 1)[0]
        if (path == "/chat" and self.command == "GET"
                and self.headers.get("Upgrade", "").lower() == "websocket"):
            self.server.websockets.serve(self)
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > GATEWAY_BODY_LIMIT:
            # Read what was sent (up to a bound) so the client hears the answer, not a reset.
            remaining = min(length, 8 * GATEWAY_BODY_LIMIT)
            while remaining > 0 and (chunk := self.rfile.read(min(remaining, 1 << 20))):
                remaining -= len(chunk)
            self._send(*_problem(413, "Payload too large", "The gateway takes at most 10 MB."))
            self.close_connection = True
            return
        body = self.rfile.read(length) if length else b""
        if path.startswith("/_local/"):
            self._send(*self._local(path, body))
        elif path.startswith(CONNECTIONS_PATH):
            self._send(*self.server.websockets.manage(self.command, path, body))
        elif self.command in {"GET", "HEAD"} and (static := self._static_file(path)):
            self._send_file(static)
        else:
            status, headers, payload = self._api(body)
            if self.server.outbox is not None:
                try:
                    self.server.outbox.after_api(self.command, self.path, status, body,
                                                 headers, payload)
                except Exception:
                    log.exception("local outbox could not record Cognito's mail")
            self._send(status, headers, payload)

    # --- the app ----------------------------------------------------------------------
    def _api(self, body: bytes) -> tuple[int, dict[str, str], bytes]:
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            answer = self.server.gateway.handle_request_from(
                self.client_address[0], self.command, self.path, headers, body)
        except LocalGatewayException as exc:
            if b"Missing Authentication Token" in (exc.body or b"") or exc.CODE == 403:
                # API Gateway says 403 for an unknown path; the contract says 404.
                return _problem(404, "Not found", f"No route {self.command} {self.path}.")
            return exc.CODE, dict(exc.headers), exc.body or b""
        status = int(answer["statusCode"])
        if status == 405:
            allowed = (answer.get("headers") or {}).get("Allow", "")
            code, headers, payload = _problem(405, "Method not allowed",
                                              f"{self.command} is not allowed here.")
            return code, {**headers, "Allow": allowed}, payload
        out_headers = dict(answer.get("headers") or {})
        for name, values in (answer.get("multiValueHeaders") or {}).items():
            out_headers[name] = ", ".join(values)
        payload = answer.get("body") or b""
        if answer.get("isBase64Encoded"):
            import base64

            payload = base64.b64decode(payload)
        elif isinstance(payload, str):
            payload = payload.encode()
        return status, out_headers, payload

    # --- the portal -------------------------------------------------------------------
    def _static_file(self, path: str) -> Path | bytes | None:
        if path == "/config.json":
            return json.dumps({"api_base": self.server.origin}).encode()
        relative = "index.html" if path in {"/", ""} else path.lstrip("/")
        candidate = (self.server.portal_dir / relative).resolve()
        if candidate.is_relative_to(self.server.portal_dir) and candidate.is_file():
            return candidate
        return None

    def _send_file(self, file: Path | bytes) -> None:
        if isinstance(file, bytes):
            data, kind = file, "application/json"
        else:
            data = file.read_bytes()
            kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            if kind.startswith("text/") or kind.endswith("javascript"):
                kind += "; charset=utf-8"
        self._send(200, {"Content-Type": kind, "Content-Security-Policy": PORTAL_CSP,
                         "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
                         "X-Frame-Options": "DENY", "Cache-Control": "no-cache"}, data)

    # --- /_local ----------------------------------------------------------------------
    def _local(self, path: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        handler = self.server.local_routes.get(f"{self.command} {path}")
        if handler is None:
            return _problem(404, "Not found", f"No local route {self.command} {path}.")
        try:
            status, payload = handler(self, body)
        except ValueError as exc:
            return _problem(400, "Invalid input", str(exc))
        return status, {"Content-Type": "application/json"}, json.dumps(payload).encode()

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            if name.lower() not in {"content-length", "connection"}:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def outbox_route(outbox: LocalOutbox) -> Any:
    def read(handler: _Handler, body: bytes) -> tuple[int, Any]:
        return 200, {"items": outbox.messages()}

    return read


def tick_route(runner: EventRunner) -> Any:
    def tick(handler: _Handler, body: bytes) -> tuple[int, Any]:
        data = json.loads(body or b"{}")
        if not isinstance(data, dict):
            raise ValueError("the body must be a JSON object")
        raw = data.get("now")
        now = datetime.fromisoformat(raw) if raw else datetime.now(UTC)
        if now.tzinfo is None:
            raise ValueError("now must carry a time zone, e.g. 2026-11-22T09:30:00Z")
        return 200, {"now": now.astimezone(UTC).isoformat(), **runner.tick(now)}

    return tick


def inbound_email_route(runner: EventRunner, s3: Any) -> Any:
    """``POST /_local/inbound-email?recipient=<address>``: the raw message goes into the
    inbound bucket as SES's receipt rule would put it (with SES's ``Received`` header
    naming the envelope recipient); S3 tells the inbound queue, and the pump hands it to
    the same handler as on AWS. Returns once the queues are drained."""
    from email.utils import formatdate
    from urllib.parse import parse_qs, urlsplit
    from uuid import uuid4

    from chalicelib.config import get_config

    def receive(handler: _Handler, body: bytes) -> tuple[int, Any]:
        query = parse_qs(urlsplit(handler.path).query)
        recipients = [r.strip() for r in query.get("recipient", []) if r.strip()]
        if not recipients or not all("@" in r for r in recipients):
            raise ValueError("?recipient= must name the address the message was sent to")
        if not body.strip():
            raise ValueError("the body must be a raw RFC 5322 message")
        key = f"inbound/{uuid4().hex}"
        received = "".join(
            f"Received: from local-client by inbound-smtp.local.amazonaws.com with SMTP id "
            f"{key.rsplit('/', 1)[-1]} for {r}; {formatdate(localtime=False)}\r\n"
            for r in recipients)
        s3.put_object(Bucket=get_config().inbound_mail_bucket, Key=key,
                      Body=received.encode() + body)
        return 202, {"key": key, "delivered": runner.deliver_pending()}

    return receive
