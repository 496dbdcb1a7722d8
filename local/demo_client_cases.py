"""Demo client cases for ``make run`` (seed 003, issue 19): the module activated in the demo
tenant, one connected client organisation whose main contact is the portal user
``client@<tenant>.test`` (the demo password), one invitation sent and not yet accepted, a
private-person customer, and a few billable tickets with hours in the previous month.
Once: a second start finds the module active and adds nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from chalicelib.domain import directory as directory_models
from chalicelib.domain import tickets as ticket_models
from chalicelib.domain.client_cases import InvitationCreate, month_start
from chalicelib.identity import cognito
from chalicelib.services import client_cases, tickets
from chalicelib.services import directory as directory_service
from chalicelib.services.context import Ctx

CONNECTED = "Berg & Söner Redovisningskund AB"
INVITED = "Norrsken Bygg AB"
PRIVATE = "Per Persson"


def _client(ctx: Ctx, name: str, number: str, contact: str, email: str,
            street: str, city: str) -> str:
    """A client company with its address and main contact; its id."""
    org = directory_service.create_organization(ctx, directory_models.OrganizationCreate(
        name=name, customer_number=number, address=directory_models.Address(
            street=street, postal_code="114 35", city=city)))
    person = directory_service.create_contact(ctx, org.id, directory_models.ContactCreate(
        name=contact, email=email, language="sv"))
    directory_service.patch_organization(ctx, org.id, directory_models.OrganizationPatch(
        main_contact_id=person.model_dump()["id"]))
    return org.id


def seed_demo_client_cases(ctx: Ctx, tenant: str, password: str,
                           as_user: Callable[[str], Ctx]) -> list[tuple[str, str]]:
    """``ctx``: the system's admin context of ``tenant``; (email, role) of the client user."""
    email = f"client@{tenant}.test"
    logins = [(email, "contact_admin")]
    if client_cases.module_state(tenant).active:
        return logins
    # Clients of long standing: active in the previous month too (its usage report).
    earlier = Ctx(ctx.principal, ctx.now - timedelta(days=90))
    directory_service.create_organization(earlier, directory_models.OrganizationCreate(
        name=PRIVATE, kind="private_person", customer_number="3003"))
    connected = _client(earlier, CONNECTED, "3001", "Klara Klient", email, "Sveavägen 10",
                        "Stockholm")
    waiting = _client(earlier, INVITED, "3002", "Nora Norrsken", "nora@norrskenbygg.example",
                      "Storgatan 3", "Luleå")
    client_cases.activate(ctx)
    invitation = client_cases.invite(ctx, InvitationCreate(organization_id=connected))
    client_cases.invite(ctx, InvitationCreate(organization_id=waiting))
    item = client_cases.store.get_invitation(tenant, invitation.id, consistent=True)
    assert item is not None
    client_cases.accept(client_cases.issue_token(tenant, item["id"], item["token_id"]),
                        ctx.now)
    cognito.set_permanent_password(email, password)
    _billable_last_month(ctx, as_user(f"agent@{tenant}.test"), connected)
    return logins


def _billable_last_month(ctx: Ctx, agent: Ctx, org_id: str) -> None:
    """Three tickets of the connected client resolved in the previous month, with hours:
    the usage report of that month is not empty."""
    first_day = month_start(ctx.now.strftime("%Y-%m"))
    previous = first_day - timedelta(days=20)
    work = [("Momsdeklaration för kvartal 3", "question", 1.5),
            ("Ändrad attestordning i leverantörsreskontran", "change_request", 2.0),
            ("Kvitton saknas för oktober", "question", 0.75)]
    for offset, (subject, type_id, hours) in enumerate(work):
        at = Ctx(agent.principal, previous + timedelta(days=offset, hours=9))
        ticket = tickets.create_ticket(at, ticket_models.TicketCreate(
            subject=subject, description=subject, ticket_type_id=type_id,
            organization_id=org_id))
        tickets.add_comment(Ctx(agent.principal, at.now + timedelta(hours=2)), ticket.id,
                            ticket_models.CommentCreate(body="Underlaget är genomgånget.",
                                                        internal=True, hours=hours))
        tickets.resolve(Ctx(agent.principal, at.now + timedelta(days=1)), ticket.id,
                        ticket_models.ResolveBody(resolution="Klart, se kommentaren.",
                                                  hours=0.25))
