"""Client cases' items (seed 003, issue 19).

Access patterns (every one a GetItem, a BatchGetItem or a Query; no Scan):

``directory`` table:
- the module's activation:         GetItem  PK=T#<t>  SK=CLIENTCASES
- the tenant's plan (read-only):   GetItem  PK=T#<t>  SK=CLIENTCASES#PLAN
- the price basis counter:         GetItem  PK=T#<t>  SK=CLIENTCASES#COUNT
                                   (ADDed in the transaction of each organisation write)
- an invitation:                   GetItem  PK=T#<t>  SK=INVITE#<id>
- invitations by stored state, newest first:
                                   Query    GSI1 GSI1PK=T#<t>#INVITES#<state>
                                            GSI1SK=<sent_at>#<id>
- an organisation's last invitation, its last activity:
                                   GetItem / BatchGetItem PK=T#<t>#ORG#<id>
                                            SK=INVITATION | ACTIVITY

``tickets`` table (the usage is written in the ticket use cases' own transactions):
- a ticket's usage in a month:     PK=T#<t>#USAGE#<yyyy-mm>  SK=TICKET#<ticket id>
                                   (``organization_id``, ``billable``, ``hours``)
- a month's usage:                 Query    PK=T#<t>#USAGE#<yyyy-mm>  SK begins_with TICKET#
- a closed month's snapshot:       GetItem  PK=T#<t>#USAGE#<yyyy-mm>  SK=CLOSED
- the month-close timer:           PK=T#<t>#USAGE#<yyyy-mm>  SK=TIMER#usage_close (due index)
"""

from __future__ import annotations

from typing import Any

from chalicelib.config import get_config
from chalicelib.domain.errors import Conflict, Gone
from chalicelib.store import schedule
from chalicelib.store.dynamo import Item, Page, UnitOfWork, batch_get, get_item, query
from chalicelib.store.tables import GSI1, scoped_pk, tenant_pk

MODULE = "CLIENTCASES"
PLAN = "CLIENTCASES#PLAN"
COUNT = "CLIENTCASES#COUNT"
CLOSE_TIMER = "usage_close"
_KEYS = {"PK", "SK", "GSI1PK", "GSI1SK", "due_shard", "due_at"}


def _strip(item: Item) -> Item:
    return {k: v for k, v in item.items() if k not in _KEYS}


def _directory() -> str:
    return get_config().directory_table


def _tickets() -> str:
    return get_config().tickets_table


# --- the module, its plan and its price basis ----------------------------------------------


def get_module(tenant: str) -> Item | None:
    return get_item(_directory(), tenant_pk(tenant), MODULE)


def put_module(uow: UnitOfWork, tenant: str, state: Item) -> None:
    """Activation happens once: a second one loses the race with a Conflict."""
    uow.put(_directory(), {"PK": tenant_pk(tenant), "SK": MODULE, **state},
            condition="attribute_not_exists(PK) OR active = :f", values={":f": False},
            error=lambda: Conflict("Client cases were activated meanwhile."))


def get_plan(tenant: str) -> Item | None:
    item = get_item(_directory(), tenant_pk(tenant), PLAN)
    return _strip(item) if item else None


def put_plan(uow: UnitOfWork, tenant: str, plan: Item) -> None:
    """Operations only (provisioning, the demo): no API writes the plan."""
    uow.put(_directory(), {"PK": tenant_pk(tenant), "SK": PLAN, **plan})


def get_counts(tenant: str) -> tuple[int, int]:
    """(active clients, active private persons) of the counter item."""
    item = get_item(_directory(), tenant_pk(tenant), COUNT, consistent=True) or {}
    return max(0, int(item.get("clients", 0))), max(0, int(item.get("private_persons", 0)))


def count(uow: UnitOfWork, tenant: str, clients: int, private_persons: int) -> None:
    """Moves the counter in the transaction of the organisation's write."""
    if clients or private_persons:
        uow.update(_directory(), {"PK": tenant_pk(tenant), "SK": COUNT},
                   "ADD clients :c, private_persons :p",
                   values={":c": clients, ":p": private_persons})


def set_counts(uow: UnitOfWork, tenant: str, clients: int, private_persons: int) -> None:
    """The counter as a recount found it (``scripts/recount_clients.py``)."""
    uow.put(_directory(), {"PK": tenant_pk(tenant), "SK": COUNT, "clients": clients,
                           "private_persons": private_persons})


# --- invitations --------------------------------------------------------------------------


def _invitation_item(tenant: str, invitation: Item) -> Item:
    return {"PK": tenant_pk(tenant), "SK": f"INVITE#{invitation['id']}",
            "GSI1PK": scoped_pk(tenant, "INVITES", invitation["stored_state"]),
            "GSI1SK": f"{invitation['sent_at']}#{invitation['id']}", **invitation}


def get_invitation(tenant: str, invitation_id: str, consistent: bool = False) -> Item | None:
    item = get_item(_directory(), tenant_pk(tenant), f"INVITE#{invitation_id}",
                    consistent=consistent)
    return _strip(item) if item else None


def put_invitation(uow: UnitOfWork, tenant: str, invitation: Item, expected: int | None) -> None:
    """(``expires_at`` is an ISO string: the table's TTL, on numbers only, leaves it be.)"""
    item = _invitation_item(tenant, invitation)
    if expected is None:
        uow.create(_directory(), item, lambda: Conflict("The invitation exists already."))
    else:
        uow.replace(_directory(), item, expected,
                    lambda: Gone("The invitation was used, revoked or sent again meanwhile."))


def list_invitations(tenant: str, stored_state: str, limit: int, start: dict[str, Any] | None,
                     expired: bool | None = None, now: str = "") -> Page:
    """Newest first; for "sent", ``expired`` keeps only the run-out (True) or live (False)
    ones (a filter on the page: a page may hold fewer than ``limit``)."""
    filter_expression, values = None, {":pk": scoped_pk(tenant, "INVITES", stored_state)}
    if expired is not None:
        filter_expression = "expires_at <= :now" if expired else "expires_at > :now"
        values[":now"] = now
    page = query(_directory(), "GSI1PK = :pk", values, index=GSI1, limit=limit,
                 start_key=start, newest_first=True, filter_expression=filter_expression)
    return Page([_strip(i) for i in page.items], page.last_key)


def put_pointer(uow: UnitOfWork, tenant: str, org_id: str, summary: Item,
                replacing_live_before: str | None = None) -> None:
    """The organisation's last invitation (``id``, ``state``, ``sent_at``, ``expires_at``).
    ``replacing_live_before`` (now, for a new invitation): only if no other invitation of
    the organisation is live then, so two invitations sent at once make one."""
    item = {"PK": scoped_pk(tenant, "ORG", org_id), "SK": "INVITATION", **summary}
    if replacing_live_before is None:
        uow.put(_directory(), item)
        return
    uow.put(_directory(), item,
            condition="attribute_not_exists(PK) OR #s <> :sent OR expires_at <= :now",
            values={":sent": "sent", ":now": replacing_live_before}, names={"#s": "state"},
            error=lambda: Conflict("The organisation has an invitation waiting; resend or "
                                   "revoke it."))


def get_pointer(tenant: str, org_id: str) -> Item | None:
    item = get_item(_directory(), scoped_pk(tenant, "ORG", org_id), "INVITATION",
                    consistent=True)
    return _strip(item) if item else None


def org_extras(tenant: str, org_ids: list[str], contact_keys: list[tuple[str, str]]
               ) -> tuple[dict[str, Item], dict[str, Item], dict[str, Item]]:
    """For a page of organisations (at most 25), in one BatchGetItem: their last
    invitations, their last activity and their main contacts (``contact_keys``: pairs of
    organisation and contact ids)."""
    keys = [{"PK": scoped_pk(tenant, "ORG", o), "SK": sk}
            for o in org_ids for sk in ("INVITATION", "ACTIVITY")]
    keys += [{"PK": scoped_pk(tenant, "ORG", o), "SK": f"CONTACT#{c}"} for o, c in contact_keys]
    invitations: dict[str, Item] = {}
    activity: dict[str, Item] = {}
    contacts: dict[str, Item] = {}
    for item in batch_get(_directory(), keys):
        org_id = item["PK"].rsplit("#", 1)[1]
        if item["SK"] == "INVITATION":
            invitations[org_id] = _strip(item)
        elif item["SK"] == "ACTIVITY":
            activity[org_id] = _strip(item)
        else:
            contacts[org_id] = _strip(item)
    return invitations, activity, contacts


def addresses(tenant: str, emails: list[str]) -> dict[str, Item]:
    """The address book's entries of ``emails`` (at most 100), by address."""
    keys = [{"PK": tenant_pk(tenant), "SK": f"EMAIL#{e.lower()}"} for e in dict.fromkeys(emails)]
    return {i["email"]: i for i in batch_get(_directory(), keys)}


def touch(uow: UnitOfWork, tenant: str, org_id: str, at: str) -> None:
    """The organisation's last activity (a ticket resolved or worked on, an acceptance)."""
    uow.put(_directory(), {"PK": scoped_pk(tenant, "ORG", org_id), "SK": "ACTIVITY", "at": at})


# --- the billing usage ---------------------------------------------------------------------


def _usage_pk(tenant: str, month: str) -> str:
    return scoped_pk(tenant, "USAGE", month)


def record_resolution(uow: UnitOfWork, tenant: str, month: str, ticket_id: str,
                      org_id: str, billable: bool, hours: float | None = None) -> None:
    """The ticket resolved in ``month`` (with the hours logged by the resolution: one item
    is written once per transaction)."""
    expression = "SET organization_id = :o, billable = :b, ticket_id = :t"
    values: dict[str, Any] = {":o": org_id, ":b": billable, ":t": ticket_id}
    if hours:
        expression += " ADD hours :h"
        values[":h"] = hours
    uow.update(_tickets(), {"PK": _usage_pk(tenant, month), "SK": f"TICKET#{ticket_id}"},
               expression, values=values)


def record_retype(uow: UnitOfWork, tenant: str, month: str, ticket_id: str, org_id: str,
                  billable: bool) -> None:
    """A resolved ticket re-typed: its resolution month counts it by the new type."""
    record_resolution(uow, tenant, month, ticket_id, org_id, billable)


def record_hours(uow: UnitOfWork, tenant: str, month: str, ticket_id: str, org_id: str,
                 hours: float) -> None:
    uow.update(_tickets(), {"PK": _usage_pk(tenant, month), "SK": f"TICKET#{ticket_id}"},
               "ADD hours :h SET organization_id = :o, ticket_id = :t",
               values={":h": hours, ":o": org_id, ":t": ticket_id})


def month_usage(tenant: str, month: str, cap: int = 20000) -> list[Item]:
    """The month's per-ticket items, page by page (``cap``: a bound, not a scan)."""
    items: list[Item] = []
    start: dict[str, Any] | None = None
    while len(items) < cap:
        page = query(_tickets(), "PK = :pk AND begins_with(SK, :p)",
                     {":pk": _usage_pk(tenant, month), ":p": "TICKET#"}, limit=1000,
                     start_key=start)
        items += [_strip(i) for i in page.items]
        start = page.last_key
        if not start:
            break
    return items


def get_snapshot(tenant: str, month: str) -> Item | None:
    item = get_item(_tickets(), _usage_pk(tenant, month), "CLOSED", consistent=True)
    return _strip(item) if item else None


def put_snapshot(uow: UnitOfWork, tenant: str, month: str, usage: Item) -> None:
    """Written once: a closed month never changes."""
    uow.create(_tickets(), {"PK": _usage_pk(tenant, month), "SK": "CLOSED", **usage},
               lambda: Conflict("The month is closed already."))


def put_close_timer(uow: UnitOfWork, tenant: str, month: str, due_at: str) -> None:
    schedule.put_timer(uow, _tickets(), tenant, "USAGE", month, CLOSE_TIMER, due_at)


def delete_close_timer(uow: UnitOfWork, tenant: str, month: str) -> None:
    schedule.delete_timer(uow, _tickets(), tenant, "USAGE", month, CLOSE_TIMER)
