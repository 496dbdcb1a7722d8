"""The outbox sent at once: a committed write puts its records on the notifications queue
in the same request, the consumer removes each record it handled, and the relay sends
only what the immediate send missed (records older than ``RELAY_GRACE_SECONDS``)."""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.config import get_config
from chalicelib.store import outbox
from chalicelib.store.clients import client, quick_client
from chalicelib.store.dynamo import Item, get_item, query_all
from chalicelib.store.tables import scoped_pk
from local.events import EventRunner
from local.outbox import LocalOutbox
from tests.integration.api_client import Api
from tests.integration.tenants import emails, module_tenants

TENANTS = module_tenants(__name__)
TENANT, OTHER_TENANT = TENANTS

ADMIN, AGENT, CUSTOMER = emails(TENANT)


def _now() -> datetime:
    return datetime.now(UTC)


def _me(api: Api, who: str) -> dict[str, Any]:
    return dict(api.call("GET", "/me", as_user=who).body)


def _ticket(api: Api, runner: EventRunner, subject: str) -> dict[str, Any]:
    """A new ticket, assigned to the agent, whose own notices are already delivered."""
    types = api.call("GET", "/ticket-types", as_user=CUSTOMER).body["items"]
    plain = next(t for t in types if not t["required_fields"])
    answer = api.call("POST", "/tickets", {"subject": subject, "description": "Hello",
                                           "ticket_type_id": plain["id"]}, as_user=CUSTOMER)
    assert answer.status == 201, answer.body
    assigned = api.call("PATCH", f"/tickets/{answer.body['id']}",
                        {"assignee_id": _me(api, AGENT)["id"]}, as_user=ADMIN)
    assert assigned.status == 200, assigned.body
    runner.drain()
    return dict(answer.body)


def _comment(api: Api, ticket: dict[str, Any], body: str) -> None:
    answer = api.call("POST", f"/tickets/{ticket['id']}/comments", {"body": body},
                      as_user=AGENT)
    assert answer.status == 201, answer.body


def _mails(mail: LocalOutbox, text: str, to: str = CUSTOMER) -> list[dict[str, Any]]:
    return [m for m in mail.messages()
            if m["via"] == "ses" and to in m["to"] and text in (m["text"] or "")]


def _commented_notices(api: Api, ticket: dict[str, Any]) -> int:
    inbox = api.call("GET", "/notifications?limit=100", as_user=CUSTOMER).body["items"]
    return sum(1 for n in inbox
               if n["kind"] == "ticket_commented" and ticket["number"] in n["title"])


def _outbox_items(table: str, subject_id: str, event_type: str | None = None) -> list[Item]:
    items = query_all(table, "PK = :pk", {":pk": scoped_pk(TENANT, "OUTBOX")}, cap=5000)
    found = []
    for item in items:
        record = json.loads(item["record"])
        if record["subject_id"] == subject_id and event_type in (None, record["event"]["type"]):
            found.append(item)
    return found


def _tickets_table() -> str:
    return get_config().tickets_table


def _refuse(**_: Any) -> Any:
    raise ConnectionError("SQS is unreachable")


def test_a_public_comment_is_on_the_queue_at_once(api: Api, runner: EventRunner,
                                                   mail: LocalOutbox) -> None:
    ticket = _ticket(api, runner, "Sent at once")
    text = f"Immediate {uuid.uuid4().hex[:8]}"
    _comment(api, ticket, text)
    assert runner.drain() >= 1  # the queue only, no relay
    assert len(_mails(mail, text)) == 1
    assert _commented_notices(api, ticket) == 1


def test_one_commit_is_one_send_message_batch(api: Api, runner: EventRunner) -> None:
    ticket = _ticket(api, runner, "Resolved: two records, one call")
    calls: list[int] = []

    def count(params: dict[str, Any], **_: Any) -> None:
        calls.append(len(params["Entries"]))

    events = quick_client("sqs").meta.events  # the immediate send's fail-fast client
    events.register("provide-client-params.sqs.SendMessageBatch", count)
    try:
        answer = api.call("POST", f"/tickets/{ticket['id']}/resolve",
                          {"resolution": "Fixed."}, as_user=AGENT)
    finally:
        events.unregister("provide-client-params.sqs.SendMessageBatch", count)
    assert answer.status == 200, answer.body
    records = _outbox_items(_tickets_table(), ticket["id"])
    assert len(records) >= 2  # the resolution and its status change
    assert calls == [len(records)]
    runner.drain()


def test_a_failed_send_still_answers_and_the_relay_delivers_once(
        api: Api, runner: EventRunner, mail: LocalOutbox, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    ticket = _ticket(api, runner, "SQS was down")
    text = f"Relayed {uuid.uuid4().hex[:8]}"
    monkeypatch.setattr(logging.getLogger("helpdesk"), "propagate", True)
    with monkeypatch.context() as patched, caplog.at_level(logging.WARNING, "helpdesk"):
        patched.setattr(quick_client("sqs"), "send_message_batch", _refuse)
        _comment(api, ticket, text)  # 201: the write stands
    assert any(r.levelno == logging.WARNING and r.exc_info for r in caplog.records
               if r.name == "helpdesk.store")
    waiting = _outbox_items(_tickets_table(), ticket["id"], "commented")
    assert len(waiting) == 1
    record = json.loads(waiting[0]["record"])
    at = datetime.fromisoformat(record["at"])
    assert waiting[0]["due_at"] == (at + timedelta(seconds=outbox.RELAY_GRACE_SECONDS)) \
        .strftime("%Y-%m-%dT%H:%M:%SZ")

    runner.drain()
    assert _mails(mail, text) == []  # nothing reached the queue
    runner.tick(at)  # within the grace the relay leaves it alone
    assert _mails(mail, text) == []
    assert len(_outbox_items(_tickets_table(), ticket["id"], "commented")) == 1
    report = runner.tick(_now() + timedelta(minutes=2))
    assert report["schedules"]["outbox_relay"]["relayed"] >= 1
    assert len(_mails(mail, text)) == 1
    assert _outbox_items(_tickets_table(), ticket["id"], "commented") == []
    runner.tick(_now() + timedelta(minutes=4))
    assert len(_mails(mail, text)) == 1
    assert _commented_notices(api, ticket) == 1


def test_sent_at_once_and_relayed_again_mails_once(api: Api, runner: EventRunner,
                                                   mail: LocalOutbox) -> None:
    ticket = _ticket(api, runner, "Sent twice")
    text = f"Twice {uuid.uuid4().hex[:8]}"
    _comment(api, ticket, text)
    # Not drained: the record is on the queue and still in the outbox when the relay runs.
    depth = client("sqs").get_queue_attributes(QueueUrl=outbox.queue_url(),
                                               AttributeNames=["ApproximateNumberOfMessages"])
    assert int(depth["Attributes"]["ApproximateNumberOfMessages"]) >= 1
    assert len(_outbox_items(_tickets_table(), ticket["id"], "commented")) == 1
    report = runner.tick(_now() + timedelta(minutes=2))
    assert report["schedules"]["outbox_relay"]["relayed"] >= 1
    assert len(_mails(mail, text)) == 1
    assert _commented_notices(api, ticket) == 1


def test_the_consumer_removes_what_it_handled(api: Api, runner: EventRunner) -> None:
    ticket = _ticket(api, runner, "Gone after delivery")
    _comment(api, ticket, "Handled, then removed")
    items = _outbox_items(_tickets_table(), ticket["id"], "commented")
    assert len(items) == 1
    runner.drain()
    assert get_item(_tickets_table(), items[0]["PK"], items[0]["SK"], consistent=True) is None
    later = (_now() + timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert items[0]["SK"] not in {i["SK"] for i in outbox.pending(_tickets_table(), later)}


def test_a_contact_orders_record_is_removed_from_its_own_table(
        api: Api, runner: EventRunner) -> None:
    customer = api.call("POST", "/organizations", {"name": f"Outbox {uuid.uuid4().hex[:6]}"},
                        as_user=ADMIN)
    assert customer.status == 201, customer.body
    order = api.call("POST", "/contact-orders", {
        "subject": "Removed by the consumer", "customer": {"id": customer.body["id"]},
        "contact": {"name": "Nina", "email": "nina@example.test"},
        "assignee_id": _me(api, AGENT)["id"]}, as_user=ADMIN)
    assert order.status == 201, order.body
    table = get_config().contact_orders_table
    assert _outbox_items(table, order.body["id"])
    runner.drain()
    assert _outbox_items(table, order.body["id"]) == []


def test_a_handled_message_whose_record_is_gone_is_fine(api: Api, runner: EventRunner,
                                                       mail: LocalOutbox) -> None:
    """A relay ran first and removed the item: the consumer's delete finds nothing."""
    from chalicelib.jobs.notifications import handle_batch

    ticket = _ticket(api, runner, "Already removed")
    text = f"Gone first {uuid.uuid4().hex[:8]}"
    _comment(api, ticket, text)
    items = _outbox_items(_tickets_table(), ticket["id"], "commented")
    outbox.remove(_tickets_table(), items)
    message = {"messageId": "m-gone", "body": items[0]["record"]}
    assert handle_batch({"Records": [message]}) == {"batchItemFailures": []}
    runner.drain()  # the copy sent at once: a duplicate, nothing sent twice
    assert len(_mails(mail, text)) == 1
