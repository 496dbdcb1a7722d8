"""Table names and the one key grammar of the whole app.

Every partition key starts with the tenant: ``T#<tenant>#...``. Isolation is a
property of the key, so a query can never reach another tenant's items.

Shape shared by the module tables (``directory``, ``tickets``, ``contact_orders``,
``networks``, ``help``), all defined in ``infra/resources.yaml``:

- ``PK``/``SK`` (strings): the item's key.
- ``GSI1``..``GSI<n>`` (``GSI<n>PK``/``GSI<n>SK``, strings): overloaded secondary
  indexes; each repository lists at its top what it puts in which. How many a table has:
  ``directory``, ``networks`` and ``help`` GSI1-GSI2; ``tickets`` GSI1-GSI6 (GSI3-GSI6 are ticket
  lists that project only what a list shows); ``contact_orders`` GSI1-GSI8 (the most a
  table has). The others project ALL.
- ``due`` (``due_shard``/``due_at``, on tickets, contact_orders, networks, help): the sparse
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
