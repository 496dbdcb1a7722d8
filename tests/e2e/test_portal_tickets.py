"""The portal's ticket pages in Chromium against the local stack: a customer's list, the
create form (type, required fields, checklist, a file uploaded straight to S3), the
ticket with its thread, comments and "Tested OK"; the staff queue with its filters and
the staff side of a ticket (internal notes, assignment, re-typing, resolving).

The browser fixtures are the ones of test_portal_browser.py: a fresh context per test,
and a failure when the page logs a console error, throws or trips the Content Security
Policy. Every test makes its own tickets. Screenshots of the main pages land in
tests/e2e/screenshots/ on every run.
"""

from __future__ import annotations

import re
import struct
import uuid
import zlib
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Dialog, Locator, Page, expect

from tests.e2e.browser import Portal
from tests.e2e.stack import PASSWORD, Stack

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("inboxes_read_afterwards")]


CUSTOMER = "customer@demo.test"
AGENT = "agent@demo.test"
TICKET_URL = re.compile(r"#/tickets/([A-Za-z0-9_-]+)$")


# --- helpers ----------------------------------------------------------------------------


def png(width: int = 4, height: int = 3) -> bytes:
    """A small valid PNG (red pixels), made here so the test needs no file."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def call(stack: Stack, method: str, path: str, body: Any = None, token: str | None = None,
         expect_status: int = 200) -> Any:
    status, _, answer = stack.request(method, path, body, token=token)
    assert status == expect_status, f"{method} {path} -> {status}: {answer}"
    return answer


def word() -> str:
    """A word no other ticket has, to find this test's ticket by search."""
    return "w" + uuid.uuid4().hex[:10]


def new_ticket(stack: Stack, tokens: dict[str, str], subject: str,
               type_id: str = "question", description: str = "") -> dict[str, Any]:
    return dict(call(stack, "POST", "/tickets", {
        "subject": subject, "description": description, "ticket_type_id": type_id,
    }, token=tokens[CUSTOMER], expect_status=201))


def ticket_id_of(page: Page) -> str:
    match = TICKET_URL.search(page.url)
    assert match, page.url
    return match.group(1)


def open_ticket(portal: Portal, ticket: dict[str, Any]) -> Page:
    page = portal.page
    page.goto(f"{portal.stack.url}/#/tickets/{ticket['id']}")
    expect(page.locator("#ticket-title")).to_have_text(ticket["subject"])
    return page


def download_bytes(page: Page, control: Locator, *, keyboard: bool = False) -> tuple[str, bytes]:
    """Activates a file's download control (a click, or Enter on it) and answers the
    downloaded file's name and bytes. The address comes from the API as JSON, asked for
    with the token in the header; the download itself goes to S3, with no token."""
    with page.expect_response(lambda r: r.url.endswith("/link")) as link, \
            page.expect_download() as got:
        if keyboard:
            control.focus()
            page.keyboard.press("Enter")
        else:
            control.click()
    headers = {k.lower(): v for k, v in link.value.request.headers.items()}
    token = headers.get("authorization", "").removeprefix("Bearer ")
    assert token and token != headers.get("authorization"), headers
    assert "?" not in link.value.url, link.value.url  # the token is not in the address
    download = got.value
    assert download.url == link.value.json()["url"], download.url
    assert token not in download.url, download.url
    return download.suggested_filename, Path(download.path()).read_bytes()


def no_horizontal_scroll(page: Page, width: int) -> None:
    scroll = page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll <= width, f"the page is {scroll} px wide on a {width} px screen"


# --- the customer -----------------------------------------------------------------------


def test_a_customer_creates_a_ticket_comments_and_approves_the_solution(
        portal: Portal, tokens: dict[str, str]) -> None:
    stack = portal.stack
    subject = f"Exporten av tidrapporter saknas {word()}"
    page = portal.sign_in(CUSTOMER)
    expect(page.locator('[data-module="my_tickets"]')).not_to_contain_text("Kommer snart")
    nav = page.get_by_role("navigation", name="Huvudmeny")
    nav.get_by_role("link", name="Mina ärenden").click()
    expect(page.locator("#tickets-title")).to_have_text("Mina ärenden")
    expect(page.locator("#tickets-title")).to_be_focused()
    expect(page.locator("#tickets-tab-active")).to_have_attribute("aria-current", "page")
    expect(page.locator("[data-list-status]")).to_contain_text("visas")
    portal.shot("tickets-customer-list")

    page.click("#tickets-new")
    expect(page).to_have_url(re.compile("#/tickets/new$"))
    expect(page.locator("#new-ticket-title")).to_have_text("Nytt ärende")
    # A technical fault: free of charge, with the seed's checklist as help.
    page.get_by_label("Tekniskt fel").check()
    help_box = page.locator("[data-type-help]")
    expect(help_box).to_contain_text("Beskriv problemet eller frågan så noggrant som möjligt")
    expect(help_box).to_contain_text("Bifoga bilagor eller skärmdumpar")
    expect(page.locator("[data-type-field]")).to_have_count(0)
    # A development suggestion asks for its two fields, labelled in Swedish.
    page.get_by_label("Utvecklingsförslag").check()
    expect(page.locator("[data-type-field]")).to_have_count(2)
    expect(help_box).to_contain_text("bedöms månadsvis")
    page.fill("#new-ticket-subject", subject)
    page.get_by_label("Nytta").fill("Sparar en timme i veckan")
    page.get_by_label("Nuvarande problem").fill("Vi skriver av tidrapporterna för hand")
    page.fill("#new-ticket-description", "Vi vill kunna exportera tidrapporter till Excel.")
    page.set_input_files("#new-ticket-files", files=[
        {"name": "skarmdump.png", "mimeType": "image/png", "buffer": png()}])
    upload = page.locator(".upload")
    expect(upload).to_have_count(1)
    expect(upload).to_contain_text("skarmdump.png")
    expect(upload).to_have_attribute("data-state", "waiting")
    portal.shot("ticket-create")

    with page.expect_request(lambda r: r.method == "POST" and "/tickets" not in r.url
                             and r.url.startswith("http")) as s3_upload:
        page.click("#new-ticket-submit")
    # The file went straight to S3 (not to the API), with no token.
    assert "authorization" not in {k.lower() for k in s3_upload.value.headers}
    expect(upload).to_have_attribute("data-state", "done")
    expect(upload.locator("progress")).to_have_js_property("value", 100)
    expect(upload.locator(".upload__state")).to_have_text("Uppladdad")
    done = page.locator("#new-ticket-done-title")
    expect(done).to_contain_text("är skapat och filerna är uppladdade")
    expect(done).to_be_focused()
    page.click("#new-ticket-open")

    expect(page).to_have_url(TICKET_URL)
    tid = ticket_id_of(page)
    expect(page.locator("#ticket-title")).to_have_text(subject)
    expect(page.locator("[data-number]")).to_contain_text("Utvecklingsförslag")
    expect(page.locator('[data-field="benefit"]')).to_have_text("NyttaSparar en timme i veckan")
    expect(page.locator("[data-files]")).to_contain_text("skarmdump.png")
    expect(page.locator("#ticket-thread")).to_contain_text("Carl Customer skapade ärendet")
    expect(page.locator("#ticket-thread")).to_contain_text("lade till filen skarmdump.png")
    expect(page.locator(".mainnav__link[aria-current=page]")).to_have_text("Mina ärenden")
    stored = call(stack, "GET", f"/tickets/{tid}", token=tokens[CUSTOMER])
    assert stored["fields"] == {"benefit": "Sparar en timme i veckan",
                                "current_problem": "Vi skriver av tidrapporterna för hand"}
    files = call(stack, "GET", f"/tickets/{tid}/attachments", token=tokens[CUSTOMER])["items"]
    assert [(f["filename"], f["content_type"], f["size"]) for f in files] == [
        ("skarmdump.png", "image/png", len(png()))]
    # The file downloads from the ticket page: the same bytes as were uploaded.
    attachment = page.locator("[data-files]").get_by_role("button", name="Ladda ner skarmdump.png")
    expect(attachment).to_be_visible()
    assert download_bytes(page, attachment) == ("skarmdump.png", png())
    expect(page.locator(f'[data-files] [data-download="{files[0]["id"]}"]')).to_have_attribute(
        "data-state", "idle")
    expect(page.locator("#ticket-title")).to_have_text(subject)  # the page stayed

    page.fill("#comment-body", "Det gäller alla projekt, inte bara ett.")
    page.click("#comment-submit")
    expect(page.locator("[data-comment-notice]")).to_have_text("Din kommentar har lagts till.")
    mine = page.locator(".entry--comment").filter(has_text="Det gäller alla projekt")
    expect(mine).to_contain_text("Carl Customer")
    expect(mine).to_have_attribute("data-internal", "false")
    expect(page.locator("#comment-body")).to_have_value("")

    # Support resolves it (through the API); the customer sees it and tests it.
    call(stack, "POST", f"/tickets/{tid}/resolve",
         {"resolution": "Exporten finns nu under Rapporter > Tid."}, token=tokens[AGENT])
    page.reload()
    expect(page.locator("[data-badges] .status")).to_have_text("Åtgärdad, väntar på godkännande")
    approval = page.locator("#approval")
    expect(approval).to_be_visible()
    expect(approval.locator("[data-resolution]")).to_have_text(
        "Exporten finns nu under Rapporter > Tid.")
    expect(approval.get_by_role("button", name="Inte OK")).to_be_visible()
    portal.shot("ticket-customer-resolved")
    approval.get_by_role("button", name="Testat OK").click()
    expect(page.locator("#approval-result-title")).to_have_text(
        "Tack \N{EN DASH} ärendet är stängt")
    expect(page.locator("[data-badges] .status")).to_have_text("Stängd")
    expect(page.locator("[data-comment-closed]")).to_contain_text("Ärendet är stängt")
    expect(page.locator("#comment-form")).to_have_count(0)

    closed = call(stack, "GET", f"/tickets/{tid}", token=tokens[CUSTOMER])
    assert closed["status"] == "closed" and closed["closed_reason"] == "approved", closed
    assert closed["approval"]["state"] == "approved"

    # The closed list has it now.
    page.goto(f"{stack.url}/#/my-tickets?show=closed")
    expect(page.locator("#tickets-tab-closed")).to_have_attribute("aria-current", "page")
    expect(page.locator(f'[data-ticket-id="{tid}"]')).to_contain_text("Stängd")

    # Support gets the same file, here from the keyboard.
    page.click("#sign-out")
    portal.sign_in(AGENT)
    page.goto(f"{stack.url}/#/tickets/{tid}")
    expect(page.locator("#ticket-title")).to_have_text(subject)
    attachment = page.locator("[data-files]").get_by_role("button", name="Ladda ner skarmdump.png")
    assert download_bytes(page, attachment, keyboard=True) == ("skarmdump.png", png())
    expect(attachment).to_be_focused()


def test_not_ok_reopens_the_ticket_with_the_reason(portal: Portal, tokens: dict[str, str]) -> None:
    stack = portal.stack
    ticket = new_ticket(stack, tokens, f"Skrivaren skriver tomma sidor {word()}")
    call(stack, "POST", f"/tickets/{ticket['id']}/resolve", {"resolution": "Ny toner."},
         token=tokens[AGENT])
    portal.expect_http_error(400, f"/tickets/{ticket['id']}/reject")
    portal.sign_in(CUSTOMER)
    page = open_ticket(portal, ticket)
    toggle = page.locator("#reject-toggle")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#reject-reason")).to_be_focused()
    page.click("#reject-submit")  # no reason: shown at the field before anything is sent
    expect(page.locator("#reject-reason-error")).to_have_text("Berätta vad som inte är OK.")
    expect(page.locator("#reject-reason")).to_have_attribute("aria-invalid", "true")
    page.fill("#reject-reason", "Sidorna är fortfarande tomma.")
    page.click("#reject-submit")
    expect(page.locator("#approval-result-title")).to_have_text(
        "Tack \N{EN DASH} ärendet är öppet igen och vi tittar på det")
    expect(page.locator("[data-badges] .status")).to_have_text("Öppen")
    expect(page.locator(".entry--comment").last).to_contain_text("Sidorna är fortfarande tomma.")
    reopened = call(stack, "GET", f"/tickets/{ticket['id']}", token=tokens[CUSTOMER])
    assert reopened["status"] == "open" and reopened["approval"]["state"] == "rejected"


# --- staff ------------------------------------------------------------------------------


def test_the_agent_filters_the_queue_and_handles_a_ticket(
        portal: Portal, tokens: dict[str, str]) -> None:
    stack = portal.stack
    key = word()
    ticket = new_ticket(stack, tokens, f"Hur ändrar jag momssatsen {key}",
                        description="Vi behöver 12 % på livsmedel.")
    agent = call(stack, "GET", "/me", token=tokens[AGENT])
    page = portal.sign_in(AGENT)
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Ärendekö").click()
    expect(page.locator("#tickets-title")).to_have_text("Ärendekö")
    rows = page.locator(".ticket-row")
    expect(rows.first).to_be_visible()

    page.select_option("#filter-status", "closed")
    expect(page).to_have_url(re.compile(r"#/tickets\?status=closed$"))
    expect(page.locator(f'[data-ticket-id="{ticket["id"]}"]')).to_have_count(0)
    shown = page.locator(".ticket-row").evaluate_all("rows => rows.map(r => r.dataset.status)")
    assert set(shown) <= {"closed"}, shown
    page.select_option("#filter-status", "new")
    page.select_option("#filter-assignee", "none")
    page.fill("#filter-q", key)
    page.click("#filter-submit")
    expect(rows).to_have_count(1)
    row = page.locator(f'[data-ticket-id="{ticket["id"]}"]')
    expect(row).to_contain_text(ticket["number"])
    expect(row).to_contain_text("Acme AB")
    expect(row).to_contain_text("Ej tilldelat")
    expect(row.locator("[data-sla]")).to_have_attribute("data-kind", "first_response")
    expect(row.locator("[data-sla]")).to_contain_text("Svara senast")
    portal.shot("tickets-staff-queue")
    # The filters are in the address: a reload keeps them.
    page.reload()
    expect(page.locator("#filter-status")).to_have_value("new")
    expect(page.locator("#filter-q")).to_have_value(key)
    expect(rows).to_have_count(1)
    row.get_by_role("link").click()

    expect(page.locator("#ticket-title")).to_have_text(ticket["subject"])
    expect(page.locator(".mainnav__link[aria-current=page]")).to_have_text("Ärendekö")
    expect(page.locator("[data-facts]")).to_contain_text("Carl Customer")
    expect(page.locator("[data-facts]")).to_contain_text("Svara senast")

    # An internal note: styled apart, and never shown to the customer.
    form = page.locator("#comment-form")
    page.get_by_label("Intern anteckning (syns bara för personalen)").check()
    expect(form).to_have_class(re.compile(r"\bcomment-form--internal\b"))
    expect(page.locator("#comment-submit")).to_have_text("Spara intern anteckning")
    page.fill("#comment-body", f"Kunden har gammal version, kolla licensen {key}.")
    page.click("#comment-submit")
    expect(page.locator("[data-comment-notice]")).to_have_text(
        "Den interna anteckningen är sparad.")
    note = page.locator(".entry--internal.entry--comment")
    expect(note).to_have_count(1)
    expect(note).to_contain_text("Intern \N{EN DASH} syns inte för kunden")
    assert note.evaluate("el => getComputedStyle(el).borderTopStyle") == "dashed"
    customer_view = call(stack, "GET", f"/tickets/{ticket['id']}/comments", token=tokens[CUSTOMER])
    assert all(key not in c["body"] for c in customer_view["items"]), customer_view
    staff_view = call(stack, "GET", f"/tickets/{ticket['id']}/comments", token=tokens[AGENT])
    assert any(key in c["body"] and c["internal"] for c in staff_view["items"]), staff_view

    # Assign to me.
    page.click("#assign-me")
    expect(page.locator("[data-action-notice]")).to_have_text("Ändringen är sparad.")
    expect(page.locator("#assign-select")).to_have_value(agent["id"])
    expect(page.locator("#assign-me")).to_be_hidden()
    expect(page.locator("#ticket-thread")).to_contain_text(
        "Aino Agent tilldelade ärendet till Aino Agent (du)")
    # Re-type: a question (billable) becomes a technical fault (free).
    page.select_option("#retype-select", "technical_fault")
    page.click("#retype-submit")
    expect(page.locator("#ticket-thread")).to_contain_text(
        "Aino Agent bytte typ: Fråga/vägledning → Tekniskt fel")
    expect(page.locator("[data-badges]")).to_contain_text("Kostnadsfritt")
    # Priority and watchers: the customer (of the ticket's organisation) watches it too.
    page.select_option("#priority-select", "urgent")
    page.click("#priority-submit")
    expect(page.locator("#ticket-thread")).to_contain_text("Brådskande")
    customer = call(stack, "GET", "/me", token=tokens[CUSTOMER])
    watcher = page.locator(f"#watcher-{customer['id']}")
    expect(watcher).not_to_be_checked()
    watcher.check()
    page.click("#watchers-submit")
    expect(page.locator("#ticket-thread")).to_contain_text("ändrade vilka som följer ärendet")
    expect(page.locator(f"#watcher-{customer['id']}")).to_be_checked()
    portal.shot("ticket-staff-view")
    # Resolve.
    page.fill("#resolve-resolution", "Under Inställningar > Moms, välj 12 %.")
    page.fill("#resolve-hours", "0.5")
    page.click("#resolve-submit")
    expect(page.locator("[data-action-notice]")).to_contain_text("Ärendet är åtgärdat")
    expect(page.locator("[data-badges] .status")).to_have_text("Åtgärdad, väntar på godkännande")
    expect(page.locator("#resolve-form")).to_be_hidden()

    done = call(stack, "GET", f"/tickets/{ticket['id']}", token=tokens[AGENT])
    assert done["assignee_id"] == agent["id"]
    assert done["ticket_type_id"] == "technical_fault" and done["billable"] is False
    assert done["status"] == "resolved"
    assert done["resolution"] == "Under Inställningar > Moms, välj 12 %."
    assert done["total_hours"] == 0.5
    assert done["priority"] == "urgent" and customer["id"] in done["watchers"]
    assert done["can_edit"] is True and done["can_comment"] is True


def test_a_stale_version_is_refused_and_the_page_shows_the_change(
        portal: Portal, tokens: dict[str, str]) -> None:
    stack = portal.stack
    ticket = new_ticket(stack, tokens, f"Samtidig ändring {word()}")
    portal.expect_http_error(412, f"/tickets/{ticket['id']}")
    portal.sign_in(AGENT)
    page = open_ticket(portal, ticket)
    agent = call(stack, "GET", "/me", token=tokens[AGENT])
    # Someone else re-types it meanwhile.
    call(stack, "PATCH", f"/tickets/{ticket['id']}", {"ticket_type_id": "change_request"},
         token=tokens["admin@demo.test"])
    page.click("#assign-me")
    expect(page.locator("#assign-form [role=alert]")).to_contain_text("Någon annan ändrade")
    expect(page.locator("#ticket-thread")).to_contain_text("Ada Admin bytte typ")
    page.click("#assign-me")  # the page now holds the new version
    expect(page.locator("[data-action-notice]")).to_have_text("Ändringen är sparad.")
    stored = call(stack, "GET", f"/tickets/{ticket['id']}", token=tokens[AGENT])
    assert stored["assignee_id"] == agent["id"] and stored["ticket_type_id"] == "change_request"


# --- language, errors, hostile text, small screens ----------------------------------------


def test_the_ticket_pages_follow_the_language(portal: Portal, tokens: dict[str, str]) -> None:
    ticket = new_ticket(portal.stack, tokens, f"Språkbyte {word()}")
    portal.sign_in(CUSTOMER)
    page = open_ticket(portal, ticket)
    status = page.locator("[data-badges] .status")
    back = page.locator("[data-back]")
    expect(status).to_have_text("Ny")
    expect(back).to_have_text("Tillbaka till mina ärenden")
    expect(page.locator("[data-number]")).to_contain_text("Fråga/vägledning")
    expect(page.locator("#comment-submit")).to_have_text("Skicka kommentar")
    sv_time = page.locator("[data-facts] time").first.text_content()

    page.select_option("#language-select", "fi")
    expect(status).to_have_text("Uusi")
    expect(back).to_have_text("Takaisin omiin tiketteihin")
    expect(page.locator("[data-number]")).to_contain_text("Kysymys/opastus")
    expect(page.locator("#comment-submit")).to_have_text("Lähetä kommentti")
    expect(page.locator("#ticket-thread")).to_contain_text("Carl Customer loi tiketin")
    fi_time = page.locator("[data-facts] time").first.text_content()
    assert fi_time != sv_time  # the date follows the locale

    page.select_option("#language-select", "en")
    expect(status).to_have_text("New")
    expect(back).to_have_text("Back to my tickets")
    expect(page.locator("[data-number]")).to_contain_text("Question/guidance")
    expect(page.locator("#ticket-thread")).to_contain_text("Carl Customer created the ticket")
    assert page.title() == f"{ticket['number']} \N{EN DASH} Helpdesk"

    back.click()
    expect(page.locator("#tickets-title")).to_have_text("My tickets")
    expect(page.locator(f'[data-ticket-id="{ticket["id"]}"]')).to_contain_text("Question/guidance")
    page.select_option("#language-select", "sv")
    expect(page.locator("#tickets-title")).to_have_text("Mina ärenden")
    expect(page.locator(f'[data-ticket-id="{ticket["id"]}"]')).to_contain_text("Fråga/vägledning")
    expect(page.locator(f'[data-ticket-id="{ticket["id"]}"]')).to_contain_text("Ditt ärende")


def test_a_missing_required_field_is_shown_at_the_field(portal: Portal) -> None:
    portal.expect_http_error(400, "/tickets")
    page = portal.sign_in(CUSTOMER)
    page.goto(f"{portal.stack.url}/#/tickets/new")
    page.click("#new-ticket-submit")  # nothing at all: subject and type are named
    expect(page.locator("#new-ticket-subject-error")).to_have_text("Skriv en kort rubrik.")
    expect(page.locator("#new-ticket-type-error")).to_have_text("Välj typ av ärende.")
    expect(page.locator("#new-ticket-form [data-form-error]")).to_have_text(
        "Kontrollera de markerade fälten.")
    expect(page.locator("#new-ticket-subject")).to_be_focused()

    page.get_by_label("Utvecklingsförslag").check()
    page.fill("#new-ticket-subject", f"Förslag utan problem {word()}")
    page.get_by_label("Nytta").fill("Snabbare månadsbokslut")
    page.click("#new-ticket-submit")
    field = page.locator("#new-ticket-field-current_problem")
    error = page.locator("#new-ticket-field-current_problem-error")
    expect(error).to_have_text("Fyll i fältet som den här ärendetypen kräver.")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_accessible_description(re.compile("Fyll i fältet"))
    expect(field).to_be_focused()
    expect(page.locator("#new-ticket-subject-error")).to_be_empty()
    expect(page.locator("#new-ticket-field-benefit")).not_to_have_attribute("aria-invalid", "true")
    expect(page).to_have_url(re.compile("#/tickets/new$"))
    portal.shot("ticket-create-error")

    page.select_option("#language-select", "en")
    expect(error).to_have_text("Fill in this field as this type of ticket needs it.")


def test_hostile_text_in_a_subject_stays_text(portal: Portal, tokens: dict[str, str]) -> None:
    # The API strips markup, but decodes entities: "&lt;img ...&gt;" is stored as the
    # literal "<img ...>", so the portal must show it as text.
    marker = word()
    ticket = new_ticket(
        portal.stack, tokens,
        f"&lt;img src=x onerror=alert(1)&gt; &lt;script&gt;alert(2)&lt;/script&gt; {marker}",
        description="&lt;b&gt;fet&lt;/b&gt; &lt;img src=x onerror=alert(3)&gt;")
    literal = f"<img src=x onerror=alert(1)> <script>alert(2)</script> {marker}"
    assert ticket["subject"] == literal, ticket["subject"]
    dialogs: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    portal.page.on("dialog", on_dialog)
    page = portal.sign_in(CUSTOMER)
    page.goto(f"{portal.stack.url}/#/my-tickets")
    row = page.locator(f'[data-ticket-id="{ticket["id"]}"]')
    expect(row.locator(".ticket-row__subject")).to_have_text(literal)
    expect(page.locator("#tickets-list img, #tickets-list script")).to_have_count(0)
    row.get_by_role("link").click()
    expect(page.locator("#ticket-title")).to_have_text(literal)
    expect(page.locator("[data-description]")).to_have_text(
        "<b>fet</b> <img src=x onerror=alert(3)>")
    expect(page.locator("[data-screen=ticket] img, [data-screen=ticket] script, "
                        "[data-screen=ticket] b")).to_have_count(0)
    page.wait_for_timeout(300)
    assert dialogs == []


def test_the_ticket_pages_fit_a_375_px_phone(portal: Portal, tokens: dict[str, str]) -> None:
    ticket = new_ticket(portal.stack, tokens,
                        f"Ett ganska långt ämne om fakturaexporten som inte fungerar {word()}",
                        description="x" * 300)
    page = portal.page
    page.set_viewport_size({"width": 375, "height": 740})
    portal.sign_in(CUSTOMER)
    page.goto(f"{portal.stack.url}/#/my-tickets")
    expect(page.locator(f'[data-ticket-id="{ticket["id"]}"]')).to_be_visible()
    no_horizontal_scroll(page, 375)
    portal.shot("tickets-customer-list-375")
    open_ticket(portal, ticket)
    no_horizontal_scroll(page, 375)
    expect(page.locator("#comment-submit")).to_be_visible()
    portal.shot("ticket-customer-375")
    page.goto(f"{portal.stack.url}/#/tickets/new")
    expect(page.locator("#new-ticket-form")).to_be_visible()
    no_horizontal_scroll(page, 375)

    page.click("#sign-out")
    portal.sign_in(AGENT)
    page.goto(f"{portal.stack.url}/#/tickets")
    expect(page.locator(f'[data-ticket-id="{ticket["id"]}"]')).to_be_visible()
    no_horizontal_scroll(page, 375)
    portal.shot("tickets-staff-queue-375")
    open_ticket(portal, ticket)
    expect(page.locator("#resolve-submit")).to_be_visible()
    no_horizontal_scroll(page, 375)


def test_an_e_mail_link_to_a_ticket_opens_it_after_the_sign_in(
        portal: Portal, tokens: dict[str, str]) -> None:
    ticket = new_ticket(portal.stack, tokens, f"Länk från e-post {word()}")
    page = portal.page
    page.goto(f"{portal.stack.url}/#/tickets/{ticket['id']}")
    expect(page).to_have_url(re.compile("#/login$"))
    page.fill("#login-email", CUSTOMER)
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    expect(page.locator("#ticket-title")).to_have_text(ticket["subject"])
    expect(page).to_have_url(re.compile(f"#/tickets/{ticket['id']}$"))


def test_a_file_not_yet_uploaded_says_so_at_the_file(
        portal: Portal, tokens: dict[str, str]) -> None:
    stack = portal.stack
    ticket = new_ticket(stack, tokens, f"Halv uppladdning {word()}")
    # Announced, but the browser never sent it to S3.
    status, _, announced = stack.request(
        "POST", f"/tickets/{ticket['id']}/attachments",
        {"filename": "årsrapport.pdf", "content_type": "application/pdf", "size": 1234},
        token=tokens[CUSTOMER], headers={"Idempotency-Key": uuid.uuid4().hex})
    assert status == 201, announced
    portal.expect_http_error(409, f"/tickets/{ticket['id']}/attachments/{announced['id']}/link")
    portal.sign_in(CUSTOMER)
    page = open_ticket(portal, ticket)
    control = page.locator(f'[data-files] [data-download="{announced["id"]}"]')
    button = control.get_by_role("button", name="Ladda ner årsrapport.pdf")
    expect(button).to_have_text(re.compile(r"årsrapport\.pdf$"))
    button.focus()
    page.keyboard.press("Enter")
    expect(control).to_have_attribute("data-state", "error")
    message = control.locator(".download__message")
    expect(message).to_have_text("Filen är inte färdiguppladdad än. Försök igen om en stund.")
    expect(button).to_have_accessible_description(re.compile("Filen är inte färdiguppladdad"))
    expect(button).to_be_focused()
    page.select_option("#language-select", "fi")
    expect(message).to_have_text(
        "Tiedoston lähetys ei ole vielä valmis. Yritä hetken kuluttua uudelleen.")
    expect(page.locator("[data-files]").get_by_role("button", name="Lataa årsrapport.pdf")
           ).to_be_visible()
    page.select_option("#language-select", "en")
    expect(page.locator("[data-files]").get_by_role(
        "button", name="Download årsrapport.pdf")).to_be_visible()


def test_an_unknown_ticket_says_so(portal: Portal) -> None:
    portal.expect_http_error(404, "/tickets/NO-SUCH-TICKET")
    portal.expect_http_error(404, "/tickets/NO-SUCH-TICKET/comments")
    portal.expect_http_error(404, "/tickets/NO-SUCH-TICKET/events")
    portal.expect_http_error(404, "/tickets/NO-SUCH-TICKET/attachments")
    page = portal.sign_in(CUSTOMER)
    page.goto(f"{portal.stack.url}/#/tickets/NO-SUCH-TICKET")
    expect(page.locator("[data-load-error]")).to_have_text(
        "Ärendet finns inte, eller så har du inte tillgång till det.")
    expect(page.locator("[data-body]")).to_be_hidden()


# --- home -------------------------------------------------------------------------------


def test_the_customers_home_leads_with_the_approval_waiting(
        portal: Portal, tokens: dict[str, str]) -> None:
    stack = portal.stack
    to_test = new_ticket(stack, tokens, f"Fakturan visar fel moms {word()}")
    call(stack, "POST", f"/tickets/{to_test['id']}/resolve", {"resolution": "Rättat."},
         token=tokens[AGENT])
    not_ok = new_ticket(stack, tokens, f"Exporten saknar rader {word()}")
    call(stack, "POST", f"/tickets/{not_ok['id']}/resolve", {"resolution": "Ny export."},
         token=tokens[AGENT])
    page = portal.sign_in(CUSTOMER)
    waiting = page.locator("[data-section=awaiting_approval]")
    expect(waiting.locator("h3")).to_have_text("Väntar på att du testar lösningen")
    row = waiting.locator(f"[data-ticket='{to_test['id']}']")
    expect(row).to_contain_text(to_test["subject"])
    row.get_by_role("button", name="Testat OK").click()
    expect(page.locator("[data-answered=approve]")).to_have_text(
        "Tack \N{EN DASH} ärendet är stängt")
    expect(page.locator(f"[data-ticket='{to_test['id']}']")).to_have_count(0)
    assert call(stack, "GET", f"/tickets/{to_test['id']}",
                token=tokens[CUSTOMER])["closed_reason"] == "approved"

    row = page.locator(f"[data-ticket='{not_ok['id']}']")
    toggle = row.get_by_role("button", name="Inte OK")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    reason = row.locator("textarea[name=reason]")
    expect(reason).to_be_focused()
    reason.fill("Raderna saknas fortfarande.")
    row.locator("[data-reject] button[type=submit]").click()
    expect(page.locator("[data-answered=reject]")).to_be_visible()
    reopened = call(stack, "GET", f"/tickets/{not_ok['id']}", token=tokens[CUSTOMER])
    assert reopened["status"] == "open" and reopened["approval"]["state"] == "rejected"
    # Then the help center's most read articles.
    popular = call(stack, "GET", "/help/demo/popular?lang=sv&limit=5")["items"]
    help_links = page.locator("[data-section=help] li a")
    expect(help_links).to_have_count(len(popular))
    if popular:
        expect(help_links.first).to_have_text(popular[0]["title"])


def test_the_agents_home_leads_with_the_queue_in_numbers(
        portal: Portal, tokens: dict[str, str]) -> None:
    new_ticket(portal.stack, tokens, f"Ingen har tagit den här {word()}")
    page = portal.sign_in(AGENT)
    expect(page.locator("#home-work-title")).to_have_text("Din kö")
    unassigned = page.locator("[data-tile=unassigned]")
    expect(unassigned.locator(".home-work__count")).not_to_have_text("0")
    expect(page.locator("[data-tile=todo] .home-work__count")).not_to_have_text("0")
    unassigned.click()
    expect(page).to_have_url(re.compile(r"#/tickets\?assignee=none"))
    expect(page.locator("[data-screen]")).to_be_visible()
