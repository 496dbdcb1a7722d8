"""Ticket reports (issue 23, items 1-2) through the app on moto: counters kept by the
ticket use cases as the work happens, read back by period and by breakdown, as JSON and
CSV; an agent without reports.view sees their own figures; another tenant's work is
never counted. The rule of what each change counts is unit-tested on a hand-computed
week (tests/unit/test_report_counters.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from local.events import EventRunner
from local.outbox import LocalOutbox
from tests.integration.api_client import Api
from tests.integration.tenants import emails, module_tenants

TENANTS = module_tenants(__name__)
TENANT, OTHER_TENANT = TENANTS
ADMIN, AGENT, CUSTOMER = emails(TENANT)
OTHER_ADMIN, OTHER_AGENT, OTHER_CUSTOMER = emails(OTHER_TENANT)


def _ok(answer: Any, status: int = 200) -> Any:
    assert answer.status == status, answer.body
    return answer.body


def _range() -> str:
    """Yesterday to tomorrow in the tenant's zone: the test's work falls inside even
    when it runs across midnight."""
    today = datetime.now(ZoneInfo("Europe/Stockholm")).date()
    return f"from={today - timedelta(days=1)}&to={today + timedelta(days=1)}"


def _totals(api: Api, who: str = ADMIN, extra: str = "") -> dict[str, Any]:
    return dict(_ok(api.call("GET", f"/reports/tickets?{_range()}{extra}", as_user=who))
                ["totals"])


def _ticket(api: Api, subject: str, who: str = CUSTOMER) -> dict[str, Any]:
    types = _ok(api.call("GET", "/ticket-types", as_user=who))["items"]
    plain = next(t for t in types if not t["required_fields"])
    return dict(_ok(api.call("POST", "/tickets", {
        "subject": subject, "description": "Hello", "ticket_type_id": plain["id"]},
        as_user=who), 201))


@pytest.fixture(scope="module")
def worked(api: Api) -> dict[str, Any]:
    """Three tickets worked through, and the totals read before they were."""
    before = _totals(api)
    agent = _ok(api.call("GET", "/me", as_user=AGENT))["id"]
    approved, rejected, untouched = (_ticket(api, s) for s in (
        "Invoice layout", "VAT number", "Printer"))
    for ticket in (approved, rejected):
        _ok(api.call("PATCH", f"/tickets/{ticket['id']}", {"assignee_id": agent},
                     as_user=AGENT))
        _ok(api.call("POST", f"/tickets/{ticket['id']}/comments", {
            "body": "Looking at it", "hours": 0.5}, as_user=AGENT), 201)
        _ok(api.call("POST", f"/tickets/{ticket['id']}/resolve", {"resolution": "Done"},
                     as_user=AGENT))
    _ok(api.call("POST", f"/tickets/{approved['id']}/approve", as_user=CUSTOMER))
    _ok(api.call("POST", f"/tickets/{rejected['id']}/reject", {"reason": "Still wrong"},
                 as_user=CUSTOMER))
    _ticket(api, "In the other tenant", who=OTHER_CUSTOMER)
    return {"before": before, "agent": agent, "type": approved["ticket_type_id"],
            "untouched": untouched}


def test_the_work_is_counted_as_it_happens(api: Api, worked: dict[str, Any]) -> None:
    before, after = worked["before"], _totals(api)

    def grew(name: str) -> Any:
        return after[name] - before[name]

    assert grew("created") == 3
    assert grew("first_responded") == 2 and grew("resolved") == 2
    assert grew("approved") == 1 and grew("rejected") == 1 and grew("reopened") == 1
    # Open now: the untouched ticket and the rejected one (the approved one is closed).
    assert grew("backlog_end") == 2
    assert after["hours"] - before["hours"] == pytest.approx(1.0)
    assert after["first_response"]["count"] - before["first_response"]["count"] == 2
    assert after["first_response"]["median_minutes"] is not None
    assert after["approval_answer"]["count"] - before["approval_answer"]["count"] == 2


def test_a_filter_reads_its_own_counters(api: Api, worked: dict[str, Any]) -> None:
    mine = _totals(api, extra=f"&agent={worked['agent']}")
    assert mine["resolved"] >= 2 and mine["hours"] >= 1.0
    by_type = _totals(api, extra=f"&type={worked['type']}")
    assert by_type["created"] >= 3
    email = _totals(api, extra="&channel=email")
    assert email["created"] == 0  # every ticket here came through the portal


def test_periods_have_no_gaps_and_csv_opens_in_excel(api: Api, worked: dict[str, Any]) -> None:
    report = _ok(api.call("GET", f"/reports/tickets?{_range()}&group_by=day", as_user=ADMIN))
    assert len(report["periods"]) == 3 and report["from"] < report["to"]
    csv = api.client.http.request("GET", f"/reports/tickets?{_range()}", headers={
        "Accept": "text/csv", "Authorization": f"Bearer {api.token(ADMIN)}"}, body=b"")
    assert csv.status_code == 200, csv.body
    assert csv.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in csv.headers["Content-Disposition"]
    text = csv.body.decode("utf-8")
    assert text.startswith("\ufeffPeriod;Created;")
    assert len(text.strip().split("\r\n")) == 1 + 3 + 1  # header, three days, the total


def test_a_breakdown_names_types_and_agents(api: Api, worked: dict[str, Any]) -> None:
    agents = _ok(api.call("GET", f"/reports/tickets/breakdown?by=agent&{_range()}",
                          as_user=ADMIN))["items"]
    row = next(r for r in agents if r["key"] == worked["agent"])
    assert row["name"] and row["resolved"] >= 2 and row["hours"] >= 1.0
    types = _ok(api.call("GET", f"/reports/tickets/breakdown?by=type&{_range()}",
                         as_user=ADMIN))["items"]
    assert any(r["key"] == worked["type"] and r["name"] for r in types)


def test_an_agent_without_reports_view_sees_their_own(api: Api, worked: dict[str, Any]) -> None:
    own = _totals(api, who=AGENT)
    assert own == _totals(api, extra=f"&agent={worked['agent']}")
    refused = api.call("GET", f"/reports/tickets?{_range()}&type={worked['type']}",
                       as_user=AGENT)
    assert refused.status == 403 and "reports.view" in refused.body["detail"]
    assert api.call("GET", f"/reports/tickets/breakdown?by=type&{_range()}",
                    as_user=AGENT).status == 403
    assert api.call("GET", f"/reports/tickets?{_range()}", as_user=CUSTOMER).status == 403


def test_another_tenant_counts_only_its_own(api: Api, worked: dict[str, Any]) -> None:
    theirs = _totals(api, who=OTHER_ADMIN)
    assert theirs["created"] >= 1 and theirs["resolved"] == 0
    assert _totals(api, who=OTHER_ADMIN, extra=f"&agent={worked['agent']}")["created"] == 0


@pytest.mark.parametrize(("query", "field"), [
    ("from=2026-12-01&to=2026-11-01", "to"),
    ("from=2025-01-01&to=2026-12-31", "to"),
    ("from=2026-12-01&to=2026-12-02&type=x&channel=email", "channel"),
    ("from=2026-13-01&to=2026-12-02", "from"),
    ("from=2026-12-01&to=2026-12-02&group_by=year", "group_by"),
])
def test_a_bad_query_names_the_field(api: Api, query: str, field: str) -> None:
    answer = api.call("GET", f"/reports/tickets?{query}", as_user=ADMIN)
    assert answer.status == 400, answer.body
    assert any(e["loc"][-1] == field for e in answer.body["errors"]), answer.body


def _views(api: Api, agent: str) -> list[Any]:
    """What the reports show of the tenant: by day, per agent, and every breakdown."""
    shown: list[Any] = [_ok(api.call("GET", f"/reports/tickets?{_range()}", as_user=ADMIN)),
                        _ok(api.call("GET", f"/reports/tickets?{_range()}&agent={agent}",
                                     as_user=ADMIN))]
    for by in ("type", "channel", "organization", "agent"):
        shown.append(_ok(api.call("GET", f"/reports/tickets/breakdown?by={by}&{_range()}",
                                  as_user=ADMIN)))
    return shown


def test_the_backfill_gives_what_live_counting_gave(api: Api, worked: dict[str, Any]) -> None:
    import boto3

    from chalicelib.config import get_config
    from chalicelib.services.report_backfill import rebuild
    from chalicelib.store.tables import scoped_pk

    live = _views(api, worked["agent"])
    # A lost counter item (the whole tenant's partition) is repaired by the rebuild.
    table = boto3.resource("dynamodb", region_name="eu-west-1").Table(get_config().tickets_table)
    counters = table.query(KeyConditionExpression="PK = :pk", ExpressionAttributeValues={
        ":pk": scoped_pk(TENANT, "REPORT", "all")})["Items"]
    for item in counters:
        table.delete_item(Key={"PK": item["PK"], "SK": item["SK"]})
    assert _views(api, worked["agent"]) != live

    first = rebuild(TENANT, datetime.now(ZoneInfo("UTC")))
    assert first["tickets"] >= 3 and first["items"] > 0
    assert _views(api, worked["agent"]) == live
    again = rebuild(TENANT, datetime.now(ZoneInfo("UTC")))
    assert again == {**first, "deleted": 0} and _views(api, worked["agent"]) == live


def test_the_weekly_summary_reaches_managers_once(api: Api, worked: dict[str, Any],
                                                  runner: EventRunner, mail: LocalOutbox) -> None:
    settings = _ok(api.call("GET", "/settings", as_user=ADMIN))
    body = {k: v for k, v in settings.items()
            if k not in ("tenant", "updated_at", "version", "email_address_status")}
    _ok(api.call("PUT", "/settings", {**body, "weekly_summary": True}, as_user=ADMIN))
    stockholm = ZoneInfo("Europe/Stockholm")
    now = datetime.now(stockholm)
    monday = (now + timedelta(days=7 - now.weekday())).replace(hour=7, minute=5)
    runner.tick(monday)
    sent = [m for m in mail.messages() if m["via"] == "ses"
            and "Förra veckans siffror" in m["subject"]]
    assert [m["to"] for m in sent] == [[ADMIN]]  # the agent lacks reports.view
    week = monday.date() - timedelta(days=7)
    assert f"{week} \N{EN DASH} {monday.date() - timedelta(days=1)}" in sent[0]["subject"]
    assert "/#/reports?from=" in sent[0]["text"]
    runner.tick(monday + timedelta(minutes=20))
    assert len([m for m in mail.messages() if "Förra veckans siffror" in m["subject"]]) == 1
    _ok(api.call("PUT", "/settings", {**body, "weekly_summary": False}, as_user=ADMIN))


def test_contact_orders_are_counted_by_period_and_assignee(api: Api) -> None:
    def totals(who: str) -> dict[str, Any]:
        return dict(_ok(api.call("GET", f"/reports/contact-orders?{_range()}", as_user=who)))

    before, own_before = totals(ADMIN), totals(AGENT)
    agent = _ok(api.call("GET", "/me", as_user=AGENT))["id"]
    order = _ok(api.call("POST", "/contact-orders", {
        "subject": "Service visit", "customer": {"name": "Kylteknik AB"},
        "contact": {"name": "Kalle Kontakt", "email": "kalle@example.test"},
        "assignee_id": agent}, as_user=ADMIN), 201)
    _ok(api.call("POST", f"/contact-orders/{order['id']}/notes",
                 {"body": "Call", "hours": 1.5}, as_user=AGENT), 201)
    _ok(api.call("POST", f"/contact-orders/{order['id']}/close", as_user=AGENT))
    after = totals(ADMIN)
    for name, grew in (("opened", 1), ("closed", 1), ("hours", 1.5)):
        assert after["totals"][name] - before["totals"][name] == grew, name
    row = next(r for r in after["by_assignee"] if r["key"] == agent)
    assert row["name"] and row["hours"] >= 1.5
    own = totals(AGENT)  # without reports.view: their own orders only
    assert own["totals"]["hours"] - own_before["totals"]["hours"] == 1.5
    assert [r["key"] for r in own["by_assignee"]] == [agent]
    assert api.call("GET", f"/reports/contact-orders?{_range()}",
                    as_user=CUSTOMER).status == 403


def test_a_whole_months_breakdown_reads_its_month_items_alike(
        api: Api, worked: dict[str, Any]) -> None:
    """Whole months come from month items, other days from day items: the same figures."""
    today = datetime.now(ZoneInfo("Europe/Stockholm")).date()
    first = today.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)

    def rows(start: Any, end: Any) -> dict[str, Any]:
        items = _ok(api.call("GET", f"/reports/tickets/breakdown?by=agent&from={start}&to={end}",
                             as_user=ADMIN))["items"]
        return {r["key"]: r for r in items}

    month = rows(first, last)
    halves = [rows(first, first + timedelta(days=13)), rows(first + timedelta(days=14), last)]
    for key, row in month.items():
        for figure in ("created", "resolved", "hours", "approved"):
            assert row[figure] == pytest.approx(sum(h.get(key, {}).get(figure, 0)
                                                    for h in halves)), (key, figure)
    assert month[worked["agent"]]["resolved"] >= 2
