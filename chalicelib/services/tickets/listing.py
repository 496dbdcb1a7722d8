"""Listing and searching tickets: the policy (who may list what, what ``me`` means);
``store/tickets.py`` chooses the index and reads it."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain import tickets
from chalicelib.domain.errors import Forbidden
from chalicelib.domain.permissions import Permission
from chalicelib.services.client_cases import require_active
from chalicelib.services.context import Ctx
from chalicelib.services.tickets.access import contact_level, org_visibility
from chalicelib.services.tickets.shared import repo
from chalicelib.store.dynamo import Item
from chalicelib.store.tickets import UNASSIGNED, TicketSelection


@dataclass(frozen=True)
class TicketFilters:
    status: str | None = None  # a status, "active", or None for all
    ticket_type_id: str | None = None
    assignee: str | None = None  # a user id, "me" or "none"
    organization_id: str | None = None
    requester: str | None = None  # a user id or "me"
    q: str = ""
    updated_after: str | None = None
    direction: str | None = None  # "inbound", "outbound", or None


def _contact_scope(ctx: Ctx, organization: str | None,
                   requester: str | None) -> tuple[str, str | None] | None:
    """A contact's list is their organisation's, or only their own tickets when the
    organisation's visibility is ``own``. None: the filters ask for what they cannot see."""
    p = ctx.principal
    if p.organization_id is None or organization not in (None, p.organization_id):
        return None
    can_see_org = (p.can(Permission.TICKETS_VIEW_ORGANIZATION)
                   or org_visibility(ctx) in ("organization_read", "organization_comment"))
    if not can_see_org:
        if requester not in (None, p.user_id):
            return None
        requester = p.user_id
    return p.organization_id, requester


def _selection(ctx: Ctx, f: TicketFilters) -> TicketSelection | None:
    """The tickets the filters ask for, ``me`` resolved; contacts are held to what they
    may see. None: the filters ask for nothing the caller may see."""
    p = ctx.principal
    assignee = p.user_id if f.assignee == "me" else f.assignee
    if assignee == "none":
        assignee = UNASSIGNED
    requester = p.user_id if f.requester == "me" else f.requester
    organization = f.organization_id
    if f.direction == "outbound":
        return _case_selection(ctx, f, assignee, requester)
    if not p.is_staff:
        scope = _contact_scope(ctx, organization, requester)
        if scope is None:
            return None
        organization, requester = scope
    elif not p.can(Permission.TICKETS_VIEW):
        raise Forbidden("This needs the permission tickets.view.")
    # A contact's ordinary list is what their organisation asked (its cases from the firm
    # have a list of their own, ``direction=outbound``); staff choose, or see both.
    direction = f.direction if p.is_staff else "inbound"
    return TicketSelection(status=f.status, assignee_id=assignee, requester_id=requester,
                           organization_id=organization, ticket_type_id=f.ticket_type_id,
                           updated_after=f.updated_after, direction=direction)


def _case_selection(ctx: Ctx, f: TicketFilters, assignee: str | None,
                    requester: str | None) -> TicketSelection | None:
    """Cases from the firm (issue 19): staff read the firm's outbound queue; a contact the
    cases addressed to them, or, as their organisation's contact admin, all of its cases.
    Before the module is activated this is a 403."""
    require_active(ctx)
    p = ctx.principal
    organization, recipient = f.organization_id, None
    if not p.is_staff:
        if p.organization_id is None or organization not in (None, p.organization_id):
            return None
        if requester is not None:
            return None  # a case from the firm has recipients, no requester
        organization = p.organization_id
        if not p.can(Permission.TICKETS_VIEW_ORGANIZATION):
            recipient = p.user_id
    elif not p.can(Permission.TICKETS_VIEW):
        raise Forbidden("This needs the permission tickets.view.")
    return TicketSelection(status=f.status, assignee_id=assignee, requester_id=requester,
                           organization_id=organization, ticket_type_id=f.ticket_type_id,
                           updated_after=f.updated_after, direction="outbound",
                           recipient_user_id=recipient)


def list_tickets(ctx: Ctx, f: TicketFilters, limit: int, positions: dict[str, str]
                 ) -> tuple[list[tickets.TicketSummary], dict[str, str] | None]:
    if f.q.strip():
        if f.direction == "outbound":
            require_active(ctx)
        return _search(ctx, f, limit, positions)
    selection = _selection(ctx, f)
    if selection is None:
        return [], None
    items, after = repo().list_tickets(ctx.tenant, selection, limit, positions)
    return [_row(f).model_validate(i) for i in items], after


def _row(f: TicketFilters) -> type[tickets.TicketSummary]:
    """A list of cases from the firm shows the case's facts (due date, recipients)."""
    return tickets.CaseSummary if f.direction == "outbound" else tickets.TicketSummary


def _matches(ticket: Item, f: TicketFilters, ctx: Ctx) -> bool:
    p = ctx.principal
    assignee = p.user_id if f.assignee == "me" else f.assignee
    requester = p.user_id if f.requester == "me" else f.requester
    checks = [
        f.status is None or (f.status == "active" and ticket["status"] != "closed")
        or ticket["status"] == f.status,
        not f.ticket_type_id or ticket["ticket_type_id"] == f.ticket_type_id,
        not assignee or (ticket.get("assignee_id") or "none") == assignee,
        not requester or ticket.get("requester_id") == requester,
        not f.organization_id or ticket["organization_id"] == f.organization_id,
        not f.updated_after or ticket["updated_at"] > f.updated_after,
        (ticket.get("direction") or "inbound") == (f.direction or "inbound")
        or (p.is_staff and f.direction is None),
    ]
    return all(checks) and (p.is_staff or contact_level(ctx, ticket) is not None)


def _search(ctx: Ctx, f: TicketFilters, limit: int, positions: dict[str, str]
            ) -> tuple[list[tickets.TicketSummary], dict[str, str] | None]:
    """``q``: a ticket number (``T-1001`` or ``1001``) and words that start words of the
    subject ("2026" finds T-2026 first, then subjects that mention 2026). One GetItem pair
    for the number, one Query on the word index and one BatchGetItem per page."""
    p, r = ctx.principal, repo()
    if p.is_staff and not p.can(Permission.TICKETS_VIEW):
        raise Forbidden("This needs the permission tickets.view.")
    by_number: list[Item] = []
    number = tickets.number_in_query(f.q)
    if number is not None and not positions:
        ticket_id = r.ticket_id_by_number(ctx.tenant, number)
        item = r.get_ticket(ctx.tenant, ticket_id) if ticket_id else None
        by_number = [item] if item and _matches(item, f, ctx) else []
    terms = tickets.query_terms(f.q) if not f.q.strip().upper().startswith("T-") else []
    if not terms:
        return [_row(f).model_validate(i) for i in by_number], None
    # Contacts read only their organisation's entries of the index ("-", none at all, for
    # a contact without one).
    organization = None if p.is_staff else (p.organization_id or "-")
    ticket_ids, after = r.search(ctx.tenant, terms[0], limit, positions, organization)
    loaded = r.get_tickets(ctx.tenant, ticket_ids)
    found = [loaded[i] for i in ticket_ids if i in loaded]
    seen = {i["id"] for i in by_number}
    kept = by_number + [i for i in found if i["id"] not in seen
                        and tickets.matches_all(i["subject"], terms[1:]) and _matches(i, f, ctx)]
    return [_row(f).model_validate(i) for i in kept], after
