"""The article editor's preview (issue 17): ``POST /article-preview`` renders one language's
Markdown as publishing would, saving nothing; a link publishing would refuse is named and
shown as plain text; writers only; hostile Markdown comes back sanitised; bad input names
its field."""

from __future__ import annotations

from tests.integration.api_client import Api
from tests.integration.tenants import emails, module_tenants

TENANTS = module_tenants(__name__)
TENANT, OTHER_TENANT = TENANTS
ADMIN, AGENT, CUSTOMER = emails(TENANT)
OTHER = f"admin@{OTHER_TENANT}.test"


def test_a_preview_renders_callouts_links_and_ticket_buttons_and_saves_nothing(
        api: Api) -> None:
    made = api.call("POST", "/articles", {"translations": {"sv": {
        "title": "Mål", "slug": "mal", "body_md": "Text."}}, "visibility": "public"},
        as_user=ADMIN)
    assert made.status == 201, made.body
    assert api.call("POST", f"/articles/{made.body['id']}/publish", None,
                    as_user=ADMIN).status == 200
    ticket_type = api.call("GET", "/ticket-types", as_user=ADMIN).body["items"][0]["id"]
    body = (f"# Rubrik\n\n:::tip\nEtt **tips**.\n:::\n\nSe [[mal]] och [[saknas]].\n\n"
            f"[[ticket:{ticket_type}|Skapa ärende]]\n\n<script>alert(1)</script>")
    before = api.call("GET", "/articles", as_user=AGENT).body["items"]
    answer = api.call("POST", "/article-preview", {"lang": "sv", "body_md": body},
                      as_user=AGENT)  # help.write is enough
    assert answer.status == 200, answer.body
    html = answer.body["html"]
    assert "<h1>Rubrik</h1>" in html
    assert ('<aside class="callout callout-tip" role="note">'
            '<p class="callout-title">Tips</p>') in html
    assert f'class="help-link" href="#/help/{TENANT}/articles/mal?lang=sv"' in html
    assert f'href="#/tickets/new?type={ticket_type}"' in html and "Skapa ärende</a>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html  # raw HTML is shown as text
    # The unknown link is text, and named: publishing would refuse it.
    assert "[[saknas]]" not in html and "saknas" in html
    assert answer.body["problems"] == ["[[saknas]] names no article of this help center"]
    assert answer.body["lang"] == "sv"
    assert api.call("GET", "/articles", as_user=AGENT).body["items"] == before


def test_only_writers_preview_and_another_tenants_article_is_no_link_target(
        api: Api) -> None:
    sent = {"lang": "fi", "body_md": "[[mal]]"}
    assert api.call("POST", "/article-preview", sent, as_user=CUSTOMER).status == 403
    assert api.call("POST", "/article-preview", sent, as_user=None).status == 401
    # Another tenant's writer: the slug of this tenant's article is nothing there.
    other = api.call("POST", "/article-preview", sent, as_user=OTHER)
    assert other.status == 200, other.body
    assert other.body["problems"] == ["[[mal]] names no article of this help center"]
    assert "href" not in other.body["html"]


def test_bad_input_names_its_field(api: Api) -> None:
    for body, field in (({"lang": "de", "body_md": "x"}, "lang"),
                        ({"lang": "sv", "body_md": "x" * 100_001}, "body_md"),
                        ({"lang": "sv"}, "body_md")):
        answer = api.call("POST", "/article-preview", body, as_user=ADMIN)
        assert answer.status == 400, answer.body
        assert [e["loc"] for e in answer.body["errors"]] == [["body", field]], answer.body
