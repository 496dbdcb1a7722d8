"""Where moto is less strict than AWS in a way our guarantees depend on, make it as strict.

DynamoDB applies each write, and each transaction, atomically: a conditional write is
checked and applied as one step. moto checks and applies in Python with no lock, so two
threads (the threaded local server, or a concurrency test) can both pass a condition that
only one should. One lock around moto's DynamoDB writes restores the guarantee; it changes
nothing for a single thread.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

_LOCK = threading.RLock()
_WRITES = ("put_item", "update_item", "delete_item", "transact_write_items",
           "batch_write_item")


def _atomic(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with _LOCK:
            return method(*args, **kwargs)

    locked.__helpdesk_atomic__ = True  # type: ignore[attr-defined]
    return locked


def make_dynamodb_writes_atomic() -> None:
    """Idempotent: patching twice wraps once."""
    from moto.dynamodb.models import DynamoDBBackend

    for name in _WRITES:
        method = getattr(DynamoDBBackend, name, None)
        if method is not None and not getattr(method, "__helpdesk_atomic__", False):
            setattr(DynamoDBBackend, name, _atomic(method))
