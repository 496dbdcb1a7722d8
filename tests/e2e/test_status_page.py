"""The public status page against the local stack: read without a token over HTTP (the demo
tenant's resolved incident from last week is there), then in Chromium signed out: the page,
subscribing, and the mailed confirmation and unsubscribe links, each sending its POST only on
the reader's click (``#/status?tenant=``)."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import Portal
from tests.e2e.stack import Stack

pytestmark = pytest.mark.e2e

DEMO_INCIDENT = "Fördröjda e-postaviseringar"  # local/demo_status.py


def _mail_to(stack: Stack, address: str, within: float = 20.0) -> dict[str, Any]:
    deadline = time.monotonic() + within
    while True:
        status, _, box = stack.request("GET", "/_local/outbox")
        assert status == 200, box
        found = [m for m in box["items"] if address in m["to"]]
        if found:
            return dict(found[-1])
        assert time.monotonic() < deadline, f"no mail to {address}"
        time.sleep(0.5)


def _route(text: str, action: str) -> str:
    """The portal route of the mail's link for ``action`` (what follows ``#``)."""
    found = re.search(rf"#(/status\?tenant=demo&{action}=[^\s]+)", text)
    assert found, text
    return "#" + found.group(1)


def test_the_page_is_read_without_a_token_and_shows_last_weeks_incident(stack: Stack) -> None:
    status, _, page = stack.request("GET", "/status/demo?lang=sv")
    assert status == 200, page
    assert {"portal", "email", "api"} <= {c["id"] for c in page["components"]}
    incident = next(i for i in page["incidents"] if i["title"] == DEMO_INCIDENT)
    assert incident["status"] == "resolved" and len(incident["updates"]) == 3
    assert "actor" not in str(page)


@pytest.mark.parametrize("portal", ["sv-SE"], indirect=True)
def test_subscribe_confirm_and_unsubscribe_in_the_portal_signed_out(portal: Portal) -> None:
    address = f"status-{time.time_ns()}@example.org"
    page = portal.open("#/status?tenant=demo")
    expect(page.locator("#status-title")).to_have_text("Driftstatus")
    expect(page.locator(".status__components")).to_contain_text("Portal")
    expect(page.locator(".status__incident").first).to_be_visible()
    expect(page.locator(".status")).to_contain_text(DEMO_INCIDENT)
    expect(page.locator("#account")).to_be_hidden()

    page.fill("#status-email", address)
    page.click(".status form button[type=submit]")
    expect(page.locator(".status form [role=status]")).to_contain_text("bekräftelselänk")
    mail = _mail_to(portal.stack, address)

    page = portal.open(_route(mail["text"], "confirm"))
    link = page.locator(".status__link")
    expect(link).to_contain_text("Bekräfta att du vill få e-post")
    link.locator("button").click()
    expect(link.locator("[role=status]")).to_have_text(
        "Klart: du får e-post om driftstörningar.")

    page = portal.open(_route(mail["text"], "unsubscribe"))
    link = page.locator(".status__link")
    link.locator("button").click()
    expect(link.locator("[role=status]")).to_have_text(
        "Klart: du får ingen mer e-post om driftstörningar.")
