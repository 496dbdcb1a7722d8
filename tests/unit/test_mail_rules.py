"""The e-mail channel's pure rules: addresses and ids (mail/addresses.py) and what becomes
of a message (mail/decide.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.directory import EmailChannelSettings
from chalicelib.mail import addresses as a
from chalicelib.mail.decide import Decision, Facts, decide

SECRET = "s" * 40
DOMAIN = "support.example.com"
RECIPIENT = "anna@kund.se"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


# --- reply addresses ----------------------------------------------------------------------


def test_reply_address_round_trip() -> None:
    address = a.reply_address(SECRET, "demo", "T-1001", DOMAIN, RECIPIENT)
    assert address.startswith("reply+demo.1001.") and address.endswith("@" + DOMAIN)
    assert a.read_reply_address(SECRET, address, DOMAIN) == ("demo", "T-1001")
    # Mail servers may change the case of the local part; the address still works.
    assert a.read_reply_address(SECRET, address.upper(), DOMAIN) == ("demo", "T-1001")


def test_reply_address_fits_the_local_part_limit_even_for_long_tenants() -> None:
    tenant = "a" + "b" * 39
    address = a.reply_address(SECRET, tenant, "T-123456789", DOMAIN, RECIPIENT)
    local = address.split("@")[0]
    mac = local.rsplit(".", 1)[1]
    assert len(mac) >= a.MAC_MIN
    assert a.read_reply_address(SECRET, address, DOMAIN) == (tenant, "T-123456789")
    assert a.reply_address_is_for(SECRET, address, DOMAIN, RECIPIENT)
    short = a.reply_address(SECRET, "demo", "T-1001", DOMAIN, RECIPIENT).split("@")[0]
    assert len(short) <= a.LOCAL_PART_MAX


@pytest.mark.parametrize("forge", [
    lambda s: s.replace("1001", "1002"),           # another ticket, same MAC
    lambda s: s.replace("reply+demo", "reply+other"),  # another tenant
    lambda s: s.replace("." + s.split(".")[2] + ".", "." + ("a" if s.split(".")[2][0] != "a"
                        else "b") + s.split(".")[2][1:] + ".", 1),  # one character of the MAC
    lambda s: s.replace(DOMAIN, "evil.example"),    # another domain
    lambda s: s.split(".", 2)[0] + "." + s.split(".", 2)[1] + "@" + DOMAIN,  # no MAC
])
def test_a_forged_reply_address_is_refused(forge) -> None:  # type: ignore[no-untyped-def]
    for genuine in (a.reply_address(SECRET, "demo", "T-1001", DOMAIN, RECIPIENT),
                    a.legacy_reply_address(SECRET, "demo", "T-1001", DOMAIN)):
        assert a.read_reply_address(SECRET, forge(genuine), DOMAIN) is None
        assert not a.reply_address_is_for(SECRET, forge(genuine), DOMAIN, RECIPIENT)


def test_another_secret_does_not_accept_the_address() -> None:
    address = a.reply_address(SECRET, "demo", "T-1001", DOMAIN, RECIPIENT)
    assert a.read_reply_address("t" * 40, address, DOMAIN) is None
    assert not a.reply_address_is_for("t" * 40, address, DOMAIN, RECIPIENT)


def test_a_reply_address_vouches_for_its_own_recipient_only() -> None:
    mine = a.reply_address(SECRET, "demo", "T-1001", DOMAIN, RECIPIENT)
    theirs = a.reply_address(SECRET, "demo", "T-1001", DOMAIN, "bo@kund.se")
    assert mine != theirs
    assert a.reply_address_is_for(SECRET, mine, DOMAIN, RECIPIENT)
    assert a.reply_address_is_for(SECRET, mine.upper(), DOMAIN, "Anna@KUND.se")
    # Another recipient's address finds the ticket, but says nothing of who writes.
    assert a.read_reply_address(SECRET, theirs, DOMAIN) == ("demo", "T-1001")
    assert not a.reply_address_is_for(SECRET, theirs, DOMAIN, RECIPIENT)
    # Anna's address for another ticket does not vouch for her on this one.
    other_ticket = a.reply_address(SECRET, "demo", "T-1002", DOMAIN, RECIPIENT)
    forged = other_ticket.replace(".1002.", ".1001.")
    assert not a.reply_address_is_for(SECRET, forged, DOMAIN, RECIPIENT)
    # The recipient MAC of a genuine address changed: still the ticket, nobody's address.
    local, host = mine.split("@")
    flipped = local[:-1] + ("a" if local[-1] != "a" else "b") + "@" + host
    assert a.read_reply_address(SECRET, flipped, DOMAIN) == ("demo", "T-1001")
    assert not a.reply_address_is_for(SECRET, flipped, DOMAIN, RECIPIENT)


def test_a_shared_reply_address_sent_before_still_finds_its_ticket_but_vouches_for_none(
        ) -> None:
    legacy = a.legacy_reply_address(SECRET, "demo", "T-1001", DOMAIN)
    assert a.read_reply_address(SECRET, legacy, DOMAIN) == ("demo", "T-1001")
    assert not a.reply_address_is_for(SECRET, legacy, DOMAIN, RECIPIENT)


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
    """Facts of an authenticated mail (the rules for unproven ones are tested below)."""
    base: dict[str, object] = dict(is_bounce=False, automatic=None, failed_verdicts=(),
                                   too_large=False, forwarded=False, sender="contact",
                                   authenticated=True)
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


# --- who a mail is from (issue 14): authentication, alignment, the rule -------------------
# A sender is who From says only when SES's verdicts prove it (dmarc=pass, or SPF or DKIM
# passing for a domain aligned with From's); staff never act, and contacts comment only
# through their own reply address, on mail that is not proven.

FROM = "anna@kund.se"
ALIGNED, UNALIGNED = "bounces.kund.se", "evil.example"


def _results(*parts: str, authserv: str = "amazonses.com") -> str:
    return f"Authentication-Results: {authserv};\r\n " + ";\r\n ".join(parts) + "\r\n"


def _raw(*results: str, sender: str = FROM, to: str = f"demo@{DOMAIN}",
         subject: str = "Re: [T-1001] Fakturan") -> bytes:
    return ("".join(results) + f"From: Anna <{sender}>\r\nTo: {to}\r\nSubject: {subject}\r\n"
            "Message-ID: <m1@kund.se>\r\n\r\nHej\r\n").encode()


def _authenticated(raw: bytes) -> bool:
    from chalicelib.mail.authentication import authenticated_for
    from chalicelib.mail.parse import parse

    mail = parse(raw)
    return authenticated_for(mail.authentication, mail.sender.email)


def test_the_attack_of_the_issue_is_not_authenticated() -> None:
    """SPF and DKIM pass, for the attacker's own domain; DMARC finds no record."""
    raw = _raw(_results("spf=pass smtp.mailfrom=evil.example",
                        "dkim=pass header.i=@evil.example", "dmarc=none"),
               sender="agent@demo.test")
    assert not _authenticated(raw)


def test_an_ses_header_as_ses_writes_it_is_read() -> None:
    from tests.fixtures import mail as fixtures

    for name in ("gmail_reply_en", "outlook_web_reply_sv", "thunderbird_reply_fi"):
        assert _authenticated(fixtures.load(name)), name
    assert not _authenticated(fixtures.load("spoofed_sender_en"))
    # SES writes SPF's envelope sender as a segment of its own.
    assert _authenticated(_raw(_results(
        "spf=pass (spfCheck: domain of kund.se designates 1.2.3.4 as permitted sender) "
        "client-ip=1.2.3.4", f"envelope-from=x@{ALIGNED}", "helo=mx.kund.se",
        "dkim=none", "dmarc=none")))


@pytest.mark.parametrize("forged", [
    # The attacker's own "SES" header, below SES's real one: only the topmost counts.
    _results("spf=pass smtp.mailfrom=evil.example", "dkim=none", "dmarc=none")
    + _results("spf=pass smtp.mailfrom=kund.se", "dkim=pass header.d=kund.se",
               "dmarc=pass header.from=kund.se"),
    # SES wrote none (so the topmost is the sender's), even under SES's name lower down.
    "X-Other: 1\r\n" + _results("dmarc=pass header.from=kund.se", authserv="mx.kund.se")
    + _results("dmarc=pass header.from=kund.se"),
    # Another server's verdicts are not ours.
    _results("dmarc=pass header.from=kund.se", authserv="mx.evil.example"),
    # Words in a comment or a quoted local part are not results.
    _results("spf=pass (dmarc=pass header.from=kund.se) smtp.mailfrom=evil.example",
             "dkim=none", "dmarc=none"),
    _results("spf=pass client-ip=1.2.3.4",
             'envelope-from="x;dmarc=pass header.from=kund.se"@evil.example',
             "dkim=none", "dmarc=none"),
    # DMARC passed for another From than the one we read (a second From header).
    _results("spf=none", "dkim=none", "dmarc=pass header.from=evil.example"),
    # Two DMARC results: not SES's header.
    _results("spf=none", "dkim=none", "dmarc=pass", "dmarc=none"),
    # A subdomain of a public suffix is not aligned with its neighbour.
    _results("spf=pass smtp.mailfrom=evil.se", "dkim=pass header.d=se", "dmarc=none"),
])
def test_forged_or_foreign_results_authenticate_nobody(forged: str) -> None:
    assert not _authenticated(_raw(forged))


@pytest.mark.parametrize(("domain", "from_domain", "aligned"), [
    ("kund.se", "kund.se", True),
    ("bounces.kund.se", "kund.se", True),
    ("kund.se", "mail.kund.se", True),
    ("KUND.SE.", "kund.se", True),
    ("evil.example", "kund.se", False),
    ("kund.se.evil.example", "kund.se", False),
    ("mail.example.co.uk", "example.co.uk", True),
    ("evil.co.uk", "example.co.uk", False),
    ("alice.github.io", "bob.github.io", False),  # a private suffix: separate owners
    ("", "kund.se", False),
])
def test_relaxed_alignment_uses_the_public_suffix_list(domain: str, from_domain: str,
                                                        aligned: bool) -> None:
    from chalicelib.mail.authentication import aligned as is_aligned

    assert is_aligned(domain, from_domain) is aligned


# Every combination of SES's verdicts: DMARC, SPF and DKIM, with the domain each names
# aligned with From's or not, and "none".
DMARC = {"pass": "dmarc=pass header.from=kund.se", "fail": "dmarc=fail header.from=kund.se",
         "none": "dmarc=none"}
SPF = {"pass/aligned": f"spf=pass smtp.mailfrom={ALIGNED}",
       "pass/unaligned": f"spf=pass smtp.mailfrom={UNALIGNED}",
       "fail/aligned": f"spf=fail smtp.mailfrom={ALIGNED}",
       "fail/unaligned": f"spf=fail smtp.mailfrom={UNALIGNED}", "none": "spf=none"}
DKIM = {"pass/aligned": "dkim=pass header.d=mail.kund.se",
        "pass/unaligned": f"dkim=pass header.i=@{UNALIGNED}",
        "fail/aligned": "dkim=fail header.d=kund.se",
        "fail/unaligned": f"dkim=fail header.i=@{UNALIGNED}", "none": "dkim=none"}
SENDERS = ("staff", "contact", "unverified", "unknown")
ARRIVALS = ("own reply address", "another's reply address", "shared reply address",
            "subject", "message_id")


def _expected(dmarc: str, spf: str, dkim: str, sender: str, arrival: str) -> str:
    """The rule as the issue states it, written independently of the code."""
    if "fail" in (dmarc, spf.split("/")[0], dkim.split("/")[0]):
        return "quarantine"  # a failed verdict, whoever it claims to be
    proven = dmarc == "pass" or "pass/aligned" in (spf, dkim)
    if sender == "unknown":
        return "new_ticket"  # a stranger to the ticket: a new linked ticket (default)
    if proven:
        return "comment"
    if sender == "staff":
        return "quarantine"
    if arrival == "own reply address":
        return "comment"
    return "hold"


def _arrival(arrival: str, sender_address: str) -> tuple[str, str, bool]:
    """(found_by, the address the mail came to, whether it is the sender's own)."""
    address = {
        "own reply address": a.reply_address(SECRET, "demo", "T-1001", DOMAIN, sender_address),
        "another's reply address": a.reply_address(SECRET, "demo", "T-1001", DOMAIN,
                                                   "bo@kund.se"),
        "shared reply address": a.legacy_reply_address(SECRET, "demo", "T-1001", DOMAIN),
    }.get(arrival, f"demo@{DOMAIN}")
    found_by = "reply_address" if "reply address" in arrival else arrival
    return found_by, address, a.reply_address_is_for(SECRET, address, DOMAIN, sender_address)


@pytest.mark.parametrize("dmarc", DMARC)
@pytest.mark.parametrize("spf", SPF)
@pytest.mark.parametrize("dkim", DKIM)
def test_who_a_mail_is_from_every_combination(dmarc: str, spf: str, dkim: str) -> None:
    from chalicelib.mail.parse import parse

    raw = _raw(_results(SPF[spf], DKIM[dkim], DMARC[dmarc]))
    mail = parse(raw)
    authenticated = _authenticated(raw)
    assert authenticated is (dmarc == "pass" or "pass/aligned" in (spf, dkim))
    for sender in SENDERS:
        for arrival in ARRIVALS:
            found_by, _, own = _arrival(arrival, mail.sender.email)
            case = facts(failed_verdicts=tuple(mail.verdicts.failed()), sender=sender,
                         ticket_id="T1", found_by=found_by, participant=sender != "unknown",
                         authenticated=authenticated, own_reply_address=own)
            decision = decide(case, SETTINGS, NOW)
            assert decision.action == _expected(dmarc, spf, dkim, sender, arrival), (
                dmarc, spf, dkim, sender, arrival, decision)


def test_unproven_staff_mail_is_quarantined_with_its_reason() -> None:
    for found_by in ("reply_address", "message_id", "subject"):
        decision = decide(facts(sender="staff", authenticated=False, ticket_id="T1",
                                found_by=found_by, participant=True), SETTINGS, NOW)
        assert decision == Decision("quarantine", "unauthenticated mail from a staff address")
    # Not even through a reply address we sent to that staff member.
    own = facts(sender="staff", authenticated=False, own_reply_address=True, **OPEN)
    assert decide(own, SETTINGS, NOW).action == "quarantine"
    assert decide(facts(sender="staff", authenticated=False), SETTINGS, NOW).action \
        == "quarantine"


def test_an_unproven_contact_never_changes_a_ticket() -> None:
    closed = dict(ticket_closed_at=NOW - timedelta(days=1), **OPEN)
    # Inside the reopen window: held, not reopened (a status change).
    held = decide(facts(authenticated=False, **closed), SETTINGS, NOW)
    assert held.action == "hold" and "held for staff" in held.reason
    # Through their own reply address the contact is who they say: it reopens.
    own = facts(authenticated=False, own_reply_address=True, **closed)
    assert decide(own, SETTINGS, NOW).action == "reopen"
    # No ticket, a forward, or a ticket they do not take part in: quarantined, not a
    # new ticket in their name.
    for case in (facts(authenticated=False),
                 facts(authenticated=False, forwarded=True, **OPEN),
                 facts(authenticated=False, ticket_id="T1", found_by="subject",
                       participant=False)):
        assert decide(case, SETTINGS, NOW) == Decision(
            "quarantine", "unauthenticated mail from a contact's address")


def test_an_unproven_unverified_address_is_any_unknown_sender_outside_its_tickets() -> None:
    new = decide(facts(sender="unverified", authenticated=False), SETTINGS, NOW)
    assert (new.action, new.unverified) == ("new_ticket", True)
    stranger = facts(sender="unverified", authenticated=False, ticket_id="T1",
                     found_by="subject", participant=False)
    assert decide(stranger, EmailChannelSettings(strangers="quarantine"), NOW).action \
        == "quarantine"
    assert decide(facts(sender="unverified", authenticated=False, **OPEN), SETTINGS,
                  NOW).action == "hold"


def test_safety_still_comes_first_for_unproven_mail() -> None:
    staff = dict(sender="staff", authenticated=False, **OPEN)
    assert decide(facts(is_bounce=True, bounce_scanned=True, bounce_of_ours=True, **staff),
                  SETTINGS, NOW).action == "bounce"
    assert decide(facts(automatic="auto-replied", **staff), SETTINGS, NOW).action == "ignore"
    assert decide(facts(too_large=True, **staff), SETTINGS, NOW).action == "refuse"
