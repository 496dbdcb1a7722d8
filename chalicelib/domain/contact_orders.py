"""Contact orders (seed 001): a small CRM of customer contacts, notes with time spent,
bookings of the next contact, assignment, documents, close and sales order.

Pure: no boto3, no clock, no I/O.
"""


from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import Field, StringConstraints, field_validator, model_validator

from chalicelib.domain.directory import Address, Location
from chalicelib.domain.errors import BusinessRuleViolation, Forbidden
from chalicelib.domain.models import (
    Command,
    Email,
    Id,
    Model,
    Name,
    Phone,
    Record,
    utc_iso,
)
from chalicelib.domain.permissions import Permission

Subject = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
StatusName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
Hours = Annotated[float, Field(gt=0, le=24, allow_inf_nan=False)]
ISO_INSTANT = (r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
               r"(Z|[+-][0-9]{2}:[0-9]{2})$")
Instant = Annotated[str, StringConstraints(pattern=ISO_INSTANT)]

FIRST_NUMBER = 1001


def order_number(n: int) -> str:
    """Seed 001 calls them KO (kontaktorder)."""
    return f"KO-{n}"


def sales_order_number(n: int) -> str:
    return f"SO-{n}"


# --- references to the customer register --------------------------------------------------


class ExistingOrNew(Model):
    """A reference to something of the register: an existing one by ``id``, or a new one by
    ``name`` (added to the register), exactly one of the two. ``what`` names it in the
    error."""

    model_config = {"extra": "forbid"}
    what: ClassVar[str]

    id: Id | None = None
    name: Name | None = None

    @model_validator(mode="after")
    def _id_or_name(self) -> Self:
        if (self.id is None) == (self.name is None):
            raise ValueError(f"give the {self.what}'s id or a new {self.what}'s name, not both")
        return self


class CustomerRef(ExistingOrNew):
    """An existing customer by id, or a new one by name (added to the register)."""

    what = "customer"


class SiteRef(ExistingOrNew):
    """An existing site of the customer by id, or a new one by name (added to its sites)."""

    what = "site"

    address: Address | None = None
    location: Location | None = None

    @model_validator(mode="after")
    def _new_site_only(self) -> Self:
        if self.id is not None and (self.address or self.location):
            raise ValueError("address and location are for a new site")
        return self


class ContactPerson(Model):
    """Exactly one contact person per order (seed 001)."""

    model_config = {"extra": "forbid"}

    name: Name
    email: Email | None = None
    phone: Phone | None = None


class CustomerView(Model):
    id: str
    name: str
    customer_number: str | None = None


class SiteView(Model):
    id: str
    name: str
    address: Address | None = None
    location: Location | None = None
    map_url: str | None = None


class ServiceObjectView(Model):
    id: str
    name: str
    serial_number: str | None = None


# --- orders ---------------------------------------------------------------------------


class ContactOrderCreate(Command):
    subject: Subject
    customer: CustomerRef
    site: SiteRef | None = None
    service_object_id: Id | None = None
    contact: ContactPerson | None = None
    status: StatusName | None = None
    planned_date: date | None = None
    assignee_id: Id | None = None


class ContactOrderPatch(Command):
    subject: Subject | None = None
    site: SiteRef | None = None
    service_object_id: Id | None = None
    contact: ContactPerson | None = None
    status: StatusName | None = None
    planned_date: date | None = None
    assignee_id: Id | None = None


class ContactOrder(Record):
    id: str
    number: str
    subject: str
    customer: CustomerView
    site: SiteView | None = None
    service_object: ServiceObjectView | None = None
    contact: ContactPerson
    status: str
    planned_date: date | None = None
    assignee_id: str | None = None
    closed: bool = False
    closed_at: str | None = None
    closed_by: str | None = None
    sales_order_id: str | None = None
    total_hours: float = 0
    note_count: int = 0
    document_count: int = 0
    created_at: str
    created_by: str
    updated_at: str


class AssignBody(Command):
    """``assignee_id`` null: "assign to myself"."""

    assignee_id: Id | None = None


def check_status(status: str, allowed: list[str]) -> None:
    from chalicelib.domain.errors import FieldError, InvalidInput

    if status not in allowed:
        raise InvalidInput(
            "The status is not one of the tenant's contact order statuses.",
            [FieldError(("body", "status"), f"must be one of: {', '.join(allowed)}")])


def check_open(order: ContactOrder) -> None:
    """A closed order is archived: kept and readable, never changed again."""
    if order.closed:
        raise BusinessRuleViolation(f"{order.number} is closed and archived; it is read-only.")


def check_assignment(permissions: frozenset[str], user_id: str, assignee_id: str | None,
                     current: str | None = None) -> None:
    """Assigning a colleague needs ``assign``; taking an order oneself needs ``assign_self``
    (or ``assign``). Leaving the assignee as it is needs nothing."""
    if assignee_id == current:
        return
    if assignee_id == user_id:
        if not ({Permission.CONTACT_ORDERS_ASSIGN_SELF.value,
                 Permission.CONTACT_ORDERS_ASSIGN.value} & permissions):
            raise Forbidden("Taking an order needs contact_orders.assign_self.")
    elif Permission.CONTACT_ORDERS_ASSIGN.value not in permissions:
        raise Forbidden("Assigning a colleague needs contact_orders.assign.")


def sees_all(permissions: frozenset[str]) -> bool:
    return Permission.CONTACT_ORDERS_VIEW.value in permissions


def may_see(permissions: frozenset[str], user_id: str, assignee_id: str | None) -> bool:
    """``view`` sees every order; ``view_assigned`` only the ones assigned to the user."""
    return sees_all(permissions) or (
        Permission.CONTACT_ORDERS_VIEW_ASSIGNED.value in permissions and assignee_id == user_id)


# --- notes, bookings, documents ---------------------------------------------------------


class NoteCreate(Command):
    body: Text
    hours: Hours | None = None
    # A note is never edited: a correction is a new note that names the one it corrects.
    corrects: Id | None = None


class Note(Model):
    id: str
    order_id: str
    body: str
    hours: float | None = None
    corrects: str | None = None
    author_id: str
    author_name: str | None = None
    at: str


BookingKind = Literal["meeting", "call", "digital"]


class BookingCreate(Command):
    at: Instant
    kind: BookingKind
    assignee_id: Id | None = None  # default: the one who books
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""
    duration_minutes: int = Field(default=30, ge=5, le=24 * 60)

    @field_validator("at")
    @classmethod
    def _real_instant(cls, value: str) -> str:
        """A real instant (not 13th months), in the API's one format: UTC, whole seconds."""
        return utc_iso(datetime.fromisoformat(value))


class Booking(Model):
    id: str
    order_id: str
    order_number: str
    subject: str
    customer_name: str
    at: str
    kind: BookingKind
    assignee_id: str
    note: str = ""
    duration_minutes: int = 30
    location: str | None = None
    created_by: str
    created_at: str
    done_at: str | None = None
    done_reason: str | None = None
    reminded_at: str | None = None


class SalesOrder(Model):
    id: str
    number: str
    contact_order_id: str
    contact_order_number: str
    subject: str
    customer: CustomerView
    contact: ContactPerson
    created_at: str
    created_by: str


# --- lists, to-do, saved filters ----------------------------------------------------------

Sort = Literal["planned_date", "number"]
UNDATED = "~"  # sorts after every date


def planned_key(planned_date: str | None, number: int) -> str:
    """Sort key by planned date, then number; undated orders after dated ones."""
    return f"{planned_date or UNDATED}#{number:010d}"


def number_key(number: int) -> str:
    return f"{number:010d}"


class TodoItem(Model):
    kind: Literal["booking", "contact_order"]
    at: str | None
    title: str
    contact_order_id: str
    number: str
    customer_name: str
    status: str | None = None
    booking_id: str | None = None
    booking_kind: BookingKind | None = None


Module = Literal["contact_orders", "tickets"]
QueryValue = Annotated[str, StringConstraints(max_length=200)]


class SavedFilterCreate(Command):
    name: Name
    module: Module
    query: dict[Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,40}$")], QueryValue] = (
        Field(default_factory=dict, max_length=20))


class SavedFilter(Model):
    id: str
    name: str
    module: Module
    query: dict[str, Any]
    created_at: str
