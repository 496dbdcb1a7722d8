"""Changing a ticket (``PATCH /tickets/{id}``): status, assignee, priority, type and
watchers, each a step that returns its updates and the events that record it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from chalicelib.domain import tickets
from chalicelib.domain.errors import FieldError, Forbidden, InvalidInput
from chalicelib.domain.permissions import Permission
from chalicelib.services import billing_usage
from chalicelib.services.context import Ctx
from chalicelib.services.directory import get_settings
from chalicelib.services.directory import repo as directory
from chalicelib.services.tickets.access import access_ticket
from chalicelib.services.tickets.catalog import active_type
from chalicelib.services.tickets.creating import check_watchers
from chalicelib.services.tickets.shared import next_version, save, sla_dues, ticket_event
from chalicelib.services.writes import check_version, refuse_nulls
from chalicelib.store.dynamo import Item

# A change of a ticket: the fields it updates and the history events that record it.
Change = tuple[dict[str, Any], list[Item]]


def patch_ticket(ctx: Ctx, ticket_id: str, patch: tickets.TicketPatch) -> tickets.Ticket:
    access = access_ticket(ctx, ticket_id)
    if not access.staff:
        raise Forbidden("Only staff change a ticket's status, assignee, priority or type.")
    current, p = access.ticket, ctx.principal
    check_version(ctx, current.version)
    changes = patch.model_dump(exclude_unset=True)
    refuse_nulls(changes, ("status", "priority", "ticket_type_id", "watchers"))
    for name in changes:
        wanted = Permission.TICKETS_ASSIGN if name == "assignee_id" else Permission.TICKETS_EDIT
        if name != "reason" and not p.can(wanted):
            raise Forbidden(f"Changing {name} needs the permission {wanted.value}.")
    steps: dict[str, Callable[[Ctx, tickets.Ticket, Any, dict[str, Any]], Change]] = {
        "status": _patch_status, "assignee_id": _patch_assignee, "priority": _patch_priority,
        "ticket_type_id": _patch_type, "watchers": _patch_watchers,
    }
    updates: dict[str, Any] = {}
    events: list[Item] = []
    for name, step in steps.items():
        if name in changes and changes[name] != getattr(current, name):
            more, happened = step(ctx, current, changes[name], changes)
            updates |= more
            events += happened
    if not events:
        return current
    updated = next_version(current, ctx, **updates)
    save(ctx, current, updated, events, versioned=True,
         extra=lambda uow: billing_usage.on_retyped(uow, ctx, current, updated))  # issue 19
    return updated


def _patch_status(ctx: Ctx, current: tickets.Ticket, target: tickets.Status,
                  changes: dict[str, Any]) -> Change:
    tickets.check_transition(current.status, target, tickets.PATCHABLE_TARGETS)
    reason = changes.get("reason")
    return (status_updates(ctx, current, target, reason),
            [ticket_event(ctx, "status_changed", {"from": current.status, "to": target,
                                                  "reason": reason})])


def _patch_assignee(ctx: Ctx, current: tickets.Ticket, new: str | None,
                    changes: dict[str, Any]) -> Change:
    if new is not None:
        user = directory().get_user(ctx.tenant, new)
        if user is None or user.get("kind") != "staff" or not user.get("active", True):
            raise InvalidInput("The assignee must be an active staff user.",
                               [FieldError(("body", "assignee_id"), "no such staff user")])
    return ({"assignee_id": new},
            [ticket_event(ctx, "assigned", {"from": current.assignee_id, "to": new})])


def _patch_priority(ctx: Ctx, current: tickets.Ticket, priority: str,
                    changes: dict[str, Any]) -> Change:
    """The SLA targets follow the new priority, counted from the ticket's creation."""
    settings = get_settings(ctx)
    target = settings.sla_targets[priority]  # type: ignore[index]
    created = datetime.fromisoformat(current.created_at)
    # New targets, new warnings: what was flagged for the old ones is cleared.
    updates: dict[str, Any] = {
        "priority": priority, "sla_alerts": {},
        **sla_dues(settings, created, target, ctx.now, current.first_response_at is None),
    }
    return updates, [ticket_event(ctx, "priority_changed", {
        "from": current.priority, "to": priority,
        "resolution_due_at": updates["resolution_due_at"]})]


def _patch_type(ctx: Ctx, current: tickets.Ticket, type_id: str,
                changes: dict[str, Any]) -> Change:
    """Staff may re-type (seed 004); the history says whether billing changed."""
    new_type = active_type(ctx, type_id, ("body", "ticket_type_id"))
    return ({"ticket_type_id": new_type.id, "billable": new_type.billable},
            [ticket_event(ctx, "retyped", {
                "from": current.ticket_type_id, "to": new_type.id,
                "billable_from": current.billable, "billable_to": new_type.billable,
                "billing_changed": current.billable != new_type.billable})])


def _patch_watchers(ctx: Ctx, current: tickets.Ticket, watchers: list[str],
                    changes: dict[str, Any]) -> Change:
    checked = check_watchers(ctx, current.organization_id, watchers, ("body", "watchers"))
    if checked == current.watchers:
        return {}, []
    return ({"watchers": checked},
            [ticket_event(ctx, "watchers_changed", {"from": current.watchers, "to": checked},
                          internal=True)])


# A new resolution (or a reopening) starts the approval flow afresh.
APPROVAL_TIMER_OFF: dict[str, Any] = {
    "reminder_sent_at": None, "auto_close_at": None, "auto_approval_paused": None}


def status_updates(ctx: Ctx, current: tickets.Ticket, target: tickets.Status,
                   reason: str | None) -> dict[str, Any]:
    """The fields a move to ``target`` sets besides the status (closing, reopening)."""
    updates: dict[str, Any] = {"status": target}
    if target == "closed":
        updates |= {"closed_at": ctx.stamp, "closed_reason": "closed_by_staff",
                    "approval_due_at": None}
    elif current.status in ("resolved", "closed"):
        # Reopened: whatever waited for approval is off.
        updates |= {"closed_at": None, "closed_reason": None, "approval_due_at": None,
                    "approval": None, "resolved_at": None, **APPROVAL_TIMER_OFF}
    return updates
