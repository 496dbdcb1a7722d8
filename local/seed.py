"""Demo data for the local stack: tenants ``demo`` and ``other``, each with an admin,
an agent and a portal customer of "Acme AB". Safe to run on every start."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from chalicelib.domain import directory as d
from chalicelib.domain.permissions import Permission
from chalicelib.domain.principal import Principal
from chalicelib.identity import cognito
from chalicelib.services import directory as svc
from chalicelib.services.context import Ctx
from chalicelib.services.tenants import provision

TENANTS = {"demo": "Demo Support AB", "other": "Other Oy"}


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


def _acme(ctx: Ctx) -> d.Organization:
    page = svc.list_organizations(ctx, "Acme AB", 10, None)
    for item in page.items:
        if item["name"] == "Acme AB":
            return d.Organization.model_validate(item)
    return svc.create_organization(ctx, d.OrganizationCreate(
        name="Acme AB", kind="company", customer_number="1001",
        ticket_visibility="organization_comment"))


def seed_tenant(tenant: str, password: str) -> list[DemoLogin]:
    ctx = _system(tenant)
    provision(tenant, TENANTS[tenant], ctx.now)
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
        user = svc.create_user(ctx, d.UserCreate(
            email=email, name=name, kind=kind, roles=[role],
            organization_id=acme.id if kind == "contact" else None,
            language="sv" if tenant == "demo" else "fi"))
        cognito.set_permanent_password(email, password)
        if kind == "contact" and user.contact_id and not acme.main_contact_id:
            acme = svc.patch_organization(ctx, acme.id,
                                          d.OrganizationPatch(main_contact_id=user.contact_id))
    return [DemoLogin(tenant, email, role) for email, _, _, role in people]


def seed(password: str) -> list[DemoLogin]:
    logins: list[DemoLogin] = []
    for tenant in TENANTS:
        logins += seed_tenant(tenant, password)
    return logins
