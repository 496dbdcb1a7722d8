"""The lifecycle part of ``make bench``: what one timer sweep reads, and how fast the
notifications consumer gets through its messages.

1. Items read by one sweep (``jobs.sweeps.ticket_timers``) of a tenant with 1,000 tickets,
   100 of them due; the same sweep again at once (nothing due); once more after 10 more
   tickets fell due; and with 100,000 tickets, 100 of the new ones due (the sweeps at the
   small size are the cheap ones: moto answers each Query by going through the whole
   table). The bench fails when a sweep's reads or reminders are not the due count, at
   100,000 tickets too. The tickets are made by the app's own
   code and stored straight into moto, as bench/tickets.py stores its tickets
   (``store_numbered``, ``fast_put`` beyond the first size): ``Ticket`` models turned into
   items by ``TicketsRepository`` (``record_number``, ``put_ticket`` with its list keys,
   ``add_event`` with the "created" event) and, for each, the timer items the service
   writes for that state (``sync_timers`` from no timers to ``domain.lifecycle.
   ticket_timers(ticket)``, as ``create_ticket`` and every later change do). No word
   index and no later history: the sweep reads neither. Every ticket waits for something:
   open ones for their SLA warnings, resolved ones for the approval reminder or, once
   reminded, for auto-close; all of it in the future except the due tickets, which are
   resolved, with a requester, their ``approval_due_at`` passed, so the sweep really
   reminds them. Counted as bench/tickets.py counts (botocore's ``provide-client-params``
   and ``after-call`` on the app's DynamoDB client), by operation and index.

2. Notification throughput of the consumer (``jobs.notifications.handle_batch``), in
   process on moto: tickets of the seed's customer with two contacts of the same
   organisation watching, public comments by the agent through the API (each writes one
   ``commented`` outbox record as the service does), the relay (``jobs.relay.relay``)
   moves the records to the notifications queue, and the consumer takes them from the
   queue ten at a time, as the SQS trigger (``batch_size=10``) hands them over; each
   message renders and sends an e-mail (SES, with the domain
   ``local.bootstrap.create_resources`` verifies) and an in-app notice to the requester
   and each watcher. Wall clock around ``handle_batch`` only (``time.perf_counter``),
   and how much of it was spent inside the DynamoDB and SES clients' calls.

``python -m bench.lifecycle`` runs this part alone and prints the figures as JSON.
``BENCH_LIFECYCLE_SIZES=1000,10000`` and ``BENCH_NOTIFY_MESSAGES=100`` for a quick try; the
figures in docs are for the defaults.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.tickets import (
    TENANT,
    Api,
    _table,
    _world,
    app_on_moto,
    counting,
    store_numbered,
    stored_ticket,
)

SIZES = tuple(int(n) for n in
              os.environ.get("BENCH_LIFECYCLE_SIZES", "1000,100000").split(","))
DUE = 100  # tickets falling due in each of the two fills
MORE_DUE = 10  # and then this many more, with no other ticket added
# What the tickets that are not due wait for (% of them): SLA warnings, the approval
# reminder, auto-close.
WAITING = {"sla": 60, "approval": 30, "auto_close": 10}
MESSAGES = int(os.environ.get("BENCH_NOTIFY_MESSAGES", "500"))
COMMENTS_PER_TICKET = 10
WATCHERS = 2
BATCH = 10  # messages per handle_batch, as the SQS trigger's batch size
FAR = 900.0  # time_left: never stop early


@contextmanager
def time_in_calls(clients: dict[str, Any]) -> Iterator[Counter[str]]:
    """Seconds spent inside each client's calls, by service: from botocore's
    ``provide-client-params`` to ``after-call`` (or ``after-call-error``), i.e. the request
    built, moto answering it, the answer parsed."""
    spent: Counter[str] = Counter()
    registered = []
    for name, aws in clients.items():
        def start(context: dict[str, Any], **_: Any) -> None:
            context["bench_started"] = time.perf_counter()

        def stop(context: dict[str, Any], _name: str = name, **_: Any) -> None:
            began = context.pop("bench_started", None)
            if began is not None:
                spent[_name] += time.perf_counter() - began

        for event, handler in ((f"provide-client-params.{name}", start),
                               (f"after-call.{name}", stop),
                               (f"after-call-error.{name}", stop)):
            aws.meta.events.register(event, handler)
            registered.append((aws, event, handler))
    try:
        yield spent
    finally:
        for aws, event, handler in registered:
            aws.meta.events.unregister(event, handler)


# --- 1. the sweep --------------------------------------------------------------------------


@dataclass
class Tenant:
    w: Any  # bench.tickets.World: users, organisations, types, settings
    now: datetime  # the sweep's ``now`` (its schedule's time)
    made: int = 0
    due_ids: list[str] = field(default_factory=list)  # of the fill in progress
    waiting: Counter[str] = field(default_factory=Counter)  # what the bulk tickets wait for


def _minutes(m: float) -> timedelta:
    return timedelta(minutes=m)


def _ticket_items(s: Tenant, r: Any, rng: random.Random, number: int,
                  due: bool) -> list[dict[str, Any]]:
    """One ticket in the state its waiting kind needs, as the services write it: number
    item, ticket item with its list keys, "created" event, and its timers."""
    from chalicelib.domain import tickets as t
    from chalicelib.domain.lifecycle import ticket_timers
    from chalicelib.domain.models import utc_iso
    from chalicelib.services import tickets as svc
    from chalicelib.services.context import Ctx

    w, now = s.w, s.now
    settings = w.settings
    approval, auto_close = (timedelta(hours=settings.approval_reminder_hours),
                            timedelta(hours=settings.auto_close_hours))
    kind = "due" if due else rng.choices(list(WAITING), list(WAITING.values()))[0]
    org = w.acme if due or rng.random() < 0.2 else rng.choice(w.organisations[1:])
    requester = w.ids[w.customer] if org == w.acme else None
    state: dict[str, Any] = {}
    if kind == "sla":  # came in during the last half hour; its SLA warnings are ahead
        created = now - _minutes(rng.uniform(1, 30))
        status = rng.choice(["new", "new", "open", "waiting_on_customer",
                             "waiting_on_third_party"])
        priority = rng.choice(["low", "normal", "normal", "high"])
        state = svc._sla_dues(settings, created, settings.sla_targets[priority], created)
        if status != "new":
            state["first_response_at"] = utc_iso(created + (now - created) / 2)
        changed = created if status == "new" else created + (now - created) / 2
    else:
        priority = rng.choice(["low", "normal", "normal", "high"])
        if kind == "due":  # the approval reminder is due: resolved over 120 h ago
            resolved = now - approval - _minutes(rng.uniform(1, 48 * 60))
            reminded = None
        elif kind == "approval":  # resolved within the 120 h
            resolved = now - approval + _minutes(rng.uniform(10, approval.total_seconds() / 60))
            reminded = None
        else:  # reminded (the sweep ran a little late) within the last 24 h
            reminded = now - auto_close + _minutes(rng.uniform(10, auto_close.total_seconds()
                                                               / 60))
            resolved = reminded - approval - _minutes(rng.uniform(0, 10))
        created = resolved - timedelta(hours=rng.uniform(1, 24 * 14))
        status, changed = "resolved", reminded or resolved
        state = {"first_response_at": utc_iso(created + _minutes(45)),
                 "resolved_at": utc_iso(resolved),
                 "resolution": "Fixed and checked with the customer.",
                 "approval": {"state": "pending"},
                 "approval_due_at": utc_iso(resolved + approval)}
        if reminded:
            state |= {"reminder_sent_at": utc_iso(reminded),
                      "auto_close_at": utc_iso(reminded + auto_close)}
    creator = w.customer if requester else w.admin
    ticket_type = w.types["question"]
    ctx = Ctx(principal=w.principals[creator], now=created)
    later = Ctx(principal=w.principals[w.agent], now=changed)
    ticket_id = ctx.new_id()
    subject = f"Invoice {number} {rng.choice(['does not open', 'is missing', 'is wrong'])}"
    ticket = t.Ticket(
        id=ticket_id, number=t.ticket_number(number), subject=subject,
        description=f"{subject}. Screenshots on request.", status=status, priority=priority,
        ticket_type_id=ticket_type.id, organization_id=org, requester_id=requester,
        requester_name=w.principals[creator].record["name"] if requester else None,
        assignee_id=None if status == "new" else w.ids[w.agent],
        channel="portal" if requester else "phone", billable=ticket_type.billable,
        created_at=ctx.stamp, updated_at=later.stamp, created_by=w.ids[creator],
        version=1 if status == "new" else (3 if kind == "auto_close" else 2), **state)
    timers = ticket_timers(ticket)
    stamp = utc_iso(now)
    if due:
        assert set(timers) == {"approval_reminder"} and timers["approval_reminder"] <= stamp
        s.due_ids.append(ticket_id)
    else:
        assert timers and min(timers.values()) > stamp, (kind, timers, stamp)
    s.waiting.update(timers.keys())
    return stored_ticket(r, ticket, number, ctx, later, timers)


def fill(s: Tenant, until: int, due: int, checked: bool) -> float:
    """Adds tickets until the tenant holds ``until``; ``due`` of the new ones (spread
    evenly among them) are due."""
    from chalicelib.domain.tickets import FIRST_NUMBER
    from chalicelib.services.tickets import repo
    from chalicelib.store.tickets import TICKET_COUNTER

    started, r, rng = time.perf_counter(), repo(), random.Random(until)
    s.due_ids = []
    first, new = s.made, until - s.made
    due_at = {first + i * new // due for i in range(due)} if due else set()
    s.made = store_numbered(r.table, TICKET_COUNTER, FIRST_NUMBER, s.made, until, checked,
                            lambda index, number: _ticket_items(s, r, rng, number,
                                                                index in due_at))
    assert len(s.due_ids) == due
    return time.perf_counter() - started


def _waiting_in_index(table_name: str) -> Counter[str]:
    """Items carrying ``due_shard`` (so in the ``due`` index), by kind, read off moto."""
    found: Counter[str] = Counter()
    for partition in _table(table_name).items.values():
        for item in partition.values():
            shard = item.attrs.get("due_shard")
            if shard is not None:
                found[shard.value.split("#")[0]] += 1
    return found


def _reminded(s: Tenant, table: str) -> dict[str, int]:
    """Of this fill's due tickets: reminded (``reminder_sent_at`` and an auto-close timer
    set), and the ``reminder_sent`` outbox records about them."""
    from chalicelib.services.tickets import repo
    from chalicelib.store.dynamo import get_item
    from chalicelib.store.tables import scoped_pk
    from chalicelib.store.tickets import ticket_pk

    reminded = 0
    for ticket_id in s.due_ids:
        ticket = repo().get_ticket(TENANT, ticket_id) or {}
        timer = get_item(table, ticket_pk(TENANT, ticket_id), "TIMER#auto_close")
        if ticket.get("reminder_sent_at") and timer and timer["due_at"] == ticket.get(
                "auto_close_at"):
            reminded += 1
    # The outbox partition read off moto: through the API a Query (moto's goes through
    # the whole table, as the sweep's own do).
    from moto.dynamodb.models.dynamo_type import DynamoType

    outbox = _table(table).items.get(DynamoType({"S": scoped_pk(TENANT, "OUTBOX")}), {})
    records = [json.loads(i.attrs["record"].value) for i in outbox.values()]
    wanted = set(s.due_ids)
    outboxed = sum(1 for x in records if x["event"]["type"] == "reminder_sent"
                   and x["subject_id"] in wanted)
    return {"reminded": reminded, "outbox_records": outboxed}


def _sweep(s: Tenant, events: Any, table: str, label: str, due: int) -> dict[str, Any]:
    from chalicelib.jobs.sweeps import ticket_timers

    waiting = _waiting_in_index(table)
    started = time.perf_counter()
    with counting(events, per_op=True) as tally:
        report = ticket_timers(s.now, lambda: FAR)
    seconds = round(time.perf_counter() - started, 1)
    return {"step": label, "tickets": s.made, "waiting": dict(sorted(waiting.items())),
            "due": due, "read": report["read"],
            "report": {k: v for k, v in sorted(report.items()) if k != "read"},
            **tally.row(), **_reminded(s, table), "seconds": seconds}


def sweep_run() -> dict[str, Any]:
    """Fill to 1,000 (100 due), sweep; sweep again at once (none due); 10 more tickets,
    all due, sweep; fill to 100,000 (100 of the new ones due), sweep. The sweeps at the
    small size are the cheap ones on moto (each Query goes through the whole table)."""
    from bench.moto_speed import same_order

    small, large = SIZES
    steps = [(f"{small:,} tickets", small, DUE), ("the same sweep again at once", small, 0),
             (f"{MORE_DUE} more tickets, all due", small + MORE_DUE, MORE_DUE),
             (f"{large:,} tickets", large, DUE)]
    result: dict[str, Any] = {"rows": []}
    with app_on_moto() as (http, moto_all_items):
        from chalicelib.config import get_config
        from chalicelib.store.clients import client

        s = Tenant(_world(Api(http.http)), now=datetime.now(UTC).replace(microsecond=0))
        events, table = client("dynamodb").meta.events, get_config().tickets_table
        for label, until, due in steps:
            filled, s.due_ids = 0.0, []
            if until > s.made:
                filled = fill(s, until, due, checked=s.made == 0 or moto_all_items is None)
                if until == small and moto_all_items is not None and not same_order(
                        _table(table), moto_all_items):
                    raise AssertionError(f"bench/moto_speed.py sorts {table} unlike moto")
            result["rows"].append({**_sweep(s, events, table, label, due),
                                   "fill_seconds": round(filled, 1)})
        result["waiting_kinds"] = dict(s.waiting)
    result["moto_shortcuts"] = moto_all_items is not None
    result["failed"] = [
        f"{r['step']}: read {r['read']}, reminded {r['reminded']}, outbox records"
        f" {r['outbox_records']}, report {r['report']} for {r['due']} due"
        for r in result["rows"]
        if not r["read"] == r["reminded"] == r["outbox_records"] == r["due"]
        or r["report"] != ({"approval_reminder:remind": r["due"], "more": False}
                           if r["due"] else {"more": False})]
    return result


# --- 2. the notifications consumer ----------------------------------------------------------


def _drain_outboxes() -> int:
    """What the setup published (the tickets' "created", the first answers' status
    changes) is taken out, as if relayed and delivered before: the queue then holds only
    the comments."""
    from chalicelib.config import get_config
    from chalicelib.store import outbox

    drained = 0
    for table in (get_config().tickets_table, get_config().contact_orders_table):
        items = list(outbox.pending(table, "9999"))
        outbox.remove(table, items)
        drained += len(items)
    return drained


def notify_run() -> dict[str, Any]:
    from chalicelib.config import get_config
    from chalicelib.jobs import relay as relay_job
    from chalicelib.jobs.notifications import handle_batch

    tickets = max(1, MESSAGES // COMMENTS_PER_TICKET)
    result: dict[str, Any] = {"tickets": tickets, "watchers": WATCHERS}
    with app_on_moto() as (http, _):
        from chalicelib.store.clients import client

        started = time.perf_counter()
        api = Api(http.http)
        admin, agent, customer = (api.login(f"{who}@{TENANT}.test")
                                  for who in ("admin", "agent", "customer"))
        me = api.call("GET", "/me", customer)
        watchers = [api.call("POST", "/users", admin, {
            "email": f"watcher{i}@{TENANT}.test", "name": f"Wilma Watcher {i}",
            "kind": "contact", "organization_id": me["organization_id"]})["id"]
            for i in range(WATCHERS)]
        ids = []
        for n in range(tickets):
            ticket = api.call("POST", "/tickets", admin, {
                "subject": f"Payslip {n} does not open", "ticket_type_id": "question",
                "organization_id": me["organization_id"], "requester_id": me["id"],
                "channel": "phone", "watchers": watchers})
            api.call("POST", f"/tickets/{ticket['id']}/comments", agent,
                     {"body": "We are looking into it."})  # the first answer opens it
            ids.append(ticket["id"])
        result["drained"] = _drain_outboxes()
        for round_ in range(COMMENTS_PER_TICKET):
            for ticket_id in ids:
                api.call("POST", f"/tickets/{ticket_id}/comments", agent,
                         {"body": f"Update {round_ + 1}: the payslip opens again after"
                                  " the fix; please check on your side."})
        result["setup_seconds"] = round(time.perf_counter() - started, 1)

        now = datetime.now(UTC) + timedelta(seconds=1)
        ddb_events = client("dynamodb").meta.events
        with counting(ddb_events, per_op=True) as relayed_tally:
            result["relay"] = relay_job.relay(now, lambda: FAR)
        result["relay_calls"] = relayed_tally.row()

        sqs, queue = client("sqs"), relay_job._queue_url()
        ses_sent: Counter[str] = Counter()

        def sent(parsed: dict[str, Any], **_: Any) -> None:
            ses_sent["email" if parsed.get("MessageId") else "failed"] += 1

        client("ses").meta.events.register("after-call.ses.SendRawEmail", sent)
        seconds, messages, failures, batches = 0.0, 0, [], Counter[int]()
        try:
            with counting(ddb_events, per_op=True) as tally, time_in_calls(
                    {"dynamodb": client("dynamodb"), "ses": client("ses")}) as in_calls:
                while True:
                    got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=BATCH,
                                              WaitTimeSeconds=0).get("Messages", [])
                    if not got:
                        break
                    event = {"Records": [{"messageId": m["MessageId"], "body": m["Body"]}
                                         for m in got]}
                    started = time.perf_counter()
                    answer = handle_batch(event)
                    seconds += time.perf_counter() - started
                    failures += answer["batchItemFailures"]
                    messages += len(got)
                    batches[len(got)] += 1
                    sqs.delete_message_batch(QueueUrl=queue, Entries=[
                        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                        for i, m in enumerate(got)])
        finally:
            client("ses").meta.events.unregister("after-call.ses.SendRawEmail", sent)
        in_app = tally.calls.get("TransactWriteItems", 0)
        result |= {
            "messages": messages, "batches": dict(batches), "failures": len(failures),
            "seconds": round(seconds, 2), "emails": ses_sent["email"], "in_app": in_app,
            "deliveries": ses_sent["email"] + in_app,
            "messages_per_second": round(messages / seconds, 1),
            "deliveries_per_second": round((ses_sent["email"] + in_app) / seconds, 1),
            "calls": tally.row(),
            "seconds_in_calls": {k: round(v, 2) for k, v in sorted(in_calls.items())},
            "seconds_outside_calls": round(seconds - sum(in_calls.values()), 2),
            "calls_per_message": {op: round(n / max(messages, 1), 2)
                                  for op, n in sorted(tally.calls.items())},
            "mail_from": get_config().mail_from,
        }
    expected = tickets * COMMENTS_PER_TICKET
    per_message = 1 + WATCHERS  # the requester and the watchers; the agent wrote it
    result["failed"] = [x for x, bad in (
        (f"relay read {result['relay']['read']} of {expected}",
         result["relay"]["read"] != expected),
        (f"{messages} messages handled of {expected}", messages != expected),
        (f"{len(failures)} messages failed", bool(failures)),
        (f"{result['emails']} e-mails, {in_app} in-app notices for {messages} messages",
         result["emails"] != in_app or in_app != per_message * messages),
    ) if bad]
    return result


def run() -> dict[str, Any]:
    return {"sweep": sweep_run(), "notify": notify_run()}


if __name__ == "__main__":
    figures = run()
    print(json.dumps(figures, indent=1, default=str))
    if figures["sweep"]["failed"] or figures["notify"]["failed"]:
        raise SystemExit("FAILED: " + "; ".join(figures["sweep"]["failed"]
                                                + figures["notify"]["failed"]))
