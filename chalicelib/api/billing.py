"""Billing usage of client cases (seed 003, issue 19): ``GET /billing/usage?month=`` as
JSON, or as CSV for Excel with ``Accept: text/csv``."""

from __future__ import annotations

from chalice.app import Blueprint

from chalicelib.api.routing import Call, Reply, route
from chalicelib.domain import client_cases as domain
from chalicelib.domain.models import Model
from chalicelib.domain.permissions import Permission
from chalicelib.services import billing_usage as svc

bp = Blueprint(__name__)


class UsageQuery(Model):
    model_config = {"extra": "forbid"}

    month: domain.Month


@route(bp, "GET", "/billing/usage", guard=Permission.BILLING_VIEW, tag="billing",
       query=UsageQuery, response=domain.Usage,
       summary="A month's active clients (private persons excluded), billable tickets and "
               "hours per organisation; Accept: text/csv for CSV")
def usage(call: Call) -> Reply:
    month: str = call.query.month
    figures = svc.usage(call.ctx, month)
    if "text/csv" in call.headers.get("accept", ""):
        return Reply(domain.usage_csv(figures), headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="usage-{month}.csv"'})
    return Reply(figures)
