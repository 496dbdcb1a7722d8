"""What happens to a ticket with time and from one-click answers: the approval reminder,
auto-approval, SLA alerts, pausing the approval timer, "Tested OK" / "Not OK" links and
the satisfaction question.

Sweeps call ``run_timer`` with a due timer; it re-reads the ticket, asks the pure rules
(``domain/lifecycle.py``) whether the timer still applies, and writes the step with a
condition on the ticket's version. Two sweeps on one timer: one wins, the other's write
fails its condition and does nothing, so nothing is reminded or closed twice.
"""

from __future__ import annotations

import contextlib
import logging
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain import tickets as t
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
from chalicelib.domain.permissions import Permission as P
from chalicelib.services import answer_links
from chalicelib.services.context import Ctx
from chalicelib.services.directory import get_settings, principal_of, system_principal
from chalicelib.services.directory import repo as directory
from chalicelib.services.tickets import (
    access_ticket,
    approve,
    next_version,
    reject,
    repo,
    save,
)
from chalicelib.services.writes import check_version, history_event
from chalicelib.store.dynamo import Item, UnitOfWork
from chalicelib.store.schedule import sync_timers

log = logging.getLogger("helpdesk.lifecycle")


# --- timers -------------------------------------------------------------------------


def run_timer(timer: Item, now: datetime) -> str:
    """Does what a due timer asks; returns what happened (for the sweep's report)."""
    tenant, ticket_id, kind = timer["tenant"], timer["parent_id"], timer["kind"]
    item = repo().get_ticket(tenant, ticket_id, consistent=True)
    if item is None:
        _repair(tenant, ticket_id, kind, timer["due_at"], None)
        return "gone"
    ticket = t.Ticket.model_validate(item)
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


def _repair(tenant: str, ticket_id: str, kind: str, due_at: str, ticket: t.Ticket | None
            ) -> None:
    """A timer that no longer matches its ticket (it should not happen: timers move with
    the ticket) is set right, on the condition that neither changed meanwhile."""
    wanted = ticket_timers(ticket) if ticket else {}
    if wanted.get(kind) == due_at:
        return
    uow, r = UnitOfWork(), repo()
    if ticket is not None:
        r.check_version(uow, tenant, ticket_id, ticket.version, lambda: Conflict("changed"))
    after = {kind: wanted[kind]} if kind in wanted else {}
    sync_timers(uow, r.table, tenant, "TICKET", ticket_id, {kind: due_at}, after)
    with contextlib.suppress(Conflict):  # the ticket moved on; its own write set the timers
        uow.commit()


def _apply(ctx: Ctx, ticket: t.Ticket, step: Step) -> tuple[t.Ticket, list[Item]]:
    if step.action == "remind":
        settings = get_settings(ctx)
        auto_close = utc_iso(ctx.now + timedelta(hours=settings.auto_close_hours))
        return (next_version(ticket, ctx, reminder_sent_at=ctx.stamp, auto_close_at=auto_close),
                [history_event(ctx, "reminder_sent", {"to": ticket.requester_id,
                                                      "auto_close_at": auto_close})])
    if step.action == "auto_approve":
        return (next_version(ticket, ctx, status="closed", closed_at=ctx.stamp,
                             closed_reason="auto_approved", approval_due_at=None,
                             approval=t.Approval(state="auto_approved", at=ctx.stamp,
                                                 by="system")),
                [history_event(ctx, "auto_approved", {"resolved_at": ticket.resolved_at,
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


def _staff_on_resolved(ctx: Ctx, ticket_id: str) -> t.Ticket:
    access = access_ticket(ctx, ticket_id, consistent=True)
    if not access.staff or not ctx.principal.can(P.TICKETS_RESOLVE):
        raise Forbidden("Pausing auto-approval needs the permission tickets.resolve.")
    check_version(ctx, access.ticket.version)
    if access.ticket.status != "resolved":
        raise BusinessRuleViolation(
            f"Only a resolved ticket waits for approval; this one is {access.ticket.status}.")
    return access.ticket


def pause_auto_approval(ctx: Ctx, ticket_id: str, body: t.PauseBody) -> t.Ticket:
    current = _staff_on_resolved(ctx, ticket_id)
    if current.auto_approval_paused is not None:
        raise Conflict("Auto-approval of this ticket is paused already.")
    reason = t.plain_text(body.reason)
    if not reason:
        raise InvalidInput("The reason is empty once markup is removed.",
                           [FieldError(("body", "reason"), "no text left")])
    pause = t.AutoApprovalPause(at=ctx.stamp, by=ctx.principal.user_id,
                                by_name=ctx.principal.record.get("name"), reason=reason)
    updated = next_version(current, ctx, auto_approval_paused=pause)
    save(ctx, current, updated,
         [history_event(ctx, "auto_approval_paused", {"reason": reason}, internal=True)],
         versioned=True)
    return updated


def resume_auto_approval(ctx: Ctx, ticket_id: str) -> t.Ticket:
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


def answer(body: t.TicketAnswer, now: datetime) -> dict[str, Any]:
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
    ticket = t.Ticket.model_validate(item)
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


def _approve_or_reject(ctx: Ctx, ticket: t.Ticket, token: answer_links.AnswerToken,
                       body: t.TicketAnswer, claim: Any) -> t.Ticket:
    if body.answer == "reject" and not body.reason.strip():
        raise InvalidInput("Say what is not OK.",
                           [FieldError(("body", "reason"), "required for reject")])
    if ticket.status != "resolved" or ticket.resolved_at != token.moment:
        raise Gone("The ticket has been answered already, or has changed since.")
    try:
        if body.answer == "approve":
            return approve(ctx, ticket.id, t.ApproveBody(comment=body.comment), claim)
        return reject(ctx, ticket.id, t.RejectBody(reason=body.reason), claim)
    except Conflict:
        raise Gone("The ticket has been answered already.") from None


def _rate(ctx: Ctx, ticket: t.Ticket, token: answer_links.AnswerToken, body: t.TicketAnswer,
          claim: Any) -> t.Ticket:
    rating = body.rating
    if rating is None:
        raise InvalidInput("Choose good or bad.",
                           [FieldError(("body", "rating"), "required for rate")])
    if ticket.status != "closed" or ticket.closed_at != token.moment or ticket.satisfaction:
        raise Gone("This ticket has been rated already, or was reopened.")
    comment = t.plain_text(body.comment)
    updated = next_version(ticket, ctx, satisfaction=t.Satisfaction(
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
