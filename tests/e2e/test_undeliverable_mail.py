"""Issue 14, item 2, over the local stack and in Chromium: a genuine bounce of the mail the
app sent a customer switches their e-mail off; the portal's e-mail settings say so, and
the customer turns it on again."""

from __future__ import annotations

import uuid
from email import message_from_string
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import make_msgid, parseaddr
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import Portal
from tests.e2e.stack import Stack

pytestmark = pytest.mark.e2e

CUSTOMER = "customer@demo.test"


def call(stack: Stack, method: str, path: str, body: Any = None, token: str | None = None,
         expect_status: int = 200) -> Any:
    status, _, answer = stack.request(method, path, body, token=token)
    assert status == expect_status, f"{method} {path} -> {status}: {answer}"
    return answer


def bounce_of(sent: dict[str, Any]) -> tuple[bytes, str]:
    """The report a receiving server sends back to our sender for ``sent``."""
    sender = parseaddr(sent["from"])[1]
    report = MIMEMultipart("report", report_type="delivery-status")
    report["From"] = "MAILER-DAEMON@mx.example.test"
    report["To"] = sender
    report["Subject"] = "Undelivered Mail Returned to Sender"
    report["Message-ID"] = make_msgid(domain="mx.example.test")
    report["X-SES-Spam-Verdict"] = "PASS"
    report["X-SES-Virus-Verdict"] = "PASS"
    report.attach(MIMEText(f"Delivery to {CUSTOMER} failed permanently."))
    report.attach(MIMEMessage(message_from_string(
        f"Final-Recipient: rfc822; {CUSTOMER}\nAction: failed\nStatus: 5.1.1\n"),
        "delivery-status"))
    report.attach(MIMEMessage(message_from_string(
        f"From: {sent['from']}\nTo: {CUSTOMER}\nReply-To: {sent['headers']['Reply-To']}\n"
        f"Message-ID: {sent['headers']['Message-ID']}\nSubject: x\n\nhi\n")))
    return report.as_bytes(), sender


@pytest.mark.parametrize("portal", ["sv-SE"], indirect=True)
def test_a_bounced_customer_sees_it_and_turns_e_mail_on_again(
        portal: Portal, tokens: dict[str, str]) -> None:
    stack = portal.stack
    token = tokens[CUSTOMER]
    try:
        ticket = call(stack, "POST", "/tickets", {
            "subject": f"Skannern {uuid.uuid4().hex[:6]}", "ticket_type_id": "question",
            "description": "Skannern sparar inga filer."}, token=token, expect_status=201)
        call(stack, "POST", "/_local/tick", {})
        outbox = call(stack, "GET", "/_local/outbox")["items"]
        sent = next(m for m in reversed(outbox)
                    if CUSTOMER in m["to"] and f"[{ticket['number']}]" in m["subject"])
        raw, sender = bounce_of(sent)
        status, _, answer = stack.request(
            "POST", f"/_local/inbound-email?recipient={quote(sender)}", raw=raw,
            headers={"Content-Type": "message/rfc822"})
        assert status == 202, answer
        assert call(stack, "GET", "/me", token=token)["email_undeliverable"] is True

        page = portal.sign_in(CUSTOMER)
        page.locator("#preferences-link").click()
        box = page.locator("#preferences-undeliverable")
        expect(box).to_be_visible()
        expect(box).to_contain_text(CUSTOMER)
        portal.shot("preferences-undeliverable")
        page.get_by_role("button", name="Skicka e-post till mig igen").click()
        expect(page.locator("#preferences-delivering")).to_have_text("E-posten är på igen.")
        expect(box).to_be_hidden()
        assert call(stack, "GET", "/me", token=token)["email_undeliverable"] is False
        page.reload()
        expect(page.locator("#preferences-title")).to_be_visible()
        expect(box).to_be_hidden()
    finally:
        call(stack, "PATCH", "/me", {"email_undeliverable": False}, token=token)
