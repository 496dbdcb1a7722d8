"""Lists over several key ranges (store/streams.py) on moto: merged in one order or chained
one after another, with filters that make pages short, paged to the end without a repeat
and without an item out of order."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.config import get_config
from chalicelib.store.clients import client
from chalicelib.store.dynamo import serialize
from chalicelib.store.streams import Stream, chained, equals_filter, merged
from local.bootstrap import LocalResources

# The run's shared resources; the items below are under keys of this module's own.
TENANTS: tuple[()] = ()


@pytest.fixture(scope="module")
def table(local_resources: LocalResources) -> str:
    name = get_config().tickets_table
    ddb = client("dynamodb")
    # Two partitions, interleaved sort keys; every third item is "red".
    for n in range(60):
        part = "A" if n % 2 else "B"
        ddb.put_item(TableName=name, Item=serialize({
            "PK": f"T#streams#{part}", "SK": f"{n:04d}",
            "colour": "red" if n % 3 == 0 else "blue"}))
    return name


def _walk(read: Any, table: str, streams: list[Stream], limit: int, **kwargs: Any) -> list[str]:
    seen: list[str] = []
    positions: dict[str, str] | None = {}
    for _ in range(200):
        items, positions = read(table, streams, limit, positions or {}, **kwargs)
        seen += [i["SK"] for i in items]
        if positions is None:
            return seen
    raise AssertionError("the cursor never ended")


def _streams(colour: str | None = None) -> list[Stream]:
    wanted = equals_filter({"colour": colour} if colour else {})
    return [Stream(None, "PK", "SK", f"T#streams#{p}", None, wanted) for p in ("A", "B")]


@pytest.mark.parametrize("limit", [1, 4, 7, 25, 100])
@pytest.mark.parametrize("colour", [None, "red"])
def test_merged_pages_keep_one_order(table: str, limit: int, colour: str | None) -> None:
    expected = [f"{n:04d}" for n in range(60) if colour is None or n % 3 == 0]
    assert _walk(merged, table, _streams(colour), limit, newest_first=True) == expected[::-1]
    assert _walk(merged, table, _streams(colour), limit, newest_first=False) == expected


@pytest.mark.parametrize("limit", [1, 4, 7, 25, 100])
@pytest.mark.parametrize("colour", [None, "red"])
def test_chained_pages_finish_one_range_before_the_next(table: str, limit: int,
                                                        colour: str | None) -> None:
    wanted = [n for n in range(60) if colour is None or n % 3 == 0]
    expected = [f"{n:04d}" for n in wanted if n % 2] + [f"{n:04d}" for n in wanted if not n % 2]
    assert _walk(chained, table, _streams(colour), limit) == expected


def test_a_filtered_dense_range_merges_in_order_with_a_sparse_one(table: str) -> None:
    """The filtered stream reads few matches per page while the other stream's page
    reaches far: nothing may be taken past where the filtered stream stopped."""
    ddb = client("dynamodb")
    for n in range(60):
        ddb.put_item(TableName=table, Item=serialize({
            "PK": "T#streams#dense", "SK": f"{n:04d}",
            "colour": "red" if n % 3 == 0 else "blue"}))
    for n in range(5, 60, 10):
        ddb.put_item(TableName=table, Item=serialize({
            "PK": "T#streams#sparse", "SK": f"{n:04d}x", "colour": "blue"}))
    streams = [Stream(None, "PK", "SK", "T#streams#dense", None, equals_filter({"colour": "red"})),
               Stream(None, "PK", "SK", "T#streams#sparse")]
    expected = sorted([f"{n:04d}" for n in range(0, 60, 3)] +
                      [f"{n:04d}x" for n in range(5, 60, 10)])
    for limit in (2, 4, 5):
        assert _walk(merged, table, streams, limit, newest_first=True) == expected[::-1], limit
        assert _walk(merged, table, streams, limit, newest_first=False) == expected, limit
