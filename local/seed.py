"""Demo data for the local stack: tenants ``demo`` and ``other``, each with an admin,
an agent and a portal customer of "Acme AB" (and, for ``make run``, a few tickets).
Safe to run on every start. ``seed_tenant`` seeds any tenant name the same way (the
integration tests give each test module tenants of its own)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

from chalicelib.config import get_config
from chalicelib.domain import contact_orders as order_models
from chalicelib.domain import directory as directory_models
from chalicelib.domain import tickets as ticket_models
from chalicelib.domain.models import utc_iso
from chalicelib.domain.permissions import Permission, permissions_for
from chalicelib.domain.principal import Principal
from chalicelib.identity import cognito
from chalicelib.mail import verification
from chalicelib.services import contact_orders, tickets
from chalicelib.services import directory as svc
from chalicelib.services.context import Ctx
from chalicelib.services.tenants import provision
from chalicelib.store.counters import last_number
from local.demo_client_cases import seed_demo_client_cases
from local.demo_contact_orders import seed_demo_contact_orders_more
from local.demo_help_content import seed_demo_help
from local.demo_networks import seed_demo_networks
from local.demo_outbound_cases import seed_demo_outbound_cases
from local.demo_reports import seed_demo_reports
from local.demo_status import seed_demo_status
from local.demo_training import seed_demo_training

TENANTS = {"demo": "Demo Support AB", "other": "Other Oy"}
# The demo users' language; a tenant not named here gets Swedish, as ``demo`` does.
LANGUAGES = {"demo": "sv", "other": "fi"}


@dataclass(frozen=True)
class DemoLogin:
    tenant: str
    email: str
    role: str


def _system(tenant: str) -> Ctx:
    principal = Principal(tenant=tenant, user_id="system", email="system@localhost",
                          roles=("admin",), permissions=frozenset(p.value for p in Permission),
                          kind="staff", organization_id=None, language="en")
    return Ctx(principal=principal, now=datetime.now(UTC))


def _acme(ctx: Ctx) -> directory_models.Organization:
    page = svc.list_organizations(ctx, "Acme AB", 10, None)
    for item in page.items:
        if item["name"] == "Acme AB":
            return directory_models.Organization.model_validate(item)
    return svc.create_organization(ctx, directory_models.OrganizationCreate(
        name="Acme AB", kind="company", customer_number="1001",
        ticket_visibility="organization_comment"))


def seed_tenant(tenant: str, password: str, *, like: str | None = None) -> list[DemoLogin]:
    """``tenant`` with its admin, agent and customer at ``<role>@<tenant>.test``; ``like``
    (``demo`` or ``other``) lends a tenant not in ``TENANTS`` its name and language."""
    model = like or tenant
    ctx = _system(tenant)
    provision(tenant, TENANTS[model], ctx.now)
    acme = _acme(ctx)
    people = [
        (f"admin@{tenant}.test", "Ada Admin", "staff", "admin"),
        (f"agent@{tenant}.test", "Aino Agent", "staff", "agent"),
        (f"customer@{tenant}.test", "Carl Customer", "contact", "contact"),
    ]
    existing = {u["email"] for u in svc.list_users(ctx, 100, None).items}
    for email, name, kind, role in people:
        if email in existing:
            continue
        user = svc.create_user(ctx, directory_models.UserCreate(
            email=email, name=name, kind=kind, roles=[role],
            organization_id=acme.id if kind == "contact" else None,
            language=LANGUAGES.get(model, "sv")))
        cognito.set_permanent_password(user.id, password)
        if kind == "contact" and user.contact_id and not acme.main_contact_id:
            acme = svc.patch_organization(ctx, acme.id,
                                          directory_models.OrganizationPatch(main_contact_id=user.contact_id))
    _demo_support_address(ctx, f"support@{tenant}.test")
    return [DemoLogin(tenant, email, role) for email, _, _, role in people]


def _demo_support_address(ctx: Ctx, address: str) -> None:
    """The tenant's own support address, claimed and proven the way an admin does it: the
    code the app mails to the address is the one the seed, holding the secret, makes."""
    settings = svc.get_settings(ctx)
    if settings.email_address_status.get(address) == "verified":
        return
    if address not in settings.email.addresses:
        body = directory_models.SettingsBody.model_validate({
            **settings.model_dump(include=set(directory_models.SettingsBody.model_fields)),
            "email": {**settings.email.model_dump(),
                      "addresses": [*settings.email.addresses, address]}})
        svc.put_settings(ctx, body)
    code = verification.issue_code(get_config().secret, ctx.tenant, address,
                                   int(ctx.now.timestamp()))
    svc.verify_email_address(ctx, address, code)


# Seed 002's support lines, one per product area (the demo tenant's own numbers).
DEMO_SUPPORT_PHONES = [
    ({"sv": "Allmän programsupport", "fi": "Yleinen ohjelmistotuki",
      "en": "General software support"}, "+46 8 433 32 00"),
    ({"sv": "Bokföring", "fi": "Kirjanpidon ohjelmatuki", "en": "Bookkeeping"},
     "+46 8 433 32 02"),
    ({"sv": "Löneberäkning", "fi": "Palkanlaskennan ohjelmatuki", "en": "Payroll"},
     "+46 8 433 32 07"),
]


def _demo_support_phones(ctx: Ctx) -> None:
    """The support lines the help center shows, once."""
    settings = svc.get_settings(ctx)
    if settings.support_phones:
        return
    body = directory_models.SettingsBody.model_validate({
        **settings.model_dump(include=set(directory_models.SettingsBody.model_fields)),
        "support_phones": [{"label": label, "number": number}
                           for label, number in DEMO_SUPPORT_PHONES]})
    svc.put_settings(ctx, body)


def _demo_chat(ctx: Ctx) -> None:
    """Issue 18: chat is on, support is open every day around the clock (no holidays),
    and the demo agent counts as online (``chat.always_online_ids``, a setting), so one
    person can try both sides of a chat whenever the local stack runs."""
    agent = next(u for u in svc.list_users(ctx, 100, None).items
                 if u["email"] == f"agent@{ctx.tenant}.test")
    settings = svc.get_settings(ctx)
    if settings.chat.enabled and agent["id"] in settings.chat.always_online_ids:
        return
    body = directory_models.SettingsBody.model_validate({
        **settings.model_dump(include=set(directory_models.SettingsBody.model_fields)),
        "chat": {"enabled": True, "always_online_ids": [agent["id"]]},
        "support_hours": {**settings.support_hours.model_dump(mode="json"),
                          "weekdays": [1, 2, 3, 4, 5, 6, 7], "start": "00:00", "end": "23:59",
                          "holiday_country": None, "closed_on_eves": False}})
    svc.put_settings(ctx, body)


def _as(ctx: Ctx, email: str) -> Ctx:
    """The demo user's own context, so demo tickets look as if they made them."""
    user = next(u for u in svc.list_users(ctx, 100, None).items if u["email"] == email)
    principal = Principal(tenant=ctx.tenant, user_id=user["id"], email=email,
                          roles=tuple(user["roles"]),
                          permissions=permissions_for(user["roles"], {}), kind=user["kind"],
                          organization_id=user.get("organization_id"),
                          language=user.get("language", "sv"), record=user)
    return Ctx(principal=principal, now=ctx.now)


def seed_demo_tickets(tenant: str) -> None:
    """A few tickets in different states, once, so the queue and the portal are not empty."""
    ctx = _system(tenant)
    if last_number(tickets.repo().table, tenant, "TICKET") is not None:
        return
    customer, agent = _as(ctx, f"customer@{tenant}.test"), _as(ctx, f"agent@{tenant}.test")
    fault = tickets.create_ticket(customer, ticket_models.TicketCreate(
        subject="Fakturan till Pagero skickas inte", ticket_type_id="technical_fault",
        description="Faktura 1000-31 har status 'väntar' sedan i går."))
    tickets.add_comment(agent, fault.id, ticket_models.CommentCreate(
        body="Vi tittar på det. Vilket kundnummer gäller det?"))
    tickets.patch_ticket(agent, fault.id, ticket_models.TicketPatch(status="waiting_on_customer"))
    question = tickets.create_ticket(customer, ticket_models.TicketCreate(
        subject="Hur lägger jag upp en ny användare?", ticket_type_id="question",
        description="Vi har en ny medarbetare som behöver konto."))
    tickets.resolve(agent, question.id, ticket_models.ResolveBody(
        resolution="Under Inställningar > Användare, klicka på Ny användare.", hours=0.25))
    tickets.create_ticket(customer, ticket_models.TicketCreate(
        subject="Förslag: exportera tidrapporter till Excel",
        ticket_type_id="development_suggestion",
        fields={"benefit": "Sparar en timme i veckan",
                "current_problem": "Vi skriver av tidrapporterna för hand"}))


def seed_demo_contact_orders(tenant: str) -> None:
    """Two contact orders for the agent, with a note and a booking, once."""
    ctx = _system(tenant)
    if last_number(contact_orders.repo().table, tenant, "CO") is not None:
        return
    agent = _as(ctx, f"agent@{tenant}.test")
    acme = _acme(ctx)
    first = contact_orders.create_order(agent, order_models.ContactOrderCreate(
        subject="Angående service av maskin", customer=order_models.CustomerRef(id=acme.id),
        site=order_models.SiteRef(
            name="Verkstaden",
            address=directory_models.Address(street="Storgatan 1", postal_code="111 22",
                                             city="Stockholm"),
            location=directory_models.Location(lat=59.3326, lon=18.0649)),
        planned_date=(ctx.now + timedelta(days=2)).date(), assignee_id=agent.principal.user_id))
    contact_orders.add_note(agent, first.id, order_models.NoteCreate(
        body="Kunden vill ha offert på årlig service.", hours=0.5))
    contact_orders.add_booking(agent, first.id, order_models.BookingCreate(
        at=utc_iso((ctx.now + timedelta(days=2)).replace(hour=9, minute=0, second=0)),
        kind="meeting", note="Besök på plats"))
    contact_orders.create_order(agent, order_models.ContactOrderCreate(
        subject="Potentiell kund", customer=order_models.CustomerRef(name="Nya Bygg AB"),
        contact=order_models.ContactPerson(name="Nina Nilsson", email="nina@nyabygg.example",
                                 phone="+46 70 123 45 67")))


def seed(password: str, demo_tickets: bool = False,
         demo_history: bool = False) -> list[DemoLogin]:
    """``demo_tickets``: also a few tickets and contact orders, and in ``demo`` a network
    with a supplier and a buyer (``make run`` and the e2e stack, not integration tests).
    ``demo_history``: also a month of finished tickets in ``demo`` for the reports
    (``make run``; the e2e stacks start without it, for time: tests/integration/
    test_demo_reports.py covers it)."""
    logins: list[DemoLogin] = []
    for tenant in TENANTS:
        logins += seed_tenant(tenant, password)
        if demo_tickets:
            seed_demo_tickets(tenant)
            seed_demo_contact_orders(tenant)
            if tenant == "demo":
                system = _system(tenant)
                people = seed_demo_networks(system, tenant, password,
                                            partial(_as, system))
                seed_demo_training(system)
                seed_demo_status(system)
                seed_demo_help(system)
                _demo_support_phones(system)
                people += seed_demo_contact_orders_more(system, tenant, password,
                                                        partial(_as, system))
                people += seed_demo_client_cases(system, tenant, password,
                                                 partial(_as, system))
                seed_demo_outbound_cases(system, tenant, partial(_as, system))
                _demo_chat(system)
                if demo_history:
                    seed_demo_reports(system, _as)
                logins += [DemoLogin(tenant, email, role) for email, role in people]
    return logins
