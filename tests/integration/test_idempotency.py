"""Issue 14, item 8: ``Idempotency-Key`` survives a crashed request and compares bodies as
JSON. A Lambda that dies leaves its claim ``pending``; once the claim's running time is
over, a retry with the same body runs (once); while it runs, a retry is a 409."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from chalicelib.api import idempotency
from chalicelib.config import get_config
from chalicelib.services import tickets as svc
from chalicelib.store.clients import client
from chalicelib.store.dynamo import serialize
from chalicelib.store.idempotency import IdempotencyStore
from tests.integration.api_client import Api
from tests.integration.tenants import module_tenants

TENANTS = module_tenants(__name__)
TENANT, OTHER_TENANT = TENANTS

CUSTOMER = f"customer@{TENANT}.test"


class LambdaDied(BaseException):
    """What a Lambda timeout or out-of-memory looks like from inside: nothing runs after
    it, not even the ``except Exception`` that releases the claim."""


def _crash_while_creating(api: Api, monkeypatch: pytest.MonkeyPatch, body: dict[str, Any],
                          key: str) -> None:
    def dies(*args: Any, **kwargs: Any) -> Any:
        raise LambdaDied()

    with monkeypatch.context() as patched:
        patched.setattr(svc, "create_ticket", dies)
        with pytest.raises(LambdaDied):
            api.call("POST", "/tickets", body, as_user=CUSTOMER,
                     headers={"Idempotency-Key": key})


def _found(api: Api, word: str) -> list[str]:
    items = api.call("GET", f"/tickets?q={word}", as_user=CUSTOMER).body["items"]
    return [i["id"] for i in items]


def _body() -> tuple[str, dict[str, Any]]:
    word = f"crash{uuid.uuid4().hex[:8]}"
    return word, {"subject": f"Printer {word}", "ticket_type_id": "question"}


def test_a_retry_after_a_crashed_request_runs_once(api: Api,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    word, body = _body()
    key = uuid.uuid4().hex
    # The Lambda dies with its claim pending; its running time is over (no slack either).
    monkeypatch.setattr(idempotency, "DEFAULT_RUN_SECONDS", -60)
    _crash_while_creating(api, monkeypatch, body, key)
    assert _found(api, word) == []
    monkeypatch.undo()

    retry = api.call("POST", "/tickets", body, as_user=CUSTOMER, headers={"Idempotency-Key": key})
    assert retry.status == 201, retry.body
    assert "idempotent-replayed" not in retry.headers
    again = api.call("POST", "/tickets", body, as_user=CUSTOMER, headers={"Idempotency-Key": key})
    assert again.status == 201 and again.headers.get("idempotent-replayed") == "true"
    assert again.body["id"] == retry.body["id"]
    assert _found(api, word) == [retry.body["id"]]


def test_a_retry_while_the_first_request_still_runs_is_a_409(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    word, body = _body()
    key = uuid.uuid4().hex
    _crash_while_creating(api, monkeypatch, body, key)  # pending, and still within its time
    retry = api.call("POST", "/tickets", body, as_user=CUSTOMER, headers={"Idempotency-Key": key})
    assert retry.status == 409 and "still running" in retry.body["detail"]
    assert _found(api, word) == []


def test_a_crashed_claim_is_not_taken_over_with_another_body(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    word, body = _body()
    key = uuid.uuid4().hex
    monkeypatch.setattr(idempotency, "DEFAULT_RUN_SECONDS", -60)
    _crash_while_creating(api, monkeypatch, body, key)
    monkeypatch.undo()
    other = api.call("POST", "/tickets", {**body, "subject": f"Other {word}"}, as_user=CUSTOMER,
                     headers={"Idempotency-Key": key})
    assert other.status == 409 and "another request body" in other.body["detail"]
    assert _found(api, word) == []


def test_two_retries_racing_for_a_crashed_claim_do_not_both_win(api: Api) -> None:
    store = IdempotencyStore(get_config().idempotency_table)
    pk = f"T#{TENANT}#U#race#POST /tickets#{uuid.uuid4().hex}"
    assert store.claim(pk, "fp", 1_000, running_until=1_030) is None  # dies at 1_030
    first = store.claim(pk, "fp", 1_031, running_until=1_066)
    second = store.claim(pk, "fp", 1_031, running_until=1_066)
    assert first is None
    assert second is not None and second.state == "pending"
    # A claim from before running_until existed is free once older than any Lambda runs.
    old = f"T#{TENANT}#U#race#POST /tickets#{uuid.uuid4().hex}"
    store.claim(old, "fp", 1_000, running_until=1_030)
    client("dynamodb").update_item(TableName=get_config().idempotency_table,
                                   Key=serialize({"PK": old}),
                                   UpdateExpression="REMOVE running_until")
    assert store.claim(old, "fp", 1_100, running_until=1_135) is not None
    assert store.claim(old, "fp", 1_000 + 901, running_until=1_936) is None


def test_the_same_json_with_keys_reordered_and_other_whitespace_replays(api: Api) -> None:
    word, _ = _body()
    key = uuid.uuid4().hex
    first = api.call("POST", "/tickets", as_user=CUSTOMER, headers={
        "Idempotency-Key": key, "Content-Type": "application/json"},
        raw=f'{{"subject": "Printer {word}", "ticket_type_id": "question"}}')
    assert first.status == 201, first.body
    again = api.call("POST", "/tickets", as_user=CUSTOMER, headers={
        "Idempotency-Key": key, "Content-Type": "application/json"},
        raw=f'{{\n  "ticket_type_id":"question" ,\t"subject":"Printer {word}"\n}}\n')
    assert again.status == 201 and again.headers.get("idempotent-replayed") == "true"
    assert again.body == first.body
    assert _found(api, word) == [first.body["id"]]
    other = api.call("POST", "/tickets", as_user=CUSTOMER, headers={
        "Idempotency-Key": key, "Content-Type": "application/json"},
        raw=f'{{"ticket_type_id":"question","subject":"Printer {word}!"}}')
    assert other.status == 409 and "another request body" in other.body["detail"]
    assert _found(api, word) == [first.body["id"]]
