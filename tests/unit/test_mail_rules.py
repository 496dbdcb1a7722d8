"""The e-mail channel's pure rules: addresses and ids (mail/addresses.py) and what becomes
of a message (mail/decide.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.directory import EmailChannelSettings
from chalicelib.mail import addresses as a
from chalicelib.mail.decide import Facts, decide

SECRET = "s" * 40
DOMAIN = "support.example.com"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


# --- reply addresses ----------------------------------------------------------------------


def test_reply_address_round_trip() -> None:
    address = a.reply_address(SECRET, "demo", "T-1001", DOMAIN)
    assert address.startswith("reply+demo.1001.") and address.endswith("@" + DOMAIN)
    assert a.read_reply_address(SECRET, address, DOMAIN) == ("demo", "T-1001")
    # Mail servers may change the case of the local part; the address still works.
    assert a.read_reply_address(SECRET, address.upper(), DOMAIN) == ("demo", "T-1001")


def test_reply_address_fits_the_local_part_limit_even_for_long_tenants() -> None:
    tenant = "a" + "b" * 39
    address = a.reply_address(SECRET, tenant, "T-123456789", DOMAIN)
    local = address.split("@")[0]
    mac = local.rsplit(".", 1)[1]
    assert len(mac) >= a.MAC_MIN
    assert a.read_reply_address(SECRET, address, DOMAIN) == (tenant, "T-123456789")
    short = a.reply_address(SECRET, "demo", "T-1001", DOMAIN).split("@")[0]
    assert len(short) <= a.LOCAL_PART_MAX


@pytest.mark.parametrize("forge", [
    lambda s: s.replace("1001", "1002"),           # another ticket, same MAC
    lambda s: s.replace("reply+demo", "reply+other"),  # another tenant
    lambda s: s[:-len(DOMAIN) - 2] + "a@" + DOMAIN if s[-len(DOMAIN) - 2] != "a"
    else s[:-len(DOMAIN) - 2] + "b@" + DOMAIN,      # one character of the MAC
    lambda s: s.replace(DOMAIN, "evil.example"),    # another domain
    lambda s: s.split(".", 2)[0] + "." + s.split(".", 2)[1] + "@" + DOMAIN,  # no MAC
])
def test_a_forged_reply_address_is_refused(forge) -> None:  # type: ignore[no-untyped-def]
    genuine = a.reply_address(SECRET, "demo", "T-1001", DOMAIN)
    assert a.read_reply_address(SECRET, forge(genuine), DOMAIN) is None


def test_another_secret_does_not_accept_the_address() -> None:
    address = a.reply_address(SECRET, "demo", "T-1001", DOMAIN)
    assert a.read_reply_address("t" * 40, address, DOMAIN) is None


def test_tenant_addresses() -> None:
    assert a.tenant_of_address("demo@" + DOMAIN, DOMAIN) == "demo"
    assert a.tenant_of_address("Demo@SUPPORT.example.com", DOMAIN) == "demo"
    assert a.tenant_of_address("demo@other.example", DOMAIN) is None
    assert a.tenant_of_address("reply+x@" + DOMAIN, DOMAIN) is None
    assert a.tenant_of_address("noreply@" + DOMAIN, DOMAIN) is None  # our sender address


@pytest.mark.parametrize(("subject", "number"), [
    ("SV: Fakturan syns inte [T-1001]", "T-1001"),
    ("VS: [t-42] Lasku", "T-42"),
    ("Re: [ T-1001 ] x", "T-1001"),
    ("T-1001 without brackets", None),
    ("[KO-1001] a contact order", None),
])
def test_ticket_number_in_the_subject(subject: str, number: str | None) -> None:
    assert a.subject_number(subject) == number


def test_message_keys_match_ses_ids_under_any_region() -> None:
    ses = "0102018c1b2a3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d-000000"
    assert a.message_key(f"<{ses}@eu-west-1.amazonses.com>") == a.ses_key(ses)
    assert a.message_key(f"{ses}@email.amazonses.com") == a.ses_key(ses)
    assert a.message_key("<CAF=abc@mail.gmail.com>") == "caf=abc@mail.gmail.com"


def test_thread_root_round_trip() -> None:
    ticket_id = "01JDX3Q4Z5Y6W7V8T9S0R1P2N3"
    root = a.thread_root(ticket_id, DOMAIN)
    assert a.ticket_of_root(f"<{root}>", DOMAIN) == ticket_id
    assert a.ticket_of_root(root.replace(DOMAIN, "x.example"), DOMAIN) is None


# --- decisions ----------------------------------------------------------------------------


def facts(**changes: object) -> Facts:
    base: dict[str, object] = dict(is_bounce=False, automatic=None, failed_verdicts=(),
                                   too_large=False, forwarded=False, sender="contact")
    return Facts(**{**base, **changes})  # type: ignore[arg-type]


OPEN = dict(ticket_id="T1", found_by="reply_address", participant=True)
SETTINGS = EmailChannelSettings()


@pytest.mark.parametrize(("case", "action"), [
    (facts(is_bounce=True, automatic="delivery-status report", bounce_scanned=True,
           bounce_of_ours=True), "bounce"),
    (facts(automatic="auto-submitted: auto-replied", **OPEN), "ignore"),
    (facts(failed_verdicts=("spf", "dkim"), **OPEN), "quarantine"),
    (facts(too_large=True, **OPEN), "refuse"),
    (facts(**OPEN), "comment"),
    (facts(sender="staff", **OPEN), "comment"),
    (facts(), "new_ticket"),
    (facts(sender="staff"), "drop"),
])
def test_decisions(case: Facts, action: str) -> None:
    assert decide(case, SETTINGS, NOW).action == action


BOUNCE = dict(is_bounce=True, automatic="delivery-status report")


@pytest.mark.parametrize(("scanned", "failed", "ours", "action"), [
    (True, (), True, "bounce"),
    # Forged: no SES scan verdicts, a failed verdict, or naming no mail we sent.
    (False, (), True, "ignore"),
    (True, ("spf",), True, "ignore"),
    (True, ("dmarc",), True, "ignore"),
    (True, (), False, "ignore"),
    (False, ("dkim",), False, "ignore"),
])
def test_a_bounce_counts_only_when_genuine_and_of_our_mail(
        scanned: bool, failed: tuple[str, ...], ours: bool, action: str) -> None:
    case = facts(**BOUNCE, bounce_scanned=scanned, failed_verdicts=failed, bounce_of_ours=ours)
    assert decide(case, SETTINGS, NOW).action == action


def test_a_stranger_never_comments_whatever_names_the_ticket() -> None:
    for found_by in ("reply_address", "message_id", "subject"):
        stranger = facts(ticket_id="T1", found_by=found_by, participant=False)
        decision = decide(stranger, SETTINGS, NOW)
        assert (decision.action, decision.related_ticket_id) == ("new_ticket", "T1")
        held = decide(stranger, EmailChannelSettings(strangers="quarantine"), NOW)
        assert held.action == "quarantine"


def test_an_unknown_stranger_follows_the_unknown_sender_rule() -> None:
    stranger = facts(ticket_id="T1", found_by="subject", participant=False, sender="unknown")
    assert decide(stranger, SETTINGS, NOW).unverified
    assert decide(stranger, EmailChannelSettings(unknown_senders="reject"), NOW).action == "drop"


def test_unknown_senders_open_unverified_tickets_or_are_dropped() -> None:
    unknown = facts(sender="unknown")
    decision = decide(unknown, SETTINGS, NOW)
    assert (decision.action, decision.unverified) == ("new_ticket", True)
    assert decide(unknown, EmailChannelSettings(unknown_senders="reject"), NOW).action == "drop"


def test_reopen_window() -> None:
    inside = facts(ticket_closed_at=NOW - timedelta(days=14), **OPEN)
    outside = facts(ticket_closed_at=NOW - timedelta(days=14, seconds=1), **OPEN)
    assert decide(inside, SETTINGS, NOW).action == "reopen"
    follow_up = decide(outside, SETTINGS, NOW)
    assert (follow_up.action, follow_up.related_ticket_id) == ("new_ticket", "T1")
    assert decide(inside, EmailChannelSettings(reopen_days=0), NOW).action == "new_ticket"


def test_a_forward_from_a_participant_starts_a_new_ticket() -> None:
    forward = decide(facts(forwarded=True, **OPEN), SETTINGS, NOW)
    assert (forward.action, forward.related_ticket_id) == ("new_ticket", "T1")
    assert decide(facts(forwarded=True), SETTINGS, NOW).action == "new_ticket"
    # Staff forwarding a conversation into a ticket comment it (they take part anyway).
    assert decide(facts(forwarded=True, sender="staff", **OPEN), SETTINGS, NOW).action \
        == "comment"


def test_safety_comes_before_threading() -> None:
    spoofed = facts(failed_verdicts=("dmarc",), forwarded=True, **OPEN)
    assert decide(spoofed, SETTINGS, NOW).action == "quarantine"
    auto = facts(automatic="precedence: bulk", failed_verdicts=("spam",))
    assert decide(auto, SETTINGS, NOW).action == "ignore"


def test_a_huge_references_header_keeps_only_its_newest_ids() -> None:
    from chalicelib.mail.parse import MAX_IDS, parse

    refs = " ".join(f"<id{i}@x.example>" for i in range(20_000))
    raw = (f"From: a@b.example\r\nTo: demo@{DOMAIN}\r\nSubject: s\r\nMessage-ID: <m@x>\r\n"
           f"References: {refs}\r\n\r\nhi\r\n").encode()
    references = parse(raw).references
    assert len(references) == MAX_IDS
    assert references[-1] == "id19999@x.example" and references[0] == "id19900@x.example"
