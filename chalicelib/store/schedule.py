"""The sparse ``due`` index: scheduled work, found by what is due and nothing else.

An item waits in the index while it carries ``due_shard`` and ``due_at``; doing the work
removes them (or the item), so a sweep never reads work that is done. The shard is
``<kind>#<n>`` with ``n`` from a hash of the item's key (``SHARDS`` per kind), and a sweep
asks each shard for ``due_at <= now``: it reads the due items, however large the table.

Why not shards by hour: a sweep would then need a checkpoint of the hours it has read,
and work written later into an hour already read (a backdated due time, a clock ahead
in a test, a sweep that ran late) would be missed for good. A range on ``due_at`` inside
a fixed set of shards has no such gap, and ``SHARDS`` spreads the writes.

Ticket timers are items of their own (``PK=T#<t>#TICKET#<id>``, ``SK=TIMER#<kind>``),
because one ticket may wait for several things at once (an approval reminder and two
SLA targets); bookings and outbox records carry the attributes themselves.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Any

from chalicelib.store.dynamo import Item, UnitOfWork, query
from chalicelib.store.tables import DUE_INDEX, scoped_pk

SHARDS = 4


def shard_of(kind: str, key: str) -> str:
    return f"{kind}#{zlib.crc32(key.encode()) % SHARDS}"


def due_attributes(kind: str, key: str, due_at: str) -> Item:
    """What an item carries while it waits in the ``due`` index."""
    return {"due_shard": shard_of(kind, key), "due_at": due_at}


def due_items(table: str, kind: str, now: str, page_size: int = 100) -> Iterator[Item]:
    """Every item of ``kind`` due at ``now``, oldest due first per shard, page by page.
    The caller stops when it has no time left; what it did not reach stays due."""
    for shard in range(SHARDS):
        start: dict[str, Any] | None = None
        while True:
            page = query(table, "due_shard = :s AND due_at <= :now",
                         {":s": f"{kind}#{shard}", ":now": now}, index=DUE_INDEX,
                         limit=page_size, start_key=start)
            yield from page.items
            if not page.last_key:
                break
            start = page.last_key


def timer_pk(tenant: str, parent_kind: str, parent_id: str) -> str:
    return scoped_pk(tenant, parent_kind, parent_id)


def put_timer(uow: UnitOfWork, table: str, tenant: str, parent_kind: str, parent_id: str,
              kind: str, due_at: str) -> None:
    pk = timer_pk(tenant, parent_kind, parent_id)
    uow.put(table, {"PK": pk, "SK": f"TIMER#{kind}", "tenant": tenant, "kind": kind,
                    "parent_id": parent_id, **due_attributes(kind, pk, due_at)})


def delete_timer(uow: UnitOfWork, table: str, tenant: str, parent_kind: str, parent_id: str,
                 kind: str) -> None:
    uow.delete(table, {"PK": timer_pk(tenant, parent_kind, parent_id), "SK": f"TIMER#{kind}"})


def sync_timers(uow: UnitOfWork, table: str, tenant: str, parent_kind: str, parent_id: str,
                before: dict[str, str], after: dict[str, str]) -> None:
    """Writes only the timers that changed: new or moved ones are put, gone ones deleted."""
    for kind in sorted(before.keys() | after.keys()):
        if kind not in after:
            delete_timer(uow, table, tenant, parent_kind, parent_id, kind)
        elif before.get(kind) != after[kind]:
            put_timer(uow, table, tenant, parent_kind, parent_id, kind, after[kind])
