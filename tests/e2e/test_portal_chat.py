"""Chat in the portal (issue 18) against the local stack, in Chromium: the signed-in
customer's whole path from the chat button while the demo agent answers in another
browser context (the queue's alert, take, typing, a canned answer, a reload mid-chat
keeping the conversation, a file the agent opens, the end into a ticket that holds the
file), and a visitor from the public help center giving name and e-mail first (and, when
no one answers, leaving a message), and the agent handing a visitor's chat to a
colleague."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests.e2e.browser import Portal, watched_portal
from tests.e2e.stack import Stack

pytestmark = pytest.mark.e2e

CUSTOMER = "customer@demo.test"
AGENT = "agent@demo.test"


@pytest.fixture
def colleague(browser: Browser, stack: Stack) -> Iterator[Portal]:
    """The agent's own browser context, watched for problems as ``portal`` is."""
    yield from watched_portal(browser, stack, "sv-SE")


def _canned_answer(stack: Stack, tokens: dict[str, str]) -> str:
    """A ticket template with a Swedish translation: the agent's canned answer."""
    admin = tokens["admin@demo.test"]
    status, _, types = stack.request("GET", "/ticket-types", token=admin)
    assert status == 200, types
    name = f"Chattsvar {uuid.uuid4().hex[:6]}"
    status, _, template = stack.request("POST", "/templates", {
        "name": f"Chat answer {name[-6:]}", "ticket_type_id": types["items"][0]["id"],
        "subject": "Users", "body": "Go to Users and click Add.",
        "translations": {"sv": {"name": name, "subject": "Användare",
                                "body": "Gå till Användare och klicka Lägg till."}}},
        token=admin)
    assert status == 201, template
    return name


def _log(page: Page) -> list[str]:
    return page.locator("#chat-log .chat-message__text").all_inner_texts()


@pytest.mark.parametrize("portal", ["sv-SE"], indirect=True)
def test_a_customer_chats_with_the_agent_reloads_and_the_chat_ends_into_a_ticket(
        portal: Portal, colleague: Portal, stack: Stack, tokens: dict[str, str],
        inboxes_read_afterwards: None) -> None:
    canned = _canned_answer(stack, tokens)
    # The agent keeps the chat screen open: present, and told of new chats.
    desk = colleague.sign_in(AGENT)
    desk.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Chatt").click()
    expect(desk.locator("#chat-desk-title")).to_be_focused()
    expect(desk.locator("#chat-pane")).to_contain_text("Ta en väntande chatt")

    page = portal.sign_in(CUSTOMER)
    launcher = page.locator("#chat-launcher")
    expect(launcher).to_contain_text("Vi är här")
    expect(launcher).to_have_attribute("aria-expanded", "false")
    launcher.click()
    expect(page.locator("#chat-panel-title")).to_have_text("Chatta med supporten")
    expect(page.locator("#chat-name")).to_have_count(0)  # a signed-in user gives no name
    page.get_by_role("button", name="Starta chatten").click()
    expect(page.locator("[data-who]")).to_have_text("Väntar på någon från supporten…")

    # A new waiting chat: a banner and the title's counter, no sound.
    expect(desk.locator("#chat-alert")).to_have_text("En ny chatt väntar.")
    expect(desk).to_have_title(re.compile(r"^\(1\) "))
    waiting = desk.locator("#chat-waiting li").filter(has_text="Carl Customer")
    waiting.get_by_role("button", name="Ta chatten med Carl Customer").click()
    expect(desk.locator("#chat-pane-title")).to_have_text("Carl Customer")
    expect(desk.locator("#chat-agent-text")).to_be_focused()
    expect(page.locator("[data-who]")).to_have_text("Aino Agent svarar dig.")
    # The customer's recent tickets beside the chat, each a choice for the transcript.
    expect(desk.locator("#chat-recent li").first).to_be_visible()

    text = page.locator("#chat-text")
    text.press_sequentially("Hur lägger jag till")
    expect(desk.locator("[data-typing]")).to_have_text("Carl Customer skriver…")
    text.press("Shift+Enter")
    text.press_sequentially("en användare?")
    text.press("Enter")
    expect(text).to_have_value("")
    expect(desk.locator("#chat-agent-log .chat-message__text")).to_have_text(
        ["Hur lägger jag till\nen användare?"])

    desk.locator("#chat-canned").select_option(label=canned)
    expect(desk.locator("#chat-agent-text")).to_have_value(
        "Gå till Användare och klicka Lägg till.")
    desk.locator("#chat-agent-text").press("Enter")
    expect(page.locator("#chat-log .chat-message__text")).to_have_text(
        ["Hur lägger jag till\nen användare?", "Gå till Användare och klicka Lägg till."])
    expect(page.locator("#chat-log")).to_have_attribute("role", "log")
    page.set_viewport_size({"width": 375, "height": 740})
    portal.shot("chat-customer-375")
    colleague.shot("chat-agent")

    # A reload mid-chat: the same conversation, each message once, and it goes on.
    page.reload()
    expect(page.locator("#chat-launcher")).to_contain_text("Chatten är öppen")
    page.locator("#chat-launcher").click()
    expect(page.locator("#chat-log .chat-message__text")).to_have_count(2)
    expect(page.locator("#chat-log .chat-message--pending")).to_have_count(0)
    page.locator("#chat-text").fill("Tack!")
    page.locator("#chat-text").press("Enter")
    expect(desk.locator("#chat-agent-log .chat-message__text")).to_have_count(3)
    assert _log(page) == ["Hur lägger jag till\nen användare?",
                          "Gå till Användare och klicka Lägg till.", "Tack!"]

    # A file: uploaded at once, sent with the next message (here alone); the agent opens it.
    page.locator("#chat-file").set_input_files(
        {"name": "skarmbild.png", "mimeType": "image/png",
         "buffer": b"\x89PNG\r\n\x1a\n" + b"\0" * 40})
    expect(page.locator("#chat-files")).to_contain_text("Klar att skickas")
    page.locator("#chat-send").click()
    expect(page.locator("#chat-files li")).to_have_count(0)
    sent = desk.get_by_role("button", name="Ladda ner skarmbild.png")
    with desk.expect_response(lambda r: re.search(r"/files/[^/]+/link$", r.url) is not None
                              ) as link:
        sent.click()
    assert link.value.status == 200

    desk.locator("#chat-end-into").select_option(index=0)  # a new ticket
    desk.get_by_role("button", name="Avsluta chatten").click()
    expect(desk.locator("#chat-agent-ended")).to_contain_text("Chatten är avslutad.")
    expect(page.locator("#chat-ended")).to_contain_text("Chatten är avslutad.")
    expect(page.locator("#chat-ended")).to_contain_text("en utskrift skickas till din e-post")
    assert "helpdesk.chat" not in portal.session_storage()
    expect(page.locator("#chat-ticket-link")).to_have_text(re.compile(r"^Öppna ärende T-\d+$"))
    page.set_viewport_size({"width": 1280, "height": 800})
    with page.expect_response(
            lambda r: re.search(r"/tickets/[^/?]+$", r.url) is not None) as opened:
        page.locator("#chat-ticket-link").click()
    ticket = opened.value.json()
    assert ticket["channel"] == "chat" and ticket["subject"].startswith("Chat")
    assert "Gå till Användare och klicka Lägg till." in ticket["description"]
    assert "[Fil: skarmbild.png]" in ticket["description"]  # and it is the ticket's file
    expect(page.locator("[data-files]")).to_contain_text("skarmbild.png")


@pytest.mark.parametrize("portal", ["sv-SE"], indirect=True)
def test_a_visitor_on_the_help_center_gives_name_and_email_and_chats(
        portal: Portal, stack: Stack, tokens: dict[str, str]) -> None:
    page = portal.open("#/help?tenant=demo")
    expect(page.locator("#account")).to_be_hidden()
    page.locator("#chat-launcher").click()
    page.get_by_role("button", name="Starta chatten").click()
    expect(page.locator("#chat-start-name-error")).to_have_text("Fyll i ditt namn.")
    expect(page.locator("#chat-start-name")).to_be_focused()
    email = f"vera-{uuid.uuid4().hex[:6]}@example.com"
    page.get_by_label("Namn").fill("Vera Visitor")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_role("button", name="Starta chatten").click()
    page.locator("#chat-text").fill("Hej, hur ser jag mina gamla ärenden?")
    page.locator("#chat-text").press("Enter")
    expect(page.locator("#chat-log .chat-message[data-id]")).to_have_count(1)  # stored, with its id
    saved = json.loads(portal.session_storage()["helpdesk.chat"])
    assert saved["tenant"] == "demo" and saved["key"] and saved["owner"] is None

    # The staff side sees a visitor (over the API here; the first test drives the screen).
    agent = tokens[AGENT]
    status, _, queue = stack.request("GET", "/chat/sessions?state=waiting", token=agent)
    assert status == 200, queue
    session = next(s for s in queue["items"] if s["id"] == saved["id"])
    assert session["customer"]["kind"] == "visitor" and session["customer"]["email"] == email

    page.reload()  # the visitor's key in sessionStorage keeps the chat
    page.locator("#chat-launcher").click()
    expect(page.locator("#chat-log .chat-message__text")).to_have_text(
        ["Hej, hur ser jag mina gamla ärenden?"])
    portal.shot("chat-visitor")
    page.get_by_role("button", name="Avsluta chatten").click()
    expect(page.locator("#chat-ended")).to_contain_text(
        "Konversationen har sparats och en utskrift skickas till din e-postadress.")

    # Nobody answers now (faked for this page): the chat offers to leave a message.
    def closed(route: Route) -> None:
        route.fulfill(status=200, content_type="application/json",
                      body=json.dumps({"available": False, "reason": "outside_hours"}))

    page.route(re.compile(r".*/chat/demo/availability$"), closed)
    page.get_by_role("button", name="Starta en ny chatt").click()
    expect(page.locator("#chat-launcher")).to_contain_text("Lämna ett meddelande")
    expect(page.locator("#chat-leave")).to_contain_text("utanför våra öppettider")
    page.get_by_label("Namn").fill("Vera Visitor")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Ditt meddelande").fill("Ring mig gärna i morgon.")
    with page.expect_response(lambda r: r.url.endswith("/chat/demo/messages")) as left:
        page.get_by_role("button", name="Skicka meddelandet").click()
    assert left.value.status == 201
    expect(page.locator(".chat-done")).to_contain_text("Ditt meddelande har sparats som ett ärende")


@pytest.mark.parametrize("portal", ["sv-SE"], indirect=True)
def test_the_agent_takes_a_visitors_chat_and_hands_it_to_a_colleague(
        portal: Portal, stack: Stack, tokens: dict[str, str]) -> None:
    name = f"Tove {uuid.uuid4().hex[:4]}"
    status, _, chat = stack.request("POST", "/chat/sessions", {
        "tenant": "demo", "name": name, "email": "tove@example.com", "language": "sv"})
    assert status == 201, chat
    page = portal.sign_in(AGENT)
    page.goto(f"{stack.url}/#/chat")
    page.locator("#chat-waiting li").filter(has_text=name).get_by_role("button").click()
    expect(page.locator("#chat-pane-title")).to_have_text(name)
    expect(page.locator("#chat-pane")).to_contain_text("e-postadressen är inte verifierad")
    expect(page.locator("#chat-recent")).to_have_text(
        "En besökare utan konto: inga ärenden att visa.")
    page.locator("#chat-transfer-to").select_option(label="Ada Admin")
    page.get_by_role("button", name="Lämna över", exact=True).click()
    colleagues = page.locator("#chat-others li").filter(has_text=name)
    expect(colleagues).to_contain_text("besvaras av Ada Admin")
    expect(page.locator("#chat-mine")).to_have_text("Du har inga öppna chattar.")
    admin = tokens["admin@demo.test"]
    status, _, session = stack.request("GET", f"/chat/sessions/{chat['id']}", token=admin)
    assert status == 200 and session["agent_name"] == "Ada Admin", session
    status, _, ended = stack.request("POST", f"/chat/sessions/{chat['id']}/end", {}, token=admin)
    assert status == 200 and ended["ticket_id"] is None, ended  # nothing was said: no ticket
