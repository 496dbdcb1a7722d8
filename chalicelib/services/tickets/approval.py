"""A ticket's way from resolved to closed: resolving, the requester's side approving or
rejecting, and what happens with time and from one-click answers (the approval reminder,
auto-approval, SLA alerts, pausing the approval timer, "Tested OK" / "Not OK" links and
the satisfaction question with its report).

Sweeps call ``run_timer`` with a due timer; it re-reads the ticket, asks the pure rules
(``domain/lifecycle.py``) whether the timer still applies, and writes the step with a
condition on the ticket's version. Two sweeps on one timer: one wins, the other's write
fails its condition and does nothing, so nothing is reminded or closed twice.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain import tickets
from chalicelib.domain.errors import (
    BusinessRuleViolation,
    Conflict,
    FieldError,
    Forbidden,
    Gone,
    InvalidInput,
    PreconditionFailed,
)
from chalicelib.domain.lifecycle import Step, next_step, ticket_timers
from chalicelib.domain.models import utc_iso
from chalicelib.domain.permissions import Permission
from chalicelib.services import answer_links, billing_usage
from chalicelib.services.context import Ctx
from chalicelib.services.directory import get_settings, principal_of, system_principal
from chalicelib.services.directory import repo as directory
from chalicelib.services.tickets.access import TicketAccess, access_ticket, require_comment
from chalicelib.services.tickets.comments import new_comment
from chalicelib.services.tickets.patching import APPROVAL_TIMER_OFF
from chalicelib.services.tickets.shared import next_version, repo, save, ticket_event
from chalicelib.services.writes import check_version, history_event
from chalicelib.store.dynamo import Item, UnitOfWork

# A write that joins the answer's transaction (a one-click link records its single use).
Claim = Callable[[UnitOfWork], None]


# --- resolving --------------------------------------------------------------------------


def resolve(ctx: Ctx, ticket_id: str, body: tickets.ResolveBody) -> tickets.Ticket:
    access = access_ticket(ctx, ticket_id, consistent=True)
    if not access.staff:
        raise Forbidden("Only staff resolve tickets.")
    current = access.ticket
    tickets.check_transition(current.status, "resolved")
    text = tickets.plain_text(body.resolution)
    if not text:
        raise InvalidInput("The resolution is empty once markup is removed.",
                           [FieldError(("body", "resolution"), "no text left")])
    settings = get_settings(ctx)
    due = utc_iso(ctx.now + timedelta(hours=settings.approval_reminder_hours))
    comment = new_comment(ctx, current.id, text, False, body.hours)
    updates: dict[str, Any] = {
        "status": "resolved", "resolved_at": ctx.stamp, "resolution": text,
        "approval": tickets.Approval(state="pending"), "approval_due_at": due,
        **APPROVAL_TIMER_OFF, "comment_count": current.comment_count + 1,
        "first_response_at": current.first_response_at or ctx.stamp,
    }
    if body.hours:
        updates["total_hours"] = round(current.total_hours + body.hours, 2)
    updated = next_version(current, ctx, **updates)
    events = [
        ticket_event(ctx, "status_changed", {"from": current.status, "to": "resolved"}),
        ticket_event(ctx, "resolved", {"comment_id": comment["id"],
                                       "billable": current.billable,
                                       "approval_due_at": due, "hours": body.hours}),
    ]
    def extra(uow: UnitOfWork) -> None:
        repo().add_comment(uow, ctx.tenant, current.id, comment)
        billing_usage.on_resolved(uow, ctx, updated, body.hours)  # issue 19

    save(ctx, current, updated, events, extra=extra, versioned=True)
    return updated


# --- approving or rejecting ---------------------------------------------------------------


def _approver_access(ctx: Ctx, ticket_id: str) -> TicketAccess:
    """The requester's side answers: the requester and the organisation's contacts who may
    comment, or staff holding ``tickets.approve`` (e.g. on the customer's word by phone)."""
    access = access_ticket(ctx, ticket_id, consistent=True)
    if access.staff:
        if not ctx.principal.can(Permission.TICKETS_APPROVE):
            raise Forbidden("This needs the permission tickets.approve.")
    else:
        require_comment(access)
    if access.ticket.status != "resolved":
        raise BusinessRuleViolation(
            f"Only a resolved ticket can be approved or rejected; this one is "
            f"{access.ticket.status}.")
    return access


def approve(ctx: Ctx, ticket_id: str, body: tickets.ApproveBody | None,
            claim: Claim | None = None) -> tickets.Ticket:
    """``claim`` joins the transaction (a one-click link records its single use there)."""
    current = _approver_access(ctx, ticket_id).ticket
    updated = next_version(current, ctx, status="closed", closed_at=ctx.stamp,
                           closed_reason="approved", approval_due_at=None,
                           approval=tickets.Approval(state="approved", at=ctx.stamp,
                                                     by=ctx.principal.user_id))
    events = [ticket_event(ctx, "approved", {"comment": body.comment if body else ""}),
              ticket_event(ctx, "status_changed", {"from": "resolved", "to": "closed"})]
    text = tickets.plain_text(body.comment) if body and body.comment else ""
    comment = new_comment(ctx, current.id, text, False, None) if text else None
    if comment:
        updated = updated.model_copy(update={"comment_count": current.comment_count + 1})

    def extra(uow: UnitOfWork) -> None:
        if comment:
            repo().add_comment(uow, ctx.tenant, current.id, comment)
        if claim:
            claim(uow)

    save(ctx, current, updated, events, extra=extra, versioned=True)
    return updated


def reject(ctx: Ctx, ticket_id: str, body: tickets.RejectBody, claim: Claim | None = None
           ) -> tickets.Ticket:
    current = _approver_access(ctx, ticket_id).ticket
    reason = tickets.plain_text(body.reason)
    if not reason:
        raise InvalidInput("The reason is empty once markup is removed.",
                           [FieldError(("body", "reason"), "no text left")])
    comment = new_comment(ctx, current.id, reason, False, None)
    updated = next_version(current, ctx, status="open", approval_due_at=None, resolved_at=None,
                           approval=tickets.Approval(state="rejected", at=ctx.stamp,
                                                     by=ctx.principal.user_id, reason=reason),
                           comment_count=current.comment_count + 1)
    events = [ticket_event(ctx, "rejected", {"reason": reason, "comment_id": comment["id"]}),
              ticket_event(ctx, "status_changed", {"from": "resolved", "to": "open"})]

    def extra(uow: UnitOfWork) -> None:
        repo().add_comment(uow, ctx.tenant, current.id, comment)
        if claim:
            claim(uow)

    save(ctx, current, updated, events, extra=extra, versioned=True)
    return updated


# --- timers -------------------------------------------------------------------------
# What follows writes its events with ``history_event``: unlike ``ticket_event``, a
# public one carries no ``internal`` attribute at all (as stored before the merge).


def run_timer(timer: Item, now: datetime) -> str:
    """Does what a due timer asks; returns what happened (for the sweep's report)."""
    tenant, ticket_id, kind = timer["tenant"], timer["parent_id"], timer["kind"]
    item = repo().get_ticket(tenant, ticket_id, consistent=True)
    if item is None:
        _repair(tenant, ticket_id, kind, timer["due_at"], None)
        return "gone"
    ticket = tickets.Ticket.model_validate(item)
    step = next_step(ticket, kind, utc_iso(now))
    if step is None:
        _repair(tenant, ticket_id, kind, timer["due_at"], ticket)
        return "not_due"
    ctx = Ctx(system_principal(tenant), now)
    updated, events = _apply(ctx, ticket, step)
    try:
        save(ctx, ticket, updated, events)
    except PreconditionFailed:
        return "raced"  # another change won; it wrote the timers its state needs
    return step.action


def _repair(tenant: str, ticket_id: str, kind: str, due_at: str,
            ticket: tickets.Ticket | None) -> None:
    """A timer that no longer matches its ticket (it should not happen: timers move with
    the ticket) is set right, on the condition that neither changed meanwhile."""
    wanted = ticket_timers(ticket) if ticket else {}
    if wanted.get(kind) == due_at:
        return
    uow, r = UnitOfWork(), repo()
    if ticket is not None:
        r.check_version(uow, tenant, ticket_id, ticket.version, lambda: Conflict("changed"))
    after = {kind: wanted[kind]} if kind in wanted else {}
    r.sync_timers(uow, tenant, ticket_id, {kind: due_at}, after)
    with contextlib.suppress(Conflict):  # the ticket moved on; its own write set the timers
        uow.commit()


def _apply(ctx: Ctx, ticket: tickets.Ticket, step: Step) -> tuple[tickets.Ticket, list[Item]]:
    if step.action == "remind":
        settings = get_settings(ctx)
        auto_close = utc_iso(ctx.now + timedelta(hours=settings.auto_close_hours))
        return (next_version(ticket, ctx, reminder_sent_at=ctx.stamp, auto_close_at=auto_close),
                [history_event(ctx, "reminder_sent", {"to": ticket.requester_id,
                                                      "auto_close_at": auto_close})])
    if step.action == "auto_approve":
        return (next_version(ticket, ctx, status="closed", closed_at=ctx.stamp,
                             closed_reason="auto_approved", approval_due_at=None,
                             approval=tickets.Approval(state="auto_approved", at=ctx.stamp,
                                                       by="system")),
                [history_event(ctx, "auto_approved", {
                    "resolved_at": ticket.resolved_at,
                    "reminder_sent_at": ticket.reminder_sent_at}),
                 history_event(ctx, "status_changed", {"from": "resolved", "to": "closed"})])
    assert step.target is not None
    state = "warned" if step.action == "sla_warning" else "breached"
    due = ticket.first_response_due_at if step.target == "first_response" \
        else ticket.resolution_due_at
    return (next_version(ticket, ctx, sla_alerts={**ticket.sla_alerts, step.target: state}),
            [history_event(ctx, step.action, {"target": step.target, "due_at": due},
                           internal=True)])


# --- pausing the approval timer --------------------------------------------------------


def _staff_on_resolved(ctx: Ctx, ticket_id: str) -> tickets.Ticket:
    access = access_ticket(ctx, ticket_id, consistent=True)
    if not access.staff or not ctx.principal.can(Permission.TICKETS_RESOLVE):
        raise Forbidden("Pausing auto-approval needs the permission tickets.resolve.")
    check_version(ctx, access.ticket.version)
    if access.ticket.status != "resolved":
        raise BusinessRuleViolation(
            f"Only a resolved ticket waits for approval; this one is {access.ticket.status}.")
    return access.ticket


def pause_auto_approval(ctx: Ctx, ticket_id: str, body: tickets.PauseBody) -> tickets.Ticket:
    current = _staff_on_resolved(ctx, ticket_id)
    if current.auto_approval_paused is not None:
        raise Conflict("Auto-approval of this ticket is paused already.")
    reason = tickets.plain_text(body.reason)
    if not reason:
        raise InvalidInput("The reason is empty once markup is removed.",
                           [FieldError(("body", "reason"), "no text left")])
    pause = tickets.AutoApprovalPause(at=ctx.stamp, by=ctx.principal.user_id,
                                      by_name=ctx.principal.record.get("name"), reason=reason)
    updated = next_version(current, ctx, auto_approval_paused=pause)
    save(ctx, current, updated,
         [history_event(ctx, "auto_approval_paused", {"reason": reason}, internal=True)],
         versioned=True)
    return updated


def resume_auto_approval(ctx: Ctx, ticket_id: str) -> tickets.Ticket:
    """The timer runs again; a customer already reminded gets the full auto-close time
    from now, so resuming never closes a ticket at once."""
    current = _staff_on_resolved(ctx, ticket_id)
    if current.auto_approval_paused is None:
        raise Conflict("Auto-approval of this ticket is not paused.")
    updates: dict[str, Any] = {"auto_approval_paused": None}
    if current.reminder_sent_at is not None:
        hours = get_settings(ctx).auto_close_hours
        later = utc_iso(ctx.now + timedelta(hours=hours))
        updates["auto_close_at"] = max(current.auto_close_at or later, later)
    updated = next_version(current, ctx, **updates)
    save(ctx, current, updated,
         [history_event(ctx, "auto_approval_resumed",
                        {"auto_close_at": updated.auto_close_at,
                         "approval_due_at": updated.approval_due_at}, internal=True)],
         versioned=True)
    return updated


# --- one-click answers ------------------------------------------------------------------


def answer(body: tickets.TicketAnswer, now: datetime) -> dict[str, Any]:
    """``POST /ticket-answers``: 400 for an altered token, 410 for a used or expired one
    or one whose moment has passed, 403 when its contact may no longer answer."""
    token = answer_links.read(body.token)
    wanted = "rate" if body.answer == "rate" else "answer"
    if token.purpose != wanted:
        raise InvalidInput("This link is for another kind of answer.",
                           [FieldError(("body", "answer"), f"this link is for {token.purpose}")])
    if token.expired(now):
        raise Gone("The link has expired.")
    user = directory().get_user(token.tenant, token.user_id)
    if user is None or not user.get("active", True) or user.get("kind") != "contact":
        raise Forbidden("The person this link was sent to can no longer answer.")
    ctx = Ctx(principal_of(token.tenant, user), now)
    item = repo().get_ticket(token.tenant, token.ticket_id, consistent=True)
    if item is None:
        raise Gone("The ticket is gone.")
    ticket = tickets.Ticket.model_validate(item)
    if ticket.requester_id != token.user_id:
        raise Forbidden("This link was sent to someone else.")

    def claim(uow: UnitOfWork) -> None:
        repo().use_link(uow, token.tenant, ticket.id, token.token_id, ctx.stamp,
                        lambda: Gone("This link has been used already."))

    if body.answer == "rate":
        updated = _rate(ctx, ticket, token, body, claim)
    else:
        updated = _approve_or_reject(ctx, ticket, token, body, claim)
    return {"ticket_id": updated.id, "number": updated.number, "status": updated.status,
            "answer": body.answer}


def _approve_or_reject(ctx: Ctx, ticket: tickets.Ticket, token: answer_links.AnswerToken,
                       body: tickets.TicketAnswer, claim: Claim) -> tickets.Ticket:
    if body.answer == "reject" and not body.reason.strip():
        raise InvalidInput("Say what is not OK.",
                           [FieldError(("body", "reason"), "required for reject")])
    if ticket.status != "resolved" or ticket.resolved_at != token.moment:
        raise Gone("The ticket has been answered already, or has changed since.")
    try:
        if body.answer == "approve":
            return approve(ctx, ticket.id, tickets.ApproveBody(comment=body.comment), claim)
        return reject(ctx, ticket.id, tickets.RejectBody(reason=body.reason), claim)
    except Conflict:
        raise Gone("The ticket has been answered already.") from None


def _rate(ctx: Ctx, ticket: tickets.Ticket, token: answer_links.AnswerToken,
          body: tickets.TicketAnswer, claim: Claim) -> tickets.Ticket:
    rating = body.rating
    if rating is None:
        raise InvalidInput("Choose good or bad.",
                           [FieldError(("body", "rating"), "required for rate")])
    if ticket.status != "closed" or ticket.closed_at != token.moment or ticket.satisfaction:
        raise Gone("This ticket has been rated already, or was reopened.")
    comment = tickets.plain_text(body.comment)
    updated = next_version(ticket, ctx, satisfaction=tickets.Satisfaction(
        rating=rating, comment=comment, at=ctx.stamp, by=ctx.principal.user_id))
    month = ctx.stamp[:7]

    def extra(uow: UnitOfWork) -> None:
        claim(uow)
        repo().count_rating(uow, ctx.tenant, month, ticket.assignee_id, ticket.ticket_type_id,
                            rating)

    try:
        save(ctx, ticket, updated, [history_event(ctx, "rated", {
            "rating": rating, "comment": comment, "assignee_id": ticket.assignee_id})],
             extra=extra)
    except PreconditionFailed:
        raise Gone("The ticket changed meanwhile; the link no longer applies.") from None
    return updated


# --- the satisfaction report --------------------------------------------------------------


def satisfaction_report(ctx: Ctx, from_month: str, to_month: str) -> dict[str, Any]:
    """Sums of the monthly counters (one Query: months x (agents + types) items)."""
    if to_month < from_month:
        raise InvalidInput("The range ends before it starts.",
                           [FieldError(("query", "to"), "must not be before from")])
    sums: dict[str, dict[str, Counter[str]]] = {"AGENT": {}, "TYPE": {}}
    for row in repo().ratings(ctx.tenant, from_month, to_month):
        counts = sums[row["dimension"]].setdefault(row["key"], Counter())
        counts.update({"good": row["good"], "bad": row["bad"]})
    agents = directory().get_users(ctx.tenant, [a for a in sums["AGENT"] if a != "none"][:100])
    types = {x["id"]: x for x in repo().list_types(ctx.tenant)}

    def table(dimension: str, names: dict[str, Item], label: Any) -> list[dict[str, Any]]:
        return [{"id": key, "name": label(names.get(key)), "good": c["good"], "bad": c["bad"]}
                for key, c in sorted(sums[dimension].items())]

    return {"from_month": from_month, "to_month": to_month,
            "by_agent": table("AGENT", agents, lambda u: u.get("name") if u else None),
            "by_type": table("TYPE", types,
                             lambda x: (x.get("name") or {}).get(ctx.principal.language)
                             if x else None)}
