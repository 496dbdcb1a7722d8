"""Lists read from one or more sorted key ranges ("streams") with bounded Queries.

A list that spans partitions (active and closed tickets; open and then closed contact
orders; bookings and orders in a to-do list) reads each partition with one Query per page
and either merges them by sort key or takes them one after another. The cursor holds each
stream's position (its last key, or ``done``), so a page costs at most one Query per
stream, however large the table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from chalicelib.store.dynamo import Item, Page, query

DONE = "done"


@dataclass(frozen=True)
class Filter:
    """Conditions DynamoDB applies while reading (still one bounded Query: a page may then
    hold fewer than ``limit`` items, with a cursor to the rest)."""

    expression: str | None = None
    values: dict[str, Any] | None = None
    names: dict[str, str] | None = None


def equals_filter(wanted: dict[str, str | None]) -> Filter:
    """``attribute = value`` for each entry; a None value means the attribute is absent."""
    clauses: list[str] = []
    values: dict[str, Any] = {}
    names: dict[str, str] = {}
    for number, (attribute, value) in enumerate(wanted.items()):
        names[f"#f{number}"] = attribute
        if value is None:
            clauses.append(f"attribute_not_exists(#f{number})")
        else:
            clauses.append(f"#f{number} = :f{number}")
            values[f":f{number}"] = value
    return Filter(" AND ".join(clauses) or None, values or None, names or None)


@dataclass(frozen=True)
class Stream:
    """One key range: ``pk_name = pk`` on an index (or the table), sorted by ``sk_name``."""

    index: str | None
    pk_name: str
    sk_name: str
    pk: str
    # An extra sort-key condition, e.g. ``("{sk} > :after", {":after": "..."})``.
    range: tuple[str, dict[str, Any]] | None = None
    filter: Filter = field(default_factory=Filter)
    # A second sort key for the merge when sort keys of two streams mean different things.
    merge_key: str | None = None


def _key_of(item: Item, stream: Stream) -> Item:
    key = {"PK": item["PK"], "SK": item["SK"]}
    if stream.index:
        key |= {stream.pk_name: item[stream.pk_name], stream.sk_name: item[stream.sk_name]}
    return key


def _read(table: str, stream: Stream, limit: int, position: str | None,
          newest_first: bool) -> Page:
    condition = f"{stream.pk_name} = :pk"
    values: dict[str, Any] = {":pk": stream.pk}
    if stream.range:
        text, range_values = stream.range
        condition += " AND " + text.format(sk=stream.sk_name)
        values |= range_values
    return query(table, condition, {**values, **(stream.filter.values or {})},
                 index=stream.index, limit=limit, newest_first=newest_first,
                 start_key=json.loads(position) if position else None,
                 names=stream.filter.names, filter_expression=stream.filter.expression)


def merged(table: str, streams: list[Stream], limit: int, positions: dict[str, str],
           newest_first: bool) -> tuple[list[Item], dict[str, str] | None]:
    """The first ``limit`` items of all streams in one sort order (one Query each)."""
    read: list[tuple[int, Page]] = []
    for number, stream in enumerate(streams):
        position = positions.get(str(number))
        if position != DONE:
            read.append((number, _read(table, stream, limit, position, newest_first)))

    def sort_key(entry: tuple[int, Item]) -> str:
        number, item = entry
        stream = streams[number]
        return str(item[stream.merge_key or stream.sk_name])

    tagged = sorted(((n, item) for n, page in read for item in page.items), key=sort_key,
                    reverse=newest_first)
    # A stream that has more (a filter can stop its page short of ``limit``) may hold items
    # that sort before another stream's later ones: take nothing past where it stopped.
    frontiers = [str(page.last_key[streams[n].sk_name]) for n, page in read if page.last_key]
    if frontiers:
        bound = max(frontiers) if newest_first else min(frontiers)
        tagged = [(n, item) for n, item in tagged
                  if (sort_key((n, item)) >= bound if newest_first
                      else sort_key((n, item)) <= bound)]
    taken = tagged[:limit]
    following = dict(positions)
    for number, page in read:
        mine = [item for n, item in taken if n == number]
        if len(mine) == len(page.items):
            following[str(number)] = json.dumps(page.last_key) if page.last_key else DONE
        elif mine:
            following[str(number)] = json.dumps(_key_of(mine[-1], streams[number]))
    finished = all(following.get(str(n)) == DONE for n in range(len(streams)))
    return [item for _, item in taken], None if finished else following


def chained(table: str, streams: list[Stream], limit: int, positions: dict[str, str],
            newest_first: bool = False) -> tuple[list[Item], dict[str, str] | None]:
    """The streams one after another (e.g. every open order before any closed one): a page
    reads on into the next stream when one ends, so at most one Query per stream."""
    items: list[Item] = []
    following = dict(positions)
    for number, stream in enumerate(streams):
        position = positions.get(str(number))
        if position == DONE:
            continue
        page = _read(table, stream, limit - len(items), position, newest_first)
        items += page.items
        following[str(number)] = json.dumps(page.last_key) if page.last_key else DONE
        if page.last_key or len(items) >= limit:
            # This stream may hold more (a filter can make a page short): the next stream
            # starts only once this one is read to its end.
            break
    finished = all(following.get(str(n)) == DONE for n in range(len(streams)))
    return items, None if finished else following
