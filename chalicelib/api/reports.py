"""Reports (issue 23, item 2): the tickets' figures by period and a breakdown by type,
channel, organisation or agent, as JSON or (``Accept: text/csv``) as CSV for Excel."""

from __future__ import annotations

from chalice.app import Blueprint

from chalicelib.api.routing import Call, Reply, route
from chalicelib.domain import reports
from chalicelib.domain.csv_export import excel_csv
from chalicelib.domain.permissions import Permission
from chalicelib.services import reports as svc

bp = Blueprint(__name__)

TAG = "reports"
# Staff with tickets.view may ask; reports.view decides whose figures (services/reports.py).
GUARD = Permission.TICKETS_VIEW


def _csv_or_json(call: Call,
                 body: reports.TicketReport | reports.BreakdownReport | reports.OrderReport,
                 name: str, header: tuple[str, ...],
                 rows: list[list[str | int | float | None]]) -> Reply:
    if "text/csv" in call.headers.get("accept", ""):
        return Reply(excel_csv(header, rows), headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{name}.csv"'})
    return Reply(body.model_dump(mode="json", by_alias=True))


@route(bp, "GET", "/reports/tickets", guard=GUARD, tag=TAG, query=reports.ReportQuery,
       response=reports.TicketReport, errors=(403,),
       summary="Tickets by day, week or month: volumes, first response and resolution "
               "times (median, p90) in support hours, SLA compliance, backlog, approvals, "
               "satisfaction, hours; one filter (type, channel, organisation, agent); "
               "Accept: text/csv for CSV")
def ticket_report(call: Call) -> Reply:
    query: reports.ReportQuery = call.query
    report = svc.ticket_report(call.ctx, query)
    return _csv_or_json(call, report, f"tickets-{query.from_}-{query.to}",
                        reports.REPORT_CSV_HEADER, reports.report_rows(report))


@route(bp, "GET", "/reports/tickets/breakdown", guard=GUARD, tag=TAG,
       query=reports.BreakdownQuery, response=reports.BreakdownReport, errors=(403,),
       summary="The period's figures per type, channel, organisation or agent (reports.view);"
               " Accept: text/csv for CSV")
def breakdown(call: Call) -> Reply:
    query: reports.BreakdownQuery = call.query
    report = svc.breakdown(call.ctx, query.by, query.from_, query.to)
    return _csv_or_json(call, report, f"tickets-by-{query.by}-{query.from_}-{query.to}",
                        reports.BREAKDOWN_CSV_HEADER, reports.breakdown_csv_rows(report))


@route(bp, "GET", "/reports/contact-orders", guard=Permission.CONTACT_ORDERS_VIEW, tag=TAG,
       query=reports.OrderReportQuery, response=reports.OrderReport, errors=(403,),
       summary="Contact orders opened, closed and converted to sales orders, and hours, by "
               "period and by assignee (reports.view; else one's own); Accept: text/csv")
def order_report(call: Call) -> Reply:
    query: reports.OrderReportQuery = call.query
    report = svc.order_report(call.ctx, query)
    return _csv_or_json(call, report, f"contact-orders-{query.from_}-{query.to}",
                        reports.ORDER_CSV_HEADER, reports.order_rows(report))
