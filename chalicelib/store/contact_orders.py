"""The ``contact_orders`` table: contact orders with their notes, bookings, documents and
history, the number counters, per-customer totals and sales orders.

Access patterns (every one a GetItem or a Query; no Scan):
- the next order / sales-order number:  GetItem  PK=T#<t>  SK=COUNTER#CO | COUNTER#SO
- a sales order:                        GetItem  PK=T#<t>  SK=SALESORDER#<id>
- an order:                             GetItem  PK=T#<t>#CO#<id>  SK=ORDER
- its notes / history / bookings / documents:
                          Query    PK=T#<t>#CO#<id>  SK begins_with NOTE#|EVENT#|BOOKING#|DOC#
- a customer's hours and order count:   GetItem  PK=T#<t>#COCUST#<org>  SK=TOTALS
- order lists, ``<g>`` = open | closed (open ones are read first, so closed come last):
    every order by planned date     GSI1  T#<t>#CO#<g>                      <date>#<number>
    every order by number           GSI2  T#<t>#CONUM#<g>                   <number>
    an assignee's by planned date   GSI3  T#<t>#COASSIGNEE#<user|none>#<g>  <date>#<number>
    a customer's by planned date    GSI4  T#<t>#COCUST#<org>#<g>            <date>#<number>
    a status's by planned date      GSI5  T#<t>#COSTATUS#<status>#<g>       <date>#<number>
    an assignee's by number         GSI6  T#<t>#COASSIGNEENUM#<user|none>#<g>  <number>
    a customer's by number          GSI7  T#<t>#COCUSTNUM#<org>#<g>         <number>
    a status's by number            GSI8  T#<t>#COSTATUSNUM#<status>#<g>    <number>
- a user's bookings by time (to-do, calendar):
                                    GSI1  T#<t>#BOOKINGS#<user>#open|done   <at>#<id>
- bookings due for a reminder: the sparse ``due`` index, ``due_shard`` =
  ``booking_reminder#<n>`` (store/schedule.py), ``due_at`` = its time;
  the attributes exist only until the reminder is sent or the booking is done.
"""

from __future__ import annotations

from typing import Any

from chalicelib.domain.contact_orders import number_key, planned_key
from chalicelib.domain.errors import Conflict, PreconditionFailed
from chalicelib.store.dynamo import Item, Page, UnitOfWork, batch_get, get_item, query
from chalicelib.store.schedule import due_attributes
from chalicelib.store.streams import Filter, Stream
from chalicelib.store.tables import GSI1, scoped_pk, tenant_pk

ORDER = "ORDER"
BOOKING_REMINDER = "booking_reminder"
TOTALS = "TOTALS"
_INDEX_ATTRIBUTES = {f"GSI{n}{part}" for n in range(1, 9) for part in ("PK", "SK")}
_KEY_ATTRIBUTES = {"PK", "SK", "due_shard", "due_at", "customer_id", "tenant"} | _INDEX_ATTRIBUTES


def strip_keys(item: Item) -> Item:
    return {k: v for k, v in item.items() if k not in _KEY_ATTRIBUTES}


def order_pk(tenant: str, order_id: str) -> str:
    return scoped_pk(tenant, "CO", order_id)


def group_of(order: Item) -> str:
    return "closed" if order.get("closed") else "open"


def order_index_keys(tenant: str, order: Item) -> Item:
    group, number = group_of(order), int(order["number"].split("-")[1])
    planned = planned_key(order.get("planned_date"), number)
    assignee = order.get("assignee_id") or "none"
    return {
        "GSI1PK": scoped_pk(tenant, "CO", group), "GSI1SK": planned,
        "GSI2PK": scoped_pk(tenant, "CONUM", group), "GSI2SK": number_key(number),
        "GSI3PK": scoped_pk(tenant, "COASSIGNEE", assignee, group), "GSI3SK": planned,
        "GSI4PK": scoped_pk(tenant, "COCUST", order["customer"]["id"], group),
        "GSI4SK": planned,
        "GSI5PK": scoped_pk(tenant, "COSTATUS", order["status"], group), "GSI5SK": planned,
        "GSI6PK": scoped_pk(tenant, "COASSIGNEENUM", assignee, group),
        "GSI6SK": number_key(number),
        "GSI7PK": scoped_pk(tenant, "COCUSTNUM", order["customer"]["id"], group),
        "GSI7SK": number_key(number),
        "GSI8PK": scoped_pk(tenant, "COSTATUSNUM", order["status"], group),
        "GSI8SK": number_key(number),
        # Flat copies for filters applied while reading a list of another dimension.
        "customer_id": order["customer"]["id"],
    }


def list_stream(tenant: str, dimension: str, value: str | None, group: str,
                by_number: bool, range_: tuple[str, dict[str, Any]] | None,
                residual: Filter) -> Stream:
    """The index that lists orders of one dimension (``None``: all) in one group."""
    if dimension == "all":
        index, pk = ("GSI2", scoped_pk(tenant, "CONUM", group)) if by_number else (
            "GSI1", scoped_pk(tenant, "CO", group))
    elif dimension == "assignee":
        assert value
        index, pk = ("GSI6", scoped_pk(tenant, "COASSIGNEENUM", value, group)) if by_number \
            else ("GSI3", scoped_pk(tenant, "COASSIGNEE", value, group))
    elif dimension == "customer":
        assert value
        index, pk = ("GSI7", scoped_pk(tenant, "COCUSTNUM", value, group)) if by_number else (
            "GSI4", scoped_pk(tenant, "COCUST", value, group))
    else:
        assert value
        index, pk = ("GSI8", scoped_pk(tenant, "COSTATUSNUM", value, group)) if by_number \
            else ("GSI5", scoped_pk(tenant, "COSTATUS", value, group))
    return Stream(index, f"{index}PK", f"{index}SK", pk, range_, residual)


def booking_stream(tenant: str, user_id: str,
                   range_: tuple[str, dict[str, Any]] | None) -> Stream:
    return Stream(GSI1, "GSI1PK", "GSI1SK", scoped_pk(tenant, "BOOKINGS", user_id, "open"),
                  range_, merge_key="GSI1SK")


def planned_between(low: str, high: str, by_number: bool,
                    residual: Filter) -> tuple[tuple[str, dict[str, Any]] | None, Filter]:
    """Orders planned from ``low`` to ``high`` (ISO dates, both included), as the
    ``(range, filter)`` of ``list_stream``: a range of the sort key ``<date>#<number>`` on
    the lists by planned date (``#~`` sorts after every number of the last day), a filter
    while reading, added to ``residual``, on the lists by number."""
    if not by_number:
        return ("{sk} BETWEEN :from AND :to", {":from": low, ":to": f"{high}#~"}), residual
    return None, Filter(
        " AND ".join(x for x in (residual.expression, "planned_date BETWEEN :from AND :to")
                     if x),
        {**(residual.values or {}), ":from": low, ":to": high}, residual.names)


def is_booking(item: Item) -> bool:
    """Whether an item of a to-do list is a booking (the others are orders). Bookings read
    by ``user_bookings`` come without keys: all of them are bookings."""
    return str(item.get("SK", "BOOKING#")).startswith("BOOKING#")


def stale() -> PreconditionFailed:
    return PreconditionFailed("The contact order was changed by someone else; reload it.")


class ContactOrdersRepository:
    def __init__(self, table: str) -> None:
        self.table = table

    # --- orders -----------------------------------------------------------------------
    def get_order(self, tenant: str, order_id: str, consistent: bool = False) -> Item | None:
        item = get_item(self.table, order_pk(tenant, order_id), ORDER, consistent=consistent)
        return strip_keys(item) if item else None

    def get_orders(self, tenant: str, order_ids: list[str]) -> dict[str, Item]:
        """Several orders in one BatchGetItem (at most 100)."""
        keys = [{"PK": order_pk(tenant, i), "SK": ORDER} for i in dict.fromkeys(order_ids)]
        return {i["id"]: strip_keys(i) for i in batch_get(self.table, keys)}

    def put_order(self, uow: UnitOfWork, tenant: str, order: Item, expected: int | None) -> None:
        item = {"PK": order_pk(tenant, order["id"]), "SK": ORDER, **order,
                **order_index_keys(tenant, order)}
        if expected is None:
            uow.create(self.table, item, lambda: Conflict("The order exists already."))
        else:
            uow.replace(self.table, item, expected, stale)

    def mark_deleted(self, uow: UnitOfWork, tenant: str, order: Item, expected: int) -> None:
        """Written without list keys: a deleted order is in no list, but it is kept."""
        uow.replace(self.table, {"PK": order_pk(tenant, order["id"]), "SK": ORDER, **order},
                    expected, stale)

    def mark_uploaded(self, uow: UnitOfWork, tenant: str, order_id: str,
                      document_id: str) -> None:
        uow.update(self.table, {"PK": order_pk(tenant, order_id), "SK": f"DOC#{document_id}"},
                   "SET #s = :up", condition="attribute_exists(PK)",
                   values={":up": "uploaded"}, names={"#s": "state"},
                   error=lambda: Conflict("The document is gone."))

    def add_child(self, uow: UnitOfWork, tenant: str, order_id: str, kind: str,
                  data: Item, extra: Item | None = None) -> None:
        """Notes and history are written once and never again (created, not put)."""
        item = {"PK": order_pk(tenant, order_id), "SK": f"{kind}#{data['id']}", **data,
                **(extra or {})}
        uow.create(self.table, item, lambda: Conflict(f"The {kind.lower()} exists already."))

    def get_child(self, tenant: str, order_id: str, kind: str, child_id: str) -> Item | None:
        item = get_item(self.table, order_pk(tenant, order_id), f"{kind}#{child_id}")
        return strip_keys(item) if item else None

    def list_children(self, tenant: str, order_id: str, kind: str, limit: int,
                      start: dict[str, Any] | None) -> Page:
        page = query(self.table, "PK = :pk AND begins_with(SK, :p)",
                     {":pk": order_pk(tenant, order_id), ":p": f"{kind}#"}, limit=limit,
                     start_key=start)
        return Page([strip_keys(i) for i in page.items], page.last_key)

    def delete_child(self, uow: UnitOfWork, tenant: str, order_id: str, kind: str,
                     child_id: str) -> None:
        uow.delete(self.table, {"PK": order_pk(tenant, order_id), "SK": f"{kind}#{child_id}"},
                   condition="attribute_exists(PK)",
                   error=lambda: Conflict(f"The {kind.lower()} is gone already."))

    # --- bookings ---------------------------------------------------------------------
    def put_booking(self, uow: UnitOfWork, tenant: str, booking: Item,
                    expected_done: bool | None) -> None:
        """A booking is listed for its assignee while open, and waits in the ``due`` index
        for its reminder until the reminder is sent or the booking is done."""
        open_ = booking.get("done_at") is None
        item = {
            "PK": order_pk(tenant, booking["order_id"]), "SK": f"BOOKING#{booking['id']}",
            **booking, "tenant": tenant,
            "GSI1PK": scoped_pk(tenant, "BOOKINGS", booking["assignee_id"],
                                "open" if open_ else "done"),
            "GSI1SK": f"{booking['at']}#{booking['id']}",
        }
        if open_ and not booking.get("reminded_at"):
            item |= due_attributes(BOOKING_REMINDER, item["PK"] + item["SK"], booking["at"])
        if expected_done is None:
            uow.create(self.table, item, lambda: Conflict("The booking exists already."))
        else:
            uow.put(self.table, item, condition="attribute_not_exists(done_at)",
                    error=lambda: Conflict("The booking is done already."))

    def mark_reminded(self, uow: UnitOfWork, tenant: str, order_id: str, booking_id: str,
                      at: str) -> None:
        """Out of the ``due`` index, once: a second sweep's write fails its condition."""
        uow.update(self.table, {"PK": order_pk(tenant, order_id), "SK": f"BOOKING#{booking_id}"},
                   "SET reminded_at = :at REMOVE due_shard, due_at",
                   condition="attribute_exists(due_shard) AND attribute_not_exists(done_at)",
                   values={":at": at}, error=lambda: Conflict("The booking was reminded."))

    def user_bookings(self, tenant: str, user_id: str, state: str, start_at: str | None,
                      limit: int) -> list[Item]:
        """A user's bookings by time, from ``start_at``; at most ``limit`` (one Query)."""
        condition, values = "GSI1PK = :pk", {":pk": scoped_pk(tenant, "BOOKINGS", user_id,
                                                               state)}
        if start_at:
            condition += " AND GSI1SK >= :from"
            values[":from"] = start_at
        page = query(self.table, condition, values, index=GSI1, limit=limit)
        return [strip_keys(i) for i in page.items]

    # --- customer totals --------------------------------------------------------------
    def add_to_customer(self, uow: UnitOfWork, tenant: str, customer_id: str,
                        hours: float = 0, orders: int = 0) -> None:
        uow.update(self.table, {"PK": scoped_pk(tenant, "COCUST", customer_id), "SK": TOTALS},
                   "ADD total_hours :h, order_count :n", values={":h": hours, ":n": orders})

    def customer_totals(self, tenant: str, customer_id: str) -> Item:
        item = get_item(self.table, scoped_pk(tenant, "COCUST", customer_id), TOTALS)
        return {"total_hours": float(item.get("total_hours", 0)) if item else 0.0,
                "order_count": int(item.get("order_count", 0)) if item else 0}

    # --- sales orders -----------------------------------------------------------------
    def put_sales_order(self, uow: UnitOfWork, tenant: str, sales_order: Item) -> None:
        uow.create(self.table, {"PK": tenant_pk(tenant), "SK": f"SALESORDER#{sales_order['id']}",
                                **sales_order},
                   lambda: Conflict("The sales order exists already."))

    def get_sales_order(self, tenant: str, sales_order_id: str) -> Item | None:
        item = get_item(self.table, tenant_pk(tenant), f"SALESORDER#{sales_order_id}")
        return strip_keys(item) if item else None
