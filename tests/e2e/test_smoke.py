import pytest

from tests.e2e.stack import Stack

pytestmark = pytest.mark.e2e


def test_health_is_ok(stack: Stack) -> None:
    status, _, body = stack.request("GET", "/health")
    assert status == 200
    assert body["status"] == "ok"
    assert body["components"]["notifications_dlq"]["depth"] == 0


def test_every_demo_user_logs_in_and_sees_themselves(stack: Stack, tokens: dict[str, str]) -> None:
    expected_kind = {"admin": "staff", "agent": "staff", "customer": "contact"}
    for email, token in tokens.items():
        status, _, me = stack.request("GET", "/me", token=token)
        assert status == 200, me
        assert me["email"] == email
        assert me["tenant"] == email.split("@")[1].removesuffix(".test")
        assert me["kind"] == expected_kind[email.split("@")[0]]


def test_the_portal_and_its_config_are_served_on_the_api_origin(stack: Stack) -> None:
    status, headers, _ = stack.request("GET", "/")
    assert status == 200
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    status, _, config = stack.request("GET", "/config.json")
    assert status == 200 and config["api_base"] == stack.url


def test_an_unknown_path_is_a_404_problem(stack: Stack) -> None:
    status, headers, body = stack.request("GET", "/no/such/path")
    assert status == 404
    assert headers["Content-Type"] == "application/problem+json"
    assert body["status"] == 404
