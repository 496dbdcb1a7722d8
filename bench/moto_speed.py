"""Shortcuts through moto (5.2.5) that make a 100,000-ticket tenant measurable in minutes.

None changes what the app sends or what moto answers. The bench counts calls and items on
the client side (botocore's events), and ``BENCH_PLAIN_MOTO=1`` runs it with none of them,
for checking that the figures are the same. With ``BENCH_TICKET_SIZES=1000,10000`` they
were, item for item (the run took 12 minutes, ~200 s for each ``POST /tickets`` at 10,000
tickets); at 100,000 tickets each ``POST /tickets`` would take about half an hour.

1. ``fast_put``: an item stored the way ``Table.put_item`` stores it (an ``Item`` of
   ``DynamoType`` attributes under ``items[hash][range]``), without moto's per-attribute
   item-size check, which re-measures the whole item for every attribute (quadratic) and is
   most of a put's cost. It builds the item the way moto copies one (``Item.__deepcopy__``).
   Only for items the app's own code built (see bench/tickets.py); the first tenant size is
   written through ``put_item`` with every check.

2. Cheap rollback snapshots: ``TransactWriteItems`` deep-copies the whole table once per
   item of the transaction (a ticket create holds ~25), only to have a copy to put back if
   the transaction fails: with 100,000 tickets (~3 million items) ~40 s a copy, a quarter
   of an hour per ``POST /tickets``. Here the copy shares the partitions the transaction
   does not name and deep-copies the items it does: putting it back after a failure gives
   the same table as moto's full copy, since a transaction changes only the items it names.

3. Sorting the table by key once per item, not per comparison: moto answers every Query by
   listing the whole table sorted by (hash key, range key) (``Table.all_items``), comparing
   ``DynamoType`` objects that work out their Python value on each comparison; that sort
   is most of a Query's time. The replacement sorts the same items by the same values
   (``cast_value``, which is what ``DynamoType`` compares), so the order is the same; the
   bench checks that it is, item for item, on the tickets table (``same_order``).
"""

from __future__ import annotations

import contextlib
import copy
import os
from collections.abc import Iterator
from typing import Any

ON = os.environ.get("BENCH_PLAIN_MOTO") != "1"


def fast_put(table: Any, attrs: dict[str, Any]) -> None:
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict

    item = Item.__new__(Item)
    item.hash_key = DynamoType(attrs[table.hash_key_attr])
    item.range_key = DynamoType(attrs[table.range_key_attr]) if table.range_key_attr else None
    stored = LimitedSizeDict.__new__(LimitedSizeDict)
    dict.__init__(stored)
    for name, value in attrs.items():
        dict.__setitem__(stored, name, DynamoType(value))
    item.attrs = stored
    if item.range_key is None:
        table.items[item.hash_key] = item
    else:
        table.items[item.hash_key][item.range_key] = item


# --- 2. rollback snapshots -----------------------------------------------------------------


def _touched(backend: Any, transact_items: list[dict[str, Any]]) -> dict[str, set[Any]]:
    """table name -> the (hash, range) keys a transaction names."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    found: dict[str, set[Any]] = {}
    for entry in transact_items:
        _, op = next(iter(entry.items()))
        table = backend.tables.get(op.get("TableName"))
        if table is None:
            continue
        key = op.get("Key") or op.get("Item") or {}
        if table.hash_key_attr not in key:
            continue
        hash_key = DynamoType(key[table.hash_key_attr])
        range_key = (DynamoType(key[table.range_key_attr])
                     if table.range_key_attr and table.range_key_attr in key else None)
        found.setdefault(table.name, set()).add((hash_key, range_key))
    return found


def _snapshot(table: Any, keys: set[Any]) -> Any:
    snap = copy.copy(table)
    snap.items = copy.copy(table.items)  # a new outer dict; untouched partitions shared
    for hash_key, range_key in keys:
        partition = table.items.get(hash_key)  # .get: never adds a partition to the table
        if partition is None:
            continue
        if table.range_key_attr is None:
            snap.items[hash_key] = copy.deepcopy(partition)
            continue
        mine = dict(partition)
        if range_key in partition:
            mine[range_key] = copy.deepcopy(partition[range_key])
        snap.items[hash_key] = mine
    return snap


class _CopyModule:
    """Stands in for ``copy`` inside ``moto.dynamodb.models`` during one transaction."""

    def __init__(self, keys: dict[str, set[Any]]) -> None:
        self._keys = keys

    def deepcopy(self, value: Any, memo: Any = None) -> Any:
        from moto.dynamodb.models.table import Table

        if isinstance(value, Table):
            return _snapshot(value, self._keys.get(value.name, set()))
        return copy.deepcopy(value, memo)

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


# --- 3. the key sort ------------------------------------------------------------------------


def _value(key: Any) -> Any:
    """``DynamoType.cast_value``, which for a string is its ``value``."""
    return key.value if key.type == "S" else key.cast_value


def _all_items_sorted_once(self: Any) -> list[Any]:
    items: list[Any] = []
    for hash_set in self.items.values():
        if self.range_key_attr:
            items.extend(hash_set.values())
        else:
            items.append(hash_set)
    if self.range_key_attr:
        return sorted(items, key=lambda x: (_value(x.hash_key), _value(x.range_key)))
    return sorted(items, key=lambda x: _value(x.hash_key))


def same_order(table: Any, original: Any = None) -> bool:
    """Whether the replacement lists ``table`` exactly as moto's own ``all_items``."""
    from moto.dynamodb.models.table import Table

    mine = _all_items_sorted_once(table)
    theirs = (original or Table.all_items)(table)
    return len(mine) == len(theirs) and all(a is b for a, b in zip(mine, theirs, strict=True))


@contextlib.contextmanager
def faster_moto() -> Iterator[Any]:
    """Shortcuts 2 and 3 while inside; yields moto's own ``all_items`` (for ``same_order``),
    or None when ``BENCH_PLAIN_MOTO=1``."""
    if not ON:
        yield None
        return
    import moto.dynamodb.models as models
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

    original_transact, original_all_items = DynamoDBBackend.transact_write_items, Table.all_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> Any:
        models.copy = _CopyModule(_touched(self, transact_items))  # type: ignore[assignment]
        try:
            return original_transact(self, transact_items)
        finally:
            models.copy = copy  # type: ignore[assignment]

    # Keeps the lock of local.moto_fidelity (it wraps the original) and its marker.
    transact_write_items.__helpdesk_atomic__ = getattr(  # type: ignore[attr-defined]
        original_transact, "__helpdesk_atomic__", False)
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    Table.all_items = _all_items_sorted_once  # type: ignore[method-assign]
    try:
        yield original_all_items
    finally:
        DynamoDBBackend.transact_write_items = original_transact  # type: ignore[method-assign]
        Table.all_items = original_all_items  # type: ignore[method-assign]
