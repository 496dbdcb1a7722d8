"""Table names and the one key grammar of the whole app.

Every partition key starts with the tenant: ``T#<tenant>#...``. Isolation is a
property of the key, so a query can never reach another tenant's items.

Shape shared by the module tables (``directory``, ``tickets``, ``contact_orders``,
``networks``), all defined in ``infra/resources.yaml``:

- ``PK``/``SK`` (strings): the item's key.
- ``GSI1`` (``GSI1PK``/``GSI1SK``) and ``GSI2`` (``GSI2PK``/``GSI2SK``): overloaded
  secondary indexes, projection ALL; each repository lists what it puts there.
- ``due`` (``due_shard``/``due_at``, on tickets, contact_orders, networks): the sparse
  index of scheduled work; an item carries these two attributes only while work is due.
- ``expires_at`` (epoch seconds): the TTL attribute.

``idempotency`` has only ``PK`` and the TTL ``expires_at``.
"""

from __future__ import annotations

from chalicelib.config import get_config

GSI1 = "GSI1"
GSI2 = "GSI2"
DUE_INDEX = "due"


def directory_table() -> str:
    return get_config().directory_table


def idempotency_table() -> str:
    return get_config().idempotency_table


def tenant_pk(tenant: str) -> str:
    return f"T#{tenant}"


def scoped_pk(tenant: str, *parts: str) -> str:
    """``T#<tenant>#A#B``: a partition below the tenant."""
    return "#".join([tenant_pk(tenant), *parts])
