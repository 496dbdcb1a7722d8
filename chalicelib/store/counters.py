"""Per-tenant counters (ticket, contact-order and sales-order numbers).

- the last number given:   GetItem  PK=T#<t>  SK=COUNTER#<name>   (consistent read)
- a number's owner:        PK=T#<t>  SK=<name>NUM#<n>  (written by the caller if it needs one)
"""

from __future__ import annotations

from chalicelib.domain.errors import Conflict
from chalicelib.store.dynamo import UnitOfWork, get_item
from chalicelib.store.tables import tenant_pk


class NumberTaken(Conflict):
    """Another create took the number first: the caller retries with the next one."""

    def __init__(self) -> None:
        super().__init__("The number was taken by a concurrent create.")


def last_number(table: str, tenant: str, counter: str) -> int | None:
    item = get_item(table, tenant_pk(tenant), f"COUNTER#{counter}", consistent=True)
    return int(item["last"]) if item else None


def claim_number(uow: UnitOfWork, table: str, tenant: str, counter: str, previous: int | None,
                 number: int) -> None:
    """Moves the counter from ``previous`` to ``number`` inside the caller's transaction: a
    concurrent create that read the same counter fails this condition."""
    key = {"PK": tenant_pk(tenant), "SK": f"COUNTER#{counter}"}
    if previous is None:
        uow.update(table, key, "SET #last = :n", condition="attribute_not_exists(PK)",
                   values={":n": number}, names={"#last": "last"}, error=NumberTaken)
    else:
        uow.update(table, key, "SET #last = :n", condition="#last = :prev",
                   values={":n": number, ":prev": previous}, names={"#last": "last"},
                   error=NumberTaken)
