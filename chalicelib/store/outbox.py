"""The transactional outbox: notification events written with the change they announce.

A service adds a record to the same ``TransactWriteItems`` as the change, so an event is
published if and only if the change happened. The relay (``jobs/relay.py``, every
minute) reads the records waiting in the ``due`` index, sends them to the notifications
queue and deletes them. A relay cut short between sending and deleting sends a record
again; the consumer's delivery records make that harmless.

Item: ``PK=T#<t>#OUTBOX``, ``SK=<event id>``, ``record`` (the message), and ``due_shard``
``outbox#<n>`` / ``due_at`` (when it was written).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from chalicelib.store.clients import client
from chalicelib.store.dynamo import Item, UnitOfWork, serialize
from chalicelib.store.schedule import due_attributes, due_items
from chalicelib.store.tables import scoped_pk

KIND = "outbox"


def add(uow: UnitOfWork, table: str, tenant: str, record: dict[str, Any]) -> None:
    """``record`` needs ``id`` (unique, deterministic: the event's id) and ``at``."""
    pk = scoped_pk(tenant, "OUTBOX")
    uow.put(table, {"PK": pk, "SK": record["id"], "tenant": tenant,
                    "record": json.dumps(record, separators=(",", ":")),
                    **due_attributes(KIND, f"{pk}#{record['id']}", record["at"])})


def pending(table: str, now: str) -> Iterator[Item]:
    return due_items(table, KIND, now)


def remove(table: str, items: list[Item]) -> None:
    """Deletes relayed records, 25 per ``BatchWriteItem``."""
    ddb = client("dynamodb")
    for start in range(0, len(items), 25):
        request = {table: [{"DeleteRequest": {"Key": serialize({"PK": i["PK"], "SK": i["SK"]})}}
                           for i in items[start:start + 25]]}
        for _ in range(5):
            answer = ddb.batch_write_item(RequestItems=request)
            request = answer.get("UnprocessedItems") or {}
            if not request:
                break
