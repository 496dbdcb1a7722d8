"""The envelope recipient read from SES's ``Received`` header (issue 14, item 9): only the
topmost header counts, a bounded part of it is read, and hostile headers finish."""

from __future__ import annotations

import pytest

from chalicelib.services.inbound_mail import RECEIVED_MAX_CHARS, envelope_recipients

SES = ("Received: from mail-ed1-f41.google.com (mail-ed1-f41.google.com [209.85.208.41])\r\n"
       " by inbound-smtp.eu-west-1.amazonaws.com with SMTP id 7q0m1l3ojv2bq1v8\r\n"
       " for {for};\r\n Mon, 23 Nov 2026 09:02:11 +0000 (UTC)\r\n")


def mail(*received: str) -> bytes:
    return ("".join(received) + "From: a@example.test\r\nSubject: x\r\n\r\nbody\r\n").encode()


@pytest.mark.parametrize(("clause", "expected"), [
    ("support@kund.se", ["support@kund.se"]),
    ("<Support@Kund.SE>", ["support@kund.se"]),
    ("<reply+demo.1001.abcdefghij@mail.test> ", ["reply+demo.1001.abcdefghij@mail.test"]),
    ("nobody-at-all", []),
    ("a@b@c.example", []),
])
def test_the_for_clause_of_the_topmost_received_header(clause: str, expected: list[str]) -> None:
    assert envelope_recipients(mail(SES.format(**{"for": clause}))) == expected


def test_a_received_header_without_a_for_clause_names_nobody() -> None:
    assert envelope_recipients(mail("Received: by inbound-smtp with SMTP id 1; Mon\r\n")) == []
    assert envelope_recipients(mail()) == []


def test_a_forged_received_header_below_ses_s_own_is_not_read() -> None:
    # The sender writes everything below SES's header: a Received naming another tenant's
    # address there must not route the mail.
    forged = "Received: by evil.example for victim@kund.se; Mon\r\n"
    assert envelope_recipients(mail(SES.format(**{"for": "support@attacker.example"}),
                                    forged)) == ["support@attacker.example"]
    assert envelope_recipients(mail("Received: by inbound-smtp id 1; Mon\r\n", forged)) == []


@pytest.mark.parametrize("hostile", [
    "for " + "a" * 100_000 + ";",
    "for " + "a@" * 50_000 + ";",
    "for a" + "@a" * 50_000,
    "for <" * 25_000,
    ("for " + "x" * 30 + " ") * 3_000,
])
def test_a_hostile_100k_received_header_finishes_and_names_nobody(hostile: str) -> None:
    assert len(hostile) >= 100_000
    assert envelope_recipients(mail(f"Received: {hostile}\r\n")) == []


def test_only_the_header_s_first_characters_are_read() -> None:
    padding = "(" + "x" * RECEIVED_MAX_CHARS + ")"
    late = f"Received: from a by b {padding} for late@kund.se; Mon\r\n"
    assert envelope_recipients(mail(late)) == []
    early = f"Received: from a by b for early@kund.se; {padding}\r\n"
    assert envelope_recipients(mail(early)) == ["early@kund.se"]
