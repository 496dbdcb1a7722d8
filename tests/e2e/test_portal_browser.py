"""The portal in a real browser: Chromium from the distribution (never a Playwright
download), driven by Playwright against the local stack's one origin.

Every test gets a fresh browser context (so a fresh sessionStorage) and fails when the
page logs a console error, throws, or trips the Content Security Policy — except the
"Failed to load resource" lines Chromium logs for the 4xx answers a test provokes on
purpose. Screenshots of the main screens land in tests/e2e/screenshots/ (git-ignored).

Run ``scripts/ensure-chromium.sh`` once if /usr/bin/chromium is missing.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import (
    Request,
    Route,
    expect,
)

from tests.e2e.browser import Portal, problem
from tests.e2e.stack import PASSWORD, Stack

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("inboxes_read_before")]

PORTAL = Path(__file__).resolve().parents[2] / "portal"


# --- fixtures ---------------------------------------------------------------------------


def login_answer(stack: Stack, email: str) -> dict[str, Any]:
    status, _, body = stack.request("POST", "/auth/login", {"email": email, "password": PASSWORD})
    assert status == 200, body
    return dict(body)


# --- signing in -------------------------------------------------------------------------


def test_a_customer_signs_in_and_sees_the_contact_home(portal: Portal) -> None:
    page = portal.sign_in("customer@demo.test")
    home = page.locator("#home")
    expect(home).to_have_attribute("data-kind", "contact")
    expect(page.locator("html")).to_have_attribute("lang", "sv")  # the user's language
    expect(page.locator("#home-title")).to_have_text("Välkommen, Carl Customer")
    expect(page.locator('[data-fact="name"]')).to_have_text("Carl Customer")
    expect(page.locator('[data-fact="email"]')).to_have_text("customer@demo.test")
    expect(page.locator('[data-fact="tenant"]')).to_have_text("demo")
    expect(page.locator('[data-fact="kind"]')).to_have_text("Kundkontakt")
    expect(page.locator('[data-fact="roles"]')).to_have_text("Kund")
    expect(page.locator("#account-name")).to_have_text("Carl Customer")
    # A contact's one work area: "My tickets", built (no "coming soon" mark).
    expect(page.locator("[data-module]")).to_have_count(1)
    expect(page.locator('[data-module="my_tickets"]')).to_contain_text("Mina ärenden")
    expect(page.locator('[data-module="my_tickets"]')).not_to_contain_text("Kommer snart")
    expect(page.locator(".mainnav__link")).to_have_text(
        [re.compile("^Start"), re.compile("^Mina ärenden")])
    expect(page.locator("[data-inbox-summary]")).to_have_text("Du har inga olästa aviseringar.")
    expect(page.locator("#notifications-badge")).to_be_hidden()
    # The tokens are in this tab's sessionStorage, never in localStorage.
    saved = json.loads(portal.session_storage()["helpdesk.session"])
    assert saved["token"] and saved["refreshToken"]
    assert page.evaluate("() => localStorage.length") == 0
    portal.shot("home-contact")

    page.click('[data-module="my_tickets"]')
    expect(page.locator("#tickets-title")).to_have_text("Mina ärenden")
    expect(page.locator('[data-screen="tickets"]')).to_have_attribute("data-list", "mine")
    expect(page.locator("#tickets-title")).to_be_focused()


def test_the_home_page_fits_a_375_px_phone(portal: Portal) -> None:
    portal.page.set_viewport_size({"width": 375, "height": 740})
    page = portal.open()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    portal.shot("login-375")
    portal.sign_in("admin@demo.test")
    expect(page.locator('[data-module="tickets"]')).to_be_visible()
    expect(page.locator("[data-inbox-summary]")).to_have_text("Du har inga olästa aviseringar.")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    expect(page.locator("#sign-out")).to_be_in_viewport()
    portal.shot("home-staff-375")


def test_an_admin_sees_the_staff_navigation(portal: Portal) -> None:
    page = portal.sign_in("admin@demo.test")
    expect(page.locator("#home")).to_have_attribute("data-kind", "staff")
    expect(page.locator('[data-fact="kind"]')).to_have_text("Personal")
    expect(page.locator('[data-fact="roles"]')).to_have_text("Administratör")
    nav = page.get_by_role("navigation", name="Huvudmeny")
    expect(nav.get_by_role("link")).to_have_text([
        "Start",
        "Ärendekö",
        "Kontaktordrar",
        "Att göra",
        "Register",
        "Nätverk",
        "Kundärenden",
        "Hjälpartiklar",
        "Driftstörningar",
        "Chatt",
        "Rapporter",
    ])
    expect(page.locator("[data-module]")).to_have_count(10)
    expect(page.locator('[data-module="my_tickets"]')).to_have_count(0)
    expect(nav.get_by_role("link", name="Start")).to_have_attribute("aria-current", "page")
    portal.shot("home-staff")

    nav.get_by_role("link", name="Ärendekö").click()
    expect(page).to_have_url(re.compile("#/tickets$"))
    expect(page.locator("#tickets-title")).to_have_text("Ärendekö")
    expect(page.locator('[data-screen="tickets"]')).to_have_attribute("data-list", "queue")
    expect(nav.get_by_role("link", name="Ärendekö")).to_have_attribute("aria-current", "page")

    # Client cases (issue 19): its own screen, with its tabs (test_client_cases_browser.py).
    nav.get_by_role("link", name="Kundärenden").click()
    expect(page).to_have_url(re.compile("#/client-cases$"))
    expect(page.locator("#cc-title")).to_have_text("Kundärenden")
    expect(page.locator('[data-screen="client-cases"] .cc-tabs')).to_be_visible()
    expect(nav.get_by_role("link", name="Kundärenden")).to_have_attribute("aria-current", "page")


def test_a_contact_cannot_open_a_staff_area_by_its_address(portal: Portal) -> None:
    page = portal.sign_in("customer@demo.test")
    page.goto(f"{portal.stack.url}/#/tickets")
    expect(page).to_have_url(re.compile("#/home$"))
    expect(page.locator("#home")).to_have_attribute("data-kind", "contact")


def test_a_wrong_password_shows_an_error(portal: Portal) -> None:
    portal.expect_http_error(401, "/auth/login")
    page = portal.open()
    page.fill("#login-email", "customer@demo.test")
    page.fill("#login-password", "not-the-password")
    page.click("#login-submit")
    alert = page.locator("#login-form [role=alert]")
    expect(alert).to_have_text("The e-mail address or password is wrong.")
    expect(page).to_have_url(re.compile("#/login$"))
    expect(page.locator("#login-password")).to_have_value("")
    expect(page.locator("#login-submit")).to_have_text("Sign in")  # no longer busy
    assert "helpdesk.session" not in portal.session_storage()
    portal.shot("login-wrong-password")


def test_an_invalid_email_is_shown_next_to_the_email_field(portal: Portal) -> None:
    portal.expect_http_error(400, "/auth/login")
    page = portal.open()
    page.fill("#login-email", "not-an-address")
    page.fill("#login-password", "whatever")
    page.click("#login-submit")
    email = page.locator("#login-email")
    error = page.locator("#login-email-error")  # placed by the API's loc ["body", "email"]
    expect(error).to_have_text("Enter a valid e-mail address, like name@example.com.")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description(re.compile("Enter a valid e-mail address"))
    expect(email).to_be_focused()
    expect(page.locator("#login-password-error")).to_be_empty()
    expect(page.locator("#login-password")).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("#login-form [role=alert]")).to_have_text("Check the marked fields.")
    portal.shot("login-invalid-email")

    # The messages follow a language switch; a corrected field loses its error on the next try.
    page.select_option("#language-select", "fi")
    expect(error).to_have_text(re.compile("^Anna kelvollinen sähköpostiosoite"))
    page.fill("#login-email", "customer@demo.test")
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    expect(page.locator("#home")).to_be_visible()


def test_the_button_shows_that_the_request_is_running(portal: Portal) -> None:
    held: list[Route] = []
    page = portal.open()
    page.route("**/auth/login", lambda route: held.append(route))
    page.fill("#login-email", "customer@demo.test")
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    button = page.locator("#login-submit")
    expect(button).to_have_text("Signing in…")
    expect(button).to_have_attribute("aria-disabled", "true")
    expect(button).to_have_class(re.compile(r"\bis-busy\b"))
    expect(page.locator("#login-form")).to_have_attribute("aria-busy", "true")
    page.click("#login-submit", force=True)  # a second click while busy sends nothing
    page.wait_for_timeout(200)
    assert len(held) == 1
    held[0].continue_()
    expect(page.locator("#home")).to_be_visible()


def test_signing_in_works_with_the_keyboard_alone(portal: Portal) -> None:
    page = portal.open()
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.id") == "login-email":
            break
    email = page.locator("#login-email")
    expect(email).to_be_focused()
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "the focused field shows no focus ring"
    page.keyboard.type("agent@demo.test")
    page.keyboard.press("Tab")
    expect(page.locator("#login-password")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("#home")).to_be_visible()
    # An agent has no networks permission: that area is not offered.
    expect(page.locator('[data-module="tickets"]')).to_be_visible()
    expect(page.locator('[data-module="networks"]')).to_have_count(0)


# --- language ---------------------------------------------------------------------------


@pytest.mark.parametrize("portal", ["sv-SE"], indirect=True)
def test_the_language_follows_the_browser_and_the_selector(portal: Portal) -> None:
    page = portal.open()
    html, title = page.locator("html"), page.locator("#login-title")
    expect(html).to_have_attribute("lang", "sv")  # from navigator.language
    expect(title).to_have_text("Logga in")
    expect(page.locator('label[for="login-email"]')).to_have_text("E-postadress")
    expect(page.locator("#language-select")).to_have_value("sv")
    portal.shot("login-sv")

    page.select_option("#language-select", "en")
    expect(html).to_have_attribute("lang", "en")
    expect(title).to_have_text("Sign in")
    expect(page.locator('label[for="login-password"]')).to_have_text("Password")
    expect(page.locator("#login-submit")).to_have_text("Sign in")
    assert page.title() == "Sign in \N{EN DASH} Helpdesk"

    page.select_option("#language-select", "fi")
    expect(html).to_have_attribute("lang", "fi")
    expect(title).to_have_text("Kirjaudu sisään")
    expect(page.locator('label[for="login-email"]')).to_have_text("Sähköpostiosoite")
    expect(page.locator("#forgot-link")).to_have_text("Unohditko salasanasi?")
    portal.shot("login-fi")

    # The choice lasts for the tab: a reload keeps Finnish.
    assert portal.session_storage()["helpdesk.language"] == "fi"
    page.reload()
    expect(title).to_have_text("Kirjaudu sisään")
    expect(html).to_have_attribute("lang", "fi")


def test_the_language_can_be_switched_after_signing_in(portal: Portal) -> None:
    page = portal.sign_in("admin@other.test")  # a Finnish-speaking user
    expect(page.locator("html")).to_have_attribute("lang", "fi")
    expect(page.locator("#home-title")).to_have_text("Tervetuloa, Ada Admin")
    expect(page.locator("#sign-out")).to_have_text("Kirjaudu ulos")
    page.select_option("#language-select", "en")
    expect(page.locator("#home-title")).to_have_text("Welcome, Ada Admin")
    expect(page.locator('[data-fact="kind"]')).to_have_text("Staff")
    expect(page.locator('[data-module="tickets"]')).to_contain_text("Ticket queue")
    expect(page.locator('[data-module="client_cases"]')).to_contain_text("Client cases")
    expect(page.locator("#home-work-title")).to_have_text("Your queue")
    page.reload()
    expect(page.locator("#home-title")).to_have_text("Welcome, Ada Admin")


# --- the session ------------------------------------------------------------------------


def test_signing_out_returns_to_the_login_and_forgets_the_token(portal: Portal) -> None:
    page = portal.sign_in("customer@demo.test")
    token = json.loads(portal.session_storage()["helpdesk.session"])["token"]
    page.get_by_role("button", name="Logga ut").click()
    expect(page).to_have_url(re.compile("#/login$"))
    expect(page.locator("#login-title")).to_be_visible()
    expect(page.locator("[data-notice]")).to_have_text("Du har loggat ut.")
    expect(page.locator("#login-email")).to_have_value("")  # who it was is not shown either
    expect(page.locator("#account")).to_be_hidden()
    expect(page.locator("#mainnav")).to_be_hidden()
    stored = portal.session_storage()
    assert "helpdesk.session" not in stored
    assert all(token not in value for value in stored.values())
    assert page.evaluate("() => localStorage.length") == 0
    portal.shot("signed-out")
    # The signed-in pages stay closed, also after a reload.
    page.goto(f"{portal.stack.url}/#/home")
    page.reload()
    expect(page).to_have_url(re.compile("#/login$"))


def test_the_session_survives_a_reload_but_not_a_new_tab(portal: Portal) -> None:
    page = portal.sign_in("agent@demo.test")
    page.reload()
    expect(page.locator("#home")).to_be_visible()
    expect(page.locator('[data-fact="email"]')).to_have_text("agent@demo.test")
    other_tab = page.context.new_page()
    other_tab.goto(f"{portal.stack.url}/#/home")
    expect(other_tab.locator("#login-title")).to_be_visible()
    other_tab.close()


def test_a_session_that_can_no_longer_be_renewed_ends_at_the_login(portal: Portal) -> None:
    portal.expect_http_error(401, "/me")
    portal.expect_http_error(401, "/auth/refresh")
    page = portal.open()
    page.evaluate("""() => sessionStorage.setItem("helpdesk.session", JSON.stringify({
        token: "not-a-token", refreshToken: "revoked", expiresAt: Date.now() + 3600000,
        lifetimeMs: 3600000}))""")
    page.goto(f"{portal.stack.url}/#/home")
    page.reload()
    expect(page).to_have_url(re.compile("#/login$"))
    expect(page.locator("[data-notice]")).to_have_text("Your session has ended. Sign in again.")
    assert "helpdesk.session" not in portal.session_storage()


def test_the_token_is_renewed_before_it_expires(portal: Portal) -> None:
    answer = login_answer(portal.stack, "customer@demo.test")
    answer["expires_in"] = 3  # renewed a second before expiry, so after about two seconds
    page = portal.page
    page.route("**/auth/login", lambda route: route.fulfill(status=200, json=answer))
    with page.expect_request("**/auth/refresh", timeout=10_000) as renewal:
        portal.sign_in("customer@demo.test")
    assert renewal.value.post_data_json == {"refresh_token": answer["refresh_token"]}
    response = renewal.value.response()
    assert response is not None and response.status == 200
    # The real renewal's token lives an hour; the portal keeps it and stays signed in.
    page.wait_for_function("() => JSON.parse(sessionStorage.getItem('helpdesk.session'))"
                           ".expiresAt - Date.now() > 60000")
    saved = json.loads(portal.session_storage()["helpdesk.session"])
    assert saved["token"] != answer["token"]
    expect(page.locator("#home")).to_be_visible()


# --- passwords --------------------------------------------------------------------------


def test_a_forgotten_password_is_reset_with_the_mailed_code(portal: Portal) -> None:
    # Local Cognito (moto) accepts any code; the password is set to the one it had, so the
    # shared stack's demo logins keep working.
    portal.expect_http_error(400, "/auth/reset-password")
    page = portal.open()
    page.click("#forgot-link")
    expect(page.locator("#forgot-title")).to_have_text("Forgot your password?")
    expect(page.locator("#forgot-title")).to_be_focused()
    page.fill("#forgot-email", "agent@other.test")
    portal.shot("forgot")
    page.click("#forgot-submit")

    expect(page).to_have_url(re.compile("#/reset$"))
    expect(page.locator("[data-notice]")).to_contain_text("a code is on its way")
    expect(page.locator("#reset-email")).to_have_value("agent@other.test")
    expect(page.locator("#reset-code")).to_be_focused()
    page.fill("#reset-password", PASSWORD)
    page.fill("#reset-confirm", PASSWORD + "x")
    page.click("#reset-submit")
    expect(page.locator("#reset-confirm-error")).to_have_text("The passwords do not match.")
    page.fill("#reset-confirm", PASSWORD)
    page.click("#reset-submit")  # no code: the API names the field
    expect(page.locator("#reset-code-error")).to_contain_text("Check the code.")
    expect(page.locator("#reset-confirm-error")).to_be_empty()
    expect(page.locator("#reset-code")).to_be_focused()
    portal.shot("reset")
    page.fill("#reset-code", "123456")
    page.click("#reset-submit")

    expect(page).to_have_url(re.compile("#/login$"))
    expect(page.locator("[data-notice]")).to_have_text(
        "Your password has been changed. Sign in with the new password.")
    expect(page.locator("#login-email")).to_have_value("agent@other.test")
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    expect(page.locator('[data-fact="email"]')).to_have_text("agent@other.test")


def test_the_first_sign_in_asks_for_a_new_password(portal: Portal) -> None:
    # A user with a temporary password cannot be made from outside the stack (Cognito
    # mails the temporary password), so the challenge is played by the network layer;
    # the final answer is a real sign-in.
    portal.expect_http_error(401, "/auth/login")
    portal.expect_http_error(400, "/auth/new-password")
    page = portal.page
    signed_in = login_answer(portal.stack, "customer@demo.test")
    sent: list[dict[str, Any]] = []

    def login(route: Route, request: Request) -> None:
        route.fulfill(**problem(401, "Choose a new password to finish signing in.",
                                challenge="NEW_PASSWORD_REQUIRED", session="session-123"))

    def new_password(route: Route, request: Request) -> None:
        sent.append(request.post_data_json)
        if len(sent) == 1:
            route.fulfill(**problem(400, "The password does not meet the policy.", [
                {"loc": ["body", "password"], "msg": "Password must have symbols"}]))
        else:
            route.fulfill(status=200, json=signed_in)

    page.route("**/auth/login", login)
    page.route("**/auth/new-password", new_password)
    portal.open()
    page.fill("#login-email", "customer@demo.test")
    page.fill("#login-password", "Temporary-1")
    page.click("#login-submit")

    expect(page).to_have_url(re.compile("#/new-password$"))
    expect(page.locator("#new-password-title")).to_have_text("Choose your password")
    expect(page.locator("#new-password-email")).to_have_value("customer@demo.test")
    expect(page.locator("#new-password-password")).to_be_focused()
    portal.shot("new-password")
    page.fill("#new-password-password", "weakweakweak")
    page.fill("#new-password-confirm", "weakweakweak")
    page.click("#new-password-submit")
    expect(page.locator("#new-password-password-error")).to_contain_text(
        "Choose a stronger password")
    page.fill("#new-password-password", PASSWORD)
    page.fill("#new-password-confirm", PASSWORD)
    page.click("#new-password-submit")
    expect(page.locator("#home")).to_be_visible()
    assert sent == [
        {"email": "customer@demo.test", "session": "session-123", "password": "weakweakweak"},
        {"email": "customer@demo.test", "session": "session-123", "password": PASSWORD},
    ]


def test_the_new_password_step_needs_a_pending_sign_in(portal: Portal) -> None:
    page = portal.open("#/new-password")
    expect(page).to_have_url(re.compile("#/login$"))


# --- notifications ----------------------------------------------------------------------


def test_the_badge_counts_unread_notifications_and_shows_them_as_text(portal: Portal) -> None:
    hostile = '<img src="x" onerror="window.pwned = true">Ticket T-1001 <b>answered</b>'
    inbox = {
        "items": [
            {"id": "n1", "kind": "ticket_commented", "title": hostile,
             "body": "Carl wrote:\n<script>window.pwned = true</script>",
             "link": "javascript:window.pwned = true", "created_at": "2026-11-22T09:30:00Z",
             "read_at": None},
            {"id": "n2", "kind": "ticket_resolved", "title": "T-1000 resolved", "body": "",
             "link": "#/my-tickets", "created_at": "2026-11-21T08:00:00Z",
             "read_at": "2026-11-21T09:00:00Z"},
        ],
        "next_cursor": None,
        "unread_count": 3,
    }
    read: list[str] = []

    def mark_read(route: Route, request: Request) -> None:
        read.append(request.url)
        inbox["unread_count"] = 2
        route.fulfill(status=200, json={**inbox["items"][0], "read_at": "2026-11-22T10:00:00Z"})

    page = portal.page
    page.route(re.compile(r"/notifications\?"), lambda route: route.fulfill(status=200, json=inbox))
    page.route("**/notifications/n1/read", mark_read)
    portal.sign_in("customer@demo.test")

    link = page.locator("#notifications-link")
    expect(page.locator("#notifications-badge")).to_have_text("3")
    expect(link).to_have_accessible_name("Aviseringar, 3 olästa")
    expect(page.locator("[data-inbox-summary]")).to_have_text("Du har 3 olästa aviseringar.")
    link.click()

    items = page.locator("#notifications-list > li")
    expect(items).to_have_count(2)
    expect(items.nth(0).locator(".note__title")).to_have_text(hostile)
    expect(items.nth(0).locator(".note__body")).to_contain_text("<script>")
    expect(page.locator("#notifications-list img, #notifications-list script")).to_have_count(0)
    expect(items.nth(0).locator("a")).to_have_count(0)  # a javascript: link is no link
    expect(items.nth(1).locator("a")).to_have_attribute("href", "#/my-tickets")
    portal.shot("notifications")

    items.nth(0).get_by_role("button", name="Markera som läst").click()
    expect(page.locator("#notifications-badge")).to_have_text("2")
    expect(items.nth(0).get_by_role("button")).to_have_count(0)
    assert len(read) == 1
    assert page.evaluate("() => window.pwned") is None


# --- the portal's source ----------------------------------------------------------------


def _keys(tree: dict[str, Any], prefix: str = "") -> set[str]:
    keys: set[str] = set()
    for name, value in tree.items():
        if isinstance(value, dict) and not {"one", "other"} >= value.keys():
            keys |= _keys(value, f"{prefix}{name}.")
        else:
            keys.add(f"{prefix}{name}")
    return keys


def test_the_three_languages_have_the_same_texts() -> None:
    catalogs = {lang: json.loads((PORTAL / "i18n" / f"{lang}.json").read_text("utf-8"))
                for lang in ("sv", "fi", "en")}
    english = _keys(catalogs["en"])
    for lang in ("sv", "fi"):
        assert _keys(catalogs[lang]) == english, lang


def test_the_portal_source_never_builds_html_from_strings() -> None:
    scripts = {path.name: path.read_text("utf-8") for path in PORTAL.rglob("*.js")}
    for name, text in scripts.items():
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert sink not in text, f"{name} uses {sink}"
    page = (PORTAL / "index.html").read_text("utf-8")
    assert "<style" not in page and " style=" not in page
    assert re.findall(r"<script\b[^>]*>", page) == ['<script type="module" src="js/app.js">']
