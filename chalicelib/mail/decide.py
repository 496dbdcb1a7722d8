"""What becomes of an inbound mail: the pure rule, table-tested in tests/unit.

The service (``services/inbound_mail/``) gathers the facts in ``routing`` (the parsed
mail, the ticket it names and how it was found, who the sender is) and asks ``decide``;
``actions`` then does what the decision says. In order:

1. a bounce marks the address undeliverable, and posts nothing; it is believed only when
   SES's spam and virus scans passed, no verdict failed, and it came back to our sending
   or reply address naming a mail we sent to the address it reports (else it is ignored);
2. automatic mail (out-of-office, bulk, delivery reports) posts nothing;
3. failed SES verdicts (spam, virus, SPF, DKIM, DMARC) quarantine it;
4. a message over the size limit is refused (with a notice to a known, proven sender);
4a. a sender is who ``From`` says only when the mail is authenticated for that address
   (``mail/authentication.py``). Unauthenticated mail from a staff address is quarantined;
   from a contact's, it goes on only through the reply address we sent that contact,
   otherwise a reply becomes a held comment staff confirm or discard, and anything else
   is quarantined (see ``_unauthenticated``);
5. a forward from a known sender opens a new ticket with the forwarded mail attached;
6. mail naming a ticket: a participant comments (on a closed ticket: reopens it inside
   the reopen window, else opens a linked follow-up); anyone else cannot post there:
   their mail opens a new linked ticket, or is quarantined, as the tenant sets;
7. other mail opens a ticket for a known contact; an unknown sender gets a ticket as an
   unverified contact, or is dropped, as the tenant sets.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from chalicelib.domain.directory import EmailChannelSettings

Action = Literal[
    "bounce", "ignore", "quarantine", "refuse", "comment", "reopen", "new_ticket", "drop",
    "hold",
]
FoundBy = Literal["reply_address", "message_id", "subject"]
Sender = Literal["contact", "staff", "unverified", "unknown"]


@dataclass(frozen=True)
class Facts:
    is_bounce: bool
    automatic: str | None
    failed_verdicts: tuple[str, ...]
    too_large: bool
    forwarded: bool
    sender: Sender
    # The ticket the mail names, if any.
    ticket_id: str | None = None
    found_by: FoundBy | None = None
    ticket_closed_at: datetime | None = None
    participant: bool = False
    # A bounce: SES's spam and virus scans both passed (a forged report may carry none).
    bounce_scanned: bool = False
    # A bounce: it came back to our sending or reply address and names a mail we sent,
    # to an address it reports failed (issue 14, item 2).
    bounce_of_ours: bool = False

    # The mail is authenticated for its From address (DMARC, or aligned SPF or DKIM).
    authenticated: bool = False
    # It came through the reply address we sent to its From address (found_by is
    # "reply_address" and the MAC names that recipient).
    own_reply_address: bool = False


@dataclass(frozen=True)
class Decision:
    action: Action
    reason: str
    # new_ticket: the ticket the new one is about (a follow-up, a stranger's, a forward).
    related_ticket_id: str | None = None
    # new_ticket: the requester is an unverified contact made from the sender.
    unverified: bool = False


def decide(f: Facts, settings: EmailChannelSettings, now: datetime) -> Decision:
    if f.is_bounce:
        # A bounce switches e-mail off for someone: a forged one must not.
        if f.failed_verdicts or not f.bounce_scanned:
            return Decision("ignore", "delivery failure report failing the verdict checks")
        if not f.bounce_of_ours:
            return Decision("ignore", "delivery failure report of no mail we sent")
        return Decision("bounce", "delivery failure report")
    if f.automatic:
        return Decision("ignore", f"automatic mail ({f.automatic})")
    if f.failed_verdicts:
        return Decision("quarantine", "failed " + ", ".join(f.failed_verdicts))
    if f.too_large:
        return Decision("refuse", "message too large")
    unproven = _unauthenticated(f)
    if unproven is not None:
        return unproven
    if f.forwarded and f.sender in ("contact", "unverified") and (
            f.ticket_id is None or f.participant):
        return Decision("new_ticket", "forwarded conversation",
                        related_ticket_id=f.ticket_id, unverified=f.sender == "unverified")
    if f.ticket_id is not None:
        return _about_ticket(f, settings, now)
    return _new(f, settings, "new mail")


def _unauthenticated(f: Facts) -> Decision | None:
    """Mail whose From is not proven (issue 14): nobody acts in another's name by writing
    their address. None: go on as usual (authenticated, or no identity is claimed)."""
    if f.authenticated or f.sender == "unknown":
        return None
    if f.sender == "staff":
        # Staff take part in every ticket and their words reach customers: never unproven.
        return Decision("quarantine", "unauthenticated mail from a staff address")
    if f.own_reply_address:
        return None  # only who received our mail holds the address that names them
    if f.ticket_id is not None and f.participant and not f.forwarded:
        whose = "a contact's" if f.sender == "contact" else "an unverified contact's"
        return Decision("hold", f"unauthenticated reply from {whose} address "
                                f"(found by {f.found_by}): held for staff to confirm")
    if f.sender == "contact":
        return Decision("quarantine", "unauthenticated mail from a contact's address")
    # An unverified contact is only an address: unproven, it is any unknown sender.
    return None


def _about_ticket(f: Facts, settings: EmailChannelSettings, now: datetime) -> Decision:
    assert f.ticket_id is not None
    if not f.participant:
        # Zammad appends strangers' mail to others' tickets (its issues 5064, 2444): never.
        if settings.strangers == "quarantine":
            return Decision("quarantine", f"sender does not take part in the ticket "
                                          f"(found by {f.found_by})")
        return _new(f, settings, "sender does not take part in the ticket",
                    related=f.ticket_id)
    if f.ticket_closed_at is None:
        return Decision("comment", f"reply (found by {f.found_by})")
    if now - f.ticket_closed_at <= timedelta(days=settings.reopen_days):
        return Decision("reopen", "reply to a closed ticket inside the reopen window")
    return _new(f, settings, "reply to a ticket closed before the reopen window",
                related=f.ticket_id)


def _new(f: Facts, settings: EmailChannelSettings, reason: str,
         related: str | None = None) -> Decision:
    if f.sender == "contact":
        return Decision("new_ticket", reason, related_ticket_id=related)
    if f.sender == "staff":
        # Staff open tickets in the app, for a customer; mail from them names no requester.
        return Decision("drop", f"{reason}: staff mail opens no ticket")
    if settings.unknown_senders == "reject":
        return Decision("drop", f"{reason}: unknown sender, and the tenant rejects those")
    return Decision("new_ticket", reason, related_ticket_id=related, unverified=True)
