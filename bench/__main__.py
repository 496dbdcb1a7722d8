"""``make bench``: the figures in docs/performance.md, measured in one run.

1. Cold start (bench/coldstart.py): the time to import ``app.py`` in a fresh interpreter
   (what a Lambda cold start pays before the first request) against ``import boto3,
   pydantic`` (at most 1.3 times it) and Chalice alone, the AWS clients created on the way
   (must be none), and ``import app`` with the first ``GET /tickets`` after it; each the
   median of 15 fresh interpreters, beside the same figures of the code before issue 15.

Parts 2 to 7 run the app in process (``chalice.test.Client``, the jobs' handlers called
directly) with its tables on DynamoDB Local, AWS's own engine, and S3, SQS, SES and
Cognito on moto's in-process mock: bench/tickets.py's ``app_on_dynamodb_local``, which
starts a DynamoDB Local of its own each time, its data on tmpfs (``/dev/shm``) or, where
there is none, in memory. Parts 3, 5 and 7 share one tenant (bench/tickets.py's
``on_ticket_tenant``): filled to 1,000 tickets, the three measure in turn, filled up to
100,000, they measure again; the 100,000 tickets are stored once per run.

2. Per request: the DynamoDB operations each directory read makes, counted with a
   botocore hook on DynamoDB Local, with a small tenant and with one a hundred times
   larger. Counts, not times: DynamoDB Local's speed says nothing about DynamoDB's.
3. Per ticket request (bench/tickets.py): DynamoDB calls, items read and items written
   for the ticket lists, search, one ticket and creating one, with 1,000 and with 100,000
   tickets in the tenant. They must be the same at both sizes.
4. Per contact-order request (bench/contact_orders.py): the same for the order lists, the
   to-do list, one order and creating one, with 1,000 and with 20,000 orders in the
   tenant (a DynamoDB Local of its own; 20,000 and not 100,000 for the time storing them
   takes). They must be the same at both sizes.
5. Per timer sweep (bench/lifecycle.py): the items one run of the ticket-timer sweep reads
   in the tenant of part 3, with 1,000 and with 100,000 tickets and 100 due ones added.
   The reads must equal what is due.
6. The notifications consumer (bench/lifecycle.py): messages and deliveries per second of
   ``handle_batch`` in process on DynamoDB Local and moto, and its DynamoDB calls per
   message.
7. Inbound mail (bench/mail.py): the DynamoDB, S3 and SQS calls of each kind of inbound
   message (reply, new ticket, duplicate, quarantine...) in the tenant of part 3, with
   1,000 and with 100,000 tickets, which must be the same at both sizes; and replies
   threaded per second by the inbound consumer's ``handle_batch`` in process on DynamoDB
   Local and moto, against parsing alone.
8. Reply extraction (bench/replies.py): ``parse`` + ``split_reply`` per second over our
   whole mail corpus (at least 300), the reply corpus still exact, and 1 MB messages of
   several shapes against 50 ms. Pure CPU, no AWS.
9. Networks (bench/networks.py): the buyers' supplier search and a supplier's profile with
   1,000 and with 100,000 published suppliers in a network (calls and items the same at
   both sizes), and one run of the subscription-reminder sweep (it reads what is due only).
10. The local stack on DynamoDB Local (bench/stack.py): ``python -m local`` in its own
   process with 1,000 and then 100,000 tickets (and contact orders), over HTTP: p50 and p95
   of five requests at both sizes, the stack's resident memory, a restart's time to health
   and sixteen creates at once, each against its limit.

``python -m bench coldstart``: part 1 alone, rewriting only its section.
``python -m bench lifecycle``: parts 5 and 6 alone, rewriting only their sections.
``python -m bench mail``: part 7 alone, rewriting only its sections.
``python -m bench replies``: part 8 alone, rewriting only its section.
``python -m bench networks``: part 9 alone, rewriting only its section.
``python -m bench help``: the help center's search (bench/help_search.py: search, suggest
and the most read list with 1,000 and 20,000 articles, calls the same at both sizes) alone,
rewriting only its section; the whole run measures it after part 9.
``python -m bench chat``: chat (bench/chat.py: the DynamoDB calls of a message on the socket
and over HTTP, typing, connect, history, availability and the queue with 10 and 1,000 open
chats, the same at both sizes; the fan-out latency over the local stack's WebSockets with 50
chats at once, p95 under a second) alone, rewriting only its section; the whole run measures
it after the help center.
``python -m bench reports``: reports (bench/reports.py: a month's ticket report, filtered
and broken down, with 1,000 and 100,000 tickets' work counted; the report's calls the same at
both sizes) alone, rewriting only its section; the whole run measures it after chat.
``python -m bench stack``: part 10 alone, rewriting only its section (the last).
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
READS = ["/me", "/settings", "/roles", "/users", "/organizations", "/organizations?q=acme",
         "/organizations/{org}", "/organizations/{org}/contacts", "/organizations/{org}/sites",
         "/organizations/{org}/service-objects", "/notifications"]


def request_budget() -> dict[str, Any]:
    from bench.tickets import app_on_dynamodb_local

    with app_on_dynamodb_local() as http:
        from chalicelib.store.clients import client

        def call(method: str, path: str, token: str, body: Any = None) -> Any:
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            answer = http.http.request(method, path, headers=headers,
                                       body=json.dumps(body) if body else b"")
            return json.loads(answer.body)

        login = http.http.post("/auth/login", headers={"Content-Type": "application/json"},
                               body=json.dumps({"email": "admin@demo.test",
                                                "password": "Demo-password-1"}))
        token = json.loads(login.body)["token"]
        org = call("POST", "/organizations", token, {"name": "Bench AB"})["id"]

        def measure() -> dict[str, Counter[str]]:
            counts: dict[str, Counter[str]] = {}
            events = client("dynamodb").meta.events
            for path in READS:
                seen: Counter[str] = Counter()

                def hook(model: Any, _seen: Counter[str] = seen, **_: Any) -> None:
                    _seen[model.name] += 1

                events.register("before-call.dynamodb", hook)
                call("GET", path.format(org=org), token)
                events.unregister("before-call.dynamodb", hook)
                counts[path] = seen
            return counts

        small = measure()
        for i in range(300):
            call("POST", "/organizations", token, {"name": f"Filler {i:03d}"})
            call("POST", f"/organizations/{org}/contacts", token, {"name": f"C {i}"})
        large = measure()
    return {
        "rows": [{"request": f"GET {p}", "small": dict(small[p]), "large": dict(large[p])}
                 for p in READS],
        "organisations_small": 2, "organisations_large": 302,
    }


def _ops(counter: dict[str, int]) -> str:
    return ", ".join(f"{n} {op}" for op, n in sorted(counter.items())) or "none"


def _equal_at_both_sizes(differing: list[str], small: int, large: int, what: str) -> str:
    if not differing:
        return (f"**Equal at both sizes: yes.** The bench compared every request's calls,"
                f" items read and items written at {small:,} and {large:,} {what}.")
    return (f"**Equal at both sizes: no.** Different at {small:,} and {large:,}"
            f" {what}: {', '.join(f'`{d}`' for d in differing)}.")


def _fill_and_requests(part: dict[str, Any], small: int, large: int, what: str,
                       how: str = "") -> str:
    fill, spent = part["fill"], part["request_seconds"]
    return (f"On DynamoDB Local (its times on this machine, not DynamoDB's): storing the"
            f" first {small:,} {what} ({fill[small]['items']:,} items) took"
            f" {fill[small]['seconds']} s, the rest up to {large:,}"
            f" ({fill[large]['items']:,} items) {fill[large]['seconds']} s"
            f" ({fill[large]['items_per_second']:,} items a second, building them"
            f" included{how}); the requests took"
            f" {sum(spent[small].values()):.1f} s at {small:,} and"
            f" {sum(spent[large].values()):.1f} s at {large:,} {what}.")


def _ticket_section(tickets: dict[str, Any]) -> list[str]:
    from bench.tickets import ORGANISATIONS, SEARCH_WORD, SIZES, STATUSES, TYPES

    small, large = SIZES
    lines = [
        "",
        "## DynamoDB calls and items per ticket request",
        "",
        f"The same requests with {small:,} and then {large:,} tickets in the `demo` tenant"
        " (`bench/tickets.py`), through `chalice.test.Client` against the app in process,"
        " its tables on DynamoDB Local (AWS's own engine; its data in"
        f" {tickets['storage']}) and S3, SQS, SES and Cognito on moto's in-process mock."
        " Counted on the app's DynamoDB client with botocore's events: every call of the"
        " request by operation (the directory reads that authenticate it included), items"
        " read (GetItem: 1 when found; Query: `ScannedCount`, what was read before any"
        " filter; BatchGetItem: the items answered) and items written (the items of a"
        " TransactWriteItems, 1 per PutItem or UpdateItem).",
        "",
        f"The tickets are spread over every status"
        f" ({100 * STATUSES['closed'] // sum(STATUSES.values())} % closed),"
        f" {len(ORGANISATIONS) + 1} organisations, the admin, the agent and nobody as"
        f" assignee, the {len(TYPES)} ready-made types, with subjects"
        " of a few words (\"Invoice copy is missing for customer 4711\"). They are made by"
        " the app's own code (`Ticket` models, `TicketsRepository`'s number item, ticket"
        " item with its list keys, \"created\" event, subject word index and the timers of"
        " its state, then the counter) and stored straight into DynamoDB Local with"
        " `BatchWriteItem`; see the module's docstring.",
        f"`q={SEARCH_WORD}` matches {tickets['search_hits'][small]:,} and"
        f" {tickets['search_hits'][large]:,} tickets. Each POST creates one more ticket;"
        " the lists are read before them.",
        "",
        "The tenant is shared with the timer sweep and the inbound mail below (filled once"
        f" to {small:,} tickets, the three parts measure, filled up to {large:,}, they"
        f" measure again): at {large:,} it also holds what they added at {small:,}, the"
        " sweep's due tickets and the mail's tickets and comments, within the"
        f" {large:,}.",
    ]
    for size in SIZES:
        lines += ["", f"### {size:,} tickets", "",
                  "| request | DynamoDB calls | items read | items written |",
                  "| --- | --- | --- | --- |"]
        lines += [f"| `{r['request']}` | {_ops(r['calls'])} | {r['read']} | {r['written']} |"
                  for r in tickets["sizes"][size]]
    differing = tickets["differing"]
    lines += ["", _equal_at_both_sizes(differing, small, large, "tickets")]
    lines += ["", _fill_and_requests(tickets, small, large, "tickets",
                                     f": `BatchWriteItem`, 25 items a call from"
                                     f" {tickets['writers']} threads")]
    return lines


def _contact_order_section(orders: dict[str, Any]) -> list[str]:
    from bench.contact_orders import CUSTOMERS, DONE_STATUS, SIZES, STATUS

    small, large = SIZES
    shares = orders["shares"][large]

    def share(key: str) -> str:
        return f"{100 * shares.get(key, 0) / large:.0f} %"

    lines = [
        "",
        "## DynamoDB calls and items per contact-order request",
        "",
        f"The same requests with {small:,} and then {large:,} contact orders in the `demo`"
        " tenant (`bench/contact_orders.py`), counted as for the tickets above; \"items"
        " answered\" is the length of the page the API returned. Lists are a page of 25 (the"
        " default `limit`), the first page.",
        "",
        f"The orders are spread over {len(CUSTOMERS) + 1} customers (`<one>` below has"
        f" {share('customer one')} of them), the tenant's statuses (most closed orders"
        f" \"{DONE_STATUS}\", no open one), planned dates (open orders from two weeks ago to"
        f" three months ahead; {share('undated')} undated); {share('closed')} are closed."
        f" Assigned to the agent {share('assignee agent')}, the admin"
        f" {share('assignee admin')}, `limited` {share('assignee limited')} (a user whose"
        " custom role has only `contact_orders.view_assigned`) and nobody"
        f" {share('assignee nobody')}; {share('booked')} have bookings (every order of"
        f" `limited`; open bookings from three months overdue to two months ahead),"
        f" {share('noted')} a note with hours."
        " They are made by the app's own code (`ContactOrder` models, `put_order` with"
        " `order_index_keys`, notes, bookings as `put_booking` writes them, the history"
        " events of each change, then the counter `COUNTER#CO` and each customer's"
        " `TOTALS` through `add_to_customer`) and stored straight into DynamoDB Local with"
        " `BatchWriteItem` (a DynamoDB Local of this part's own, its data in"
        f" {orders['storage']}); the customers,"
        " their contacts and sites and the users through the API. See the module's"
        f" docstring. The table held {orders['items_in_table'][small]:,} and"
        f" {orders['items_in_table'][large]:,} items. {large:,} orders and not 100,000:"
        " storing them takes DynamoDB Local's time on every run (see the end of this"
        " section), after the ticket part's 100,000 tickets.",
        "",
        f"`?status={STATUS}` lists one open status. `?status={DONE_STATUS}` matches no open"
        " order: the page reads the empty open partition, then the closed one (every open"
        " order comes before any closed one). The two rows marked *filter* read 25 items and"
        " answer those that pass a filter DynamoDB applies while reading (customer and"
        " status together; a date range when sorted by number), so their page is short and"
        " the rest is behind `next_cursor`. `GET /todo (view_assigned)`: the page is 25"
        " bookings, whose orders the service reads back in one BatchGetItem to check they"
        " are still the user's (the most a page reads). Each POST creates one more order"
        " (the bookings POST books the second one); the lists are read before them.",
    ]
    for size in SIZES:
        lines += ["", f"### {size:,} contact orders", "",
                  "| request | DynamoDB calls | items read | items written | items answered |",
                  "| --- | --- | --- | --- | --- |"]
        lines += [f"| `{r['request']}`{' *filter*' if r['filtered'] else ''} | {_ops(r['calls'])}"
                  f" | {r['read']} | {r['written']} |"
                  f" {'' if r['answered'] is None else r['answered']} |"
                  for r in orders["sizes"][size]]
    differing = orders["differing"]
    lines += ["", _equal_at_both_sizes(differing, small, large, "orders")]
    lines += ["", _fill_and_requests(orders, small, large, "orders"),
              "",
              "This part alone: `.venv/bin/python -m bench.contact_orders` (prints the"
              " figures as JSON); `BENCH_ORDER_SIZES=1000,5000` for a quick try."]
    return lines


LIFECYCLE_HEADING = "## Items read by one timer sweep"


def _lifecycle_section(lifecycle: dict[str, Any], alone: float | None = None) -> list[str]:
    """``alone``: the seconds of a ``python -m bench lifecycle`` run, which rewrites only
    these sections."""
    from bench.lifecycle import BATCH, COMMENTS_PER_TICKET, DUE, SIZES, WATCHERS

    sweep, notify = lifecycle["sweep"], lifecycle["notify"]
    small, large = SIZES
    rows = sweep["rows"]
    last = rows[-1]
    timers = {k: v for k, v in last["waiting"].items() if k != "outbox"}
    lines = ["", LIFECYCLE_HEADING, ""]
    if alone is not None:
        lines += [f"This section and the next: measured by `.venv/bin/python -m bench"
                  f" lifecycle` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, one run of"
                  f" {alone:.0f} s of these two parts alone; the sections above are from"
                  " the run named at the top.", ""]
    lines += [
        "One run of the ticket-timer sweep (`jobs.sweeps.ticket_timers(now, time_left)`, what"
        " the scheduled Lambda runs) in process on DynamoDB Local, in the `demo` tenant of the"
        f" ticket part above (`bench/lifecycle.py`): with its {small:,} tickets and {DUE} due"
        f" tickets added, then with {large:,} and {DUE} more due. The ticket part's tickets"
        " carry the timers `sync_timers` writes for their state"
        " (`domain.lifecycle.ticket_timers`: the SLA warnings and breaches of the open ones,"
        " the approval reminders of the resolved ones) at their own times, over the two years"
        " up to today, so a sweep at today's time would find every one of them that a sweep"
        " running all along would have done long ago. The sweep therefore runs with its clock"
        f" (`now`) set to {sweep['clock'][:10]}, the day before the first of those tickets"
        " was made: all their timers are ahead of it, waiting in the `due` index. The due"
        " tickets are made for that clock: resolved, with a requester, their"
        " `approval_due_at` passed, so the sweep really reminds them. They are made by the"
        " app's own code and stored straight into DynamoDB Local as the ticket part's"
        " (`Ticket` models; `TicketsRepository`'s number item, ticket item with its list keys"
        ", \"created\" event and subject word index; the timer items `sync_timers` writes"
        " for the ticket's state, `PK=T#<t>#TICKET#<id>`, `SK=TIMER#<kind>`, with `due_shard`"
        " and `due_at`). Counted on the app's DynamoDB client as above, by operation"
        " (`Query due`: a Query on the `due` index); items read: GetItem 1 when found, Query"
        " its `ScannedCount`. \"read\" is the sweep's own report (`read`, due timers it went"
        " through); \"reminded\" is checked afterwards: due tickets that have"
        " `reminder_sent_at` and an auto-close timer, and `reminder_sent` outbox records"
        " about them (both must equal the due count).",
        "",
        "| sweep | tickets | timers in the `due` index | due | read | DynamoDB calls"
        " | items read | items written | reminded |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        waiting = sum(v for k, v in r["waiting"].items() if k != "outbox")
        items = ", ".join(f"{n:,} {op}" for op, n in r["items"].items() if n) or "0"
        lines.append(f"| {r['step']} | {r['tickets']:,} | {waiting:,} | {r['due']} |"
                     f" {r['read']} | {_ops(r['calls'])} | {items} | {r['written']} |"
                     f" {r['reminded']} |")
    equal = not sweep["failed"]
    lines += [
        "",
        (f"**Reads equal to what is due: yes.** At {last['tickets']:,} tickets, with"
         f" {sum(timers.values()):,} timers in the index"
         f" ({', '.join(f'{n:,} {k}' for k, n in sorted(timers.items()))}), the sweep read"
         f" {last['read']} timers, the {DUE} due ones, and reminded each of them once, as"
         f" at {small:,}: the reads follow what is due (0, {rows[2]['due']}, {DUE}), not the"
         " table. The bench fails when a sweep's reads or reminders differ from the due"
         " count."
         if equal else
         "**Reads equal to what is due: no.** " + "; ".join(sweep["failed"]) + "."),
        "",
        "The sweep asks each of the 4 timer kinds' 4 shards for `due_at <= now`: 16 Queries"
        " of pages of 100 at every size, one more page for each further 100 due in a shard."
        " Each reminder: 2 GetItem (the ticket, consistent; the tenant's settings) and 1"
        " TransactWriteItems of 5 items (the ticket, its `reminder_sent` event, the"
        " approval-reminder timer deleted, the auto-close timer put, the outbox record)."
        " Deleting the approval-reminder timer takes the ticket out of that kind's shards,"
        " so the same sweep again finds nothing.",
        "",
        "On DynamoDB Local (its times on this machine, not DynamoDB's): the sweep took"
        f" {rows[0]['seconds']} s at {small:,} and {last['seconds']} s at {large:,} tickets;"
        f" storing the {DUE} due tickets took {rows[0]['added_seconds']} s and"
        f" {last['added_seconds']} s. The tickets were stored by the ticket part above.",
    ]
    n = notify
    seconds = n["seconds"]
    in_calls = n["seconds_in_calls"]
    per_message = ", ".join(f"{v:g} {op}" for op, v in n["calls_per_message"].items())

    def share(part: float) -> str:
        return f"{part} s ({100 * part / seconds:.0f} %)"

    lines += [
        "",
        "## Notification consumer throughput",
        "",
        "The notifications consumer (`jobs.notifications.handle_batch`, the SQS handler's"
        " body) in process, on this project's 2-core machine, one process: its tables on"
        " DynamoDB Local (a child process of its own, its data in"
        f" {n['storage']}), SES and SQS on moto's in-process mock. So the consumer's code"
        " path with DynamoDB Local and moto answering on the same machine: a figure of that"
        " setup, not of AWS (no Lambda concurrency, no network, and neither DynamoDB's nor"
        " SES's latency or limits are in it).",
        "",
        f"{n['tickets']} tickets of the seed's customer (the requester) with {WATCHERS}"
        " contacts of the same organisation watching; the agent's first answer opens each"
        f" (what those published, {n['drained']} outbox records, is taken off the queue and"
        f" out of the outbox first), then {COMMENTS_PER_TICKET} public comments by the agent"
        f" on each, through the API: each comment's commit sends its `commented` outbox"
        " record to the notifications queue at once (the after-commit send of"
        f" `store/outbox.py`: {_ops(n['sent_at_once'])} in all). The consumer took them off"
        f" the queue {BATCH} at a time. Each message renders a `ticket_commented`"
        f" notice for the requester and each watcher, in their language, delivers it"
        " in-app and by e-mail through SES (sender `" + n["mail_from"] + "`, whose domain"
        " `local.bootstrap.create_resources` verifies in moto), and deletes its outbox"
        " record. The relay (`jobs.relay.relay`, the safety net), run afterwards past the"
        f" records' grace, read {n['relay']['read']:,}"
        f" ({_ops(n['relay_calls']['calls'])}). Wall clock (`time.perf_counter`) around"
        " `handle_batch` only, not around the queue.",
        "",
        "| what | figure |",
        "| --- | --- |",
        f"| messages | {n['messages']:,} in"
        f" {', '.join(f'{c} batches of {size}' for size, c in sorted(n['batches'].items()))},"
        f" {n['failures']} failed |",
        f"| deliveries | {n['deliveries']:,}: {n['emails']:,} e-mails (SES),"
        f" {n['in_app']:,} in-app |",
        f"| wall clock in `handle_batch` | {seconds} s |",
        f"| messages per second | {n['messages_per_second']} |",
        f"| deliveries per second | {n['deliveries_per_second']} |",
        f"| of it inside DynamoDB calls (DynamoDB Local answering) |"
        f" {share(in_calls.get('dynamodb', 0))} |",
        f"| of it inside SES calls (moto answering) | {share(in_calls.get('ses', 0))} |",
        f"| of it outside AWS calls (the consumer's own code) |"
        f" {share(n['seconds_outside_calls'])} |",
        f"| the consumer's own code per message |"
        f" {1000 * n['seconds_outside_calls'] / n['messages']:.1f} ms |",
        f"| DynamoDB calls per message | {per_message} |",
        f"| DynamoDB items per message | {n['calls']['written'] / n['messages']:g} written,"
        f" {sum(n['calls']['items'].values()) / n['messages']:g} read |",
        "",
        "Per message: GetItem the tenant's settings, the ticket and the comment; one"
        " BatchGetItem for the people (requester, watchers and the comment's author); per"
        " recipient a PutItem claiming the e-mail's delivery record and an UpdateItem"
        " marking it sent (`store/deliveries.py`), two PutItem recording the mail's"
        " Message-IDs (ours before sending, SES's after: replies find the ticket by either)"
        " and a TransactWriteItems for the in-app notice with the unread counter; last, a"
        " DeleteItem of its outbox record (`outbox.discard`), so the relay does not send it"
        " again. \"Inside calls\" is the time from botocore's `provide-client-params` to"
        " `after-call` on the app's clients: building the request, DynamoDB Local or moto"
        " answering it and parsing the answer.",
        "",
        "These two parts alone: `.venv/bin/python -m bench lifecycle` (rewrites only these"
        " two sections of this file; the sweep fills a tenant of its own as the ticket part"
        " does) or `.venv/bin/python -m bench.lifecycle` (prints the figures as JSON);"
        " `BENCH_TICKET_SIZES=1000,10000 BENCH_NOTIFY_MESSAGES=100` for a quick try"
        " (messages: a multiple of 10).",
    ]
    return lines


def _lifecycle_problems(lifecycle: dict[str, Any]) -> list[str]:
    """Scans, and sweeps whose reads or reminders are not the due count."""
    scans = [f"Scan in sweep: {r['step']}" for r in lifecycle["sweep"]["rows"]
             if "Scan" in r["calls"]]
    if "Scan" in lifecycle["notify"]["calls"]["calls"]:
        scans.append("Scan in the notifications consumer")
    return scans + lifecycle["sweep"]["failed"] + lifecycle["notify"]["failed"]


def lifecycle_only() -> int:
    """``python -m bench lifecycle``: the sweep and consumer parts alone; their sections of
    docs/performance.md are rewritten, the rest is left as the last full run wrote it."""
    from bench import lifecycle as lifecycle_bench

    started = time.perf_counter()
    lifecycle = lifecycle_bench.run()
    path = ROOT / "docs" / "performance.md"
    text = path.read_text() if path.exists() else "# Performance\n"
    head = text.split("\n" + LIFECYCLE_HEADING + "\n")[0].rstrip("\n")
    # The mail sections and what follows them come after these; they stay as they were.
    _, mail, following = _mail_sections(text)
    kept = [(mail + following).strip("\n")] if mail else []
    lines = [head, *_lifecycle_section(lifecycle, alone=time.perf_counter() - started)]
    path.write_text("\n".join([*lines, "", *kept]).rstrip("\n") + "\n")
    print("\n".join(lines[1:]))
    problems = _lifecycle_problems(lifecycle)
    if problems:
        print(f"FAILED: {problems}", file=sys.stderr)
        return 1
    return 0


MAIL_HEADING = "## DynamoDB, S3 and SQS calls per inbound mail"
# Its name before the outbox sent each commit's records at once; found there too.
EARLIER_MAIL_HEADINGS = ("## DynamoDB and S3 calls per inbound mail",)
MAIL_THROUGHPUT_HEADING = "## Inbound mail throughput"


def _mail_sections(text: str) -> tuple[str, str, str]:
    """docs/performance.md cut into what comes before the two mail sections, those
    sections (from their heading on) and what follows them."""
    for heading in (MAIL_HEADING, *EARLIER_MAIL_HEADINGS):
        before, found, rest = text.partition("\n" + heading + "\n")
        if not found:
            continue
        at = rest.find("\n" + MAIL_THROUGHPUT_HEADING + "\n")
        after = rest.find("\n## ", at + 1) if at >= 0 else -1
        if after < 0:
            return before, found + rest, ""
        return before, found + rest[:after + 1], rest[after + 1:]
    return text, "", ""


def _other_ops(calls: dict[str, Any]) -> str:
    """``{"s3 GetObject": 1, "sqs SendMessageBatch": 1}`` as "S3: 1 GetObject; SQS: 1 ..."."""
    by_service: dict[str, dict[str, Any]] = {}
    for key, n in calls.items():
        service, op = key.split(" ", 1)
        by_service.setdefault(service.upper(), {})[op] = n
    return "; ".join(f"{service}: " + ", ".join(f"{n:g} {op}" for op, n in sorted(ops.items()))
                     for service, ops in sorted(by_service.items())) or "none"


def _mail_section(mail: dict[str, Any], alone: float | None = None) -> list[str]:
    """``alone``: the seconds of a ``python -m bench mail`` run, which rewrites only these
    sections."""
    from bench.mail import BATCH, PARSE_RUNS, SIZES

    small, large = SIZES
    lines = ["", MAIL_HEADING, ""]
    if alone is not None:
        lines += [f"This section and the next: measured by `.venv/bin/python -m bench mail` on"
                  f" {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, one run of {alone:.0f} s of this"
                  " part alone; the sections above are from the runs named there.", ""]
    lines += [
        "One message of each kind through `services.inbound_mail.receive_object(bucket, key)`"
        " (what the inbound consumer, `jobs.inbound.handle_batch`, calls for each object S3"
        " announces) in process on DynamoDB Local (S3 and SQS on moto's mock), with"
        f" {mail['tickets'][small]:,} and then {mail['tickets'][large]:,} tickets in the"
        " `demo` tenant (`bench/mail.py`; the tenant of the ticket part above, with what the"
        " parts before this one added). At each size the seed's customer"
        " (`customer@demo.test`, a"
        " contact of Acme AB) opens four tickets through the API, and each message is stored"
        " in the inbound bucket as SES's receipt rule stores it: SES's `Received` header"
        " naming the envelope recipient, SES's verdict headers, a new Message-ID and a new"
        " text. The replies are Gmail-like (text and HTML, the person's words above an"
        " attribution line and the quoted notification). The threaded one is sent to the"
        " support address and quotes in `In-Reply-To` only the Message-ID SES gave a"
        " notification, recorded beforehand with `MailRepository.record_sent` as the"
        " notifications consumer records what it sends. \"The first reply's object again\""
        " hands the first reply's S3 object over a second time (SQS delivers at least once)."
        " Counted on the app's clients with botocore's events, as for the tickets above:"
        " DynamoDB calls by operation, items read (GetItem 1 when found; Query its"
        " `ScannedCount`; BatchGetItem the items answered), items written (the items of a"
        " TransactWriteItems); S3 and SQS calls by operation (SQS: the outbox's send of the"
        " commit's records, right after it). None of the messages made an SES call. Each"
        " outcome (action and ticket) is checked.",
    ]
    for size in SIZES:
        lines += ["", f"### {mail['tickets'][size]:,} tickets", "",
                  "| message | outcome | DynamoDB calls | items read | items written"
                  " | S3 and SQS calls |", "| --- | --- | --- | --- | --- | --- |"]
        lines += [f"| {r['message']} | {', '.join(r['outcomes'])} | {_ops(r['calls'])} |"
                  f" {r['read']} | {r['written']} | {_other_ops(r['other_calls'])} |"
                  for r in mail["sizes"][size]]
    differing = mail["differing"]
    scans = [r["message"] for size in SIZES for r in mail["sizes"][size]
             if any(op.startswith("Scan") for op in r["calls"])]
    lines += ["", (f"**Equal at both sizes: yes.** The bench compared every message's outcome,"
                   " DynamoDB calls, items read and written and S3 and SQS calls at"
                   f" {mail['tickets'][small]:,} and {mail['tickets'][large]:,} tickets"
                   if not differing else
                   f"**Equal at both sizes: no.** Different at {small:,} and {large:,}"
                   f" tickets: {', '.join(differing)}")
              + ("; no Scan." if not scans else f"; Scan in: {', '.join(scans)}."),
              "",
              "Every message reads the tenant's settings (GetItem) and the Message-ID's"
              " record (seen before? That is all a duplicate reads). Then who wrote: the"
              " sender's address-book entry and user (2 GetItem) and the tenant's saved roles"
              " (Query),"
              " for the rights the comment is checked against. Then the thread: the number"
              " item and the ticket (reply address, `[T-n]`), or one BatchGetItem of the"
              " quoted Message-IDs (at most 30) and the ticket. A comment reads the ticket"
              " again, consistently, and writes one TransactWriteItems: the ticket, the"
              " comment, its \"commented\" event and outbox record, per file an"
              " `attachment_added` event and the attachment, the Message-ID's claim, and in"
              " the idempotency table the same-text guard and the sender's hourly counter."
              " A new ticket reads the ticket types (Query), then goes through"
              " `tickets.open_ticket` as `POST /tickets` does (settings and ticket counter"
              " read; counter, number, ticket, \"created\" event, SLA timers, outbox record"
              " and a word-index item per subject word and prefix written) with"
              " the claim and the two guards; a quarantined message writes its claim and the"
              " quarantine entry. S3: one GetObject of the stored message; for a comment or a"
              " new ticket one PutObject of the original, kept with the ticket (the inbound"
              " bucket expires), and one per attachment. SQS: one SendMessageBatch after a"
              " comment's or a new ticket's commit, with the commit's outbox record."]
    rows = mail["sizes"]
    lines += ["", f"On DynamoDB Local (its times on this machine, not DynamoDB's): the"
              f" {len(rows[small])} messages took"
              f" {sum(r['seconds'] for r in rows[small]):.1f} s at {small:,} and"
              f" {sum(r['seconds'] for r in rows[large]):.1f} s at {large:,} tickets. The"
              " tickets were stored by the ticket part above."]

    n = mail["throughput"]
    seconds, in_calls = n["seconds"], n["seconds_in_calls"]

    def share(part: float) -> str:
        return f"{part} s ({100 * part / seconds:.0f} %)"

    per_message = ", ".join(f"{v:g} {op}" for op, v in n["calls_per_message"].items())
    s3_per_message = _other_ops(n["other_calls_per_message"])
    lines += [
        "",
        MAIL_THROUGHPUT_HEADING,
        "",
        "The inbound consumer (`jobs.inbound.handle_batch`, the SQS handler's body) in"
        " process, on this project's 2-core machine, one process: its tables on DynamoDB"
        f" Local (its data in {mail['storage']}), S3 and SQS on moto's in-process mock. So"
        " the consumer's code path with DynamoDB Local and moto answering on the same"
        " machine: a figure of that setup, not of AWS (no Lambda concurrency, no network,"
        " neither DynamoDB's nor S3's latency or limits are in it).",
        "",
        f"{n['messages']} replies of the seed's customer to the reply addresses of"
        f" {n['tickets']} tickets they opened through the API ({n['per_ticket']} each: the"
        " hourly allowance per sender and ticket is 10), in the tenant of the part above"
        f" when it held {n['tickets_in_tenant']:,} tickets. Each is a Gmail-like reply of"
        f" {n['bytes_median']:,} bytes (median; text and HTML, quoting the notification"
        " under an attribution line), stored in the inbound bucket first; `handle_batch`"
        " got SQS records whose bodies are S3's `ObjectCreated:Put` notifications of them,"
        f" {BATCH} at a time (the inbound queue's `batch_size`). Wall clock"
        " (`time.perf_counter`) around `handle_batch` only. Every reply became a comment on"
        " its ticket (checked on each Message-ID's record and each ticket's"
        " `comment_count`).",
        "",
        "| what | figure |",
        "| --- | --- |",
        f"| messages | {n['messages']:,} in"
        f" {', '.join(f'{c} batches of {size}' for size, c in sorted(n['batches'].items()))},"
        f" {n['failures']} failed |",
        f"| wall clock in `handle_batch` | {seconds} s |",
        f"| messages parsed and threaded per second | {n['messages_per_second']} |",
        f"| of it inside DynamoDB calls (DynamoDB Local answering) |"
        f" {share(in_calls.get('dynamodb', 0))} |",
        f"| of it inside S3 calls (moto answering) | {share(in_calls.get('s3', 0))} |",
        f"| of it inside SQS calls (moto answering; the outbox's send after each commit) |"
        f" {share(in_calls.get('sqs', 0))} |",
        f"| of it outside AWS calls (the consumer's own code) |"
        f" {share(n['seconds_outside_calls'])} |",
        f"| the consumer's own code per message | {n['own_ms_per_message']} ms |",
        f"| `mail.parse.parse` + `mail.quotes.strip_reply` alone, per second |"
        f" {n['parse_messages_per_second']} |",
        f"| `parse` + `strip_reply` alone, per message | {n['parse_ms_per_message']} ms |",
        f"| DynamoDB calls per message | {per_message} |",
        f"| DynamoDB items per message | {n['calls']['written'] / n['messages']:g} written,"
        f" {sum(n['calls']['items'].values()) / n['messages']:g} read |",
        f"| S3 and SQS calls per message | {s3_per_message} |",
        "",
        f"Parsing alone is the median of {PARSE_RUNS} passes over the same stored messages"
        " (their `Received` header included), in the same process after the consumer's run."
        f" Of the consumer's own {n['own_ms_per_message']} ms per message, parsing and"
        f" stripping the quote are {n['parse_ms_per_message']} ms; the rest is reading the"
        " recipients, the rule, the models, building the requests and the transaction, and"
        " the app's INFO log lines (two per message, as in Lambda). \"Inside calls\" is the"
        " time from botocore's `provide-client-params` to `after-call` on the app's"
        " clients: building the request, DynamoDB Local or moto answering it and parsing"
        " the answer.",
        "",
        "This part alone: `.venv/bin/python -m bench mail` (rewrites only these two sections"
        " of this file; it fills a tenant of its own as the ticket part does) or"
        " `.venv/bin/python -m bench.mail` (prints the figures as JSON);"
        " `BENCH_TICKET_SIZES=1000,5000 BENCH_MAIL_MESSAGES=50` for a quick try (messages: a"
        " multiple of 5).",
    ]
    return lines


def mail_only() -> int:
    """``python -m bench mail``: the inbound mail part alone; its sections of
    docs/performance.md are rewritten, the rest is left as it was."""
    from bench import mail as mail_bench

    started = time.perf_counter()
    mail = mail_bench.run()
    path = ROOT / "docs" / "performance.md"
    text = path.read_text() if path.exists() else "# Performance\n"
    before, _, following = _mail_sections(text)
    lines = [before.rstrip("\n"), *_mail_section(mail, alone=time.perf_counter() - started)]
    path.write_text("\n".join([*lines, *(["", following.strip("\n")] if following else [])])
                    + "\n")
    print("\n".join(lines[1:]))
    if mail["failed"]:
        print(f"FAILED: {mail['failed']}", file=sys.stderr)
        return 1
    return 0


def coldstart_only() -> int:
    """``python -m bench coldstart``: part 1 alone; its section of docs/performance.md is
    rewritten (up to the next section), the rest is left as it was."""
    from bench import coldstart

    cold = coldstart.run()
    path = ROOT / "docs" / "performance.md"
    text = path.read_text() if path.exists() else "# Performance\n"
    head, found, rest = text.partition("\n" + coldstart.COLD_HEADING + "\n")
    following = rest[rest.find("\n## "):] if found and "\n## " in rest else ""
    lines = [head.rstrip("\n"), *coldstart.cold_section(cold)]
    path.write_text("\n".join(lines) + "\n" + following)
    print("\n".join(lines[1:]))
    if cold["failed"]:
        print(f"FAILED: {cold['failed']}", file=sys.stderr)
        return 1
    return 0


def _rewrite_section(heading: str, lines: list[str]) -> None:
    """Puts ``lines`` (a section starting with ``heading``) in docs/performance.md in place of
    the section of that heading, or before the local stack's (the last) when it has none."""
    from bench import stack as stack_bench

    path = ROOT / "docs" / "performance.md"
    text = path.read_text() if path.exists() else "# Performance\n"
    head, found, rest = text.partition("\n" + heading + "\n")
    if found:
        following = rest[rest.find("\n## "):] if "\n## " in rest else ""
    else:
        head, found, rest = text.partition("\n" + stack_bench.STACK_HEADING + "\n")
        following = "\n" + found + rest if found else ""
    path.write_text("\n".join([head.rstrip("\n"), *lines]) + "\n" + following)


def networks_only() -> int:
    """``python -m bench networks``: part 9 alone, its section rewritten."""
    from bench import networks as networks_bench

    figures = networks_bench.run()
    lines = networks_bench.networks_section(figures)
    _rewrite_section(networks_bench.NETWORKS_HEADING, lines)
    print("\n".join(lines))
    if figures["differing"] or figures["sweep_read_more_than_due"]:
        print(f"FAILED: {figures['differing']} {figures['sweep_read_more_than_due']}",
              file=sys.stderr)
        return 1
    return 0


def chat_only() -> int:
    """``python -m bench chat``: chat's calls per message alone, its section rewritten."""
    from bench import chat as chat_bench

    figures = chat_bench.run()
    lines = chat_bench.chat_section(figures)
    _rewrite_section(chat_bench.CHAT_HEADING, lines)
    print("\n".join(lines))
    if figures["differing"] or figures["fanout"]["failed"]:
        print(f"FAILED: {figures['differing']} {figures['fanout']}", file=sys.stderr)
        return 1
    return 0


def help_only() -> int:
    """``python -m bench help``: the help center's search alone, its section rewritten."""
    from bench import help_search as help_bench

    figures = help_bench.run()
    lines = help_bench.help_section(figures)
    _rewrite_section(help_bench.HELP_HEADING, lines)
    print("\n".join(lines))
    if figures["differing"]:
        print(f"FAILED: {figures['differing']}", file=sys.stderr)
        return 1
    return 0


def reports_only() -> int:
    """``python -m bench reports``: a month's report and its breakdowns alone."""
    from bench import reports as reports_bench

    figures = reports_bench.run()
    lines = reports_bench.reports_section(figures)
    _rewrite_section(reports_bench.REPORTS_HEADING, lines)
    print("\n".join(lines))
    if figures["differing"]:
        print(f"FAILED: {figures['differing']}", file=sys.stderr)
        return 1
    return 0


def replies_only() -> int:
    """``python -m bench replies``: part 8 alone; its section of docs/performance.md is
    rewritten (or put before the local stack's, the last), the rest is left as it was."""
    from bench import replies as replies_bench

    figures = replies_bench.run()
    lines = replies_bench.replies_section(figures)
    _rewrite_section(replies_bench.REPLIES_HEADING, lines)
    print("\n".join(lines))
    if figures["failed"]:
        print(f"FAILED: {figures['failed']}", file=sys.stderr)
        return 1
    return 0


def stack_only() -> int:
    """``python -m bench stack``: part 8 alone; its section of docs/performance.md (the
    last) is rewritten, the rest is left as it was."""
    from bench import stack as stack_bench

    stack = stack_bench.run()
    path = ROOT / "docs" / "performance.md"
    text = path.read_text() if path.exists() else "# Performance\n"
    head = text.split("\n" + stack_bench.STACK_HEADING + "\n")[0].rstrip("\n")
    lines = [head, *stack_bench.stack_section(stack)]
    path.write_text("\n".join(lines) + "\n")
    print("\n".join(lines[1:]))
    if stack["failed"]:
        print(f"FAILED: {stack['failed']}", file=sys.stderr)
        return 1
    return 0


def write_report(cold: dict[str, Any], budget: dict[str, Any], tickets: dict[str, Any],
                 orders: dict[str, Any], lifecycle: dict[str, Any], mail: dict[str, Any],
                 seconds: float, stack: dict[str, Any] | None = None,
                 replies: dict[str, Any] | None = None,
                 networks: dict[str, Any] | None = None) -> Path:
    from bench.coldstart import cold_section

    lines = [
        "# Performance",
        "",
        f"Measured by `make bench` (`python -m bench`) on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC,",
        f"one run of {seconds:.0f} s on this project's 2-core machine. Rewritten on every run.",
        "",
        *cold_section(cold)[1:],
        "",
        "## DynamoDB operations per request",
        "",
        "Counted with a botocore hook on the app's DynamoDB client, the app in process on"
        f" DynamoDB Local, in a tenant with {budget['organisations_small']}"
        f" and then {budget['organisations_large']} organisations (and 300 more contacts on the"
        " organisation read). Equal counts mean the request does not grow with the table; no"
        " request uses Scan.",
        "",
        "| request | small tenant | 150x larger |",
        "| --- | --- | --- |",
    ]
    lines += [f"| `{r['request']}` | {_ops(r['small'])} | {_ops(r['large'])} |"
              for r in budget["rows"]]
    lines += _ticket_section(tickets)
    lines += _contact_order_section(orders)
    lines += _lifecycle_section(lifecycle)
    lines += _mail_section(mail)
    if replies is not None:
        from bench.replies import replies_section

        lines += replies_section(replies)
    if networks is not None:
        from bench.networks import networks_section

        lines += networks_section(networks)
    if stack is not None:
        from bench.stack import stack_section

        lines += stack_section(stack)
    path = ROOT / "docs" / "performance.md"
    path.parent.mkdir(exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def main(argv: list[str]) -> int:
    alone = {"coldstart": coldstart_only, "lifecycle": lifecycle_only, "mail": mail_only,
             "replies": replies_only, "networks": networks_only, "stack": stack_only,
             "help": help_only, "chat": chat_only, "reports": reports_only}
    if len(argv) == 1 and argv[0] in alone:
        return alone[argv[0]]()
    if argv:
        print("usage: python -m bench [coldstart | lifecycle | mail | replies | networks"
              " | help | chat | reports | stack]",
              file=sys.stderr)
        return 2
    started = time.perf_counter()
    spent: dict[str, float] = {}

    def timed(name: str, began: float) -> None:
        spent[name] = time.perf_counter() - began
        print(f"bench: {name} took {spent[name]:.0f} s", file=sys.stderr, flush=True)

    from bench import coldstart

    cold = coldstart.run()
    timed("1 cold start", started)
    began = time.perf_counter()
    budget = request_budget()
    timed("2 per request", began)
    from bench import contact_orders
    from bench import lifecycle as lifecycle_bench
    from bench import mail as mail_bench
    from bench import tickets as ticket_bench

    # Parts 3, 5 and 7 in one tenant, filled once to each size.
    began = time.perf_counter()
    parts = ticket_bench.Requests(), lifecycle_bench.Sweeps(), mail_bench.Messages()
    loads = ticket_bench.on_ticket_tenant(parts)
    tickets, sweep, mail = (part.result(loads) for part in parts)
    timed("3, 5, 7 in the shared tenant", began)
    print("bench: of it " + ", ".join(f"{k} {v:.0f} s" for k, v in
                                      ticket_bench.shared_seconds.items()), file=sys.stderr)
    began = time.perf_counter()
    orders = contact_orders.run()
    timed("4 contact orders", began)
    began = time.perf_counter()
    lifecycle = {"sweep": sweep, "notify": lifecycle_bench.notify_run()}
    timed("6 notifications consumer", began)
    from bench import replies as replies_bench
    from bench import stack as stack_bench

    began = time.perf_counter()
    replies = replies_bench.run()
    timed("8 reply extraction", began)
    from bench import networks as networks_bench

    began = time.perf_counter()
    networks = networks_bench.run()
    timed("9 networks", began)
    from bench import help_search as help_bench

    began = time.perf_counter()
    help_figures = help_bench.run()
    timed("9b help center search", began)
    from bench import chat as chat_bench

    began = time.perf_counter()
    chat_figures = chat_bench.run()
    timed("9c chat", began)
    from bench import reports as reports_bench

    began = time.perf_counter()
    report_figures = reports_bench.run()
    timed("9d reports", began)
    began = time.perf_counter()
    stack = stack_bench.run()
    timed("10 the local stack", began)
    scans = [r["request"] for r in budget["rows"] if "Scan" in r["large"]]
    scans += [r["request"] for r in tickets["sizes"][ticket_bench.SIZES[-1]]
              if "Scan" in r["calls"]]
    scans += [r["request"] for r in orders["sizes"][contact_orders.SIZES[-1]]
              if "Scan" in r["calls"]]
    grew = [r["request"] for r in budget["rows"] if r["small"] != r["large"]]
    grew += tickets["differing"] + orders["differing"]
    wrong = _lifecycle_problems(lifecycle)
    path = write_report(cold, budget, tickets, orders, lifecycle, mail,
                        time.perf_counter() - started, stack=stack, replies=replies,
                        networks=networks)
    _rewrite_section(help_bench.HELP_HEADING, help_bench.help_section(help_figures))
    _rewrite_section(chat_bench.CHAT_HEADING, chat_bench.chat_section(chat_figures))
    _rewrite_section(reports_bench.REPORTS_HEADING,
                     reports_bench.reports_section(report_figures))
    print(path.read_text())
    grew += networks["differing"] + help_figures["differing"] + chat_figures["differing"]
    grew += report_figures["differing"]
    if chat_figures["fanout"]["failed"]:
        wrong.append(f"chat fan-out p95 {chat_figures['fanout']['p95_ms']} ms")
    wrong += [f"the reminder sweep read more than was due at {size}"
              for size in networks["sweep_read_more_than_due"]]
    if (scans or grew or wrong or mail["failed"] or cold["failed"] or stack["failed"]
            or replies["failed"]):
        print(f"FAILED: scans {scans}, growing {grew}, lifecycle {wrong},"
              f" mail {mail['failed']}, cold start {cold['failed']}, stack {stack['failed']},"
              f" replies {replies['failed']}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
