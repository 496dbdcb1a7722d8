"""The help center's and the status page's staff screens in the portal (issue 17), in
Chromium against the local stack, as the demo admin in Swedish: an article written in
Swedish with the server's preview, published and then read publicly; edited and published
again, the diff between the two versions shown line by line; a change saved meanwhile by
someone else a conflict said as such; version 1 restored and published. Then an incident
posted, updated, seen on the public status page, and resolved."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import Portal
from tests.e2e.stack import Stack
from tests.e2e.test_portal_tickets import png

pytestmark = pytest.mark.e2e

ADMIN = "admin@demo.test"


def _published(stack: Stack, slug: str) -> dict[str, object]:
    """The article as anyone reads it, without a token."""
    status, _, article = stack.request("GET", f"/help/demo/articles/{slug}?lang=sv")
    assert status == 200, article
    return dict(article)


def _publish_and_wait(page: Page, version: int) -> None:
    page.get_by_role("button", name="Spara och publicera").click()
    expect(page.locator("[data-notice]")).to_have_text(
        f"Publicerad: läsarna ser nu version {version}.")


@pytest.mark.parametrize("portal", ["sv-SE"], indirect=True)
def test_staff_write_publish_compare_and_restore_an_article(
        portal: Portal, tokens: dict[str, str]) -> None:
    stamp = time.time_ns()
    title = f"Byta lösenord {stamp}"
    slug = f"byta-losenord-{stamp}"
    page = portal.sign_in(ADMIN)
    menu = page.get_by_role("navigation", name="Huvudmeny")
    menu.get_by_role("link", name="Hjälpartiklar").click()
    expect(page.locator("#help-admin-title")).to_be_focused()
    first = page.locator("#help-admin-rows tr").first
    expect(first.locator("[data-stat=views]")).not_to_have_text("\u2026")  # the figures arrive
    portal.shot("help-admin")
    page.get_by_role("link", name="Ny artikel").click()
    expect(page.locator("#help-editor-title")).to_have_text("Ny artikel")

    # Swedish is the first tab for a Swedish reader; the slug follows the title.
    expect(page.get_by_role("tab", name=re.compile("^svenska", re.I))).to_have_attribute(
        "aria-selected", "true")
    swedish = page.get_by_role("tabpanel")  # the one shown
    swedish.get_by_label("Rubrik", exact=True).fill(title)
    expect(swedish.get_by_label("Adress (slug)")).to_have_value(slug)
    swedish.get_by_label("Text (Markdown)").fill(
        "Så här byter du lösenord.\n\n:::tip\nVälj ett **långt** lösenord.\n:::\n\nRad två")
    swedish.get_by_role("button", name="Förhandsgranska").click()
    preview = page.locator("#article-sv-preview")
    expect(preview.locator("aside.callout-tip strong")).to_have_text("långt")
    page.get_by_label("Publik: alla, inloggade eller inte").check()
    _publish_and_wait(page, 1)
    expect(page).to_have_url(re.compile(r"#/help-admin/articles/[A-Za-z0-9_-]+$"))
    article_id = page.url.rsplit("/", 1)[1]
    expect(page.locator("#help-editor-title")).to_have_text(title)
    assert _published(portal.stack, slug)["version"] == 1

    # Read as the help center shows it.
    page.get_by_role("link", name="Läs den i hjälpcentret").click()
    expect(page.locator("#help-article-title")).to_have_text(title)
    expect(page.locator(".help__content aside.callout-tip")).to_contain_text("långt")
    page.go_back()
    expect(page.locator("#help-editor-title")).to_have_text(title)

    # Edited and published again: the versions' diff says what changed, line by line.
    body = page.locator("#article-sv-body_md")
    body.fill(body.input_value().replace("Rad två", "Rad 2") + "\nRad tre")
    _publish_and_wait(page, 2)
    versions = page.locator("[data-versions]")
    versions.get_by_role("button", name="Ändringar från version 1").click()
    changes = page.locator("#versions-changes")
    expect(changes.locator("h3")).to_be_focused()
    expect(changes.locator(".diff__counts")).to_have_text(
        "1 tillagda, 0 borttagna, 1 ändrade rader")
    changed = changes.locator(".diff__line--changed")
    expect(changed.locator("del")).to_have_text("Rad två")
    expect(changed.locator("ins")).to_have_text("Rad 2")
    expect(changes.locator(".diff__line--added ins")).to_have_text("Rad tre")
    portal.shot("help-editor-diff")

    # Someone else saves meanwhile: saving here is refused and said so; the text stays.
    token = tokens[ADMIN]
    status, _, current = portal.stack.request("GET", f"/articles/{article_id}", token=token)
    assert status == 200, current
    status, _, _ = portal.stack.request(
        "PATCH", f"/articles/{article_id}", {"order": 5}, token=token,
        headers={"If-Match": f'"{current["version"]}"'})
    assert status == 200
    portal.expect_http_error(412, f"/articles/{article_id}")
    body.fill(body.input_value() + "\nMin ändring")
    page.get_by_role("button", name="Spara", exact=True).click()
    expect(page.locator("[data-conflict]")).to_be_visible()
    expect(page.locator("#article-form [data-form-error]")).to_have_text(
        "Någon annan sparade artikeln under tiden: den sparades inte.")
    expect(body).to_have_value(re.compile("Min ändring$"))
    page.get_by_role("button", name="Hämta den sparade artikeln").click()
    expect(body).not_to_have_value(re.compile("Min ändring"))
    expect(page.get_by_label("Plats i kategorierna")).to_have_value("5")

    # Version 1 restored becomes the working copy; published, readers see it again.
    versions.get_by_role("button", name="Återställ version 1").click()
    expect(page.locator("[data-notice]")).to_contain_text("Version 1 är nu arbetskopian.")
    expect(body).to_have_value(re.compile("Rad två$"))
    _publish_and_wait(page, 3)
    html = str(_published(portal.stack, slug)["html"])
    assert "Rad två" in html and "Rad 2" not in html

    # A publish scheduled: the state says when (the sweep does it then).
    page.get_by_label("Publicera", exact=True).fill("2031-06-02T09:30")
    page.get_by_role("button", name="Spara", exact=True).click()
    expect(page.locator("[data-article-state] [data-state]")).to_have_text("Schemalagd")
    expect(page.locator("[data-article-state]")).to_contain_text("Publiceras 2 juni 2031")
    status, _, saved = portal.stack.request("GET", f"/articles/{article_id}", token=token)
    assert status == 200 and str(saved["publish_at"]).startswith("2031-06-02T"), saved


@pytest.mark.parametrize("portal", ["sv-SE"], indirect=True)
def test_staff_post_update_and_resolve_an_incident_seen_on_the_status_page(
        portal: Portal) -> None:
    title = f"Portalen svarar långsamt {time.time_ns()}"
    page = portal.sign_in(ADMIN)
    page.get_by_role("navigation", name="Huvudmeny").get_by_role(
        "link", name="Driftstörningar").click()
    form = page.locator("#incident-new")
    form.get_by_role("button", name="Publicera störning").click()  # empty: each part named
    expect(form.locator("#incident-components-error")).to_have_text("Välj minst en komponent.")
    expect(page.locator("#incident-title-sv")).to_be_focused()
    page.locator("#incident-title-sv").fill(title)
    form.get_by_label("Portal", exact=True).check()
    form.get_by_label("Försämrad funktion").check()
    form.get_by_label("Första uppdateringen").fill("Vi undersöker saken.")
    form.get_by_role("button", name="Publicera störning").click()
    expect(page.locator("[data-notice]")).to_have_text("Störningen publicerades på statussidan.")

    incident = page.locator(".status-admin__incident").filter(has_text=title)
    incident.get_by_label("Uppdatering", exact=True).fill("Felet är hittat.")
    incident.get_by_label("Avbrott").check()
    incident.get_by_role("button", name="Publicera uppdatering").click()
    expect(page.locator("[data-notice]")).to_have_text("Uppdateringen publicerades.")
    expect(incident.locator(".status__updates li")).to_have_count(2)
    portal.shot("status-admin")

    page.get_by_role("link", name="Öppna den publika statussidan").click()
    shown = page.locator(".status__incident").filter(has_text=title)
    expect(shown).to_contain_text("Pågår:")
    expect(shown).to_contain_text("Avbrott")
    expect(shown.locator(".status__updates")).to_contain_text("Felet är hittat.")
    page.go_back()

    incident = page.locator(".status-admin__incident").filter(has_text=title)
    incident.get_by_label("Avslutande uppdatering (valfritt)").fill("Åtgärdat.")
    incident.get_by_role("button", name="Markera som åtgärdad").click()
    expect(page.locator("[data-notice]")).to_have_text("Störningen markerades som åtgärdad.")
    expect(page.locator("#incidents-resolved")).to_contain_text(title)
    expect(page.locator(".status-admin__incident").filter(has_text=title)).to_have_count(0)


@pytest.mark.parametrize("portal", ["sv-SE"], indirect=True)
def test_a_writer_without_publish_rights_makes_a_category_and_sees_no_publishing(
        portal: Portal) -> None:
    """An agent holds help.write but not help.publish: no publish, schedule or take-down
    controls; a category made here is offered to articles; a slug taken is said at its
    field; an image uploaded goes into the text and shows in the preview."""
    name = f"Fakturor {time.time_ns()}"
    page = portal.sign_in("agent@demo.test")
    page.goto(f"{portal.stack.url}/#/help-admin")
    page.get_by_text("Ny kategori").click()
    new = page.locator("#category-new-form")
    new.locator("#category-new-sv-name").fill(name)
    expect(new.locator("#category-new-sv-slug")).to_have_value(name.lower().replace(" ", "-"))
    new.get_by_label("Ikonnamn").fill("receipt")
    new.get_by_role("button", name="Skapa kategori").click()
    expect(page.locator(".categories-admin [role=status]")).to_have_text("Kategorin skapades.")
    expect(page.locator("#categories-admin-list")).to_contain_text(name)
    expect(page.locator("#help-admin-category")).to_contain_text(name)  # the filter offers it

    page.get_by_role("link", name="Ny artikel").click()
    expect(page.get_by_role("checkbox", name=name)).to_be_visible()
    expect(page.get_by_role("button", name="Spara", exact=True)).to_be_visible()
    for absent in ("Spara och publicera", "Avpublicera nu"):
        expect(page.get_by_role("button", name=absent)).to_have_count(0)
    expect(page.locator("#article-publish-at")).to_have_count(0)
    # The language tabs follow the arrow keys.
    page.locator("#article-tab-sv").focus()
    page.keyboard.press("ArrowRight")
    expect(page.locator("#article-tab-fi")).to_be_focused()
    expect(page.get_by_role("tabpanel")).to_have_attribute("data-lang", "fi")
    page.keyboard.press("ArrowLeft")

    # The demo help center's own article has this address already: said at the field.
    portal.expect_http_error(400, "/articles")
    page.get_by_role("tabpanel").get_by_label("Rubrik", exact=True).fill("Skapa ärende")
    page.get_by_role("button", name="Spara", exact=True).click()
    slug = page.locator("#article-sv-slug")
    expect(slug).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#article-sv-slug-error")).to_contain_text(
        "som ingen annan artikel använder")
    expect(slug).to_be_focused()

    # Another address saves it; an image uploaded lands in the text and the preview shows it.
    slug.fill(f"skapa-arende-{time.time_ns()}")
    page.get_by_role("button", name="Spara", exact=True).click()
    expect(page.locator("[data-notice]")).to_have_text(
        "Sparad. Läsarna ser texten när den publiceras.")
    page.locator("#article-file").set_input_files(
        {"name": "skarmbild.png", "mimeType": "image/png", "buffer": png()})
    files = page.locator("[data-files]")
    expect(files.locator(".article-file")).to_contain_text("skarmbild.png")
    expect(page.locator("#article-sv-body_md")).to_have_value(
        re.compile(r"!\[skarmbild\.png\]\(attachment:[0-9A-Za-z]+\)$"))
    page.get_by_role("tabpanel").get_by_role("button", name="Förhandsgranska").click()
    image = page.locator("#article-sv-preview img")
    expect(image).to_have_attribute("alt", "skarmbild.png")
    expect(image).to_have_attribute("src", re.compile("^https?://"))
    portal.shot("help-editor-files")
