"""Issue 14, item 8: how long a claim runs, and what counts as the same body."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chalicelib.api import idempotency
from chalicelib.config import get_config


class FakeContext:
    def __init__(self, remaining_ms: int) -> None:
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


@pytest.fixture
def stage(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    get_config.cache_clear()
    yield monkeypatch
    monkeypatch.undo()
    get_config.cache_clear()


def test_a_claim_runs_for_the_lambdas_remaining_time(stage: pytest.MonkeyPatch) -> None:
    stage.setenv("HELPDESK_STAGE", "prod")
    get_config.cache_clear()
    assert idempotency.run_seconds(FakeContext(12_345)) == 13
    assert idempotency.run_seconds(FakeContext(0)) == 1
    assert idempotency.run_seconds(None) == idempotency.DEFAULT_RUN_SECONDS
    assert idempotency.run_seconds(object()) == idempotency.DEFAULT_RUN_SECONDS


def test_the_local_stack_uses_the_default(stage: pytest.MonkeyPatch) -> None:
    stage.setenv("HELPDESK_STAGE", "local")
    get_config.cache_clear()
    assert idempotency.run_seconds(FakeContext(2_000)) == idempotency.DEFAULT_RUN_SECONDS == 30


def test_the_fingerprint_is_of_the_json_not_its_spelling() -> None:
    same = [b'{"a": 1, "b": [1, 2], "c": {"y": "\\u00e4", "x": null}}',
            b'{"c":{"x":null,"y":"\xc3\xa4"},"b":[1,2],"a":1}',
            b'\n{ "b" : [ 1 , 2 ],\t"a":1, "c": {"y":"\xc3\xa4","x":null} }\n']
    assert len({idempotency.fingerprint_of({"id": "T1"}, raw) for raw in same}) == 1
    assert idempotency.fingerprint_of({"id": "T2"}, same[0]) != \
        idempotency.fingerprint_of({"id": "T1"}, same[0])
    assert idempotency.fingerprint_of({}, b'{"a": 1}') != idempotency.fingerprint_of(
        {}, b'{"a": 1.5}')
    assert idempotency.fingerprint_of({}, b'{"b": [2, 1]}') != idempotency.fingerprint_of(
        {}, b'{"b": [1, 2]}')
    assert idempotency.fingerprint_of({}, b"") == idempotency.fingerprint_of({}, b"  \n")
