"""Client cases (seed 003, issue 19) in Chromium against the local stack: the firm invites a
client, the client's main contact accepts from the link in the e-mail the stack really sent
(``POST /_local/tick`` delivers it, ``GET /_local/outbox`` shows it), the firm sends a case
from a ready-made template, and the client answers it with a file and marks it done; the
firm's queue then says so. The invitation page's refusals (an altered link, an expired one)
are played by the network layer.

The browser fixtures are the shared ones (tests/e2e/browser.py): a fresh context per person,
and a failure when a page logs a console error, throws or trips the Content Security Policy.
The demo tenant has client cases activated (``make run``'s demo data).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, FilePayload, Page, Route, expect

from tests.e2e.browser import Portal, problem, watched_portal
from tests.e2e.stack import PASSWORD, Stack

pytestmark = pytest.mark.e2e

ADMIN = "admin@demo.test"
INVITATION_LINK = re.compile(r"https?://[^\s\"'<>]+#/invitation\?token=[^\s\"'<>]+")
TEMPORARY_PASSWORD = re.compile(r"temporary password is (\S+)")


def call(stack: Stack, method: str, path: str, body: Any = None, token: str | None = None,
         expect_status: int = 200, headers: dict[str, str] | None = None) -> Any:
    status, _, answer = stack.request(method, path, body, token=token, headers=headers)
    assert status == expect_status, f"{method} {path} -> {status}: {answer}"
    return answer


def outbox(stack: Stack) -> list[dict[str, Any]]:
    """Sends what is due, then every mail the stack sent so far."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    call(stack, "POST", "/_local/tick", {"now": now})
    return list(call(stack, "GET", "/_local/outbox")["items"])


def mail_to(stack: Stack, address: str, pattern: re.Pattern[str]) -> str:
    """The first match of ``pattern`` in the newest mail to ``address`` that has one."""
    mails = [m for m in outbox(stack) if address in m["to"]]
    for mail in reversed(mails):
        found = pattern.search(mail["text"] or "") or pattern.search(mail["html"] or "")
        if found:
            return found.group(0) if pattern.groups == 0 else found.group(1)
    raise AssertionError(f"no mail to {address} matching {pattern.pattern}: "
                         f"{[m['subject'] for m in mails]}")


def new_client(stack: Stack, admin: str) -> dict[str, str]:
    """A client company ready for the checklist — an address, a main contact with an
    e-mail address — whose main contact is already a portal user of it with the
    organisation's admin contact role (seed 003: the one who may accept), and has chosen
    a password (the stack mails the temporary one; the first sign-in replaces it)."""
    suffix = uuid.uuid4().hex[:6]
    org = call(stack, "POST", "/organizations", {
        "name": f"Bokföringskund {suffix} AB", "kind": "company",
        "address": {"street": "Storgatan 1", "postal_code": "111 22", "city": "Stockholm",
                    "country": "SE"}}, token=admin, expect_status=201)
    email = f"klara.{suffix}@client.test"
    contact = call(stack, "POST", f"/organizations/{org['id']}/contacts", {
        "name": f"Klara Klient {suffix}", "email": email, "language": "sv"},
        token=admin, expect_status=201)
    call(stack, "PATCH", f"/organizations/{org['id']}", {"main_contact_id": contact["id"]},
         token=admin, headers={"If-Match": f'"{org["version"]}"'})
    call(stack, "POST", "/users", {
        "email": email, "name": contact["name"], "kind": "contact", "organization_id": org["id"],
        "contact_id": contact["id"], "roles": ["contact_admin"], "language": "sv"},
        token=admin, expect_status=201)
    temporary = mail_to(stack, email, TEMPORARY_PASSWORD)
    status, _, challenge = stack.request("POST", "/auth/login",
                                         {"email": email, "password": temporary})
    assert status == 401 and challenge.get("challenge") == "NEW_PASSWORD_REQUIRED", challenge
    call(stack, "POST", "/auth/new-password",
         {"email": email, "session": challenge["session"], "password": PASSWORD})
    return {"id": org["id"], "name": org["name"], "contact_id": contact["id"],
            "contact_name": contact["name"], "email": email}


@pytest.fixture
def second_person(browser: Browser, stack: Stack) -> Iterator[Portal]:
    """A second person's own browser context (the client, a colleague), not signed in,
    watched as ``portal`` is."""
    yield from watched_portal(browser, stack, "sv-SE")


def fits(page: Page, width: int) -> bool:
    return bool(page.evaluate("() => document.documentElement.scrollWidth") <= width)


@pytest.mark.usefixtures("inboxes_read_afterwards")
@pytest.mark.parametrize("portal", ["sv-SE"], indirect=True)
def test_the_firm_invites_sends_a_case_and_the_client_answers_and_marks_it_done(
        portal: Portal, second_person: Portal, stack: Stack, tokens: dict[str, str]) -> None:
    client = new_client(stack, tokens[ADMIN])
    client_side = second_person

    # --- the firm: the checklist shows the new client ready, then the invitation ---------
    firm = portal.sign_in(ADMIN)
    nav = firm.get_by_role("navigation", name="Huvudmeny")
    nav.get_by_role("link", name="Kundärenden").click()
    expect(firm.locator("#cc-title")).to_have_text("Kundärenden")
    expect(firm.locator("#cc-state-line")).to_have_attribute("data-active", "true")
    firm.click("#cc-tab-checklist")
    row = firm.locator(f'#cc-readiness tr[data-organization="{client["id"]}"]')
    expect(firm.locator("#cc-readiness tbody tr").first).to_be_visible()  # the first page read
    # The checklist pages by 100: a long demo list may leave the new client for "Show more".
    while not row.count() and firm.locator("#cc-readiness-more").is_visible():
        firm.click("#cc-readiness-more")
    expect(row.locator('[data-check="main_contact"] [data-ok]')).to_have_attribute(
        "data-ok", "true")
    expect(row.locator('[data-check="email"]')).to_contain_text("OK")
    expect(row.locator('[data-check="address"]')).to_contain_text("OK")
    expect(row.locator('td[data-col="ready"]')).to_contain_text("Klar")

    firm.click("#cc-tab-invitations")
    expect(firm.locator("#cc-panel-title")).to_have_text("Inbjudningar")
    invite = firm.get_by_role("button", name=f"Bjud in {client['name']}")
    invite.focus()
    firm.keyboard.press("Enter")  # keyboard reachable
    expect(firm.locator("[data-notice]")).to_have_text(
        f"Inbjudan till {client['name']} skickades till {client['email']}.")
    invited = firm.locator(f'.cc-invite-row[data-organization="{client["id"]}"]')
    expect(invited.locator("[data-invited]")).to_be_visible()
    sent = firm.locator(f'#cc-invitations tr[data-organization="{client["id"]}"]')
    expect(sent).to_contain_text(client["contact_name"])
    expect(sent).to_contain_text("Väntar på svar")
    revoke = sent.get_by_role("button", name=f"Återkalla inbjudan till {client['name']}")
    expect(revoke).to_be_visible()
    portal.shot("client-cases-invitations")

    # --- the client: the link in the e-mail, accepted, then the sign-in --------------------
    link = mail_to(stack, client["email"], INVITATION_LINK)
    assert link.startswith(f"{stack.url}/#/invitation?token="), link
    page = client_side.page
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(link)
    expect(page.locator("#invitation-title")).to_have_text("Inbjudan till kundärenden")
    expect(page.locator('[data-fact="organization"]')).to_contain_text(client["name"])
    expect(page.locator('[data-fact="email"]')).to_contain_text(client["email"])
    assert fits(page, 375), "the invitation page scrolls sideways at 375 px"
    client_side.shot("client-cases-invitation-375")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.click("#invitation-accept")
    result = page.locator("[data-result]")
    expect(result).to_have_attribute("data-outcome", "accepted")
    expect(page.locator("#invitation-result-title")).to_have_text("Inbjudan är accepterad")
    expect(page.locator("#invitation-result-title")).to_be_focused()
    expect(page.locator("#invitation-how")).to_contain_text(client["email"])

    # The same link again: used, and said so (the preview's state, or its 410).
    client_side.expect_http_error(410, f"/invitations/{link.split('token=')[1]}/preview")
    page.goto(f"{link}&again=1")
    expect(page.locator("[data-result]")).to_have_attribute("data-outcome", re.compile("^gone-"))
    expect(page.locator("#invitation-accept")).to_have_count(0)

    # --- the firm: the accepted tab, then a case from a ready-made template -----------------
    firm.goto(f"{stack.url}/#/client-cases?tab=invitations&state=accepted")
    expect(firm.locator(f'#cc-invitations tr[data-organization="{client["id"]}"]')).to_be_visible()
    firm.click("#cc-tab-new")
    expect(firm.locator("#cc-panel-title")).to_have_text("Nytt ärende till en kund")
    firm.select_option("#cc-case-org", client["id"])
    recipient = firm.locator(f"#cc-recipient-{client['contact_id']}")
    expect(recipient).to_be_checked()  # the main contact, the only one with a portal user
    templates = firm.locator("#cc-case-template option[data-template-id]")
    expect(templates.first).to_be_attached()
    firm.select_option("#cc-case-template", templates.first.get_attribute("value"))
    due = date.today() + timedelta(days=10)
    firm.fill("#cc-case-period", "2026")
    firm.fill("#cc-case-due", due.isoformat())
    firm.fill("#cc-case-reminders", "7, 1")
    preview = firm.locator("#cc-preview-subject")
    expect(preview).not_to_be_empty()
    expect(preview).not_to_contain_text("{client_name}")
    expect(preview).not_to_contain_text("{period}")
    portal.shot("client-cases-new-case")
    firm.click("#cc-case-submit")
    expect(firm).to_have_url(re.compile(r"#/tickets/[A-Za-z0-9_-]+$"))
    ticket_id = firm.url.rsplit("/", 1)[1]
    expect(firm.locator("[data-notice]")).to_have_text("Ärendet skickades till kunden.")
    # The API fills the template in (its date format may differ from the preview's).
    expect(firm.locator("#ticket-title")).not_to_be_empty()
    subject = firm.locator("#ticket-title").inner_text()
    assert "{client_name}" not in subject and "{period}" not in subject, subject
    expect(firm.locator('[data-fact="due_date"]')).to_be_visible()
    expect(firm.locator("[data-back]")).to_have_attribute("href", "#/client-cases?tab=queue")

    # --- the client: "Byråärenden", the case, an answer with a file, done -------------------
    page.goto(f"{stack.url}/#/login")
    page.fill("#login-email", client["email"])
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    expect(page.locator("#home")).to_be_visible()
    client_nav = page.get_by_role("navigation", name="Huvudmeny")
    client_nav.get_by_role("link", name="Byråärenden").click()
    expect(page.locator("#firm-cases-title")).to_have_text("Byråärenden")
    case = page.locator(f'#firm-cases-list [data-ticket-id="{ticket_id}"]')
    expect(case).to_contain_text(subject)
    expect(case.locator('[data-meta="due"]')).to_be_visible()
    expect(case.locator("[data-case-state]")).to_have_attribute("data-case-state", "open")
    client_side.shot("client-cases-client-list")
    case.get_by_role("link").click()

    expect(page.locator("#ticket-title")).to_have_text(subject)
    expect(page.locator("[data-back]")).to_have_attribute("href", "#/firm-cases")
    page.fill("#comment-body", "Här är underlaget för bokslutet.")
    pdf: FilePayload = {"name": "underlag.pdf", "mimeType": "application/pdf",
                        "buffer": b"%PDF-1.4\n%%EOF\n"}
    page.set_input_files("#comment-files", files=[pdf])
    page.click("#comment-submit")
    expect(page.locator("[data-comment-notice]")).not_to_be_empty()
    expect(page.locator("#ticket-thread")).to_contain_text("Här är underlaget för bokslutet.")
    expect(page.locator("[data-files]")).to_contain_text("underlag.pdf")

    done = page.get_by_role("button", name="Markera som klart")
    expect(done).to_be_visible()
    done.click()
    expect(page.locator("[data-notice]")).to_have_text(
        "Ärendet är markerat som klart. Din byrå har meddelats.")
    expect(page.locator("#done-card")).to_be_hidden()
    expect(page.locator('[data-fact="done"]')).to_be_visible()
    stored = call(stack, "GET", f"/tickets/{ticket_id}", token=tokens[ADMIN])
    assert stored["direction"] == "outbound" and stored["done_at"], stored

    # --- the firm: the queue says done, the answer and its file are there ------------------
    firm.goto(f"{stack.url}/#/client-cases?tab=queue")
    queued = firm.locator(f'#cc-queue tr[data-ticket-id="{ticket_id}"]')
    expect(queued.locator("[data-case-state]")).to_have_attribute("data-case-state", "done")
    expect(queued).to_contain_text(client["contact_name"])
    portal.shot("client-cases-queue")
    queued.get_by_role("link").click()
    expect(firm.locator("#ticket-thread")).to_contain_text("Här är underlaget för bokslutet.")
    expect(firm.locator("[data-files]")).to_contain_text("underlag.pdf")


# --- the invitation page's refusals (played by the network layer) --------------------------

TOKEN = "eyJpIjoiSU5WMSIsInQiOiJkZW1vIn0.c2lnbmF0dXJlLW9mLXRoZS1saW5r"


@pytest.mark.parametrize("portal", ["sv-SE"], indirect=True)
def test_an_altered_invitation_link_says_so_and_sends_nothing(portal: Portal) -> None:
    portal.expect_http_error(400, f"/invitations/{TOKEN}/preview")
    page = portal.page
    accepted: list[str] = []
    page.route("**/invitations/*/accept", lambda route: accepted.append(route.request.url))
    page.route(f"**/invitations/{TOKEN}/preview", lambda route: route.fulfill(
        **problem(400, "The invitation link is not valid.",
                  [{"loc": ["path", "token"], "msg": "bad signature"}])))
    portal.open(f"#/invitation?token={TOKEN}")
    expect(page.locator("[data-result]")).to_have_attribute("data-outcome", "invalid")
    expect(page.locator("#invitation-result-title")).to_have_text("Länken fungerar inte")
    expect(page.locator("#invitation-result-title")).to_be_focused()
    expect(page.locator("#invitation-accept")).to_have_count(0)
    expect(page.locator("#invitation-login")).to_have_attribute("href", "#/login")

    # Not a token at all: nothing is asked.
    page.goto(f"{portal.stack.url}/#/invitation?token=%3Cb%3E")
    expect(page.locator("#invitation-result-title")).to_have_text("Länken fungerar inte")
    assert accepted == []


@pytest.mark.parametrize("portal", ["en-GB"], indirect=True)
def test_a_link_no_longer_valid_says_so_with_the_apis_words(portal: Portal) -> None:
    portal.expect_http_error(410, f"/invitations/{TOKEN}/accept")
    page = portal.page

    def preview(route: Route) -> None:
        route.fulfill(status=200, content_type="application/json", body=(
            '{"tenant_name": "Demo Redovisning", "organization_name": "Acme AB", '
            '"contact_name": "Klara", "email": "klara@acme.test", '
            '"expires_at": "2026-12-20T10:00:00Z", "state": "sent"}'))

    page.route(f"**/invitations/{TOKEN}/preview", preview)
    page.route(f"**/invitations/{TOKEN}/accept", lambda route: route.fulfill(
        **problem(410, "The invitation is expired; ask the firm for a new one.")))
    portal.open(f"#/invitation?token={TOKEN}")
    expect(page.locator("[data-intro]")).to_have_text(
        "Demo Redovisning invites Acme AB to share cases in the portal. "
        "As the main contact you accept on behalf of the company.")
    expect(page.locator('[data-fact="expires"]')).to_contain_text("20 Dec 2026")
    page.get_by_role("button", name="Accept the invitation").click()
    # The page's words, and the API's saying which (expired, revoked, used, replaced).
    expect(page.locator("[data-result]")).to_have_attribute("data-outcome", "gone-unknown")
    expect(page.locator("#invitation-result-title")).to_have_text(
        "The invitation can no longer be used")
    expect(page.locator("[data-result] .cc-api-words")).to_have_text(
        "The invitation is expired; ask the firm for a new one.")


# --- the firm's screen on fixed answers (played by the network layer) ----------------------

READINESS = {
    "active": True, "active_clients": 12, "private_persons": 3, "price_per_client": 49,
    "currency": "SEK", "monthly_price": 588, "inactive_candidates": 1, "next_cursor": None,
    "items": [
        {"id": "O-ready", "name": "Acme AB", "kind": "company", "customer_number": "1001",
         "version": 3, "main_contact": {"id": "C1", "name": "Anna Andersson",
                                        "email": "anna@acme.test"},
         "main_contact_ok": True, "email_ok": True, "email_problem": None, "address_ok": True,
         "ready": True, "connected_at": None, "invitation": None,
         "last_activity_at": "2026-11-02T10:00:00Z", "looks_inactive": False},
        {"id": "O-bounce", "name": "Bounce Oy", "kind": "company", "customer_number": "1002",
         "version": 7, "main_contact": {"id": "C2", "name": "Bo Berg", "email": "bo@bounce.test"},
         "main_contact_ok": True, "email_ok": False, "email_problem": "undeliverable",
         "address_ok": False, "ready": False, "connected_at": None,
         "invitation": {"id": "I1", "state": "expired", "sent_at": "2026-10-01T08:00:00Z"},
         "last_activity_at": None, "looks_inactive": True},
        {"id": "O-private", "name": "Per Privat", "kind": "private_person",
         "customer_number": None, "version": 1, "main_contact": None,
         "main_contact_ok": False, "email_ok": False, "email_problem": "missing",
         "address_ok": True, "ready": False, "connected_at": None, "invitation": None,
         "last_activity_at": "2026-10-01T08:00:00Z", "looks_inactive": False},
    ],
}
ORGANIZATIONS = [
    {"id": "O-ready", "name": "Acme AB", "kind": "company", "active": True, "version": 3,
     "connected_at": None, "main_contact_id": "C1"},
    {"id": "O-bounce", "name": "Bounce Oy", "kind": "company", "active": True, "version": 7,
     "connected_at": None, "main_contact_id": "C2"},
]
RETIRED = {"id": "O-old", "name": "Old Ltd", "kind": "company", "active": False, "version": 4,
           "deactivated_at": "2026-01-10T09:00:00Z", "connected_at": None}
USAGE = {
    "month": "2026-11", "closed": True, "closed_at": "2026-12-01T00:05:00Z", "active_clients": 2,
    "price_per_client": 49, "monthly_price": 98, "currency": "SEK",
    "items": [
        {"organization_id": "O-ready", "name": "Acme AB", "customer_number": "1001",
         "kind": "company", "active": True, "billable_tickets": 3, "hours": 4.5},
        {"organization_id": "O-bounce", "name": "Bounce Oy", "customer_number": "1002",
         "kind": "company", "active": False, "billable_tickets": 1, "hours": 0.25},
    ],
    "totals": {"billable_tickets": 4, "hours": 4.75},
}
CSV = "\ufefforganisation;kundnummer;debiterbara ärenden;timmar\r\nAcme AB;1001;3;4,5\r\n"


MODULE = {"active": True, "activated_at": "2026-11-20T09:00:00Z", "activated_by": "U1",
          "active_clients": 12, "monthly_price": 588, "price_per_client": 49, "currency": "SEK"}
INVITE_REFUSED = problem(
    422, "The main contact's e-mail address bounces: correct it on the contact.",
    [{"loc": ["body", "organization_id"], "msg": "e-mail undeliverable"}])


def fixed_answer(method: str, path: str, query: str, accept: str) -> dict[str, Any]:
    """What the network layer answers a client-case request with (Route.fulfill's arguments)."""
    import json

    organizations = ORGANIZATIONS + ([RETIRED] if "include_inactive=true" in query else [])
    bodies: dict[tuple[str, str], Any] = {
        ("GET", "/client-cases"): MODULE,
        ("GET", "/client-cases/readiness"): READINESS,
        ("GET", "/organizations"): {"items": organizations, "next_cursor": None},
        ("PATCH", "/organizations/O-bounce"): {**ORGANIZATIONS[1], "active": False, "version": 8},
        ("GET", "/invitations"): {"items": [], "next_cursor": None},
        ("GET", "/billing/usage"): USAGE,
    }
    if (method, path) == ("POST", "/invitations"):
        return INVITE_REFUSED
    if path == "/billing/usage" and "text/csv" in accept:
        return {"status": 200, "body": CSV.encode(), "headers": {
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": 'attachment; filename="usage-2026-11.csv"'}}
    return {"status": 200, "content_type": "application/json",
            "body": json.dumps(bodies[(method, path)])}


def fixed_answers(page: Page, sent: list[tuple[str, str, dict[str, str], str | None]]) -> None:
    """The client-case endpoints answered from the fixtures above; ``sent`` gets each
    request as (method, path with query, headers, body)."""
    from urllib.parse import urlsplit

    api = {"/client-cases", "/client-cases/readiness", "/organizations", "/invitations",
           "/billing/usage", "/organizations/O-bounce"}

    def answer(route: Route) -> None:
        request = route.request
        parts = urlsplit(request.url)
        sent.append((request.method, f"{parts.path}?{parts.query}", request.headers,
                     request.post_data))
        route.fulfill(**fixed_answer(request.method, parts.path, parts.query,
                                     request.headers.get("accept", "")))

    page.route(lambda url: urlsplit(url).path in api, answer)


@pytest.mark.parametrize("portal", ["sv-SE"], indirect=True)
def test_the_firm_reads_the_checklist_sees_the_apis_words_and_downloads_the_usage_csv(
        portal: Portal) -> None:
    portal.expect_http_error(422, "/invitations")
    page = portal.sign_in(ADMIN)
    sent: list[tuple[str, str, dict[str, str], str | None]] = []
    fixed_answers(page, sent)

    # The checklist: a word beside every sign, what to fix, the price basis.
    page.goto(f"{portal.stack.url}/#/client-cases?tab=checklist")
    expect(page.locator("#cc-panel-title")).to_have_text("Checklista innan du aktiverar")
    expect(page.locator("#cc-tab-checklist")).to_have_attribute("aria-current", "page")
    summary = page.locator("#cc-readiness-summary")
    expect(summary.locator('[data-fact="active_clients"] dd')).to_have_text("12")
    expect(summary.locator('[data-fact="monthly_price"] dd')).to_contain_text("588")
    bounce = page.locator('#cc-readiness tr[data-organization="O-bounce"]')
    expect(bounce.locator('[data-check="email"]')).to_contain_text("Saknas")
    expect(bounce.locator('[data-check="email"]')).to_contain_text("studsade")
    expect(bounce.locator('[data-check="address"]')).to_contain_text("Fyll i företagets adress")
    expect(bounce.locator("[data-looks-inactive]")).to_be_visible()
    expect(bounce.locator('[data-invitation-state="expired"]')).to_have_text("Har gått ut")
    private = page.locator('#cc-readiness tr[data-organization="O-private"]')
    expect(private.locator("[data-private-person]")).to_have_text("Privatperson, räknas inte")
    expect(page.locator('#cc-readiness tr[data-organization="O-ready"] td[data-col="ready"]')
           ).to_have_text("✓ Klar")
    expect(bounce.locator('td[data-col="ready"]')).to_have_text("✗ Inte klar")
    expect(page.locator('#cc-inactive-list [data-organization="O-old"]')).to_contain_text("Old Ltd")
    portal.shot("client-cases-checklist")
    page.set_viewport_size({"width": 375, "height": 740})  # each row a card, no sideways scroll
    expect(bounce.locator('td[data-col="email"]')).to_have_attribute(
        "data-label", "Huvudkontaktens e-post")
    assert fits(page, 375), "the checklist scrolls sideways at 375 px"
    portal.shot("client-cases-checklist-375")
    page.set_viewport_size({"width": 1280, "height": 800})

    # Deactivating a client that looks inactive: a confirmation, then PATCH with If-Match.
    page.get_by_role("button", name="Inaktivera Bounce Oy").click()
    confirm = page.locator("#cc-deactivate-confirm-O-bounce")
    expect(confirm).to_be_focused()
    confirm.click()
    expect(page.locator("[data-notice]")).to_have_text("Bounce Oy har inaktiverats.")
    patch = next(s for s in sent if s[0] == "PATCH")
    assert patch[1].startswith("/organizations/O-bounce"), patch
    assert patch[2].get("if-match") == '"7"' and patch[3] == '{"active":false}', patch

    # Inviting: the API's 422 words stand next to that organisation.
    page.click("#cc-tab-invitations")
    page.get_by_role("button", name="Bjud in Bounce Oy").click()
    words = page.locator("#cc-invite-words-O-bounce")
    expect(words).to_contain_text("The main contact's e-mail address bounces")
    expect(words).to_contain_text("e-mail undeliverable")
    expect(page.locator("#cc-invite-words-O-ready")).to_be_empty()
    expect(page.locator("#cc-invitations-sent")).to_have_attribute("aria-current", "page")
    expect(page.locator("[data-list-status], .list-status").last).to_have_text(
        "Ingen inbjudan väntar på svar.")

    # The usage: the month in the address, local numbers, the totals, the CSV file.
    page.goto(f"{portal.stack.url}/#/client-cases?tab=usage&month=2026-11")
    expect(page.locator("#cc-usage-month")).to_have_value("2026-11")
    expect(page.locator("#cc-usage-closed")).to_contain_text("Månaden är stängd")
    totals = page.locator("#cc-usage-totals")
    expect(totals.locator('[data-col="hours"]')).to_have_text("4,75")
    expect(totals.locator('[data-col="billable_tickets"]')).to_have_text("4")
    ready_row = page.locator('#cc-usage tr[data-organization="O-ready"]')
    expect(ready_row.locator('[data-col="hours"]')).to_have_text("4,5")
    bounced = page.locator('#cc-usage tr[data-organization="O-bounce"]')
    expect(bounced).to_contain_text("Inaktiverad")
    portal.shot("client-cases-usage")
    with page.expect_download() as downloading:
        page.click("#cc-usage-csv")
    download = downloading.value
    assert download.suggested_filename == "usage-2026-11.csv"
    path = download.path()
    assert path is not None and path.read_bytes() == CSV.encode()
    asked = [s for s in sent if s[1].startswith("/billing/usage")]
    assert asked[-1][2].get("accept", "").startswith("text/csv"), asked[-1]
    assert all("month=2026-11" in s[1] for s in asked), asked
    expect(page.locator("[data-notice]")).to_have_text("usage-2026-11.csv laddades ner.")


CONNECTED = {"id": "O-c", "name": "Kund & Co AB", "kind": "company", "active": True,
             "version": 2, "connected_at": "2026-11-25T08:00:00Z", "main_contact_id": "C1"}
CONTACTS = [{"id": "C1", "organization_id": "O-c", "name": "Klara Klient",
             "email": "klara@kund.test", "user_id": "U-klara"},
            {"id": "C2", "organization_id": "O-c", "name": "Nils Nyanställd",
             "email": "nils@kund.test", "user_id": None}]
TEMPLATES = [{"id": "T-year", "name": "Bokslutsunderlag", "language": "sv", "direction": "outbound",
              "ticket_type_id": "question", "subject": "Bokslut {period} för {client_name}",
              "body": "Skicka underlagen senast {due_date}."}]
QUEUED = {"id": "T-q", "number": "T-5001", "subject": "Löneunderlag 2026-12",
          "status": "open", "organization_id": "O-c", "recipients": ["C1", "C2"],
          "recipient_names": ["Klara Klient", "Nils Nyanställd"], "due_date": "2027-01-31",
          "direction": "outbound", "done_at": None}
RECIPIENT_REFUSED = problem(
    422, "A recipient is not a registered contact with a portal user.",
    [{"loc": ["body", "recipients", 0], "msg": "has no portal user in the organisation"}])


@pytest.mark.parametrize("portal", ["sv-SE"], indirect=True)
def test_the_new_case_form_previews_the_template_and_shows_a_refused_recipient(
        portal: Portal) -> None:
    import json
    from urllib.parse import urlsplit

    portal.expect_http_error(422, "/tickets")
    page = portal.sign_in(ADMIN)
    posted: list[dict[str, Any]] = []
    bodies = {"/client-cases": MODULE,
              "/organizations": {"items": [CONNECTED], "next_cursor": None},
              "/organizations/O-c/contacts": {"items": CONTACTS, "next_cursor": None},
              "/templates": {"items": TEMPLATES, "next_cursor": None},
              "/tickets": {"items": [QUEUED], "next_cursor": "more"}}

    def answer(route: Route) -> None:
        path = urlsplit(route.request.url).path
        if route.request.method == "POST":
            posted.append(json.loads(route.request.post_data or "{}"))
            route.fulfill(**RECIPIENT_REFUSED)
            return
        route.fulfill(status=200, content_type="application/json", body=json.dumps(bodies[path]))

    page.route(lambda url: urlsplit(url).path in {*bodies, "/tickets"}, answer)
    page.goto(f"{portal.stack.url}/#/client-cases?tab=new")
    expect(page.locator("#cc-panel-title")).to_have_text("Nytt ärende till en kund")
    page.get_by_label("Kund", exact=True).select_option("O-c")
    main_contact = page.get_by_role("checkbox", name=re.compile("^Klara Klient"))
    expect(main_contact).to_be_checked()  # chosen for the firm: the main contact
    expect(page.get_by_role("checkbox", name=re.compile("^Nils Nyanställd"))).to_be_disabled()
    expect(page.locator('[data-recipient="C2"]')).to_contain_text("ingen portalanvändare än")
    page.get_by_label("Mall").select_option("T-year")
    expect(page.locator("#cc-preview-subject")).to_have_text("Bokslut {period} för Kund & Co AB")
    page.get_by_label("Period", exact=True).fill("2026")
    page.get_by_label("Förfallodatum", exact=True).fill("2027-01-31")
    expect(page.locator("#cc-preview-subject")).to_have_text("Bokslut 2026 för Kund & Co AB")
    # The due date as the API writes it into the text (ISO in Swedish).
    expect(page.locator("#cc-preview-body")).to_have_text("Skicka underlagen senast 2027-01-31.")

    # Reminders that are not days: said at the field, nothing sent.
    page.get_by_label("Påminnelser (dagar före förfallodatum)").fill("7, sju")
    page.click("#cc-case-submit")
    expect(page.locator("#cc-case-reminders-error")).to_contain_text("heltal från 1 till 90")
    expect(page.locator("#cc-case-reminders")).to_be_focused()
    assert posted == []

    # The API refuses the recipient: its words under the recipients, with the name.
    page.get_by_label("Påminnelser (dagar före förfallodatum)").fill("1, 7")
    page.click("#cc-case-submit")
    expect(page.locator("#cc-case-recipients-error")).to_have_text(
        "Klara Klient: has no portal user in the organisation")
    assert posted == [{"direction": "outbound", "organization_id": "O-c", "recipients": ["C1"],
                       "template_id": "T-year", "period": "2026", "due_date": "2027-01-31",
                       "reminder_days": [7, 1]}]
    portal.shot("client-cases-new-case-refused")

    # The queue: each case's client, recipients, due date and state in words.
    page.click("#cc-tab-queue")
    row = page.locator('#cc-queue tr[data-ticket-id="T-q"]')
    expect(row.locator('[data-col="client"]')).to_have_text("Kund & Co AB")
    expect(row.locator('[data-col="recipients"]')).to_have_text("Klara Klient, Nils Nyanställd")
    expect(row.locator('[data-col="due"]')).to_have_text("31 jan. 2027")
    expect(row.locator("[data-case-state]")).to_have_text("Öppet")
    expect(page.locator("#cc-queue-more")).to_be_visible()


@pytest.mark.parametrize("portal", ["en-GB"], indirect=True)
def test_the_client_sees_the_firms_cases_and_marks_one_done(portal: Portal) -> None:
    import json
    from urllib.parse import urlsplit

    page = portal.open("#/login")
    due = (date.today() - timedelta(days=2)).isoformat()
    case = {"id": "T-out", "number": "T-4711", "subject": "Momsfrågor november",
            "description": "Vilka kvitton saknas?", "status": "open", "priority": "normal",
            "ticket_type_id": "question", "organization_id": "O-c", "requester_id": "U-firm",
            "requester_name": "Ada Admin", "channel": "staff", "billable": False,
            "created_at": "2026-12-01T09:00:00Z", "updated_at": "2026-12-01T09:00:00Z",
            "version": 1, "watchers": [], "fields": {}, "direction": "outbound",
            "recipients": ["C1"], "recipient_names": ["Klara Klient"], "due_date": due,
            "period": "2026-11", "done_at": None, "done_by": None, "can_comment": True,
            "can_mark_done": True}
    state = {"case": case}
    login = {"token": "t", "refresh_token": "r", "expires_in": 3600, "user": {
        "id": "U-klara", "email": "klara@kund.test", "name": "Klara Klient", "kind": "contact",
        "organization_id": "O-c", "contact_id": "C1", "roles": ["contact_admin"],
        "permissions": ["tickets.view_organization", "tickets.create", "tickets.comment"],
        "language": "en", "tenant": "demo", "tenant_name": "Demo Redovisning",
        "timezone": "Europe/Stockholm", "organization_connected": True,
        "client_cases_active": True}}
    lists = {"/tickets": None, "/ticket-types": [], "/organizations": [CONNECTED],
             "/notifications": [], "/tickets/T-out/comments": [], "/tickets/T-out/events": [],
             "/tickets/T-out/attachments": []}

    def answer(route: Route) -> None:
        path = urlsplit(route.request.url).path
        if path == "/auth/login":
            body: Any = login
        elif path == "/home":
            body = {}  # the home page's work list (issue 23): nothing waiting
        elif path == "/tickets/T-out/done":
            state["case"] = {**case, "status": "closed", "closed_reason": "done",
                             "done_at": "2026-12-06T10:00:00Z", "done_by": "U-klara",
                             "can_mark_done": False}
            body = state["case"]
        elif path == "/tickets/T-out":
            body = state["case"]
        elif path == "/tickets":
            assert "direction=outbound" in route.request.url, route.request.url
            body = {"items": [state["case"]], "next_cursor": None}
        else:
            body = {"items": lists[path], "next_cursor": None, "unread_count": 0}
        route.fulfill(status=200, content_type="application/json", body=json.dumps(body))

    page.route(lambda url: urlsplit(url).path in {*lists, "/auth/login", "/home", "/tickets/T-out",
                                                   "/tickets/T-out/done"}, answer)
    portal.sign_in("klara@kund.test")
    nav = page.get_by_role("navigation", name="Main menu")
    nav.get_by_role("link", name="Cases from your firm").click()
    expect(page.locator("#firm-cases-title")).to_have_text("Cases from your firm")
    row = page.locator('#firm-cases-list [data-ticket-id="T-out"]')
    expect(row.locator("[data-case-state]")).to_have_text("Overdue")
    expect(row.locator('[data-meta="period"]')).to_contain_text("2026-11")
    row.get_by_role("link").click()

    expect(page.locator("#ticket-title")).to_have_text("Momsfrågor november")
    expect(page.locator("[data-back]")).to_have_text("Back to the cases from your firm")
    expect(nav.get_by_role("link", name="Cases from your firm")).to_have_attribute(
        "aria-current", "page")
    expect(page.locator('[data-fact="recipients"]')).to_contain_text("Klara Klient")
    expect(page.locator('[data-fact="period"]')).to_contain_text("2026-11")
    expect(page.locator("#comment-files")).to_be_visible()
    done = page.get_by_role("button", name="Mark done")
    done.focus()
    page.keyboard.press("Enter")
    expect(page.locator("[data-notice]")).to_have_text(
        "The case is marked done. Your accounting firm has been told.")
    expect(page.locator("#done-card")).to_be_hidden()
    expect(page.locator('[data-fact="state"]')).to_contain_text("Done")
    portal.shot("client-cases-case-done")


INACTIVE = {"active": False, "activated_at": None, "activated_by": None, "active_clients": 0,
            "monthly_price": 0, "price_per_client": 49, "currency": "SEK"}


def before_activation(page: Page, activated: list[str]) -> None:
    """The module not yet active: its state, the checklist's price basis, and the activation
    (recorded in ``activated``), from fixed answers."""
    import json
    from urllib.parse import urlsplit

    def answer(route: Route) -> None:
        path = urlsplit(route.request.url).path
        if path == "/client-cases/activate":
            activated.append(route.request.post_data or "")
            body: Any = {**MODULE, "activated_by": "someone"}
        elif path == "/client-cases/readiness":
            body = {**READINESS, "active": False}
        else:
            body = MODULE if activated else INACTIVE
        route.fulfill(status=200, content_type="application/json", body=json.dumps(body))

    page.route(lambda url: urlsplit(url).path in {
        "/client-cases", "/client-cases/readiness", "/client-cases/activate"}, answer)


@pytest.mark.parametrize("portal", ["sv-SE"], indirect=True)
def test_only_an_admin_with_the_settings_right_activates_the_others_see_who_can(
        portal: Portal, second_person: Portal) -> None:
    colleague = second_person
    activated: list[str] = []
    page = portal.sign_in(ADMIN)
    before_activation(page, activated)
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"{portal.stack.url}/#/client-cases?tab=activation")
    expect(page.locator("#cc-state-line")).to_have_text(
        "Inte aktiverad än. Gå igenom checklistan och aktivera sedan.")
    basis = page.locator("#cc-activation")
    expect(basis.locator('[data-fact="active_clients"] dd')).to_have_text("12")
    expect(basis.locator('[data-fact="private_persons"] dd')).to_have_text("3")
    expect(basis.locator('[data-fact="monthly_price"] dd')).to_contain_text("588")
    assert fits(page, 375), "the activation tab scrolls sideways at 375 px"
    portal.shot("client-cases-activation-375")
    page.set_viewport_size({"width": 1280, "height": 800})

    # Buying needs the box ticked: said at the box, nothing sent.
    page.get_by_role("button", name="Köp nu").click()
    expect(page.locator("#cc-activate-accept-error")).to_have_text(
        "Kryssa i rutan för att bekräfta köpet.")
    expect(page.locator("#cc-activate-accept")).to_be_focused()
    assert activated == []
    page.keyboard.press("Space")
    page.get_by_role("button", name="Köp nu").click()
    expect(page.locator("[data-notice]")).to_have_text(
        "Kundärenden är aktiverade. Nu kan du bjuda in dina kunder.")
    expect(page.locator("#cc-activated")).to_be_focused()
    expect(page.locator("#cc-state-line")).to_contain_text("12 aktiva kunder, 588 kr i månaden")
    assert activated == ["{}"]

    # An agent (client_cases.manage, no settings right) sees the basis and who can buy.
    agent = colleague.sign_in("agent@demo.test")
    before_activation(agent, [])
    agent.goto(f"{colleague.stack.url}/#/client-cases?tab=activation")
    who = agent.locator("#cc-who-activates")
    expect(who).to_contain_text("Bara en administratör")
    expect(who.get_by_role("listitem").filter(has_text="admin@demo.test")).to_have_count(1)
    expect(agent.locator("#cc-activate-form")).to_have_count(0)
    expect(agent.locator("#cc-tab-usage")).to_have_count(0)  # no billing.view
