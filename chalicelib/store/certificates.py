"""Certificates and network logos, in the ``networks`` table under their own prefixes.

Access patterns (every one a GetItem; no Query over them, no Scan):
- a certificate by its serial (verification):  GetItem  PK=T#<t>#CERT#<serial>  SK=CERT
  (created with a condition: a random serial drawn twice is drawn again)
- a subscription's certificates (head: the last issued, how far revoked):
                                               GetItem  PK=T#<t>#SUBCERT#<sub>  SK=HEAD
- a network's logo (its S3 key, type, size, state):
                                               GetItem  PK=T#<t>#NETLOGO#<net>  SK=LOGO
The issue and revoke events go to the subscription's history (``store/networks.py``) in the
same transaction as these writes.
"""

from __future__ import annotations

from chalicelib.domain.errors import Conflict
from chalicelib.store.dynamo import Item, UnitOfWork, get_item
from chalicelib.store.tables import scoped_pk

CERT = "CERT"
HEAD = "HEAD"
LOGO = "LOGO"
_KEYS = {"PK", "SK"}


def _strip(item: Item) -> Item:
    return {k: v for k, v in item.items() if k not in _KEYS}


class CertificateRaceLost(Conflict):
    """Another certificate of the tenant drew the same random serial, or another request
    issued or revoked this subscription's certificate first: read again and retry."""

    def __init__(self) -> None:
        super().__init__("Another request changed the certificate first; try again.")


class CertificatesRepository:
    def __init__(self, table: str) -> None:
        self.table = table

    # --- certificates -----------------------------------------------------------------
    def get_certificate(self, tenant: str, serial: str) -> Item | None:
        item = get_item(self.table, scoped_pk(tenant, "CERT", serial), CERT)
        return _strip(item) if item else None

    def create_certificate(self, uow: UnitOfWork, tenant: str, certificate: Item) -> None:
        uow.create(self.table, {"PK": scoped_pk(tenant, "CERT", certificate["serial"]),
                                "SK": CERT, **certificate}, CertificateRaceLost)

    def get_head(self, tenant: str, subscription_id: str,
                 consistent: bool = False) -> Item | None:
        item = get_item(self.table, scoped_pk(tenant, "SUBCERT", subscription_id), HEAD,
                        consistent=consistent)
        return _strip(item) if item else None

    def put_head(self, uow: UnitOfWork, tenant: str, head: Item, expected: int) -> None:
        """``head`` carries its next version; ``expected`` 0 means it must be new."""
        item = {"PK": scoped_pk(tenant, "SUBCERT", head["subscription_id"]), "SK": HEAD,
                **head}
        if expected == 0:
            uow.create(self.table, item, CertificateRaceLost)
        else:
            uow.replace(self.table, item, expected, CertificateRaceLost)

    # --- logos ------------------------------------------------------------------------
    def get_logo(self, tenant: str, network_id: str, consistent: bool = False) -> Item | None:
        item = get_item(self.table, scoped_pk(tenant, "NETLOGO", network_id), LOGO,
                        consistent=consistent)
        return _strip(item) if item else None

    def put_logo(self, uow: UnitOfWork, tenant: str, logo: Item,
                 expected_key: str | None) -> None:
        """A new logo replaces the one stored as ``expected_key`` (None: there was none);
        marking it uploaded names its own key, so a newer upload is never marked."""
        item = {"PK": scoped_pk(tenant, "NETLOGO", logo["network_id"]), "SK": LOGO, **logo}
        if expected_key is None:
            uow.create(self.table, item, lambda: Conflict("The logo was changed meanwhile."))
        else:
            uow.put(self.table, item, condition="#k = :k", values={":k": expected_key},
                    names={"#k": "key"},
                    error=lambda: Conflict("The logo was changed meanwhile."))
