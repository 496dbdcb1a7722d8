"""One local stack shared by the e2e tests of a run (tests that restart a stack start
their own)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

# The browser tests' fixtures (playwright, browser, portal), for every module that uses them.
from tests.e2e.browser import browser, playwright, portal  # noqa: F401
from tests.e2e.stack import Stack

DEMO_USERS = tuple(f"{who}@{tenant}.test" for tenant in ("demo", "other")
                   for who in ("admin", "agent", "customer"))


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The seed's tickets notify their people at once; the tests start from read inboxes,
    so the seed's notifications are delivered (a tick drains every queue) and read first."""
    running = Stack(state_dir=Path(tmp_path_factory.mktemp("stack"))).start()
    read_every_inbox(running, {email: running.login(email) for email in DEMO_USERS})
    yield running
    running.stop()


@pytest.fixture(scope="session")
def tokens(stack: Stack) -> dict[str, str]:
    """A token per demo user: ``admin@demo.test`` and so on."""
    return {email: stack.login(email) for email in DEMO_USERS}


def mark_all_read(stack: Stack, token: str) -> None:
    cursor = ""
    while True:
        status, _, page = stack.request("GET", f"/notifications?limit=100{cursor}", token=token)
        assert status == 200, page
        for item in page["items"]:
            if not item["read_at"]:
                stack.request("POST", f"/notifications/{item['id']}/read", {}, token=token)
        if not page.get("next_cursor"):
            return
        cursor = f"&cursor={quote(page['next_cursor'])}"


def read_every_inbox(stack: Stack, tokens: dict[str, str]) -> None:
    """Delivers what is on its way (a tick drains every queue, after the sweeps due now),
    then marks every demo user's notifications read. Notifications arrive within a second
    of a change, so a test that sees an inbox must start from this, not from luck."""
    status, _, body = stack.request("POST", "/_local/tick", {})
    assert status == 200, body
    for token in tokens.values():
        mark_all_read(stack, token)


@pytest.fixture
def inboxes_read_afterwards(stack: Stack, tokens: dict[str, str]) -> Iterator[None]:
    """A test's own tickets and ticks fill the demo users' in-app inboxes; the browser
    tests expect them empty, so all is delivered and marked read after."""
    yield
    read_every_inbox(stack, tokens)


@pytest.fixture
def inboxes_read_before(stack: Stack, tokens: dict[str, str]) -> None:
    """For a test that shows an inbox: whatever earlier tests caused is delivered and read."""
    read_every_inbox(stack, tokens)
