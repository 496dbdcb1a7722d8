"""Report counters kept as the work happens (issue 23, item 1): each ticket write adds
what its change counts (``domain/report_counters.py``) in its own transaction."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from chalicelib.config import get_config
from chalicelib.domain.contact_orders import ContactOrder
from chalicelib.domain.directory import TenantSettings
from chalicelib.domain.report_counters import changes, order_changes
from chalicelib.domain.support_hours import calendar_for
from chalicelib.domain.tickets import Ticket
from chalicelib.store import report_counters as store
from chalicelib.store.dynamo import UnitOfWork

UTC_ZONE = ZoneInfo("UTC")


def counts_something(before: Ticket | None, after: Ticket) -> bool:
    """Whether the change counts at all (most edits do not): only then are the tenant's
    support hours read for its day and minutes."""
    return bool(changes(before, after, UTC_ZONE, None, after.updated_at))


def count_change(uow: UnitOfWork, tenant: str, settings: TenantSettings,
                 before: Ticket | None, after: Ticket, at: str) -> None:
    hours = settings.support_hours
    for change in changes(before, after, ZoneInfo(hours.timezone), calendar_for(hours), at):
        store.add(uow, get_config().tickets_table, tenant, change, after.id)


def count_order_change(uow: UnitOfWork, tenant: str, settings: TenantSettings | None,
                       before: ContactOrder | None, after: ContactOrder, at: str) -> None:
    """A contact order's change counted in the ``contact_orders`` table; ``settings`` read
    here only when the change counts something (most edits do not)."""
    if not order_changes(before, after, UTC_ZONE, at):
        return
    if settings is None:
        from chalicelib.services.directory import repo

        item = repo().get_settings(tenant)
        if item is None:
            return
        settings = TenantSettings.model_validate(item)
    zone = ZoneInfo(settings.support_hours.timezone)
    for change in order_changes(before, after, zone, at):
        store.add(uow, get_config().contact_orders_table, tenant, change, after.id)
