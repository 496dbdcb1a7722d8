"""Publishing a change's history events as notification events (the outbox).

The record is the history event itself plus where it happened; the consumer reads the
rest (the ticket, its people) when it handles the message, so a record stays small and
the rules of who hears what live in one place (``domain/notifications.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from chalicelib.store import outbox
from chalicelib.store.dynamo import Item, UnitOfWork


def publish(uow: UnitOfWork, table: str, tenant: str, module: str, subject_id: str,
            events: list[Item], notifiable: Iterable[str]) -> None:
    """Adds an outbox record for each event of ``events`` whose type may notify someone."""
    wanted = frozenset(notifiable)
    siblings = [e["type"] for e in events]
    for event in events:
        if event["type"] in wanted:
            outbox.add(uow, table, tenant, outbox_record(tenant, module, subject_id, event,
                                                         siblings))


def outbox_record(tenant: str, module: str, subject_id: str, event: Item,
                  siblings: list[str]) -> dict[str, Any]:
    return {
        "id": event["id"], "at": event["at"], "tenant": tenant, "module": module,
        "subject_id": subject_id, "siblings": siblings,
        "event": {k: event.get(k) for k in ("id", "type", "at", "actor", "actor_name", "data",
                                             "internal")},
    }
