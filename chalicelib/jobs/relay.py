"""The outbox relay, the safety net of the immediate send: outbox records that are still
in the ``due`` index ``RELAY_GRACE_SECONDS`` after their time (the send after the commit
failed or never ran) go to the notifications queue, then leave the table. Runs every
minute (EventBridge's shortest rate); most runs find nothing, because the consumer
deletes each record it has handled.

Why a relay and not a DynamoDB stream: the relay is the same code on AWS and on the
local stack (moto's streams would need a second delivery path), it sends only the
records meant for notification, and its cost is one Query per shard a minute. A record
the immediate send missed waits up to the grace plus a minute. A relay cut short after
sending and before deleting sends a record again, which the consumer's delivery records
absorb.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from chalicelib.domain.models import utc_iso
from chalicelib.store import outbox
from chalicelib.store.dynamo import Item


def _send(table: str, batch: list[Item]) -> int:
    sent = [batch[i] for i in outbox.send([item["record"] for item in batch])]
    outbox.remove(table, sent)  # what failed stays in the outbox for the next run
    return len(sent)


def relay(now: datetime, time_left: Callable[[], float]) -> dict[str, Any]:
    report: dict[str, Any] = {"read": 0, "relayed": 0, "more": False}
    # Modules may share a table (networks and trainings): each table's outbox is read once.
    for table in dict.fromkeys(outbox.tables().values()):
        batch: list[Item] = []
        for item in outbox.pending(table, utc_iso(now)):
            report["read"] += 1
            batch.append(item)
            if len(batch) == outbox.BATCH:
                report["relayed"] += _send(table, batch)
                batch = []
                if time_left() < 5:
                    report["more"] = True
                    return report
        if batch:
            report["relayed"] += _send(table, batch)
    return report
