"""The pure proofs behind issue 14, items 2 and 3: the code that proves a claimed support
address, and the Message-ID a bounce names."""

from __future__ import annotations

from email import message_from_string
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

import pytest

from chalicelib.mail import verification as v
from chalicelib.mail.bounces import MAX_IDS, returned_message_ids

SECRET = "s3cret-for-tests"
NOW = 1_800_000_000


def test_a_code_verifies_its_own_tenant_and_address_until_it_expires() -> None:
    code = v.issue_code(SECRET, "demo", "support@kund.se", NOW)
    assert v.check_code(SECRET, "demo", "support@kund.se", code, NOW) == "ok"
    assert v.check_code(SECRET, "demo", "Support@Kund.SE", f"  {code.upper()} ", NOW) == "ok"
    assert v.check_code(SECRET, "demo", "support@kund.se", code,
                        NOW + v.CODE_SECONDS) == "ok"
    assert v.check_code(SECRET, "demo", "support@kund.se", code,
                        NOW + v.CODE_SECONDS + 1) == "expired"


@pytest.mark.parametrize(("tenant", "address", "secret"), [
    ("other", "support@kund.se", SECRET),   # another tenant's claim of the same address
    ("demo", "sales@kund.se", SECRET),      # another address of the same tenant
    ("demo", "support@kund.se", "another secret"),
])
def test_a_code_verifies_no_other_claim(tenant: str, address: str, secret: str) -> None:
    code = v.issue_code(secret, tenant, address, NOW)
    assert v.check_code(SECRET, "demo", "support@kund.se", code, NOW) == "invalid"


def test_a_stretched_or_made_up_code_is_invalid() -> None:
    code = v.issue_code(SECRET, "demo", "support@kund.se", NOW)
    expiry, mac = code.split("-")
    later = v._base36(int(expiry, 36) + 10 * 24 * 3600)
    for forged in (f"{later}-{mac}", f"{expiry}-{'a' * 26}", "", "x", code + "a",
                   "-" * 40, "z" * 13 + "-" + mac, "1" * 5000):
        assert v.check_code(SECRET, "demo", "support@kund.se", forged, NOW) == "invalid"


ORIGINAL = ("From: Helpdesk <noreply@mail.test>\nTo: gone@example.test\n"
            "Message-ID: <0102abc@eu-west-1.amazonses.com>\nSubject: [T-1001]\n\nhi\n")


def test_the_message_id_of_an_attached_original() -> None:
    dsn = MIMEMultipart("report", report_type="delivery-status")
    dsn.attach(MIMEText("Delivery failed."))
    dsn.attach(MIMEMessage(message_from_string(ORIGINAL)))
    assert returned_message_ids(dsn.as_bytes(), "Delivery failed.") == [
        "<0102abc@eu-west-1.amazonses.com>"]


def test_the_message_id_of_returned_headers_and_of_quoted_prose() -> None:
    dsn = MIMEMultipart("report", report_type="delivery-status")
    headers = MIMEText(ORIGINAL.split("\n\n")[0] + "\n", "rfc822-headers")
    dsn.attach(headers)
    assert returned_message_ids(dsn.as_bytes(), "") == ["<0102abc@eu-west-1.amazonses.com>"]
    prose = "Original headers:\n\n  Message-ID: <x1@mail.test>\n> message-id:<x2@mail.test>\n"
    assert returned_message_ids(b"Subject: x\n\n" + prose.encode(), prose) == [
        "<x1@mail.test>", "<x2@mail.test>"]


def test_a_report_naming_nothing_or_too_much_names_at_most_a_few() -> None:
    assert returned_message_ids(b"Subject: x\n\nnothing", "nothing") == []
    many = "".join(f"Message-ID: <m{n}@x.test>\n" for n in range(100))
    assert len(returned_message_ids(many.encode(), many)) == MAX_IDS
    hostile = "Message-ID: <" + "a" * 100_000 + "\n" + "message-id:" * 20_000
    assert returned_message_ids(hostile.encode(), hostile) == []
