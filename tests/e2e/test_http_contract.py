"""The cross-cutting contract over real HTTP on the shared local stack."""

from __future__ import annotations

import random
import uuid
from typing import Any

import pytest

from tests.e2e.stack import Stack

pytestmark = pytest.mark.e2e


def test_another_tenants_organisation_is_a_404(stack: Stack, tokens: dict[str, str]) -> None:
    status, _, theirs = stack.request("POST", "/organizations", {"name": "Theirs Oy"},
                                      token=tokens["admin@other.test"])
    assert status == 201
    for who in ("admin@demo.test", "agent@demo.test", "customer@demo.test"):
        status, headers, _ = stack.request("GET", f"/organizations/{theirs['id']}",
                                              token=tokens[who])
        assert status == 404 and headers["Content-Type"] == "application/problem+json", who


def test_idempotent_post_over_http(stack: Stack, tokens: dict[str, str]) -> None:
    key = str(uuid.uuid4())
    body = {"name": f"Idem {key[:6]}"}
    answers = [stack.request("POST", "/organizations", body, token=tokens["agent@demo.test"],
                             headers={"Idempotency-Key": key}) for _ in range(3)]
    assert {a[0] for a in answers} == {201}
    assert len({a[2]["id"] for a in answers}) == 1
    status, _, _ = stack.request("POST", "/organizations", {"name": "Other body"},
                                 token=tokens["agent@demo.test"],
                                 headers={"Idempotency-Key": key})
    assert status == 409


def test_oversize_bodies_are_413_before_anything_runs(stack: Stack,
                                                     tokens: dict[str, str]) -> None:
    big = b'{"name": "' + b"x" * (11 * 1024 * 1024) + b'"}'
    status, _, body = stack.request("POST", "/organizations", raw=big,
                                    token=tokens["admin@demo.test"])
    assert status == 413 and body["status"] == 413
    status, _, body = stack.request("POST", "/organizations",
                                    raw=b'{"name": "' + b"x" * 300_000 + b'"}',
                                    token=tokens["admin@demo.test"])
    assert status == 413


def test_openapi_is_valid_3_1_and_covers_every_route(stack: Stack) -> None:
    from openapi_spec_validator import validate

    status, _, spec = stack.request("GET", "/openapi.json")
    assert status == 200 and spec["openapi"].startswith("3.1")
    validate(spec)
    assert {"/health", "/auth/login", "/me", "/settings", "/users/{id}", "/roles/{name}",
            "/organizations/{id}/service-objects", "/notifications/{id}/read"} <= set(spec["paths"])
    login = spec["paths"]["/auth/login"]["post"]
    assert login["security"] == [] and "400" in login["responses"]
    assert spec["paths"]["/users"]["post"]["security"] == [{"bearer": []}]


def test_tick_runs_the_schedules_and_drains_the_queues(stack: Stack) -> None:
    status, _, answer = stack.request("POST", "/_local/tick", {"now": "2026-11-22T09:30:00Z"})
    assert status == 200
    assert answer["now"].startswith("2026-11-22T09:30:00")
    assert set(answer) == {"now", "schedules", "delivered"}
    status, _, _ = stack.request("POST", "/_local/tick", {"now": "yesterday"})
    assert status == 400


def test_cognitos_mail_reaches_the_local_outbox(stack: Stack, tokens: dict[str, str]) -> None:
    """A new user's invitation and a reset code arrive as they would by mail on AWS."""
    email = f"invited-{uuid.uuid4().hex[:6]}@demo.test"
    status, _, _ = stack.request("POST", "/users", {"email": email, "name": "Invited"},
                                 token=tokens["admin@demo.test"])
    assert status == 201
    _, _, outbox = stack.request("GET", "/_local/outbox")
    invitation = [m for m in outbox["items"] if m["to"] == [email]][-1]
    # Cognito mails through our SES identity (the pool's EmailConfiguration), not its own.
    assert invitation["from"] == "Helpdesk <noreply@helpdesk.localhost>"
    temporary = invitation["text"].rsplit(" ", 1)[-1]
    status, _, challenge = stack.request("POST", "/auth/login",
                                         {"email": email, "password": temporary})
    assert status == 401 and challenge["challenge"] == "NEW_PASSWORD_REQUIRED"
    status, _, _ = stack.request("POST", "/auth/new-password", {
        "email": email, "session": challenge["session"], "password": "Chosen-password-7"})
    assert status == 200

    assert stack.request("POST", "/auth/forgot-password", {"email": email})[0] == 202
    _, _, outbox = stack.request("GET", "/_local/outbox")
    reset = [m for m in outbox["items"] if m["to"] == [email]][-1]
    code = reset["text"].rsplit(" ", 1)[-1]
    status, _, _ = stack.request("POST", "/auth/reset-password", {
        "email": email, "code": code, "password": "Another-password-8"})
    assert status == 200
    assert stack.login(email, "Another-password-8")


def _from_address(stack: Stack, source: str, path: str, body: dict[str, str],
                  headers: dict[str, str]) -> tuple[int, dict[str, str], dict[str, Any]]:
    """A request whose TCP connection comes from ``source`` (any 127.x.y.z is this machine
    on Linux): the local front names the peer as API Gateway names the client."""
    import http.client
    import json

    connection = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=30,
                                            source_address=(source, 0))
    try:
        connection.request("POST", path, json.dumps(body),
                           {"Content-Type": "application/json", **headers})
        answer = connection.getresponse()
        return answer.status, dict(answer.getheaders()), json.loads(answer.read() or b"null")
    finally:
        connection.close()


def test_the_local_stack_enforces_the_apps_rate_limits(stack: Stack,
                                                      tokens: dict[str, str]) -> None:
    """The defaults of chalicelib/config.py, over HTTP: a sixth reset code for one address
    within the hour is a 429 with Retry-After (and is not mailed); 31 code guesses from one
    client address are cut off, whatever X-Forwarded-For says, while other clients go on.
    (The shared stack's e-mail and address are this test's own: nobody else is locked.)"""
    email = f"limited-{uuid.uuid4().hex[:8]}@demo.test"
    status, _, _ = stack.request("POST", "/users", {"email": email, "name": "Limited"},
                                 token=tokens["admin@demo.test"])
    assert status == 201
    answers = [stack.request("POST", "/auth/forgot-password", {"email": email})
               for _ in range(6)]
    assert [a[0] for a in answers] == [202] * 5 + [429]
    status, headers, problem = answers[-1]
    assert headers["Content-Type"] == "application/problem+json"
    assert 1 <= int(headers["Retry-After"]) <= 3600
    assert problem["status"] == 429 and problem["retry_after"] == int(headers["Retry-After"])
    _, _, outbox = stack.request("GET", "/_local/outbox")
    assert len([m for m in outbox["items"] if m["to"] == [email]
                and "reset code" in m["text"]]) == 5

    guesser = f"127.{random.randrange(1, 255)}.{random.randrange(255)}.{random.randrange(1, 255)}"
    guesses = [
        _from_address(stack, guesser, "/auth/reset-password",
                      {"email": f"guess-{n}-{uuid.uuid4().hex[:6]}@demo.test",
                       "code": "123456", "password": "Guessed-password-1"},
                      {"X-Forwarded-For": f"192.0.2.{n}"})
        for n in range(31)]
    assert [g[0] for g in guesses] == [400] * 30 + [429]
    assert 1 <= int(guesses[-1][1]["Retry-After"]) <= 3600
    # Another client (this test's own 127.0.0.1) is not held back by the guesser.
    status, _, _ = stack.request("POST", "/auth/reset-password", {
        "email": f"other-{uuid.uuid4().hex[:6]}@demo.test", "code": "123456",
        "password": "Guessed-password-1"})
    assert status == 400
