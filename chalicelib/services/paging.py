"""What a list use case hands the API: a ``Page`` of items with the key it stopped at,
and the signed cursor that carries that position to the client and back
(``store/cursor.py``), signed with the server's secret."""

from __future__ import annotations

from typing import Any

from chalicelib.config import get_config
from chalicelib.store.cursor import decode_cursor, encode_cursor
from chalicelib.store.dynamo import Page

__all__ = ["Page", "cursor_after", "position_of"]


def position_of(scope: str, cursor: str | None) -> dict[str, Any] | None:
    """Where the list ``scope`` goes on, as the client's cursor says (None: from the
    start); a cursor of another list, or an altered one, is a 400."""
    return decode_cursor(get_config().secret, scope, cursor)


def cursor_after(scope: str, last_key: dict[str, Any] | None) -> str | None:
    """The cursor of the page after the one that stopped at ``last_key`` (None: no more)."""
    return encode_cursor(get_config().secret, scope, last_key)
