"""The contact-orders part of ``make bench``: DynamoDB calls and items per request for the
order lists (a page of 25), ``GET /todo``, one order and creating one, with 1,000 and then
20,000 orders in the tenant (``SIZES``).

Counted as bench/tickets.py counts (its ``counting``: botocore's ``provide-client-params``
and ``after-call`` events on the app's DynamoDB client), through ``chalice.test.Client``
against ``app.app`` in process with the tables on DynamoDB Local and the rest on moto's
mock (bench/tickets.py's ``app_on_dynamodb_local``, a DynamoDB Local of this part's own).

The orders are made by the app's own code and stored directly, as the ticket part does:
each order is a ``ContactOrder`` model in the state its life has left it (notes, bookings,
completed bookings, closed), written as the services write it: ``put_order`` (the order
item with ``order_index_keys``, the PK/SK grammar of store/contact_orders.py), the history
events of ``create_order``, ``add_note``, ``add_booking``, ``complete_booking`` and
``close`` through ``add_child`` with ``history_event``, notes as ``add_note`` writes them,
and bookings as ``put_booking`` writes them (open ones in the assignee's to-do index and the
``due`` index, done ones under ``done``). After each fill the counter ``COUNTER#CO`` is left
as ``store.counters.claim_number`` leaves it, so the next ``POST /contact-orders`` gets the
next number, and each customer's ``TOTALS`` item gets the fill's orders and hours through
``add_to_customer`` (the app's ``ADD``). The items go to DynamoDB Local with
``BatchWriteItem`` as the ticket part's do (bench/tickets.py's ``store_numbered``).

The customers (with their main contact and a site) and the users (the admin, the agent and
``limited``, whose custom role has only ``contact_orders.view_assigned``) are made through
the API. What the API writes for a new order and a booking is compared, attribute by
attribute, with a bulk-made order of the same kind (``same_shape``).
"""

from __future__ import annotations

import json
import os
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote

from bench.tickets import (
    PASSWORD,
    TENANT,
    Api,
    CapturedPuts,
    _pick,
    app_on_dynamodb_local,
    counting,
    engine_storage,
    loaded,
    store_numbered,
)

# BENCH_ORDER_SIZES=1000,5000 for a quick try; the figures in docs are for the default.
# 20,000, not 100,000: an order is ~4.7 items, and DynamoDB Local stores some 2,000 to
# 3,000 items a second on this machine, so 100,000 orders would add minutes to every
# ``make bench`` after the ticket part's 2.2 million items (see docs/performance.md).
SIZES = tuple(int(n) for n in os.environ.get("BENCH_ORDER_SIZES", "1000,20000").split(","))
SPAN = timedelta(days=730)  # the orders' creation times cover two years up to today
LIMITED, LIMITED_ROLE = f"limited@{TENANT}.test", "co_assigned_only"
CUSTOMERS = ["Nordhavn Logistik AB", "Saimaa Tekniikka Oy", "Fjordline Regnskap AS",
             "Vänern Bygg AB", "Kallax Kyl & Värme AB", "Tampere Konepaja Oy",
             "Bergen Elektro AS", "Mälardalens Plåt AB", "Oulu Sähkö Oy", "Trondheim Rør AS",
             "Gävle Fastighetsservice AB", "Lapin Lämpö Oy", "Stavanger Ventilasjon AS",
             "Umeå Snickeri AB", "Jyväskylä Puhdistus Oy", "Tromsø Marine AS",
             "Norrköpings Lås AB", "Kuopio Kiinteistöt Oy", "Ålesund Kran AS",
             "Västerås Automation AB", "Turku Telakka Oy", "Drammen Maling AS",
             "Luleå Stål AB"]  # and Acme AB, the seed's customer
BIGGEST = 0  # CUSTOMERS[0] gets the largest share: the one of ``?customer_id=``
ASSIGNEES = {"agent": 35, "admin": 25, "limited": 20, None: 20}
CLOSED = 55  # % of orders closed
OPEN_STATUSES = {"Ny": 30, "Pågående": 45, "Väntar på kund": 25}  # Bokad: a booked order
STATUS, DONE_STATUS = "Pågående", "Klar"  # the ``?status=`` rows; no open order is Klar
SUBJECTS = ["Service av kompressor", "Offert på årsavtal", "Byte av filter", "Uppföljning",
            "Besiktning", "Ny installation", "Reklamation", "Prisförfrågan", "Demo av system",
            "Felanmälan kylaggregat", "Förlängning av avtal", "Utbildning av personal"]


@dataclass
class Customer:
    view: Any  # order_models.CustomerView
    site: Any  # order_models.SiteView
    contact: Any  # order_models.ContactPerson
    weight: int


@dataclass
class World:
    api: Api
    admin: str
    agent: str
    limited: str
    ids: dict[str, str]  # e-mail -> user id
    principals: dict[str, Any]
    customers: list[Customer]  # Acme last
    statuses: list[str]  # the tenant's contact order statuses
    start: datetime
    now: datetime
    made: int = 0
    orders_of: Counter[str] = field(default_factory=Counter)  # customer id -> orders
    hours_of: dict[str, float] = field(default_factory=dict)  # this fill's hours
    new_orders_of: Counter[str] = field(default_factory=Counter)  # this fill's orders
    shares: Counter[str] = field(default_factory=Counter)  # closed, booked, noted, ...
    twin: str = ""  # a bulk order like the one the API creates and books (same_shape)
    any_order: str = ""
    posted: list[str] = field(default_factory=list)  # orders the API created, newest last

    @property
    def today(self) -> date:
        return self.now.date()

    @property
    def acme(self) -> Customer:
        return self.customers[-1]


# --- orders made by the app's own code ------------------------------------------------------


@dataclass
class Plan:
    """What happens to one order in its life (drawn before anything is built)."""

    created: datetime
    customer: Customer
    creator: str  # e-mail
    actor: str  # e-mail of who notes, books and closes it
    assignee: str | None  # user id
    assignee_name: str  # agent, admin, limited or nobody
    closed: bool
    site: Any
    planned: date | None
    status: str
    bookings: int  # 0, 1, or 2 (the first done before the second was booked)
    noted: bool


def _plan(w: World, rng: random.Random, created: datetime) -> Plan:
    customer = rng.choices(w.customers, [c.weight for c in w.customers])[0]
    closed = rng.random() < CLOSED / 100
    who = rng.choices(list(ASSIGNEES), list(ASSIGNEES.values()))[0]
    creator = rng.choice([w.admin, w.agent])
    # The assignee acts on the order; for ``limited`` (who may only view) and for an
    # unassigned order, the admin or the one who created it.
    actor = {"agent": w.agent, "admin": w.admin, "limited": w.admin, None: creator}[who]
    assignee = {"agent": w.ids[w.agent], "admin": w.ids[w.admin],
                "limited": w.ids[w.limited], None: None}[who]
    if closed:
        planned = None if rng.random() < 0.1 else created.date() + timedelta(rng.randint(0, 20))
    else:  # planned from two weeks ago to three months ahead, whenever it came in
        planned = None if rng.random() < 0.15 else max(
            w.today + timedelta(rng.randint(-14, 90)), created.date())
    # An open order may have one open booking (and one done before it); a closed one's were
    # done, one by one or by closing it. Never two open bookings on one order. Every order of
    # ``limited`` is booked (the admin books their visits). Open bookings reach further back
    # (three months, never marked done) than open orders' planned dates (two weeks), so the
    # first to-do page of ``limited`` is 25 bookings at both sizes: the page whose orders the
    # service reads back for a view_assigned user (``_only_visible_bookings``), the most a
    # page reads. A mix of bookings and orders would read a number of orders that depends on
    # where the two streams cross, not on the table's size.
    booked = who == "limited" or rng.random() < (0.3 if closed else 0.6)
    bookings = (2 if rng.random() < 0.25 else 1) if booked else 0
    if closed:
        status = DONE_STATUS if rng.random() < 0.8 else rng.choice(w.statuses[:-1])
    elif booked and rng.random() < 0.6:
        status = "Bokad"
    else:
        status = _pick(rng, OPEN_STATUSES)
    return Plan(created, customer, creator, actor, assignee, who or "nobody", closed,
                customer.site if rng.random() < 0.5 else None, planned, status, bookings,
                noted=rng.random() < 0.3)


def _booking_items(w: World, p: Plan, rng: random.Random, order_id: str, number: int,
                   events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``add_booking``'s bookings (and ``complete_booking``'s for all but the last), with
    their history events added to ``events``."""
    from chalicelib.domain import contact_orders as order_models
    from chalicelib.domain.models import utc_iso
    from chalicelib.services.context import Ctx
    from chalicelib.services.writes import history_event

    location = None
    if p.site and p.site.address:
        a = p.site.address
        location = ", ".join(x for x in (p.site.name, a.street, a.postal_code, a.city) if x)
    bookings = []
    for n in range(p.bookings):
        last = n == p.bookings - 1
        booker = Ctx(principal=w.principals[p.actor], now=min(
            p.created + timedelta(hours=rng.uniform(2, 72) * (n + 1)), w.now))
        if p.closed or not last:
            when = booker.now + timedelta(days=rng.randint(1, 10))
        else:  # still open: from three months overdue (never marked done) to two ahead
            when = w.now + timedelta(days=rng.randint(-90, 60))
        when = when.replace(hour=rng.randint(7, 15), minute=0, second=0, microsecond=0)
        booking = order_models.Booking(
            id=booker.new_id(), order_id=order_id, order_number=order_models.order_number(number),
            subject="", customer_name=p.customer.view.name, at=utc_iso(when),
            kind=rng.choice(["meeting", "call", "digital"]),
            assignee_id=p.assignee or booker.principal.user_id,
            note=rng.choice(["", "Ring först"]), duration_minutes=rng.choice([30, 60, 90]),
            location=location or (p.site.name if p.site else None),
            created_by=booker.principal.user_id, created_at=booker.stamp).model_dump(mode="json")
        bookings.append(booking)
        events.append(history_event(booker, "booked", {
            "booking_id": booking["id"], "at": booking["at"], "kind": booking["kind"],
            "assignee_id": booking["assignee_id"]}))
        if not last:
            done = Ctx(principal=w.principals[p.actor], now=min(when + timedelta(hours=1),
                                                                  w.now))
            booking["done_at"] = done.stamp
            events.append(history_event(done, "booking_done", {"booking_id": booking["id"]}))
    return bookings


def _order_items(w: World, r: Any, rng: random.Random, index: int,
                 number: int) -> list[dict[str, Any]]:
    """One order as ``create_order`` writes it, and what its notes, bookings and closing
    have written since; the counter and the customer totals are written by ``fill``."""
    from chalicelib.domain import contact_orders as order_models
    from chalicelib.services.context import Ctx
    from chalicelib.services.writes import history_event

    p = _plan(w, rng, w.start + SPAN * (index / SIZES[-1]))
    ctx = Ctx(principal=w.principals[p.creator], now=p.created)
    order_id = ctx.new_id()
    events = [history_event(ctx, "created", {
        "number": order_models.order_number(number), "customer_id": p.customer.view.id,
        "new_customer": False, "assignee_id": p.assignee})]
    notes, hours = [], 0.0
    if p.noted:
        later = Ctx(principal=w.principals[p.actor],
                    now=min(p.created + timedelta(hours=rng.uniform(1, 48)), w.now))
        hours = rng.choice([0.25, 0.5, 1.0, 1.5, 2.0, 4.0])
        note = order_models.Note(id=later.new_id(), order_id=order_id,
                                 body="Ringt kunden, återkommer.",
                                 hours=hours, author_id=later.principal.user_id,
                                 author_name=later.principal.record.get("name"),
                                 at=later.stamp)
        notes.append(note.model_dump(mode="json"))
        events.append(history_event(later, "noted", {"note_id": note.id, "hours": hours,
                                                     "corrects": None}))
    bookings = _booking_items(w, p, rng, order_id, number, events)
    closing: dict[str, Any] = {}
    if p.closed:
        closer = Ctx(principal=w.principals[p.actor], now=min(max(
            p.created + timedelta(days=rng.uniform(1, 60)),
            *(datetime.fromisoformat(e["at"]) for e in events)), w.now))
        for booking in bookings:  # close's _open_bookings
            if booking.get("done_at") is None:
                booking |= {"done_at": closer.stamp, "done_reason": "order_closed"}
        events.append(history_event(closer, "closed", {}))
        closing = {"closed": True, "closed_at": closer.stamp,
                   "closed_by": closer.principal.user_id}
    subject = f"{rng.choice(SUBJECTS)} ({p.customer.view.name.split()[0]})"
    for booking in bookings:
        booking["subject"] = subject
    order = order_models.ContactOrder(
        id=order_id, number=order_models.order_number(number), subject=subject,
        customer=p.customer.view, site=p.site, contact=p.customer.contact, status=p.status,
        planned_date=p.planned, assignee_id=p.assignee, total_hours=hours,
        note_count=len(notes), created_at=ctx.stamp, created_by=ctx.principal.user_id,
        updated_at=max(e["at"] for e in events),
        version=len(events), **closing)  # every change after the create: one event, +1
    puts = CapturedPuts()
    r.put_order(puts.uow, TENANT, order.model_dump(mode="json"), expected=None)
    for note in notes:
        r.add_child(puts.uow, TENANT, order_id, "NOTE", note)
    for booking in bookings:
        r.put_booking(puts.uow, TENANT, booking,
                      expected_done=None if booking.get("done_at") is None else False)
    for event in events:
        r.add_child(puts.uow, TENANT, order_id, "EVENT", event)
    w.shares.update(k for k, yes in (("closed", p.closed), ("booked", p.bookings > 0),
                                      ("noted", p.noted), ("undated", p.planned is None),
                                      ("customer one", p.customer is w.customers[BIGGEST]),
                                      (f"assignee {p.assignee_name}", True)) if yes)
    w.new_orders_of[p.customer.view.id] += 1
    w.orders_of[p.customer.view.id] += 1
    w.hours_of[p.customer.view.id] = w.hours_of.get(p.customer.view.id, 0) + hours
    if not p.closed and p.site and p.assignee and p.planned and p.bookings == 1 and not notes:
        w.twin = order_id
    w.any_order = order_id
    return puts.items()


def fill(w: World, until: int) -> dict[str, Any]:
    """Adds orders until the tenant holds ``until`` of them; numbers continue the counter.
    Orders and items added, seconds (building them included)."""
    from chalicelib.domain.contact_orders import FIRST_NUMBER
    from chalicelib.services.contact_orders import repo
    from chalicelib.store.dynamo import UnitOfWork

    started = time.perf_counter()
    r = repo()
    rng = random.Random(until)
    before, items = w.made, loaded[r.table]
    w.made = store_numbered(r.table, "CO", FIRST_NUMBER, w.made, until, True,
                            lambda index, number: _order_items(w, r, rng, index, number))
    # The customers' totals: what create_order's and add_note's add_to_customer add.
    uow = UnitOfWork()
    for customer_id, orders in w.new_orders_of.items():
        r.add_to_customer(uow, TENANT, customer_id, hours=round(w.hours_of[customer_id], 2),
                          orders=orders)
    uow.commit()  # one transaction: fewer than 100 customers
    w.new_orders_of.clear()
    w.hours_of.clear()
    seconds = time.perf_counter() - started
    written = loaded[r.table] - items
    return {"orders": w.made - before, "items": written, "seconds": round(seconds, 1),
            "items_per_second": round(written / seconds) if seconds else 0}


# --- the requests -------------------------------------------------------------------------


def _requests(w: World) -> list[tuple[str, str, str, str, Any]]:
    """(label, user, method, path, body)."""
    biggest = w.customers[BIGGEST].view.id
    soon, later = w.today, w.today + timedelta(days=30)
    plain = {"subject": "Offert på serviceavtal", "customer": {"id": w.acme.view.id}}
    full = {"subject": "Service av värmepump", "customer": {"id": w.acme.view.id},
            "site": {"id": w.acme.site.id}, "planned_date": str(w.today + timedelta(days=7)),
            "assignee_id": w.ids[w.agent]}
    booking = {"at": (w.now + timedelta(days=7)).replace(hour=9, minute=0).strftime(
        "%Y-%m-%dT%H:%M:%SZ"), "kind": "meeting", "note": "Besök på plats"}
    return [
        ("GET /contact-orders", w.admin, "GET", "/contact-orders", None),
        ("GET /contact-orders?sort=number", w.admin, "GET", "/contact-orders?sort=number",
         None),
        ("GET /contact-orders?assignee=me (agent)", w.agent, "GET",
         "/contact-orders?assignee=me", None),
        ("GET /contact-orders?customer_id=<one>", w.admin, "GET",
         f"/contact-orders?customer_id={biggest}", None),
        (f"GET /contact-orders?status={STATUS}", w.admin, "GET",
         f"/contact-orders?status={quote(STATUS)}", None),
        (f"GET /contact-orders?status={DONE_STATUS} (no open order has it)", w.admin, "GET",
         f"/contact-orders?status={quote(DONE_STATUS)}", None),
        ("GET /contact-orders?from=<today>&to=<+30 days>", w.admin, "GET",
         f"/contact-orders?from={soon}&to={later}", None),
        (f"GET /contact-orders?customer_id=<one>&status={STATUS}", w.admin, "GET",
         f"/contact-orders?customer_id={biggest}&status={quote(STATUS)}", None),
        ("GET /contact-orders?sort=number&from=<today>&to=<+30 days>", w.admin, "GET",
         f"/contact-orders?sort=number&from={soon}&to={later}", None),
        ("GET /contact-orders (view_assigned)", w.limited, "GET", "/contact-orders", None),
        ("GET /todo (agent)", w.agent, "GET", "/todo", None),
        ("GET /todo (view_assigned)", w.limited, "GET", "/todo", None),
        ("GET /contact-orders/{id}", w.admin, "GET", f"/contact-orders/{w.any_order}", None),
        ("GET /organizations/{id}/contact-orders", w.admin, "GET",
         f"/organizations/{biggest}/contact-orders", None),
        ("POST /contact-orders (existing customer)", w.agent, "POST", "/contact-orders", plain),
        ("POST /contact-orders (existing customer, its site, assignee, date)", w.admin,
         "POST", "/contact-orders", full),
        ("POST /contact-orders/{id}/bookings", w.agent, "POST",
         "/contact-orders/{posted}/bookings", booking),
    ]


# Lists whose page may hold fewer than 25: DynamoDB reads 25 and then filters them.
FILTERED = ("&status=", "sort=number&from=")


def _check(w: World, label: str, answer: Any) -> None:
    """A count means something only if the request did what it says."""
    if label.startswith("POST /contact-orders/"):
        assert answer.get("id") and answer.get("order_id") == w.posted[-1], (label, answer)
    elif label.startswith("POST"):
        from chalicelib.domain.contact_orders import FIRST_NUMBER, order_number

        assert answer.get("number") == order_number(FIRST_NUMBER + w.made), (label, answer)
    elif label == "GET /contact-orders/{id}":
        assert answer.get("id") == w.any_order, (label, answer)
    elif label == "GET /todo (view_assigned)":
        # The page the bench means to measure: 25 bookings, whose 25 orders the service
        # reads back (the most a page reads), at both sizes. See _plan.
        kinds = Counter(i["kind"] for i in answer["items"])
        assert kinds == {"booking": 25}, (label, kinds)
    elif any(f in label for f in FILTERED):
        assert len(answer["items"]) <= 25, (label, len(answer["items"]))
    else:
        assert len(answer["items"]) == 25, (label, len(answer["items"]))
        if label.startswith("GET /organizations/"):
            assert answer["order_count"] == w.orders_of[w.customers[BIGGEST].view.id], answer


def measure(w: World, events: Any) -> tuple[list[dict[str, Any]], dict[str, float]]:
    rows, seconds = [], {}
    for label, user, method, path, body in _requests(w):
        path = path.format(posted=w.posted[-1] if w.posted else "")
        started = time.perf_counter()
        with counting(events) as tally:
            answer = w.api.call(method, path, user, body)
        seconds[label] = round(time.perf_counter() - started, 2)
        _check(w, label, answer)
        rows.append({"request": label, **tally.row(),
                     "answered": len(answer["items"]) if "items" in (answer or {}) else None,
                     "filtered": any(f in label for f in FILTERED)})
        if path == "/contact-orders" and method == "POST":
            w.posted.append(answer["id"])
            w.made += 1
            w.orders_of[w.acme.view.id] += 1
    return rows, seconds


def same_shape(w: World) -> list[str]:
    """The attribute names of what the API wrote for an order (with a site, an assignee and
    a planned date) and its booking against those of a bulk-made order of the same kind:
    the order item, its history events (with their data) and its booking. Empty when they
    agree."""
    from chalicelib.services.contact_orders import repo
    from chalicelib.store.contact_orders import ORDER, order_pk
    from chalicelib.store.dynamo import get_item, query

    table = repo().table

    def shapes(order_id: str) -> dict[str, set[str]]:
        pk = order_pk(TENANT, order_id)
        events = query(table, "PK = :pk AND begins_with(SK, :e)",
                       {":pk": pk, ":e": "EVENT#"}).items
        bookings = query(table, "PK = :pk AND begins_with(SK, :b)",
                         {":pk": pk, ":b": "BOOKING#"}).items
        return {"order": set(get_item(table, pk, ORDER) or {}),
                "events": {f"{e['type']}:{k}" for e in events
                           for k in [*e, *(f"data.{d}" for d in e.get("data", {}))]},
                "bookings": {k for b in bookings for k in b}}

    api, bulk = shapes(w.posted[-1]), shapes(w.twin)
    return [f"{part}: API only {sorted(api[part] - bulk[part])},"
            f" bulk only {sorted(bulk[part] - api[part])}"
            for part in api if api[part] != bulk[part]]


# --- the tenant: users and customers through the API ----------------------------------------


def _customer(api: Api, admin: str, name: str | None, org_id: str | None) -> tuple[str, str]:
    """A customer with a main contact and a site, through the API: (its id, the site's)."""
    if org_id is None:
        org_id = api.call("POST", "/organizations", admin, {"name": name})["id"]
        contact = api.call("POST", f"/organizations/{org_id}/contacts", admin, {
            "name": "Maja Main", "email": "maja@kund.test", "phone": "+46 70 123 45 67"})
        api.call("PATCH", f"/organizations/{org_id}", admin,
                 {"main_contact_id": contact["id"]})
    site = api.call("POST", f"/organizations/{org_id}/sites", admin, {
        "name": "Verkstaden", "address": {"street": "Storgatan 1", "postal_code": "111 22",
                                          "city": "Stockholm"},
        "location": {"lat": 59.33, "lon": 18.06}})
    return org_id, site["id"]


def _register(org_id: str, site_id: str) -> tuple[Any, Any, Any]:
    """The customer, its site and its main contact, read as create_order's ``_customer`` and
    ``_site`` read them."""
    from chalicelib.domain import contact_orders as order_models
    from chalicelib.domain import directory as directory_models
    from chalicelib.services.contact_orders import _site_view
    from chalicelib.services.directory import repo as directory

    r = directory()
    org = directory_models.Organization.model_validate(r.get_organization(TENANT, org_id))
    main = r.get_child(TENANT, org.id, "contact", org.main_contact_id or "")
    site = r.get_child(TENANT, org.id, "site", site_id)
    assert main and site, (org.name, main, site)
    return (order_models.CustomerView(id=org.id, name=org.name,
                                      customer_number=org.customer_number),
            _site_view(directory_models.Site.model_validate(site)),
            order_models.ContactPerson(name=main["name"], email=main.get("email"),
                             phone=main.get("phone")))


def _world(api: Api) -> World:
    from chalicelib.domain.directory import TenantSettings
    from chalicelib.domain.principal import Principal
    from chalicelib.identity import cognito
    from chalicelib.services.directory import repo as directory

    admin, agent, customer = (api.login(f"{who}@{TENANT}.test")
                              for who in ("admin", "agent", "customer"))
    api.call("PUT", f"/roles/{LIMITED_ROLE}", admin,
             {"permissions": ["contact_orders.view_assigned"]})
    api.call("POST", "/users", admin, {"email": LIMITED, "name": "Liisa Limited",
                                       "kind": "staff", "roles": [LIMITED_ROLE]})
    cognito.set_permanent_password(LIMITED, PASSWORD)
    limited = api.login(LIMITED)
    me = {u: api.call("GET", "/me", u) for u in (admin, agent, limited, customer)}
    ids = {u: m["id"] for u, m in me.items()}
    principals = {u: Principal(tenant=TENANT, user_id=m["id"], email=u, roles=tuple(m["roles"]),
                               permissions=frozenset(m["permissions"]), kind=m["kind"],
                               organization_id=m["organization_id"], language=m["language"],
                               record={"name": m["name"]})
                  for u, m in me.items()}
    acme = me[customer]["organization_id"]
    made = [_customer(api, admin, n, None) for n in CUSTOMERS] + [
        _customer(api, admin, None, acme)]
    weights = [15] + [3 + (i % 5) for i in range(len(CUSTOMERS) - 1)] + [8]
    customers = [Customer(*_register(*m), weight=wt) for m, wt in zip(made, weights,
                                                                     strict=True)]
    settings = TenantSettings.model_validate(directory().get_settings(TENANT))
    statuses = list(settings.contact_order_statuses)
    assert statuses[-1] == DONE_STATUS and STATUS in statuses and "Bokad" in statuses, statuses
    assert set(OPEN_STATUSES) <= set(statuses), statuses
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    return World(api, admin, agent, limited, ids, principals, customers, statuses,
                 start=now - SPAN, now=now)


def _items_in_table(table: str) -> int:
    """The table's items: DynamoDB Local's ``ItemCount``, which it keeps exact (DynamoDB's
    own is updated every six hours)."""
    from chalicelib.store.clients import client

    return int(client("dynamodb").describe_table(TableName=table)["Table"]["ItemCount"])


def run() -> dict[str, Any]:
    """Both sizes in one tenant: fill to 1,000, measure, fill to 20,000, measure."""
    result: dict[str, Any] = {"sizes": {}, "fill": {}, "request_seconds": {},
                              "items_in_table": {}, "storage": engine_storage()}
    with app_on_dynamodb_local() as http:
        from chalicelib.config import get_config
        from chalicelib.store.clients import client

        w = _world(Api(http.http))
        events = client("dynamodb").meta.events
        table = get_config().contact_orders_table
        for size in SIZES:
            result["fill"][size] = fill(w, size)
            result["items_in_table"][size] = _items_in_table(table)
            result.setdefault("shares", {})[size] = dict(w.shares)
            rows, seconds = measure(w, events)
            if size == SIZES[0]:
                if not w.twin:
                    raise AssertionError("no bulk order is like the one the API creates")
                differences = same_shape(w)
                if differences:
                    raise AssertionError("bulk orders are not what the API writes: "
                                         + "; ".join(differences))
            result["sizes"][size] = rows
            result["request_seconds"][size] = seconds
    small, large = (result["sizes"][s] for s in SIZES)
    compared = ("calls", "read", "written")
    result["differing"] = [a["request"] for a, b in zip(small, large, strict=True)
                           if any(a[k] != b[k] for k in compared)]
    return result


if __name__ == "__main__":
    print(json.dumps(run(), indent=1, default=str))
