"""The entry points: a message SES stored, handed over by ``jobs/inbound.py``, is routed
to its tenant (``routing``), decided on (``mail/decide.py``) and done (``actions``)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email import policy
from email.parser import BytesHeaderParser

from chalicelib.domain.directory import TenantSettings
from chalicelib.domain.errors import DomainError
from chalicelib.mail.decide import decide
from chalicelib.mail.parse import ParsedMail, parse
from chalicelib.services.context import Ctx
from chalicelib.services.directory import system_principal
from chalicelib.services.inbound_mail.actions import ACTIONS, Job, Outcome, record_only
from chalicelib.services.inbound_mail.routing import (
    inbound_domain,
    message_key,
    repo,
    route,
    tenants,
)
from chalicelib.store import files as stored_files
from chalicelib.store.mail import SameBodyLately, SeenBefore, TooManyMessages

log = logging.getLogger("helpdesk.mail")


def receive_object(bucket: str, key: str, now: datetime | None = None) -> list[Outcome]:
    """One message SES stored in S3."""
    return receive(stored_files.read(key, bucket), source_key=key, now=now)


def receive(raw: bytes, source_key: str | None = None,
            now: datetime | None = None) -> list[Outcome]:
    now = now or datetime.now(UTC)
    mail = parse(raw)
    domain = inbound_domain()
    targets = tenants(raw, mail, domain)
    if not targets:
        log.info("mail %s for none of our tenants", mail.message_id)
        return [Outcome("drop", "no tenant's address among the recipients")]
    outcomes = []
    for tenant, (reply_number, settings) in targets.items():
        outcome = _address_code_came_back(tenant, raw, now) or _receive_for(
            tenant, settings, reply_number, raw, mail, source_key, now)
        log.info("mail %s for %s: %s (%s)", mail.message_id, tenant, outcome.action,
                 outcome.reason)
        outcomes.append(outcome)
    return outcomes


def _address_code_came_back(tenant: str, raw: bytes, now: datetime) -> Outcome | None:
    """Our mail with the code for a claimed support address, forwarded from that address
    to this tenant's: the forward proves the address is the tenant's (issue 14, item 3).
    The code is bound to tenant and address, so it proves nothing for another tenant."""
    from chalicelib.services.directory import ADDRESS_CODE_HEADER, verify_email_address

    if ADDRESS_CODE_HEADER.lower().encode() not in raw[:65536].lower():
        return None
    value = BytesHeaderParser(policy=policy.compat32).parsebytes(raw).get(ADDRESS_CODE_HEADER)
    address, _, code = " ".join(str(value or "")[:400].split()).partition(" ")
    try:
        verify_email_address(Ctx(system_principal(tenant), now), address, code)
    except DomainError as exc:
        log.info("address code for %s came back to %s, refused: %s", address[:100], tenant,
                 exc.detail)
        return None
    return Outcome("address_verified", f"the code mailed to {address} came back", tenant)


def _receive_for(tenant: str, settings: TenantSettings, reply_number: str | None,
                 raw: bytes, mail: ParsedMail, source_key: str | None,
                 now: datetime) -> Outcome:
    key = message_key(mail, raw)
    if repo().get_message(tenant, key) is not None:
        return Outcome("duplicate", "Message-ID seen before", tenant)
    routed = route(tenant, settings, reply_number, raw, mail, now)
    decision = decide(routed.facts, settings.email, now)
    job = Job(tenant, settings, key, raw, mail, source_key, now, routed.sender, routed.ticket,
              decision, routed.authenticated)
    try:
        return ACTIONS[decision.action](job)
    except SeenBefore:
        return Outcome("duplicate", "Message-ID seen before", tenant)
    except SameBodyLately:
        record_only(job, "duplicate")
        return Outcome("duplicate", "same text from the same sender a moment ago", tenant,
                       job.ticket.id if job.ticket else None)
    except TooManyMessages:
        record_only(job, "loop")
        return Outcome("loop", "over the hourly allowance for this ticket", tenant,
                       job.ticket.id if job.ticket else None)
