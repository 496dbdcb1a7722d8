"""The browser harness shared by the portal's browser tests: Chromium from the
distribution (never a Playwright download), driven by Playwright against the local
stack's one origin.

Every test gets a fresh browser context (so a fresh sessionStorage) and fails when the
page logs a console error, throws, or trips the Content Security Policy — except the
"Failed to load resource" lines Chromium logs for the 4xx answers a test provokes on
purpose (``Portal.expect_http_error``). ``tests/e2e/conftest.py`` registers the fixtures.

Run ``scripts/ensure-chromium.sh`` once if /usr/bin/chromium is missing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Playwright,
    expect,
    sync_playwright,
)

from tests.e2e.stack import PASSWORD, Stack

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).parent / "screenshots"
FAILED_RESOURCE = re.compile(
    r"Failed to load resource: the server responded with a status of (\d+)")
# Reports every securitypolicyviolation event to Python, on every document of the page.
CSP_PROBE = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportCspViolation(`${event.violatedDirective} blocked ${event.blockedURI}`);
});
"""



@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/ensure-chromium.sh (it installs the "
                    "distribution's chromium package), then run the tests again.")
    launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield launched
    launched.close()


@dataclass
class Portal:
    """A page on the portal, with the problems it reported."""

    page: Page
    stack: Stack
    problems: list[str] = field(default_factory=list)
    expected_http_errors: set[tuple[int, str]] = field(default_factory=set)

    def expect_http_error(self, status: int, path: str) -> None:
        """The test provokes this answer; Chromium's console line about it is no problem."""
        self.expected_http_errors.add((status, path))

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "warning" and message.text.startswith("i18n:"):
            self.problems.append(f"missing text: {message.text}")
        if message.type != "error":
            return
        failed = FAILED_RESOURCE.search(message.text)
        path = urlsplit(message.location.get("url", "")).path
        if failed and (int(failed.group(1)), path) in self.expected_http_errors:
            return
        self.problems.append(f"console error: {message.text} ({message.location.get('url')})")

    def open(self, route: str = "#/login") -> Page:
        self.page.goto(f"{self.stack.url}/{route}")
        expect(self.page.locator("[data-screen]")).to_be_visible()
        return self.page

    def sign_in(self, email: str, password: str = PASSWORD) -> Page:
        page = self.open("#/login")
        page.fill("#login-email", email)
        page.fill("#login-password", password)
        page.click("#login-submit")
        expect(page.locator("#home")).to_be_visible()
        return page

    def shot(self, name: str) -> None:
        SCREENSHOTS.mkdir(exist_ok=True)
        self.page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)

    def session_storage(self) -> dict[str, str]:
        return dict(self.page.evaluate("() => ({...sessionStorage})"))


def watched_portal(browser: Browser, stack: Stack, locale: str) -> Iterator[Portal]:
    """A fresh browser context's page, failing afterwards on any problem it reported (a
    test with two people, e.g. the chat's customer and agent, makes a second one)."""
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    watched = Portal(page=page, stack=stack)
    context.expose_function("reportCspViolation",
                            lambda text: watched.problems.append(f"CSP violation: {text}"))
    context.add_init_script(CSP_PROBE)
    page.on("console", watched.on_console)
    page.on("pageerror", lambda error: watched.problems.append(f"page error: {error}"))
    yield watched
    page.wait_for_timeout(100)  # let late console messages arrive
    context.close()
    assert not watched.problems, "the page reported problems:\n" + "\n".join(watched.problems)


@pytest.fixture
def portal(browser: Browser, stack: Stack, request: pytest.FixtureRequest) -> Iterator[Portal]:
    yield from watched_portal(browser, stack, getattr(request, "param", "en-GB"))


def problem(status: int, detail: str, errors: list[dict[str, Any]] | None = None,
            **extra: Any) -> dict[str, Any]:
    return {"status": status, "content_type": "application/problem+json",
            "body": json.dumps({"type": f"https://helpdesk.dev/problems/{status}",
                                "title": "Problem", "status": status, "detail": detail,
                                "errors": errors or [], **extra})}
