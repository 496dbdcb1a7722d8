"""Contact-order use cases (seed 001): orders, notes, bookings, documents, assignment,
close, sales order, lists, the to-do list and saved filters.

Who sees what: ``contact_orders.view`` sees every order; ``contact_orders.view_assigned``
only the orders assigned to the user (in every list, the to-do list and the feed); an
order the caller may not see is a 404, as if it did not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from chalicelib.config import get_config
from chalicelib.domain.contact_orders import (
    FIRST_NUMBER,
    Booking,
    BookingCreate,
    ContactOrder,
    ContactOrderCreate,
    ContactOrderPatch,
    ContactPerson,
    CustomerRef,
    CustomerView,
    Note,
    NoteCreate,
    SalesOrder,
    ServiceObjectView,
    SiteRef,
    SiteView,
    TodoItem,
    check_assignment,
    check_open,
    check_status,
    may_see,
    order_number,
    sales_order_number,
    sees_all,
)
from chalicelib.domain.directory import (
    Contact,
    Organization,
    ServiceObject,
    Site,
    map_url,
    name_key,
)
from chalicelib.domain.errors import (
    Conflict,
    ErrorList,
    FieldError,
    Forbidden,
    InvalidInput,
    NotFound,
)
from chalicelib.domain.notifications import CONTACT_ORDER_EVENTS
from chalicelib.domain.permissions import Permission, permissions_for
from chalicelib.domain.tickets import key_filename, plain_text, safe_filename
from chalicelib.services import files
from chalicelib.services.context import Ctx
from chalicelib.services.directory import get_settings, system_principal
from chalicelib.services.directory import repo as directory
from chalicelib.services.publish import publish
from chalicelib.services.report_counting import count_order_change
from chalicelib.services.writes import (
    check_version,
    commit_versioned,
    history_event,
    refuse_nulls,
    with_next_number,
)
from chalicelib.store import client_cases as client_cases_store
from chalicelib.store.contact_orders import (
    ContactOrdersRepository,
    booking_stream,
    is_booking,
    list_stream,
    planned_between,
    strip_keys,
)
from chalicelib.store.dynamo import Item, Page, UnitOfWork
from chalicelib.store.streams import Stream, chained, equals_filter, merged


def repo() -> ContactOrdersRepository:
    return ContactOrdersRepository(get_config().contact_orders_table)


def _event(ctx: Ctx, kind: str, data: dict[str, Any]) -> Item:
    return history_event(ctx, kind, data)


# --- the customer register ---------------------------------------------------------------


@dataclass
class _Register:
    """What an order takes from the customer register, and what it adds to it."""

    customer: CustomerView
    site: SiteView | None
    service_object: ServiceObjectView | None
    contact: ContactPerson | None
    writes: list[tuple[str, Item]]  # (kind, item) for the directory, in the same transaction


def _site_view(site: Site) -> SiteView:
    return SiteView(id=site.id, name=site.name, address=site.address,
                    location=site.location, map_url=map_url(site.location))


def _customer(ctx: Ctx, ref: CustomerRef, contact: ContactPerson | None,
              register: _Register) -> None:
    if ref.id is not None:
        item = directory().get_organization(ctx.tenant, ref.id)
        if item is None:
            raise InvalidInput("No such customer.",
                               [FieldError(("body", "customer", "id"), "no such organization")])
        org = Organization.model_validate(item)
        register.customer = CustomerView(id=org.id, name=org.name,
                                         customer_number=org.customer_number)
        if contact is None and org.main_contact_id:
            main = directory().get_child(ctx.tenant, org.id, "contact", org.main_contact_id)
            if main:
                register.contact = ContactPerson(name=main["name"], email=main.get("email"),
                                                 phone=main.get("phone"))
        return
    # Seed 001: an unknown customer is added to the register with the contact details given.
    assert ref.name
    org = Organization(id=ctx.new_id(), tenant=ctx.tenant, name=ref.name, kind="company",
                       created_at=ctx.stamp, updated_at=ctx.stamp)
    if contact is not None:
        person = Contact(id=ctx.new_id(), organization_id=org.id, name=contact.name,
                         email=contact.email, phone=contact.phone, created_at=ctx.stamp)
        org = org.model_copy(update={"main_contact_id": person.id})
        register.writes.append(("contact", person.model_dump(mode="json")))
    register.writes.insert(0, ("organization", org.model_dump(mode="json")))
    register.customer = CustomerView(id=org.id, name=org.name)


def _site(ctx: Ctx, ref: SiteRef, register: _Register, new_customer: bool) -> None:
    customer_id = register.customer.id
    if ref.id is not None:
        item = None if new_customer else directory().get_child(ctx.tenant, customer_id, "site",
                                                                ref.id)
        if item is None:
            raise InvalidInput("No such site of this customer.",
                               [FieldError(("body", "site", "id"), "no such site")])
        register.site = _site_view(Site.model_validate(item))
        return
    assert ref.name
    site = Site(id=ctx.new_id(), organization_id=customer_id, name=ref.name,
                address=ref.address, location=ref.location, map_url=map_url(ref.location),
                created_at=ctx.stamp)
    register.writes.append(("site", site.model_dump(mode="json")))
    register.site = _site_view(site)


def _service_object(ctx: Ctx, object_id: str, register: _Register, new_customer: bool) -> None:
    item = None if new_customer else directory().get_child(
        ctx.tenant, register.customer.id, "service_object", object_id)
    if item is None:
        raise InvalidInput("No such service object of this customer.",
                           [FieldError(("body", "service_object_id"), "no such service object")])
    thing = ServiceObject.model_validate(item)
    register.service_object = ServiceObjectView(id=thing.id, name=thing.name,
                                                serial_number=thing.serial_number)
    if register.site is None and thing.site_id:
        # Created from a service object: the order takes its site too.
        site = directory().get_child(ctx.tenant, register.customer.id, "site", thing.site_id)
        if site:
            register.site = _site_view(Site.model_validate(site))


def _write_register(ctx: Ctx, uow: UnitOfWork, register: _Register) -> None:
    people = directory()
    for kind, item in register.writes:
        if kind == "organization":
            people.put_organization(uow, item, name_key(item["name"]), expected=None)
            people.audit(uow, ctx.tenant, {"id": ctx.new_id(), "at": ctx.stamp,
                                           "actor": ctx.principal.user_id,
                                           "type": "organization_created",
                                           "subject": f"organization/{item['id']}",
                                           "data": {"name": item["name"], "via": "contact_order"}})
        else:
            people.put_child(uow, ctx.tenant, kind, item, expected=None)


# --- reading ----------------------------------------------------------------------------


def _visible(ctx: Ctx, order_id: str, consistent: bool = False) -> ContactOrder:
    item = repo().get_order(ctx.tenant, order_id, consistent=consistent)
    if item is None or item.get("deleted_at") or not may_see(
            ctx.principal.permissions, ctx.principal.user_id, item.get("assignee_id")):
        raise NotFound("No such contact order.")
    return ContactOrder.model_validate(item)


def get_order(ctx: Ctx, order_id: str) -> ContactOrder:
    return _visible(ctx, order_id)


def _check_assignee(ctx: Ctx, assignee_id: str | None, current: str | None,
                    loc: tuple[str, ...] = ("body", "assignee_id")) -> None:
    check_assignment(ctx.principal.permissions, ctx.principal.user_id, assignee_id, current)
    if assignee_id is not None and assignee_id != current:
        user = directory().get_user(ctx.tenant, assignee_id)
        if user is None or user.get("kind") != "staff" or not user.get("active", True):
            raise InvalidInput("The assignee must be an active staff user.",
                               [FieldError(loc, "no such staff user")])


# --- creating ---------------------------------------------------------------------------


def _subject(text: str) -> str:
    clean = plain_text(text)
    if not clean:
        raise InvalidInput("The subject is empty once markup is removed.",
                           [FieldError(("body", "subject"), "no text left")])
    return clean


def create_order(ctx: Ctx, body: ContactOrderCreate) -> ContactOrder:
    subject = _subject(body.subject)
    settings = get_settings(ctx)
    status = body.status or settings.contact_order_statuses[0]
    check_status(status, settings.contact_order_statuses)
    _check_assignee(ctx, body.assignee_id, None)
    register = _Register(CustomerView(id="", name=""), None, None, body.contact, [])
    _customer(ctx, body.customer, body.contact, register)
    new_customer = body.customer.id is None
    if body.site is not None:
        _site(ctx, body.site, register, new_customer)
    if body.service_object_id is not None:
        _service_object(ctx, body.service_object_id, register, new_customer)
    if register.contact is None:
        raise InvalidInput("The order needs its contact person.",
                           [FieldError(("body", "contact"), "required (the customer has no "
                                                             "main contact to take)")])
    order_id = ctx.new_id()

    def build(uow: UnitOfWork, number: int) -> ContactOrder:
        assert register.contact is not None
        order = ContactOrder(
            id=order_id, number=order_number(number), subject=subject,
            customer=register.customer, site=register.site,
            service_object=register.service_object, contact=register.contact, status=status,
            planned_date=body.planned_date, assignee_id=body.assignee_id,
            created_at=ctx.stamp, created_by=ctx.principal.user_id, updated_at=ctx.stamp)
        _write_register(ctx, uow, register)
        repo().put_order(uow, ctx.tenant, order.model_dump(mode="json"), expected=None)
        _record(uow, ctx.tenant, order_id, [_event(ctx, "created", {
            "number": order.number, "customer_id": order.customer.id,
            "new_customer": new_customer, "assignee_id": order.assignee_id})])
        repo().add_to_customer(uow, ctx.tenant, order.customer.id, orders=1)
        count_order_change(uow, ctx.tenant, settings, None, order, ctx.stamp)
        client_cases_store.touch(uow, ctx.tenant, order.customer.id, ctx.stamp)
        return order

    return with_next_number(ctx, repo().table, "CO", FIRST_NUMBER, build)


# --- changing ---------------------------------------------------------------------------


def _save(ctx: Ctx, before: ContactOrder, after: ContactOrder, events: list[Item],
          uow: UnitOfWork | None = None) -> ContactOrder:
    uow = uow or UnitOfWork()
    repo().put_order(uow, ctx.tenant, after.model_dump(mode="json"), expected=before.version)
    _record(uow, ctx.tenant, after.id, events)
    count_order_change(uow, ctx.tenant, None, before, after, ctx.stamp)
    commit_versioned(ctx, uow)
    return after


def _record(uow: UnitOfWork, tenant: str, order_id: str, events: list[Item]) -> None:
    """The history of a change, and its notifications through the outbox."""
    for event in events:
        repo().add_child(uow, tenant, order_id, "EVENT", event)
    publish(uow, repo().table, tenant, "contact_orders", order_id, events,
            CONTACT_ORDER_EVENTS)


def _next(order: ContactOrder, ctx: Ctx, **changes: Any) -> ContactOrder:
    return order.model_copy(update={**changes, "updated_at": ctx.stamp,
                                    "version": order.version + 1})


def _editable(ctx: Ctx, order_id: str) -> ContactOrder:
    order = _visible(ctx, order_id, consistent=True)
    check_version(ctx, order.version)
    check_open(order)
    return order


def patch_order(ctx: Ctx, order_id: str, patch: ContactOrderPatch) -> ContactOrder:
    current = _editable(ctx, order_id)
    changes = patch.model_dump(exclude_unset=True)
    refuse_nulls(changes, ("subject", "contact", "status"))
    register = _Register(current.customer, current.site, current.service_object,
                         current.contact, [])
    updates = _patch_updates(ctx, current, patch, changes, register)
    updated = _next(current, ctx, **updates)
    before, after = current.model_dump(mode="json"), updated.model_dump(mode="json")
    changed = {k: {"from": before[k], "to": after[k]} for k in updates if before[k] != after[k]}
    if not changed:
        return current
    events = [_event(ctx, "changed", changed)]
    if "assignee_id" in changed:
        events.append(_event(ctx, "assigned", changed["assignee_id"]))
    uow = UnitOfWork()
    _write_register(ctx, uow, register)
    return _save(ctx, current, updated, events, uow)


def _patch_updates(ctx: Ctx, current: ContactOrder, patch: ContactOrderPatch,
                   changes: dict[str, Any], register: _Register) -> dict[str, Any]:
    updates: dict[str, Any] = {}
    if patch.subject is not None:
        updates["subject"] = _subject(patch.subject)
    if patch.status is not None:
        check_status(patch.status, get_settings(ctx).contact_order_statuses)
        updates["status"] = patch.status
    if "site" in changes:
        register.site = None
        if patch.site is not None:
            _site(ctx, patch.site, register, new_customer=False)
        updates["site"] = register.site
    if "service_object_id" in changes:
        register.service_object = None
        if patch.service_object_id is not None:
            _service_object(ctx, patch.service_object_id, register, new_customer=False)
        updates["service_object"] = register.service_object
    if patch.contact is not None:
        updates["contact"] = patch.contact
    if "planned_date" in changes:
        updates["planned_date"] = patch.planned_date
    if "assignee_id" in changes:
        _check_assignee(ctx, patch.assignee_id, current.assignee_id)
        updates["assignee_id"] = patch.assignee_id
    return updates


def assign(ctx: Ctx, order_id: str, assignee_id: str | None) -> ContactOrder:
    """``assignee_id`` None: "assign to myself"."""
    current = _editable(ctx, order_id)
    target = assignee_id or ctx.principal.user_id
    _check_assignee(ctx, target, current.assignee_id)
    if target == current.assignee_id:
        return current
    updated = _next(current, ctx, assignee_id=target)
    return _save(ctx, current, updated, [_event(ctx, "assigned", {
        "from": current.assignee_id, "to": target})])


def delete_order(ctx: Ctx, order_id: str) -> None:
    """Removed from every list, the to-do list and the feed; the record and its history are
    kept (marked deleted), as a CRM's audit needs."""
    current = _visible(ctx, order_id, consistent=True)
    uow = UnitOfWork()
    for booking in _open_bookings(ctx, order_id):
        repo().put_booking(uow, ctx.tenant, {**booking, "done_at": ctx.stamp,
                                             "done_reason": "order_deleted"}, expected_done=False)
    repo().add_to_customer(uow, ctx.tenant, current.customer.id, hours=-current.total_hours,
                           orders=-1)
    repo().mark_deleted(uow, ctx.tenant, {**_next(current, ctx).model_dump(mode="json"),
                                          "deleted_at": ctx.stamp}, current.version)
    repo().add_child(uow, ctx.tenant, order_id, "EVENT", _event(ctx, "deleted", {}))
    uow.commit()


def _open_bookings(ctx: Ctx, order_id: str) -> list[Item]:
    page = repo().list_children(ctx.tenant, order_id, "BOOKING", 100, None)
    return [b for b in page.items if not b.get("done_at")]


def close(ctx: Ctx, order_id: str) -> ContactOrder:
    """Seed 001 "Avsluta": archived, kept, read-only, listed after every open order. Its open
    bookings are done with it."""
    current = _editable(ctx, order_id)
    updated = _next(current, ctx, closed=True, closed_at=ctx.stamp,
                    closed_by=ctx.principal.user_id)
    uow = UnitOfWork()
    for booking in _open_bookings(ctx, order_id):
        repo().put_booking(uow, ctx.tenant, {**booking, "done_at": ctx.stamp,
                                             "done_reason": "order_closed"}, expected_done=False)
    return _save(ctx, current, updated, [_event(ctx, "closed", {})], uow)


def create_sales_order(ctx: Ctx, order_id: str) -> SalesOrder:
    """The contact became a sale: a sales-order record linked both ways."""
    current = _editable(ctx, order_id)
    if current.sales_order_id:
        raise Conflict(f"{current.number} is a sales order already.",
                       [FieldError(("path", "id"), current.sales_order_id, "exists")])
    sales_id = ctx.new_id()

    def build(uow: UnitOfWork, number: int) -> SalesOrder:
        sales = SalesOrder(id=sales_id, number=sales_order_number(number),
                           contact_order_id=current.id, contact_order_number=current.number,
                           subject=current.subject, customer=current.customer,
                           contact=current.contact, created_at=ctx.stamp,
                           created_by=ctx.principal.user_id)
        repo().put_sales_order(uow, ctx.tenant, sales.model_dump(mode="json"))
        updated = _next(current, ctx, sales_order_id=sales_id)
        repo().put_order(uow, ctx.tenant, updated.model_dump(mode="json"),
                         expected=current.version)
        repo().add_child(uow, ctx.tenant, current.id, "EVENT", _event(
            ctx, "sales_order_created", {"sales_order_id": sales_id, "number": sales.number}))
        return sales

    return with_next_number(ctx, repo().table, "SO", FIRST_NUMBER, build)


def get_sales_order(ctx: Ctx, sales_order_id: str) -> SalesOrder:
    item = repo().get_sales_order(ctx.tenant, sales_order_id)
    if item is None:
        raise NotFound("No such sales order.")
    # Seen by whoever may see the contact order it came from.
    _visible(ctx, item["contact_order_id"])
    return SalesOrder.model_validate(item)


# --- notes ------------------------------------------------------------------------------


def add_note(ctx: Ctx, order_id: str, body: NoteCreate) -> Note:
    current = _editable(ctx, order_id)
    text = plain_text(body.body)
    if not text:
        raise InvalidInput("The note is empty once markup is removed.",
                           [FieldError(("body", "body"), "no text left")])
    if body.corrects and repo().get_child(ctx.tenant, order_id, "NOTE", body.corrects) is None:
        raise InvalidInput("No such note on this order.",
                           [FieldError(("body", "corrects"), "no such note")])
    note = Note(id=ctx.new_id(), order_id=order_id, body=text, hours=body.hours,
                corrects=body.corrects, author_id=ctx.principal.user_id,
                author_name=ctx.principal.record.get("name"), at=ctx.stamp)
    hours = body.hours or 0
    updated = _next(current, ctx, note_count=current.note_count + 1,
                    total_hours=round(current.total_hours + hours, 2))
    uow = UnitOfWork()
    repo().add_child(uow, ctx.tenant, order_id, "NOTE", note.model_dump(mode="json"))
    if hours:
        repo().add_to_customer(uow, ctx.tenant, current.customer.id, hours=hours)
    _save(ctx, current, updated, [_event(ctx, "noted", {"note_id": note.id, "hours": body.hours,
                                                        "corrects": body.corrects})], uow)
    return note


def list_children(ctx: Ctx, order_id: str, kind: str, limit: int,
                  start: dict[str, Any] | None) -> Page:
    _visible(ctx, order_id)
    return repo().list_children(ctx.tenant, order_id, kind, limit, start)


# --- bookings ---------------------------------------------------------------------------


def add_booking(ctx: Ctx, order_id: str, body: BookingCreate) -> Booking:
    current = _editable(ctx, order_id)
    assignee = body.assignee_id or ctx.principal.user_id
    if assignee != ctx.principal.user_id:
        # Seed 001: a booking can be handed to a colleague, with the right to assign,
        # and only to one who may see the order it belongs to.
        _check_assignee(ctx, assignee, None)
        _colleague_sees(ctx, assignee, current)
    at = body.at
    location = None
    if current.site and current.site.address:
        a = current.site.address
        location = ", ".join(p for p in (current.site.name, a.street, a.postal_code, a.city) if p)
    booking = Booking(id=ctx.new_id(), order_id=order_id, order_number=current.number,
                      subject=current.subject, customer_name=current.customer.name, at=at,
                      kind=body.kind, assignee_id=assignee, note=plain_text(body.note),
                      duration_minutes=body.duration_minutes,
                      location=location or (current.site.name if current.site else None),
                      created_by=ctx.principal.user_id, created_at=ctx.stamp)
    uow = UnitOfWork()
    repo().put_booking(uow, ctx.tenant, booking.model_dump(mode="json"), expected_done=None)
    _save(ctx, current, _next(current, ctx), [_event(ctx, "booked", {
        "booking_id": booking.id, "at": at, "kind": body.kind, "assignee_id": assignee})], uow)
    return booking


def _colleague_sees(ctx: Ctx, user_id: str, order: ContactOrder) -> None:
    user = directory().get_user(ctx.tenant, user_id) or {}
    rights = permissions_for(user.get("roles", []), directory().saved_roles(ctx.tenant))
    if not may_see(rights, user_id, order.assignee_id):
        raise InvalidInput("That colleague may not see this order.",
                           [FieldError(("body", "assignee_id"),
                                       "sees only orders assigned to them")])


def complete_booking(ctx: Ctx, order_id: str, booking_id: str) -> Booking:
    current = _editable(ctx, order_id)
    item = repo().get_child(ctx.tenant, order_id, "BOOKING", booking_id)
    if item is None:
        raise NotFound("No such booking.")
    if item.get("done_at"):
        return Booking.model_validate(item)
    done = {**item, "done_at": ctx.stamp}
    uow = UnitOfWork()
    repo().put_booking(uow, ctx.tenant, done, expected_done=False)
    _save(ctx, current, _next(current, ctx), [_event(ctx, "booking_done",
                                                     {"booking_id": booking_id})], uow)
    return Booking.model_validate(done)


def remind_booking(booking: Item, now: datetime) -> str:
    """The booking sweep: its assignee is told once, at the booking's time."""
    ctx = Ctx(system_principal(booking["tenant"]), now)
    uow = UnitOfWork()
    repo().mark_reminded(uow, ctx.tenant, booking["order_id"], booking["id"], ctx.stamp)
    order = repo().get_order(ctx.tenant, booking["order_id"])
    events = [] if order is None or order.get("deleted_at") else [
        _event(ctx, "booking_reminded", {"booking_id": booking["id"], "at": booking["at"],
                                         "assignee_id": booking["assignee_id"]})]
    _record(uow, ctx.tenant, booking["order_id"], events)
    try:
        uow.commit()
    except Conflict:
        return "raced"  # done or reminded meanwhile
    return "reminded" if events else "skipped"


# --- documents --------------------------------------------------------------------------


def create_document(ctx: Ctx, order_id: str, filename: str, content_type: str,
                    size: int) -> dict[str, Any]:
    current = _editable(ctx, order_id)
    errors = ErrorList()
    files.check_file(get_settings(ctx), content_type, size, errors)
    errors.raise_if_any()
    document_id, name = ctx.new_id(), safe_filename(filename)
    key = f"t/{ctx.tenant}/contact-orders/{order_id}/{document_id}/{key_filename(name)}"
    document = {"id": document_id, "order_id": order_id, "filename": name,
                "content_type": content_type, "size": size, "state": "pending",
                "uploaded_by": ctx.principal.user_id,
                "uploaded_by_name": ctx.principal.record.get("name"), "created_at": ctx.stamp}
    upload = files.presigned_upload(key, content_type, size, ctx.now)
    uow = UnitOfWork()
    repo().add_child(uow, ctx.tenant, order_id, "DOC", document, extra={"key": key})
    _save(ctx, current, _next(current, ctx, document_count=current.document_count + 1),
          [_event(ctx, "document_added", {"document_id": document_id, "filename": name})], uow)
    return {**document, **upload}


def download_document(ctx: Ctx, order_id: str, document_id: str) -> dict[str, Any]:
    _visible(ctx, order_id)
    item = repo().get_child(ctx.tenant, order_id, "DOC", document_id)
    if item is None:
        raise NotFound("No such document.")
    if item.get("state") != "uploaded":
        files.confirm_upload(item["key"], item["size"])
        uow = UnitOfWork()
        repo().mark_uploaded(uow, ctx.tenant, order_id, document_id)
        uow.commit()
    return files.download_link(item["key"], item["filename"], item["content_type"], ctx.now)


def delete_document(ctx: Ctx, order_id: str, document_id: str) -> None:
    """Needs its own right (seed 001: "Ta bort uppladdade filer")."""
    if not ctx.principal.can(Permission.CONTACT_ORDERS_DELETE_FILES):
        raise Forbidden("Deleting files needs contact_orders.delete_files.")
    current = _editable(ctx, order_id)
    item = repo().get_child(ctx.tenant, order_id, "DOC", document_id)
    if item is None:
        raise NotFound("No such document.")
    uow = UnitOfWork()
    repo().delete_child(uow, ctx.tenant, order_id, "DOC", document_id)
    _save(ctx, current, _next(current, ctx, document_count=max(0, current.document_count - 1)),
          [_event(ctx, "document_deleted", {"document_id": document_id,
                                            "filename": item["filename"]})], uow)
    files.delete_object(item["key"])


# --- lists ------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderFilters:
    assignee: str | None = None  # "me", a user id, or "none"
    customer_id: str | None = None
    status: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    state: str = "all"  # all | open | closed
    sort: str | None = None  # planned_date | number; None: the tenant's choice


def _order_streams(ctx: Ctx, f: OrderFilters, sort: str) -> list[Stream]:
    p = ctx.principal
    assignee = p.user_id if f.assignee == "me" else f.assignee
    if not sees_all(p.permissions):
        # view_assigned: the user's own orders, whatever the filter says.
        if assignee not in (None, p.user_id):
            return []
        assignee = p.user_id
    by_number = sort == "number"
    if assignee:
        dimension, value = "assignee", assignee
    elif f.customer_id:
        dimension, value = "customer", f.customer_id
    elif f.status:
        dimension, value = "status", f.status
    else:
        dimension, value = "all", None
    wanted: dict[str, str | None] = {}
    if f.customer_id and dimension != "customer":
        wanted["customer_id"] = f.customer_id
    if f.status and dimension != "status":
        wanted["status"] = f.status
    residual = equals_filter(wanted)
    range_ = None
    if f.date_from or f.date_to:
        low = f.date_from.isoformat() if f.date_from else "0000-00-00"
        high = f.date_to.isoformat() if f.date_to else "9999-12-31"
        range_, residual = planned_between(low, high, by_number, residual)
    groups = ["open", "closed"] if f.state == "all" else [f.state]
    return [list_stream(ctx.tenant, dimension, value, g, by_number, range_, residual)
            for g in groups]


def list_orders(ctx: Ctx, f: OrderFilters, limit: int,
                positions: dict[str, str]) -> tuple[list[ContactOrder], dict[str, str] | None]:
    """Sorted by planned date (or number, as the tenant or the caller chooses); every open
    order before any closed one, whatever the sort."""
    sort = f.sort or get_settings(ctx).contact_order_sort
    streams = _order_streams(ctx, f, sort)
    if not streams:
        return [], None
    items, following = chained(repo().table, streams, limit, positions)
    return [ContactOrder.model_validate(strip_keys(i)) for i in items], following


def customer_totals(ctx: Ctx, customer_id: str) -> dict[str, Any]:
    """The customer's hours and order count over every order: for those who see every
    order only (None for the others, whose view is their own orders)."""
    if directory().get_organization(ctx.tenant, customer_id) is None:
        raise NotFound("No such organisation.")
    if not sees_all(ctx.principal.permissions):
        return {"total_hours": None, "order_count": None}
    return repo().customer_totals(ctx.tenant, customer_id)


def todo(ctx: Ctx, limit: int,
         positions: dict[str, str]) -> tuple[list[TodoItem], dict[str, str] | None]:
    """My open bookings and my assigned open orders, by time (bookings by their time,
    orders by their planned date; overdue ones first, undated orders last)."""
    p, tenant = ctx.principal, ctx.tenant
    if not ({Permission.CONTACT_ORDERS_VIEW.value, Permission.CONTACT_ORDERS_VIEW_ASSIGNED.value}
            & p.permissions):
        raise Forbidden("The to-do list needs contact_orders.view or view_assigned.")
    streams = [booking_stream(tenant, p.user_id, None),
               list_stream(tenant, "assignee", p.user_id, "open", False, None,
                           equals_filter({}))]
    items, following = merged(repo().table, streams, limit, positions, newest_first=False)
    items = _only_visible_bookings(tenant, p.user_id, p.permissions, items)
    answer = []
    for item in items:
        if is_booking(item):
            answer.append(TodoItem(
                kind="booking", at=item["at"], title=item.get("note") or item["subject"],
                contact_order_id=item["order_id"], number=item["order_number"],
                customer_name=item["customer_name"], booking_id=item["id"],
                booking_kind=item["kind"]))
        else:
            answer.append(TodoItem(
                kind="contact_order", at=item.get("planned_date"), title=item["subject"],
                contact_order_id=item["id"], number=item["number"],
                customer_name=item["customer"]["name"], status=item["status"]))
    return answer, following


def _only_visible_bookings(tenant: str, user_id: str, rights: frozenset[str],
                           items: list[Item]) -> list[Item]:
    """A user who sees only their own orders sees a booking only while its order is theirs
    (an order can be reassigned after the booking): one BatchGetItem per 100 bookings."""
    if sees_all(rights):
        return items
    order_ids = [i["order_id"] for i in items if is_booking(i) and "order_id" in i]
    orders: dict[str, Item] = {}
    for start in range(0, len(order_ids), 100):
        orders |= repo().get_orders(tenant, order_ids[start:start + 100])

    def visible(item: Item) -> bool:
        if "order_id" not in item:
            return True  # an order of the user's own list
        order = orders.get(item["order_id"])
        return bool(order and not order.get("deleted_at")
                    and may_see(rights, user_id, order.get("assignee_id")))

    return [i for i in items if visible(i)]


def bookings_for_feed(tenant: str, user_id: str, rights: frozenset[str],
                      since: str) -> list[Booking]:
    """A user's bookings from ``since``, open and done: two Queries of at most 250 each."""
    found = []
    for state in ("open", "done"):
        found += repo().user_bookings(tenant, user_id, state, since, 250)
    found = _only_visible_bookings(tenant, user_id, rights, found)
    return [Booking.model_validate(b) for b in sorted(found, key=lambda b: b["at"])]
