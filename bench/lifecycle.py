"""The lifecycle part of ``make bench``: what one timer sweep reads, and how fast the
notifications consumer gets through its messages.

1. Items read by one sweep (``jobs.sweeps.ticket_timers``) in the tenant of the ticket
   part (bench/tickets.py's ``on_ticket_tenant``: its 1,000, then 100,000 tickets, on
   DynamoDB Local) with 100 due tickets added; the same sweep again at once (nothing
   due); once more after 10 more tickets fell due; and at 100,000 tickets with 100 due
   tickets added again. The bench fails when a sweep's reads or reminders are not the due
   count. The tickets of the ticket part carry the timers ``sync_timers`` writes for
   their state (``domain.lifecycle.ticket_timers``: SLA warnings and breaches of the open
   ones, approval reminders of the resolved ones), at their own times, from two years ago
   up to today; a sweep at today's time would find every one of them that a sweep running
   all along would have done long ago. So the sweep runs with its clock (``now``) set
   the day before the first of those tickets was made: all their timers are ahead of it,
   waiting in the ``due`` index as a tenant's timers wait. The due tickets are made for
   that clock by the app's own code and stored as bench/tickets.py stores its tickets
   (``store_numbered``): resolved, with a requester, their ``approval_due_at`` passed, so
   the sweep really reminds them (``Ticket`` models turned into items by
   ``TicketsRepository``: ``record_number``, ``put_ticket`` with its list keys,
   ``add_event`` with the "created" event, the word index, and the timer items of
   ``sync_timers`` from no timers to ``ticket_timers(ticket)``). Counted as
   bench/tickets.py counts (botocore's ``provide-client-params`` and ``after-call`` on the
   app's DynamoDB client), by operation and index.

2. Notification throughput of the consumer (``jobs.notifications.handle_batch``), in
   process on DynamoDB Local and moto (``app_on_dynamodb_local``, a tenant of its own):
   tickets of the seed's customer with two contacts of the same organisation watching,
   public comments by the agent through the API. Each comment's commit sends its
   ``commented`` outbox record to the notifications queue at once (the unit of work's
   after-commit send, ``store/outbox.py``), and the consumer takes them from the queue
   ten at a time, as the SQS trigger (``batch_size=10``) hands them over; each message
   renders and sends an e-mail (SES, with the domain ``local.bootstrap.create_resources``
   verifies) and an in-app notice to the requester and each watcher, and deletes its
   outbox record. The relay (``jobs.relay.relay``, the safety net) runs afterwards, past
   the records' grace: it must find nothing. Wall clock around ``handle_batch`` only
   (``time.perf_counter``), and how much of it was spent inside the DynamoDB and SES
   clients' calls.

``python -m bench.lifecycle`` runs this part alone (filling its own tenant) and prints the
figures as JSON. ``BENCH_TICKET_SIZES=1000,5000`` and ``BENCH_NOTIFY_MESSAGES=100`` for a
quick try; the figures in docs are for the defaults.
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
    SIZES,
    TENANT,
    Api,
    Load,
    app_on_dynamodb_local,
    counting,
    engine_storage,
    on_ticket_tenant,
    store_numbered,
    stored_ticket,
    tickets_in_tenant,
)

DUE = 100  # tickets falling due at each size
MORE_DUE = 10  # and then this many more, with no other ticket added
SWEEP_CLOCK = timedelta(days=1)  # the sweep's now: this long before the first bulk ticket
MESSAGES = int(os.environ.get("BENCH_NOTIFY_MESSAGES", "500"))
COMMENTS_PER_TICKET = 10
WATCHERS = 2
BATCH = 10  # messages per handle_batch, as the SQS trigger's batch size
FAR = 900.0  # time_left: never stop early


@contextmanager
def time_in_calls(clients: dict[str, Any]) -> Iterator[Counter[str]]:
    """Seconds spent inside the calls of each label's client (or list of clients): from
    botocore's ``provide-client-params`` to ``after-call`` (or ``after-call-error``), i.e.
    the request built, the engine or moto answering it, the answer parsed."""
    spent: Counter[str] = Counter()
    registered = []
    for name, given in clients.items():
        def start(context: dict[str, Any], **_: Any) -> None:
            context["bench_started"] = time.perf_counter()

        def stop(context: dict[str, Any], _name: str = name, **_: Any) -> None:
            began = context.pop("bench_started", None)
            if began is not None:
                spent[_name] += time.perf_counter() - began

        for aws in given if isinstance(given, list) else [given]:
            service = aws.meta.service_model.service_id.hyphenize()
            for event, handler in ((f"provide-client-params.{service}", start),
                                   (f"after-call.{service}", stop),
                                   (f"after-call-error.{service}", stop)):
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
    now: datetime  # the sweep's ``now``
    due_ids: list[str] = field(default_factory=list)  # of the last tickets added


def _minutes(m: float) -> timedelta:
    return timedelta(minutes=m)


def _due_ticket_items(s: Tenant, r: Any, rng: random.Random,
                      number: int) -> list[dict[str, Any]]:
    """One ticket whose approval reminder is due at the sweep's ``now``, as the services
    write it: resolved over ``approval_reminder_hours`` ago, the customer its requester.
    Number item, ticket item with its list keys, "created" event, word index, timers."""
    from chalicelib.domain import tickets as ticket_models
    from chalicelib.domain.lifecycle import ticket_timers
    from chalicelib.domain.models import utc_iso
    from chalicelib.services.context import Ctx

    w, now = s.w, s.now
    approval = timedelta(hours=w.settings.approval_reminder_hours)
    resolved = now - approval - _minutes(rng.uniform(1, 48 * 60))
    created = resolved - timedelta(hours=rng.uniform(1, 24 * 14))
    ticket_type = w.types["question"]
    ctx = Ctx(principal=w.principals[w.customer], now=created)
    later = Ctx(principal=w.principals[w.agent], now=resolved)
    ticket_id = ctx.new_id()
    subject = f"Invoice {number} {rng.choice(['does not open', 'is missing', 'is wrong'])}"
    ticket = ticket_models.Ticket(
        id=ticket_id, number=ticket_models.ticket_number(number), subject=subject,
        description=f"{subject}. Screenshots on request.", status="resolved",
        priority=rng.choice(["low", "normal", "normal", "high"]),
        ticket_type_id=ticket_type.id, organization_id=w.acme,
        requester_id=w.ids[w.customer], requester_name=w.principals[w.customer].record["name"],
        assignee_id=w.ids[w.agent], channel="portal", billable=ticket_type.billable,
        created_at=ctx.stamp, updated_at=later.stamp, created_by=w.ids[w.customer],
        first_response_at=utc_iso(created + _minutes(45)), resolved_at=utc_iso(resolved),
        resolution="Fixed and checked with the customer.", approval={"state": "pending"},
        approval_due_at=utc_iso(resolved + approval), version=2)
    timers = ticket_timers(ticket)
    assert set(timers) == {"approval_reminder"} and timers["approval_reminder"] <= utc_iso(now)
    s.due_ids.append(ticket_id)
    w.count_search_hit(subject)  # the ticket part's ``q=`` figure counts every ticket
    return stored_ticket(r, ticket, number, ctx, later, timers)


def add_due(s: Tenant, due: int) -> None:
    """Adds ``due`` tickets whose approval reminder is due, numbered after the tenant's."""
    from chalicelib.domain.tickets import FIRST_NUMBER
    from chalicelib.services.tickets import repo
    from chalicelib.store.tickets import TICKET_COUNTER

    r, held = repo(), tickets_in_tenant()
    rng = random.Random(held)
    s.due_ids = []
    s.w.made = store_numbered(r.table, TICKET_COUNTER, FIRST_NUMBER, held, held + due, True,
                              lambda index, number: _due_ticket_items(s, r, rng, number))
    assert len(s.due_ids) == due


def _waiting_in_index(table: str) -> Counter[str]:
    """Timers in the ``due`` index, by kind: a ``Select=COUNT`` Query of each shard (the
    app's client, outside any count)."""
    from chalicelib.domain.lifecycle import TIMER_KINDS
    from chalicelib.store.clients import client
    from chalicelib.store.schedule import SHARDS
    from chalicelib.store.tables import DUE_INDEX

    found: Counter[str] = Counter()
    for kind in TIMER_KINDS:
        for shard in range(SHARDS):
            params: dict[str, Any] = {
                "TableName": table, "IndexName": DUE_INDEX, "Select": "COUNT",
                "KeyConditionExpression": "due_shard = :s",
                "ExpressionAttributeValues": {":s": {"S": f"{kind}#{shard}"}}}
            while True:
                answer = client("dynamodb").query(**params)
                found[kind] += answer["Count"]
                if "LastEvaluatedKey" not in answer:
                    break
                params["ExclusiveStartKey"] = answer["LastEvaluatedKey"]
    return +found


def _reminded(s: Tenant, table: str) -> dict[str, int]:
    """Of the due tickets: reminded (``reminder_sent_at`` and an auto-close timer set), and
    the ``reminder_sent`` outbox records about them."""
    from chalicelib.services.tickets import repo
    from chalicelib.store.dynamo import get_item, query_all
    from chalicelib.store.tables import scoped_pk
    from chalicelib.store.tickets import ticket_pk

    reminded = 0
    for ticket_id in s.due_ids:
        ticket = repo().get_ticket(TENANT, ticket_id) or {}
        timer = get_item(table, ticket_pk(TENANT, ticket_id), "TIMER#auto_close")
        if ticket.get("reminder_sent_at") and timer and timer["due_at"] == ticket.get(
                "auto_close_at"):
            reminded += 1
    # Nothing consumes the queue here, so every record is still in the outbox.
    outbox = query_all(table, "PK = :pk", {":pk": scoped_pk(TENANT, "OUTBOX")}, cap=10**7)
    wanted = set(s.due_ids)
    records = [json.loads(i["record"]) for i in outbox]
    outboxed = sum(1 for x in records if x["event"]["type"] == "reminder_sent"
                   and x["subject_id"] in wanted)
    return {"reminded": reminded, "outbox_records": outboxed}


def _sweep(s: Tenant, label: str, due: int) -> dict[str, Any]:
    from chalicelib.config import get_config
    from chalicelib.jobs.sweeps import ticket_timers
    from chalicelib.store.clients import client

    table = get_config().tickets_table
    waiting = _waiting_in_index(table)
    started = time.perf_counter()
    with counting(client("dynamodb").meta.events, per_op=True) as tally:
        report = ticket_timers(s.now, lambda: FAR)
    seconds = round(time.perf_counter() - started, 2)
    return {"step": label, "tickets": tickets_in_tenant(), "waiting": dict(sorted(
        waiting.items())), "due": due, "read": report["read"],
            "report": {k: v for k, v in sorted(report.items()) if k != "read"},
            **tally.row(), **_reminded(s, table), "seconds": seconds}


class Sweeps:
    """Part 5 in the shared tenant: at the first size 100 due, sweep; again; 10 more due,
    sweep. At the second size 100 due, sweep."""

    def __init__(self) -> None:
        self.s: Tenant | None = None
        self.rows: list[dict[str, Any]] = []

    def at(self, w: Any, size: int) -> None:
        if self.s is None:
            self.s = Tenant(w, now=w.start - SWEEP_CLOCK)
        steps = [(f"{size:,} tickets and {DUE} due", DUE)]
        if size == SIZES[0]:
            steps += [("the same sweep again at once", 0),
                      (f"{MORE_DUE} more tickets, all due", MORE_DUE)]
        for label, due in steps:
            started = time.perf_counter()
            if due:
                add_due(self.s, due)
            else:
                self.s.due_ids = []
            added = time.perf_counter() - started
            self.rows.append({**_sweep(self.s, label, due), "size": size,
                              "added_seconds": round(added, 2)})

    def result(self, loads: dict[int, Load]) -> dict[str, Any]:
        assert self.s is not None
        rows = self.rows
        return {
            "rows": rows, "fill": {s: load.row() for s, load in loads.items()},
            "storage": engine_storage(), "clock": self.s.now.isoformat(),
            "first_ticket": self.s.w.start.isoformat(),
            "failed": [
                f"{r['step']}: read {r['read']}, reminded {r['reminded']}, outbox records"
                f" {r['outbox_records']}, report {r['report']} for {r['due']} due"
                for r in rows
                if not r["read"] == r["reminded"] == r["outbox_records"] == r["due"]
                or r["report"] != ({"approval_reminder:remind": r["due"], "more": False}
                                   if r["due"] else {"more": False})]}


def sweep_run() -> dict[str, Any]:
    """Part 5 alone, in a tenant of its own filled as the ticket part fills it."""
    part = Sweeps()
    return part.result(on_ticket_tenant([part]))


# --- 2. the notifications consumer ----------------------------------------------------------


def _take_off_queue(sqs: Any, queue: str) -> int:
    """Every message on the queue, received and deleted: what the setup published."""
    taken = 0
    while got := sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10,
                                     WaitTimeSeconds=0).get("Messages", []):
        sqs.delete_message_batch(QueueUrl=queue, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)])
        taken += len(got)
    return taken


def _drain_setup(sqs: Any, queue: str) -> int:
    """What the setup published (the tickets' "created", the first answers' status
    changes) is taken out, as if delivered before: off the queue, where the after-commit
    send put it, and out of the outbox. The queue then holds only the comments."""
    from chalicelib.store import outbox

    drained = 0
    for table in outbox.tables().values():
        items = list(outbox.pending(table, "9999"))
        outbox.remove(table, items)
        drained += len(items)
    taken = _take_off_queue(sqs, queue)
    assert taken == drained, (taken, drained)
    return drained


@contextmanager
def counting_sqs(clients: list[Any]) -> Iterator[Counter[str]]:
    """SQS calls of the app's clients meanwhile, by operation."""
    seen: Counter[str] = Counter()

    def asked(model: Any, **_: Any) -> None:
        seen[model.name] += 1

    for aws in clients:
        aws.meta.events.register("provide-client-params.sqs", asked)
    try:
        yield seen
    finally:
        for aws in clients:
            aws.meta.events.unregister("provide-client-params.sqs", asked)


def notify_run() -> dict[str, Any]:
    from chalicelib.config import get_config
    from chalicelib.jobs import relay as relay_job
    from chalicelib.jobs.notifications import handle_batch
    from chalicelib.store import outbox

    tickets = max(1, MESSAGES // COMMENTS_PER_TICKET)
    result: dict[str, Any] = {"tickets": tickets, "watchers": WATCHERS,
                              "storage": engine_storage()}
    with app_on_dynamodb_local() as http:
        from chalicelib.store.clients import client, quick_client

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
        sqs, queue = client("sqs"), outbox.queue_url()
        result["drained"] = _drain_setup(sqs, queue)
        with counting_sqs([client("sqs"), quick_client("sqs")]) as sent_at_once:
            for round_ in range(COMMENTS_PER_TICKET):
                for ticket_id in ids:
                    api.call("POST", f"/tickets/{ticket_id}/comments", agent,
                             {"body": f"Update {round_ + 1}: the payslip opens again after"
                                      " the fix; please check on your side."})
        result["sent_at_once"] = dict(sent_at_once)
        result["setup_seconds"] = round(time.perf_counter() - started, 1)

        ddb_events = client("dynamodb").meta.events
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

        # The safety net afterwards, past every record's grace: the consumer deleted
        # each record it handled, so there is nothing left to relay.
        later = datetime.now(UTC) + timedelta(seconds=outbox.RELAY_GRACE_SECONDS + 1)
        with counting(ddb_events, per_op=True) as relayed_tally:
            result["relay"] = relay_job.relay(later, lambda: FAR)
        result["relay_calls"] = relayed_tally.row()
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
        (f"the comments' commits sent {result['sent_at_once']}, not {expected}"
         " SendMessageBatch", result["sent_at_once"] != {"SendMessageBatch": expected}),
        (f"{messages} messages handled of {expected}", messages != expected),
        (f"{len(failures)} messages failed", bool(failures)),
        (f"{result['emails']} e-mails, {in_app} in-app notices for {messages} messages",
         result["emails"] != in_app or in_app != per_message * messages),
        (f"the relay afterwards read {result['relay']['read']}, not 0",
         result["relay"]["read"] != 0),
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
