"""Client cases (seed 003, issue 19): an accounting firm (the tenant) shares cases with its
clients' staff. The module is bought and activated once by an administrator; until then
every client-case endpoint refuses with a reason that says how to activate.

Pure rules: the readiness checklist of a client, the price basis, invitations' states,
whether an organisation was active in a month, and the billing usage of a month (its
figures and its CSV)."""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from chalicelib.domain.csv_export import Cell, excel_csv, fixed
from chalicelib.domain.models import EMAIL_PATTERN, Command, Id, Model

NOT_ACTIVE = ("Client cases are not activated for this account. An administrator with the "
              "settings.edit permission activates them with POST /client-cases/activate "
              "after the checklist of GET /client-cases/readiness.")

# An organisation with no ticket, contact order or sign-in for this long looks inactive: the
# checklist suggests deactivating it (seed 003: "Rensa kundlistan").
INACTIVE_AFTER = timedelta(days=365)
# How long an invitation's link works (the issue: 14 days, configurable per call site).
INVITATION_DAYS = 14


class ModuleState(Model):
    """The module's activation, kept in one item of the ``directory`` table."""

    model_config = {"extra": "ignore"}

    active: bool = False
    activated_at: str | None = None
    activated_by: str | None = None
    # The price basis shown and accepted at activation.
    active_clients: int = 0
    monthly_price: float = 0
    price_per_client: float = 0
    currency: str = "SEK"


class Plan(Model):
    """The tenant's plan for client cases: read-only for the tenant (set by operations, see
    docs/decisions.md); a tenant without one has the default price."""

    model_config = {"extra": "ignore"}

    price_per_client: float = 49.0
    currency: str = "SEK"


def monthly_price(plan: Plan, active_clients: int) -> float:
    """The month's price: per active client, private persons already left out."""
    return float((Decimal(str(plan.price_per_client)) * active_clients)
                 .quantize(Decimal("0.01"), ROUND_HALF_UP))


# --- the price basis: active clients, private persons excluded ------------------------------


def client_counts(org: dict[str, Any] | None) -> tuple[int, int]:
    """What one organisation adds to the counter item: (active clients, active private
    persons). An inactive one adds nothing; a private person never counts as a client."""
    if org is None or not org.get("active", True):
        return 0, 0
    if org.get("kind") == "private_person":
        return 0, 1
    return 1, 0


def count_delta(before: dict[str, Any] | None,
                after: dict[str, Any] | None) -> tuple[int, int]:
    """How the counter moves when ``before`` becomes ``after`` (a create: before None)."""
    (c0, p0), (c1, p1) = client_counts(before), client_counts(after)
    return c1 - c0, p1 - p0


# --- the readiness checklist ----------------------------------------------------------------

EmailProblem = Literal["missing", "invalid", "undeliverable"]
_EMAIL = re.compile(EMAIL_PATTERN)


def email_problem(email: str | None, undeliverable: bool) -> EmailProblem | None:
    if not email:
        return "missing"
    if not _EMAIL.match(email):
        return "invalid"
    if undeliverable:
        return "undeliverable"
    return None


def address_ok(address: dict[str, Any] | None) -> bool:
    """The organisation's postal address: street, postal code and city all given."""
    return bool(address and all(str(address.get(k) or "").strip()
                                for k in ("street", "postal_code", "city")))


def looks_inactive(last_activity_at: str | None, created_at: str, now: datetime) -> bool:
    """No activity (or, without any, no creation) within ``INACTIVE_AFTER``."""
    latest = max(filter(None, (last_activity_at, created_at)))
    return datetime.fromisoformat(latest) < now - INACTIVE_AFTER


def invitation_problems(main_contact: dict[str, Any] | None,
                        undeliverable: bool) -> list[tuple[tuple[str, ...], str]]:
    """Why an organisation cannot be invited (empty: it can), as (field, message) pairs. A
    missing address is only a warning of the checklist: mail does not need it."""
    if main_contact is None:
        return [(("body", "organization_id"),
                 "the organisation has no main contact: set main_contact_id")]
    problem = email_problem(main_contact.get("email"), undeliverable)
    if problem:
        return [(("body", "organization_id"),
                 f"the main contact's e-mail is {problem}: correct the contact's email")]
    return []


# --- invitations ----------------------------------------------------------------------------

InvitationState = Literal["sent", "accepted", "revoked", "expired"]
STORED_STATES: tuple[str, ...] = ("sent", "accepted", "revoked")


class InvitationCreate(Command):
    organization_id: Id
    # How long the link works, in days (the issue: 14 by default, configurable).
    valid_days: int = Field(default=INVITATION_DAYS, ge=1, le=60)


class InvitationResend(Command):
    valid_days: int = Field(default=INVITATION_DAYS, ge=1, le=60)


class InvitationSummary(Model):
    id: str
    state: InvitationState
    sent_at: str


class Invitation(Model):
    model_config = {"extra": "ignore"}

    id: str
    organization_id: str
    organization_name: str
    contact_id: str
    contact_name: str
    email: str
    language: Literal["sv", "fi", "en"] = "sv"
    state: InvitationState
    sent_at: str
    sent_by: str
    expires_at: str
    accepted_at: str | None = None
    revoked_at: str | None = None
    resent_count: int = 0
    version: int = 1


def shown_state(stored: str, expires_at: str, now: datetime) -> InvitationState:
    """A sent invitation whose link ran out is "expired"; the others are as stored."""
    if stored == "sent" and datetime.fromisoformat(expires_at) <= now:
        return "expired"
    return stored  # type: ignore[return-value]


def live(stored: str, expires_at: str, now: datetime) -> bool:
    """Whether the invitation's link still works."""
    return shown_state(stored, expires_at, now) == "sent"


class InvitationPreview(Model):
    tenant_name: str
    organization_name: str
    contact_name: str
    email: str
    expires_at: str
    state: InvitationState


class Accepted(Model):
    organization_id: str
    organization_name: str
    tenant_name: str
    user_created: bool
    email: str
    login_url: str


# --- months -----------------------------------------------------------------------------------

# Years of this century: a month of year 0 or 9999 has no neighbours the calendar can name.
Month = Annotated[str, StringConstraints(pattern=r"^20\d{2}-(0[1-9]|1[0-2])$")]


def month_of(stamp: str) -> str:
    return stamp[:7]


def month_start(month: str) -> datetime:
    year, number = map(int, month.split("-"))
    return datetime(year, number, 1, tzinfo=UTC)


def next_month(month: str) -> str:
    start = month_start(month)
    later = start + timedelta(days=monthrange(start.year, start.month)[1])
    return later.strftime("%Y-%m")


def month_end(month: str) -> datetime:
    """The first moment after the month: when it closes (monthly in arrears)."""
    return month_start(next_month(month))


def active_in_month(org: dict[str, Any], month: str) -> bool:
    """Whether a client organisation was active on any day of ``month``, from its record:
    created before the month's end, and not inactive the whole month (deactivated before it
    began, or reactivated only after it ended, having been deactivated before it began)."""
    start, end = month_start(month), month_end(month)
    if datetime.fromisoformat(org["created_at"]) >= end:
        return False
    deactivated = org.get("deactivated_at")
    if org.get("active", True):
        reactivated = org.get("reactivated_at")
        return not (reactivated and deactivated
                    and datetime.fromisoformat(reactivated) >= end
                    and datetime.fromisoformat(deactivated) < start)
    return isinstance(deactivated, str) and datetime.fromisoformat(deactivated) >= start


# --- the billing usage of a month -------------------------------------------------------------


class UsageRow(Model):
    organization_id: str
    name: str
    customer_number: str | None = None
    kind: str
    active: bool
    billable_tickets: int
    hours: float


class UsageTotals(Model):
    billable_tickets: int
    hours: float


class Usage(Model):
    month: str
    closed: bool
    closed_at: str | None = None
    active_clients: int
    price_per_client: float
    monthly_price: float
    currency: str
    items: list[UsageRow]
    totals: UsageTotals


def usage_of(month: str, orgs: Iterable[dict[str, Any]], ticket_usage: Iterable[dict[str, Any]],
             plan: Plan) -> Usage:
    """The month's figures: each client organisation active in it (private persons left
    out) with its billable tickets (resolved in the month with a billable type, the type
    as it is now if re-typed since) and the hours logged in the month on its tickets.
    ``ticket_usage``: the month's per-ticket items (``organization_id``, ``billable``,
    ``hours``)."""
    per_org: dict[str, list[float]] = {}
    for item in ticket_usage:
        figures = per_org.setdefault(item["organization_id"], [0, 0.0])
        figures[0] += 1 if item.get("billable") else 0
        figures[1] += float(item.get("hours") or 0)
    rows = []
    for org in orgs:
        if org.get("kind") == "private_person" or not active_in_month(org, month):
            continue
        tickets, hours = per_org.get(org["id"], [0, 0.0])
        rows.append(UsageRow(organization_id=org["id"], name=org["name"],
                             customer_number=org.get("customer_number"), kind=org["kind"],
                             active=bool(org.get("active", True)),
                             billable_tickets=int(tickets), hours=round(hours, 2)))
    rows.sort(key=lambda r: (r.name.casefold(), r.organization_id))
    return Usage(month=month, closed=False, active_clients=len(rows),
                 price_per_client=plan.price_per_client,
                 monthly_price=monthly_price(plan, len(rows)), currency=plan.currency,
                 items=rows, totals=UsageTotals(
                     billable_tickets=sum(r.billable_tickets for r in rows),
                     hours=round(sum(r.hours for r in rows), 2)))


def check_month(month: str, today: date) -> None:
    """A month after the current one has no usage yet: a ValueError naming why."""
    if month > today.strftime("%Y-%m"):
        raise ValueError("the month has not begun")


CSV_HEADER = ("Customer number", "Organisation", "Kind", "Active", "Billable tickets", "Hours")


def usage_csv(usage: Usage) -> bytes:
    """Excel-friendly (``domain/csv_export.py``): a header row, a row per organisation with
    its hours to two decimals, as an invoice shows them, and a totals row."""
    rows: list[list[Cell]] = [
        [row.customer_number or "", row.name, row.kind, row.active, row.billable_tickets,
         fixed(row.hours)] for row in usage.items]
    rows.append(["", "Total", "", usage.active_clients, usage.totals.billable_tickets,
                 fixed(usage.totals.hours)])
    return excel_csv(CSV_HEADER, rows)
