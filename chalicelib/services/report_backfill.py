"""The report counters rebuilt from the tickets' history (issue 23, item 1): for data
written before the counters existed, or to repair them. Idempotent: each counter item is
written whole (not added to), so a second run writes the same items.

Every ticket's history is replayed (``domain/report_counters.replay``) through the same
rule live counting uses, so the rebuild gives what live counting gave. Run it while the
tenant is quiet: a change counted live during the run may be lost or counted twice.
Reads: the tenant's users once, each ticket list page, a BatchGetItem of 100 tickets and
each ticket's history (Queries); no Scan."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.config import get_config
from chalicelib.domain.report_counters import changes, replay
from chalicelib.domain.support_hours import calendar_for
from chalicelib.domain.tickets import Ticket
from chalicelib.services.context import Ctx
from chalicelib.services.directory import get_settings, system_principal
from chalicelib.services.directory import repo as directory
from chalicelib.services.tickets.shared import repo as tickets
from chalicelib.store import report_counters as store
from chalicelib.store.tickets import TicketSelection


def _staff_ids(tenant: str) -> frozenset[str]:
    ids: set[str] = set()
    start: dict[str, Any] | None = None
    while True:
        page = directory().list_users(tenant, 100, start)
        ids.update(u["id"] for u in page.items if u.get("kind") == "staff")
        if not page.last_key:
            return frozenset(ids)
        start = page.last_key


def _tickets(tenant: str) -> Iterator[Ticket]:
    positions: dict[str, str] = {}
    while True:
        rows, after = tickets().list_tickets(tenant, TicketSelection(), 100, positions)
        loaded = tickets().get_tickets(tenant, [r["id"] for r in rows])
        yield from (Ticket.model_validate(loaded[r["id"]]) for r in rows if r["id"] in loaded)
        if not after:
            return
        positions = after


def _events(tenant: str, ticket_id: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    start: dict[str, Any] | None = None
    while True:
        page = tickets().list_events(tenant, ticket_id, False, 100, start)
        found.extend(page.items)
        if not page.last_key:
            return found
        start = page.last_key


def rebuild(tenant: str, now: datetime) -> dict[str, int]:
    """Every counter item of the tenant's tickets written again from their history."""
    ctx = Ctx(system_principal(tenant), now)
    hours = get_settings(ctx).support_hours
    zone, cal = ZoneInfo(hours.timezone), calendar_for(hours)
    staff = _staff_ids(tenant)
    items: dict[tuple[str, str], dict[str, float]] = {}
    counted = 0
    for ticket in _tickets(tenant):
        counted += 1
        for before, after, at in replay(ticket, _events(tenant, ticket.id), staff):
            for change in changes(before, after, zone, cal, at):
                for key, counts in store.counted_items(tenant, change, ticket.id):
                    into = items.setdefault(key, {})
                    for name, value in counts.items():
                        into[name] = into.get(name, 0) + value
    table = get_config().tickets_table
    partitions = {pk for pk, _ in items}
    stale = [key for pk in partitions for key in store.existing_keys(table, pk)
             if key not in items]
    store.replace_items(table, items, stale)
    return {"tickets": counted, "items": len(items), "deleted": len(stale)}
