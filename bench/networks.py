"""The networks part of ``make bench`` (issue 16): the buyers' supplier search and a
supplier's profile, counted in DynamoDB calls and items and timed (p50 of ``REPEATS``), with
1,000 and then 100,000 published suppliers in one network (``SIZES``); and one run of the
subscription-reminder sweep, whose reads must equal what is due.

The app runs in process on a DynamoDB Local of this part's own with the rest on moto's mock
(bench/tickets.py's ``app_on_dynamodb_local``), as the contact-order part does. The network,
the buyer and one supplier are made through the API, and that supplier is published through
it; the others are written straight to the engine (bench/tickets.py's ``BatchWriter``) as
the services write them: the subscription item (``put_subscription``'s keys), its entries in
the search (``NetworksRepository.listing_keys``: the network's list, a region, two codes)
and its reminder timers (``subscription_timers``, the ``due`` index). ``same_shape``
compares what the API wrote with a bulk-made supplier, attribute by attribute.

``DUE`` of the bulk suppliers have their first renewal reminder due at the sweep's time;
the rest are due months later. The sweep must read exactly the due timers, at both sizes.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.tickets import PASSWORD, TENANT, Api, BatchWriter, app_on_dynamodb_local, counting

SIZES = tuple(int(n) for n in os.environ.get("BENCH_SUPPLIER_SIZES", "1000,100000").split(","))
REPEATS = 15
DUE = 100
NETWORKS_HEADING = "## DynamoDB calls per supplier search"
# 40 codes, two per supplier: a code's list holds a page (25) already at 1,000 suppliers.
CODES = [f"{major}.{minor}" for major in range(41, 45) for minor in range(10, 20)]
REGIONS = ["se", "fi", "no", "dk"]
BUYER = f"bench-buyer@{TENANT}.test"
QUESTIONNAIRE = {"sections": [{"key": "quality", "title": {"en": "Quality"}, "questions": [
    {"id": "iso9001", "type": "yes_no", "title": {"en": "ISO 9001?"}, "required": True}]}]}


class World:
    def __init__(self, api: Api) -> None:
        self.api = api
        self.admin = api.login(f"admin@{TENANT}.test")
        self.network: dict[str, Any] = {}
        self.published: dict[str, Any] = {}
        self.made = 0
        # Before any real subscription's first reminder (60 days before a year is up) and
        # before the bulk suppliers' yearly reviews (eleven months after publication).
        self.sweep_at = datetime.now(UTC) + timedelta(days=300)
        self.sample_id = ""  # a bulk supplier's id, for the id search and the profile


def _world(api: Api) -> World:
    from chalicelib.identity import cognito

    w = World(api)
    buyer_org = api.call("POST", "/organizations", w.admin, {"name": "Inköp", "kind": "buyer"})
    supplier_org = api.call("POST", "/organizations", w.admin,
                            {"name": "Aaa Bygg AB", "kind": "supplier"})
    user = api.call("POST", "/users", w.admin, {
        "email": BUYER, "name": "Bench Buyer", "kind": "contact",
        "organization_id": buyer_org["id"], "roles": ["buyer"]})
    cognito.set_permanent_password(user["id"], PASSWORD)
    api.login(BUYER)
    w.network = api.call("POST", "/networks", w.admin, {
        "name": {"sv": "Byggnätverket"}, "sector": "construction", "regions": REGIONS,
        "price_tiers": [{"up_to": 10, "yearly_price": 4900}, {"up_to": None,
                                                              "yearly_price": 9900}],
        "code_list": [{"code": c, "name": {"en": c}} for c in CODES],
        "member_organization_ids": [buyer_org["id"]], "questionnaire": QUESTIONNAIRE})
    sub = api.call("POST", "/subscriptions", w.admin, {
        "network_id": w.network["id"], "organization_id": supplier_org["id"],
        "product_codes": CODES[:2], "regions": REGIONS[:1]})
    path = f"/subscriptions/{sub['id']}"
    api.call("PUT", f"{path}/questionnaire", w.admin, {"answers": {"iso9001": True}})
    api.call("POST", f"{path}/submit", w.admin)
    w.published = api.call("POST", f"{path}/validate", w.admin, {"decision": "publish"})
    return w


def _supplier_items(w: World, index: int, first: int,
                    rng: random.Random) -> list[dict[str, Any]]:
    """One published supplier as the services leave it: its subscription, its claims, its
    entries in the search and its reminder timers."""
    from chalicelib.domain.directory import name_key
    from chalicelib.domain.networks import Subscription, listing_of, subscription_timers
    from chalicelib.services.networks import repo
    from chalicelib.store.dynamo import serialize
    from chalicelib.store.networks import SUB, subscription_pk
    from chalicelib.store.schedule import due_attributes, timer_pk
    from chalicelib.store.tables import scoped_pk

    now = datetime.now(UTC)
    # The first DUE of each fill expire so that their 60-day renewal reminder is due at the
    # sweep's time; the others expire later, their reminders months after it.
    due = index - first < DUE
    expires = w.sweep_at + timedelta(days=59 if due else 200 + index % 100)
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    subscription_id = f"bench{index:08d}"
    supplier_id = str(200_000 + index)
    name = f"Leverantör {rng.choice('ABCDEFGHIJKLMNOPRSTUV')}{index:06d} AB"
    codes = rng.sample(CODES, 2)
    subscription = Subscription(
        id=subscription_id, network_id=w.network["id"], organization_id=f"org{index:08d}",
        organization_name=name, supplier_id=supplier_id, status="published",
        product_codes=codes, regions=[rng.choice(REGIONS)], yearly_price=4900,
        currency="SEK", questionnaire_version=1, starts_at=stamp,
        expires_at=expires.strftime("%Y-%m-%dT%H:%M:%SZ"), submitted_at=stamp,
        published_at=stamp, round=1,
        created_at=stamp, updated_at=stamp)
    listing = listing_of(subscription, name, name_key(name))
    subscription = subscription.model_copy(update={"listed_as": listing.sort_key})
    data = subscription.model_dump(mode="json")
    tenant = TENANT
    items = [{"PK": subscription_pk(tenant, subscription_id), "SK": SUB, **data,
              "GSI1PK": scoped_pk(tenant, "ORGSUBS", subscription.organization_id),
              "GSI1SK": f"{subscription.created_at}#{subscription_id}",
              "GSI2PK": scoped_pk(tenant, "SUBSTATUS", "published"),
              "GSI2SK": f"{subscription.created_at}#{subscription_id}"}]
    # The claims ``subscribe`` writes: the supplier id, the organisation's id, one
    # subscription per organisation and network.
    organization = subscription.organization_id
    items += [{"PK": scoped_pk(tenant, "SUPPLIERID", supplier_id), "SK": "CLAIM",
               "organization_id": organization, "claimed_at": stamp},
              {"PK": scoped_pk(tenant, "ORGSUPPLIER", organization), "SK": "SUPPLIER",
               "supplier_id": supplier_id, "claimed_at": stamp},
              {"PK": scoped_pk(tenant, "ORGNET", organization, w.network["id"]), "SK": SUB,
               "subscription_id": subscription_id}]
    entry = listing.model_dump(mode="json", exclude={"followed"})
    items += [{**key, **entry} for key in repo().listing_keys(tenant, entry)]
    pk = timer_pk(tenant, "SUB", subscription_id)
    items += [{"PK": pk, "SK": f"TIMER#{kind}", "tenant": tenant, "kind": kind,
               "parent_id": subscription_id, **due_attributes(kind, pk, due_at)}
              for kind, due_at in subscription_timers(subscription).items()]
    if index == DUE and not w.sample_id:
        w.sample_id = supplier_id
    return [serialize(item) for item in items]


def fill(w: World, until: int) -> dict[str, Any]:
    from chalicelib.config import get_config

    started = time.perf_counter()
    writer = BatchWriter(get_config().networks_table)
    rng = random.Random(16)
    for index in range(w.made, until):
        writer.add(_supplier_items(w, index, w.made, rng))
    written = writer.close()
    made, w.made = until - w.made, until
    return {"suppliers": made, "items": written,
            "seconds": round(time.perf_counter() - started, 1)}


def _requests(w: World) -> list[tuple[str, str]]:
    network = w.network["id"]
    return [
        ("GET /suppliers (a network's first page)", f"/suppliers?network_id={network}"),
        ("GET /suppliers?q= (a name prefix)",
         f"/suppliers?network_id={network}&q=leverant%C3%B6r%20k"),
        ("GET /suppliers?code=", f"/suppliers?network_id={network}&code={CODES[7]}"),
        ("GET /suppliers?region=", f"/suppliers?network_id={network}&region=fi"),
        ("GET /suppliers?code=&region=", f"/suppliers?network_id={network}&code={CODES[7]}"
                                         "&region=fi"),
        ("GET /suppliers?q= (a supplier id)", f"/suppliers?network_id={network}&q={w.sample_id}"),
        ("GET /suppliers/{id} (the profile)", f"/suppliers/{w.sample_id}"),
        ("GET /networks/{id}/quote", f"/networks/{network}/quote?codes=40"),
    ]


def measure(w: World, events: Any) -> list[dict[str, Any]]:
    rows = []
    for label, path in _requests(w):
        times = []
        for attempt in range(REPEATS):
            started = time.perf_counter()
            if attempt == 0:
                with counting(events) as tally:
                    answer = w.api.call("GET", path, BUYER)
            else:
                answer = w.api.call("GET", path, BUYER)
            times.append(time.perf_counter() - started)
        if "items" in answer and "q=" not in path:
            assert len(answer["items"]) == 25 or "code=" in path, (label, len(answer["items"]))
        rows.append({"request": label, **tally.row(),
                     "p50_ms": round(1000 * statistics.median(times), 1)})
    return rows


def sweep(w: World, events: Any) -> dict[str, Any]:
    """One run of the subscription-reminder sweep at the bulk suppliers' due time."""
    from chalicelib.jobs import sweeps

    with counting(events, per_op=True) as tally:
        report = sweeps.subscription_reminders(w.sweep_at, lambda: 900.0)
    return {"report": dict(report), "calls": tally.row()}


def same_shape(w: World) -> list[str]:
    """The attribute names of what the API wrote for a published supplier (its
    subscription and its entry in the network's list) against a bulk-made one's."""
    from chalicelib.services.networks import repo
    from chalicelib.store.dynamo import get_item, query
    from chalicelib.store.networks import SUB, subscription_pk
    from chalicelib.store.tables import scoped_pk

    table = repo().table

    def shapes(subscription_id: str) -> dict[str, set[str]]:
        item = get_item(table, subscription_pk(TENANT, subscription_id), SUB) or {}
        listed = query(table, "PK = :pk AND SK = :sk",
                       {":pk": scoped_pk(TENANT, "NETSUP", item["network_id"]),
                        ":sk": item["listed_as"]}).items
        return {"subscription": set(item), "listing": set(listed[0]) if listed else set()}

    api_made, bulk = shapes(w.published["id"]), shapes("bench00000000")
    return [f"{kind}: {sorted(api_made[kind] ^ bulk[kind])}" for kind in api_made
            if api_made[kind] != bulk[kind]]


def run() -> dict[str, Any]:
    result: dict[str, Any] = {"sizes": {}, "fill": {}, "sweep": {}}
    with app_on_dynamodb_local() as http:
        from chalicelib.store.clients import client

        w = _world(Api(http.http))
        events = client("dynamodb").meta.events
        for size in SIZES:
            result["fill"][size] = fill(w, size)
            if size == SIZES[0]:
                differences = same_shape(w)
                if differences:
                    raise AssertionError("bulk suppliers are not what the API writes: "
                                         + "; ".join(differences))
            result["sizes"][size] = measure(w, events)
            result["sweep"][size] = sweep(w, events)
    small, large = (result["sizes"][s] for s in (SIZES[0], SIZES[-1]))
    compared = ("calls", "read", "written")
    result["differing"] = [a["request"] for a, b in zip(small, large, strict=True)
                           if any(a[k] != b[k] for k in compared)]
    result["sweep_read_more_than_due"] = [
        size for size, run_ in result["sweep"].items() if run_["report"].get("read") != DUE]
    return result


def networks_section(figures: dict[str, Any]) -> list[str]:
    small, large = SIZES[0], SIZES[-1]
    rows_small = {r["request"]: r for r in figures["sizes"][small]}
    lines = [
        "",
        NETWORKS_HEADING,
        "",
        "The buyers' search and a supplier's profile (issue 16) as the buyer of a network sees"
        f" them, with {small:,} and then {large:,} published suppliers in the network"
        " (bulk-written as the services write them, checked against one published through"
        " the API), the app in process on DynamoDB Local. Calls and items counted with"
        f" botocore's events on the app's client; p50 of {REPEATS} calls (including the"
        " token check's own reads).",
        "",
        f"| request | DynamoDB calls | items read ({small:,} / {large:,}) |"
        f" p50 ms ({small:,} / {large:,}) |",
        "| --- | --- | --- | --- |",
    ]
    for row in figures["sizes"][large]:
        first = rows_small[row["request"]]
        calls = ", ".join(f"{op} {n}" for op, n in row["calls"].items())
        lines.append(f"| `{row['request']}` | {calls} | {first['read']} / {row['read']} |"
                     f" {first['p50_ms']} / {row['p50_ms']} |")
    differing = figures["differing"]
    lines += [
        "",
        ("The calls and items of every request are the same at both sizes: a search is one"
         " Query of one partition (the network's list, a code's or a region's), by name"
         " prefix, or a chain of GetItem for a six-digit supplier id."
         if not differing else f"Differing between the sizes: {', '.join(differing)}."),
        "",
        "One run of the subscription-reminder sweep (`subscription_reminders`), at a time"
        f" when {DUE} of the suppliers added by each fill have their 60-day renewal reminder"
        " due and the rest are due months later:",
        "",
        "| suppliers | timers read | reminders told | DynamoDB calls |",
        "| --- | --- | --- | --- |",
    ]
    for size, run_ in figures["sweep"].items():
        report = run_["report"]
        calls = ", ".join(f"{op} {n}" for op, n in run_["calls"]["calls"].items())
        lines.append(f"| {int(size):,} | {report.get('read')} |"
                     f" {report.get('sub_renewal:renewal_reminder', 0)} | {calls} |")
    lines += [
        "",
        "The sweep reads what is due and nothing else (the sparse `due` index); each reminder"
        " is a GetItem of the subscription and one transaction (the subscription, its history"
        " event, its outbox record and its next timer).",
        "",
        "This part alone: `.venv/bin/python -m bench networks` (rewrites only this section);"
        " `BENCH_SUPPLIER_SIZES=1000,5000` for a quick try.",
    ]
    return lines


if __name__ == "__main__":
    print(json.dumps(run(), indent=1, default=str))
