"""Demo contact orders for ``make run`` (seed 001, issue 20): a customer with sites and
service objects, a few orders in different states (one closed, two assigned to a field
technician) and that technician, who sees only the orders assigned to them (the role
``field_tech``: contact_orders.view_assigned and edit). Once: a second start finds the
customer and adds nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from chalicelib.domain import contact_orders as order_models
from chalicelib.domain import directory as directory_models
from chalicelib.domain.models import Record, utc_iso
from chalicelib.domain.permissions import Permission as P
from chalicelib.identity import cognito
from chalicelib.services import contact_orders
from chalicelib.services import directory as directory_service
from chalicelib.services.context import Ctx

CUSTOMER = "Nordkyl Service AB"
FIELD_ROLE = "field_tech"
FIELD_RIGHTS = [P.SETTINGS_VIEW, P.USERS_VIEW, P.ROLES_VIEW, P.ORGANIZATIONS_VIEW,
                P.CONTACT_ORDERS_VIEW_ASSIGNED, P.CONTACT_ORDERS_EDIT]


def _technician(ctx: Ctx, email: str, password: str) -> str:
    """The field technician's user id (made once), in the role that sees only their orders."""
    for existing in directory_service.list_users(ctx, 100, None).items:
        if existing["email"] == email:
            return str(existing["id"])
    directory_service.put_role(ctx, FIELD_ROLE, directory_models.RoleBody(
        permissions=sorted(p.value for p in FIELD_RIGHTS)))
    user = directory_service.create_user(ctx, directory_models.UserCreate(
        email=email, name="Tove Tekniker", kind="staff", roles=[FIELD_ROLE], language="sv"))
    cognito.set_permanent_password(user.id, password)
    return user.id


def _id_of(record: Record) -> str:
    return str(record.model_dump()["id"])


def seed_demo_contact_orders_more(ctx: Ctx, tenant: str, password: str,
                                  as_user: Callable[[str], Ctx]) -> list[tuple[str, str]]:
    """The technician, the customer with its register and three more orders; (email, role)."""
    email = f"tekniker@{tenant}.test"
    technician = _technician(ctx, email, password)
    logins = [(email, FIELD_ROLE)]
    if any(o["name"] == CUSTOMER
           for o in directory_service.list_organizations(ctx, CUSTOMER, 10, None).items):
        return logins
    admin = as_user(f"admin@{tenant}.test")
    org = directory_service.create_organization(ctx, directory_models.OrganizationCreate(
        name=CUSTOMER, customer_number="2001"))
    directory_service.create_contact(ctx, org.id, directory_models.ContactCreate(
        name="Kalle Kyl", email="kalle@nordkyl.example", phone="+46 21 123 45 67"))
    kalle = order_models.ContactPerson(name="Kalle Kyl", email="kalle@nordkyl.example",
                                       phone="+46 21 123 45 67")
    warehouse = _id_of(directory_service.create_site(ctx, org.id, directory_models.SiteCreate(
        name="Lagret Västerås",
        address=directory_models.Address(street="Kopparbergsvägen 10", postal_code="722 13",
                                         city="Västerås"),
        location=directory_models.Location(lat=59.6162, lon=16.5528))))
    directory_service.create_site(ctx, org.id, directory_models.SiteCreate(
        name="Kontoret Uppsala",
        address=directory_models.Address(street="Kungsgatan 5", postal_code="753 21",
                                          city="Uppsala"),
        location=directory_models.Location(lat=59.8586, lon=17.6389)))
    compressor = _id_of(directory_service.create_service_object(
        ctx, org.id, directory_models.ServiceObjectCreate(
            name="Kompressor KX-200", site_id=warehouse, serial_number="KX200-0042")))
    directory_service.create_service_object(ctx, org.id, directory_models.ServiceObjectCreate(
        name="Kylaggregat CA-9", site_id=warehouse, serial_number="CA9-1187"))
    today = ctx.now.date()
    contact_orders.create_order(admin, order_models.ContactOrderCreate(
        subject="Offert på nytt kylaggregat", customer=order_models.CustomerRef(id=org.id),
        site=order_models.SiteRef(id=warehouse), contact=kalle, status="Pågående",
        planned_date=today + timedelta(days=5), assignee_id=technician))
    service = contact_orders.create_order(admin, order_models.ContactOrderCreate(
        subject="Angående service av kompressor", customer=order_models.CustomerRef(id=org.id),
        service_object_id=compressor, contact=kalle, status="Bokad",
        planned_date=today + timedelta(days=1), assignee_id=technician))
    contact_orders.add_note(admin, service.id, order_models.NoteCreate(
        body="Kunden hör ett missljud vid start. Tekniker bokad.", hours=0.25))
    contact_orders.add_booking(admin, service.id, order_models.BookingCreate(
        at=utc_iso((ctx.now + timedelta(days=1)).replace(hour=7, minute=0, second=0,
                                                        microsecond=0)),
        kind="meeting", assignee_id=technician, note="Service på plats", duration_minutes=90))
    acme = next(o for o in directory_service.list_organizations(ctx, "Acme AB", 10, None).items
                if o["name"] == "Acme AB")
    offer = contact_orders.create_order(admin, order_models.ContactOrderCreate(
        subject="Erbjudande: serviceavtal 2027", customer=order_models.CustomerRef(id=acme["id"]),
        contact=order_models.ContactPerson(name="Carl Customer", email=f"customer@{tenant}.test"),
        planned_date=today - timedelta(days=10)))
    contact_orders.add_note(admin, offer.id, order_models.NoteCreate(
        body="Kunden tackade nej i år; hör av oss i höst.", hours=1))
    contact_orders.close(admin, offer.id)
    return logins
