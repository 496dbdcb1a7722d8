"""Who may do what with a ticket, decided here once: staff with ``tickets.view`` see all
of the tenant's; a contact sees what their organisation's ``ticket_visibility`` allows,
and a case from the firm only when it is addressed to them (or they are their
organisation's contact admin); anything else is a 404, as if it did not exist."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from chalicelib.domain import tickets
from chalicelib.domain.errors import Forbidden, NotFound
from chalicelib.domain.permissions import Permission
from chalicelib.services.context import Ctx
from chalicelib.services.directory import repo as directory
from chalicelib.services.tickets.shared import repo
from chalicelib.store.dynamo import Item

Level = Literal["read", "comment", "staff"]


@dataclass(frozen=True)
class TicketAccess:
    """A ticket its reader may see, and what they may do with it."""

    ticket: tickets.Ticket
    level: Level

    @property
    def staff(self) -> bool:
        return self.level == "staff"


def contact_level(ctx: Ctx, ticket: Item) -> Level | None:
    """What a contact may do with a ticket: their own always; the organisation's as its
    ``ticket_visibility`` (or the contact admin's right) allows; nothing else."""
    p = ctx.principal
    if ticket.get("organization_id") != p.organization_id or p.organization_id is None:
        return None
    if ticket.get("requester_id") == p.user_id or p.user_id in ticket.get("watchers", []):
        return "comment"
    if ticket.get("direction") == "outbound":
        return case_level(ctx, ticket)
    visibility = org_visibility(ctx)
    if visibility == "organization_comment":
        return "comment"
    if visibility == "organization_read" or p.can(Permission.TICKETS_VIEW_ORGANIZATION):
        return "read"
    return None


def case_level(ctx: Ctx, ticket: Item) -> Level | None:
    """A case from the firm (issue 19) is its recipients' and their organisation's contact
    admin's, whatever the organisation's ``ticket_visibility``: the firm addressed it to
    them, not to every colleague. (The organisation was checked by ``contact_level``.)"""
    p = ctx.principal
    if p.user_id in ticket.get("recipient_user_ids", []):
        return "comment"
    if p.can(Permission.TICKETS_VIEW_ORGANIZATION):
        return "comment"
    return None


def is_recipient(ctx: Ctx, ticket: tickets.Ticket) -> bool:
    return (ticket.direction == "outbound" and not ctx.principal.is_staff
            and ctx.principal.user_id in ticket.recipient_user_ids)


def org_visibility(ctx: Ctx) -> str:
    org_id = ctx.principal.organization_id
    org = directory().get_organization(ctx.tenant, org_id) if org_id else None
    return str(org.get("ticket_visibility", "own")) if org else "own"


def access_ticket(ctx: Ctx, ticket_id: str, consistent: bool = False) -> TicketAccess:
    item = repo().get_ticket(ctx.tenant, ticket_id, consistent=consistent)
    if item is None:
        raise NotFound("No such ticket.")
    p = ctx.principal
    if p.is_staff:
        if not p.can(Permission.TICKETS_VIEW):
            raise Forbidden("This needs the permission tickets.view.")
        return TicketAccess(tickets.Ticket.model_validate(item), "staff")
    level = contact_level(ctx, item)
    if level is None:
        raise NotFound("No such ticket.")
    return TicketAccess(tickets.Ticket.model_validate(item), level)


def require_comment(access: TicketAccess) -> None:
    if access.level == "read":
        raise Forbidden("Your organisation lets you read this ticket, not comment on it.")


def get_ticket(ctx: Ctx, ticket_id: str) -> tickets.Ticket:
    return access_ticket(ctx, ticket_id).ticket


def abilities(ctx: Ctx, access: TicketAccess) -> tickets.Abilities:
    """What the caller may do with the ticket, decided by the rules the writes apply: a
    contact answers (comments, approves) where they may comment and the ticket is not
    closed; staff by their permissions; approving only while it is resolved."""
    p, status = ctx.principal, access.ticket.status
    answers = access.staff or (access.level == "comment" and status != "closed")
    return tickets.Abilities(
        can_comment=answers and p.can(Permission.TICKETS_COMMENT),
        can_approve=answers and status == "resolved" and p.can(Permission.TICKETS_APPROVE),
        can_edit=access.staff and p.can(Permission.TICKETS_EDIT),
        can_assign=access.staff and p.can(Permission.TICKETS_ASSIGN),
        can_mark_done=(is_recipient(ctx, access.ticket) and status != "closed"
                       and p.can(Permission.TICKETS_COMMENT)))
