"""The transactional outbox: notification events written with the change they announce.

A service adds a record to the same ``TransactWriteItems`` as the change, so an event is
published if and only if the change happened. Once that transaction has committed, the
unit of work's after-commit hook sends the commit's records to the notifications queue
at once (``send``: best effort, ten per ``SendMessageBatch``), and the consumer deletes
each record's item when it has handled it (``discard``). What the immediate send missed
(SQS refused, the Lambda stopped between commit and send) stays in the ``due`` index,
where the relay (``jobs/relay.py``, every minute) finds it ``RELAY_GRACE_SECONDS`` after
the record's time, sends it with the same ``send`` and deletes it. So a record may reach
the queue twice (sent at once and relayed before the consumer removed it, or a relay cut
short between sending and deleting); the consumer's delivery records make that harmless.

Item: ``PK=T#<t>#OUTBOX``, ``SK=<event id>``, ``record`` (the message), and ``due_shard``
``outbox#<n>`` / ``due_at`` (the record's ``at`` plus ``RELAY_GRACE_SECONDS``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from chalicelib.config import get_config
from chalicelib.domain.models import utc_iso
from chalicelib.store.clients import client, quick_client
from chalicelib.store.dynamo import Item, UnitOfWork, batch_write, serialize
from chalicelib.store.schedule import due_attributes, due_items
from chalicelib.store.tables import scoped_pk

KIND = "outbox"
BATCH = 10  # SendMessageBatch takes at most 10
# The immediate send's head start: the relay leaves a record alone this long, so it does
# not send again what is already on the queue or with the consumer.
RELAY_GRACE_SECONDS = 60

log = logging.getLogger("helpdesk.outbox")


def tables() -> dict[str, str]:
    """The table holding each module's outbox (a record's ``module`` names it)."""
    cfg = get_config()
    return {"tickets": cfg.tickets_table, "contact_orders": cfg.contact_orders_table,
            "networks": cfg.networks_table, "trainings": cfg.networks_table,
            "status": cfg.help_table, "reports": cfg.tickets_table,
            "client_cases": cfg.tickets_table}


def add(uow: UnitOfWork, table: str, tenant: str, record: dict[str, Any]) -> None:
    """``record`` needs ``id`` (unique, deterministic: the event's id) and ``at``. It is
    written with the transaction and sent to the queue as soon as that has committed."""
    pk = scoped_pk(tenant, "OUTBOX")
    body = json.dumps(record, separators=(",", ":"))
    uow.put(table, {"PK": pk, "SK": record["id"], "tenant": tenant, "record": body,
                    **due_attributes(KIND, f"{pk}#{record['id']}", _relay_at(record["at"]))})
    _sender(uow).bodies.append(body)


def _relay_at(at: str) -> str:
    moment = datetime.fromisoformat(at)
    return utc_iso(moment + timedelta(seconds=RELAY_GRACE_SECONDS))


class _SendAfterCommit:
    """A unit of work's after-commit hook: every record of the commit, sent together."""

    def __init__(self) -> None:
        self.bodies: list[str] = []

    def __call__(self) -> None:
        sent = send(self.bodies, quick=True)
        if len(sent) < len(self.bodies):
            log.warning("%d of %d outbox records were not sent at once; the relay sends them",
                        len(self.bodies) - len(sent), len(self.bodies))


def _sender(uow: UnitOfWork) -> _SendAfterCommit:
    for hook in uow.hooks:
        if isinstance(hook, _SendAfterCommit):
            return hook
    sender = _SendAfterCommit()
    uow.after_commit(sender)
    return sender


@cache
def queue_url() -> str:
    return str(client("sqs").get_queue_url(QueueName=get_config().notifications_queue)["QueueUrl"])


def send(bodies: list[str], quick: bool = False) -> list[int]:
    """Puts records (their JSON) on the notifications queue, ``BATCH`` per
    ``SendMessageBatch``; returns the positions SQS accepted. The one way records reach
    the queue: the after-commit hook (``quick``: one short try, the request waits for it)
    and the relay both use it."""
    sqs = quick_client("sqs") if quick else client("sqs")
    accepted: list[int] = []
    for start in range(0, len(bodies), BATCH):
        answer = sqs.send_message_batch(QueueUrl=queue_url(), Entries=[
            {"Id": str(i), "MessageBody": body}
            for i, body in enumerate(bodies[start:start + BATCH])])
        accepted += [start + int(entry["Id"]) for entry in answer.get("Successful", [])]
    return sorted(accepted)


def pending(table: str, now: str) -> Iterator[Item]:
    """Records the immediate send missed: written more than the grace before ``now``."""
    return due_items(table, KIND, now)


def remove(table: str, items: list[Item]) -> None:
    """Deletes relayed records, 25 per ``BatchWriteItem``."""
    batch_write(table, [{"DeleteRequest": {"Key": {"PK": i["PK"], "SK": i["SK"]}}}
                        for i in items])


def discard(record: dict[str, Any]) -> None:
    """The consumer's removal of a record it has handled: one ``DeleteItem``, by the key
    the record names (an item already gone, e.g. removed by the relay, is fine)."""
    key = {"PK": scoped_pk(record["tenant"], "OUTBOX"), "SK": record["id"]}
    client("dynamodb").delete_item(TableName=tables()[record["module"]], Key=serialize(key))
