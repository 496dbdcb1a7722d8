"""The app's own rate limits, attacked through the Chalice app on moto: credential
stuffing on one account from many addresses, password spraying from one address, a
flood of reset codes, guessing a reset code, and a flood of attachment announcements.

Every answer over a limit is a 429 problem with ``Retry-After`` (the seconds to the end of
the window). The clock is injected (``rate_limits.use_clock``) so a window passes without
sleeping, and each test sets small limits of its own through the environment, as a
deployment would (``RATE_LIMIT_<NAME>=<count>/<seconds>``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from moto.cognitoidp.models import cognitoidp_backends

from chalicelib.config import get_config
from chalicelib.services import rate_limits
from chalicelib.store.tables import idempotency_table
from local.bootstrap import LocalResources
from tests.integration.api_client import PASSWORD, Answer, Api
from tests.integration.tenants import module_tenants

TENANTS = module_tenants(__name__)
TENANT, OTHER_TENANT = TENANTS

# A window start for every limit used here (a multiple of 3600 s): Retry-After is exact.
T0 = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: int) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Iterator[Clock]:
    # Each test starts at a moment of its own, so no window is shared between tests.
    moment = Clock(T0 + timedelta(days=uuid.uuid4().int % 10_000))
    rate_limits.use_clock(moment)
    yield moment
    rate_limits.use_clock(None)


@pytest.fixture
def limits(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    def set_limits(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(f"RATE_LIMIT_{name.upper()}", value)
        get_config.cache_clear()

    yield set_limits
    monkeypatch.undo()
    get_config.cache_clear()


@contextmanager
def from_ip(api: Api, address: str) -> Iterator[None]:
    """Requests arrive from ``address`` as API Gateway's ``requestContext.identity.sourceIp``
    (chalice's test gateway says 127.0.0.1 otherwise)."""
    converter = api.client.http._local_gateway.event_converter
    converter.LOCAL_SOURCE_IP = address
    try:
        yield
    finally:
        del converter.LOCAL_SOURCE_IP


def _login(api: Api, email: str, password: str, ip: str,
           headers: dict[str, str] | None = None) -> Answer:
    with from_ip(api, ip):
        return api.call("POST", "/auth/login", {"email": email, "password": password},
                        headers=headers)


def _assert_limited(answer: Answer, retry_after: int) -> None:
    assert answer.status == 429, answer.body
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["retry-after"] == str(retry_after)
    assert answer.body["status"] == 429 and answer.body["retry_after"] == retry_after
    assert answer.body["title"] == "Too many requests"


def _stored_keys() -> list[str]:
    import boto3

    items = boto3.client("dynamodb").scan(TableName=idempotency_table())["Items"]
    return [item["PK"]["S"] for item in items]


def test_credential_stuffing_on_one_account_from_many_addresses_hits_the_account_limit(
    api: Api, clock: Clock, limits: Callable[..., None]
) -> None:
    limits(login_per_email="3/300", login_per_ip="100/300")
    victim = f"admin@{OTHER_TENANT}.test"
    for n in range(3):
        assert _login(api, victim, f"Guess-{n}-password", f"198.51.100.{n + 1}").status == 401
    stuffed = _login(api, victim, "Guess-3-password", "198.51.100.4")
    _assert_limited(stuffed, 300)

    # While locked, the right password gets the very same answer: the limit is checked
    # before Cognito sees a password, so the 429 tells nothing about the guess.
    right = _login(api, victim, PASSWORD, "198.51.100.5")
    assert (right.status, right.headers["retry-after"], right.body) == (
        stuffed.status, stuffed.headers["retry-after"], stuffed.body)
    # Another spelling of the address is the same account.
    _assert_limited(_login(api, f"  ADMIN@{OTHER_TENANT.capitalize()}.TEST", PASSWORD,
                           "198.51.100.6"), 300)
    # The limit is the account's: another account from the same addresses still signs in.
    assert _login(api, f"agent@{OTHER_TENANT}.test", PASSWORD, "198.51.100.4").status == 200

    clock.advance(120)
    _assert_limited(_login(api, victim, PASSWORD, "198.51.100.7"), 180)
    clock.advance(180)  # the window has ended
    assert _login(api, victim, PASSWORD, "198.51.100.7").status == 200

    # The e-mail address is not stored: the counters' keys are digests.
    assert not any(f"{OTHER_TENANT}.test" in key for key in _stored_keys())


def test_password_spraying_from_one_address_hits_the_address_limit(
    api: Api, clock: Clock, limits: Callable[..., None]
) -> None:
    limits(login_per_email="100/300", login_per_ip="4/300")
    sprayer = "203.0.113.9"
    accounts = [f"{who}@{tenant}.test" for tenant in (TENANT, OTHER_TENANT)
                for who in ("admin", "agent", "customer")]
    for account in accounts[:4]:
        assert _login(api, account, "Spring-2026-guess!", sprayer).status == 401
    _assert_limited(_login(api, accounts[4], "Spring-2026-guess!", sprayer), 300)
    # X-Forwarded-For is the client's own words: it does not move the request elsewhere.
    spoofed = _login(api, accounts[4], "Spring-2026-guess!", sprayer,
                     headers={"X-Forwarded-For": "192.0.2.77"})
    _assert_limited(spoofed, 300)
    # The accounts themselves are not locked: their owners sign in from elsewhere.
    assert _login(api, accounts[4], PASSWORD, "203.0.113.10").status == 200

    clock.advance(300)
    assert _login(api, accounts[5], "Spring-2026-guess!", sprayer).status == 401


def test_forgot_password_mails_a_bounded_number_of_codes(
    api: Api, clock: Clock, limits: Callable[..., None], local_resources: LocalResources
) -> None:
    limits(forgot_password_per_email="2/3600", forgot_password_per_ip="100/3600")
    email = f"customer@{OTHER_TENANT}.test"
    pool = cognitoidp_backends["123456789012"]["eu-west-1"].user_pools[local_resources.user_pool_id]

    def send(address: str, ip: str) -> Answer:
        with from_ip(api, ip):
            return api.call("POST", "/auth/forgot-password", {"email": address})

    assert send(email, "198.51.100.20").status == 202
    assert send(email, "198.51.100.21").status == 202
    code = pool._get_user(email).confirmation_code
    clock.advance(600)
    _assert_limited(send(email.upper(), "198.51.100.22"), 3000)
    # No new code was made (Cognito was not asked, nothing was mailed).
    assert pool._get_user(email).confirmation_code == code
    # An unknown address is limited the same way: a 429 does not tell accounts apart.
    ghost = f"ghost-{uuid.uuid4().hex[:8]}@{OTHER_TENANT}.test"
    assert [send(ghost, "198.51.100.23").status for _ in range(3)] == [202, 202, 429]

    clock.advance(3000)
    assert send(email, "198.51.100.22").status == 202


def test_forgot_password_from_one_address_is_limited_across_accounts(
    api: Api, clock: Clock, limits: Callable[..., None]
) -> None:
    limits(forgot_password_per_email="100/3600", forgot_password_per_ip="3/3600")
    answers = []
    with from_ip(api, "203.0.113.30"):
        for n in range(4):
            answers.append(api.call("POST", "/auth/forgot-password",
                                    {"email": f"victim{n}@{TENANT}.test"}))
    assert [a.status for a in answers] == [202, 202, 202, 429]
    _assert_limited(answers[-1], 3600)


def test_guessing_a_reset_code_is_cut_off_even_for_the_right_code(
    api: Api, clock: Clock, limits: Callable[..., None], local_resources: LocalResources
) -> None:
    limits(reset_password_per_email="3/3600", reset_password_per_ip="100/3600")
    email = f"agent@{TENANT}.test"
    with from_ip(api, "198.51.100.40"):
        assert api.call("POST", "/auth/forgot-password", {"email": email}).status == 202
    pool = cognitoidp_backends["123456789012"]["eu-west-1"].user_pools[local_resources.user_pool_id]
    code = pool._get_user(email).confirmation_code
    new = "Reset-password-9!"

    def reset(guess: str, ip: str) -> Answer:
        with from_ip(api, ip):
            return api.call("POST", "/auth/reset-password",
                            {"email": email, "code": guess, "password": new})

    guesses = [reset(f"moto-confirmation-code:{n:06d}", f"198.51.100.{41 + n}")
               for n in range(3)]
    assert [g.status for g in guesses] == [400, 400, 400]
    _assert_limited(reset(code, "198.51.100.50"), 3600)
    # The password was not changed by the right code while limited.
    assert api.call("POST", "/auth/login", {"email": email, "password": PASSWORD}).status == 200

    clock.advance(3600)
    assert reset(code, "198.51.100.50").status == 200
    assert api.call("POST", "/auth/login", {"email": email, "password": new}).status == 200
    # Put back the seed's password for the module's other tests.
    with from_ip(api, "198.51.100.51"):
        assert api.call("POST", "/auth/forgot-password", {"email": email}).status == 202
    code = pool._get_user(email).confirmation_code
    with from_ip(api, "198.51.100.51"):
        assert api.call("POST", "/auth/reset-password",
                        {"email": email, "code": code, "password": PASSWORD}).status == 200


def _announce(api: Api, ticket: str, as_user: str, ip: str,
              headers: dict[str, str] | None = None) -> Answer:
    with from_ip(api, ip):
        return api.call("POST", f"/tickets/{ticket}/attachments",
                        {"filename": "shot.png", "content_type": "image/png", "size": 10},
                        as_user=as_user, headers=headers)


def _ticket(api: Api, as_user: str) -> str:
    answer = api.call("POST", "/tickets", {"subject": f"Limits {uuid.uuid4().hex[:6]}",
                                           "description": "Hej",
                                           "ticket_type_id": "technical_fault"},
                      as_user=as_user)
    assert answer.status == 201, answer.body
    return str(answer.body["id"])


def test_a_flood_of_attachment_announcements_is_cut_off_per_user(
    api: Api, clock: Clock, limits: Callable[..., None]
) -> None:
    limits(attachments_per_user="2/3600", attachments_per_ip="100/3600")
    flooder, other = f"customer@{TENANT}.test", f"agent@{TENANT}.test"
    ticket = _ticket(api, flooder)
    statuses = [_announce(api, ticket, flooder, f"198.51.100.{60 + n}").status
                for n in range(2)]
    assert statuses == [201, 201]
    key = {"Idempotency-Key": str(uuid.uuid4())}
    _assert_limited(_announce(api, ticket, flooder, "198.51.100.63", key), 3600)
    # Another user of the tenant is not held back by the flooder.
    assert _announce(api, ticket, other, "198.51.100.63").status == 201
    listed = api.call("GET", f"/tickets/{ticket}/attachments", as_user=flooder)
    assert len(listed.body["items"]) == 3

    clock.advance(3600)
    # The 429 was not kept as the key's answer: the retry after the window runs for real.
    retried = _announce(api, ticket, flooder, "198.51.100.63", key)
    assert retried.status == 201 and "idempotent-replayed" not in retried.headers


def test_a_flood_of_attachment_announcements_from_one_address_is_cut_off(
    api: Api, clock: Clock, limits: Callable[..., None]
) -> None:
    limits(attachments_per_user="100/3600", attachments_per_ip="2/3600")
    ticket = _ticket(api, f"customer@{TENANT}.test")
    statuses = [_announce(api, ticket, who, "203.0.113.70").status
                for who in (f"customer@{TENANT}.test", f"agent@{TENANT}.test",
                            f"admin@{TENANT}.test")]
    assert statuses == [201, 201, 429]


def test_openapi_names_retry_after_on_the_limited_routes(api: Api) -> None:
    spec: dict[str, Any] = api.call("GET", "/openapi.json").body
    for path in ("/auth/login", "/auth/forgot-password", "/auth/reset-password",
                 "/tickets/{id}/attachments"):
        limited = spec["paths"][path]["post"]["responses"]["429"]
        assert "Retry-After" in limited["headers"], path
