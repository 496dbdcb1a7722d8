"""Contact orders (seed 001), the to-do list, the calendar feed and saved filters, as in
the Contact orders part of the API contract."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Literal

from chalice.app import Blueprint
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from chalicelib.api.paging import ListQuery, Paging
from chalicelib.api.routing import AUTHENTICATED, PUBLIC, Call, Reply, route
from chalicelib.api.schemas import DownloadLink, PageOf
from chalicelib.domain import contact_orders
from chalicelib.domain.errors import Forbidden
from chalicelib.domain.models import HistoryEvent, Id, Model, StoredFile
from chalicelib.domain.permissions import Permission
from chalicelib.domain.tickets import AttachmentCreate
from chalicelib.services import calendar, directory
from chalicelib.services import contact_orders as svc

bp = Blueprint(__name__)

VIEW = (Permission.CONTACT_ORDERS_VIEW, Permission.CONTACT_ORDERS_VIEW_ASSIGNED)
TAG = "contact_orders"


# --- orders ---------------------------------------------------------------------------


@route(bp, "POST", "/contact-orders", guard=Permission.CONTACT_ORDERS_CREATE, tag=TAG,
       body=contact_orders.ContactOrderCreate, response=contact_orders.ContactOrder, status=201,
       idempotent=True,
       summary="A new contact order; an unknown customer or site is added to the register")
def create_order(call: Call) -> contact_orders.ContactOrder:
    return svc.create_order(call.ctx, call.body)


def _iso_date_text(value: object) -> object:
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise ValueError("a date is YYYY-MM-DD")
    return value


# A date in a query is YYYY-MM-DD, nothing else (pydantic would read 0 as 1970-01-01).
QueryDate = Annotated[date, BeforeValidator(_iso_date_text)]


class OrderListQuery(ListQuery):
    assignee: Id | None = Field(default=None, description="me, a user id, or none")
    customer_id: Id | None = None
    status: Annotated[str, StringConstraints(min_length=1, max_length=60)] | None = None
    from_: QueryDate | None = Field(default=None, alias="from")
    to: QueryDate | None = None
    state: Literal["all", "open", "closed"] = "all"
    sort: contact_orders.Sort | None = None

    @field_validator("to")
    @classmethod
    def _not_before_from(cls, value: date | None, info: ValidationInfo) -> date | None:
        # DynamoDB refuses a BETWEEN whose bounds are reversed; the caller hears why.
        start = info.data.get("from_")
        if value is not None and start is not None and value < start:
            raise ValueError("to must not be before from")
        return value


@route(bp, "GET", "/contact-orders", guard=VIEW, tag=TAG, query=OrderListQuery,
       response=PageOf(contact_orders.ContactOrder),
       summary="Contact orders by planned date (or number); closed ones always last")
def list_orders(call: Call) -> dict[str, object]:
    query: OrderListQuery = call.query
    filters = svc.OrderFilters(assignee=query.assignee, customer_id=query.customer_id,
                               status=query.status, date_from=query.from_, date_to=query.to,
                               state=query.state, sort=query.sort)
    return _orders(call, Paging.of(call, "contact-orders", filters), filters)


def _orders(call: Call, paging: Paging, filters: svc.OrderFilters) -> dict[str, object]:
    items, following = svc.list_orders(call.ctx, filters, paging.limit, paging.positions)
    return paging.answer(items, following)


@route(bp, "GET", "/contact-orders/{id}", guard=VIEW, tag=TAG, response=contact_orders.ContactOrder,
       summary="One contact order (with its site's map link)")
def get_order(call: Call) -> contact_orders.ContactOrder:
    return svc.get_order(call.ctx, call.params["id"])


@route(bp, "PATCH", "/contact-orders/{id}", guard=Permission.CONTACT_ORDERS_EDIT, tag=TAG,
       body=contact_orders.ContactOrderPatch, response=contact_orders.ContactOrder, if_match=True,
       errors=(422,), summary="Change an open order")
def patch_order(call: Call) -> contact_orders.ContactOrder:
    return svc.patch_order(call.ctx, call.params["id"], call.body)


@route(bp, "DELETE", "/contact-orders/{id}", guard=Permission.CONTACT_ORDERS_DELETE, tag=TAG,
       status=204, errors=(409,), summary="Delete an order (kept with its history, listed nowhere)")
def delete_order(call: Call) -> Reply:
    svc.delete_order(call.ctx, call.params["id"])
    return Reply(None, status=204)


@route(bp, "POST", "/contact-orders/{id}/assign",
       guard=(Permission.CONTACT_ORDERS_ASSIGN, Permission.CONTACT_ORDERS_ASSIGN_SELF), tag=TAG,
       body=contact_orders.AssignBody, body_optional=True, response=contact_orders.ContactOrder,
       errors=(409, 422), summary="Assign to a colleague, or (no assignee_id) to myself")
def assign(call: Call) -> contact_orders.ContactOrder:
    return svc.assign(call.ctx, call.params["id"], call.body.assignee_id if call.body else None)


@route(bp, "POST", "/contact-orders/{id}/close", guard=Permission.CONTACT_ORDERS_EDIT, tag=TAG,
       response=contact_orders.ContactOrder, idempotent=True, errors=(409, 422),
       summary="Close: archived, read-only, listed after the open ones")
def close(call: Call) -> contact_orders.ContactOrder:
    return svc.close(call.ctx, call.params["id"])


@route(bp, "POST", "/contact-orders/{id}/sales-order", guard=Permission.CONTACT_ORDERS_EDIT,
       tag=TAG, response=contact_orders.SalesOrder, status=201, idempotent=True, errors=(409, 422),
       summary="Turn the order into a sales order, linked both ways")
def sales_order(call: Call) -> contact_orders.SalesOrder:
    return svc.create_sales_order(call.ctx, call.params["id"])


@route(bp, "GET", "/sales-orders/{id}", guard=VIEW, tag=TAG, response=contact_orders.SalesOrder,
       summary="A sales order made from a contact order")
def get_sales_order(call: Call) -> contact_orders.SalesOrder:
    return svc.get_sales_order(call.ctx, call.params["id"])


# --- notes, history, bookings, documents ----------------------------------------------


def _children(call: Call, kind: str, model: type[BaseModel]) -> dict[str, object]:
    order_id = call.params["id"]
    paging = Paging.of(call, kind, order_id)
    page = svc.list_children(call.ctx, order_id, kind, paging.limit, paging.start)
    return paging.answer_page(page, model)


@route(bp, "POST", "/contact-orders/{id}/notes", guard=Permission.CONTACT_ORDERS_EDIT, tag=TAG,
       body=contact_orders.NoteCreate, response=contact_orders.Note, status=201, idempotent=True,
       errors=(409, 422),
       summary="A note, stamped with its author and time; never edited (correct by a new note)")
def add_note(call: Call) -> contact_orders.Note:
    return svc.add_note(call.ctx, call.params["id"], call.body)


@route(bp, "GET", "/contact-orders/{id}/notes", guard=VIEW, tag=TAG, query=ListQuery,
       response=PageOf(contact_orders.Note), summary="The order's notes, oldest first")
def list_notes(call: Call) -> dict[str, object]:
    return _children(call, "NOTE", contact_orders.Note)


@route(bp, "GET", "/contact-orders/{id}/events", guard=VIEW, tag=TAG, query=ListQuery,
       response=PageOf(HistoryEvent), summary="The order's history, oldest first")
def list_events(call: Call) -> dict[str, object]:
    return _children(call, "EVENT", HistoryEvent)


@route(bp, "POST", "/contact-orders/{id}/bookings", guard=Permission.CONTACT_ORDERS_EDIT, tag=TAG,
       body=contact_orders.BookingCreate, response=contact_orders.Booking, status=201,
       idempotent=True, errors=(409, 422),
       summary="Book the next contact (a colleague's needs assign)")
def add_booking(call: Call) -> contact_orders.Booking:
    return svc.add_booking(call.ctx, call.params["id"], call.body)


@route(bp, "GET", "/contact-orders/{id}/bookings", guard=VIEW, tag=TAG, query=ListQuery,
       response=PageOf(contact_orders.Booking), summary="The order's bookings")
def list_bookings(call: Call) -> dict[str, object]:
    return _children(call, "BOOKING", contact_orders.Booking)


@route(bp, "POST", "/contact-orders/{id}/bookings/{bid}/done", guard=Permission.CONTACT_ORDERS_EDIT,
       tag=TAG, response=contact_orders.Booking, errors=(409, 422), summary="Mark a booking done")
def complete_booking(call: Call) -> contact_orders.Booking:
    return svc.complete_booking(call.ctx, call.params["id"], call.params["bid"])


class Document(StoredFile):
    order_id: str


class DocumentUpload(Document):
    upload_url: str
    upload_fields: dict[str, str]
    upload_expires_at: str


class DocumentCreate(AttachmentCreate):
    internal: Literal[False] = False


@route(bp, "POST", "/contact-orders/{id}/documents", guard=Permission.CONTACT_ORDERS_EDIT, tag=TAG,
       body=DocumentCreate, response=DocumentUpload, status=201, idempotent=True,
       errors=(409, 422), summary="Announce a document: answers a presigned S3 POST")
def create_document(call: Call) -> dict[str, object]:
    body: DocumentCreate = call.body
    return svc.create_document(call.ctx, call.params["id"], body.filename, body.content_type,
                               body.size)


@route(bp, "GET", "/contact-orders/{id}/documents", guard=VIEW, tag=TAG, query=ListQuery,
       response=PageOf(Document), summary="The order's documents")
def list_documents(call: Call) -> dict[str, object]:
    return _children(call, "DOC", Document)


@route(bp, "GET", "/contact-orders/{id}/documents/{did}", guard=VIEW, tag=TAG,
       response=DownloadLink, status=302, errors=(409,),
       summary="302 to a short-lived download address (also given in the body)")
def download_document(call: Call) -> Reply:
    link = svc.download_document(call.ctx, call.params["id"], call.params["did"])
    return Reply(link, headers={"Location": link["url"]})


@route(bp, "GET", "/contact-orders/{id}/documents/{did}/link", guard=VIEW, tag=TAG,
       response=DownloadLink, errors=(409,),
       summary="The short-lived download address as JSON, for the portal (a browser with a "
               "bearer token cannot read a redirect's target)")
def document_link(call: Call) -> dict[str, object]:
    return dict(svc.download_document(call.ctx, call.params["id"], call.params["did"]))


@route(bp, "DELETE", "/contact-orders/{id}/documents/{did}",
       guard=Permission.CONTACT_ORDERS_DELETE_FILES, tag=TAG, status=204, errors=(409, 422),
       summary="Delete a document (needs contact_orders.delete_files)")
def delete_document(call: Call) -> Reply:
    svc.delete_document(call.ctx, call.params["id"], call.params["did"])
    return Reply(None, status=204)


# --- the customer's orders ------------------------------------------------------------


class CustomerOrders(Model):
    # A page of orders (ItemsPage's fields, declared here: a subclass of ItemsPage[...]
    # would build the generic at import) and, over all the customer's orders, totals:
    # null for users who see only their own orders.
    items: list[contact_orders.ContactOrder]
    next_cursor: str | None
    total_hours: float | None
    order_count: int | None


@route(bp, "GET", "/organizations/{id}/contact-orders", guard=VIEW, tag=TAG, query=ListQuery,
       response=CustomerOrders,
       summary="All of a customer's contact orders, with its total hours")
def customer_orders(call: Call) -> dict[str, object]:
    customer_id = call.params["id"]
    totals = svc.customer_totals(call.ctx, customer_id)
    paging = Paging.of(call, "customer-orders", customer_id)
    return {**_orders(call, paging, svc.OrderFilters(customer_id=customer_id)), **totals}


# --- to-do and calendar ---------------------------------------------------------------


@route(bp, "GET", "/todo", guard=VIEW, tag=TAG, query=ListQuery,
       response=PageOf(contact_orders.TodoItem),
       summary="My open bookings and assigned open orders, by time")
def todo(call: Call) -> dict[str, object]:
    paging = Paging.of(call, "todo")
    items, following = svc.todo(call.ctx, paging.limit, paging.positions)
    return paging.answer(items, following)


class FeedAnswer(Model):
    feed_token: str
    path: str
    created_at: str


@route(bp, "POST", "/calendar/feed", guard=VIEW, tag=TAG, response=FeedAnswer, status=201,
       summary="A new address for my calendar feed (the previous one stops working)")
def new_feed(call: Call) -> dict[str, object]:
    return calendar.new_feed(call.ctx)


@route(bp, "DELETE", "/calendar/feed", guard=VIEW, tag=TAG, status=204,
       summary="Revoke my calendar feed")
def revoke_feed(call: Call) -> Reply:
    calendar.revoke_feed(call.ctx)
    return Reply(None, status=204)


@route(bp, "GET", "/calendar/{feed}", guard=PUBLIC, tag=TAG, errors=(404,),
       response={"type": "string", "contentMediaType": "text/calendar"},
       summary="My bookings as iCalendar (RFC 5545); the address itself is the secret")
def calendar_feed(call: Call) -> Reply:
    body = calendar.feed(call.params["feed"], datetime.now(UTC))
    return Reply(body, headers={"Content-Type": "text/calendar; charset=utf-8",
                                "Cache-Control": "private, max-age=300"})


# --- saved filters --------------------------------------------------------------------


class SavedFilters(Model):
    items: list[contact_orders.SavedFilter]


class SavedFilterQuery(Model):
    model_config = ConfigDict(extra="forbid")

    module: contact_orders.Module | None = None


@route(bp, "GET", "/saved-filters", guard=AUTHENTICATED, tag=TAG, query=SavedFilterQuery,
       response=SavedFilters, summary="My saved favourite filters")
def list_saved_filters(call: Call) -> SavedFilters:
    found = directory.list_saved_filters(call.ctx, call.query.module)
    return SavedFilters(items=[contact_orders.SavedFilter.model_validate(f) for f in found])


@route(bp, "POST", "/saved-filters", guard=AUTHENTICATED, tag=TAG,
       body=contact_orders.SavedFilterCreate, response=contact_orders.SavedFilter, status=201,
       idempotent=True, errors=(403, 422), summary="Save a filter as a favourite")
def save_filter(call: Call) -> contact_orders.SavedFilter:
    body: contact_orders.SavedFilterCreate = call.body
    needed = {"contact_orders": VIEW,
              "tickets": (Permission.TICKETS_VIEW, Permission.TICKETS_CREATE)}[body.module]
    if not any(call.ctx.principal.can(p) for p in needed):
        raise Forbidden(f"Filters of {body.module} need " + " or ".join(p.value for p in needed))
    return contact_orders.SavedFilter.model_validate(
        directory.save_filter(call.ctx, body.name, body.module, dict(body.query)))


@route(bp, "DELETE", "/saved-filters/{id}", guard=AUTHENTICATED, tag=TAG, status=204,
       summary="Delete a saved filter")
def delete_saved_filter(call: Call) -> Reply:
    directory.delete_saved_filter(call.ctx, call.params["id"])
    return Reply(None, status=204)

