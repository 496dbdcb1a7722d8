"""The portal's network and subscription screens in Chromium against the local stack: a
supplier subscribes, answers the questionnaire (each answer saved as it changes), is told
which required questions are missing, submits, sees the validator's issue at its question,
mends it, submits again and is published; staff return a submission with an issue and
publish it from the validation queue; a network's page names the wrong field of an edit;
an answer changed elsewhere meanwhile is reloaded, not overwritten.

Each test makes its own supplier organisation (and user, when it signs in as one), so none
depends on the demo supplier's draft or on another test. The buyer's supplier search waits
for its API (GET /suppliers) and has no screen yet.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import Portal
from tests.e2e.stack import PASSWORD, Stack
from tests.e2e.test_portal_tickets import png
from tests.unit.test_certificates import pdf_strings

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("inboxes_read_afterwards")]

ADMIN = "admin@demo.test"
BUYER = "buyer@demo.test"
NETWORK_EN = "Construction Network Sweden"
SUBSCRIPTION_URL = re.compile(r"#/subscriptions/(?!new$)([A-Za-z0-9_-]+)$")
# The demo network's required questions and an answer to each (local/demo_networks.py).
REQUIRED = {"codes": ["45.21"], "offer": "Concrete works.", "safety_policy": True,
            "iso9001": True, "liability": 10_000_000, "turnover": 48_000_000, "tax_paid": True}


def call(stack: Stack, method: str, path: str, body: Any = None, token: str | None = None,
         expect_status: int = 200, headers: dict[str, str] | None = None) -> Any:
    status, _, answer = stack.request(method, path, body, token=token, headers=headers)
    assert status == expect_status, f"{method} {path} -> {status}: {answer}"
    return answer


def supplier_org(stack: Stack, admin: str, name: str = "") -> dict[str, Any]:
    """A supplier organisation whose account manager is the demo admin."""
    name = name or f"Leverantör {uuid.uuid4().hex[:8]} AB"
    org = dict(call(stack, "POST", "/organizations", {"name": name, "kind": "supplier"},
                    token=admin, expect_status=201))
    me = call(stack, "GET", "/me", token=admin)
    call(stack, "PUT", f"/organizations/{org['id']}/account-manager", {"user_id": me["id"]},
         token=admin)
    return org


def supplier_user(stack: Stack, admin: str, org: dict[str, Any]) -> str:
    """A portal user of the supplier organisation, in English, with the demo password."""
    email = f"supplier-{uuid.uuid4().hex[:8]}@demo.test"
    call(stack, "POST", "/users", {"email": email, "name": "Sam Supplier", "kind": "contact",
                                   "roles": ["supplier"], "organization_id": org["id"],
                                   "language": "en"}, token=admin, expect_status=201)
    set_first_password(stack, email)
    return email


def set_first_password(stack: Stack, email: str) -> None:
    """A newly invited user signs in with the mailed temporary password and sets the demo one."""
    outbox = call(stack, "GET", "/_local/outbox")["items"]
    temporary = [m for m in outbox if m["to"] == [email]][-1]["text"].rsplit(" ", 1)[-1]
    status, _, challenge = stack.request("POST", "/auth/login",
                                         {"email": email, "password": temporary})
    assert status == 401 and challenge["challenge"] == "NEW_PASSWORD_REQUIRED", challenge
    call(stack, "POST", "/auth/new-password",
         {"email": email, "session": challenge["session"], "password": PASSWORD})


@pytest.fixture
def supplier(stack: Stack, tokens: dict[str, str]) -> tuple[dict[str, Any], str]:
    """A fresh supplier organisation and its portal user's e-mail address."""
    org = supplier_org(stack, tokens[ADMIN])
    return org, supplier_user(stack, tokens[ADMIN], org)


def demo_network(stack: Stack, token: str) -> dict[str, Any]:
    found = call(stack, "GET", "/networks?q=Construction", token=token)["items"]
    return dict(next(n for n in found if n["name"]["en"] == NETWORK_EN))


def submitted_subscription(stack: Stack, admin: str, org: dict[str, Any]) -> dict[str, Any]:
    """Staff subscribe the organisation, answer every required question and submit."""
    network = demo_network(stack, admin)
    created = call(stack, "POST", "/subscriptions", {
        "network_id": network["id"], "product_codes": ["45.21"], "organization_id": org["id"],
    }, token=admin, expect_status=201)
    path = f"/subscriptions/{created['id']}"
    call(stack, "PUT", f"{path}/questionnaire", {"answers": REQUIRED}, token=admin)
    return dict(call(stack, "POST", f"{path}/submit", {}, token=admin))


def published_subscription(stack: Stack, admin: str, org: dict[str, Any]) -> dict[str, Any]:
    subscription = submitted_subscription(stack, admin, org)
    validate(stack, admin, subscription["id"], {"decision": "publish"})
    return subscription


def validate(stack: Stack, admin: str, subscription_id: str, decision: dict[str, Any]) -> None:
    path = f"/subscriptions/{subscription_id}"
    version = call(stack, "GET", path, token=admin)["version"]
    call(stack, "POST", f"{path}/validate", decision, token=admin,
         headers={"If-Match": f'"{version}"'})


def question(page: Page, question_id: str) -> Any:
    return page.locator(f'[data-question="{question_id}"]')


def answer_and_wait(page: Page, question_id: str, action: Any) -> None:
    """Answers one question and waits until the portal says it is saved."""
    action(question(page, question_id))
    expect(question(page, question_id)).to_have_attribute("data-state", "saved")


def subscription_id_of(page: Page) -> str:
    match = SUBSCRIPTION_URL.search(page.url)
    assert match, page.url
    return match.group(1)


# --- the supplier -------------------------------------------------------------------------


def test_a_supplier_subscribes_answers_submits_mends_the_issue_and_is_published(
        portal: Portal, tokens: dict[str, str], supplier: tuple[dict[str, Any], str]) -> None:
    stack = portal.stack
    admin = tokens[ADMIN]
    org, email = supplier
    page = portal.sign_in(email)

    nav = page.get_by_role("navigation", name="Main menu")
    nav.get_by_role("link", name="My subscriptions").click()
    expect(page.locator("#subscriptions-title")).to_have_text("My subscriptions")
    expect(page.locator('[data-screen="subscriptions"]')).to_contain_text(
        "Your organisation has no subscriptions yet.")
    manager = page.locator("[data-account-manager]")
    expect(manager).to_contain_text("Your account manager")
    expect(manager.get_by_role("link", name="admin@demo.test")).to_have_attribute(
        "href", "mailto:admin@demo.test")

    # Subscribing: the network found by name, codes ticked, the price following them.
    page.click("#subscribe-link")
    expect(page.locator("#subscribe-title")).to_have_text("Subscribe to a network")
    page.fill("#network-q", "construction")
    page.click("#network-search-submit")
    page.get_by_label(re.compile(NETWORK_EN)).check()
    quote = page.locator("#subscribe-quote")
    expect(quote).to_have_attribute("data-price", "4900")
    expect(quote).to_contain_text("0 codes")
    codes = page.locator("#subscribe-codes")
    codes.get_by_label("45.21 Building works").check()
    expect(quote).to_contain_text("1 code:")
    codes.get_by_label("45.31 Electrical installation").check()
    expect(quote).to_contain_text("2 codes:")
    page.locator("#subscribe-regions").get_by_label("fi").uncheck()
    portal.shot("networks-subscribe")
    page.click("#subscribe-submit")
    expect(page).to_have_url(SUBSCRIPTION_URL)
    subscription_id = subscription_id_of(page)
    expect(page.locator("#subscription-title")).to_have_text(NETWORK_EN)
    supplier_id = page.locator("[data-supplier-id]")
    expect(supplier_id).to_have_text(re.compile(r"^[1-9]\d{5}$"))
    shown_id = supplier_id.inner_text()
    expect(page.locator('[data-fact="status"]')).to_contain_text("Draft")

    # Every required question but one, each saved as it is answered.
    answer_and_wait(page, "codes", lambda q: q.get_by_label("45.21 Building works").check())
    answer_and_wait(page, "offer", lambda q: q.get_by_role("textbox").fill("Concrete works."))
    answer_and_wait(page, "safety_policy", lambda q: q.get_by_label("Yes").check())
    answer_and_wait(page, "iso9001", lambda q: q.get_by_label("Yes").check())
    answer_and_wait(page, "liability", lambda q: q.get_by_role("textbox").fill("10 000 000"))
    answer_and_wait(page, "turnover", lambda q: q.get_by_role("textbox").fill("48000000"))
    expect(page.locator('[data-section="products_services"] [data-progress]')).to_have_text(
        "2 of 2 questions answered")
    expect(page.locator("#save-status")).to_have_text("All changes saved.")
    # An optional choice, and a certification saved once its needed parts are given.
    answer_and_wait(page, "insurer", lambda q: q.get_by_label("Länsförsäkringar").check())
    certificate = question(page, "iso14001")
    certificate.get_by_label("Certificate", exact=True).fill("ISO 14001")
    certificate.get_by_label("Certificate", exact=True).blur()
    expect(certificate.locator(".field__error")).to_contain_text("name, issuer and valid-until")
    certificate.get_by_label("Issuer").fill("DNV")
    answer_and_wait(page, "iso14001", lambda q: q.get_by_label("Valid until").fill("2027-06-30"))
    expect(certificate.locator(".field__error")).to_be_empty()
    # A file answer: uploaded straight to S3, then named by the answer.
    report = question(page, "annual_report")
    report.locator("input[type=file]").set_input_files(
        {"name": "arsredovisning.png", "mimeType": "image/png", "buffer": png()})
    expect(report).to_have_attribute("data-state", "saved")
    expect(report.locator("[data-file-name]")).to_have_text("arsredovisning.png")
    expect(page.locator('[data-screen="subscription"]')).not_to_contain_text("null")

    # Submitting names the required question still missing, at the form and at the question.
    portal.expect_http_error(400, f"/subscriptions/{subscription_id}/submit")
    page.click("#submit-button")
    missing = page.locator("[data-missing-list]")
    expect(missing).to_have_text("Are taxes and fees paid?")
    expect(question(page, "tax_paid").locator(".field__error")).to_have_text(
        "This question is required.")
    answer_and_wait(page, "tax_paid", lambda q: q.get_by_label("Yes").check())
    page.click("#submit-button")
    expect(page.locator("[data-notice]")).to_have_text(
        "Submitted. Your account manager validates the answers next.")
    expect(page.locator('[data-fact="status"]')).to_contain_text("Submitted")
    expect(page.locator("#submit-form")).to_have_count(0)
    expect(question(page, "offer").get_by_role("textbox")).to_be_disabled()
    expect(page.locator("#edit-request-form")).to_be_visible()
    stored = call(stack, "GET", f"/subscriptions/{subscription_id}/questionnaire", token=admin)
    given = dict(stored["answers"])
    assert given.pop("annual_report")["filename"] == "arsredovisning.png", stored["answers"]
    assert given == {**REQUIRED, "insurer": "lansforsakringar", "iso14001": {
        "name": "ISO 14001", "issuer": "DNV", "number": None, "valid_until": "2027-06-30",
        "file": None}}, stored["answers"]

    # Returned with an issue: the supplier sees it at its question, mends it, submits again.
    issue = "Say which regions you deliver to."
    validate(stack, admin, subscription_id, {
        "decision": "return", "issues": [{"question_id": "offer", "text": issue}]})
    page.reload()
    expect(page.locator('[data-fact="status"]')).to_contain_text("Returned for changes")
    expect(question(page, "offer").locator("[data-issues]")).to_contain_text(issue)
    expect(page.locator("[data-returned]")).to_contain_text("Describe what you offer")
    portal.shot("networks-questionnaire-returned")
    page.locator("[data-returned] a").click()
    expect(question(page, "offer").get_by_role("textbox")).to_be_focused()
    mended = "Concrete works in Sweden and Finland."
    answer_and_wait(page, "offer", lambda q: q.get_by_role("textbox").fill(mended))
    page.click("#submit-button")
    expect(page.locator('[data-fact="status"]')).to_contain_text("Submitted")
    page.locator("#history summary").click()
    expect(page.locator('#history [data-event="returned"]')).to_contain_text(
        "returned the answers for changes (round 1)")
    expect(page.locator('#history [data-event="submitted"]')).to_have_count(2)

    # Published by staff: the certificate downloads, and its printed code checks as valid.
    validate(stack, admin, subscription_id, {"decision": "publish"})
    page.reload()
    expect(page.locator('[data-fact="status"] dd')).to_have_text("Published")
    with page.expect_download() as got:
        page.click("#certificate-download")
    pdf = Path(got.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF-"), pdf[:20]
    assert got.value.suggested_filename == f"certificate-{shown_id}.pdf"
    code = next(s.split(": ", 1)[1] for s in pdf_strings(pdf)
                if s.startswith("Verification code: "))
    verified = call(stack, "GET", f"/certificates/{code}?lang=en")
    assert verified["status"] == "valid" and verified["supplier_id"] == shown_id, verified
    assert verified["supplier_name"] == org["name"], verified
    page.click("#certificate-mail")
    expect(page.locator("[data-notice]")).to_have_text(f"A copy was sent to {email}.")

    # The supplier's list says so too, with the supplier id and renewal.
    nav.get_by_role("link", name="My subscriptions").click()
    card = page.locator(f'[data-subscription="{subscription_id}"]')
    expect(card).to_have_attribute("data-status", "published")
    expect(card.locator('[data-fact="status"] dd')).to_have_text("Published")
    expect(card.locator("[data-supplier-id]")).to_have_text(shown_id)
    expires = card.locator('[data-fact="expires"] dd').inner_text()
    card.get_by_role("button", name="Renew for a year").click()
    expect(page.locator("[data-notice]")).to_have_text(
        "The subscription was renewed for another year.")
    expect(card.locator('[data-fact="expires"] dd')).not_to_have_text(expires)
    portal.shot("networks-my-subscriptions")
    events = call(stack, "GET", f"/subscriptions/{subscription_id}/events", token=admin)["items"]
    assert [e["type"] for e in events].count("submitted") == 2, events
    assert call(stack, "GET", f"/subscriptions/{subscription_id}", token=admin)["regions"] == ["se"]


def test_an_answer_changed_elsewhere_is_reloaded_not_overwritten(
        portal: Portal, tokens: dict[str, str], supplier: tuple[dict[str, Any], str]) -> None:
    stack = portal.stack
    admin = tokens[ADMIN]
    email = supplier[1]
    network = demo_network(stack, admin)
    token = stack.login(email)
    created = call(stack, "POST", "/subscriptions", {"network_id": network["id"]},
                   token=token, expect_status=201)
    path = f"/subscriptions/{created['id']}"
    page = portal.sign_in(email)
    page.goto(f"{stack.url}/#{path}")
    expect(question(page, "offer").get_by_role("textbox")).to_be_editable()

    # A colleague answers meanwhile: the page's version is old, its save is refused (412).
    call(stack, "PUT", f"{path}/questionnaire", {"answers": {"offer": "From a colleague."}},
         token=token)
    portal.expect_http_error(412, f"{path}/questionnaire")
    question(page, "incidents").get_by_role("textbox").fill("3")
    question(page, "incidents").get_by_role("textbox").blur()
    expect(page.locator("[data-notice]")).to_contain_text("changed elsewhere meanwhile")
    expect(question(page, "offer").get_by_role("textbox")).to_have_value("From a colleague.")
    assert "incidents" not in call(stack, "GET", f"{path}/questionnaire", token=token)["answers"]

    # Another language draws the page again in it, with the answers as saved.
    page.select_option("#language-select", "sv")
    expect(page.locator("#section-health_safety-title")).to_have_text("Hälsa och säkerhet")
    expect(question(page, "offer").get_by_role("textbox")).to_have_value("From a colleague.")
    page.select_option("#language-select", "en")
    expect(page.locator("#section-health_safety-title")).to_have_text("Health and safety")

    # A phone's width: nothing scrolls sideways.
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375

    # An answer that is not a number is shown at its question, and not sent.
    question(page, "incidents").get_by_role("textbox").fill("three")
    question(page, "incidents").get_by_role("textbox").blur()
    expect(question(page, "incidents").locator(".field__error")).to_have_text(
        "Write a number, for example 1500 or 12,5.")
    expect(question(page, "incidents").get_by_role("textbox")).to_have_attribute(
        "aria-invalid", "true")

    # A supplier's user opens no staff page and no buyer's page by its address.
    for address in ("#/networks", f"#/networks/{network['id']}", "#/suppliers"):
        page.goto(f"{stack.url}/{address}")
        expect(page).to_have_url(re.compile("#/home$"))
        expect(page.locator("#home")).to_be_visible()

    # The subscription's e-mails can be muted like any other kind.
    page.goto(f"{stack.url}/#/preferences")
    expect(page.get_by_label("News of our network subscriptions")).to_be_checked()
    expect(page.locator('[data-kind="followed_supplier"]')).to_have_count(0)


def test_a_supplier_asks_for_an_edit_and_staff_approve_it(
        portal: Portal, tokens: dict[str, str], supplier: tuple[dict[str, Any], str]) -> None:
    stack = portal.stack
    admin = tokens[ADMIN]
    org, email = supplier
    subscription = submitted_subscription(stack, admin, org)
    path = f"/subscriptions/{subscription['id']}"
    page = portal.sign_in(email)
    page.goto(f"{stack.url}/#{path}")
    expect(page.locator('[data-fact="status"] dd')).to_have_text("Submitted")
    expect(question(page, "offer").get_by_role("textbox")).to_be_disabled()

    form = page.locator("#edit-request-form")
    form.get_by_label("Why do you need to change the answers?").fill("Our certificate was renewed.")
    portal.expect_http_error(400, f"{path}/edit-requests")
    form.get_by_role("button", name="Send the request").click()
    expect(form.locator("#edit-sections-error")).to_have_text("Choose at least one section.")
    form.get_by_label("Environment").check()
    form.get_by_role("button", name="Send the request").click()
    expect(page.locator("[data-notice]")).to_have_text(
        "Your request has been sent to your account manager.")
    request = page.locator("[data-edit-requests] [data-request]")
    expect(request).to_have_attribute("data-status", "open")
    expect(request).to_contain_text("Waiting for a decision")
    expect(request).to_contain_text("Environment")

    # The account manager approves it: the questionnaire goes back to the supplier.
    page.click("#sign-out")
    page = portal.sign_in(ADMIN)
    page.goto(f"{stack.url}/#{path}")
    request = page.locator("[data-edit-requests] [data-request]")
    expect(request).to_contain_text("Our certificate was renewed.")
    request.get_by_label("Anteckning till leverantören (valfri)").fill("Go ahead.")
    request.get_by_role("button", name="Godkänn").click()
    expect(page.locator("[data-notice]")).to_have_text(
        "Begäran godkändes: avsnitten är öppna igen.")
    expect(request).to_have_attribute("data-status", "approved")
    expect(page.locator('[data-fact="status"] dd')).to_have_text("Återsänd för ändringar")
    reopened = call(stack, "GET", path, token=admin)
    assert reopened["status"] == "returned" and reopened["open_sections"] == ["environment"]


# --- buyers ---------------------------------------------------------------------------------


def test_a_buyer_finds_a_published_supplier_follows_it_and_reads_its_profile(
        portal: Portal, tokens: dict[str, str]) -> None:
    stack = portal.stack
    admin = tokens[ADMIN]
    org = supplier_org(stack, admin)
    subscription = published_subscription(stack, admin, org)
    supplier_id = subscription["supplier_id"]

    page = portal.sign_in(BUYER)  # the demo buyer reads Swedish
    nav = page.get_by_role("navigation", name="Huvudmeny")
    nav.get_by_role("link", name="Leverantörer").click()
    expect(page.locator("#suppliers-title")).to_have_text("Leverantörer")
    expect(page.locator("#supplier-network")).to_have_value(subscription["network_id"])
    page.fill("#supplier-q", org["name"][:16])
    page.click("#supplier-search-submit")
    expect(page.locator("#supplier-list")).not_to_have_attribute("aria-busy", "true")
    row = page.locator(f'#supplier-list [data-supplier="{supplier_id}"]')
    expect(row).to_contain_text(org["name"])
    expect(page.locator("#supplier-list [data-supplier]")).to_have_count(1)
    # A code it does not have leaves it out; the search stays in the address.
    page.select_option("#supplier-code", "45.33")
    expect(page.locator("#supplier-list [data-supplier]")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"#/suppliers\?.*code=45\.33"))
    page.select_option("#supplier-code", "")
    page.fill("#supplier-q", supplier_id)
    page.click("#supplier-search-submit")
    expect(page.locator("#supplier-list")).not_to_have_attribute("aria-busy", "true")
    expect(page.locator("#supplier-list [data-supplier]")).to_have_count(1)

    row.get_by_role("button", name="Följ").click()
    expect(row.locator("[data-follow]")).to_have_attribute("aria-pressed", "true")
    expect(row.locator("[data-follow]")).to_have_text("Sluta följa")
    expect(page.locator(f'#followed-list [data-followed="{supplier_id}"]')).to_contain_text(
        org["name"])
    portal.shot("networks-buyer-search")

    row.get_by_role("link").click()
    expect(page.locator("#supplier-title")).to_have_text(org["name"])
    expect(page.locator("[data-supplier-id]")).to_have_text(supplier_id)
    answers = page.locator(f'[data-network="{subscription["network_id"]}"]')
    expect(answers.locator('[data-question="offer"] dd')).to_have_text("Concrete works.")
    expect(answers.locator('[data-question="tax_paid"] dd')).to_have_text("Ja")
    follow = page.locator("[data-follow]")
    expect(follow).to_have_attribute("aria-pressed", "true")
    follow.click()
    expect(follow).to_have_attribute("aria-pressed", "false")
    followed = call(stack, "GET", "/me/followed-suppliers", token=stack.login(BUYER))["items"]
    assert supplier_id not in [f["supplier_id"] for f in followed]
    page.go_back()
    expect(page.locator("#supplier-q")).to_have_value(supplier_id)

    # A buyer opens no supplier's page: not subscribing, nor a subscription by its address.
    own = f"#/subscriptions/{subscription['id']}"
    for address in ("#/subscriptions", "#/subscriptions/new", own):
        page.goto(f"{stack.url}/{address}")
        expect(page).to_have_url(re.compile("#/home$"))
        expect(page.locator("#home")).to_be_visible()


# --- staff ----------------------------------------------------------------------------------


def test_staff_return_a_submission_with_an_issue_then_publish_it(
        portal: Portal, tokens: dict[str, str]) -> None:
    stack = portal.stack
    admin = tokens[ADMIN]
    # Markup in a name the API gives is shown as text, never run.
    org = supplier_org(stack, admin, f"<img src=x onerror=alert(1)> {uuid.uuid4().hex[:6]} AB")
    subscription = submitted_subscription(stack, admin, org)
    path = f"/subscriptions/{subscription['id']}"

    page = portal.sign_in(ADMIN)  # the demo admin reads Swedish
    nav = page.get_by_role("navigation", name="Huvudmeny")
    nav.get_by_role("link", name="Nätverk").click()
    expect(page.locator("#networks-title")).to_have_text("Nätverk")
    expect(page.locator("#queue-status")).to_have_value("submitted")
    row = page.locator(f'#queue-list [data-subscription="{subscription["id"]}"]')
    expect(row).to_contain_text(org["name"])
    expect(row).to_contain_text(subscription["supplier_id"])
    portal.shot("networks-staff-queue")
    row.get_by_role("link").click()
    expect(page.locator("#review-title")).to_have_text(org["name"])
    expect(page.locator("[data-screen] img")).to_have_count(0)
    expect(page.locator('[data-question="offer"] [data-answer]')).to_have_text("Concrete works.")
    expect(page.locator('[data-question="safety_policy"] [data-answer]')).to_have_text("Ja")

    # Returning needs an issue; publishing takes none.
    page.click("#review-return")
    expect(page.locator("#review-form [data-form-error]")).to_contain_text(
        "Skriv en anmärkning vid minst en fråga")
    issue = "Ange vilka regioner ni levererar till."
    page.fill("#issue-offer", issue)
    page.click("#review-return")
    expect(page.locator("[data-notice]")).to_have_text(
        "Återsänd till leverantören med anmärkningarna.")
    expect(page.locator('[data-fact="status"]')).to_contain_text("Återsänd för ändringar")
    expect(page.locator('[data-question="offer"] .question__issues')).to_have_text(issue)
    returned = call(stack, "GET", path, token=admin)
    assert returned["status"] == "returned" and returned["issues"] == {"offer": [issue]}, returned

    # Mended and submitted again (by the API here): staff publish from the review.
    call(stack, "PUT", f"{path}/questionnaire",
         {"answers": {"offer": "Concrete works in Sweden."}}, token=admin)
    call(stack, "POST", f"{path}/submit", {}, token=admin)
    page.reload()
    expect(page.locator('[data-question="offer"] [data-answer]')).to_have_text(
        "Concrete works in Sweden.")
    page.click("#review-publish")
    expect(page.locator("[data-notice]")).to_have_text(
        "Publicerad: leverantören syns för nätverkets köpare.")
    expect(page.locator("#review-form")).to_have_count(0)
    assert call(stack, "GET", path, token=admin)["status"] == "published"
    portal.shot("networks-staff-review-published")

    # An audit of the published supplier: scheduled, then its result recorded.
    audits = page.locator("[data-audits]")
    audits.get_by_label("Datum").fill("2027-03-15")
    audits.get_by_label("Revisor").fill("Rita Revisor")
    audits.get_by_role("button", name="Planera").click()
    expect(page.locator("[data-notice]")).to_have_text("Revisionen planerades.")
    expect(audits.locator("[data-audit]")).to_have_attribute("data-result", "open")
    expect(audits.locator("[data-audit]")).to_contain_text("Rita Revisor")
    record = page.locator("#audit-result-form")
    record.get_by_label("Underkänd").check()
    record.get_by_role("button", name="Registrera resultatet").click()
    expect(record.locator("#audit-findings-error")).to_have_text(
        "Skriv avvikelserna, en per rad.")
    record.get_by_label("Godkänd").check()
    record.get_by_role("button", name="Registrera resultatet").click()
    expect(page.locator("[data-notice]")).to_have_text("Revisionens resultat registrerades.")
    expect(audits.locator("[data-audit]")).to_have_attribute("data-result", "passed")
    expect(audits.locator("#audit-form")).to_be_visible()  # the next one may be scheduled
    assert call(stack, "GET", path, token=admin)["last_audit_result"] == "passed"

    # Staff revoke the certificate: none is issued until the supplier is published again.
    page.get_by_label("Anledning").fill("Felaktiga uppgifter om försäkringen.")
    page.get_by_role("button", name="Återkalla", exact=True).click()
    expect(page.locator("[data-notice]")).to_have_text(
        "Certifikatet återkallades: dess kod godtas inte längre som giltig.")
    status, _, _ = stack.request("GET", f"{path}/certificate", token=admin,
                                 headers={"Accept": "application/pdf"})
    assert status == 422

    page.click("#review-profile")
    expect(page.locator("#supplier-title")).to_have_text(org["name"])
    expect(page.locator('[data-fact="audit"] dd')).to_have_text("Godkänd")
    expect(page.locator("[data-follow]")).to_have_count(0)  # staff follow no one


def test_staff_edit_a_network_and_the_editor_names_the_wrong_field(
        portal: Portal, tokens: dict[str, str]) -> None:
    stack = portal.stack
    admin = tokens[ADMIN]
    # A network of the test's own (the demo one stays as the other tests expect it).
    name = f"Städnätverket {uuid.uuid4().hex[:6]}"
    questions = [
        {"id": "iso9001", "type": "yes_no", "title": {"sv": "ISO 9001?"}, "required": True},
        {"id": "method", "type": "single_choice", "title": {"sv": "Metod"}, "options": [
            {"value": "wet", "label": {"sv": "Våt"}}, {"value": "dry", "label": {"sv": "Torr"}}]}]
    network = call(stack, "POST", "/networks", {
        "name": {"sv": name}, "sector": "cleaning", "regions": ["se"],
        "price_tiers": [{"up_to": None, "yearly_price": 1000}],
        "questionnaire": {"sections": [
            {"key": "quality", "title": {"sv": "Kvalitet"}, "questions": questions}]},
    }, token=admin, expect_status=201)
    page = portal.sign_in(ADMIN)
    nav = page.get_by_role("navigation", name="Huvudmeny")
    nav.get_by_role("link", name="Nätverk").click()
    page.fill("#networks-q", name)
    page.keyboard.press("Enter")
    expect(page.locator("#networks-list [data-network]")).to_have_count(1)
    page.locator("#networks-list").get_by_role("link", name=name).click()
    expect(page.locator("#network-title")).to_have_text(name)
    expect(page.locator('[data-question="iso9001"]')).to_contain_text("Ja/nej")
    expect(page.locator('[data-question="method"]')).to_contain_text("(Våt, Torr)")

    # A wrong type is named by its field, and nothing changes.
    editor = page.locator("#network-json")
    text = editor.input_value()
    portal.expect_http_error(400, f"/networks/{network['id']}")
    editor.fill(text.replace('"type": "yes_no"', '"type": "maybe"', 1))
    page.click("#network-save")
    wrong = page.locator('[data-json-errors] [data-field^="questionnaire.sections.0.questions.0"]')
    expect(wrong.first).to_contain_text(".type")
    expect(editor).to_have_attribute("aria-invalid", "true")
    editor.fill("{ not json")
    page.click("#network-save")
    expect(page.locator("[data-json-errors]")).to_contain_text("Det här är inte giltig JSON:")
    assert call(stack, "GET", f"/networks/{network['id']}", token=admin)["version"] == \
        network["version"]

    # A right change is saved and shown.
    editor.fill(text.replace(name, f"{name} Syd"))
    page.click("#network-save")
    expect(page.locator("[data-notice]")).to_have_text("Nätverket sparades.")
    expect(page.locator("#network-title")).to_have_text(f"{name} Syd")

    # Changed elsewhere meanwhile: the save is refused (412) and the page shows the network anew.
    call(stack, "PATCH", f"/networks/{network['id']}", {"sector": "facilities"}, token=admin)
    portal.expect_http_error(412, f"/networks/{network['id']}")
    editor = page.locator("#network-json")
    editor.fill(editor.input_value().replace('"cleaning"', '"laundry"'))
    page.click("#network-save")
    expect(page.locator("[data-notice]")).to_have_text(
        "Nätverket ändrades någon annanstans under tiden och har lästs in på nytt.")
    expect(page.locator('[data-fact="sector"] dd')).to_have_text("facilities")
    assert call(stack, "GET", f"/networks/{network['id']}", token=admin)["sector"] == "facilities"
