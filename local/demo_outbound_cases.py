"""Demo data for cases from the firm (issue 19 item 4): one case in the ``demo`` tenant,
sent by the agent to the connected client's main contact (client@demo.test) from the
ready-made year-end template, due in two weeks with the default reminders.

``seed_demo_outbound_cases`` runs after the client-cases demo seed (helper A's
``local/demo_client_cases.py``), which activates the module, connects the organisation
and makes its contact a portal user; ``seed_demo_outbound_case`` takes their ids. Once:
nothing is added when the organisation has a case from the firm already."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from chalicelib.domain import tickets as ticket_models
from chalicelib.services import directory, tickets
from chalicelib.services.context import Ctx
from chalicelib.store.tickets import TicketSelection


def seed_demo_outbound_case(sender: Ctx, organization_id: str, contact_id: str) -> str | None:
    """``sender``: the staff member's context (the demo agent's). Returns the new case's
    id, or None when the organisation had one."""
    existing, _ = tickets.repo().list_tickets(
        sender.tenant, TicketSelection(direction="outbound", organization_id=organization_id),
        1, {})
    if existing:
        return None
    last_year = str(sender.now.year - 1)
    case = tickets.create_case(sender, ticket_models.TicketCreate(
        direction="outbound", organization_id=organization_id, recipients=[contact_id],
        template_id="tpl_case_year_end", period=last_year,
        due_date=(sender.now + timedelta(days=14)).date().isoformat()))
    tickets.add_comment(sender, case.id, ticket_models.CommentCreate(
        body="Bifoga gärna även årets leasingavtal om ni har några.", internal=False))
    return case.id


def seed_demo_outbound_cases(ctx: Ctx, tenant: str, as_user: Callable[[str], Ctx]) -> str | None:
    """The call for ``local/seed.py``, after ``seed_demo_client_cases`` (same arguments as
    it): the agent sends the case to ``client@<tenant>.test``'s organisation, when that
    user exists and the organisation is connected."""
    client = next((u for u in directory.list_users(ctx, 100, None).items
                   if u["email"] == f"client@{tenant}.test"), None)
    if client is None or not client.get("organization_id") or not client.get("contact_id"):
        return None
    org = directory.repo().get_organization(tenant, client["organization_id"])
    if org is None or not org.get("connected_at"):
        return None
    return seed_demo_outbound_case(as_user(f"agent@{tenant}.test"),
                                   client["organization_id"], client["contact_id"])
