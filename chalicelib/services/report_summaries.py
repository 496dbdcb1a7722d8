"""The weekly summary (issue 23, item 5): on Monday morning in the tenant's time zone,
last week's figures mailed to the staff who hold reports.view, through the notification
pipeline (an outbox record in the same transaction that moves the timer to the next
Monday, so a sweep run twice sends one summary). Each recipient may mute it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from chalicelib.config import get_config
from chalicelib.domain import reports
from chalicelib.domain.directory import TenantSettings
from chalicelib.domain.errors import Conflict
from chalicelib.domain.ids import new_ulid
from chalicelib.domain.models import utc_iso
from chalicelib.domain.notifications import Notice
from chalicelib.domain.permissions import Permission, permissions_for
from chalicelib.services.directory import repo as directory
from chalicelib.services.publish import outbox_record
from chalicelib.store import outbox
from chalicelib.store import report_counters as store
from chalicelib.store.dynamo import Item, UnitOfWork

if TYPE_CHECKING:  # the consumer imports this module lazily; no cycle at run time
    from chalicelib.services.notifications import Plan

MODULE = "reports"
EVENT = "weekly_summary"


def _table() -> str:
    return get_config().tickets_table


def schedule(uow: UnitOfWork, tenant: str, settings: TenantSettings, now: datetime) -> None:
    """With the settings' change: the next Monday's summary on, or the timer gone."""
    if settings.weekly_summary:
        due = reports.next_summary_at(now, ZoneInfo(settings.support_hours.timezone))
        store.schedule_summary(uow, _table(), tenant, utc_iso(due))
    else:
        store.stop_summary(uow, _table(), tenant)


def run_summary(timer: Item, now: datetime) -> str:
    """One due summary: last week's figures into the outbox, the timer a week on."""
    from chalicelib.services.reports import week_report

    tenant, was_due = str(timer["tenant"]), str(timer["due_at"])
    settings_item = directory().get_settings(tenant)
    uow = UnitOfWork()
    if settings_item is None or not TenantSettings.model_validate(settings_item).weekly_summary:
        store.stop_summary(uow, _table(), tenant)
        uow.commit()
        return "off"
    settings = TenantSettings.model_validate(settings_item)
    zone = ZoneInfo(settings.support_hours.timezone)
    due = datetime.fromisoformat(was_due)
    start, end = reports.summary_week(due, zone)
    totals = week_report(tenant, start, end).totals
    event = {"id": new_ulid(now), "type": EVENT, "at": utc_iso(now), "actor": "system",
             "data": {"from": start.isoformat(), "to": end.isoformat(),
                      "figures": totals.model_dump(mode="json")}}
    # A late sweep catches up week by week: the next Monday after this one, not after now.
    store.move_summary(uow, _table(), tenant, was_due,
                       utc_iso(reports.next_summary_at(due, zone)),
                       lambda: Conflict("This week's summary was sent already."))
    outbox.add(uow, _table(), tenant, outbox_record(tenant, MODULE, "weekly", event, [EVENT]))
    try:
        uow.commit()
    except Conflict:
        return "sent_before"
    return "queued"


def managers(tenant: str) -> dict[str, Item]:
    """The active staff who hold reports.view (at most 1,000 users read: a bound)."""
    people = directory()
    roles = people.saved_roles(tenant)
    found: dict[str, Item] = {}
    start: dict[str, Any] | None = None
    for _ in range(10):
        page = people.list_users(tenant, 100, start)
        found.update({u["id"]: u for u in page.items
                      if u.get("kind") == "staff" and u.get("active", True)
                      and Permission.REPORTS_VIEW in permissions_for(u.get("roles", []),
                                                                     roles)})
        if not page.last_key:
            break
        start = page.last_key
    return found


def summary_plan(tenant: str, settings: TenantSettings, event: dict[str, Any]) -> Plan:
    """The notification plan of one summary: each manager, the figures, the report's link."""
    data = event.get("data") or {}
    users = managers(tenant)
    query = urlencode({"from": data.get("from", ""), "to": data.get("to", ""),
                       "group_by": "day"})
    link = f"{get_config().portal_url.rstrip('/')}/#/reports?{query}"

    def context(notice: Notice, user: Item) -> dict[str, Any]:
        return {"week": {"from": data.get("from"), "to": data.get("to")},
                "figures": data.get("figures") or {}, "link": link}

    from chalicelib.services.notifications import Plan

    return Plan(tenant, settings, event, users,
                [Notice("weekly_summary", user_id) for user_id in sorted(users)], context)
