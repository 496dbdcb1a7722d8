"""The unit of work's after-commit hooks and the outbox's immediate send, on fake clients
(no AWS): hooks run in order only after a successful commit, a failing hook never fails
the write, and one commit's records go out together, ten per SendMessageBatch."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from chalicelib.domain.errors import Conflict
from chalicelib.store import dynamo, outbox
from chalicelib.store.dynamo import UnitOfWork


class _Cancelled(Exception):
    def __init__(self) -> None:
        super().__init__("cancelled")
        self.response = {"CancellationReasons": [{"Code": "ConditionalCheckFailed"}]}


class _FakeDynamo:
    class exceptions:  # boto3's spelling
        TransactionCanceledException = _Cancelled

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.transactions: list[list[dict[str, Any]]] = []

    def transact_write_items(self, TransactItems: list[dict[str, Any]]) -> None:
        if self.fail:
            raise _Cancelled()
        self.transactions.append(TransactItems)


class _FakeSqs:
    def __init__(self, refuse: set[int] | None = None) -> None:
        self.batches: list[list[str]] = []
        self.refuse = refuse or set()

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, str]]) -> Any:
        start = sum(len(b) for b in self.batches)
        self.batches.append([e["MessageBody"] for e in Entries])
        return {"Successful": [{"Id": e["Id"]} for e in Entries
                               if start + int(e["Id"]) not in self.refuse],
                "Failed": [{"Id": e["Id"]} for e in Entries
                           if start + int(e["Id"]) in self.refuse]}


@pytest.fixture
def ddb(monkeypatch: pytest.MonkeyPatch) -> _FakeDynamo:
    fake = _FakeDynamo()
    monkeypatch.setattr(dynamo, "client", lambda service: fake)
    return fake


@pytest.fixture
def sqs(monkeypatch: pytest.MonkeyPatch) -> _FakeSqs:
    fake = _FakeSqs()
    monkeypatch.setattr(outbox, "client", lambda service: fake)
    monkeypatch.setattr(outbox, "quick_client", lambda service: fake)
    monkeypatch.setattr(outbox, "queue_url", lambda: "https://sqs.test/notifications")
    return fake


@pytest.fixture
def warnings(monkeypatch: pytest.MonkeyPatch,
             caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    monkeypatch.setattr(logging.getLogger("helpdesk"), "propagate", True)
    caplog.set_level(logging.WARNING, "helpdesk")
    return caplog


def _record(n: int, at: str = "2026-11-23T10:00:00Z") -> dict[str, Any]:
    return {"id": f"e{n:03d}", "at": at, "tenant": "demo", "module": "tickets",
            "subject_id": "t1", "siblings": ["commented"],
            "event": {"id": f"e{n:03d}", "type": "commented", "at": at}}


def _conflict() -> Conflict:
    return Conflict("taken")


def test_hooks_run_in_order_after_the_commit(ddb: _FakeDynamo) -> None:
    ran: list[str] = []
    uow = UnitOfWork()
    uow.put("t", {"PK": "a", "SK": "b"})
    uow.after_commit(lambda: ran.append(f"first after {len(ddb.transactions)}"))
    uow.after_commit(lambda: ran.append("second"))
    assert ran == []
    uow.commit()
    assert ran == ["first after 1", "second"]
    uow.put("t", {"PK": "a", "SK": "c"})
    uow.commit()  # a unit of work used again: its hooks ran once, with their commit
    assert ran == ["first after 1", "second"]


def test_a_failing_hook_is_logged_and_swallowed(ddb: _FakeDynamo,
                                                warnings: pytest.LogCaptureFixture) -> None:
    ran: list[str] = []

    def broken() -> None:
        raise RuntimeError("queue down")

    uow = UnitOfWork()
    uow.put("t", {"PK": "a", "SK": "b"})
    uow.after_commit(broken)
    uow.after_commit(lambda: ran.append("next"))
    uow.commit()  # no exception: the write is committed
    assert ran == ["next"]
    logged = [r for r in warnings.records if r.levelno == logging.WARNING]
    assert logged and logged[0].exc_info and "queue down" in str(logged[0].exc_info[1])


def test_no_hook_runs_when_the_commit_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = _FakeDynamo(fail=True)
    monkeypatch.setattr(dynamo, "client", lambda service: fake)
    ran: list[str] = []
    uow = UnitOfWork()
    uow.create("t", {"PK": "a", "SK": "b"}, _conflict)
    uow.after_commit(lambda: ran.append("never"))
    with pytest.raises(Conflict):
        uow.commit()
    assert ran == [] and uow.hooks == []
    fake.fail = False
    uow.put("t", {"PK": "a", "SK": "c"})
    uow.commit()
    assert ran == []


def test_one_commit_sends_its_records_together(ddb: _FakeDynamo, sqs: _FakeSqs) -> None:
    uow = UnitOfWork()
    for n in range(23):
        outbox.add(uow, "tickets", "demo", _record(n))
    assert len(uow.hooks) == 1
    assert sqs.batches == []  # nothing leaves before the commit
    uow.commit()
    assert [len(b) for b in sqs.batches] == [10, 10, 3]
    assert [json.loads(body)["id"] for b in sqs.batches for body in b] == \
        [f"e{n:03d}" for n in range(23)]


def test_nothing_is_sent_when_the_commit_fails(monkeypatch: pytest.MonkeyPatch,
                                               sqs: _FakeSqs) -> None:
    monkeypatch.setattr(dynamo, "client", lambda service: _FakeDynamo(fail=True))
    uow = UnitOfWork()
    outbox.add(uow, "tickets", "demo", _record(1))
    with pytest.raises(_Cancelled):
        uow.commit()
    assert sqs.batches == []


def test_the_relay_waits_the_grace_and_the_message_keeps_its_time(ddb: _FakeDynamo,
                                                                  sqs: _FakeSqs) -> None:
    uow = UnitOfWork()
    outbox.add(uow, "tickets", "demo", _record(1, at="2026-11-23T23:59:30Z"))
    uow.commit()
    put = ddb.transactions[0][0]["Put"]["Item"]
    assert outbox.RELAY_GRACE_SECONDS == 60
    assert put["due_at"] == {"S": "2026-11-24T00:00:30Z"}
    assert json.loads(put["record"]["S"])["at"] == "2026-11-23T23:59:30Z"
    assert json.loads(sqs.batches[0][0])["at"] == "2026-11-23T23:59:30Z"


def test_send_answers_what_sqs_accepted(sqs: _FakeSqs,
                                        warnings: pytest.LogCaptureFixture) -> None:
    sqs.refuse = {3, 12}
    assert outbox.send([f"m{i}" for i in range(14)]) == \
        [i for i in range(14) if i not in (3, 12)]


def test_records_sqs_refused_are_logged_for_the_relay(
        ddb: _FakeDynamo, sqs: _FakeSqs, warnings: pytest.LogCaptureFixture) -> None:
    sqs.refuse = {1}
    uow = UnitOfWork()
    outbox.add(uow, "tickets", "demo", _record(1))
    outbox.add(uow, "tickets", "demo", _record(2))
    uow.commit()
    assert any("1 of 2" in r.getMessage() for r in warnings.records)
