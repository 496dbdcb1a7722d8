"""The outbox relay: outbox records waiting in the ``due`` index go to the notifications
queue, then leave the table. Runs every minute (EventBridge's shortest rate).

Why a relay and not a DynamoDB stream: the relay is the same code on AWS and on the
local stack (moto's streams would need a second delivery path), it sends only the
records meant for notification, and its cost is one Query per shard a minute. The
price is up to a minute of latency. A relay cut short after sending and before
deleting sends a record again, which the consumer's delivery records absorb.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import Any

from chalicelib.config import get_config
from chalicelib.domain.models import utc_iso
from chalicelib.store import outbox
from chalicelib.store.clients import client
from chalicelib.store.dynamo import Item

BATCH = 10  # SendMessageBatch takes at most 10


@cache
def _queue_url() -> str:
    return str(client("sqs").get_queue_url(QueueName=get_config().notifications_queue)["QueueUrl"])


def _send(table: str, batch: list[Item]) -> int:
    answer = client("sqs").send_message_batch(QueueUrl=_queue_url(), Entries=[
        {"Id": str(i), "MessageBody": item["record"]} for i, item in enumerate(batch)])
    sent = [batch[int(entry["Id"])] for entry in answer.get("Successful", [])]
    outbox.remove(table, sent)  # what failed stays in the outbox for the next run
    return len(sent)


def relay(now: datetime, time_left: Callable[[], float]) -> dict[str, Any]:
    cfg = get_config()
    report: dict[str, Any] = {"read": 0, "relayed": 0, "more": False}
    for table in (cfg.tickets_table, cfg.contact_orders_table):
        batch: list[Item] = []
        for item in outbox.pending(table, utc_iso(now)):
            report["read"] += 1
            batch.append(item)
            if len(batch) == BATCH:
                report["relayed"] += _send(table, batch)
                batch = []
                if time_left() < 5:
                    report["more"] = True
                    return report
        if batch:
            report["relayed"] += _send(table, batch)
    return report
