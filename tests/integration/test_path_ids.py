"""Issue 14, item 9: every path id is checked against the id pattern before anything is
read with it; a hostile id is a 400 naming the path parameter, never a key, a 404 from a
lookup or a 5xx."""

from __future__ import annotations

import re
import uuid
from typing import Any
from urllib.parse import quote

import pytest

from chalicelib.api.routing import OPERATIONS, PATH_PATTERNS
from chalicelib.domain.ids import ID_PATTERN
from chalicelib.store.clients import client
from tests.integration.api_client import Api
from tests.integration.tenants import emails, module_tenants

TENANTS = module_tenants(__name__)
TENANT, OTHER_TENANT = TENANTS

ADMIN, AGENT, CUSTOMER = emails(TENANT)

HOSTILE = {
    "very long": "A" * 5000,
    "key separators": "T#x#",
    "another tenant's key": f"T#{OTHER_TENANT}#TICKET#01ABC",
    "dot segments": "..",
    "a slash": "../x",
    "unicode": "tické\u202et",
    "a nul": "abc\x00",
    "spaces": "  ",
    "a newline": "abc\n",
}

# (method, path template, body, who): endpoints across the modules.
ENDPOINTS: list[tuple[str, str, dict[str, Any] | None, str]] = [
    ("GET", "/tickets/{}", None, CUSTOMER),
    ("GET", "/tickets/{}/events", None, AGENT),
    ("POST", "/tickets/{}/comments", {"body": "Hej"}, CUSTOMER),
    ("POST", "/tickets/{}/approve", {}, CUSTOMER),
    ("PATCH", "/organizations/{}", {"name": "X"}, ADMIN),
    ("GET", "/contact-orders/{}", None, ADMIN),
    ("PATCH", "/users/{}", {"name": "X"}, ADMIN),
    ("POST", "/notifications/{}/read", {}, CUSTOMER),
]


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every DynamoDB read's request, as text."""
    seen: list[str] = []
    ddb = client("dynamodb")
    for name in ("get_item", "query", "batch_get_item"):
        original = getattr(ddb, name)

        def spy(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
            seen.append(repr(kwargs))
            return _original(*args, **kwargs)

        monkeypatch.setattr(ddb, name, spy)
    return seen


@pytest.mark.parametrize("method,template,body,who", ENDPOINTS,
                         ids=[f"{m} {p}" for m, p, _, _ in ENDPOINTS])
@pytest.mark.parametrize("hostile", list(HOSTILE.values()), ids=list(HOSTILE))
def test_a_hostile_path_id_is_a_400_naming_it(api: Api, method: str, template: str,
                                             body: dict[str, Any] | None, who: str,
                                             hostile: str) -> None:
    answer = api.call(method, template.format(quote(hostile, safe="")), body, as_user=who)
    assert answer.status == 400, answer.body
    assert answer.headers["content-type"] == "application/problem+json"
    assert [e["loc"] for e in answer.body["errors"]] == [["path", "id"]]


def test_a_hostile_id_reaches_no_key(api: Api, reads: list[str]) -> None:
    api.token(CUSTOMER)
    reads.clear()
    answer = api.call("GET", f"/tickets/{quote(f'T#{OTHER_TENANT}#TICKET#x', safe='')}",
                      as_user=CUSTOMER)
    assert answer.status == 400
    assert reads == []  # not even the caller's own record
    valid = api.call("GET", f"/tickets/{uuid.uuid4().hex}", as_user=CUSTOMER)
    assert valid.status == 404 and reads, "the spy sees reads"


def test_a_hostile_id_is_refused_before_the_token_is_even_looked_at(api: Api) -> None:
    answer = api.call("GET", "/tickets/T%23x%23")
    assert answer.status == 400 and answer.body["errors"][0]["loc"] == ["path", "id"]


def test_an_empty_id_reaches_no_handler(api: Api) -> None:
    answer = api.call("GET", "/tickets//events", as_user=AGENT)
    assert 400 <= answer.status < 500


def test_the_second_id_of_a_path_is_checked_too(api: Api) -> None:
    ticket = api.call("POST", "/tickets", {"subject": "Id test", "ticket_type_id": "question"},
                      as_user=CUSTOMER).body
    answer = api.call("GET", f"/tickets/{ticket['id']}/attachments/{quote('..#x', safe='')}/link",
                      as_user=CUSTOMER)
    assert answer.status == 400 and answer.body["errors"][0]["loc"] == ["path", "aid"]


def test_valid_ids_still_work(api: Api) -> None:
    ticket = api.call("POST", "/tickets", {"subject": "Valid id", "ticket_type_id": "question"},
                      as_user=CUSTOMER).body
    assert api.call("GET", f"/tickets/{ticket['id']}", as_user=CUSTOMER).status == 200
    assert api.call("GET", f"/tickets/{ticket['id']}/events", as_user=AGENT).status == 200
    # A well-formed id that does not exist is still a 404, and a ready-made type's slug id
    # is an id.
    assert api.call("GET", f"/tickets/{uuid.uuid4().hex}", as_user=CUSTOMER).status == 404
    assert api.call("GET", "/ticket-types/technical_fault", as_user=CUSTOMER).status == 200
    me = api.call("GET", "/me", as_user=ADMIN).body
    assert api.call("GET", f"/organizations/{quote('x' * 65)}", as_user=ADMIN).status == 400
    assert api.call("PATCH", f"/users/{me['id']}", {"language": "en"},
                    as_user=ADMIN).status == 200


def test_role_names_and_feeds_have_their_own_patterns(api: Api) -> None:
    role = api.call("PUT", "/roles/night_shift", {"permissions": ["tickets.view"]},
                    as_user=ADMIN)
    assert role.status == 200, role.body
    bad = api.call("PUT", f"/roles/{quote('Night#Shift', safe='')}",
                   {"permissions": ["tickets.view"]}, as_user=ADMIN)
    assert bad.status == 400 and bad.body["errors"][0]["loc"] == ["path", "name"]
    # A feed's address is its secret: any forgery is the calendar's own 404 (checked before
    # any read), only an unbounded one is refused here.
    assert api.call("GET", f"/calendar/{TENANT}.{'a' * 40}.ics").status == 404
    assert api.call("GET", f"/calendar/{quote(f'{TENANT}#x.ics', safe='')}").status == 404
    assert api.call("GET", f"/calendar/{'a' * 301}").status == 400


def test_every_route_declares_a_pattern_for_each_path_parameter() -> None:
    for op in OPERATIONS:
        for name in [p[1:-1] for p in op.path.split("/") if p.startswith("{")]:
            pattern = op.path_pattern(name)
            assert pattern == op.path_patterns.get(name, PATH_PATTERNS.get(name, ID_PATTERN))
            assert pattern.startswith("^") and pattern.endswith("$")


@pytest.mark.parametrize("address,fits", [
    ("support%40acme.example", True), ("support@acme.example", True),
    ("first.last%2Bhelp%40acme.example", True), ("a/b@acme.example", False),
    ("support@acme.example\n", False), ("sup port@acme.example", False), ("x" * 401, False),
    ("ä@acme.example", False),
])
def test_an_address_in_the_path_is_bounded_for_its_handler_to_check(address: str,
                                                                    fits: bool) -> None:
    """``{address}`` arrives percent-encoded; its handler decodes it and checks it as an
    e-mail address before any read; the route only bounds it."""
    assert (re.fullmatch(PATH_PATTERNS["address"], address) is not None) is fits
