"""The tickets part of ``make bench``: DynamoDB calls and items per request for the ticket
list, search, one ticket and a create, with 1,000 and then 100,000 tickets in the tenant.

The requests run through ``chalice.test.Client`` against ``app.app`` in this process, with
the tables on DynamoDB Local (AWS's own engine, a child process) and S3, SQS, SES and
Cognito on moto's in-process mock (``app_on_dynamodb_local``, the setup of every part of
``make bench`` that runs the app in process). Calls and items are counted on the client
side with botocore's events (``provide-client-params`` and ``after-call`` on the app's
DynamoDB client), so what is counted is what the app asks DynamoDB and what DynamoDB
answers; the engine's speed plays no part in it.

Putting 100,000 tickets through the API would take long, so the tickets are made by the
app's own code and stored directly: ``Ticket`` models (with the tenant's SLA targets, the
type's fields) turned into items by ``TicketsRepository`` (``record_number`` for the
``TNUM#<n>`` item, ``put_ticket`` with its list-index keys, ``add_event`` with the
service's "created" event, ``index_subject`` with ``search_terms`` for the word index,
``sync_timers`` for the timers of the ticket's state), the writes of ``create_ticket``'s
``build``. They go to DynamoDB Local with ``BatchWriteItem``, 25 items a call from
``WRITERS`` threads while the next ones are built (``store_numbered``). The counter item
(``COUNTER#TICKET``, as ``store.counters.claim_number`` leaves it) follows, so the next
``POST /tickets`` gets the next number.

The tenant is shared (``on_ticket_tenant``): it is filled once to 1,000 tickets, the
parts that need it (this one, the timer sweep of bench/lifecycle.py, the inbound mail of
bench/mail.py) measure in turn, then it is filled up to 100,000 and they measure again.
What a part added at 1,000 (tickets through the API, due tickets) stays; the fill makes
up the rest, so each size is the number of tickets the tenant holds.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

TENANT = "demo"
PASSWORD = "Demo-password-1"
# BENCH_TICKET_SIZES=1000,5000 for a quick try; the figures in docs are for the default.
# The sizes of the shared tenant: this part's, the timer sweep's and the inbound mail's.
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


# --- the API ------------------------------------------------------------------------------


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
    from chalicelib.domain import tickets as ticket_models
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
    ticket = ticket_models.Ticket(
        id=ticket_id, number=ticket_models.ticket_number(number), subject=subject,
        description=f"{subject}. It started this week; screenshots on request.",
        status=status, priority=priority, ticket_type_id=ticket_type.id,
        organization_id=org, requester_id=requester,
        requester_name=w.principals[creator].record["name"] if requester else None,
        assignee_id=assignee, channel=channel, billable=ticket_type.billable,
        created_at=ctx.stamp, updated_at=changed, created_by=w.ids[creator],
        fields=ticket_models.validate_fields(ticket_type, given),
        **svc.sla_dues(w.settings, created, target, created),
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
    from chalicelib.domain import tickets as ticket_models
    from chalicelib.services import tickets as svc
    from chalicelib.store.schedule import sync_timers

    item = ticket.model_dump(mode="json")
    puts = CapturedPuts()
    r.record_number(puts.uow, TENANT, number, ticket.id)
    # activity: the ticket's id when created (create_ticket), a later change's id since (save)
    r.put_ticket(puts.uow, TENANT, item, expected=None,
                 activity=ticket.id if ticket.version == 1 else later.new_id())
    r.add_event(puts.uow, TENANT, ticket.id, svc.ticket_event(ctx, "created", {
        "number": ticket.number, "subject": ticket.subject, "channel": ticket.channel,
        "ticket_type_id": ticket.ticket_type_id, "priority": ticket.priority,
        "organization_id": ticket.organization_id}))
    r.index_subject(puts.uow, TENANT, item, ticket_models.search_terms(ticket.subject))
    sync_timers(puts.uow, r.table, TENANT, "TICKET", ticket.id, {}, timers)
    return puts.items()


# --- storing straight into DynamoDB Local ------------------------------------------------

WRITERS = 4  # threads sending BatchWriteItem; DynamoDB Local answers several at once
BATCH = 25  # BatchWriteItem's most
IN_FLIGHT = 4 * WRITERS  # batches handed over and not yet written
loaded: Counter[str] = Counter()  # table -> items stored by store_numbered in this process


class BatchWriter:
    """Items to ``BatchWriteItem``, ``BATCH`` a call, from ``WRITERS`` threads while the
    caller builds the next ones; what DynamoDB leaves unprocessed is sent again. Straight
    to the app's DynamoDB endpoint (``AWS_ENDPOINT_URL_DYNAMODB``, DynamoDB Local) over
    HTTP: the items are DynamoDB JSON already (the app's ``serialize``), and botocore's
    serialising, signing and hooks (moto's among them) would cost more of this 2-core
    machine's CPU than DynamoDB Local's own work, so the engine would wait. Not the app's
    client either, whose calls are counted."""

    def __init__(self, table: str) -> None:
        from urllib.parse import urlsplit

        from chalicelib.config import get_config

        endpoint = urlsplit(os.environ["AWS_ENDPOINT_URL_DYNAMODB"])
        assert endpoint.hostname in ("127.0.0.1", "localhost"), "for DynamoDB Local only"
        self.address = (endpoint.hostname, endpoint.port or 80)
        # DynamoDB Local (-sharedDb) reads the key and region of the credential and checks
        # no signature; the header must be there and well formed.
        key, region = os.environ.get("AWS_ACCESS_KEY_ID", "bench"), get_config().region
        self.headers = {
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": "DynamoDB_20120810.BatchWriteItem",
            "X-Amz-Date": "20260101T000000Z",
            "Authorization": f"AWS4-HMAC-SHA256 Credential={key}/20260101/{region}/dynamodb/"
                             "aws4_request, SignedHeaders=host;x-amz-date, Signature=0"}
        self.table = table
        self.batch: list[dict[str, Any]] = []
        self.written = 0
        self.local = threading.local()
        self.pool = ThreadPoolExecutor(WRITERS, thread_name_prefix="bench-writer")
        self.pending: list[Future[None]] = []
        self.room = threading.BoundedSemaphore(IN_FLIGHT)

    def add(self, items: Iterable[dict[str, Any]]) -> None:
        for item in items:
            self.batch.append({"PutRequest": {"Item": item}})
            if len(self.batch) == BATCH:
                self._hand_over()

    def _hand_over(self) -> None:
        self.room.acquire()  # at most IN_FLIGHT batches wait: memory stays flat
        batch, self.batch = self.batch, []
        self.written += len(batch)
        for future in [f for f in self.pending if f.done()]:
            future.result()  # a failed batch stops the fill at once
        self.pending = [f for f in self.pending if not f.done()]
        self.pending.append(self.pool.submit(self._write, batch))

    def call(self, target: str, body: dict[str, Any]) -> dict[str, Any]:
        """One DynamoDB API call (``target``: ``BatchWriteItem``, ``PutItem``) on this
        thread's connection."""
        import http.client

        connection = getattr(self.local, "connection", None)
        if connection is None:
            connection = self.local.connection = http.client.HTTPConnection(
                *self.address, timeout=120)
        connection.request("POST", "/", body=json.dumps(body), headers={
            **self.headers, "X-Amz-Target": f"DynamoDB_20120810.{target}"})
        answer = connection.getresponse()
        parsed: dict[str, Any] = json.loads(answer.read() or b"{}")
        if answer.status != 200:
            raise RuntimeError(f"{target}: {answer.status} {parsed}")
        return parsed

    def _write(self, batch: list[dict[str, Any]]) -> None:
        try:
            request, tries = {self.table: batch}, 0
            while request:
                request = self.call("BatchWriteItem", {"RequestItems": request}).get(
                    "UnprocessedItems") or {}
                tries += 1
                if request:  # DynamoDB Local does not throttle; AWS would
                    time.sleep(min(0.05 * 2 ** tries, 2))
        finally:
            self.room.release()

    def close(self) -> int:
        """Waits for every batch; raises the first failure. The items written."""
        if self.batch:
            self._hand_over()
        self.pool.shutdown(wait=True)
        for future in self.pending:
            future.result()
        loaded[self.table] += self.written
        return self.written


def tickets_in_tenant() -> int:
    """The tickets the tenant holds: their numbers run from ``FIRST_NUMBER`` without gaps
    (the bulk's, the API's and the seed's alike)."""
    from chalicelib.domain.tickets import FIRST_NUMBER
    from chalicelib.services.tickets import repo
    from chalicelib.store.counters import last_number
    from chalicelib.store.tickets import TICKET_COUNTER

    return (last_number(repo().table, TENANT, TICKET_COUNTER) or FIRST_NUMBER - 1) \
        - FIRST_NUMBER + 1


def store_numbered(table_name: str, counter: str, first: int, made: int, until: int,
                   checked: bool, items_of: Callable[[int, int], Iterable[dict[str, Any]]],
                   ) -> int:
    """Stores aggregates ``made``..``until`` under the next numbers of ``counter``, each as
    ``items_of(index, number)`` gives its items (``BatchWriter``), then moves the counter
    as ``counters.claim_number`` would: new numbers made through the API continue from
    there. ``made`` is the number of aggregates the counter has given out so far.
    ``checked`` no longer chooses a path: every item goes through DynamoDB Local's own
    checks (kept so that callers need not change)."""
    from chalicelib.store.counters import last_number
    from chalicelib.store.dynamo import serialize
    from chalicelib.store.tables import tenant_pk

    writer = BatchWriter(table_name)
    last = last_number(table_name, TENANT, counter)
    try:
        while made < until:
            number = (last or first - 1) + 1  # as services.writes.with_next_number
            writer.add(items_of(made, number))
            last, made = number, made + 1
    finally:
        writer.close()
    writer.call("PutItem", {"TableName": table_name, "Item": serialize(
        {"PK": tenant_pk(TENANT), "SK": f"COUNTER#{counter}", "last": last})})
    loaded[table_name] += 1
    assert last_number(table_name, TENANT, counter) == first - 1 + until
    return made


@dataclass
class Load:
    """One fill: tickets added, items written, seconds (building them included)."""

    tickets: int
    items: int
    seconds: float

    def row(self) -> dict[str, Any]:
        return {"tickets": self.tickets, "items": self.items, "seconds": round(self.seconds, 1),
                "items_per_second": round(self.items / self.seconds) if self.seconds else 0}


def fill(w: World, until: int) -> Load:
    """Adds tickets until the tenant holds ``until`` of them; numbers continue the counter."""
    from chalicelib.domain.tickets import FIRST_NUMBER
    from chalicelib.services.tickets import repo
    from chalicelib.store.tickets import TICKET_COUNTER

    started = time.perf_counter()
    r = repo()
    rng = random.Random(until)
    w.made = before = tickets_in_tenant()  # the API's tickets count too
    items = loaded[r.table]
    w.made = store_numbered(r.table, TICKET_COUNTER, FIRST_NUMBER, w.made, until, True,
                            lambda index, number: _ticket_items(w, r, rng, index, number))
    return Load(w.made - before, loaded[r.table] - items, time.perf_counter() - started)


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
    from chalicelib.domain import tickets as ticket_models
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
    types = {i["id"]: ticket_models.TicketType.model_validate(i) for i in repo().list_types(TENANT)}
    settings = TenantSettings.model_validate(directory().get_settings(TENANT))
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    return World(api, admin, agent, customer, ids, principals, acme, organisations, types,
                 settings,
                 start=now - SPAN, now=now)


# --- the app on DynamoDB Local and moto ------------------------------------------------------


def _data_parent() -> Path | None:
    """Where DynamoDB Local keeps the bench's SQLite file: ``/dev/shm`` (tmpfs) when it is
    there, since DynamoDB Local commits each batch with an fsync and on tmpfs that costs
    nothing; None: ``-inMemory``, also chosen by ``BENCH_DYNAMODB_STORAGE=memory`` (it
    stored the ticket part's items some 40 % faster than tmpfs on this machine)."""
    shm = Path("/dev/shm")
    if os.environ.get("BENCH_DYNAMODB_STORAGE") == "memory":
        return None
    return shm if shm.is_dir() and os.access(shm, os.W_OK) else None


def engine_storage() -> str:
    """Where the bench's DynamoDB Local keeps its tables, for the report."""
    return "a file on tmpfs (`/dev/shm`)" if _data_parent() else "memory (`-inMemory`)"


def _reset_caches() -> None:
    from chalicelib.config import get_config
    from chalicelib.store import health, outbox
    from chalicelib.store.clients import reset_clients

    get_config.cache_clear()
    reset_clients()
    health.queue_url.cache_clear()
    outbox.queue_url.cache_clear()


@contextmanager
def app_on_dynamodb_local() -> Iterator[Any]:
    """The chalice test client of ``app.app`` in this process, with its tables on a DynamoDB
    Local of its own (started here, its data under ``/dev/shm`` or in memory, see
    ``_data_parent``) and S3, SQS, SES and Cognito on moto's in-process mock, seeded with
    the demo tenants. moto's ``mock_aws`` intercepts AWS's own addresses only, so the app's
    DynamoDB client, sent to ``AWS_ENDPOINT_URL_DYNAMODB`` (127.0.0.1), reaches the engine
    (``check_engine`` makes sure). Afterwards the engine is stopped, its data removed and
    the environment put back."""
    os.environ.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                       "AWS_DEFAULT_REGION": "eu-west-1", "AWS_REGION": "eu-west-1",
                       "HELPDESK_SECRET": "bench-secret-bench-secret-bench-secret"})
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_PROFILE"):
        os.environ.pop(name, None)
    import requests
    from chalice.test import Client
    from moto import mock_aws

    from local.dynamodb_local import DynamoDBLocal

    saved = dict(os.environ)
    parent = _data_parent()
    data = Path(tempfile.mkdtemp(prefix="helpdesk-bench-", dir=parent)) if parent else None
    engine = DynamoDBLocal(data)
    try:
        endpoint = engine.start()
        with mock_aws():
            from local.bootstrap import create_resources

            resources = create_resources(None, dynamodb_endpoint_url=endpoint)
            os.environ.update(resources.env())
            os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = endpoint
            from app import app
            from chalicelib.identity.verifier import use_jwks
            from local.seed import seed

            _reset_caches()
            check_engine(endpoint)
            use_jwks(lambda: requests.get(resources.jwks_url, timeout=5).json())
            seed(PASSWORD)
            try:
                with Client(app, stage_name="local") as http:
                    yield http
            finally:
                use_jwks(None)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        _reset_caches()
        engine.stop()
        if data is not None:
            shutil.rmtree(data, ignore_errors=True)


def check_engine(endpoint: str) -> None:
    """The app's DynamoDB client talks to the engine at ``endpoint`` and not to moto: the
    tables are there, and moto's DynamoDB has none."""
    import boto3

    from chalicelib.config import get_config
    from chalicelib.store.clients import client

    ddb = client("dynamodb")
    assert ddb.meta.endpoint_url == endpoint, (ddb.meta.endpoint_url, endpoint)
    assert get_config().tickets_table in ddb.list_tables()["TableNames"]
    on_moto = boto3.session.Session(region_name=get_config().region).client(
        "dynamodb", endpoint_url=f"https://dynamodb.{get_config().region}.amazonaws.com")
    assert on_moto.list_tables()["TableNames"] == [], "moto holds tables: not the engine's"


# --- the shared tenant ---------------------------------------------------------------------


class Part(Protocol):
    """A part of ``make bench`` that measures in the shared tenant."""

    def at(self, w: World, size: int) -> None:
        """Measures with the tenant holding ``size`` tickets (``w.made``)."""


# Seconds of the last on_ticket_tenant: "setup", "fill" and each part's class name.
shared_seconds: Counter[str] = Counter()


def on_ticket_tenant(parts: Sequence[Part]) -> dict[int, Load]:
    """One tenant for the parts that need many tickets: the app on DynamoDB Local
    (``app_on_dynamodb_local``), the ``demo`` tenant filled with this module's tickets up
    to each of ``SIZES`` in turn, and at each size every part's ``at(w, size)``, in order.
    The fills, by size; where the time went in ``shared_seconds``."""
    loads: dict[int, Load] = {}
    shared_seconds.clear()
    started = time.perf_counter()
    with app_on_dynamodb_local() as http:
        w = _world(Api(http.http))
        shared_seconds["setup"] += time.perf_counter() - started
        for size in SIZES:
            loads[size] = fill(w, size)
            shared_seconds["fill"] += loads[size].seconds
            for part in parts:
                began = time.perf_counter()
                part.at(w, size)
                shared_seconds[type(part).__name__] += time.perf_counter() - began
    return loads


class Requests:
    """This part: the requests of ``_requests`` at each size, counted."""

    def __init__(self) -> None:
        self.figures: dict[str, Any] = {"sizes": {}, "request_seconds": {}, "search_hits": {}}

    def at(self, w: World, size: int) -> None:
        from chalicelib.store.clients import client

        self.figures["search_hits"][size] = w.search_hits
        self.figures.setdefault("tickets", {})[size] = w.made
        rows, seconds = measure(w, size, client("dynamodb").meta.events)
        if size == SIZES[0]:
            differences = same_shape(w)
            if differences:
                raise AssertionError("bulk tickets are not what the API writes: "
                                     + "; ".join(differences))
        self.figures["sizes"][size] = rows
        self.figures["request_seconds"][size] = seconds

    def result(self, loads: dict[int, Load]) -> dict[str, Any]:
        small, large = (self.figures["sizes"][s] for s in SIZES)
        return {**self.figures, "fill": {s: load.row() for s, load in loads.items()},
                "storage": engine_storage(), "writers": WRITERS,
                "differing": [a["request"] for a, b in zip(small, large, strict=True)
                              if a != b]}


def run() -> dict[str, Any]:
    """This part alone: fill to 1,000, measure, fill to 100,000, measure."""
    part = Requests()
    return part.result(on_ticket_tenant([part]))


if __name__ == "__main__":
    print(json.dumps(run(), indent=1, default=str))
