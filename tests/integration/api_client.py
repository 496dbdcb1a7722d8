"""The integration tests' HTTP client: ``chalice.test.Client`` with JSON in and out and a
token per seeded user (``PASSWORD`` is the seed's password for every one)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from chalice.test import Client

PASSWORD = "Demo-password-1"


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: Any


class Api:
    """``chalice.test.Client`` with JSON in and out and the seeded users' tokens."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self._tokens: dict[str, str] = {}

    def token(self, email: str, password: str = PASSWORD) -> str:
        if email not in self._tokens:
            answer = self.call("POST", "/auth/login", {"email": email, "password": password})
            assert answer.status == 200, answer.body
            self._tokens[email] = answer.body["token"]
        return self._tokens[email]

    def call(self, method: str, path: str, body: Any = None, *, as_user: str | None = None,
             headers: dict[str, str] | None = None, raw: bytes | str | None = None) -> Answer:
        sent = dict(headers or {})
        if as_user:
            sent["Authorization"] = f"Bearer {self.token(as_user)}"
        payload: bytes | str | None = raw
        if body is not None:
            payload = json.dumps(body)
            sent.setdefault("Content-Type", "application/json")
        response = self.client.http.request(method, path, headers=sent, body=payload or b"")
        text = response.body.decode() if response.body else ""
        return Answer(response.status_code, {k.lower(): v for k, v in response.headers.items()},
                      json.loads(text) if text else None)
