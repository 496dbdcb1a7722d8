"""Ticket reports (issue 23, item 2): a handful of Queries of the counters whatever the
volume (``store/report_counters.py``), assembled by ``domain/reports.py``.

Who sees what: ``reports.view`` sees the team's figures with any filter; a staff user
without it sees their own (``agent=me``) and nothing else."""

from __future__ import annotations

from datetime import date, timedelta

from chalicelib.config import get_config
from chalicelib.domain import reports
from chalicelib.domain.errors import Forbidden
from chalicelib.domain.permissions import Permission
from chalicelib.services.context import Ctx
from chalicelib.services.directory import repo as directory
from chalicelib.services.tickets import list_types
from chalicelib.store import report_counters as store

OWN_ONLY = ("Without the permission reports.view you see your own figures: ask with "
            "agent=me, or without a filter.")
BREAKDOWN_KINDS = {"type": "type", "channel": "channel", "organization": "org",
                   "agent": "agent"}


def _viewer_query(ctx: Ctx, query: reports.ReportQuery) -> reports.ReportQuery:
    p = ctx.principal
    if not p.is_staff:
        raise Forbidden("Reports are for staff.")
    if p.can(Permission.REPORTS_VIEW):
        return query
    others = [name for name in reports.FILTER_KINDS if name != "agent"
              and getattr(query, name) is not None]
    if others or query.agent not in (None, "me", p.user_id):
        raise Forbidden(OWN_ONLY)
    return query.model_copy(update={"agent": p.user_id})


def _opening_backlog(tenant: str, dimension: str, start: date) -> float:
    """Open tickets when the report begins: the months before its month, then its days."""
    table = get_config().tickets_table
    first_of_month = start.replace(day=1)
    before = first_of_month - timedelta(days=1)
    total = sum(m.get("backlog_net", 0) for m in store.months(
        table, tenant, dimension, "0000-00", before.isoformat()[:7]).values())
    if start > first_of_month:
        total += sum(c.get("backlog_net", 0) for _, c in store.days(
            table, tenant, dimension, first_of_month, start - timedelta(days=1)))
    return total


def ticket_report(ctx: Ctx, query: reports.ReportQuery) -> reports.TicketReport:
    query = _viewer_query(ctx, query)
    dimension = query.dimension(ctx.principal.user_id)
    days = store.days(get_config().tickets_table, ctx.tenant, dimension, query.from_,
                      query.to)
    return reports.ticket_report(query, dimension, days,
                                 _opening_backlog(ctx.tenant, dimension, query.from_))


def week_report(tenant: str, start: date, end: date) -> reports.TicketReport:
    """The tenant's whole figures of one week (the weekly summary's)."""
    query = reports.ReportQuery.model_validate({"from": start, "to": end, "group_by": "week"})
    days = store.days(get_config().tickets_table, tenant, "all", start, end)
    return reports.ticket_report(query, "all", days, _opening_backlog(tenant, "all", start))


def _names(ctx: Ctx, kind: str, keys: list[str]) -> dict[str, str]:
    """What each breakdown key is called: types in the reader's language, organisations
    and agents by name (BatchGetItem, 100 at a time)."""
    if kind == "type":
        lang = ctx.principal.language
        return {t.id: getattr(t.name, lang, None) or t.name.en or t.id
                for t in list_types(ctx)}
    if kind not in ("org", "agent"):
        return {}
    found: dict[str, str] = {}
    for at in range(0, len(keys), 100):
        chunk = keys[at:at + 100]
        read = (directory().get_organizations if kind == "org"
                else directory().get_users)(ctx.tenant, chunk)
        found.update({key: str(item.get("name", key)) for key, item in read.items()})
    return found


def breakdown(ctx: Ctx, by: reports.Breakdown, start: date,
              end: date) -> reports.BreakdownReport:
    if not ctx.principal.can(Permission.REPORTS_VIEW):
        raise Forbidden("A breakdown of the team's figures needs the permission "
                        "reports.view.")
    kind = BREAKDOWN_KINDS[by]
    totals = store.breakdown(get_config().tickets_table, ctx.tenant, kind, start, end)
    names = _names(ctx, kind, [k for k in totals if k != "none"])
    return reports.BreakdownReport(by=by, from_=start, to=end,
                                   items=reports.breakdown_rows(totals, names))


def order_report(ctx: Ctx, query: reports.OrderReportQuery) -> reports.OrderReport:
    """Contact orders opened, closed, converted and hours (seed 001): the team's with
    reports.view, else one's own (as assignee)."""
    p = ctx.principal
    if not p.is_staff or not p.can(Permission.CONTACT_ORDERS_VIEW):
        raise Forbidden("This needs the permission contact_orders.view.")
    table = get_config().contact_orders_table
    by_assignee = store.breakdown(table, ctx.tenant, "orders_agent", query.from_, query.to)
    if p.can(Permission.REPORTS_VIEW):
        dimension = "orders"
    else:
        dimension = f"orders_agent#{p.user_id}"
        by_assignee = {k: v for k, v in by_assignee.items() if k == p.user_id}
    days = store.days(table, ctx.tenant, dimension, query.from_, query.to)
    names = _names(ctx, "agent", [k for k in by_assignee if k != "none"])
    return reports.order_report(query, days, by_assignee, names)
