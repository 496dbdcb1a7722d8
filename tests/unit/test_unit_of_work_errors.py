"""Which domain error a cancelled transaction raises (fake client, no AWS): the write whose
condition failed names it, and so does a write that lost a race with another transaction
(real DynamoDB's TransactionConflict, which neither local engine produces)."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.domain.errors import Conflict, DomainError
from chalicelib.store import dynamo
from chalicelib.store.dynamo import UnitOfWork


class _Cancelled(Exception):
    def __init__(self, codes: list[str]) -> None:
        super().__init__("cancelled")
        self.response = {"CancellationReasons": [{"Code": c} for c in codes]}


class _CancellingDynamo:
    class exceptions:  # boto3's spelling
        TransactionCanceledException = _Cancelled

    def __init__(self, codes: list[str]) -> None:
        self.codes = codes

    def transact_write_items(self, TransactItems: list[dict[str, Any]]) -> None:
        raise _Cancelled(self.codes)


class NumberTaken(Conflict):
    pass


class StaleVersion(Conflict):
    pass


def _commit(monkeypatch: pytest.MonkeyPatch, codes: list[str]) -> None:
    monkeypatch.setattr(dynamo, "client", lambda service: _CancellingDynamo(codes))
    uow = UnitOfWork()
    uow.put("t", {"PK": "event", "SK": "1"})  # no condition, no error of its own
    uow.create("t", {"PK": "number", "SK": "7"}, error=lambda: NumberTaken("taken"))
    uow.replace("t", {"PK": "ticket", "SK": "x"}, 3, error=lambda: StaleVersion("stale"))
    uow.commit()


@pytest.mark.parametrize(("codes", "raised"), [
    (["None", "ConditionalCheckFailed", "None"], NumberTaken),
    (["None", "None", "ConditionalCheckFailed"], StaleVersion),
    (["None", "TransactionConflict", "None"], NumberTaken),
    (["None", "None", "TransactionConflict"], StaleVersion),
    # A failed condition says more than a lost race elsewhere in the same transaction.
    (["None", "TransactionConflict", "ConditionalCheckFailed"], StaleVersion),
])
def test_the_write_that_lost_names_the_error(monkeypatch: pytest.MonkeyPatch,
                                             codes: list[str], raised: type) -> None:
    with pytest.raises(raised):
        _commit(monkeypatch, codes)


def test_a_conflict_on_a_write_without_a_rule_is_not_a_domain_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dynamo.time, "sleep", lambda seconds: None)
    with pytest.raises(_Cancelled) as caught:
        _commit(monkeypatch, ["TransactionConflict", "None", "None"])
    assert not isinstance(caught.value, DomainError)


class _ConflictingFirst(_CancellingDynamo):
    """Cancels the first ``times`` sends with ``codes``, then writes."""

    def __init__(self, codes: list[str], times: int) -> None:
        super().__init__(codes)
        self.sent = 0
        self.times = times

    def transact_write_items(self, TransactItems: list[dict[str, Any]]) -> None:
        self.sent += 1
        if self.sent <= self.times:
            raise _Cancelled(self.codes)


def _counted(monkeypatch: pytest.MonkeyPatch, fake: _ConflictingFirst) -> None:
    monkeypatch.setattr(dynamo, "client", lambda service: fake)
    monkeypatch.setattr(dynamo.time, "sleep", lambda seconds: None)
    uow = UnitOfWork()
    uow.update("t", {"PK": "counter", "SK": "day"}, "ADD n :one", values={":one": 1})
    uow.replace("t", {"PK": "ticket", "SK": "x"}, 3, error=lambda: StaleVersion("stale"))
    uow.commit()


def test_a_conflict_only_on_a_counter_sends_the_same_transaction_again(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Two tickets changed at once meet on the day's counter: the later one is sent again
    (nothing it checks failed) rather than answered as an error."""
    fake = _ConflictingFirst(["TransactionConflict", "None"], times=2)
    _counted(monkeypatch, fake)
    assert fake.sent == 3
    gave_up = _ConflictingFirst(["TransactionConflict", "None"], times=dynamo.CONFLICT_ATTEMPTS)
    with pytest.raises(_Cancelled):
        _counted(monkeypatch, gave_up)
    assert gave_up.sent == dynamo.CONFLICT_ATTEMPTS


def test_a_conflict_on_the_versioned_write_is_still_a_stale_version(
        monkeypatch: pytest.MonkeyPatch) -> None:
    fake = _ConflictingFirst(["TransactionConflict", "TransactionConflict"], times=1)
    with pytest.raises(StaleVersion):
        _counted(monkeypatch, fake)
    assert fake.sent == 1
