"""Report counters (issue 23, the pure part): what a ticket's change adds, checked
against figures computed by hand over a fixture week with a weekend and a holiday."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain.directory import SupportHours
from chalicelib.domain.report_counters import (
    BUCKET_EDGES,
    backlog,
    bucket_of,
    changes,
    histogram,
    median_and_p90,
    percentile,
    period_of,
    periods,
    summed,
)
from chalicelib.domain.support_hours import calendar_for
from chalicelib.domain.tickets import Ticket

STOCKHOLM = ZoneInfo("Europe/Stockholm")
# Seed 002's support: weekdays 8-16, Swedish holidays closed.
CAL = calendar_for(SupportHours(timezone="Europe/Stockholm", weekdays=[1, 2, 3, 4, 5],
                                start="08:00", end="16:00", holiday_country="SE"))


def _ticket(**changes: Any) -> Ticket:
    base: dict[str, Any] = {
        "id": "t1", "number": "T-1001", "subject": "Invoice", "status": "new",
        "priority": "normal", "ticket_type_id": "guidance", "organization_id": "org",
        "requester_id": "carl", "channel": "email", "created_at": "2026-12-04T14:00:00Z",
        "updated_at": "2026-12-04T14:00:00Z", "created_by": "carl", "version": 1,
        "billable": True,
    }
    return Ticket.model_validate({**base, **changes})


def _with(ticket: Ticket, changes: dict[str, Any]) -> Ticket:
    return Ticket.model_validate({**ticket.model_dump(), **changes})


def _one(before: Ticket | None, after: Ticket, at: str) -> dict[str, float]:
    found = changes(before, after, STOCKHOLM, CAL, at)
    assert len(found) == 1
    return found[0].add


def test_a_new_ticket_counts_created_and_the_backlog_on_its_local_day() -> None:
    new = _ticket(created_at="2026-12-04T23:30:00Z")  # Saturday 00:30 in Stockholm
    [change] = changes(None, new, STOCKHOLM, CAL, new.created_at)
    assert change.day == date(2026, 12, 5)
    assert change.add == {"created": 1, "backlog_net": 1}
    assert change.dimensions == ("all", "type#guidance", "channel#email", "org#org",
                                 "agent#none")


def test_first_response_over_a_weekend_counts_support_minutes_only() -> None:
    # Friday 15:00 local (14:00 UTC) -> Monday 09:00 local: one hour Friday, one Monday.
    before = _ticket(first_response_due_at="2026-12-07T09:00:00Z")
    after = _with(before, {"first_response_at": "2026-12-07T08:00:00Z",
                                      "status": "open", "assignee_id": "anna"})
    add = _one(before, after, "2026-12-07T08:00:00Z")
    assert add["first_responded"] == 1
    assert add["first_response_minutes"] == 120
    assert add[f"first_response_b{bucket_of(120)}"] == 1
    assert add["sla_met"] == 1 and "sla_breached" not in add
    assert "backlog_net" not in add  # new -> open: still the team's


def test_a_holiday_is_not_support_time_and_a_late_answer_breaches() -> None:
    # Created Thursday 24 Dec 2026 (Christmas Eve, closed in Sweden) 09:00 local; Christmas
    # Day and Boxing Day are holidays, then a weekend: open time starts Monday 28 Dec.
    before = _ticket(created_at="2026-12-24T08:00:00Z",
                     first_response_due_at="2026-12-28T11:00:00Z")
    after = _with(before, {"first_response_at": "2026-12-28T13:00:00Z"})
    add = _one(before, after, "2026-12-28T13:00:00Z")
    assert add["first_response_minutes"] == 360  # Monday 08:00-14:00 local
    assert add["sla_breached"] == 1


def test_resolution_and_the_customers_answer() -> None:
    open_ = _ticket(status="open", first_response_at="2026-12-07T08:00:00Z",
                    resolution_due_at="2026-12-08T15:00:00Z")
    resolved = _with(open_, {
        "status": "resolved", "resolved_at": "2026-12-08T10:00:00Z",
        "approval": {"state": "pending"}})
    add = _one(open_, resolved, resolved.resolved_at or "")
    # Friday 15-16, Monday 8-16, Tuesday 8-11 local: 1 + 8 + 3 hours.
    assert add["resolved"] == 1 and add["resolution_minutes"] == 720
    assert add["sla_met"] == 1 and add["backlog_net"] == -1
    approved = _with(resolved, {
        "status": "closed", "approval": {"state": "approved", "at": "2026-12-09T10:00:00Z"}})
    answer = _one(resolved, approved, "2026-12-09T10:00:00Z")
    assert answer == {"approved": 1, "approval_answer_count": 1,
                      "approval_answer_minutes": 1440,
                      f"approval_answer_b{bucket_of(1440)}": 1}


def test_rejection_reopens_and_auto_approval_counts_without_an_answer_time() -> None:
    resolved = _ticket(status="resolved", resolved_at="2026-12-08T10:00:00Z",
                       approval={"state": "pending"})
    rejected = _with(resolved, {
        "status": "open", "approval": {"state": "rejected", "at": "2026-12-08T12:00:00Z"}})
    add = _one(resolved, rejected, "2026-12-08T12:00:00Z")
    assert add["rejected"] == 1 and add["reopened"] == 1 and add["backlog_net"] == 1
    assert add["approval_answer_minutes"] == 120
    auto = _with(resolved, {
        "status": "closed", "approval": {"state": "auto_approved", "at": "2026-12-14T10:00:00Z"}})
    assert _one(resolved, auto, "2026-12-14T10:00:00Z") == {"auto_approved": 1}


def test_hours_count_as_billable_only_on_a_billable_ticket() -> None:
    before = _ticket(status="open", total_hours=1.5)
    after = _with(before, {"total_hours": 2.25})
    assert _one(before, after, "2026-12-07T09:00:00Z") == {"hours": 0.75,
                                                             "billable_hours": 0.75}
    free = _with(before, {"billable": False})
    assert _one(free, _with(free, {"total_hours": 2.5}),
                "2026-12-07T09:00:00Z") == {"hours": 1.0}


def test_satisfaction_counts_once_and_a_change_of_nothing_counts_nothing() -> None:
    closed = _ticket(status="closed")
    rated = _with(closed, {"satisfaction": {
        "rating": "bad", "at": "2026-12-09T10:00:00Z", "by": "carl"}})
    assert _one(closed, rated, "2026-12-09T10:00:00Z") == {"satisfaction_bad": 1}
    assert changes(rated, rated, STOCKHOLM, CAL, "2026-12-09T11:00:00Z") == []


def test_the_fixture_week_sums_per_day_week_and_month() -> None:
    """Five tickets of the week 30 Nov - 6 Dec 2026, summed by hand."""
    week: list[tuple[date, dict[str, float]]] = [
        (date(2026, 11, 30), {"created": 2, "backlog_net": 2}),
        (date(2026, 12, 1), {"created": 1, "backlog_net": 0, "resolved": 1}),
        (date(2026, 12, 4), {"created": 1, "backlog_net": 1}),
        (date(2026, 12, 5), {"created": 1, "backlog_net": 1}),  # Saturday, by e-mail
        (date(2026, 12, 6), {"backlog_net": -2, "resolved": 2}),
    ]
    assert summed(week, "week") == {"2026-W49": {"created": 5, "backlog_net": 2,
                                                  "resolved": 3}}
    by_month = summed(week, "month")
    assert by_month["2026-11"] == {"created": 2, "backlog_net": 2}
    assert by_month["2026-12"] == {"created": 3, "backlog_net": 0, "resolved": 3}
    series = backlog(10, [(d, c["backlog_net"]) for d, c in week])
    assert [n for _, n in series] == [12, 12, 13, 14, 12]


def test_periods_have_no_gaps() -> None:
    assert periods(date(2026, 12, 28), date(2027, 1, 5), "week") == ["2026-W53", "2027-W01"]
    assert periods(date(2026, 11, 30), date(2027, 1, 1), "month") == [
        "2026-11", "2026-12", "2027-01"]
    assert periods(date(2026, 12, 1), date(2026, 12, 3), "day") == [
        "2026-12-01", "2026-12-02", "2026-12-03"]
    assert period_of(date(2027, 1, 1), "week") == "2026-W53"


def test_percentiles_from_the_buckets() -> None:
    assert percentile({}, 0.5) is None
    # Ten answers within 5 minutes, ten between 15 and 30.
    buckets = {0: 10, bucket_of(20): 10}
    assert percentile(buckets, 0.5) == 5
    assert percentile(buckets, 0.9) == pytest.approx(15 + 0.8 * 15)
    beyond = {len(BUCKET_EDGES): 3}
    assert percentile(beyond, 0.5) == BUCKET_EDGES[-1]
    totals = {"resolution_b0": 1.0, "resolution_b3": 1.0, "resolution_minutes": 70}
    assert histogram(totals, "resolution") == {0: 1.0, 3: 1.0}
    assert median_and_p90(totals, "resolution") == (5, 30 + 0.8 * 30)


def test_a_rejection_that_clears_the_resolution_still_times_the_answer() -> None:
    resolved = _ticket(status="resolved", resolved_at="2026-12-08T10:00:00Z",
                       approval={"state": "pending"})
    reopened = _with(resolved, {"status": "open", "resolved_at": None,
                                "approval": {"state": "rejected", "at": "2026-12-08T11:00:00Z"}})
    assert _one(resolved, reopened, "2026-12-08T11:00:00Z")["approval_answer_minutes"] == 60


def test_the_report_of_the_fixture_week_by_week_with_its_backlog() -> None:
    from chalicelib.domain.reports import ReportQuery, report_rows, ticket_report

    query = ReportQuery.model_validate({"from": "2026-11-30", "to": "2026-12-13",
                                        "group_by": "week"})
    days = [
        (date(2026, 11, 30), {"created": 2, "backlog_net": 2, "first_response_count": 2,
                              "first_response_minutes": 40, "first_response_b1": 1,
                              "first_response_b2": 1, "sla_met": 2}),
        (date(2026, 12, 2), {"resolved": 1, "backlog_net": -1, "sla_breached": 1,
                             "hours": 1.5, "billable_hours": 1.5}),
    ]
    report = ticket_report(query, "all", days, opening_backlog=10)
    first, second = report.periods
    assert (first.period, second.period) == ("2026-W49", "2026-W50")
    assert first.created == 2 and first.backlog_end == 11
    assert second.created == 0 and second.backlog_end == 11  # a quiet week keeps the count
    assert first.first_response.mean_minutes == 20 and first.first_response.count == 2
    assert first.first_response.median_minutes == 15  # the edge between the two buckets
    assert first.sla.compliance == round(2 / 3, 4)
    assert report.totals.hours == 1.5 and report.totals.backlog_end == 11
    assert report_rows(report)[-1][0] == "total"


def test_the_summary_is_due_on_monday_morning_local_time() -> None:
    from datetime import UTC, datetime

    from chalicelib.domain.reports import next_summary_at, summary_week

    # Sunday evening in Stockholm: the next morning.
    due = next_summary_at(datetime(2026, 12, 6, 20, 0, tzinfo=UTC), STOCKHOLM)
    assert due.isoformat() == "2026-12-07T07:00:00+01:00"
    # Monday 07:00 itself has passed: a week on. Summer time keeps 07:00 local.
    assert next_summary_at(due, STOCKHOLM).isoformat() == "2026-12-14T07:00:00+01:00"
    assert next_summary_at(datetime(2027, 3, 22, 7, 0, tzinfo=UTC), STOCKHOLM).isoformat() \
        == "2027-03-29T07:00:00+02:00"
    assert summary_week(due, STOCKHOLM) == (date(2026, 11, 30), date(2026, 12, 6))


def test_a_breach_counts_once_when_its_alert_goes_out() -> None:
    open_ = _ticket(status="open", first_response_due_at="2026-12-07T09:00:00Z")
    alerted = _with(open_, {"sla_alerts": {"first_response": "breached"}})
    assert _one(open_, alerted, "2026-12-07T09:00:00Z") == {"sla_breached": 1}
    answered = _with(alerted, {"first_response_at": "2026-12-07T10:00:00Z"})
    add = _one(alerted, answered, "2026-12-07T10:00:00Z")
    assert "sla_breached" not in add and "sla_met" not in add
    assert add["first_responded"] == 1
    # Answered late before the sweep noticed: the answer counts the breach.
    late = _with(open_, {"first_response_at": "2026-12-07T10:00:00Z"})
    assert _one(open_, late, "2026-12-07T10:00:00Z")["sla_breached"] == 1


def test_replaying_a_history_counts_what_live_counting_counted() -> None:
    from chalicelib.domain.report_counters import replay

    def event(at: str, kind: str, actor: str = "anna", **data: Any) -> dict[str, Any]:
        return {"id": f"{at}{kind}", "at": at, "actor": actor, "type": kind, "data": data}

    history = [
        event("2026-12-07T08:00:00Z", "created", "carl", channel="email"),
        event("2026-12-07T08:05:00Z", "assigned", to="anna"),
        event("2026-12-07T09:00:00Z", "sla_breached", "system", target="first_response"),
        event("2026-12-07T09:30:00Z", "commented", "carl", internal=False),  # the customer
        event("2026-12-07T10:00:00Z", "commented", internal=False, hours=0.5),
        event("2026-12-07T12:00:00Z", "resolved", hours=1.0),
        event("2026-12-07T12:00:00Z", "status_changed", **{"from": "open", "to": "resolved"}),
        event("2026-12-08T09:00:00Z", "rejected", "carl", reason="No"),
        event("2026-12-08T09:00:00Z", "status_changed", "carl",
              **{"from": "resolved", "to": "open"}),
        event("2026-12-08T11:00:00Z", "resolved"),
        event("2026-12-08T11:00:00Z", "status_changed", **{"from": "open", "to": "resolved"}),
        event("2026-12-08T13:00:00Z", "approved", "carl"),
        event("2026-12-08T13:00:00Z", "status_changed", "carl",
              **{"from": "resolved", "to": "closed"}),
        event("2026-12-08T13:05:00Z", "rated", "carl", rating="good"),
    ]
    now = _ticket(status="closed", channel="email", assignee_id="anna",
                  first_response_due_at="2026-12-07T09:00:00Z",
                  resolution_due_at="2026-12-09T16:00:00Z")
    totals: dict[str, float] = {}
    steps = replay(now, history, staff=frozenset({"anna"}))
    assert len(steps) == 10 and steps[0][0] is None  # one step per moment
    for before, after, at in steps:
        for change in changes(before, after, STOCKHOLM, CAL, at):
            for name, value in change.add.items():
                totals[name] = totals.get(name, 0) + value
    assert {k: totals.get(k) for k in (
        "created", "first_responded", "resolved", "rejected", "approved", "reopened",
        "sla_breached", "sla_met", "satisfaction_good", "hours", "billable_hours",
        "backlog_net")} == {
        "created": 1, "first_responded": 1, "resolved": 2, "rejected": 1, "approved": 1,
        "reopened": 1, "sla_breached": 1, "sla_met": 2, "satisfaction_good": 1,
        "hours": 1.5, "billable_hours": 1.5, "backlog_net": 0}
    assert steps[-1][1].assignee_id == "anna" and steps[-1][1].channel == "email"


def test_a_breakdown_counts_in_its_day_and_its_month() -> None:
    from chalicelib.domain.report_counters import CounterChange
    from chalicelib.store.report_counters import counted_items

    change = CounterChange(date(2026, 12, 7), ("all", "org#acme"), {"created": 1})
    keys = [sk for (pk, sk), _ in counted_items("t", change, "ticket-1") if "REPORTBY" in pk]
    assert len(keys) == 2 and keys[0].startswith("D#2026-12-07#") \
        and keys[1].startswith("M#2026-12#") and keys[0][-2:] == keys[1][-2:]


def test_two_changes_in_the_same_second_replay_as_two() -> None:
    """A resolution and its rejection within one second: the reopening is counted, as live
    counting counted it (the changes' event ids differ in their millisecond)."""
    from chalicelib.domain.ids import new_ulid
    from chalicelib.domain.report_counters import replay

    def event(ms: int, kind: str, **data: Any) -> dict[str, Any]:
        moment = datetime(2026, 12, 7, 9, 0, 0, ms * 1000, tzinfo=UTC)
        return {"id": new_ulid(moment), "at": "2026-12-07T09:00:00Z", "actor": "anna",
                "type": kind, "data": data}

    history = [event(1, "created", channel="portal"), event(200, "resolved"),
               event(200, "status_changed", **{"from": "new", "to": "resolved"}),
               event(700, "rejected", reason="No"),
               event(700, "status_changed", **{"from": "resolved", "to": "open"})]
    steps = replay(_ticket(status="open"), history, staff=frozenset({"anna"}))
    assert len(steps) == 3
    reopened = sum(c.add.get("reopened", 0) for b, a, at in steps
                   for c in changes(b, a, STOCKHOLM, CAL, at))
    assert reopened == 1
