"""Client cases' items in the ``directory`` table (seed 003, issue 19).

Access patterns (every one a GetItem or a Query; no Scan):
- the module's activation:        GetItem  PK=T#<t>  SK=CLIENTCASES
"""

from __future__ import annotations

from chalicelib.config import get_config
from chalicelib.store.dynamo import Item, UnitOfWork, get_item
from chalicelib.store.tables import tenant_pk

MODULE = "CLIENTCASES"


def get_module(tenant: str) -> Item | None:
    return get_item(get_config().directory_table, tenant_pk(tenant), MODULE)


def put_module(uow: UnitOfWork, tenant: str, state: Item) -> None:
    uow.put(get_config().directory_table, {"PK": tenant_pk(tenant), "SK": MODULE, **state})
