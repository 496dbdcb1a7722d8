"""The help center through the API (issue 17, items 1-4 and 8): categories and articles by
every role (admin, agent, a portal customer, anyone without a token, another tenant's
admin), what each audience reads by list, slug and id, languages and their fallback, the
Markdown's HTML with hostile input, versions with their diff and restore, scheduled
publishing and takedown through the sweep, and bad input naming its field."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest

from local.events import EventRunner
from tests.integration.api_client import Answer, Api
from tests.integration.networks_world import make_org, make_portal_user
from tests.integration.tenants import emails, module_tenants

TENANTS = module_tenants(__name__)
TENANT, OTHER_TENANT = TENANTS
ADMIN, AGENT, CUSTOMER = emails(TENANT)
STRANGER = f"stranger@{TENANT}.test"  # a portal user of another organisation than Acme's
OTHER = f"admin@{OTHER_TENANT}.test"
ANYONE = None


def _article(api: Api, slug: str, *, visibility: str = "draft", body: str = "Text.",
             langs: tuple[str, ...] = ("sv", "en"), **extra: Any) -> dict[str, Any]:
    translations = {lang: {"title": f"{slug} ({lang})", "slug": f"{slug}" if lang == "sv"
                           else f"{slug}-{lang}", "body_md": f"{body}\n\n{lang}"}
                    for lang in langs}
    answer = api.call("POST", "/articles", {"translations": translations,
                                            "visibility": visibility, **extra}, as_user=ADMIN)
    assert answer.status == 201, answer.body
    return dict(answer.body)


def _publish(api: Api, article_id: str, as_user: str = ADMIN, **body: Any) -> Answer:
    return api.call("POST", f"/articles/{article_id}/publish", body or None, as_user=as_user)


def _read(api: Api, slug: str, as_user: str | None = ANYONE, tenant: str = TENANT,
          lang: str | None = None) -> Answer:
    query = f"?lang={lang}" if lang else ""
    return api.call("GET", f"/help/{tenant}/articles/{slug}{query}", as_user=as_user)


@pytest.fixture(scope="module")
def world(api: Api) -> dict[str, Any]:
    stranger_org = make_org(api, ADMIN, "Främling AB", "company")
    make_portal_user(api, ADMIN, STRANGER, stranger_org, "contact")
    acme = api.call("GET", "/me", as_user=CUSTOMER).body["organization_id"]
    category = api.call("POST", "/categories", {
        "translations": {"sv": {"name": "Komma igång", "slug": "komma-igang",
                                "description": "Första stegen"},
                         "en": {"name": "Getting started", "slug": "getting-started"}},
        "order": 1, "icon": "rocket"}, as_user=ADMIN)
    assert category.status == 201, category.body
    cat = category.body["id"]
    ticket_type = api.call("GET", "/ticket-types", as_user=ADMIN).body["items"][0]
    articles = {
        "public": _article(api, "publik", visibility="public", category_ids=[cat]),
        "internal": _article(api, "intern", visibility="internal", category_ids=[cat]),
        "customers": _article(api, "kunder", visibility="customers", category_ids=[cat]),
        "acme": _article(api, "acme", visibility="customers", category_ids=[cat],
                         organization_ids=[acme]),
        "draft": _article(api, "utkast", category_ids=[cat]),
    }
    for name in ("public", "internal", "customers", "acme"):
        assert _publish(api, articles[name]["id"]).status == 200
    return {"category": category.body, "articles": articles, "acme": acme,
            "ticket_type": ticket_type}


# --- who reads what -----------------------------------------------------------------------

# Per reader, the published articles they may read (the draft is nobody's).
SEES = {
    ANYONE: {"public"},
    OTHER: {"public"},  # a token of another tenant reads as anyone
    CUSTOMER: {"public", "customers", "acme"},
    STRANGER: {"public", "customers"},
    AGENT: {"public", "customers", "acme", "internal"},
    ADMIN: {"public", "customers", "acme", "internal"},
}


@pytest.mark.parametrize("reader", list(SEES))
def test_each_reader_gets_exactly_their_articles_by_slug_and_list(
        api: Api, world: dict[str, Any], reader: str | None) -> None:
    for name, article in world["articles"].items():
        slug = article["translations"]["sv"]["slug"]
        answer = _read(api, slug, as_user=reader)
        expected = 200 if name in SEES[reader] else 404
        assert answer.status == expected, (name, answer.body)
        # The other language's slug leads to the same article, and the same answer.
        assert _read(api, f"{slug}-en", as_user=reader).status == expected
    home = api.call("GET", f"/help/{TENANT}/categories?lang=sv", as_user=reader)
    assert home.status == 200, home.body
    listed = {a["id"] for c in home.body["items"] for a in c["articles"]}
    page = api.call("GET", f"/help/{TENANT}/categories/komma-igang", as_user=reader)
    assert page.status == 200, page.body
    ids = {name: a["id"] for name, a in world["articles"].items()}
    ours = set(ids.values())  # other tests add articles of their own to the category
    assert listed & ours == {ids[n] for n in SEES[reader]}
    assert {a["id"] for a in page.body["articles"]} & ours == {ids[n] for n in SEES[reader]}


def test_a_public_article_reads_in_the_language_asked_else_the_default_and_says_so(
        api: Api, world: dict[str, Any]) -> None:
    english = _read(api, "publik", lang="en")
    assert english.status == 200, english.body
    body = english.body
    assert (body["lang"], body["fallback"], body["title"]) == ("en", False, "publik (en)")
    assert body["version"] == 1 and body["category_ids"] == [world["category"]["id"]]
    assert "<p>Text.</p>" in body["html"] and body["updated_at"]
    finnish = _read(api, "publik", lang="fi").body  # not written in Finnish
    assert (finnish["lang"], finnish["fallback"]) == ("sv", True)
    assert _read(api, "publik").body["fallback"] is False
    category = api.call("GET", f"/help/{TENANT}/categories/getting-started?lang=fi").body
    assert (category["name"], category["lang"], category["fallback"]) == (
        "Komma igång", "sv", True)
    assert category["icon"] == "rocket" and category["description"] == "Första stegen"


def test_another_tenant_or_none_reads_nothing_of_ours(api: Api, world: dict[str, Any]) -> None:
    assert _read(api, "publik", tenant=OTHER_TENANT).status == 404
    assert _read(api, "publik", tenant=OTHER_TENANT, as_user=ADMIN).status == 404
    assert _read(api, "publik", tenant="no-such-tenant").status == 404
    assert api.call("GET", f"/help/{OTHER_TENANT}/categories").body["items"] == []
    assert api.call("GET", f"/help/{OTHER_TENANT}/categories/komma-igang").status == 404
    article = world["articles"]["public"]["id"]
    for path in (f"/articles/{article}", f"/articles/{article}/versions"):
        assert api.call("GET", path, as_user=OTHER).status == 404


def test_a_bad_token_is_refused_not_read_as_anyone(api: Api, world: dict[str, Any]) -> None:
    answer = api.call("GET", f"/help/{TENANT}/articles/publik",
                      headers={"Authorization": "Bearer forged.token.here"})
    assert answer.status == 401


def test_the_reading_routes_refuse_bad_parameters(api: Api, world: dict[str, Any]) -> None:
    assert _read(api, "publik", lang="de").status == 400
    assert api.call("GET", f"/help/{TENANT}/articles/Not_A_Slug").status == 400
    assert api.call("GET", f"/help/{TENANT}/categories?limit=5").status == 400


# --- staff routes by role -----------------------------------------------------------------

OK, CREATED, BAD, FORBIDDEN, UNAUTHENTICATED, GONE = 200, 201, 400, 403, 401, 404
# (method, path, body, {role: status}); any role not named gets 403, anyone 401.
STAFF_CASES: list[tuple[str, str, Any, dict[str, int]]] = [
    ("GET", "/categories", None, {ADMIN: OK, AGENT: OK, OTHER: OK}),
    ("POST", "/categories", {}, {ADMIN: BAD, AGENT: BAD, OTHER: BAD}),
    ("PATCH", "/categories/{category}", {"order": 2}, {ADMIN: OK, AGENT: OK, OTHER: GONE}),
    ("GET", "/articles", None, {ADMIN: OK, AGENT: OK, OTHER: OK}),
    ("POST", "/articles", {}, {ADMIN: BAD, AGENT: BAD, OTHER: BAD}),
    ("GET", "/articles/{draft}", None, {ADMIN: OK, AGENT: OK, OTHER: GONE}),
    ("PATCH", "/articles/{draft}", {"order": 3}, {ADMIN: OK, AGENT: OK, OTHER: GONE}),
    ("POST", "/articles/{draft}/publish", {"visibility": "nobody"},
     {ADMIN: BAD, OTHER: BAD}),
    ("GET", "/articles/{public}/versions", None, {ADMIN: OK, AGENT: OK, OTHER: GONE}),
    ("GET", "/articles/{public}/versions/1", None, {ADMIN: OK, AGENT: OK, OTHER: GONE}),
    ("POST", "/articles/{draft}/versions/1/restore", None,
     {ADMIN: GONE, AGENT: GONE, OTHER: GONE}),
]


@pytest.mark.parametrize(("method", "path", "body", "allowed"), STAFF_CASES)
def test_staff_routes_by_role(api: Api, world: dict[str, Any], method: str, path: str,
                              body: Any, allowed: dict[str, int]) -> None:
    ids = {"category": world["category"]["id"],
           **{name: a["id"] for name, a in world["articles"].items()}}
    target = path.format(**ids)
    for user in (ADMIN, AGENT, CUSTOMER, STRANGER, OTHER, ANYONE):
        answer = api.call(method, target, body, as_user=user)
        expected = UNAUTHENTICATED if user is None else allowed.get(user, FORBIDDEN)
        assert answer.status == expected, (user, answer.body)


def test_an_agent_writes_but_does_not_publish_or_change_what_readers_see(
        api: Api, world: dict[str, Any]) -> None:
    article = _article(api, "agentens", visibility="public")
    assert _publish(api, article["id"], as_user=AGENT).status == 403
    patched = api.call("PATCH", f"/articles/{article['id']}", {"translations": {
        "sv": {"title": "Ny rubrik", "slug": "agentens", "body_md": "Nytt"}}}, as_user=AGENT)
    assert patched.status == 200, patched.body
    assert _publish(api, article["id"]).status == 200
    narrowed = api.call("PATCH", f"/articles/{article['id']}", {"visibility": "internal"},
                        as_user=AGENT)
    assert narrowed.status == 403
    later = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    scheduled = api.call("PATCH", f"/articles/{article['id']}", {"unpublish_at": later},
                         as_user=AGENT)
    assert scheduled.status == 403
    assert _read(api, "agentens").status == 200


# --- audience changes apply at once ---------------------------------------------------------


def test_narrowing_the_audience_hides_a_published_article_at_once(
        api: Api, world: dict[str, Any]) -> None:
    cat = world["category"]["id"]
    article = _article(api, "smalnar", visibility="public", category_ids=[cat])
    assert _publish(api, article["id"]).status == 200
    assert _read(api, "smalnar").status == 200
    path = f"/articles/{article['id']}"
    etag = api.call("GET", path, as_user=ADMIN).headers["etag"]
    internal = api.call("PATCH", path, {"visibility": "internal"}, as_user=ADMIN,
                        headers={"If-Match": etag})
    assert internal.status == 200, internal.body
    assert _read(api, "smalnar").status == 404
    assert _read(api, "smalnar", as_user=CUSTOMER).status == 404
    assert _read(api, "smalnar", as_user=AGENT).status == 200
    listed = api.call("GET", f"/help/{TENANT}/categories/komma-igang").body["articles"]
    assert article["id"] not in {a["id"] for a in listed}
    # A stale If-Match changes nothing.
    stale = api.call("PATCH", path, {"visibility": "public"}, as_user=ADMIN,
                     headers={"If-Match": etag})
    assert stale.status == 412
    # Draft takes it down for everyone; its versions stay.
    down = api.call("PATCH", path, {"visibility": "draft"}, as_user=ADMIN)
    assert down.status == 200 and down.body["published_version"] is None
    assert _read(api, "smalnar", as_user=ADMIN).status == 404
    assert len(api.call("GET", f"{path}/versions", as_user=ADMIN).body["items"]) == 1
    listed = api.call("GET", f"/help/{TENANT}/categories/komma-igang",
                      as_user=ADMIN).body["articles"]
    assert article["id"] not in {a["id"] for a in listed}


def test_an_article_in_two_categories_is_listed_in_order_in_each(
        api: Api, world: dict[str, Any]) -> None:
    second = api.call("POST", "/categories", {"translations": {"sv": {
        "name": "Fakturor", "slug": "fakturor"}}, "order": 2}, as_user=ADMIN).body
    cats = [world["category"]["id"], second["id"]]
    late = _article(api, "sist-i-listan", visibility="public", category_ids=cats, order=90)
    early = _article(api, "forst-i-listan", visibility="public", category_ids=cats, order=5)
    for article in (late, early):
        assert _publish(api, article["id"]).status == 200
    page = api.call("GET", f"/help/{TENANT}/categories/fakturor").body
    assert [a["slug"] for a in page["articles"]] == ["forst-i-listan", "sist-i-listan"]
    first = api.call("GET", f"/help/{TENANT}/categories/komma-igang").body["articles"]
    assert [a["slug"] for a in first][-2:] == ["forst-i-listan", "sist-i-listan"]
    home = api.call("GET", f"/help/{TENANT}/categories").body["items"]
    assert [c["slug"] for c in home][:2] == ["komma-igang", "fakturor"]
    # The category page's most read: by views, only those read at all.
    assert page["most_read"] == []
    for slug, times in (("sist-i-listan", 3), ("forst-i-listan", 1)):
        for _ in range(times):
            counted = api.call("POST", f"/help/{TENANT}/articles/{slug}/views?lang=sv")
            assert counted.status == 200, counted.body
    page = api.call("GET", f"/help/{TENANT}/categories/fakturor").body
    assert [(a["slug"], a["views"]) for a in page["most_read"]] == [
        ("sist-i-listan", 3), ("forst-i-listan", 1)]
    assert [a["slug"] for a in page["articles"]] == ["forst-i-listan", "sist-i-listan"]
    # Staff's list carries each article's figures (one read for the page).
    rows = {a["id"]: a for a in api.call("GET", "/articles?limit=100", as_user=AGENT).body[
        "items"]}
    assert rows[late["id"]]["figures"] == {"views": 3, "helpful": 0, "not_helpful": 0,
                                           "tickets_avoided": 0}
    assert rows[world["articles"]["draft"]["id"]]["figures"] is None  # never published


# --- writing: Markdown, links, XSS ----------------------------------------------------------

HOSTILE_BODY = """# Rubrik <script>alert('body')</script>

<img src=x onerror="alert('raw')"> <a href="javascript:alert('raw')">raw</a>

[klick](javascript:alert('md')) ![bild](javascript:alert('img'))
[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)

<div onmouseover="alert('div')">hover</div>

:::warning
<iframe src="https://evil.example"></iframe> **fet**
:::
"""


class _Tags(HTMLParser):
    """The elements and attributes a browser would build from the HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def _no_active_markup(html: str) -> None:
    parser = _Tags()
    parser.feed(html)
    assert parser.tags
    for tag, attrs in parser.tags:
        assert tag not in {"script", "iframe", "div", "object", "embed", "style"}, tag
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name)
            if name in {"href", "src"}:
                assert not re.match(r"\s*(javascript|data|vbscript):", value or "", re.I), value


def test_hostile_markdown_and_titles_are_inert(api: Api, world: dict[str, Any]) -> None:
    title = "<img src=x onerror=alert('title')>"
    target = api.call("POST", "/articles", {"visibility": "public", "translations": {"sv": {
        "title": title, "slug": "elak-rubrik", "body_md": "x"}}}, as_user=ADMIN).body
    assert _publish(api, target["id"]).status == 200
    hostile = api.call("POST", "/articles", {"visibility": "public", "translations": {"sv": {
        "title": "Elak", "slug": "elak-text",
        "body_md": HOSTILE_BODY + "\nSe [[elak-rubrik]]."}}}, as_user=ADMIN).body
    assert _publish(api, hostile["id"]).status == 200
    read = _read(api, "elak-text").body
    _no_active_markup(read["html"])
    # Raw HTML is shown as text; the box is an aside; the link is ours.
    assert "&lt;script&gt;" in read["html"]
    assert '<aside class="callout callout-warning" role="note">' in read["html"]
    assert "<strong>fet</strong>" in read["html"]
    assert 'href="#/help/help-api/articles/elak-rubrik?lang=sv"' in read["html"]
    # The title is data: given back as written, for the portal to show as text.
    titled = _read(api, "elak-rubrik").body
    assert titled["title"] == title
    _no_active_markup(titled["html"])


def test_the_seeds_boxes_tables_and_links_render(api: Api, world: dict[str, Any]) -> None:
    type_id = world["ticket_type"]["id"]
    body = ("| Typ | Debiteras |\n|---|--:|\n| Fel | nej |\n\n"
            ":::tip\nLäs om [[publik|ärendetyper]].\n:::\n\n:::info\ni\n:::\n\n"
            ":::note\nn\n:::\n\n"
            f"[[ticket:{type_id}]] eller [[ticket:{type_id}|Skapa ärende]]")
    article = _article(api, "rutor", visibility="public", body=body, langs=("sv",))
    assert _publish(api, article["id"]).status == 200
    html = _read(api, "rutor").body["html"]
    assert "<table>" in html and '<td style="text-align:right">nej</td>' in html
    for kind, title in (("tip", "Tips"), ("info", "Info"), ("note", "Obs")):
        assert (f'<aside class="callout callout-{kind}" role="note">'
                f'<p class="callout-title">{title}</p>') in html
    assert ('<a class="help-link" href="#/help/help-api/articles/publik?lang=sv" '
            'rel="noopener noreferrer">ärendetyper</a>') in html
    name = world["ticket_type"]["name"]["sv"]
    assert (f'<a class="help-ticket-button" href="#/tickets/new?type={type_id}" '
            f'rel="noopener noreferrer">{name}</a>') in html
    assert ">Skapa ärende</a>" in html


def test_publishing_names_every_unknown_link(api: Api, world: dict[str, Any]) -> None:
    article = _article(api, "trasiga-lankar", visibility="public", langs=("sv",),
                       body="[[finns-inte]] och [[ticket:NOSUCHTYPE]] men `[[i-kod]]`")
    answer = _publish(api, article["id"])
    assert answer.status == 400
    messages = [e["msg"] for e in answer.body["errors"]]
    assert any("[[finns-inte]]" in m for m in messages)
    assert any("[[ticket:NOSUCHTYPE]]" in m for m in messages)
    assert not any("i-kod" in m for m in messages)  # code is not a link
    assert all(e["loc"] == ["body", "translations", "sv", "body_md"]
               for e in answer.body["errors"])
    assert _read(api, "trasiga-lankar", as_user=ADMIN).status == 404


# --- bad input ----------------------------------------------------------------------------


def _locs(answer: Answer) -> set[tuple[Any, ...]]:
    return {tuple(e["loc"]) for e in answer.body["errors"]}


def test_bad_articles_are_400_naming_the_field(api: Api, world: dict[str, Any]) -> None:
    cases: list[tuple[dict[str, Any], tuple[Any, ...]]] = [
        ({}, ("body", "translations")),
        ({"translations": {}}, ("body", "translations")),
        ({"translations": {"sv": {"title": "T", "slug": "Inte OK"}}},
         ("body", "translations", "sv", "slug")),
        ({"translations": {"sv": {"title": "", "slug": "ok"}}},
         ("body", "translations", "sv", "title")),
        ({"translations": {"de": {"title": "T", "slug": "ok"}}},
         ("body", "translations", "de")),
        ({"translations": {"sv": {"title": "T", "slug": "ok"}}, "visibility": "secret"},
         ("body", "visibility")),
        ({"translations": {"sv": {"title": "T", "slug": "ok"}}, "category_ids": ["NOPE"]},
         ("body", "category_ids", 0)),
        ({"translations": {"sv": {"title": "T", "slug": "ok"}}, "organization_ids": ["NOPE"]},
         ("body", "organization_ids", 0)),
        ({"translations": {"sv": {"title": "T", "slug": "ok"}}, "publish_at": "tomorrow"},
         ("body", "publish_at")),
        ({"translations": {"sv": {"title": "T", "slug": "ok"}},
          "publish_at": "2030-01-01T00:00:00Z"}, ("body", "publish_at")),  # no audience
    ]
    for body, loc in cases:
        answer = api.call("POST", "/articles", body, as_user=ADMIN)
        assert answer.status == 400, (body, answer.body)
        assert any(found[:len(loc)] == loc for found in _locs(answer)), (loc, answer.body)


def test_a_slug_is_one_articles_per_language(api: Api, world: dict[str, Any]) -> None:
    taken = api.call("POST", "/articles", {"translations": {
        "sv": {"title": "Kopia", "slug": "publik"}}}, as_user=ADMIN)
    assert taken.status == 400 and _locs(taken) == {("body", "translations", "sv", "slug")}
    # The same word in another language is another slug.
    other_language = api.call("POST", "/articles", {"translations": {
        "fi": {"title": "Julkinen", "slug": "publik"}}}, as_user=ADMIN)
    assert other_language.status == 201, other_language.body
    # Read in Finnish, the slug is first the Finnish draft's, which nobody reads: the
    # Swedish article of the same slug is shown (in Swedish, the default).
    read = _read(api, "publik", lang="fi").body
    assert (read["id"], read["lang"]) == (world["articles"]["public"]["id"], "sv")
    # Another tenant may use it too.
    assert api.call("POST", "/articles", {"translations": {
        "sv": {"title": "Deras", "slug": "publik"}}}, as_user=OTHER).status == 201
    category = api.call("POST", "/categories", {"translations": {
        "sv": {"name": "Dubblett", "slug": "komma-igang"}}}, as_user=ADMIN)
    assert category.status == 400


def test_publishing_needs_an_audience(api: Api, world: dict[str, Any]) -> None:
    article = _article(api, "utan-publik")
    refused = _publish(api, article["id"])
    assert refused.status == 422 and _locs(refused) == {("body", "visibility")}
    assert _publish(api, article["id"], visibility="public").status == 200
    assert _read(api, "utan-publik").status == 200


# --- versions -----------------------------------------------------------------------------


def test_versions_diff_and_restore(api: Api, world: dict[str, Any]) -> None:
    first_body = "Rad ett\nRad två\nRad tre"
    article = api.call("POST", "/articles", {"visibility": "public", "translations": {
        "sv": {"title": "Versioner", "slug": "versioner", "body_md": first_body}}},
        as_user=ADMIN).body
    path = f"/articles/{article['id']}"
    assert _publish(api, article["id"]).status == 200
    api.call("PATCH", path, {"translations": {
        "sv": {"title": "Versioner jämförda", "slug": "versioner",
               "body_md": "Rad ett\nRad 2\nRad tre\nRad fyra"},
        "en": {"title": "Versions", "slug": "versions", "body_md": "Line one"}}},
        as_user=ADMIN)
    assert _publish(api, article["id"]).status == 200
    versions = api.call("GET", f"{path}/versions", as_user=ADMIN).body["items"]
    assert [v["number"] for v in versions] == [2, 1]
    assert versions[1]["author"] and versions[1]["at"]
    assert versions[1]["translations"]["sv"]["body_md"] == first_body
    diff = api.call("GET", f"{path}/versions/2?against=1", as_user=ADMIN)
    assert diff.status == 200, diff.body
    sv, en = diff.body["diff"]
    assert (sv["lang"], sv["added"], sv["removed"], sv["changed"]) == ("sv", 1, 0, 1)
    assert sv["title_changed"] and sv["new_title"] == "Versioner jämförda"
    assert {"kind": "changed", "old_line": 2, "new_line": 2, "old": "Rad två",
            "new": "Rad 2"} in sv["lines"]
    assert {"kind": "added", "old_line": None, "new_line": 4, "old": None,
            "new": "Rad fyra"} in sv["lines"]
    assert (en["lang"], en["added"]) == ("en", 1)
    backwards = api.call("GET", f"{path}/versions/1?against=2", as_user=ADMIN).body["diff"]
    assert (backwards[0]["removed"], backwards[1]["removed"]) == (1, 1)
    assert api.call("GET", f"{path}/versions/1?against=9", as_user=ADMIN).status == 400
    assert api.call("GET", f"{path}/versions/7", as_user=ADMIN).status == 404
    assert api.call("GET", f"{path}/versions/0", as_user=ADMIN).status == 400
    # Restoring version 1 makes its text the working copy; readers keep version 2 until the
    # next publish, which is version 3 with version 1's text.
    restored = api.call("POST", f"{path}/versions/1/restore", as_user=ADMIN)
    assert restored.status == 200, restored.body
    assert restored.body["translations"] == versions[1]["translations"]
    assert _read(api, "versioner").body["version"] == 2
    assert _publish(api, article["id"]).status == 200
    read = _read(api, "versioner", lang="en").body
    assert (read["version"], read["lang"], read["fallback"]) == (3, "sv", True)
    assert "Rad två" in read["html"]
    # The English slug stays the article's (its old address still leads to it).
    assert _read(api, "versions").body["id"] == article["id"]


# --- scheduled publishing and takedown ----------------------------------------------------


def test_scheduled_publishing_and_takedown_through_the_sweep(
        api: Api, world: dict[str, Any], runner: EventRunner) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    publish_at, unpublish_at = now + timedelta(hours=1), now + timedelta(hours=2)
    article = _article(api, "schemalagd", visibility="public", langs=("sv",),
                       publish_at=publish_at.isoformat(),
                       unpublish_at=unpublish_at.isoformat())
    assert article["publish_at"] == publish_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    runner.tick(now + timedelta(minutes=30))
    assert _read(api, "schemalagd").status == 404
    ran = runner.tick(publish_at + timedelta(minutes=1))
    assert ran["schedules"]["help_schedule"]["help_publish:published"] == 1
    read = _read(api, "schemalagd")
    assert read.status == 200 and read.body["version"] == 1
    stored = api.call("GET", f"/articles/{article['id']}", as_user=ADMIN).body
    assert stored["publish_at"] is None and stored["published_version"] == 1
    # The same moment again does nothing new.
    again = runner.tick(publish_at + timedelta(minutes=1))
    assert "help_publish:published" not in again["schedules"]["help_schedule"]
    gone = runner.tick(unpublish_at + timedelta(minutes=1))
    assert gone["schedules"]["help_schedule"]["help_unpublish:unpublished"] == 1
    assert _read(api, "schemalagd").status == 404
    stored = api.call("GET", f"/articles/{article['id']}", as_user=ADMIN).body
    assert (stored["visibility"], stored["published_version"]) == ("draft", None)
    assert len(api.call("GET", f"/articles/{article['id']}/versions",
                        as_user=ADMIN).body["items"]) == 1


def test_a_moved_schedule_publishes_at_the_new_time_only(
        api: Api, world: dict[str, Any], runner: EventRunner) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    article = _article(api, "flyttad", visibility="public", langs=("sv",),
                       publish_at=(now + timedelta(hours=3)).isoformat())
    moved = api.call("PATCH", f"/articles/{article['id']}",
                     {"publish_at": (now + timedelta(hours=5)).isoformat()}, as_user=ADMIN)
    assert moved.status == 200, moved.body
    runner.tick(now + timedelta(hours=4))
    assert _read(api, "flyttad").status == 404
    runner.tick(now + timedelta(hours=5, minutes=1))
    assert _read(api, "flyttad").status == 200


# --- bounded reads --------------------------------------------------------------------------


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of every DynamoDB call made."""
    from chalicelib.store.clients import client

    seen: list[str] = []
    ddb = client("dynamodb")
    for name in ("get_item", "query", "batch_get_item", "scan"):
        original = getattr(ddb, name)

        def spy(*args: Any, _original: Any = original, _name: str = name, **kwargs: Any) -> Any:
            seen.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(ddb, name, spy)
    return seen


def test_reading_makes_a_bounded_number_of_calls_and_no_scan(
        api: Api, world: dict[str, Any], calls: list[str]) -> None:
    categories = len(api.call("GET", "/categories", as_user=ADMIN).body["items"])
    calls.clear()
    assert _read(api, "publik").status == 200
    # The tenant's settings, the slug's claim, the published text.
    assert calls == ["get_item"] * 3
    calls.clear()
    assert _read(api, "finns-inte-alls").status == 404
    assert calls == ["get_item"] * 4  # settings, and the slug in each language
    calls.clear()
    assert api.call("GET", f"/help/{TENANT}/categories").status == 200
    assert calls == ["get_item", "query"] + ["query"] * categories
    calls.clear()
    assert api.call("GET", f"/help/{TENANT}/categories/komma-igang").status == 200
    assert calls == ["get_item", "get_item", "get_item", "query", "batch_get_item"]


def test_bad_changes_are_400_naming_the_field(api: Api, world: dict[str, Any]) -> None:
    article = world["articles"]["draft"]["id"]
    cases: list[tuple[str, dict[str, Any], tuple[Any, ...]]] = [
        (f"/articles/{article}", {"visibility": None}, ("body", "visibility")),
        (f"/articles/{article}", {"translations": None}, ("body", "translations")),
        (f"/articles/{article}", {"category_ids": ["a", "a"]}, ("body", "category_ids")),
        (f"/articles/{article}", {"order": -1}, ("body", "order")),
        (f"/articles/{article}", {"unknown": 1}, ("body", "unknown")),
        (f"/articles/{article}", {"publish_at": "2030-01-02T00:00:00Z",
                                  "unpublish_at": "2030-01-01T00:00:00Z"},
         ("body", "unpublish_at")),
        (f"/categories/{world['category']['id']}", {"icon": "Not an icon"}, ("body", "icon")),
        (f"/categories/{world['category']['id']}", {"translations": None},
         ("body", "translations")),
    ]
    for path, body, loc in cases:
        answer = api.call("PATCH", path, body, as_user=ADMIN)
        assert answer.status == 400, (body, answer.body)
        assert any(found[:len(loc)] == loc for found in _locs(answer)), (loc, answer.body)


def test_a_renamed_category_keeps_its_old_address(api: Api, world: dict[str, Any]) -> None:
    created = api.call("POST", "/categories", {"translations": {"sv": {
        "name": "Prenumeration", "slug": "prenumeration"}}, "order": 7}, as_user=ADMIN)
    assert created.status == 201, created.body
    path = f"/categories/{created.body['id']}"
    renamed = api.call("PATCH", path, {"translations": {"sv": {
        "name": "Prenumerationer", "slug": "prenumerationer"}}}, as_user=ADMIN,
        headers={"If-Match": created.headers["etag"]})
    assert renamed.status == 200, renamed.body
    for slug in ("prenumeration", "prenumerationer"):
        shown = api.call("GET", f"/help/{TENANT}/categories/{slug}").body
        assert shown["name"] == "Prenumerationer"
    stale = api.call("PATCH", path, {"order": 8}, as_user=ADMIN,
                     headers={"If-Match": created.headers["etag"]})
    assert stale.status == 412


def test_two_publishes_racing_make_one_version(api: Api, world: dict[str, Any]) -> None:
    """Both read the same article; the second commit finds version 1 taken and the article
    moved on, and changes nothing."""
    from chalicelib.domain.errors import Conflict
    from chalicelib.domain.principal import Principal
    from chalicelib.services import help as svc
    from chalicelib.services.context import Ctx

    created = _article(api, "kapplopning", visibility="public", langs=("sv",))
    principal = Principal(tenant=TENANT, user_id="racer", email="", roles=("admin",),
                          permissions=frozenset({"help.write", "help.publish"}), kind="staff",
                          organization_id=None, language="sv")
    ctx = Ctx(principal, datetime.now(UTC))
    read_by_both = svc.get_article(ctx, created["id"])
    svc._publish(ctx, read_by_both, None)
    with pytest.raises(Conflict):
        svc._publish(ctx, read_by_both, None)
    versions = api.call("GET", f"/articles/{created['id']}/versions", as_user=ADMIN).body
    assert [v["number"] for v in versions["items"]] == [1]


def test_the_search_follows_publishing_narrowing_and_takedown(
        api: Api, world: dict[str, Any]) -> None:
    def found(as_user: str | None = ANYONE) -> bool:
        answer = api.call("GET", f"/help/{TENANT}/search?q=zebrakorsning&lang=sv",
                          as_user=as_user)
        assert answer.status == 200, answer.body
        return article["id"] in {hit["article_id"] for hit in answer.body["items"]}

    article = _article(api, "sokbar", visibility="public", langs=("sv",),
                       body="Om zebrakorsningar.")
    assert not found()  # written, not published
    assert _publish(api, article["id"]).status == 200
    assert found()
    path = f"/articles/{article['id']}"
    assert api.call("PATCH", path, {"visibility": "internal"}, as_user=ADMIN).status == 200
    assert not found()
    assert api.call("PATCH", path, {"visibility": "draft"}, as_user=ADMIN).status == 200
    assert not found()
