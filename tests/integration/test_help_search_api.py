"""The help center's search side through the Chalice app (issue 17, items 5-7): public
search in Swedish, Finnish and English with stems and snippets, the ticket form's
suggestions per reader, the most read list fed by view counters, "was this helpful?",
deflection, staff's figures, another tenant's articles, and the index kept right when an
article changes. Articles are indexed with ``store.help_index.index_article`` directly,
as the help core does when it saves one."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.config import get_config
from chalicelib.services import help_search as svc
from chalicelib.services import rate_limits
from chalicelib.store import help_index
from chalicelib.store.dynamo import UnitOfWork, query
from tests.integration.api_client import Api
from tests.integration.networks_world import make_org, make_portal_user
from tests.integration.tenants import emails, module_tenants
from tests.integration.test_guarantees import dynamodb_calls
from tests.integration.test_rate_limits import from_ip

TENANTS = module_tenants(__name__)
TENANT, OTHER_TENANT = TENANTS
ADMIN, AGENT, CUSTOMER = emails(TENANT)
OTHER_ADMIN = emails(OTHER_TENANT)[0]
PARTNER = f"partner@{TENANT}.test"  # a portal user of another organisation
NOW = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)
SCRIPT = "<script>alert(1)</script>"
# Markdown whose text (once its entities are read) is markup: it must reach a snippet as text.
ENCODED = "&lt;img src=x onerror=alert(2)&gt;"


def _article(article_id: str, visibility: str, translations: dict[str, tuple[str, str, str]],
             organization_ids: list[str] | None = None) -> dict[str, Any]:
    return {"id": article_id, "visibility": visibility, "category_ids": [],
            "organization_ids": organization_ids or [],
            "translations": {lang: {"title": title, "slug": slug, "body_md": body}
                             for lang, (title, slug, body) in translations.items()}}


def index(tenant: str, article: dict[str, Any]) -> None:
    """What the help core does in the transaction that publishes an article."""
    uow = UnitOfWork()
    help_index.index_article(uow, tenant, article)
    assert len(uow.ops) <= help_index.WRITES_IN_TRANSACTION + help_index.FIXED_WRITES
    uow.commit()


# The articles' ids by name, once ``world`` has published them through the help core.
ID: dict[str, str] = {}


def _publish(api: Api, admin: str, article: dict[str, Any]) -> str:
    """Written and (unless a draft) published through the help core's routes."""
    body = {k: article[k] for k in ("translations", "organization_ids")}
    made = api.call("POST", "/articles", {**body, "visibility": article["visibility"]},
                    as_user=admin)
    assert made.status == 201, made.body
    if article["visibility"] != "draft":
        published = api.call("POST", f"/articles/{made.body['id']}/publish", as_user=admin)
        assert published.status == 200, published.body
    return str(made.body["id"])


@pytest.fixture(scope="module")
def world(api: Api) -> dict[str, Any]:
    own_org = api.call("GET", "/me", as_user=CUSTOMER).body["organization_id"]
    partner_org = make_org(api, ADMIN, "Partner AB", "company")
    make_portal_user(api, ADMIN, PARTNER, partner_org, "contact")
    articles = [
        _article("read-invoice", "public", {
            "sv": ("Så läser du din faktura", "las-fakturan",
                   f"## Fakturorna\n\nFakturorna skickas varje månad. {SCRIPT} {ENCODED} Betala."),
            "en": ("How to read your invoice", "read-invoice",
                   "Invoices are sent every month.")}),
        _article("pay", "public", {
            "sv": ("Betalning", "betalning", "Du kan betala fakturan med **autogiro**.")}),
        _article("customers-all", "customers", {
            "sv": ("Faktura för kunder", "faktura-kunder", "Kundportalens fakturor.")}),
        _article("customers-partner", "customers", {
            "sv": ("Faktura med specialavtal", "specialavtal", "Bara för partner.")},
            organization_ids=[partner_org]),
        _article("internal", "internal", {
            "sv": ("Intern fakturarutin", "intern-rutin", "Så krediterar vi en faktura.")}),
        _article("draft", "draft", {"sv": ("Utkast om faktura", "utkast", "Faktura.")}),
        _article("finnish", "public", {
            "fi": ("Laskun maksaminen", "laskun-maksaminen",
                   "Laskuja voi maksaa verkkopankissa.")}),
    ]
    for article in articles:
        ID[article["id"]] = _publish(api, ADMIN, article)
    ID["elsewhere"] = _publish(api, OTHER_ADMIN, _article("elsewhere", "public", {
        "sv": ("Faktura hos en annan", "las-fakturan", "Fakturor hos en annan kund.")}))
    return {"own_org": own_org, "partner_org": partner_org}


def _search(api: Api, tenant: str, query: str, **headers: str) -> Any:
    answer = api.call("GET", f"/help/{tenant}/search?{query}", headers=headers or None)
    assert answer.status == 200, answer.body
    return answer.body


def _ids(body: dict[str, Any]) -> list[str]:
    """The hits' names (``ID``'s keys; an article indexed by a test directly: its id)."""
    names = {article_id: name for name, article_id in ID.items()}
    return [names.get(hit["article_id"], hit["article_id"]) for hit in body["items"]]


def test_public_search_finds_inflections_title_hits_first_with_an_escaped_snippet(
        api: Api, world: dict[str, Any]) -> None:
    body = _search(api, TENANT, "q=fakturorna&lang=sv")
    assert _ids(body) == ["read-invoice", "pay"]  # title hit first, then the body hit
    first = body["items"][0]
    assert (first["title"], first["slug"], first["lang"]) == (
        "Så läser du din faktura", "las-fakturan", "sv")
    assert first["score"] > body["items"][1]["score"]
    assert "<mark>Fakturorna</mark>" in first["snippet"]
    assert "<script" not in first["snippet"] and "<img" not in first["snippet"]
    assert "&lt;img src=x onerror=alert(2)&gt;" in first["snippet"]
    assert "<mark>fakturan</mark>" in body["items"][1]["snippet"]
    assert body["lang"] == "sv" and body["next_cursor"] is None


def test_the_default_language_is_the_tenants_and_each_language_has_its_stems(
        api: Api, world: dict[str, Any]) -> None:
    assert _ids(_search(api, TENANT, "q=faktura")) == ["read-invoice", "pay"]
    assert _ids(_search(api, TENANT, "q=laskuja&lang=fi")) == ["finnish"]
    english = _search(api, TENANT, "q=invoices&lang=en")
    assert _ids(english) == ["read-invoice"]
    assert english["items"][0]["slug"] == "read-invoice"
    assert _ids(_search(api, TENANT, "q=invoices&lang=sv")) == []


def test_every_word_must_be_found_and_markup_in_a_query_is_only_words(
        api: Api, world: dict[str, Any]) -> None:
    assert _ids(_search(api, TENANT, "q=faktura%20autogiro&lang=sv")) == ["pay"]
    assert _ids(_search(api, TENANT, "q=faktura%20obefintligt&lang=sv")) == []
    attack = _search(api, TENANT, "q=%3Cb%3Efaktura%3C%2Fb%3E&lang=sv")
    assert _ids(attack) == ["read-invoice", "pay"]
    assert all("<b>" not in hit["snippet"] for hit in attack["items"])


def test_a_public_reader_never_finds_a_customers_internal_or_draft_article(
        api: Api, world: dict[str, Any]) -> None:
    for word in ("faktura", "specialavtal", "fakturarutin", "krediterar", "utkast", "kunder"):
        found = set(_ids(_search(api, TENANT, f"q={word}&lang=sv")))
        assert found <= {"read-invoice", "pay"}, word
    # a token changes nothing on the public route
    signed_in = api.call("GET", f"/help/{TENANT}/search?q=kunder&lang=sv", as_user=ADMIN)
    assert signed_in.status == 200 and _ids(signed_in.body) == []


def test_a_stale_public_entry_of_an_internal_article_is_not_answered(
        api: Api, world: dict[str, Any]) -> None:
    """Search checks each hit's STATS item: an index entry left behind (a write after the
    commit that failed) cannot show an article to a reader who may not see it."""
    from chalicelib.domain import help_search as rules

    table = help_index.help_table()
    key = {"PK": help_index.word_pk(TENANT, "sv", rules.stem("krediterar", "sv")),
           "SK": help_index.entry_sk(rules.PUBLIC, True, ID["internal"])}
    uow = UnitOfWork()
    uow.put(table, {**key, "article_id": ID["internal"], "count": 1})
    uow.commit()
    try:
        assert _ids(_search(api, TENANT, "q=krediterar&lang=sv")) == []
    finally:
        uow.delete(table, key)
        uow.commit()


def test_another_tenants_articles_are_its_own(api: Api, world: dict[str, Any]) -> None:
    assert "elsewhere" not in _ids(_search(api, TENANT, "q=annan&lang=sv"))
    assert _ids(_search(api, OTHER_TENANT, "q=fakturorna&lang=sv")) == ["elsewhere"]
    assert api.call("GET", "/help/no-such-tenant/search?q=faktura").status == 404


def test_bad_search_input_is_a_400_naming_the_field(api: Api, world: dict[str, Any]) -> None:
    def fields(path: str) -> set[tuple[str, ...]]:
        answer = api.call("GET", path)
        assert answer.status == 400, answer.body
        return {tuple(e["loc"]) for e in answer.body["errors"]}

    assert ("query", "q") in fields(f"/help/{TENANT}/search?lang=sv")
    assert ("query", "lang") in fields(f"/help/{TENANT}/search?q=x&lang=de")
    assert ("query", "limit") in fields(f"/help/{TENANT}/search?q=x&limit=0")
    assert ("query", "q") in fields(f"/help/{TENANT}/search?q={'x' * 201}")
    assert ("query", "sort") in fields(f"/help/{TENANT}/search?q=x&sort=views")
    assert ("path", "tenant") in fields("/help/NOT_A_TENANT/search?q=x")


def test_suggestions_follow_who_is_asking(api: Api, world: dict[str, Any]) -> None:
    def suggested(user: str, q: str = "faktura") -> list[str]:
        answer = api.call("GET", f"/help/suggest?q={q}&lang=sv", as_user=user)
        assert answer.status == 200, answer.body
        assert len(answer.body["items"]) <= 5
        return _ids(answer.body)

    assert set(suggested(CUSTOMER)) == {"read-invoice", "pay", "customers-all"}
    assert set(suggested(PARTNER)) == {"read-invoice", "pay", "customers-all",
                                       "customers-partner"}
    assert set(suggested(AGENT)) == {"read-invoice", "pay", "customers-all",
                                     "customers-partner"}  # never the internal one
    # any word of a subject as it is typed; those holding more words first
    assert suggested(CUSTOMER, "Autogiro%20och%20fakturan")[0] == "pay"
    # The word being typed finds the titles whose words it begins (not bodies', not once
    # it is followed by a space); it counts once beside the whole word's hits.
    assert set(suggested(CUSTOMER, "Hur%20g%C3%B6r%20jag%20en%20betaln")) == {"pay"}
    assert suggested(PARTNER, "specialav") == ["customers-partner"]
    assert suggested(PARTNER, "specialav%20") == []
    assert suggested(CUSTOMER, "specialav") == []  # another organisation's article
    assert set(suggested(CUSTOMER, "fakt")) == {"read-invoice", "customers-all"}
    assert "internal" not in suggested(AGENT, "intern")  # what a reader may read, still
    assert suggested(CUSTOMER, "autog") == []  # "autogiro" is in a body only
    blank = api.call("GET", "/help/suggest?q=%20%20&lang=sv", as_user=CUSTOMER)
    assert blank.status == 400 and blank.body["errors"][0]["loc"] == ["query", "q"]
    assert api.call("GET", "/help/suggest?q=faktura").status == 401
    other = api.call("GET", "/help/suggest?q=faktura&lang=sv", as_user=OTHER_ADMIN)
    assert _ids(other.body) == ["elsewhere"]


def test_a_view_is_a_counter_per_article_and_month_and_feeds_the_popular_list(
        api: Api, world: dict[str, Any]) -> None:
    pk = help_index.article_pk(TENANT, ID["pay"])

    def items_of_article() -> int:
        return len(query(help_index.help_table(), "PK = :pk", {":pk": pk}, limit=100).items)

    assert svc.count_view(TENANT, ID["pay"], NOW)
    size = items_of_article()
    for _ in range(4):
        assert svc.count_view(TENANT, ID["pay"], NOW)
    assert items_of_article() == size  # counted, not logged
    stats = api.call("GET", f"/articles/{ID['pay']}/stats", as_user=AGENT).body
    assert stats["views"] >= 5
    assert {"month": "2026-12", "views": stats["views"]}.items() <= stats["months"][0].items()
    assert not svc.count_view(TENANT, ID["draft"], NOW)  # never indexed: not counted
    assert svc.count_view(TENANT, ID["internal"], NOW)  # counted, but in no public list
    viewed = api.call("POST", f"/help/{TENANT}/articles/laskun-maksaminen/views?lang=fi")
    assert viewed.status == 200 and viewed.body == {"counted": True}
    for hidden in ("faktura-kunder", "intern-rutin", "utkast", "nothing"):
        assert api.call("POST", f"/help/{TENANT}/articles/{hidden}/views").status == 404
    popular = api.call("GET", f"/help/{TENANT}/popular?lang=sv&limit=2")
    assert popular.status == 200, popular.body
    names = {article_id: name for name, article_id in ID.items()}
    shown = [(names[p["article_id"]], p["lang"], p["fallback"], p["views"])
             for p in popular.body["items"]]
    assert shown == [("pay", "sv", False, stats["views"]), ("finnish", "fi", True, 1)]
    every = api.call("GET", f"/help/{TENANT}/popular?limit=25").body["items"]
    assert not {p["article_id"] for p in every} & {ID[name] for name in (
        "customers-all", "customers-partner", "internal", "draft", "elsewhere")}


def test_feedback_counts_a_vote_keeps_a_comment_and_names_bad_fields(
        api: Api, world: dict[str, Any]) -> None:
    path = f"/help/{TENANT}/articles/las-fakturan/feedback?lang=sv"
    before = api.call("GET", f"/articles/{ID['read-invoice']}/stats", as_user=ADMIN).body
    assert api.call("POST", path, {"helpful": True}).status == 200
    comment = f"Saknar pdf {SCRIPT}"
    assert api.call("POST", path, {"helpful": False, "comment": comment}).status == 200
    after = api.call("GET", f"/articles/{ID['read-invoice']}/stats", as_user=ADMIN).body
    assert after["helpful"] == before["helpful"] + 1
    assert after["not_helpful"] == before["not_helpful"] + 1
    assert after["comments"][0]["comment"] == comment and not after["comments"][0]["helpful"]

    bad = api.call("POST", path, {"helpful": "yes", "rating": 5, "comment": "x" * 2001})
    assert bad.status == 400
    assert {tuple(e["loc"]) for e in bad.body["errors"]} == {
        ("body", "helpful"), ("body", "rating"), ("body", "comment")}
    missing = api.call("POST", path, {"comment": "hm"})
    assert missing.status == 400 and ("body", "helpful") in {
        tuple(e["loc"]) for e in missing.body["errors"]}


def test_feedback_reaches_public_articles_of_the_tenant_only(
        api: Api, world: dict[str, Any]) -> None:
    vote = {"helpful": True}
    assert api.call("POST", f"/help/{TENANT}/articles/faktura-kunder/feedback", vote).status == 404
    assert api.call("POST", f"/help/{TENANT}/articles/intern-rutin/feedback", vote).status == 404
    assert api.call("POST", f"/help/{TENANT}/articles/utkast/feedback", vote).status == 404
    assert api.call("POST", f"/help/{TENANT}/articles/nothing/feedback", vote).status == 404
    assert api.call("POST", f"/help/{TENANT}/articles/Bad%20Slug/feedback", vote).status == 400
    # the other tenant's "las-fakturan" is its own article
    figures = f"/articles/{ID['elsewhere']}/stats"
    before = api.call("GET", figures, as_user=OTHER_ADMIN).body["helpful"]
    assert api.call("POST", f"/help/{OTHER_TENANT}/articles/las-fakturan/feedback",
                    vote).status == 200
    assert api.call("GET", figures, as_user=OTHER_ADMIN).body["helpful"] == before + 1


def test_an_opened_suggestion_then_no_ticket_is_a_ticket_avoided(
        api: Api, world: dict[str, Any]) -> None:
    def figures() -> dict[str, Any]:
        return dict(api.call("GET", f"/articles/{ID['customers-all']}/stats", as_user=ADMIN).body)

    before = figures()
    left = api.call("POST", "/help/suggest/outcome",
                    {"opened": [ID["customers-all"]] * 2, "ticket_created": False},
                    as_user=CUSTOMER, headers={"Idempotency-Key": "outcome-1"})
    assert left.status == 200 and left.body == {"counted": 1}
    again = api.call("POST", "/help/suggest/outcome",
                     {"opened": [ID["customers-all"]] * 2, "ticket_created": False},
                     as_user=CUSTOMER, headers={"Idempotency-Key": "outcome-1"})
    assert again.status == 200
    asked = api.call("POST", "/help/suggest/outcome",
                     {"opened": [ID["customers-all"]], "ticket_created": True}, as_user=CUSTOMER)
    assert asked.status == 200
    after = figures()
    assert after["tickets_avoided"] == before["tickets_avoided"] + 1  # the replay counted none
    assert after["created_after_suggestion"] == before["created_after_suggestion"] + 1
    assert after["months"][0]["tickets_avoided"] >= 1


def test_an_outcome_names_only_articles_the_caller_could_be_suggested(
        api: Api, world: dict[str, Any]) -> None:
    for name in ("customers-partner", "internal", "draft", "elsewhere", "nothing"):
        answer = api.call("POST", "/help/suggest/outcome",
                          {"opened": [ID.get(name, name)], "ticket_created": False},
                          as_user=CUSTOMER)
        assert answer.status == 404, name
    bad = api.call("POST", "/help/suggest/outcome", {"opened": [], "ticket_created": "no"},
                   as_user=CUSTOMER)
    assert bad.status == 400
    assert {tuple(e["loc"]) for e in bad.body["errors"]} == {
        ("body", "opened"), ("body", "ticket_created")}
    too_many = api.call("POST", "/help/suggest/outcome",
                        {"opened": [f"a{i}" for i in range(6)], "ticket_created": False},
                        as_user=CUSTOMER)
    assert too_many.status == 400


def test_staff_see_figures_customers_do_not_and_another_tenants_id_is_a_404(
        api: Api, world: dict[str, Any]) -> None:
    assert api.call("GET", f"/articles/{ID['pay']}/stats", as_user=AGENT).status == 200
    assert api.call("GET", f"/articles/{ID['pay']}/stats", as_user=CUSTOMER).status == 403
    assert api.call("GET", f"/articles/{ID['pay']}/stats").status == 401
    assert api.call("GET", f"/articles/{ID['pay']}/stats", as_user=OTHER_ADMIN).status == 404
    assert api.call("GET", "/articles/nothing/stats", as_user=ADMIN).status == 404
    assert api.call("GET", f"/articles/{ID['draft']}/stats", as_user=ADMIN).status == 404


def test_a_changed_article_is_found_by_what_it_now_says_and_whom_it_now_shows_to(
        api: Api, world: dict[str, Any]) -> None:
    article = _article("changing", "public", {
        "sv": ("Leveransadress", "leveransadress", "Ändra adressen i portalen.")})
    index(TENANT, article)
    assert _ids(_search(api, TENANT, "q=leveransadressen&lang=sv")) == ["changing"]
    article["translations"]["sv"] = {"title": "Fakturaadress", "slug": "fakturaadress",
                                     "body_md": "Ändra adressen i portalen."}
    index(TENANT, article)
    assert _ids(_search(api, TENANT, "q=leveransadress&lang=sv")) == []
    assert _ids(_search(api, TENANT, "q=fakturaadress&lang=sv")) == ["changing"]
    index(TENANT, {**article, "visibility": "internal"})
    assert _ids(_search(api, TENANT, "q=fakturaadress&lang=sv")) == []
    assert "changing" not in {p["article_id"] for p in api.call(
        "GET", f"/help/{TENANT}/popular?limit=25").body["items"]}
    uow = UnitOfWork()
    help_index.unindex_article(uow, TENANT, "changing")
    uow.commit()
    assert api.call("GET", "/help/suggest?q=fakturaadress&lang=sv", as_user=ADMIN).body[
        "items"] == []
    remaining = query(help_index.help_table(), "PK = :pk",
                      {":pk": help_index.word_pk(TENANT, "sv", "fakturaadress")}, limit=10)
    assert remaining.items == []


def test_a_long_article_writes_its_other_entries_after_the_commit(
        api: Api, world: dict[str, Any]) -> None:
    words = " ".join(f"ordet{i:03d}x" for i in range(300))
    long_article = _article("long", "public", {
        "sv": ("Lång guide", "lang-guide", f"{words} slutordet")})
    index(TENANT, long_article)
    assert _ids(_search(api, TENANT, "q=slutordet&lang=sv")) == ["long"]
    terms = query(help_index.help_table(), "PK = :pk",
                  {":pk": help_index.article_pk(TENANT, "long")}, limit=20).items
    assert all(t["complete"] for t in terms if t["SK"].startswith("TERMS#"))
    index(TENANT, {**long_article, "visibility": "draft"})  # 300 deletions, most after it
    assert _ids(_search(api, TENANT, "q=slutordet&lang=sv")) == []
    assert query(help_index.help_table(), "PK = :pk",
                 {":pk": help_index.word_pk(TENANT, "sv", "slutordet")}, limit=10).items == []


def test_search_and_suggest_read_as_much_at_any_size(api: Api, world: dict[str, Any]) -> None:
    api.token(CUSTOMER)
    paths = {"search": (f"/help/{TENANT}/search?q=bruksanvisning%20manualen&lang=sv", None),
             "suggest": ("/help/suggest?q=bruksanvisning%20manualen&lang=sv", CUSTOMER),
             "popular": (f"/help/{TENANT}/popular", None)}

    def spent() -> dict[str, Counter[str]]:
        found = {}
        for name, (path, user) in paths.items():
            with dynamodb_calls() as calls:
                answer = api.call("GET", path, as_user=user)
            assert answer.status == 200, answer.body
            found[name] = calls
        return found

    index(TENANT, _article("manual-0", "public", {
        "sv": ("Bruksanvisning", "manual-0", "Manualen finns här.")}))
    small = spent()
    for i in range(1, 40):
        index(TENANT, _article(f"manual-{i}", "public", {
            "sv": (f"Bruksanvisning {i}", f"manual-{i}", "Manualen finns här.")}))
    large = spent()
    assert json.dumps(large, sort_keys=True) == json.dumps(small, sort_keys=True)
    for name, calls in large.items():
        assert set(calls) <= {"GetItem", "Query", "BatchGetItem"}, (name, calls)
        assert sum(calls.values()) <= 11, (name, calls)
    assert large["search"]["Query"] == 2  # one per word


def test_one_client_cannot_sway_votes_or_views(api: Api, world: dict[str, Any],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Anyone may vote and tell a view, so each is limited per client address: a client
    repeating them gets a 429 and the figures stop growing; another client is not held."""
    monkeypatch.setenv("RATE_LIMIT_HELP_FEEDBACK_PER_IP", "2/3600")
    monkeypatch.setenv("RATE_LIMIT_HELP_VIEWS_PER_IP", "2/3600")
    get_config.cache_clear()
    rate_limits.use_clock(lambda: NOW)
    figures = f"/articles/{ID['pay']}/stats"
    try:
        before = api.call("GET", figures, as_user=ADMIN).body
        with from_ip(api, "198.51.100.7"):
            votes = [api.call("POST", f"/help/{TENANT}/articles/betalning/feedback",
                              {"helpful": False}).status for _ in range(4)]
            views = [api.call("POST", f"/help/{TENANT}/articles/betalning/views").status
                     for _ in range(4)]
        assert votes == [200, 200, 429, 429] and views == [200, 200, 429, 429]
        after = api.call("GET", figures, as_user=ADMIN).body
        assert after["not_helpful"] == before["not_helpful"] + 2
        assert after["views"] == before["views"] + 2
        with from_ip(api, "198.51.100.8"):
            assert api.call("POST", f"/help/{TENANT}/articles/betalning/feedback",
                            {"helpful": True}).status == 200
    finally:
        rate_limits.use_clock(None)
        monkeypatch.undo()
        get_config.cache_clear()


def test_publishing_through_the_help_core_indexes_and_narrowing_unindexes(
        api: Api, world: dict[str, Any]) -> None:
    """A long article in three languages goes through the core's publishing transaction
    (at most 100 writes: the index's overflow follows the commit); a narrower audience
    set by PATCH takes it out of public search at once, a takedown out of every search."""
    words = " ".join(f"sida{i:03d}q" for i in range(250))
    translations = {lang: {"title": f"Handbok {lang}", "slug": f"handbok-{lang}",
                           "body_md": f"{words} slutsida{lang}"} for lang in ("sv", "fi", "en")}
    made = api.call("POST", "/articles", {"translations": translations, "visibility": "public"},
                    as_user=ADMIN)
    assert made.status == 201, made.body
    article_id = made.body["id"]
    assert api.call("POST", f"/articles/{article_id}/publish", as_user=ADMIN).status == 200
    for lang in ("sv", "fi", "en"):
        found = _search(api, TENANT, f"q=slutsida{lang}&lang={lang}")
        assert [h["article_id"] for h in found["items"]] == [article_id], lang
    current = api.call("GET", f"/articles/{article_id}", as_user=ADMIN)
    narrowed = api.call("PATCH", f"/articles/{article_id}", {"visibility": "customers"},
                        as_user=ADMIN, headers={"If-Match": current.headers["etag"]})
    assert narrowed.status == 200, narrowed.body
    assert _search(api, TENANT, "q=slutsidasv&lang=sv")["items"] == []
    suggested = api.call("GET", "/help/suggest?q=slutsidasv&lang=sv", as_user=CUSTOMER)
    assert [h["article_id"] for h in suggested.body["items"]] == [article_id]
    current = api.call("GET", f"/articles/{article_id}", as_user=ADMIN)
    down = api.call("PATCH", f"/articles/{article_id}", {"visibility": "draft"},
                    as_user=ADMIN, headers={"If-Match": current.headers["etag"]})
    assert down.status == 200, down.body
    assert api.call("GET", "/help/suggest?q=slutsidasv&lang=sv", as_user=CUSTOMER).body[
        "items"] == []


def test_a_late_write_of_an_older_save_does_not_bring_back_its_words(
        api: Api, world: dict[str, Any]) -> None:
    """Two saves of a long article: the first one's after-commit writes run only after the
    second has committed (a slow Lambda). They are skipped, so the first version's words
    stay gone and the second's are all found."""
    def long_article(word: str) -> dict[str, Any]:
        body = " ".join(f"{word}{i:03d}z" for i in range(120))
        return _article("racing", "public", {"sv": ("Racer", "racer", f"{body} {word}slut")})

    first = UnitOfWork()
    help_index.index_article(first, TENANT, long_article("alfa"))
    late, first.hooks = first.hooks, []
    assert late, "the first save has writes left for after its commit"
    first.commit()
    index(TENANT, long_article("beta"))
    for hook in late:
        hook()
    assert _ids(_search(api, TENANT, "q=alfaslut&lang=sv")) == []
    assert _ids(_search(api, TENANT, "q=alfa119z&lang=sv")) == []
    assert _ids(_search(api, TENANT, "q=betaslut&lang=sv")) == ["racing"]
    assert _ids(_search(api, TENANT, "q=beta000z&lang=sv")) == ["racing"]
