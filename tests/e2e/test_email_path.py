"""The e-mail channel over real HTTP against the local stack: a customer answers the
notification in ``/_local/outbox`` by mail (posted to ``/_local/inbound-email``, which
goes through the inbound bucket, S3's notice and the inbound queue as on AWS), and the
answer is a comment on the ticket; mail to the support address opens a ticket."""

from __future__ import annotations

import time
import uuid
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any
from urllib.parse import quote

import pytest

from tests.e2e.stack import Stack

pytestmark = pytest.mark.e2e

CUSTOMER, AGENT = "customer@demo.test", "agent@demo.test"
SMTP = policy.SMTP.clone(max_line_length=998)  # a real client never folds Message-IDs


def wait_for_mail(stack: Stack, number: str, to: str, containing: str,
                  within: float) -> dict[str, Any]:
    """The mail about ticket ``number`` to ``to`` whose text holds ``containing``, as soon as
    it is in ``/_local/outbox``; fails after ``within`` seconds, listing what did come."""
    deadline = time.monotonic() + within
    while True:
        status, _, box = stack.request("GET", "/_local/outbox")
        assert status == 200
        about = [m for m in box["items"] if f"[{number}]" in m["subject"] and to in m["to"]]
        found = [m for m in about if containing in m["text"]]
        if found:
            return dict(found[-1])
        assert time.monotonic() < deadline, (
            f"no mail about {number} to {to} containing {containing!r} within {within} s; "
            f"came: {[m['subject'] for m in about]}")
        time.sleep(0.05)


def _verified(mail: EmailMessage) -> None:
    mail["X-SES-Spam-Verdict"] = "PASS"
    mail["X-SES-Virus-Verdict"] = "PASS"
    mail["Authentication-Results"] = ("amazonses.com; spf=pass smtp.mailfrom=demo.test; "
                                      "dkim=pass header.i=@demo.test; dmarc=pass")


def _send(stack: Stack, mail: EmailMessage, recipient: str) -> None:
    status, _, answer = stack.request(
        "POST", f"/_local/inbound-email?recipient={quote(recipient)}",
        raw=mail.as_bytes(policy=SMTP), headers={"Content-Type": "message/rfc822"})
    assert status == 202, answer


@pytest.mark.usefixtures("inboxes_read_afterwards")
def test_a_customer_answers_a_notification_by_mail(stack: Stack) -> None:
    customer, agent = stack.login(CUSTOMER), stack.login(AGENT)
    status, _, ticket = stack.request("POST", "/tickets", {
        "subject": f"Lönefilen går inte att läsa in {uuid.uuid4().hex[:6]}",
        "ticket_type_id": "question", "description": "Filen från banken ger fel 17."},
        token=customer)
    assert status == 201, ticket
    status, _, comment = stack.request("POST", f"/tickets/{ticket['id']}/comments",
                                       {"body": "Vilken bank gäller det?"}, token=agent)
    assert status == 201, comment
    # No tick: the comment's notification is sent when it commits and the queue pump
    # delivers it (within a second or so on an idle machine). The bound only ends a broken
    # run; how fast is a measurement, not an assertion (a loaded CI machine is slower).
    sent = wait_for_mail(stack, ticket["number"], CUSTOMER, "Vilken bank gäller det?",
                         within=60.0)
    h = sent["headers"]
    reply = EmailMessage()
    reply["From"] = f"Carl Customer <{CUSTOMER}>"
    reply["To"] = h["Reply-To"]
    reply["Subject"] = f"SV: {sent['subject']}"
    reply["Date"] = formatdate(localtime=True)
    reply["Message-ID"] = make_msgid(domain="demo.test")
    reply["In-Reply-To"] = h["Message-ID"]
    reply["References"] = f"{h['References']} {h['Message-ID']}"
    _verified(reply)
    quoted = "\n".join(f"> {line}" for line in sent["text"].splitlines())
    reply.set_content("Det gäller Handelsbanken, filen heter lon_2026-11.xml.\n\n"
                      f"Den {formatdate()} skrev Demo Support <noreply@helpdesk.localhost>:\n"
                      f"{quoted}\n")
    _send(stack, reply, h["Reply-To"].split("<")[-1].rstrip(">"))
    # The same mail again (a client's retry) changes nothing.
    _send(stack, reply, h["Reply-To"].split("<")[-1].rstrip(">"))

    status, _, thread = stack.request("GET", f"/tickets/{ticket['id']}/comments", token=agent)
    assert status == 200
    bodies = [c["body"] for c in thread["items"]]
    assert bodies == ["Vilken bank gäller det?",
                      "Det gäller Handelsbanken, filen heter lon_2026-11.xml."]
    assert thread["items"][-1]["via"] == "email"


def test_mail_to_the_support_address_opens_a_ticket(stack: Stack) -> None:
    customer = stack.login(CUSTOMER)
    subject = f"Inloggningen fungerar inte {uuid.uuid4().hex[:6]}"
    mail = EmailMessage()
    mail["From"] = CUSTOMER
    mail["To"] = "demo@helpdesk.localhost"
    mail["Subject"] = subject
    mail["Date"] = formatdate(localtime=True)
    mail["Message-ID"] = make_msgid(domain="demo.test")
    _verified(mail)
    mail.set_content("Hej!\n\nJag får fel lösenord sedan i morse.\n\nSkickat från min iPhone")
    _send(stack, mail, "demo@helpdesk.localhost")
    status, _, found = stack.request("GET", f"/tickets?q={quote(subject.split()[-1])}",
                                     token=customer)
    assert status == 200
    (ticket,) = [t for t in found["items"] if t["subject"] == subject]
    assert ticket["channel"] == "email"
    status, _, full = stack.request("GET", f"/tickets/{ticket['id']}", token=customer)
    assert full["description"] == "Hej!\n\nJag får fel lösenord sedan i morse."


def test_the_inbound_endpoint_refuses_what_is_no_message(stack: Stack) -> None:
    status, _, problem = stack.request("POST", "/_local/inbound-email", raw=b"x")
    assert status == 400 and "recipient" in problem["detail"]
    status, _, problem = stack.request("POST", "/_local/inbound-email?recipient=a%40b.c",
                                       raw=b"  ")
    assert status == 400
