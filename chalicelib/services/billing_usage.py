"""Billing usage of client cases (seed 003, issue 19): per month, the active client
organisations (private persons excluded), their billable tickets and the hours logged.

The ticket use cases write the usage in their own transactions (``on_resolved``,
``on_retyped``, ``on_comment``), one item per ticket and month: a ticket is billable in the
month it is resolved, by its type then (a later re-typing of the resolved ticket corrects
it); hours count in the month they are logged. The report reads the month's items and the
organisations; a month closes on the first day of the next (monthly in arrears), when the
sweep (``close_month``) stores its figures as a snapshot: a closed month's report is that
snapshot and never changes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.domain import client_cases as domain
from chalicelib.domain.errors import Conflict, FieldError, InvalidInput
from chalicelib.domain.models import utc_iso
from chalicelib.domain.tickets import Ticket
from chalicelib.services import directory
from chalicelib.services.client_cases import plan_of, require_active
from chalicelib.services.context import Ctx
from chalicelib.store import client_cases as store
from chalicelib.store.dynamo import Item, UnitOfWork

# A bound on the organisations a report reads (100 a Query): not a scan of the table.
MAX_ORGANIZATIONS = 10_000


# --- the ticket use cases' hooks (each joins the use case's transaction) ----------------------


def on_resolved(uow: UnitOfWork, ctx: Ctx, ticket: Ticket, hours: float | None) -> None:
    month = domain.month_of(ctx.stamp)
    store.record_resolution(uow, ctx.tenant, month, ticket.id, ticket.organization_id,
                            ticket.billable, hours)
    store.touch(uow, ctx.tenant, ticket.organization_id, ctx.stamp)


def on_retyped(uow: UnitOfWork, ctx: Ctx, before: Ticket, after: Ticket) -> None:
    """A resolved (or closed) ticket re-typed: its resolution month counts the new type."""
    if after.resolved_at and before.billable != after.billable:
        store.record_retype(uow, ctx.tenant, domain.month_of(after.resolved_at), after.id,
                            after.organization_id, after.billable)


def on_comment(uow: UnitOfWork, ctx: Ctx, ticket: Ticket, hours: float | None) -> None:
    """A comment is the organisation's activity (the checklist's "looks inactive"); its
    hours count in the month they are logged."""
    if hours:
        store.record_hours(uow, ctx.tenant, domain.month_of(ctx.stamp), ticket.id,
                           ticket.organization_id, hours)
    store.touch(uow, ctx.tenant, ticket.organization_id, ctx.stamp)


# --- the report -----------------------------------------------------------------------------


def _all_organizations(tenant: str) -> list[Item]:
    """Every organisation, inactive ones too (deactivated in the month they still count),
    page by page up to ``MAX_ORGANIZATIONS``."""
    people = directory.repo()
    found: list[Item] = []
    start: dict[str, Any] | None = None
    while len(found) < MAX_ORGANIZATIONS:
        page = people.list_organizations(tenant, "", 100, start)
        found += page.items
        start = page.last_key
        if not start:
            break
    return found


def compute(tenant: str, month: str) -> domain.Usage:
    """The month's figures from the items as they are now (no snapshot)."""
    return domain.usage_of(month, _all_organizations(tenant), store.month_usage(tenant, month),
                           plan_of(tenant))


def usage(ctx: Ctx, month: str) -> domain.Usage:
    require_active(ctx)
    try:
        domain.check_month(month, ctx.now.date())
    except ValueError as exc:
        raise InvalidInput("No usage for a month that has not begun.",
                           [FieldError(("query", "month"), str(exc))]) from None
    snapshot = store.get_snapshot(ctx.tenant, month)
    if snapshot is not None:
        return domain.Usage.model_validate(snapshot)
    return compute(ctx.tenant, month)


# --- closing a month (the sweep) ---------------------------------------------------------------


def close_month(timer: Item, now: datetime) -> str:
    """The month-close timer came due: the month's figures become its snapshot, once, and
    the next month's close is scheduled in the same transaction."""
    tenant, month = timer["tenant"], timer["parent_id"]
    if store.get_snapshot(tenant, month) is not None:
        uow = UnitOfWork()
        store.delete_close_timer(uow, tenant, month)
        uow.commit()
        return "closed_already"
    figures = compute(tenant, month).model_copy(update={"closed": True,
                                                        "closed_at": utc_iso(now)})
    uow = UnitOfWork()
    store.put_snapshot(uow, tenant, month, figures.model_dump(mode="json"))
    store.delete_close_timer(uow, tenant, month)
    following = domain.next_month(month)
    store.put_close_timer(uow, tenant, following, utc_iso(domain.month_end(following)))
    try:
        uow.commit()
    except Conflict:
        return "closed_already"
    return "closed"
