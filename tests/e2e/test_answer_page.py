"""The one-click answer page (``#/answer``) and the e-mail settings (``#/preferences``) in
Chromium against the local stack, with the links taken from the notification e-mails the
stack really sent (``POST /_local/tick`` sends them, ``GET /_local/outbox`` shows them).

The browser fixtures are the ones of test_portal_browser.py: a fresh context per test, and
a failure when the page logs a console error, throws or trips the Content Security Policy.
"""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from playwright.sync_api import Page, Request, Route, expect

from tests.e2e.browser import Portal, problem
from tests.e2e.stack import PASSWORD, Stack

pytestmark = pytest.mark.e2e


CUSTOMER = "customer@demo.test"
AGENT = "agent@demo.test"
ANSWER_LINK = re.compile(r"https?://\S+#/answer\?\S+")


# --- the mail a customer gets ------------------------------------------------------------


def call(stack: Stack, method: str, path: str, body: Any = None, token: str | None = None,
         expect_status: int = 200) -> Any:
    status, _, answer = stack.request(method, path, body, token=token)
    assert status == expect_status, f"{method} {path} -> {status}: {answer}"
    return answer


def resolved_ticket(stack: Stack, tokens: dict[str, str], subject: str) -> dict[str, Any]:
    """A customer's new ticket, resolved by the agent."""
    types = call(stack, "GET", "/ticket-types", token=tokens[CUSTOMER])["items"]
    plain = next(kind for kind in types if kind["active"] and not kind["required_fields"])
    ticket = call(stack, "POST", "/tickets", {
        "subject": subject, "description": "Skrivaren på plan 3 skriver ut tomma sidor.",
        "ticket_type_id": plain["id"]}, token=tokens[CUSTOMER], expect_status=201)
    resolved = call(stack, "POST", f"/tickets/{ticket['id']}/resolve",
                    {"resolution": "Vi har bytt tonerkassett."}, token=tokens[AGENT])
    assert resolved["status"] == "resolved"
    return dict(ticket)


def current(stack: Stack, tokens: dict[str, str], ticket: dict[str, Any]) -> dict[str, Any]:
    """The ticket as the customer sees it now."""
    return dict(call(stack, "GET", f"/tickets/{ticket['id']}", token=tokens[CUSTOMER]))


def mailed_link(stack: Stack, number: str, *parts: str) -> str:
    """Sends what is due, then the link in the customer's mail about ``number`` whose
    address has every one of ``parts`` (e.g. "action=reject")."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    call(stack, "POST", "/_local/tick", {"now": now})
    outbox = call(stack, "GET", "/_local/outbox")["items"]
    for mail in outbox:
        if CUSTOMER not in mail["to"] or f"[{number}]" not in mail["subject"]:
            continue
        for url in ANSWER_LINK.findall(mail["text"] or ""):
            if all(part in url for part in parts):
                assert url.startswith(f"{stack.url}/#/answer?"), url
                return str(url)
    subjects = [m["subject"] for m in outbox if CUSTOMER in m["to"]]
    raise AssertionError(f"no mail about {number} with a link having {parts}: {subjects}")


def answers_sent(page: Page) -> list[Request]:
    """Every POST /ticket-answers the page sends from now on."""
    sent: list[Request] = []
    page.on("request", lambda r: sent.append(r) if r.url.endswith("/ticket-answers") else None)
    return sent


def fits(page: Page, width: int) -> bool:
    return bool(page.evaluate("() => document.documentElement.scrollWidth") <= width)


# --- "Not OK" -----------------------------------------------------------------------------


@pytest.mark.usefixtures("inboxes_read_afterwards")
@pytest.mark.parametrize("portal", ["sv-SE"], indirect=True)
def test_not_ok_from_the_mail_reopens_the_ticket_with_the_reason(
        portal: Portal, tokens: dict[str, str]) -> None:
    portal.expect_http_error(400, "/ticket-answers")
    portal.expect_http_error(410, "/ticket-answers")
    stack = portal.stack
    ticket = resolved_ticket(stack, tokens, "Skrivaren skriver tomma sidor")
    url = mailed_link(stack, ticket["number"], "action=reject")

    page = portal.page
    sent = answers_sent(page)
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(url)  # not signed in
    title = page.locator("#answer-title")
    expect(title).to_have_text(re.compile(rf"Ärende {ticket['number']}\s+Vad är inte OK\?"))
    expect(page.locator("[data-expiry]")).to_contain_text("Länken gäller till")
    expect(page.locator("#account")).to_be_hidden()
    reason = page.get_by_label("Beskriv vad som inte fungerar")
    expect(reason).to_have_attribute("required", "")
    expect(page.locator("#answer-comment")).to_have_count(0)
    expect(page.locator("#answer-submit")).to_have_text("Skicka")
    assert fits(page, 375), "the answer page scrolls sideways at 375 px"
    portal.shot("answer-reject-375")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.wait_for_timeout(300)
    assert sent == [], "opening the link must change nothing"

    # Nothing typed, then only blanks: the API's 400 for "reason" shows next to the field.
    error = page.locator("#answer-reason-error")
    page.click("#answer-submit")
    expect(error).to_have_text("Berätta vad som inte är OK.")
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(reason).to_be_focused()
    expect(reason).to_have_accessible_description(re.compile("Berätta vad som inte är OK"))
    expect(page.locator("#answer-form [data-form-error]")).to_have_text(
        "Kontrollera de markerade fälten.")
    reason.fill("   \n  ")
    page.click("#answer-submit")
    expect(error).to_have_text("Berätta vad som inte är OK.")
    assert len(sent) == 2  # both times the API said no, not the browser
    assert [r.post_data_json["reason"] for r in sent] == ["", "   \n  "]
    portal.shot("answer-reject-error")
    assert current(stack, tokens, ticket)["status"] == "resolved"

    # The button shows the request running; the result heading takes the focus.
    held: list[Route] = []
    page.route("**/ticket-answers", lambda route: held.append(route))
    reason.fill("Skrivaren skriver fortfarande ut tomma sidor.")
    page.click("#answer-submit")
    button = page.locator("#answer-submit")
    expect(button).to_have_text("Skickar…")
    expect(button).to_have_attribute("aria-disabled", "true")
    expect(page.locator("#answer-form")).to_have_attribute("aria-busy", "true")
    held[0].continue_()
    page.unroute("**/ticket-answers")
    done = page.locator("#answer-result-title")
    expect(done).to_have_text("Tack \N{EN DASH} ärendet är öppet igen och vi tittar på det")
    expect(done).to_be_focused()
    expect(page.locator("#answer-form")).to_have_count(0)
    expect(page.locator("#answer-portal-link")).to_have_attribute("href", "#/login")
    portal.shot("answer-reject-done")
    assert sent[-1].post_data_json == {"token": sent[0].post_data_json["token"],
                                       "answer": "reject",
                                       "reason": "Skrivaren skriver fortfarande ut tomma sidor."}
    assert sent[-1].headers.get("authorization") is None  # the token is the credential

    reopened = current(stack, tokens, ticket)
    assert reopened["status"] == "open"
    comments = call(stack, "GET", f"/tickets/{ticket['id']}/comments", token=tokens[CUSTOMER])
    assert comments["items"][-1]["body"] == "Skrivaren skriver fortfarande ut tomma sidor."

    # The same link again: used.
    page.reload()
    page.get_by_label("Beskriv vad som inte fungerar").fill("En gång till.")
    page.click("#answer-submit")
    gone = page.locator("#answer-result-title")
    expect(gone).to_have_text("Länken har redan använts eller har slutat gälla")
    expect(gone).to_be_focused()
    expect(page.get_by_role("link", name="Logga in i portalen")).to_have_attribute(
        "href", "#/login")
    portal.shot("answer-gone")

    # A link altered on its way (its signature cut short): the page says the link is broken.
    page.goto(url.replace("&action=", "x&action=", 1))
    page.get_by_label("Beskriv vad som inte fungerar").fill("Fungerar inte.")
    page.click("#answer-submit")
    expect(page.locator("#answer-result-title")).to_have_text("Länken är inte giltig")
    assert current(stack, tokens, ticket)["status"] == "open"


# --- "Tested OK", then the rating ---------------------------------------------------------


@pytest.mark.usefixtures("inboxes_read_afterwards")
def test_tested_ok_closes_the_ticket_and_the_rating_link_rates_it(
        portal: Portal, tokens: dict[str, str]) -> None:
    stack = portal.stack
    ticket = resolved_ticket(stack, tokens, "Inloggningen fungerar inte")
    url = mailed_link(stack, ticket["number"], "action=approve")

    page = portal.page
    sent = answers_sent(page)
    page.goto(url)
    expect(page.locator("#answer-title")).to_have_text(
        re.compile(rf"Ticket {ticket['number']}\s+Tested OK\?"))
    button = page.locator("#answer-submit")
    expect(button).to_have_text("Yes, tested OK")
    expect(page.get_by_label("Comment (optional)")).to_be_visible()
    expect(page.locator("#answer-reason")).to_have_count(0)
    # The texts and the link's expiry follow the language.
    expiry = page.locator("[data-expiry]")
    english = expiry.text_content()
    page.select_option("#language-select", "fi")
    expect(button).to_have_text("Kyllä, testattu OK")
    expect(expiry).to_contain_text("Linkki on voimassa")
    page.select_option("#language-select", "sv")
    expect(button).to_have_text("Ja, testat OK")
    expect(page.locator("#answer-title")).to_contain_text("Testat OK?")
    page.select_option("#language-select", "en")
    expect(expiry).to_have_text(english or "")
    portal.shot("answer-approve")
    assert sent == []

    # The keyboard alone: Tab to the comment, type, Tab to the button, Enter.
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.id") == "answer-comment":
            break
    expect(page.locator("#answer-comment")).to_be_focused()
    page.keyboard.type("Allt fungerar nu, tack!")
    page.keyboard.press("Tab")
    expect(button).to_be_focused()
    page.keyboard.press("Enter")
    done = page.locator("#answer-result-title")
    expect(done).to_have_text("Thank you — the ticket is closed")
    expect(done).to_be_focused()
    portal.shot("answer-approve-done")
    assert sent[-1].post_data_json["answer"] == "approve"
    assert sent[-1].post_data_json["comment"] == "Allt fungerar nu, tack!"
    assert current(stack, tokens, ticket)["status"] == "closed"

    # The closing mail asks how we did; its link works for a signed-in customer too.
    rate_url = mailed_link(stack, ticket["number"], "action=rate", "rating=good")
    portal.sign_in(CUSTOMER)
    page.select_option("#language-select", "en")
    page.goto(rate_url)
    expect(page.locator("#answer-title")).to_contain_text("How did we do?")
    expect(page.locator("#account")).to_be_visible()
    good, bad = page.get_by_label("Good", exact=True), page.get_by_label("Bad", exact=True)
    expect(good).to_be_checked()  # from the link the customer clicked
    expect(bad).not_to_be_checked()
    good.focus()
    page.keyboard.press("ArrowRight")
    expect(bad).to_be_checked()
    page.keyboard.press("ArrowLeft")
    expect(good).to_be_checked()
    page.get_by_label("Comment (optional)").fill("Snabb hjälp.")
    portal.shot("answer-rate")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#answer-result-title")).to_have_text("Thank you for your answer")
    expect(page.locator("#answer-portal-link")).to_have_attribute("href", "#/home")
    portal.shot("answer-rate-done")
    assert sent[-1].post_data_json == {"token": sent[-1].post_data_json["token"],
                                       "answer": "rate", "rating": "good",
                                       "comment": "Snabb hjälp."}
    rated = current(stack, tokens, ticket)
    assert rated["satisfaction"]["rating"] == "good"
    assert rated["satisfaction"]["comment"] == "Snabb hjälp."


# --- broken links -------------------------------------------------------------------------


@pytest.mark.parametrize("route", [
    "#/answer?token=abc&action=approve",
    "#/answer?action=reject",
    "#/answer?token=eyJuIjoiVC0xIn0.sig&action=delete",
    "#/answer?token=%%%.sig&action=approve",
])
def test_a_garbled_link_says_so_and_sends_nothing(portal: Portal, route: str) -> None:
    page = portal.page
    sent = answers_sent(page)
    portal.open(route)
    expect(page.locator("#answer-title")).to_have_text("This link is not valid")
    expect(page.locator('[data-screen="answer"]')).to_contain_text(
        "Open it again from the e-mail")
    expect(page.locator("#answer-form")).to_have_count(0)
    expect(page.get_by_role("link", name="Sign in to the portal")).to_be_visible()
    if "abc" in route:
        portal.shot("answer-invalid")
    page.wait_for_timeout(300)
    assert sent == []


def made_up_link(stack: Stack, action: str, number: str = "T-4711") -> str:
    """A link whose answers the test plays itself (the API would refuse its signature)."""
    payload = json.dumps({"n": number, "e": 1_900_000_000}).encode()
    token = base64.urlsafe_b64encode(payload).decode().rstrip("=") + ".signature"
    return f"{stack.url}/#/answer?token={token}&action={action}"


def test_answers_the_api_refuses_are_explained(portal: Portal) -> None:
    """The refusals a test cannot provoke with a real link: someone else's link (403), a
    server failure, and the rating the API asks for when none was chosen."""
    portal.expect_http_error(403, "/ticket-answers")
    portal.expect_http_error(500, "/ticket-answers")
    portal.expect_http_error(400, "/ticket-answers")
    page = portal.page
    answers: list[dict[str, Any]] = []
    replies = [
        problem(500, "Internal error"),
        problem(403, "This link was sent to someone else."),
        problem(400, "Choose good or bad.", [
            {"loc": ["body", "rating"], "msg": "required for rate"}]),
    ]

    def play(route: Route, request: Request) -> None:
        answers.append(request.post_data_json)
        route.fulfill(**replies.pop(0))

    page.route("**/ticket-answers", play)

    page.goto(made_up_link(portal.stack, "approve"))
    expect(page.locator("#answer-title")).to_have_text(re.compile(r"Ticket T-4711\s+Tested OK"))
    expect(page.locator("[data-expiry]")).to_contain_text("2030")
    assert page.title() == "Your answer \N{EN DASH} Helpdesk"
    page.fill("#answer-comment", "Works.")
    page.click("#answer-submit")
    expect(page.locator("#answer-form [role=alert]")).to_have_text(
        "Something went wrong on our side. Try again in a moment.")
    expect(page.locator("#answer-comment")).to_have_value("Works.")  # nothing typed is lost
    expect(page.locator("#answer-submit")).to_have_text("Yes, tested OK")
    page.click("#answer-submit")  # and again: someone else's link
    title = page.locator("#answer-result-title")
    expect(title).to_have_text("This link was sent to someone else")
    expect(title).to_be_focused()

    page.goto(made_up_link(portal.stack, "rate"))
    good = page.get_by_label("Good", exact=True)
    expect(good).not_to_be_checked()  # no rating in the link: none chosen
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#answer-rating-error")).to_have_text("Choose good or bad.")
    expect(good).to_have_attribute("aria-invalid", "true")
    expect(good).to_be_focused()
    assert answers[-1] == {"token": answers[-1]["token"], "answer": "rate", "rating": None,
                           "comment": ""}
    assert replies == []


# --- e-mail settings ----------------------------------------------------------------------


@pytest.mark.parametrize("portal", ["sv-SE"], indirect=True)
def test_a_customer_mutes_comment_mails(portal: Portal, tokens: dict[str, str]) -> None:
    stack = portal.stack
    try:
        page = portal.sign_in(CUSTOMER)
        link = page.locator("#preferences-link")
        expect(link).to_have_accessible_name("E-postinställningar")
        link.click()
        expect(page).to_have_url(re.compile("#/preferences$"))
        expect(page.locator("#preferences-title")).to_have_text("Aviseringar via e-post")
        expect(page.locator("#preferences-title")).to_be_focused()
        expect(link).to_have_attribute("aria-current", "page")
        boxes = page.locator("#preferences-kinds input[type=checkbox]")
        expect(boxes).to_have_count(8)  # only the kinds that ever reach a contact (trainings too)
        expect(page.locator('[data-kind="sla_warning"]')).to_have_count(0)
        comments = page.get_by_label("Nya kommentarer")
        expect(comments).to_be_checked()
        # Muting a mail with one-click answers says what is lost with it.
        expect(page.get_by_label("Åtgärdade ärenden")).to_have_accessible_description(
            re.compile("knapparna Testat OK och Inte OK"))
        comments.uncheck()
        page.get_by_role("button", name="Spara").click()
        expect(page.locator("#preferences-form [data-notice]")).to_have_text(
            "Dina val har sparats.")
        portal.shot("preferences")

        page.reload()
        expect(page.get_by_label("Nya kommentarer")).not_to_be_checked()
        expect(page.get_by_label("Stängda ärenden")).to_be_checked()
        saved = call(stack, "GET", "/me/notification-preferences", token=tokens[CUSTOMER])
        assert saved == {"muted_email": ["ticket_commented"]}

        page.set_viewport_size({"width": 375, "height": 740})
        assert fits(page, 375), "the settings scroll sideways at 375 px"
    finally:
        call(stack, "PUT", "/me/notification-preferences", {"muted_email": []},
             token=tokens[CUSTOMER])


def test_the_mail_footer_link_signs_in_first_and_staff_see_every_kind(portal: Portal) -> None:
    # "Mute these e-mails" opened while signed out: the sign-in, then the settings.
    page = portal.open("#/preferences")
    expect(page).to_have_url(re.compile("#/login$"))
    page.fill("#login-email", AGENT)
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    expect(page).to_have_url(re.compile("#/preferences$"))
    expect(page.locator("#preferences-kinds input[type=checkbox]")).to_have_count(14)
    expect(page.get_by_label("SLA-varningar: en tidsgräns närmar sig")).to_be_checked()
    expect(page.get_by_label("Kontaktordrar som tilldelas mig")).to_be_checked()
    # Signing out and in again starts at home, as always.
    page.get_by_role("button", name="Logga ut").click()
    page.fill("#login-email", AGENT)
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    expect(page.locator("#home")).to_be_visible()
