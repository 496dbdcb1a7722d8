"""The directory: tenant settings, users, roles, organisations and their contacts,
sites and service objects, and the in-app inbox. Pure models and rules."""


import re
from datetime import date
from functools import cache
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, Field, StringConstraints, field_validator, model_validator

from chalicelib.domain.errors import BusinessRuleViolation, ErrorList
from chalicelib.domain.models import (
    Command,
    Email,
    Id,
    Language,
    Model,
    Name,
    Phone,
    Record,
    ShortText,
)
from chalicelib.domain.notifications import NotificationKind
from chalicelib.domain.permissions import (
    CONTACT_ROLES,
    DEFAULT_ROLES,
    LOCKOUT_GUARD,
    Permission,
)

ALL_LANGUAGES: tuple[Language, ...] = ("sv", "fi", "en")

# --- settings -------------------------------------------------------------------------

HHMM = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
StatusName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]


def known_zone(value: str) -> str:
    """An IANA time zone name the zone database knows, else a ValueError naming it. A
    name is looked up among the database's zones, never opened as a path: "America" is a
    folder of it, and ZoneInfo("America") is an IsADirectoryError, not a refusal."""
    if value not in _zone_names():
        raise ValueError(f"unknown time zone {value!r}")
    return value


@cache
def _zone_names() -> frozenset[str]:
    from zoneinfo import available_timezones

    return frozenset(available_timezones())


TimeZone = Annotated[str, StringConstraints(min_length=1, max_length=64),
                     AfterValidator(known_zone)]


class SupportHours(Model):
    """Opening hours in which SLA targets are measured (seed 002: weekdays 08-16).

    Public holidays of ``holiday_country`` are closed (with the de facto closed eves,
    such as Midsummer Eve, when ``closed_on_eves``); ``closed_days`` adds the tenant's
    own closed dates and ``open_days`` opens dates the calendar would close.
    """

    model_config = {"extra": "forbid"}

    timezone: Annotated[str, StringConstraints(min_length=1, max_length=64)] = "Europe/Stockholm"
    weekdays: list[Annotated[int, Field(ge=1, le=7)]] = Field(
        default_factory=lambda: [1, 2, 3, 4, 5], max_length=7
    )
    start: HHMM = "08:00"
    end: HHMM = "16:00"
    holiday_country: Literal["SE", "FI"] | None = "SE"
    closed_on_eves: bool = True
    closed_days: list[date] = Field(default_factory=list, max_length=366)
    open_days: list[date] = Field(default_factory=list, max_length=366)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return known_zone(value)

    @model_validator(mode="after")
    def _start_before_end(self) -> Self:
        if self.start >= self.end:
            raise ValueError("start must be before end")
        if len(set(self.weekdays)) != len(self.weekdays):
            raise ValueError("weekdays must not repeat")
        if not self.weekdays:
            raise ValueError("at least one weekday must be open")
        return self


Priority = Literal["low", "normal", "high", "urgent"]
PRIORITIES: tuple[Priority, ...] = ("low", "normal", "high", "urgent")


class SlaTarget(Model):
    """Targets in support hours: first public answer, and resolution."""

    model_config = {"extra": "forbid"}

    # At least a minute (0.01 hours is 36 seconds): a target is hours of support time.
    first_response_hours: float = Field(ge=0.01, le=2000, allow_inf_nan=False)
    resolution_hours: float = Field(ge=0.01, le=10000, allow_inf_nan=False)


def _default_sla_targets() -> dict[Priority, SlaTarget]:
    return {
        "urgent": SlaTarget(first_response_hours=1, resolution_hours=8),
        "high": SlaTarget(first_response_hours=4, resolution_hours=16),
        "normal": SlaTarget(first_response_hours=8, resolution_hours=40),
        "low": SlaTarget(first_response_hours=16, resolution_hours=80),
    }


# Seed 004: screenshots and letters; office documents, text and zip archives too.
DEFAULT_ATTACHMENT_TYPES = [
    "image/*",
    "application/pdf",
    "text/plain",
    "text/csv",
    "application/zip",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.*",
    "application/vnd.oasis.opendocument.*",
    "message/rfc822",
]
MimePattern = Annotated[
    str, StringConstraints(pattern=r"^[a-z]+/(\*|[a-z0-9][a-z0-9.+-]*(\.\*)?)$", max_length=120)
]


class NotificationChannels(Model):
    model_config = {"extra": "forbid"}

    email: bool = True
    in_app: bool = True
    sms: bool = False


EmailAddressStatus = Literal["pending", "verified"]


class EmailChannelSettings(Model):
    """How mail to the support address becomes tickets (issue 5, F3)."""

    model_config = {"extra": "forbid"}

    # Support addresses of the tenant's own domains (support@kund.se) besides
    # <tenant>@<inbound domain>; each routes here and nowhere else.
    addresses: list[Email] = Field(default_factory=list, max_length=10)
    # The type of tickets opened by mail; none: the tenant's first active type.
    ticket_type_id: Id | None = None
    # Mail from an address that is no known contact: open a ticket for an unverified
    # contact, or drop it.
    unknown_senders: Literal["open", "reject"] = "open"
    # Mail that names a ticket its sender does not take part in: a new ticket linked
    # to that one, or quarantine.
    strangers: Literal["new_ticket", "quarantine"] = "new_ticket"
    # A reply this many days after closing reopens; later it opens a linked follow-up.
    reopen_days: int = Field(default=14, ge=0, le=365)
    # Loop protection: messages one sender may post to one ticket in an hour.
    max_messages_per_hour: int = Field(default=10, ge=1, le=1000)
    # New tickets an hour from all senders whose From is not proven, together: a forged
    # address must not buy a fresh allowance (authenticated senders have their own).
    max_unauthenticated_tickets_per_hour: int = Field(default=30, ge=1, le=10000)
    # SES stores up to 40 MB; anything larger than this is refused with a notice.
    max_message_bytes: int = Field(default=30 * 1024 * 1024, ge=64 * 1024,
                                   le=40 * 1024 * 1024)

    @field_validator("addresses")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        lowered = [a.lower() for a in value]
        if len(set(lowered)) != len(lowered):
            raise ValueError("addresses must not repeat")
        return lowered


# Seed 001 lets the admin define the statuses; these are the starting suggestions.
DEFAULT_CONTACT_ORDER_STATUSES = ["Ny", "Pågående", "Väntar på kund", "Bokad", "Klar"]


class SupportPhone(Model):
    """A support line shown on the public help pages (seed 002 lists one per product area:
    general software support, bookkeeping, payroll)."""

    model_config = {"extra": "forbid"}

    label: dict[Language, ShortText] = Field(min_length=1)
    number: Phone


class ChatSettings(Model):
    """Issue 18: a tenant's chat: whether the portal offers it, and staff who count as online
    whether or not they have a chat open (e.g. a shared support inbox's owner)."""

    model_config = {"extra": "forbid"}

    enabled: bool = False
    always_online_ids: list[Annotated[str, StringConstraints(min_length=1, max_length=64)]] = (
        Field(default_factory=list, max_length=50))


class SettingsBody(Command):
    """``PUT /settings``: the whole settings document."""

    approval_reminder_hours: int = Field(default=120, ge=1, le=24 * 90)
    auto_close_hours: int = Field(default=24, ge=1, le=24 * 30)
    support_hours: SupportHours = Field(default_factory=SupportHours)
    # Shown to anyone on the help center's contact block, with the support hours.
    support_phones: list[SupportPhone] = Field(default_factory=list, max_length=10)
    chat: ChatSettings = Field(default_factory=ChatSettings)
    contact_order_statuses: list[StatusName] = Field(
        default_factory=lambda: list(DEFAULT_CONTACT_ORDER_STATUSES), min_length=1, max_length=50
    )
    contact_order_sort: Literal["planned_date", "number"] = "planned_date"
    notification_channels: NotificationChannels = Field(default_factory=NotificationChannels)
    languages: list[Language] = Field(
        default_factory=lambda: list(ALL_LANGUAGES), min_length=1, max_length=3
    )
    default_language: Language = "sv"
    name: ShortText = ""
    sla_targets: dict[Priority, SlaTarget] = Field(default_factory=_default_sla_targets)
    attachment_max_bytes: int = Field(default=25 * 1024 * 1024, ge=1024, le=100 * 1024 * 1024)
    attachment_types: list[MimePattern] = Field(
        default_factory=lambda: list(DEFAULT_ATTACHMENT_TYPES), min_length=1, max_length=100
    )
    # How long before an SLA target its warning goes out (0: no warning, only the breach).
    sla_warning_minutes: int = Field(default=60, ge=0, le=24 * 60)
    # Who hears of SLA alerts on unassigned tickets; empty: every active staff user
    # holding tickets.assign.
    queue_owner_ids: list[Annotated[str, StringConstraints(min_length=1, max_length=64)]] = (
        Field(default_factory=list, max_length=20))
    email: EmailChannelSettings = Field(default_factory=EmailChannelSettings)
    # Monday morning's e-mail of last week's figures to the staff who hold reports.view
    # (issue 23, item 5); each may mute it in their preferences.
    weekly_summary: bool = False
    # Read-only (ignored in PUT, kept by the app): each of email.addresses is "pending"
    # until the code mailed to it comes back (POST /settings/email-addresses/{a}/verify),
    # then "verified". Only a verified address routes mail (issue 14, item 3).
    email_address_status: dict[Email, EmailAddressStatus] = Field(default_factory=dict,
                                                                  max_length=10)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if len(set(self.contact_order_statuses)) != len(self.contact_order_statuses):
            raise ValueError("contact_order_statuses must not repeat")
        if len(set(self.languages)) != len(self.languages):
            raise ValueError("languages must not repeat")
        if self.default_language not in self.languages:
            raise ValueError("default_language must be one of languages")
        missing = [p for p in PRIORITIES if p not in self.sla_targets]
        if missing:
            raise ValueError(f"sla_targets needs every priority; missing {', '.join(missing)}")
        return self


class TenantSettings(SettingsBody, Record):
    model_config = {"extra": "ignore", "frozen": False}

    tenant: str
    updated_at: str

    @model_validator(mode="after")
    def _every_address_has_a_status(self) -> Self:
        # Addresses listed before proof was asked have none: they are pending.
        self.email_address_status = {
            a: self.email_address_status.get(a, "pending") for a in self.email.addresses}
        return self


# --- roles ----------------------------------------------------------------------------

ROLE_NAME = r"^[a-z][a-z0-9_]{1,31}$"
RoleName = Annotated[str, StringConstraints(pattern=ROLE_NAME)]


class RoleBody(Command):
    permissions: list[str] = Field(max_length=len(Permission))

    @field_validator("permissions")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        known = {p.value for p in Permission}
        unknown = [p for p in value if p not in known]
        if unknown:
            raise ValueError(f"unknown permissions: {', '.join(sorted(unknown))}")
        return sorted(set(value))


class Role(Model):
    name: str
    permissions: list[str]
    builtin: bool
    customised: bool


def check_role_update(name: str, permissions: list[str]) -> None:
    role, needed = LOCKOUT_GUARD
    if name == role and needed.value not in permissions:
        raise BusinessRuleViolation(
            f"The {role} role must keep {needed.value}, or no one could edit roles again."
        )


def role_view(name: str, saved: frozenset[str] | None) -> Role:
    default = DEFAULT_ROLES.get(name)
    permissions = saved if saved is not None else {p.value for p in default or ()}
    return Role(
        name=name,
        permissions=sorted(permissions),
        builtin=default is not None,
        customised=saved is not None,
    )


# --- users ----------------------------------------------------------------------------

UserKind = Literal["staff", "contact"]


class UserCreate(Command):
    email: Email
    name: Name
    kind: UserKind = "staff"
    roles: list[RoleName] | None = Field(default=None, max_length=10)
    organization_id: Id | None = None
    contact_id: Id | None = None
    language: Language = "sv"
    phone: Phone | None = None

    @model_validator(mode="after")
    def _kind_rules(self) -> Self:
        if self.kind == "contact" and not self.organization_id:
            raise ValueError("a contact user needs organization_id")
        if self.kind == "staff" and (self.organization_id or self.contact_id):
            raise ValueError("a staff user has no organization_id or contact_id")
        return self

    def effective_roles(self) -> list[str]:
        if self.roles is not None:
            return sorted(set(self.roles))
        return ["agent"] if self.kind == "staff" else ["contact"]


class UserPatch(Command):
    name: Name | None = None
    roles: list[RoleName] | None = Field(default=None, max_length=10)
    language: Language | None = None
    phone: Phone | None = None
    active: bool | None = None
    # Only false: mail goes to the address again (a bounce sets it, nobody else).
    email_undeliverable: Literal[False] | None = None


class MePatch(Command):
    """``PATCH /me``: what a user may change of their own record."""

    name: Name | None = None
    language: Language | None = None
    phone: Phone | None = None
    # The user's own time zone for dates in the portal and mails (null: the tenant's).
    timezone: TimeZone | None = None
    email_undeliverable: Literal[False] | None = None


class User(Record):
    id: str
    tenant: str
    email: str
    name: str
    kind: UserKind
    roles: list[str]
    organization_id: str | None = None
    contact_id: str | None = None
    language: Language = "sv"
    phone: str | None = None
    timezone: str | None = None
    active: bool = True
    # Notification kinds this user gets no e-mail for (in-app still shows them).
    muted_email: list[str] = Field(default_factory=list)
    # Set when mail to the address bounced for good; no more e-mail goes there.
    email_undeliverable: bool = False
    created_at: str
    updated_at: str


def check_roles_fit_kind(kind: str, roles: list[str], known_roles: set[str]) -> None:
    """A contact holds only contact roles, staff only staff roles; all must exist."""
    errors = ErrorList()
    for index, role in enumerate(roles):
        if role not in known_roles:
            errors.add(("body", "roles", index), f"unknown role {role!r}")
        elif kind == "contact" and role not in CONTACT_ROLES:
            errors.add(("body", "roles", index), f"a contact cannot hold the role {role!r}")
        elif kind == "staff" and role in CONTACT_ROLES:
            errors.add(("body", "roles", index), f"staff cannot hold the contact role {role!r}")
    if not roles:
        errors.add(("body", "roles"), "at least one role is needed")
    errors.raise_if_any()


class Location(Model):
    model_config = {"extra": "forbid"}

    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)


class Address(Model):
    model_config = {"extra": "forbid"}

    street: ShortText = ""
    postal_code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=16)] = ""
    city: ShortText = ""
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] = "SE"


# --- organisations --------------------------------------------------------------------

OrganizationKind = Literal["company", "private_person", "supplier", "buyer"]
TicketVisibility = Literal["own", "organization_read", "organization_comment"]
CustomerNumber = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40, pattern=r"^\S.*$")
]


class OrganizationCreate(Command):
    name: Name
    kind: OrganizationKind = "company"
    customer_number: CustomerNumber | None = None
    ticket_visibility: TicketVisibility = "own"
    address: Address | None = None


class OrganizationPatch(Command):
    name: Name | None = None
    kind: OrganizationKind | None = None
    customer_number: CustomerNumber | None = None
    main_contact_id: Id | None = None
    ticket_visibility: TicketVisibility | None = None
    # False deactivates a client (seed 003): out of the price count and the lists, history kept.
    active: bool | None = None
    address: Address | None = None


class Organization(Record):
    id: str
    tenant: str
    name: str
    kind: OrganizationKind
    customer_number: str | None = None
    main_contact_id: str | None = None
    ticket_visibility: TicketVisibility = "own"
    # Client cases (seed 003, issue 19): an inactive client is out of the price count and
    # the lists; ``connected_at`` is when its main contact accepted the firm's invitation.
    active: bool = True
    deactivated_at: str | None = None
    reactivated_at: str | None = None
    address: Address | None = None
    connected_at: str | None = None
    created_at: str
    updated_at: str


def name_key(name: str) -> str:
    """A case- and space-insensitive form of a name, for sorting and prefix search."""
    return re.sub(r"\s+", " ", name.strip().casefold())


class ContactCreate(Command):
    name: Name
    email: Email | None = None
    phone: Phone | None = None
    language: Language = "sv"
    title: ShortText | None = None


class Contact(Record):
    id: str
    organization_id: str
    name: str
    email: str | None = None
    phone: str | None = None
    language: Language = "sv"
    title: str | None = None
    user_id: str | None = None
    created_at: str


class SiteCreate(Command):
    name: Name
    address: Address | None = None
    location: Location | None = None


class Site(Record):
    id: str
    organization_id: str
    name: str
    address: Address | None = None
    location: Location | None = None
    map_url: str | None = None
    created_at: str


def map_url(location: Location | None) -> str | None:
    if location is None:
        return None
    return f"https://www.openstreetmap.org/?mlat={location.lat}&mlon={location.lon}#map=16/{location.lat}/{location.lon}"


class SiteInRegister(Site):
    """A site as the register across customers lists it: with its customer's name."""

    organization_name: str | None = None


class ServiceObjectCreate(Command):
    name: Name
    site_id: Id | None = None
    serial_number: ShortText | None = None


class ServiceObject(Record):
    id: str
    organization_id: str
    name: str
    site_id: str | None = None
    serial_number: str | None = None
    created_at: str


class ServiceObjectInRegister(ServiceObject):
    """A service object as the register across customers lists it: with its customer's name."""

    organization_name: str | None = None


# --- the in-app inbox -----------------------------------------------------------------


class NotificationPreferences(Command):
    """``PUT /me/notification-preferences``: the kinds to get no e-mail for."""

    muted_email: list[NotificationKind] = Field(default_factory=list, max_length=20)

    @field_validator("muted_email")
    @classmethod
    def _once_each(cls, kinds: list[str]) -> list[str]:
        return sorted(set(kinds))


class Notification(Model):
    id: str
    kind: str
    title: str
    body: str = ""
    link: str | None = None
    created_at: str
    read_at: str | None = None
