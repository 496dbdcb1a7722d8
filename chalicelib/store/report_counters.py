"""Report counters (issue 23) in the ``tickets`` table: what the tickets' changes added,
per tenant, dimension and local day, and again per month.

Access patterns (every one a Query; no Scan):
- a dimension's days, from one day to another:
        Query  PK=T#<t>#REPORT#<dimension>  SK BETWEEN D#<from># AND D#<to>#~
- a dimension's months (a backlog's opening count is the sum of the months before):
        Query  PK=T#<t>#REPORT#<dimension>  SK BETWEEN M#<from># AND M#<to>#~
- a breakdown by a kind (every type, channel, organisation or agent): whole months
  (M#<month>#<n>) and the days around them (D#<day>#<n>) in a range:
        Query  PK=T#<t>#REPORTBY#<kind>  SK BETWEEN M#<from># AND M#<to>#~ (and D#...)
        (attributes ``<value>~<measure>``; ``D#<day>#<n>`` with ``n`` from the value,
        ``BREAKDOWN_SHARDS`` of them)
``<dimension>`` is ``all``, ``type#<id>``, ``channel#<c>``, ``org#<id>`` or
``agent#<user or none>`` (``domain/report_counters.py``). Each day and month is split in
``SHARDS`` items (``D#<day>#<n>``, ``n`` from the ticket's id): DynamoDB cancels a
transaction that meets another on the same item, so a busy tenant's changes at the same
moment should rarely touch the same counter; a read sums the shards.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from chalicelib.domain.errors import DomainError
from chalicelib.domain.report_counters import CounterChange
from chalicelib.store.dynamo import Item, UnitOfWork, batch_write, query
from chalicelib.store.schedule import due_attributes
from chalicelib.store.tables import scoped_pk

SHARDS = 4
BREAKDOWN_SHARDS = 32
DAY, MONTH = "D", "M"


def _pk(tenant: str, dimension: str) -> str:
    return scoped_pk(tenant, "REPORT", dimension)


def shard_of(ticket_id: str) -> int:
    return zlib.crc32(ticket_id.encode()) % SHARDS


def breakdown_shard(value: str) -> int:
    """A breakdown's day is split by the value (an organisation, an agent), so one item
    holds about 1/``BREAKDOWN_SHARDS`` of the values seen that day: a tenant with
    thousands of active customers a day stays far below DynamoDB's 400 KB an item."""
    return zlib.crc32(value.encode()) % BREAKDOWN_SHARDS


def _add_expression(add: dict[str, float]) -> tuple[str, dict[str, str], dict[str, Any]]:
    names = {f"#m{i}": name for i, name in enumerate(add)}
    values = {f":v{i}": Decimal(str(value)) for i, value in enumerate(add.values())}
    return "ADD " + ", ".join(f"#m{i} :v{i}" for i in range(len(add))), names, values


def counted_items(tenant: str, change: CounterChange,
                  ticket_id: str) -> list[tuple[tuple[str, str], dict[str, float]]]:
    """The counter items a change adds to, by key ``(PK, SK)``, with what it adds: its
    day and its month in every one of its dimensions and in each breakdown."""
    shard = shard_of(ticket_id)
    day = change.day.isoformat()
    found: list[tuple[tuple[str, str], dict[str, float]]] = []
    for dimension in change.dimensions:
        for sk in (f"{DAY}#{day}#{shard}", f"{MONTH}#{day[:7]}#{shard}"):
            found.append(((_pk(tenant, dimension), sk), change.add))
    for kind, counts in change.breakdown().items():
        shard = breakdown_shard(next(name.partition("~")[0] for name in counts))
        for sk in (f"{DAY}#{day}#{shard}", f"{MONTH}#{day[:7]}#{shard}"):
            found.append(((scoped_pk(tenant, "REPORTBY", kind), sk), counts))
    return found


def add(uow: UnitOfWork, table: str, tenant: str, change: CounterChange, ticket_id: str) -> None:
    """What the change counts added to its items, in the caller's transaction."""
    for (pk, sk), counts in counted_items(tenant, change, ticket_id):
        expression, names, values = _add_expression(counts)
        uow.update(table, {"PK": pk, "SK": sk}, expression, names=names, values=values)


def replace_items(table: str, items: dict[tuple[str, str], dict[str, float]],
                  stale: list[tuple[str, str]]) -> None:
    """The backfill's rebuild: each item written whole, and the stale ones deleted
    (BatchWriteItem, 25 at a time)."""
    puts = [{"PutRequest": {"Item": {"PK": pk, "SK": sk, **{
        k: Decimal(str(round(v, 6))) for k, v in counts.items()}}}}
        for (pk, sk), counts in items.items()]
    deletes = [{"DeleteRequest": {"Key": {"PK": pk, "SK": sk}}} for pk, sk in stale]
    batch_write(table, puts + deletes)


def _items(table: str, tenant: str, dimension: str, kind: str, start: str,
           end: str, pk: str | None = None) -> Iterator[Item]:
    key: dict[str, Any] | None = None
    while True:
        page = query(table, "PK = :pk AND SK BETWEEN :a AND :b",
                     {":pk": pk or _pk(tenant, dimension), ":a": f"{kind}#{start}#",
                      ":b": f"{kind}#{end}#~"}, limit=1000, start_key=key)
        yield from page.items
        if not page.last_key:
            return
        key = page.last_key


def _summed(items: Iterator[Item]) -> dict[str, dict[str, float]]:
    """Shards summed: period (day or month) -> measure -> value."""
    totals: dict[str, dict[str, float]] = {}
    for item in items:
        period = item["SK"].split("#")[1]
        into = totals.setdefault(period, {})
        for name, value in item.items():
            if name not in ("PK", "SK"):
                into[name] = into.get(name, 0) + float(value)
    return totals


def days(table: str, tenant: str, dimension: str, start: date,
         end: date) -> list[tuple[date, dict[str, float]]]:
    """Each day from ``start`` to ``end`` that has counts (at most a shard item per day)."""
    totals = _summed(_items(table, tenant, dimension, DAY, start.isoformat(), end.isoformat()))
    return [(date.fromisoformat(day), counts) for day, counts in sorted(totals.items())]


def months(table: str, tenant: str, dimension: str, start: str,
           end: str) -> dict[str, dict[str, float]]:
    """Each month (``yyyy-mm``) from ``start`` to ``end`` that has counts."""
    return _summed(_items(table, tenant, dimension, MONTH, start, end))


def breakdown(table: str, tenant: str, kind: str, start: date,
              end: date) -> dict[str, dict[str, float]]:
    """Value -> measure -> total over the days from ``start`` to ``end``: the whole months
    inside the range from their month items (a month is ``BREAKDOWN_SHARDS`` items, not
    thirty times that), the days before and after them from their day items."""
    pk = scoped_pk(tenant, "REPORTBY", kind)
    first_month = start if start.day == 1 else _next_month(start)
    after_last = _next_month(end) if _next_month(end) - timedelta(days=1) == end else \
        end.replace(day=1)
    parts: list[Iterator[Item]] = []
    if first_month < after_last:
        last_month = after_last - timedelta(days=1)
        parts.append(_items(table, tenant, "", MONTH, first_month.isoformat()[:7],
                            last_month.isoformat()[:7], pk=pk))
        if start < first_month:
            parts.append(_items(table, tenant, "", DAY, start.isoformat(),
                                (first_month - timedelta(days=1)).isoformat(), pk=pk))
        if after_last <= end:
            parts.append(_items(table, tenant, "", DAY, after_last.isoformat(),
                                end.isoformat(), pk=pk))
    else:
        parts.append(_items(table, tenant, "", DAY, start.isoformat(), end.isoformat(), pk=pk))
    totals: dict[str, dict[str, float]] = {}
    for part in parts:
        for item in part:
            for name, amount in item.items():
                value, sep, measure = name.rpartition("~")
                if sep:
                    into = totals.setdefault(value, {})
                    into[measure] = into.get(measure, 0) + float(amount)
    return totals


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def existing_keys(table: str, pk: str) -> list[tuple[str, str]]:
    """The keys of every counter item of a partition (the backfill deletes the stale)."""
    return [(pk, item["SK"]) for kind in (DAY, MONTH)
            for item in _items(table, "", "", kind, "0000", "9999", pk=pk)]


# --- the weekly summary's timer (issue 23, item 5) ----------------------------------------
# One item per tenant, in the ``due`` index while the summary is on:
#     PK=T#<t>#REPORT#SUMMARY  SK=WEEKLY  (due_shard weekly_summary#<n>, due_at)
SUMMARY_KIND = "weekly_summary"


def _summary_key(tenant: str) -> Item:
    return {"PK": _pk(tenant, "SUMMARY"), "SK": "WEEKLY"}


def schedule_summary(uow: UnitOfWork, table: str, tenant: str, due_at: str) -> None:
    key = _summary_key(tenant)
    uow.put(table, {**key, "tenant": tenant,
                    **due_attributes(SUMMARY_KIND, f"{key['PK']}|WEEKLY", due_at)})


def stop_summary(uow: UnitOfWork, table: str, tenant: str) -> None:
    uow.delete(table, _summary_key(tenant))


def move_summary(uow: UnitOfWork, table: str, tenant: str, was_due: str,
                 next_due: str, error: Callable[[], DomainError]) -> None:
    """The summary's next Monday, only if nobody sent this one already (a second sweep
    of the same moment finds the due time moved and sends nothing)."""
    key = _summary_key(tenant)
    uow.update(table, key, "SET due_at = :next", condition="due_at = :was",
               values={":next": next_due, ":was": was_due}, error=error)
