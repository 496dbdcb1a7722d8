"""``GET /home`` (issue 23, item 4): a few bounded list Queries, read with the same
policy as ``GET /tickets`` (``services/tickets/listing.py``)."""

from __future__ import annotations

from chalicelib.domain import home
from chalicelib.domain.permissions import Permission
from chalicelib.domain.tickets import ContactCaseSummary, contact_summary
from chalicelib.services.client_cases import module_state
from chalicelib.services.context import Ctx
from chalicelib.services.directory import get_settings
from chalicelib.services.tickets import TicketFilters, list_tickets


def get_home(ctx: Ctx) -> home.Home:
    p = ctx.principal
    if not p.is_staff:
        items, after = list_tickets(ctx, TicketFilters(status="active", requester="me"),
                                    home.HOME_LIMIT, {})
        cases, more_cases = list_tickets(
            ctx, TicketFilters(status="active", direction="outbound"), home.HOME_LIMIT, {}) \
            if module_state(ctx.tenant).active else ([], None)
        return home.Home(kind="contact", work=home.customer_work(
            [contact_summary(t) for t in items],
            capped=after is not None or more_cases is not None,
            cases=[ContactCaseSummary.model_validate(c.model_dump()) for c in cases]))
    if not p.can(Permission.TICKETS_VIEW):
        return home.Home(kind="staff")
    mine, more_mine = list_tickets(ctx, TicketFilters(status="active", assignee="me"),
                                   home.HOME_LIMIT, {})
    unassigned, more_unassigned = list_tickets(
        ctx, TicketFilters(status="active", assignee="none"), home.HOME_LIMIT, {})
    warn = get_settings(ctx).sla_warning_minutes
    return home.Home(kind="staff", queue=home.queue_numbers(
        mine, unassigned, capped=more_mine is not None or more_unassigned is not None,
        now=ctx.now, warn_minutes=warn))
