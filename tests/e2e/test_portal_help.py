"""The help center in the portal (issue 17, item 8) against the local stack's demo help
center (local/demo_help_content.py), in Chromium: an article read signed out, the search
finding an inflected Swedish word with the hit highlighted, the ticket form's suggestions as
the demo customer types (and the deflection reported when the form is left after opening
one), and another tenant's slug a not-found page."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import Portal
from tests.e2e.stack import Stack

pytestmark = pytest.mark.e2e

CUSTOMER = "customer@demo.test"


@pytest.mark.parametrize("portal", ["sv-SE"], indirect=True)
def test_a_public_article_is_read_signed_out_and_rated(portal: Portal) -> None:
    page = portal.open("#/help?tenant=demo")
    expect(page.locator("#help-title")).to_have_text("Hjälpcenter")
    expect(page.locator("#account")).to_be_hidden()
    topic = page.locator(".help__category[data-category=komma-igang]")
    expect(topic.locator("h3")).to_have_text("Komma igång")
    expect(page.locator(".help__contact a").first).to_have_attribute("href", "#/tickets/new")
    # The demo tenant's support lines and hours (seed 002), public.
    phones = page.locator("[data-support-phones] li")
    expect(phones.first).to_have_text("Allmän programsupport: +46 8 433 32 00")
    expect(phones).to_have_count(3)
    # Every day around the clock: the demo tenant's chat (issue 18) is always open.
    expect(page.locator("[data-support-hours]")).to_contain_text("00:00\u201323:59")  # an en dash

    with page.expect_response(lambda r: "/help/demo/articles/skapa-arende/views?" in r.url) as view:
        topic.get_by_role("link", name="Så skapar du ett bra ärende").click()
    assert view.value.json() == {"counted": True}  # the most read list counts the reading
    expect(page).to_have_url(f"{portal.stack.url}/#/help/article/skapa-arende?tenant=demo")
    heading = page.locator("#help-article-title")
    expect(heading).to_have_text("Så skapar du ett bra ärende")
    expect(heading).to_be_focused()
    # The article's text comes first: no note (it is in Swedish), nothing else before it.
    assert page.locator(".help-article .help__article-body").inner_text().startswith(
        "Ett skriftligt ärende är supportens viktigaste verktyg.")
    content = page.locator(".help__content")
    expect(content.locator("strong")).to_have_text("Checklista för ärenden")
    expect(content.locator("aside.callout-tip")).to_contain_text("Skriftliga ärenden")
    expect(content.locator("a.help-ticket-button")).to_have_attribute(
        "href", "#/tickets/new?type=question")

    feedback = page.locator(".help__feedback")
    feedback.get_by_role("button", name="Ja").click()
    page.fill("#help-feedback-comment", "Tydlig checklista.")
    with page.expect_response(lambda r: r.url.endswith("/feedback?lang=sv")
                              and r.request.method == "POST") as sent:
        feedback.get_by_role("button", name="Skicka").click()
    assert sent.value.status == 200
    assert sent.value.request.post_data_json == {"helpful": True, "comment": "Tydlig checklista."}
    expect(page.locator(".help-article [role=status]")).to_have_text("Tack för ditt svar.")


@pytest.mark.parametrize("portal", ["sv-SE"], indirect=True)
def test_the_address_the_server_writes_into_article_links_opens_the_article(
        portal: Portal) -> None:
    page = portal.open("#/help/demo/articles/tredje-part?lang=sv")
    expect(page.locator("#help-article-title")).to_have_text("Frågor som gäller tredje part")
    page.get_by_role("link", name="Alla hjälpartiklar").click()
    expect(page.locator("#help-title")).to_be_focused()


@pytest.mark.parametrize("portal", ["sv-SE"], indirect=True)
def test_search_finds_an_inflected_swedish_word_with_the_hit_highlighted(portal: Portal) -> None:
    page = portal.open("#/help?tenant=demo")
    page.get_by_label("Sök i hjälpcentret").fill("fakturorna")
    page.get_by_role("button", name="Sök", exact=True).click()
    hit = page.locator(".help__hits li").filter(has_text="Frågor som gäller tredje part")
    expect(hit).to_be_visible()
    expect(hit.locator("mark").first).to_be_visible()
    expect(hit.locator("a")).to_have_attribute("href", "#/help/article/tredje-part?tenant=demo")
    # The snippet's markup is only <mark>: its text is the article's, never HTML.
    assert hit.locator(".help__snippet *:not(mark)").count() == 0


@pytest.mark.parametrize("portal", ["sv-SE"], indirect=True)
def test_the_ticket_form_suggests_articles_and_reports_the_one_opened(portal: Portal) -> None:
    page = portal.sign_in(CUSTOMER)
    page.goto(f"{portal.stack.url}/#/tickets/new")
    subject = page.locator("#new-ticket-subject")
    expect(subject).to_be_visible()
    subject.press_sequentially("Hur skapar jag ett ärende")
    box = page.locator(".help-suggest")
    suggestion = box.get_by_role("link", name="Så skapar du ett bra ärende")
    expect(suggestion).to_be_visible()
    assert box.locator("li").count() <= 5
    article_id = suggestion.get_attribute("data-article-id")

    with page.context.expect_page() as opened:
        suggestion.click()
    expect(opened.value.locator("#help-article-title")).to_have_text("Så skapar du ett bra ärende")
    opened.value.close()

    # Left without a ticket after reading: the deflection is reported.
    with page.expect_response(lambda r: r.url.endswith("/help/suggest/outcome")) as reported:
        page.goto(f"{portal.stack.url}/#/home")
    assert reported.value.status == 200
    assert reported.value.request.post_data_json == {"opened": [article_id],
                                                     "ticket_created": False}
    assert reported.value.json() == {"counted": 1}


@pytest.mark.parametrize("portal", ["sv-SE"], indirect=True)
def test_another_tenants_slug_is_a_not_found_page(portal: Portal) -> None:
    portal.expect_http_error(404, "/help/other/articles/skapa-arende")
    page = portal.open("#/help/article/skapa-arende?tenant=other")
    expect(page.locator("#help-article-title")).to_have_text("Artikeln finns inte.")
    expect(page.locator(".help__content")).to_have_count(0)


def test_an_articles_html_goes_in_through_the_allowlist_only(portal: Portal) -> None:
    """The server sanitises at publish; the portal rebuilds the html element by element through
    the same allowlist without letting the browser parse it, so markup that got past the first
    fence runs, loads and styles nothing (and trips no Content Security Policy report)."""
    page = portal.open("#/help?tenant=demo")
    copied = page.evaluate("""async () => {
      const { copyArticle } = await import(`${location.origin}/js/views/help.js`);
      const html = '<p onclick="window.pwned=1">hi<script>window.pwned=1</script>'
        + '<img src="x" onerror="window.pwned=1"><a href="javascript:window.pwned=1">j</a>'
        + '<iframe src="https://example.org/"></iframe><style>p{}</style>'
        + '<a href="https://example.org/" class="evil help-link" style="color:red">e</a>'
        + '<a href="#/help/demo/articles/tredje-part?lang=sv">t</a></p>'
        + '<table><tr><td style="text-align: center; color: red">c</td></tr></table>';
      const box = document.createElement("div");
      box.append(...copyArticle(html));
      document.body.append(box);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const links = Array.from(box.querySelectorAll("a"), (a) => ({
        href: a.getAttribute("href"), cls: a.className, rel: a.getAttribute("rel"),
        style: a.getAttribute("style") }));
      const img = box.querySelector("img");
      const td = box.querySelector("td");
      const answer = { pwned: window.pwned ?? null,
        tags: Array.from(box.querySelectorAll("*"), (e) => e.localName),
        handlers: box.querySelectorAll("[onclick], [onerror]").length,
        img: img && { src: img.getAttribute("src") }, links, text: box.textContent,
        align: td?.style.textAlign, color: td?.style.color };
      box.remove();
      return answer;
    }""")
    assert copied["pwned"] is None
    assert copied["handlers"] == 0
    assert copied["tags"] == ["p", "img", "a", "a", "a", "table", "tr", "td"], copied["tags"]
    assert copied["img"] == {"src": None}
    assert copied["links"] == [
        {"href": None, "cls": "", "rel": None, "style": None},
        {"href": "https://example.org/", "cls": "help-link", "rel": "noopener noreferrer",
         "style": None},
        {"href": "#/help/article/tredje-part?tenant=demo", "cls": "", "rel": None, "style": None},
    ]
    assert copied["text"] == "hijetc"
    assert (copied["align"], copied["color"]) == ("center", "")


def _publish_swedish_only(stack: Stack, tokens: dict[str, str], slug: str,
                          visibility: str = "public") -> None:
    """An article written in Swedish only, published in the demo help center."""
    token = tokens["admin@demo.test"]
    status, _, article = stack.request("POST", "/articles", {
        "translations": {"sv": {"title": "Bara på svenska", "slug": slug,
                                "body_md": "Den här texten finns **bara** på svenska."}},
        "visibility": visibility}, token=token)
    assert status == 201, article
    status, _, published = stack.request("POST", f"/articles/{article['id']}/publish",
                                         token=token)
    assert status == 200, published


def test_an_article_not_in_the_readers_language_says_which_it_is_shown_in(
        portal: Portal, tokens: dict[str, str]) -> None:
    slug = f"bara-svenska-{time.time_ns()}"
    _publish_swedish_only(portal.stack, tokens, slug)
    page = portal.open(f"#/help/article/{slug}?tenant=demo")  # en-GB: the portal speaks English
    expect(page.locator("#help-article-title")).to_have_text("Bara på svenska")
    expect(page.locator(".help__fallback")).to_have_text(
        "Not written in your language yet: shown in Swedish.")
    expect(page.locator(".help__content")).to_have_attribute("lang", "sv")
    page.select_option("#language-select", "sv")
    expect(page.locator(".help__fallback")).to_have_count(0)


@pytest.mark.parametrize("portal", ["sv-SE"], indirect=True)
def test_a_topic_page_lists_its_articles_and_the_signed_in_header_links_the_help_center(
        portal: Portal) -> None:
    status, _, _ = portal.stack.request("POST", "/help/demo/articles/godkanna-arende/views?lang=sv")
    assert status == 200  # read at least once: the topic page's most read list has it
    page = portal.sign_in(CUSTOMER)
    page.locator("#help-link").click()
    expect(page.locator("#help-title")).to_be_focused()
    expect(page.locator("#help-link")).to_have_attribute("aria-current", "page")
    page.locator(".help__category h3").get_by_role("link", name="Ärenden").click()
    expect(page.locator("#help-category-title")).to_have_text("Ärenden")
    assert page.locator(".help__body").inner_text().startswith("Skapa, följa och godkänna ärenden.")
    expect(page.locator(".help__articles").first).to_contain_text("Godkänna ett åtgärdat ärende")
    popular = page.locator(".help__popular")
    expect(popular.locator("h2")).to_have_text("Mest lästa")
    expect(popular).to_contain_text("Godkänna ett åtgärdat ärende")


def _avoided(stack: Stack, tokens: dict[str, str], article_id: str) -> int:
    status, _, stats = stack.request("GET", f"/articles/{article_id}/stats",
                                     token=tokens["admin@demo.test"])
    assert status == 200, stats
    return int(stats["tickets_avoided"])


@pytest.mark.parametrize("portal", ["sv-SE"], indirect=True)
def test_leaving_the_portal_after_opening_a_suggestion_counts_a_ticket_avoided(
        portal: Portal, tokens: dict[str, str]) -> None:
    page = portal.sign_in(CUSTOMER)
    page.goto(f"{portal.stack.url}/#/tickets/new")
    page.locator("#new-ticket-subject").fill("Godkänna ärende")
    suggestion = page.locator(".help-suggest").get_by_role(
        "link", name="Godkänna ett åtgärdat ärende")
    expect(suggestion).to_be_visible()
    article_id = str(suggestion.get_attribute("data-article-id"))
    before = _avoided(portal.stack, tokens, article_id)
    with page.context.expect_page() as opened:
        suggestion.click()
    opened.value.close()

    # Away to another site (as closing the tab would): pagehide, the report goes with keepalive.
    page.goto("about:blank")
    deadline = time.monotonic() + 20
    while _avoided(portal.stack, tokens, article_id) == before:
        assert time.monotonic() < deadline, "the deflection was not reported"
        time.sleep(0.2)


@pytest.mark.parametrize("portal", ["sv-SE"], indirect=True)
def test_a_customers_only_article_is_read_signed_in_and_not_found_signed_out(
        portal: Portal, tokens: dict[str, str]) -> None:
    slug = f"kunder-{time.time_ns()}"
    _publish_swedish_only(portal.stack, tokens, slug, visibility="customers")
    portal.expect_http_error(404, f"/help/demo/articles/{slug}")
    page = portal.open(f"#/help/article/{slug}?tenant=demo")
    expect(page.locator("#help-article-title")).to_have_text("Artikeln finns inte.")

    page = portal.sign_in(CUSTOMER)
    page.goto(f"{portal.stack.url}/#/help/article/{slug}")  # the customer's own tenant
    expect(page.locator("#help-article-title")).to_have_text("Bara på svenska")
    expect(page.locator(".help__content strong")).to_have_text("bara")
    expect(page.locator(".help__feedback")).to_have_count(0)  # votes are for public articles


@pytest.mark.parametrize("portal", ["sv-SE"], indirect=True)
def test_an_articles_own_image_shows_from_the_private_files_bucket(portal: Portal) -> None:
    page = portal.open("#/help/article/godkanna-arende?tenant=demo")
    image = page.locator(".help__content img[data-help-file]")
    expect(image).to_have_attribute("alt", "Knapparna Testat OK och Inte OK i mejlet")
    expect(image).to_have_attribute("src", re.compile(r"^http://127\.0\.0\.1:\d+/"))
    # Loaded, not blocked by the page's CSP or refused by the bucket: the PNG's own size.
    expect(image).to_have_js_property("naturalWidth", 360)
