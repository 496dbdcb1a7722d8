"""Cases from the firm (seed 003, issue 19 item 4): staff send a ticket with direction
``outbound`` to named contacts of a connected client organisation, from a template whose
placeholders are filled in; the recipients answer, upload files and mark it done; the
recipients are reminded before its due date.

Every use case here starts with ``require_active`` (403 until the module is activated).
Who sees a case is decided in ``access.py`` (``case_level``), the lists in ``listing.py``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.domain import outbound, tickets
from chalicelib.domain.errors import (
    BusinessRuleViolation,
    Conflict,
    ErrorList,
    FieldError,
    Forbidden,
    PreconditionFailed,
)
from chalicelib.domain.models import utc_iso
from chalicelib.services.client_cases import require_active
from chalicelib.services.context import Ctx
from chalicelib.services.directory import get_settings, system_principal
from chalicelib.services.directory import repo as directory
from chalicelib.services.tickets.access import access_ticket, is_recipient
from chalicelib.services.tickets.approval import _repair
from chalicelib.services.tickets.catalog import active_type
from chalicelib.services.tickets.creating import NewTicket, Origin, check_watchers, open_ticket
from chalicelib.services.tickets.shared import next_version, repo, retry_on_race, save, ticket_event
from chalicelib.services.writes import history_event
from chalicelib.store.dynamo import Item

# --- sending a case -------------------------------------------------------------------------


def _shape_errors(ctx: Ctx, body: tickets.TicketCreate, today: date) -> ErrorList:
    """What the request itself gets wrong (400), before anything is read."""
    errors = ErrorList()
    if body.requester_id:
        errors.add(("body", "requester_id"), "a case from the firm has recipients, no requester")
    if body.channel not in (None, "staff"):
        errors.add(("body", "channel"), "a case from the firm is sent by staff")
    if not body.organization_id:
        errors.add(("body", "organization_id"), "required: the client organisation")
    if not body.recipients:
        errors.add(("body", "recipients"), "name at least one of the client's contacts")
    if body.reminder_days and body.due_date is None:
        errors.add(("body", "reminder_days"), "reminders come before a due_date; give one")
    due = body.case_due_date()
    if due is not None and due < today:
        errors.add(("body", "due_date"), "must not be in the past")
    return errors


def _template(ctx: Ctx, template_id: str | None, errors: ErrorList) -> tickets.Template | None:
    if not template_id:
        return None
    item = repo().get_template(ctx.tenant, template_id)
    if item is None or not item.get("active", True) or item.get("direction") != "outbound":
        errors.add(("body", "template_id"), "no such template for cases from the firm")
        return None
    return tickets.Template.model_validate(item)


def _recipients(ctx: Ctx, organization_id: str, wanted: list[str]
                ) -> tuple[list[Item], dict[str, Item]]:
    """The recipients' contacts and portal users (one BatchGetItem each), or a 422 that
    names each refused one (``recipients.<i>``)."""
    contacts = directory().get_contacts(ctx.tenant, organization_id, wanted)
    user_ids = sorted({str(c["user_id"]) for c in contacts.values() if c.get("user_id")})
    users = directory().get_users(ctx.tenant, user_ids) if user_ids else {}
    problems = outbound.recipient_problems(wanted, organization_id, contacts, users)
    if problems:
        raise BusinessRuleViolation(
            "Cases go to registered contacts of the organisation who have a portal user.",
            [FieldError(("body", "recipients", i), msg) for i, msg in sorted(problems.items())])
    return [contacts[c] for c in wanted], users


def create_case(ctx: Ctx, body: tickets.TicketCreate) -> tickets.Ticket:
    """``POST /tickets`` with ``direction: outbound``: 403 before activation or for a
    contact; 400 for a malformed request; 422 for an organisation that is not a connected,
    active client and for each recipient who is no contact of it with a portal user."""
    require_active(ctx)
    if not ctx.principal.is_staff:
        raise Forbidden("Only the firm's staff send cases to clients.")
    settings = get_settings(ctx)
    timezone = settings.support_hours.timezone
    today = ctx.now.astimezone(ZoneInfo(timezone)).date()
    errors = _shape_errors(ctx, body, today)
    template = _template(ctx, body.template_id, errors)
    errors.raise_if_any()
    assert body.organization_id
    organization = directory().get_organization(ctx.tenant, body.organization_id)
    problem = outbound.organization_problem(organization)
    if problem:
        raise BusinessRuleViolation(f"Cases cannot be sent to this organisation: {problem}.",
                                    [FieldError(("body", "organization_id"), problem)])
    assert organization is not None
    contacts, users = _recipients(ctx, body.organization_id, body.recipients)
    first_user = users[str(contacts[0]["user_id"])]
    # The texts in the language of the client's (first) recipient: the one who reads them.
    language = str(first_user.get("language") or contacts[0].get("language") or "sv")
    texts = template.text(language) if template else None
    due = body.case_due_date()
    values = {"client_name": str(organization["name"]), "period": body.period or "",
              "due_date": outbound.format_due_date(due, language) if due else ""}
    subject = body.subject or (texts.subject if texts else "")
    description = body.description if body.description is not None else (
        texts.body if texts else "")
    for name in outbound.missing_values((subject, description), values):
        errors.add(("body", name), f"the text uses {{{name}}}: give a value")
    subject = tickets.plain_text(outbound.fill_placeholders(subject, values))[:200].strip()
    if not subject:
        errors.add(("body", "subject"), "required (or a template that has one)")
    type_id = body.ticket_type_id or (template.ticket_type_id if template else
                                      outbound.CLIENT_CASE_TYPE)
    ticket_type = errors.collect(lambda: active_type(ctx, type_id, ("body", "ticket_type_id")))
    fields = errors.collect(lambda: tickets.validate_fields(ticket_type, body.fields)
                            ) if ticket_type else None
    watchers = errors.collect(lambda: check_watchers(
        ctx, body.organization_id or "", body.watchers, ("body", "watchers")))
    errors.raise_if_any()
    assert ticket_type and fields is not None and watchers is not None
    days = body.reminder_days if body.reminder_days is not None else list(
        outbound.DEFAULT_REMINDER_DAYS)
    reminders = outbound.reminder_schedule(due, days, timezone, ctx.now) if due else []
    case: dict[str, Any] = {
        "direction": "outbound", "recipients": list(body.recipients),
        "recipient_names": [str(c["name"]) for c in contacts],
        "recipient_user_ids": [str(c["user_id"]) for c in contacts],
        "due_date": due.isoformat() if due else None,
        "period": body.period or None, "reminder_days": sorted(set(days), reverse=True)
        if due else [], "reminders": reminders}
    return open_ticket(ctx, NewTicket(
        origin=Origin(body.organization_id, None, None, "staff"), ticket_type=ticket_type,
        subject=subject,
        description=tickets.plain_text(outbound.fill_placeholders(description, values)),
        priority=body.priority, fields=fields, watchers=watchers,
        template_id=template.id if template else None, case=case,
        event_data={"direction": "outbound", "recipients": list(body.recipients),
                    "due_date": case["due_date"]}))


# --- marking a case done ----------------------------------------------------------------------


def mark_done(ctx: Ctx, ticket_id: str) -> tickets.Ticket:
    """``POST /tickets/{id}/done``: a recipient says the case is done; it closes (reason
    ``done``), its reminders stop and the firm is told. Another contact who may read it
    (the contact admin) gets a 403, anyone else a 404."""
    require_active(ctx)

    def attempt() -> tickets.Ticket:
        access = access_ticket(ctx, ticket_id, consistent=True)
        current = access.ticket
        if current.direction != "outbound":
            raise BusinessRuleViolation("Only a case from the firm is marked done.")
        if not is_recipient(ctx, current):
            raise Forbidden("Only the contacts the case is addressed to mark it done.")
        if current.status == "closed":
            raise Conflict("The case is closed already.")
        name = ctx.principal.record.get("name")
        updated = next_version(current, ctx, status="closed", closed_at=ctx.stamp,
                               closed_reason=outbound.CLOSED_REASON_DONE, approval_due_at=None,
                               done_at=ctx.stamp, done_by=ctx.principal.user_id,
                               done_by_name=name)
        events = [ticket_event(ctx, "marked_done", {"by": ctx.principal.user_id,
                                                    "by_name": name}),
                  ticket_event(ctx, "status_changed", {"from": current.status, "to": "closed"})]
        save(ctx, current, updated, events)
        return updated

    return retry_on_race(attempt)


# --- reminders before the due date ----------------------------------------------------------


def run_case_reminder(timer: Item, now: datetime) -> str:
    """A due reminder timer (``jobs/sweeps.py``): re-reads the case, asks the pure rules
    whether a reminder is due, and records it with a condition on the case's version; the
    outbox tells the recipients. A second sweep of the same timer finds it sent (or its
    write loses the race) and sends nothing."""
    tenant, ticket_id, kind = timer["tenant"], timer["parent_id"], timer["kind"]
    item = repo().get_ticket(tenant, ticket_id, consistent=True)
    if item is None:
        _repair(tenant, ticket_id, kind, timer["due_at"], None)
        return "gone"
    ticket = tickets.Ticket.model_validate(item)
    step = outbound.reminder_step(ticket, utc_iso(now))
    if step is None:
        _repair(tenant, ticket_id, kind, timer["due_at"], ticket)
        return "not_due"
    ctx = Ctx(system_principal(tenant), now)
    updated = next_version(ticket, ctx, reminders=step.reminders)
    event = history_event(ctx, "due_reminder_sent", {"days": step.told.days,
                                                     "due_date": ticket.due_date})
    try:
        save(ctx, ticket, updated, [event])
    except PreconditionFailed:
        return "raced"  # another change won; it wrote the timers its state needs
    return "reminded"
