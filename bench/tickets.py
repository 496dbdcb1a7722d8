"""The tickets part of ``make bench``: DynamoDB calls and items per request for the ticket
list, search, one ticket and a create, with 1,000 and then 100,000 tickets in the tenant.

The requests run through ``chalice.test.Client`` against ``app.app`` on moto's in-process
mock, set up as tests/integration/conftest.py does. Calls and items are counted on the
client side with botocore's events (``provide-client-params`` and ``after-call`` on the
app's DynamoDB client), so what is counted is what the app asks DynamoDB and what DynamoDB
answers; moto's own speed plays no part in it.

Putting 100,000 tickets through the API would take hours on moto, so the tickets are made
by the app's own code and stored directly: ``Ticket`` models (with the tenant's SLA
targets, the type's fields) turned into items by ``TicketsRepository`` (``record_number``
for the ``TNUM#<n>`` item, ``put_ticket`` with its list-index keys, ``add_event`` with the
service's "created" event, ``index_subject`` with ``search_terms`` for the word index),
the writes of ``create_ticket``'s ``build``. The counter item (``COUNTER#TICKET``, as
``store.counters.claim_number`` leaves it) follows, so the next ``POST /tickets`` gets the
next number. The first 1,000 go through moto's ``put_item`` with every check; the rest
through bench/moto_speed.py's ``fast_put``, and the requests run with its other shortcuts
(``BENCH_PLAIN_MOTO=1``: none of them).
"""

from __future__ import annotations

import json
import os
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

TENANT = "demo"
PASSWORD = "Demo-password-1"
# BENCH_TICKET_SIZES=1000,5000 for a quick try; the figures in docs are for the default.
SIZES = tuple(int(n) for n in os.environ.get("BENCH_TICKET_SIZES", "1000,100000").split(","))
SPAN = timedelta(days=730)  # the tickets' creation times cover two years up to today
SEARCH_WORD = "invoice"

ORGANISATIONS = ["Nordhavn Logistik AB", "Saimaa Tekniikka Oy", "Fjordline Regnskap AS",
                 "Vänern Bygg AB"]
STATUSES = {"new": 8, "open": 14, "waiting_on_customer": 6, "waiting_on_third_party": 3,
            "resolved": 6, "closed": 63}
TYPES = {"technical_fault": 30, "question": 35, "change_request": 15,
         "development_suggestion": 10, "third_party": 10}
THINGS = ["Invoice", "E-invoice", "Invoice copy", "Credit note", "Payslip", "Purchase order",
          "Work order", "VAT report", "Bank file", "Time report", "Delivery note",
          "Price list", "Customer register", "Travel expense claim", "Annual report",
          "Reminder letter", "Payment file", "Salary run", "Stock count", "Quote"]
TROUBLES = ["does not open", "cannot be sent", "shows the wrong total", "is missing",
            "will not print", "is very slow", "gives error 500", "was not received",
            "appears twice", "is locked", "has the wrong VAT", "cannot be approved",
            "export fails", "import fails"]
WHERE = ["", "", "after the update", "since Monday", "in the portal", "for customer {n}",
         "in the mobile app", "for all users", "at month end", "in Chrome", "from the bank"]


# --- counting ---------------------------------------------------------------------------


@dataclass
class Tally:
    """DynamoDB calls by operation, items read and items written. With ``per_op`` a Query
    is named with its index (``Query due``) and items read are kept per operation."""

    per_op: bool = False
    calls: Counter[str] = field(default_factory=Counter)
    items: Counter[str] = field(default_factory=Counter)  # read
    written: int = 0

    @property
    def read(self) -> int:
        return sum(self.items.values())

    def row(self) -> dict[str, Any]:
        calls = {"calls": dict(sorted(self.calls.items()))}
        if self.per_op:
            return {**calls, "items": dict(sorted(self.items.items())), "written": self.written}
        return {**calls, "read": self.read, "written": self.written}


def _written(operation: str, params: dict[str, Any]) -> int:
    if operation in ("PutItem", "UpdateItem", "DeleteItem"):
        return 1
    if operation == "TransactWriteItems":
        return len(params.get("TransactItems", []))
    if operation == "BatchWriteItem":
        return sum(len(v) for v in params.get("RequestItems", {}).values())
    return 0


def _read(operation: str, parsed: dict[str, Any]) -> int:
    if operation == "GetItem":
        return 1 if parsed.get("Item") else 0
    if operation in ("Query", "Scan"):
        return int(parsed.get("ScannedCount", 0))  # read, before any filter
    if operation == "BatchGetItem":
        return sum(len(v) for v in parsed.get("Responses", {}).values())
    if operation == "TransactGetItems":
        return sum(1 for r in parsed.get("Responses", []) if r.get("Item"))
    return 0


@contextmanager
def counting(events: Any, per_op: bool = False) -> Iterator[Tally]:
    """Every DynamoDB call the app's client makes meanwhile, by operation, with the items
    it read (GetItem: 1 if found; Query: ScannedCount; BatchGetItem: items answered) and
    wrote (TransactWriteItems: its items)."""
    tally = Tally(per_op)

    def asked(params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        label = model.name
        if per_op and params.get("IndexName"):
            label += f" {params['IndexName']}"
        context["bench_label"] = label
        tally.calls[label] += 1
        tally.written += _written(model.name, params)
        # returns None: a value here would replace the call's parameters

    def answered(parsed: dict[str, Any], model: Any, context: dict[str, Any],
                 **_: Any) -> None:
        tally.items[context.get("bench_label", model.name)] += _read(model.name, parsed or {})

    events.register("provide-client-params.dynamodb", asked)
    events.register("after-call.dynamodb", answered)
    try:
        yield tally
    finally:
        events.unregister("provide-client-params.dynamodb", asked)
        events.unregister("after-call.dynamodb", answered)


# --- the app on moto --------------------------------------------------------------------


class Api:
    def __init__(self, http: Any) -> None:
        self.http = http
        self.tokens: dict[str, str] = {}

    def login(self, email: str) -> str:
        answer = self.call("POST", "/auth/login", None, {"email": email, "password": PASSWORD})
        self.tokens[email] = answer["token"]
        return email

    def call(self, method: str, path: str, user: str | None, body: Any = None,
             headers: dict[str, str] | None = None, expect: int | None = None) -> Any:
        sent = {"Content-Type": "application/json", **(headers or {})}
        if user:
            sent["Authorization"] = f"Bearer {self.tokens[user]}"
        response = self.http.request(method, path, headers=sent,
                                     body=json.dumps(body) if body is not None else b"")
        parsed = json.loads(response.body) if response.body else None
        if response.status_code >= 300 or (expect and response.status_code != expect):
            raise RuntimeError(f"{method} {path}: {response.status_code} {parsed}")
        return parsed


@dataclass
class World:
    api: Api
    admin: str
    agent: str
    customer: str
    ids: dict[str, str]  # e-mail -> user id
    principals: dict[str, Any]  # e-mail -> Principal (whose changes the bulk tickets record)
    acme: str
    organisations: list[str]  # Acme first
    types: dict[str, Any]
    settings: Any
    start: datetime
    now: datetime
    own_ticket: str = ""  # the customer's newest ticket
    own_new_ticket: str = ""  # the customer's newest still "new" (for same_shape)
    posted: str = ""  # the ticket the customer created through the API
    any_ticket: str = ""
    made: int = 0
    search_hits: int = 0  # tickets whose subject has a word starting with SEARCH_WORD

    def count_search_hit(self, subject: str) -> None:
        from chalicelib.domain.tickets import words

        if any(word.startswith(SEARCH_WORD) for word in words(subject)):
            self.search_hits += 1


# --- tickets made by the app's own code --------------------------------------------------


class CapturedPuts:
    """A ``UnitOfWork`` that keeps the items it would have put."""

    def __init__(self) -> None:
        from chalicelib.store.dynamo import UnitOfWork

        self.uow = UnitOfWork()

    def items(self) -> list[dict[str, Any]]:
        return [op.params["Item"] for op in self.uow.ops if op.kind == "Put"]


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _subject(rng: random.Random) -> str:
    where = rng.choice(WHERE).format(n=rng.randint(1000, 9999))
    return f"{rng.choice(THINGS)} {rng.choice(TROUBLES)} {where}".strip()


def _ticket_items(w: World, r: Any, rng: random.Random, index: int,
                  number: int) -> list[dict[str, Any]]:
    """One ticket as ``create_ticket`` writes it (its ``build``: number item, ticket item
    with its list keys, "created" event, subject word index), in the state it has reached
    since; the counter is written once at the end of ``fill``."""
    from chalicelib.domain import tickets as t
    from chalicelib.domain.lifecycle import ticket_timers
    from chalicelib.domain.models import utc_iso
    from chalicelib.services import tickets as svc
    from chalicelib.services.context import Ctx

    created = w.start + SPAN * (index / SIZES[-1])
    org = w.acme if rng.random() < 0.2 else rng.choice(w.organisations[1:])
    ticket_type = w.types[_pick(rng, TYPES)]
    status = _pick(rng, STATUSES)
    if org == w.acme and rng.random() < 0.5:
        requester, channel, creator = w.ids[w.customer], "portal", w.customer
    else:
        requester, channel = None, rng.choice(["phone", "staff"])
        creator = rng.choice([w.admin, w.agent])
    if status == "new":
        assignee = w.ids[w.agent] if rng.random() < 0.2 else None
    else:
        assignee = rng.choices([w.ids[w.agent], w.ids[w.admin], None], [45, 25, 30])[0]
    priority = (ticket_type.default_priority if rng.random() < 0.6
                else rng.choice(["low", "normal", "high", "urgent"]))
    subject = _subject(rng)
    given = ({"benefit": "Less manual work every month", "current_problem": "Done by hand"}
             if ticket_type.id == "development_suggestion" else {})
    target = w.settings.sla_targets[priority]
    lasted = timedelta(hours=0 if status == "new" else rng.uniform(1, 24 * 14))
    ctx = Ctx(principal=w.principals[creator], now=created)
    later = Ctx(principal=w.principals[w.agent], now=min(created + lasted, w.now))
    ticket_id, changed = ctx.new_id(), later.stamp
    state: dict[str, Any] = {}
    if status != "new":
        state["first_response_at"] = utc_iso(created + timedelta(minutes=45))
    if status in ("resolved", "closed"):
        state |= {"resolved_at": changed, "resolution": "Fixed and checked with the customer."}
    if status == "resolved":
        state |= {"approval": {"state": "pending"},
                  "approval_due_at": utc_iso(
                      later.now + timedelta(hours=w.settings.approval_reminder_hours))}
    if status == "closed":
        state |= {"closed_at": changed, "closed_reason": "approved",
                  "approval": {"state": "approved", "at": changed,
                               "by": requester or w.ids[creator]}}
    ticket = t.Ticket(
        id=ticket_id, number=t.ticket_number(number), subject=subject,
        description=f"{subject}. It started this week; screenshots on request.",
        status=status, priority=priority, ticket_type_id=ticket_type.id,
        organization_id=org, requester_id=requester,
        requester_name=w.principals[creator].record["name"] if requester else None,
        assignee_id=assignee, channel=channel, billable=ticket_type.billable,
        created_at=ctx.stamp, updated_at=changed, created_by=w.ids[creator],
        fields=t.validate_fields(ticket_type, given),
        **svc._sla_dues(w.settings, created, target, created),
        version=1 if status == "new" else 2, **state)
    items = stored_ticket(r, ticket, number, ctx, later, ticket_timers(ticket))
    if requester:
        w.own_ticket = ticket_id
        if status == "new":
            w.own_new_ticket = ticket_id
    w.any_ticket = ticket_id
    w.count_search_hit(subject)
    return items


def stored_ticket(r: Any, ticket: Any, number: int, ctx: Any, later: Any,
                  timers: dict[str, str]) -> list[dict[str, Any]]:
    """The items ``create_ticket`` and the saves since leave for ``ticket``: its number,
    the ticket with its list keys, the "created" event, the subject words, its timers."""
    from chalicelib.domain import tickets as t
    from chalicelib.services import tickets as svc
    from chalicelib.store.schedule import sync_timers

    item = ticket.model_dump(mode="json")
    puts = CapturedPuts()
    r.record_number(puts.uow, TENANT, number, ticket.id)
    # activity: the ticket's id when created (create_ticket), a later change's id since (save)
    r.put_ticket(puts.uow, TENANT, item, expected=None,
                 activity=ticket.id if ticket.version == 1 else later.new_id())
    r.add_event(puts.uow, TENANT, ticket.id, svc._event(ctx, "created", {
        "number": ticket.number, "subject": ticket.subject, "channel": ticket.channel,
        "ticket_type_id": ticket.ticket_type_id, "priority": ticket.priority,
        "organization_id": ticket.organization_id}))
    r.index_subject(puts.uow, TENANT, item, t.search_terms(ticket.subject))
    sync_timers(puts.uow, r.table, TENANT, "TICKET", ticket.id, {}, timers)
    return puts.items()


def _backend() -> Any:
    from moto.backends import get_backend

    from chalicelib.config import get_config
    from local.bootstrap import ACCOUNT_ID

    return get_backend("dynamodb")[ACCOUNT_ID][get_config().region]


def _table(name: str) -> Any:
    return _backend().get_table(name)


def store_numbered(table_name: str, counter: str, first: int, made: int, until: int,
                   checked: bool, items_of: Callable[[int, int], Iterable[dict[str, Any]]],
                   ) -> int:
    """Stores aggregates ``made``..``until`` under the next numbers of ``counter``, each as
    ``items_of(index, number)`` gives its items, then moves the counter as
    ``counters.claim_number`` would: new numbers made through the API continue from there.
    ``checked``: through moto's own ``put_item``; otherwise the fast path."""
    from bench.moto_speed import fast_put
    from chalicelib.store.counters import last_number
    from chalicelib.store.dynamo import serialize
    from chalicelib.store.tables import tenant_pk

    backend, table = _backend(), _table(table_name)
    last = last_number(table_name, TENANT, counter)
    while made < until:
        number = (last or first - 1) + 1  # as services.writes.with_next_number
        for attrs in items_of(made, number):
            if checked:
                backend.put_item(table_name, attrs)
            else:
                fast_put(table, attrs)
        last, made = number, made + 1
    backend.put_item(table_name, serialize({"PK": tenant_pk(TENANT),
                                            "SK": f"COUNTER#{counter}", "last": last}))
    assert last_number(table_name, TENANT, counter) == first - 1 + until
    return made


def fill(w: World, until: int, checked: bool) -> float:
    """Adds tickets until the tenant holds ``until`` of them; numbers continue the counter."""
    from chalicelib.domain.tickets import FIRST_NUMBER
    from chalicelib.services.tickets import repo
    from chalicelib.store.tickets import TICKET_COUNTER

    started = time.perf_counter()
    r = repo()
    rng = random.Random(until)
    w.made = store_numbered(r.table, TICKET_COUNTER, FIRST_NUMBER, w.made, until, checked,
                            lambda index, number: _ticket_items(w, r, rng, index, number))
    return time.perf_counter() - started


# --- the requests -------------------------------------------------------------------------


def _requests(w: World, size: int) -> list[tuple[str, str, str, str, Any, dict[str, str]]]:
    """(label, user, method, path, body, headers)."""
    contact_body = {"subject": "Invoice export fails after the update",
                    "ticket_type_id": "technical_fault",
                    "description": "The export stops at 80 %. Tried twice."}
    staff_body = {"subject": "Customer called: payslip does not open",
                  "ticket_type_id": "question", "organization_id": w.organisations[1],
                  "channel": "phone"}
    return [
        ("GET /tickets", w.admin, "GET", "/tickets", None, {}),
        ("GET /tickets?status=active", w.admin, "GET", "/tickets?status=active", None, {}),
        ("GET /tickets?assignee=me&status=active (agent)", w.agent, "GET",
         "/tickets?assignee=me&status=active", None, {}),
        ("GET /tickets (contact)", w.customer, "GET", "/tickets", None, {}),
        (f"GET /tickets?q={SEARCH_WORD}", w.admin, "GET", f"/tickets?q={SEARCH_WORD}", None, {}),
        ("GET /tickets/{id}", w.admin, "GET", f"/tickets/{w.any_ticket}", None, {}),
        ("GET /tickets/{id} (contact, own ticket)", w.customer, "GET",
         f"/tickets/{w.own_ticket}", None, {}),
        ("POST /tickets (contact)", w.customer, "POST", "/tickets", contact_body, {}),
        ("POST /tickets (staff)", w.admin, "POST", "/tickets", staff_body, {}),
        ("POST /tickets (staff, Idempotency-Key)", w.admin, "POST", "/tickets", staff_body,
         {"Idempotency-Key": f"bench-{size}"}),
    ]


def _check(label: str, answer: Any) -> None:
    """A count means something only if the request did what it says."""
    if label.startswith("GET /tickets/"):
        assert answer.get("id"), (label, answer)
    elif label.startswith("GET /tickets"):
        assert len(answer["items"]) == 25, (label, len(answer["items"]))
    else:
        assert answer.get("number"), (label, answer)


def measure(w: World, size: int, events: Any) -> tuple[list[dict[str, Any]], dict[str, float]]:
    rows, seconds = [], {}
    for label, user, method, path, body, headers in _requests(w, size):
        started = time.perf_counter()
        with counting(events) as tally:
            answer = w.api.call(method, path, user, body, headers)
        seconds[label] = round(time.perf_counter() - started, 2)
        _check(label, answer)
        rows.append({"request": label, **tally.row()})
        if method == "POST":
            w.posted = w.posted or answer["id"]
            w.made += 1
            w.count_search_hit(body["subject"])
    return rows, seconds


def same_shape(w: World) -> list[str]:
    """The attribute names of what the API wrote for the customer's ticket against those of
    a bulk-made ticket of the same kind (the customer's, still new): the ticket item, its
    number item, its events and its word index entries. Empty when they agree."""
    from chalicelib.domain.tickets import search_terms, ticket_number
    from chalicelib.services.tickets import repo
    from chalicelib.store.dynamo import get_item, query
    from chalicelib.store.tables import scoped_pk, tenant_pk
    from chalicelib.store.tickets import TICKET, ticket_pk

    table = repo().table

    def shapes(ticket_id: str) -> dict[str, set[str]]:
        ticket = get_item(table, ticket_pk(TENANT, ticket_id), TICKET) or {}
        number = int(str(ticket.get("number", "T-0"))[2:])
        numbered = get_item(table, tenant_pk(TENANT), f"TNUM#{number}") or {}
        events = query(table, "PK = :pk AND begins_with(SK, :e)",
                       {":pk": ticket_pk(TENANT, ticket_id), ":e": "EVENT#"}).items
        term = search_terms(str(ticket.get("subject", "")))[0]
        word = query(table, "PK = :pk AND SK = :id",
                     {":pk": scoped_pk(TENANT, "TWORD", term), ":id": ticket_id}).items
        return {"ticket": set(ticket), "number item": set(numbered),
                "events": {f"{e['data'].get('number') == ticket_number(number)}:{k}"
                           for e in events for k in e},
                "word entry": {k for e in word for k in e}}

    api, bulk = shapes(w.posted), shapes(w.own_new_ticket)
    return [f"{part}: API only {sorted(api[part] - bulk[part])},"
            f" bulk only {sorted(bulk[part] - api[part])}"
            for part in api if api[part] != bulk[part]]


def _world(api: Api) -> World:
    from chalicelib.domain import tickets as t
    from chalicelib.domain.directory import TenantSettings
    from chalicelib.domain.principal import Principal
    from chalicelib.services.directory import repo as directory
    from chalicelib.services.tickets import repo

    admin, agent, customer = (api.login(f"{who}@{TENANT}.test")
                              for who in ("admin", "agent", "customer"))
    me = {u: api.call("GET", "/me", u) for u in (admin, agent, customer)}
    ids = {u: m["id"] for u, m in me.items()}
    principals = {u: Principal(tenant=TENANT, user_id=m["id"], email=u, roles=tuple(m["roles"]),
                               permissions=frozenset(m["permissions"]), kind=m["kind"],
                               organization_id=m["organization_id"], language=m["language"],
                               record={"name": m["name"]})
                  for u, m in me.items()}
    acme = me[customer]["organization_id"]
    organisations = [acme] + [api.call("POST", "/organizations", admin, {"name": n})["id"]
                              for n in ORGANISATIONS]
    types = {i["id"]: t.TicketType.model_validate(i) for i in repo().list_types(TENANT)}
    settings = TenantSettings.model_validate(directory().get_settings(TENANT))
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    return World(api, admin, agent, customer, ids, principals, acme, organisations, types,
                 settings,
                 start=now - SPAN, now=now)


# --- the app on moto --------------------------------------------------------------------


@contextmanager
def app_on_moto() -> Iterator[tuple[Any, Any]]:
    """(chalice test client, moto's own ``all_items`` or None): the app on moto's mock with
    the bench's shortcuts (bench/moto_speed.py), seeded; everything put back afterwards."""
    os.environ.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                       "AWS_DEFAULT_REGION": "eu-west-1", "AWS_REGION": "eu-west-1",
                       "HELPDESK_SECRET": "bench-secret-bench-secret-bench-secret"})
    import requests
    from chalice.test import Client
    from moto import mock_aws

    from bench.moto_speed import faster_moto
    from local.moto_fidelity import make_dynamodb_writes_atomic

    make_dynamodb_writes_atomic()
    saved = dict(os.environ)
    with mock_aws(), faster_moto() as moto_all_items:
        from local.bootstrap import create_resources

        resources = create_resources(None)
        os.environ.update(resources.env())
        from app import app
        from chalicelib.api import health
        from chalicelib.config import get_config
        from chalicelib.identity.verifier import use_jwks
        from chalicelib.store.clients import reset_clients
        from local.seed import seed

        get_config.cache_clear()
        reset_clients()
        health._dlq_url.cache_clear()
        use_jwks(lambda: requests.get(resources.jwks_url, timeout=5).json())
        seed(PASSWORD)
        try:
            with Client(app, stage_name="local") as http:
                yield http, moto_all_items
        finally:
            use_jwks(None)
            os.environ.clear()
            os.environ.update(saved)
            get_config.cache_clear()
            reset_clients()
            health._dlq_url.cache_clear()


def run() -> dict[str, Any]:
    """Both sizes in one mock: fill to 1,000, measure, fill to 100,000, measure."""
    from bench.moto_speed import same_order

    result: dict[str, Any] = {"sizes": {}, "fill_seconds": {}, "request_seconds": {}}
    with app_on_moto() as (http, moto_all_items):
        from chalicelib.config import get_config
        from chalicelib.store.clients import client

        w = _world(Api(http.http))
        events = client("dynamodb").meta.events
        for size in SIZES:
            result["fill_seconds"][size] = round(
                fill(w, size, checked=size == SIZES[0] or moto_all_items is None), 1)
            if size == SIZES[0] and moto_all_items is not None:
                for name in (get_config().tickets_table, get_config().directory_table):
                    if not same_order(_table(name), moto_all_items):
                        raise AssertionError(f"bench/moto_speed.py sorts {name} unlike moto")
            result.setdefault("search_hits", {})[size] = w.search_hits
            rows, seconds = measure(w, size, events)
            if size == SIZES[0]:
                differences = same_shape(w)
                if differences:
                    raise AssertionError("bulk tickets are not what the API writes: "
                                         + "; ".join(differences))
            result["sizes"][size] = rows
            result["request_seconds"][size] = seconds
    result["moto_shortcuts"] = moto_all_items is not None
    small, large = (result["sizes"][s] for s in SIZES)
    result["differing"] = [a["request"] for a, b in zip(small, large, strict=True) if a != b]
    return result


if __name__ == "__main__":
    print(json.dumps(run(), indent=1, default=str))
