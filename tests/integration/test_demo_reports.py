"""The demo reports (issue 23, demo data): ``seed_demo_reports`` works a month of tickets
through the use cases at their own moments, so the counters fill as live work fills them,
and switches the weekly summary on; once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from local.demo_reports import seed_demo_reports
from local.seed import _as, _system
from tests.integration.api_client import Api

# No TENANTS: resources of its own with ``demo`` seeded, its tables on DynamoDB Local
# (tests/integration/conftest.py), where a month of work takes seconds, not minutes.
TENANT = "demo"
ADMIN = "admin@demo.test"


def test_a_month_of_demo_work_fills_the_reports_once(api: Api) -> None:
    seed_demo_reports(_system(TENANT), _as)
    today = datetime.now(UTC).date()
    query = f"from={today - timedelta(days=31)}&to={today}&group_by=week"
    first = api.call("GET", f"/reports/tickets?{query}", as_user=ADMIN).body
    totals = first["totals"]
    assert totals["created"] >= 20 and totals["resolved"] == totals["created"]
    assert totals["approved"] == totals["created"] and totals["hours"] > 0
    assert totals["first_response"]["median_minutes"] is not None
    assert sum(1 for p in first["periods"] if p["created"]) >= 4  # spread over the month
    seed_demo_reports(_system(TENANT), _as)  # a restart adds nothing
    again = api.call("GET", f"/reports/tickets?{query}", as_user=ADMIN).body
    assert again["totals"]["created"] == totals["created"]
    assert api.call("GET", "/settings", as_user=ADMIN).body["weekly_summary"] is True
