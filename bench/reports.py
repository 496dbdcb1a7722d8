"""Reports in ``make bench`` terms (issue 23): a month's ticket report and its breakdowns,
counted in DynamoDB calls and items read and timed (p50 of ``REPEATS``), with 1,000 and
then 100,000 tickets' work counted in the tenant (``SIZES``). The month's report must make
the same calls at both sizes: it reads counter items, a few per day, whatever the volume.

The app runs in process on a DynamoDB Local of this part's own with the rest on moto's mock
(bench/tickets.py's ``app_on_dynamodb_local``). One ticket is worked through the API (so
its counters come from the live path); the others' lives (created, first response,
resolution, the customer's answer, a rating, hours) are simulated across November 2026 in
``SHAPE``'s types, channels, organisations and agents, counted with the very rule and keys
live counting uses (``domain/report_counters.changes``, ``store/report_counters
.counted_items``) and written whole as the backfill writes them (bench/tickets.py's
``BatchWriter``). The API's ticket falls in December, outside the measured month.

``python -m bench reports`` prints and records the figures; ``BENCH_REPORT_SIZES=200,2000``
for a quick try.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bench.tickets import PASSWORD, TENANT, Api, BatchWriter, app_on_dynamodb_local, counting

SIZES = tuple(int(n) for n in os.environ.get("BENCH_REPORT_SIZES", "1000,100000").split(","))
REPEATS = 15
REPORTS_HEADING = "## DynamoDB calls per report"
ADMIN = f"admin@{TENANT}.test"
CUSTOMER = f"customer@{TENANT}.test"
AGENT = f"agent@{TENANT}.test"
_ = PASSWORD  # the seed's password, which Api.login uses
MONTH_START = datetime(2026, 11, 1, tzinfo=UTC)
SHAPE = {"organizations": 500, "agents": 12,
         "channels": ("portal", "email", "phone", "chat", "staff")}


class World:
    def __init__(self, api: Api) -> None:
        self.api = api
        self.made = 0
        self.types: list[tuple[str, bool]] = []
        self.totals: dict[tuple[str, str], dict[str, float]] = {}
        self.api_ticket = ""


def _world(api: Api) -> World:
    w = World(api)
    for who in (ADMIN, CUSTOMER, AGENT):
        api.login(who)
    types = api.call("GET", "/ticket-types", ADMIN)["items"]
    w.types = [(t["id"], bool(t["billable"])) for t in types]
    plain = next(t for t in types if not t["required_fields"])
    made = api.call("POST", "/tickets", CUSTOMER, {"subject": "Bench", "description": "x",
                                                    "ticket_type_id": plain["id"]})
    api.call("POST", f"/tickets/{made['id']}/resolve", AGENT, {"resolution": "Done"})
    w.api_ticket = made["id"]
    return w


def _at(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _life(index: int, rng: random.Random, w: World) -> list[tuple[Any, Any, str]]:
    """One simulated ticket's changes as live counting would see them."""
    from chalicelib.domain.tickets import Ticket

    created = MONTH_START + timedelta(minutes=rng.randrange(29 * 24 * 60))
    type_id, billable = w.types[index % len(w.types)]
    base: dict[str, Any] = {
        "id": f"bench{index:09d}", "number": f"T-{index + 100_000}", "subject": "Bench",
        "status": "new", "priority": "normal", "ticket_type_id": type_id,
        "organization_id": f"org{rng.randrange(SHAPE['organizations']):04d}",
        "channel": rng.choice(SHAPE["channels"]), "billable": billable,
        "created_at": _at(created), "updated_at": _at(created), "created_by": "bench",
        "version": 1, "first_response_due_at": _at(created + timedelta(hours=8)),
        "resolution_due_at": _at(created + timedelta(hours=40))}
    states = [Ticket.model_validate(base)]
    moment = created

    def step(minutes: float, **changes: Any) -> None:
        nonlocal moment
        moment += timedelta(minutes=minutes)
        base.update(changes, updated_at=_at(moment))
        states.append(Ticket.model_validate(base))

    agent = f"agent{rng.randrange(SHAPE['agents']):02d}"
    step(rng.expovariate(1 / 90), status="open", assignee_id=agent,
         first_response_at=_at(moment + timedelta(minutes=1)))
    hours = round(rng.choice((0.25, 0.5, 1.0, 1.5)), 2)
    step(rng.expovariate(1 / 600), status="resolved", total_hours=hours,
         resolved_at=_at(moment + timedelta(minutes=1)), approval={"state": "pending"})
    answer = rng.random()
    if answer < 0.75:
        step(rng.expovariate(1 / 900), status="closed",
             approval={"state": "approved", "at": _at(moment + timedelta(minutes=1))})
        if rng.random() < 0.3:
            step(5, satisfaction={"rating": rng.choice(("good", "good", "bad")),
                                  "at": _at(moment), "by": "customer"})
    elif answer < 0.83:
        step(rng.expovariate(1 / 900), status="open",
             approval={"state": "rejected", "at": _at(moment + timedelta(minutes=1))})
    else:
        step(7 * 24 * 60, status="closed",
             approval={"state": "auto_approved", "at": _at(moment + timedelta(minutes=1))})
    return [(before, after, after.updated_at) for before, after
            in zip([None, *states[:-1]], states, strict=True)]


def fill(w: World, until: int) -> dict[str, Any]:
    """The counters of tickets ``w.made`` to ``until`` added to the totals, and every
    counter item written again whole (as the backfill writes them)."""
    from chalicelib.config import get_config
    from chalicelib.domain.directory import SupportHours
    from chalicelib.domain.report_counters import changes
    from chalicelib.domain.support_hours import calendar_for
    from chalicelib.services.directory import repo
    from chalicelib.store.dynamo import serialize
    from chalicelib.store.report_counters import counted_items

    started = time.perf_counter()
    support = SupportHours.model_validate(repo().get_settings(TENANT)["support_hours"])
    zone, cal = ZoneInfo(support.timezone), calendar_for(support)
    rng = random.Random(23 + w.made)
    for index in range(w.made, until):
        for before, after, at in _life(index, rng, w):
            for change in changes(before, after, zone, cal, at):
                for key, counts in counted_items(TENANT, change, after.id):
                    into = w.totals.setdefault(key, {})
                    for name, value in counts.items():
                        into[name] = into.get(name, 0) + value
    counted = time.perf_counter() - started
    writer = BatchWriter(get_config().tickets_table)
    writer.add(serialize({"PK": pk, "SK": sk, **{k: round(v, 6) for k, v in c.items()}})
               for (pk, sk), c in w.totals.items())
    written = writer.close()
    made, w.made = until - w.made, until
    return {"tickets": made, "items": written, "count_seconds": round(counted, 1),
            "seconds": round(time.perf_counter() - started, 1)}


REQUESTS = [
    ("GET /reports/tickets (a month by day)",
     "/reports/tickets?from=2026-11-01&to=2026-11-30&group_by=day", ADMIN),
    ("GET /reports/tickets (a month by week, one agent)",
     "/reports/tickets?from=2026-11-01&to=2026-11-30&group_by=week&agent=agent03", ADMIN),
    ("GET /reports/tickets (an agent's own)",
     "/reports/tickets?from=2026-11-01&to=2026-11-30&group_by=week", AGENT),
    ("GET /reports/tickets/breakdown?by=channel",
     "/reports/tickets/breakdown?by=channel&from=2026-11-01&to=2026-11-30", ADMIN),
    ("GET /reports/tickets/breakdown?by=organization",
     "/reports/tickets/breakdown?by=organization&from=2026-11-01&to=2026-11-30", ADMIN),
]
# Reads that must not grow with the tickets: the report and its filters. A breakdown
# reads what the month's values (organisations, agents) hold, a bound of its own.
EQUAL = tuple(label for label, _, _ in REQUESTS if "breakdown" not in label)


def measure(w: World, events: Any) -> list[dict[str, Any]]:
    rows = []
    for label, path, user in REQUESTS:
        times = []
        for attempt in range(REPEATS):
            started = time.perf_counter()
            if attempt == 0:
                with counting(events) as tally:
                    answer = w.api.call("GET", path, user)
            else:
                answer = w.api.call("GET", path, user)
            times.append(time.perf_counter() - started)
        shown = answer.get("totals", {}).get("created") if "totals" in answer else len(
            answer["items"])
        rows.append({"request": label, **tally.row(), "shown": shown,
                     "p50_ms": round(1000 * statistics.median(times), 1)})
    return rows


def run() -> dict[str, Any]:
    result: dict[str, Any] = {"sizes": {}, "fill": {}}
    with app_on_dynamodb_local() as http:
        from chalicelib.store.clients import client

        w = _world(Api(http.http))
        events = client("dynamodb").meta.events
        for size in SIZES:
            result["fill"][size] = fill(w, size)
            result["sizes"][size] = measure(w, events)
    small, large = (result["sizes"][s] for s in (SIZES[0], SIZES[-1]))
    result["differing"] = [
        a["request"] for a, b in zip(small, large, strict=True)
        if a["request"] in EQUAL and a["calls"] != b["calls"]]
    return result


def reports_section(figures: dict[str, Any]) -> list[str]:
    small, large = SIZES[0], SIZES[-1]
    rows_small = {r["request"]: r for r in figures["sizes"][small]}
    lines = [
        "",
        REPORTS_HEADING,
        "",
        f"A month's ticket report (issue 23) with {small:,} and then {large:,} tickets' work"
        " counted in the tenant, the app in process on DynamoDB Local. One ticket worked"
        " through the API, the others' lives simulated over November 2026 in"
        f" {SHAPE['organizations']} organisations, {SHAPE['agents']} agents and"
        f" {len(SHAPE['channels'])} channels, counted with the live rule and keys and written"
        " whole (bench/reports.py). Calls and items counted with botocore's events on the"
        f" app's client; p50 of {REPEATS} calls.",
        "",
        f"| request | DynamoDB calls ({small:,} / {large:,}) | items read | p50 ms |",
        "|---|---|---|---|",
    ]
    def calls(counter: dict[str, int]) -> str:
        return ", ".join(f"{n} {op}" for op, n in sorted(counter.items()))

    for row in figures["sizes"][large]:
        before = rows_small[row["request"]]
        lines.append(
            f"| {row['request']} | {calls(before['calls'])} / {calls(row['calls'])} | "
            f"{before['read']} / {row['read']} | {before['p50_ms']} / {row['p50_ms']} |")
    fill_large = figures["fill"][large]
    lines += [
        "",
        f"Filling to {large:,}: {fill_large['tickets']:,} tickets counted in"
        f" {fill_large['count_seconds']} s, {fill_large['items']:,} counter items written.",
        "The report and its filters make the same calls at both sizes"
        + (" (checked)." if not figures["differing"] else
           f": FAILED for {', '.join(figures['differing'])}."),
        "A breakdown over whole months reads their month items (32 per month and kind: the"
        " values, e.g. organisations, are spread over them), other days their day items; the"
        " items' size grows with the values active in the month, not with the tickets.",
    ]
    return lines


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
