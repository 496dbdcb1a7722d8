"""The status page's items in the ``help`` table: incidents with their updates, staff's
own components, and the e-mail subscribers of a tenant.

Access patterns (every one a GetItem or a Query; no Scan):
- an incident (its updates inside, at most 100):
                                      GetItem  PK=T#<t>#INCIDENT#<id>  SK=INCIDENT
- its history:                        Query    PK=T#<t>#INCIDENT#<id>  SK begins_with EVENT#
- incidents by start, newest first, from a moment (the page's 90 days, at most 100):
                                      GSI1     T#<t>#INCIDENTS  >= <started_at>#
- the open incidents (sparse: only while open; at most 100):
                                      GSI2     T#<t>#INCIDENTS#open  <started_at>#<id>
- staff's own components (one item, versioned):
                                      GetItem  PK=T#<t>#STATUSCOMPONENTS  SK=COMPONENTS
- a subscriber by address (the key is an HMAC digest of the address, so the key never
  shows it):                          GetItem  PK=T#<t>#STATUSSUB#<digest>  SK=SUBSCRIBER
- the confirmed subscribers (sparse: only once confirmed), by address, paged:
                                      GSI1     T#<t>#STATUSSUBS#confirmed  <digest>
"""

from __future__ import annotations

from typing import Any

from chalicelib.domain.errors import Conflict, PreconditionFailed
from chalicelib.domain.status import MAX_INCIDENTS
from chalicelib.store.dynamo import Item, Page, UnitOfWork, get_item, query
from chalicelib.store.tables import GSI1, GSI2, scoped_pk

INCIDENT = "INCIDENT"
COMPONENTS = "COMPONENTS"
SUBSCRIBER = "SUBSCRIBER"
_KEYS = {"PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK"}


def strip_keys(item: Item) -> Item:
    return {k: v for k, v in item.items() if k not in _KEYS}


def incident_pk(tenant: str, incident_id: str) -> str:
    return scoped_pk(tenant, "INCIDENT", incident_id)


def stale_incident() -> PreconditionFailed:
    return PreconditionFailed("The incident was changed by someone else; reload it.")


def stale_components() -> PreconditionFailed:
    return PreconditionFailed("The components were changed by someone else; reload them.")


class StatusRepository:
    def __init__(self, table: str) -> None:
        self.table = table

    # --- incidents --------------------------------------------------------------------
    def get_incident(self, tenant: str, incident_id: str) -> Item | None:
        item = get_item(self.table, incident_pk(tenant, incident_id), INCIDENT)
        return strip_keys(item) if item else None

    def put_incident(self, uow: UnitOfWork, tenant: str, incident: Item,
                     expected: int | None) -> None:
        item: Item = {"PK": incident_pk(tenant, incident["id"]), "SK": INCIDENT, **incident,
                      "GSI1PK": scoped_pk(tenant, "INCIDENTS"),
                      "GSI1SK": f"{incident['started_at']}#{incident['id']}"}
        if incident["status"] == "open":
            item |= {"GSI2PK": scoped_pk(tenant, "INCIDENTS", "open"),
                     "GSI2SK": f"{incident['started_at']}#{incident['id']}"}
        if expected is None:
            uow.create(self.table, item, lambda: Conflict("The incident exists already."))
        else:
            uow.replace(self.table, item, expected, stale_incident)

    def add_event(self, uow: UnitOfWork, tenant: str, incident_id: str, event: Item) -> None:
        uow.create(self.table, {"PK": incident_pk(tenant, incident_id),
                                "SK": f"EVENT#{event['at']}#{event['id']}", **event},
                   lambda: Conflict("The event exists already."))

    def events(self, tenant: str, incident_id: str, limit: int = 200) -> list[Item]:
        page = query(self.table, "PK = :pk AND begins_with(SK, :e)",
                     {":pk": incident_pk(tenant, incident_id), ":e": "EVENT#"}, limit=limit)
        return [strip_keys(i) for i in page.items]

    def incidents_since(self, tenant: str, since: str) -> list[Item]:
        """Those started at or after ``since``, newest first, at most ``MAX_INCIDENTS``."""
        page = query(self.table, "GSI1PK = :pk AND GSI1SK >= :since",
                     {":pk": scoped_pk(tenant, "INCIDENTS"), ":since": since}, index=GSI1,
                     limit=MAX_INCIDENTS, newest_first=True)
        return [strip_keys(i) for i in page.items]

    def open_incidents(self, tenant: str) -> list[Item]:
        page = query(self.table, "GSI2PK = :pk",
                     {":pk": scoped_pk(tenant, "INCIDENTS", "open")}, index=GSI2,
                     limit=MAX_INCIDENTS, newest_first=True)
        return [strip_keys(i) for i in page.items]

    # --- staff's own components ------------------------------------------------------
    def components(self, tenant: str) -> Item | None:
        item = get_item(self.table, scoped_pk(tenant, "STATUSCOMPONENTS"), COMPONENTS)
        return strip_keys(item) if item else None

    def put_components(self, uow: UnitOfWork, tenant: str, body: Item,
                       expected: int | None) -> None:
        item = {"PK": scoped_pk(tenant, "STATUSCOMPONENTS"), "SK": COMPONENTS, **body}
        if expected is None:
            uow.create(self.table, item, stale_components)
        else:
            uow.replace(self.table, item, expected, stale_components)

    # --- subscribers ------------------------------------------------------------------
    def get_subscriber(self, tenant: str, digest: str) -> Item | None:
        item = get_item(self.table, scoped_pk(tenant, "STATUSSUB", digest), SUBSCRIBER,
                        consistent=True)
        return strip_keys(item) if item else None

    def put_subscriber(self, uow: UnitOfWork, tenant: str, digest: str,
                       subscriber: Item) -> None:
        item: Item = {"PK": scoped_pk(tenant, "STATUSSUB", digest), "SK": SUBSCRIBER,
                      **subscriber}
        if subscriber["state"] == "confirmed":
            item |= {"GSI1PK": scoped_pk(tenant, "STATUSSUBS", "confirmed"), "GSI1SK": digest}
        uow.put(self.table, item)

    def delete_subscriber(self, uow: UnitOfWork, tenant: str, digest: str) -> None:
        uow.delete(self.table, {"PK": scoped_pk(tenant, "STATUSSUB", digest),
                                "SK": SUBSCRIBER})

    def confirmed_subscribers(self, tenant: str, limit: int,
                              start_key: dict[str, Any] | None) -> Page:
        page = query(self.table, "GSI1PK = :pk",
                     {":pk": scoped_pk(tenant, "STATUSSUBS", "confirmed")}, index=GSI1,
                     limit=limit, start_key=start_key)
        return Page([strip_keys(i) for i in page.items], page.last_key)
