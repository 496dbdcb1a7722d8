"""The help center's search in ``make bench`` terms (issue 17): public search, the ticket
form's suggestions and the most read list, counted in DynamoDB calls and items and timed
(p50 of ``REPEATS``), with 1,000 and then 20,000 published articles in the tenant
(``SIZES``). Calls must be the same at both sizes; so must the items read for a word that
the same number of articles hold at both sizes ("bruksanvisning": ``RARE`` articles). A
word that a tenth of the articles hold ("faktura") reads at most ``WORD_READ`` entries.

The app runs in process on a DynamoDB Local of this part's own with the rest on moto's mock
(bench/tickets.py's ``app_on_dynamodb_local``). One article is published through the API
(the help core's ``POST /articles`` and ``…/publish``, which index it); the others are
written straight to the engine (bench/tickets.py's ``BatchWriter``) as ``index_article``
writes them: its puts, taken from its unit of work, and its STATS item (an UpdateItem there,
a put here, with a views count for the most read list). ``same_shape`` compares the two.

``python -m bench.help_search`` prints the figures; ``BENCH_HELP_SIZES=200,1000`` for a
quick try.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import time
from typing import Any
from unittest import mock

from bench.tickets import PASSWORD, TENANT, Api, BatchWriter, app_on_dynamodb_local, counting

SIZES = tuple(int(n) for n in os.environ.get("BENCH_HELP_SIZES", "1000,20000").split(","))
REPEATS = 15
RARE = 50  # articles holding "bruksanvisning", at every size
HELP_HEADING = "## DynamoDB calls per help center search"
CUSTOMER = f"customer@{TENANT}.test"
ADMIN = f"admin@{TENANT}.test"
_ = PASSWORD  # the seed's password, which Api.login uses
VOCABULARY = [
    "konto", "lösenord", "inloggning", "rapport", "export", "import", "kalender", "order",
    "kund", "leverans", "avtal", "support", "ärende", "kontakt", "portal", "användare",
    "behörighet", "roll", "inställning", "språk", "mall", "bilaga", "kommentar", "status",
    "godkännande", "prioritet", "kategori", "sökning", "filter", "lista", "vy", "mobil",
    "e-post", "avisering", "integration", "fält", "formulär", "signatur", "historik", "logg",
]


def _article(index: int, rng: random.Random) -> dict[str, Any]:
    words = rng.sample(VOCABULARY, 12)
    body = f"Så gör du med {' och '.join(words)}. Läs mer om {rng.choice(VOCABULARY)}."
    if index % 10 == 0:
        body += " Fakturan kommer varje månad."
    if index < RARE:
        body += " Se bruksanvisningen."
    return {"id": f"bench{index:08d}", "visibility": "public" if index % 4 else "customers",
            "organization_ids": [], "category_ids": [],
            "translations": {"sv": {"title": f"Guide {words[0]} {index}",
                                    "slug": f"guide-{index}", "body_md": body}}}


def _article_items(index: int, rng: random.Random) -> list[dict[str, Any]]:
    """What ``index_article`` writes for a new article: its puts, and its STATS item as
    the UpdateItem leaves it (with views, as if read)."""
    from chalicelib.domain import help_search as rules
    from chalicelib.store import help_index
    from chalicelib.store.dynamo import UnitOfWork, serialize

    article = _article(index, rng)
    uow = UnitOfWork()
    with mock.patch.object(help_index, "_terms_items", return_value={}):  # a new article
        help_index.index_article(uow, TENANT, article)
    assert not uow.hooks, "a bench article fits in one transaction"
    items = [op.params["Item"] for op in uow.ops if op.kind == "Put"]
    level = rules.level_of(article["visibility"])
    assert level is not None
    views = rng.randint(0, 5000)
    items.append(serialize({
        "PK": help_index.article_pk(TENANT, article["id"]), "SK": help_index.STATS,
        "level": level, "orgs": [], "langs": ["sv"], "article_id": article["id"],
        "views": views, "GSI2PK": help_index.popular_pk(TENANT, level),
        "GSI2SK": help_index.popular_sk(views, article["id"])}))
    return items


class World:
    def __init__(self, api: Api) -> None:
        self.api = api
        self.made = 0
        self.published_id = ""


def _world(api: Api) -> World:
    w = World(api)
    api.login(ADMIN)
    api.login(CUSTOMER)
    made = api.call("POST", "/articles", ADMIN, {
        "translations": {"sv": {"title": "Bruksanvisning för portalen", "slug": "bruksanvisning",
                                "body_md": "Se bruksanvisningen. Fakturan kommer varje månad."}},
        "visibility": "public"})
    api.call("POST", f"/articles/{made['id']}/publish", ADMIN)
    w.published_id = made["id"]
    return w


def fill(w: World, until: int) -> dict[str, Any]:
    from chalicelib.config import get_config

    started = time.perf_counter()
    writer = BatchWriter(get_config().help_table)
    rng = random.Random(17 + w.made)
    for index in range(w.made, until):
        writer.add(_article_items(index, rng))
    written = writer.close()
    made, w.made = until - w.made, until
    return {"articles": made, "items": written,
            "seconds": round(time.perf_counter() - started, 1)}


REQUESTS = [
    ("GET /help/{tenant}/search (a rare word)", "/help/{t}/search?q=bruksanvisningar&lang=sv",
     None),
    ("GET /help/{tenant}/search (a common word)", "/help/{t}/search?q=fakturorna&lang=sv",
     None),
    ("GET /help/{tenant}/search (both)",
     "/help/{t}/search?q=fakturorna%20bruksanvisningar&lang=sv", None),
    ("GET /help/suggest (a subject)",
     "/help/suggest?q=Var%20finns%20bruksanvisningen%20till%20fakturan&lang=sv", CUSTOMER),
    ("GET /help/{tenant}/popular", "/help/{t}/popular?lang=sv", None),
]
RARE_ONLY = ("GET /help/{tenant}/search (a rare word)", "GET /help/{tenant}/popular")


def measure(w: World, events: Any) -> list[dict[str, Any]]:
    rows = []
    for label, path, user in REQUESTS:
        times = []
        for attempt in range(REPEATS):
            started = time.perf_counter()
            if attempt == 0:
                with counting(events) as tally:
                    answer = w.api.call("GET", path.format(t=TENANT), user)
            else:
                answer = w.api.call("GET", path.format(t=TENANT), user)
            times.append(time.perf_counter() - started)
        assert answer["items"], (label, answer)
        rows.append({"request": label, **tally.row(), "hits": len(answer["items"]),
                     "p50_ms": round(1000 * statistics.median(times), 1)})
    return rows


def same_shape(w: World) -> list[str]:
    """The attribute names of the items the API's publish indexed against a bulk one's."""
    from chalicelib.store import help_index
    from chalicelib.store.dynamo import query

    def shapes(article_id: str) -> dict[str, set[str]]:
        found = query(help_index.help_table(), "PK = :pk",
                      {":pk": help_index.article_pk(TENANT, article_id)}, limit=50).items
        return {item["SK"].split("#")[0]: set(item) - {"views"} for item in found}

    api_made, bulk = shapes(w.published_id), shapes("bench00000001")
    return [f"{kind}: {sorted(api_made.get(kind, set()) ^ bulk.get(kind, set()))}"
            for kind in api_made.keys() | bulk.keys()
            if api_made.get(kind) != bulk.get(kind)]


def run() -> dict[str, Any]:
    result: dict[str, Any] = {"sizes": {}, "fill": {}}
    with app_on_dynamodb_local() as http:
        from chalicelib.store.clients import client

        w = _world(Api(http.http))
        events = client("dynamodb").meta.events
        for size in SIZES:
            result["fill"][size] = fill(w, size)
            if size == SIZES[0]:
                differences = same_shape(w)
                if differences:
                    raise AssertionError("bulk articles are not what the index writes: "
                                         + "; ".join(differences))
            result["sizes"][size] = measure(w, events)
    small, large = (result["sizes"][s] for s in (SIZES[0], SIZES[-1]))
    result["differing"] = [
        a["request"] for a, b in zip(small, large, strict=True)
        if a["calls"] != b["calls"] or (a["request"] in RARE_ONLY and a["read"] != b["read"])]
    return result


def help_section(figures: dict[str, Any]) -> list[str]:
    small, large = SIZES[0], SIZES[-1]
    rows_small = {r["request"]: r for r in figures["sizes"][small]}
    lines = [
        "",
        HELP_HEADING,
        "",
        f"The help center's search (issue 17) with {small:,} and then {large:,} published"
        " articles in the tenant (bulk-written as `index_article` writes them, checked against"
        " one published through the API), the app in process on DynamoDB Local. Calls and"
        f" items counted with botocore's events on the app's client; p50 of {REPEATS} calls.",
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
        ("The calls are the same at both sizes (one Query per word, one BatchGetItem of the"
         " candidates' figures, one of the page's texts); a rare word reads as many items at"
         " both, a common one at most 200 entries."
         if not differing else f"Differing between the sizes: {', '.join(differing)}."),
        "",
        "This part alone: `.venv/bin/python -m bench help` (rewrites only this section) or"
        " `.venv/bin/python -m bench.help_search` (prints the figures as JSON);"
        " `BENCH_HELP_SIZES=200,1000` for a quick try.",
    ]
    return lines


if __name__ == "__main__":
    figures = run()
    print(json.dumps(figures, indent=1, default=str))
    print("\n".join(help_section(figures)))
