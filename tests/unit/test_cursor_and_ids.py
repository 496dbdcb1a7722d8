from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.ids import new_ulid
from chalicelib.store.cursor import decode_cursor, encode_cursor

SECRET = "s" * 32
KEY = {"PK": "T#demo", "SK": "USER#abc"}


def test_a_cursor_round_trips_within_its_scope() -> None:
    cursor = encode_cursor(SECRET, "demo|users", KEY)
    assert cursor is not None
    assert decode_cursor(SECRET, "demo|users", cursor) == KEY


def test_a_cursor_keeps_its_wire_format() -> None:
    """Cursors handed out before a release still work after it: the same bytes."""
    pinned = "eyJQSyI6IlQjZGVtbyIsIlNLIjoiVVNFUiNhYmMifQ.xB_9obhRi2r7dL2OqubRQCJqtk0"
    assert encode_cursor(SECRET, "demo|users", KEY) == pinned
    assert decode_cursor(SECRET, "demo|users", pinned) == KEY


def test_no_last_key_means_no_cursor() -> None:
    assert encode_cursor(SECRET, "demo|users", None) is None
    assert decode_cursor(SECRET, "demo|users", None) is None


@pytest.mark.parametrize(
    "forge",
    [
        lambda c: c[:-2] + ("AA" if not c.endswith("AA") else "BB"),  # altered signature
        lambda c: "x" + c,  # altered payload
        lambda c: "not-a-cursor",
        lambda c: "a.b.c",
        lambda c: ".j\u009e",  # a non-ASCII signature (make fuzz found the 500 it gave)
        lambda c: c.split(".")[0] + ".ä" + c.split(".")[1][1:],
        lambda c: "",  # empty means "first page", handled separately below
    ],
)
def test_altered_cursors_are_refused(forge) -> None:  # type: ignore[no-untyped-def]
    cursor = encode_cursor(SECRET, "demo|users", KEY)
    assert cursor is not None
    forged = forge(cursor)
    if not forged:
        assert decode_cursor(SECRET, "demo|users", forged) is None
        return
    with pytest.raises(InvalidInput) as caught:
        decode_cursor(SECRET, "demo|users", forged)
    assert caught.value.errors[0].loc == ("query", "cursor")


def test_a_cursor_from_another_tenant_or_list_is_refused() -> None:
    cursor = encode_cursor(SECRET, "demo|users", KEY)
    for scope in ("other|users", "demo|organizations"):
        with pytest.raises(InvalidInput):
            decode_cursor(SECRET, scope, cursor)
    with pytest.raises(InvalidInput):
        decode_cursor("another-secret-entirely-0123456789", "demo|users", cursor)


def test_ulids_sort_by_time_and_are_unique() -> None:
    start = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
    ids = [new_ulid(start + timedelta(milliseconds=i)) for i in range(50)]
    assert ids == sorted(ids)
    assert len(set(ids)) == 50
    assert len(ids[0]) == 26
    same_moment = {new_ulid(start) for _ in range(100)}
    assert len(same_moment) == 100


def test_ulids_made_in_the_same_millisecond_keep_their_order() -> None:
    moment = datetime(2026, 11, 22, 9, 30, 0, 123000, tzinfo=UTC)
    ids = [new_ulid(moment) for _ in range(200)]
    assert ids == sorted(ids) and len(set(ids)) == 200
    earlier = new_ulid(moment - timedelta(days=1))
    assert earlier < ids[0]  # a time given by the caller is kept, not bent to the last one
