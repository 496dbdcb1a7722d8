"""Ticket reports (issue 23, item 2) assembled from the daily counters: volumes, first
response and resolution times (median and p90 from the histograms, in support minutes),
SLA compliance, the backlog at the end of each period, approvals and how long customers
take to answer, satisfaction and hours. Pure: the counters are passed in."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field, model_validator

from chalicelib.domain.errors import FieldError, InvalidInput
from chalicelib.domain.models import Id, Model
from chalicelib.domain.report_counters import (
    Durations,
    GroupBy,
    backlog,
    median_and_p90,
    period_of,
    periods,
    summed,
)

MAX_DAYS = 366
Breakdown = Literal["type", "channel", "organization", "agent"]
# The API's filter names -> the counters' dimension kinds.
FILTER_KINDS = {"type": "type", "channel": "channel", "organization_id": "org", "agent": "agent"}


def check_range(start: date, end: date) -> None:
    if end < start:
        raise InvalidInput("The report ends before it begins.",
                           [FieldError(("query", "to"), "before from")])
    if (end - start).days >= MAX_DAYS:
        raise InvalidInput("A report covers at most a year.",
                           [FieldError(("query", "to"), f"at most {MAX_DAYS} days")])


class BreakdownQuery(Model):
    model_config = {"extra": "forbid"}

    by: Breakdown
    from_: date = Field(alias="from")
    to: date

    @model_validator(mode="after")
    def _range(self) -> BreakdownQuery:
        check_range(self.from_, self.to)
        return self


class ReportQuery(Model):
    model_config = {"extra": "forbid"}

    from_: date = Field(alias="from")
    to: date
    group_by: GroupBy = "day"
    type: Id | None = None
    channel: Literal["portal", "email", "phone", "staff", "chat"] | None = None
    organization_id: Id | None = None
    agent: Id | None = Field(default=None, description="a staff user's id, me, or none")

    @model_validator(mode="after")
    def _one_range_and_filter(self) -> ReportQuery:
        check_range(self.from_, self.to)
        given = [name for name in FILTER_KINDS if getattr(self, name) is not None]
        if len(given) > 1:
            raise InvalidInput("A report takes one filter at a time.",
                               [FieldError(("query", name), "one filter at a time")
                                for name in given[1:]])
        return self

    def dimension(self, me: str) -> str:
        """The counters' partition the filter reads: ``all`` without one."""
        for name, kind in FILTER_KINDS.items():
            value = getattr(self, name)
            if value is not None:
                return f"{kind}#{me if value == 'me' else value}"
        return "all"


class Times(Model):
    """Durations of one kind in a period, in minutes (of support hours, for answers)."""

    count: int
    median_minutes: float | None
    p90_minutes: float | None
    mean_minutes: float | None


class Sla(Model):
    met: int
    breached: int
    compliance: float | None = Field(description="met / (met + breached), 0-1")


class PeriodFigures(Model):
    period: str
    created: int
    first_responded: int
    resolved: int
    reopened: int
    approved: int
    rejected: int
    auto_approved: int
    first_response: Times
    resolution: Times
    approval_answer: Times
    sla: Sla
    backlog_end: int = Field(description="open tickets (not resolved or closed) at the end")
    satisfaction_good: int
    satisfaction_bad: int
    hours: float
    billable_hours: float


class TicketReport(Model):
    from_: date = Field(serialization_alias="from")
    to: date
    group_by: GroupBy
    dimension: str
    periods: list[PeriodFigures]
    totals: PeriodFigures
    accuracy: str = Field(default=(
        "Medians and p90 are read from buckets of 5, 15, 30, 60, 120, 240, 480, 960, "
        "1440, 2880, 5760, 10080 and 20160 minutes: within one bucket of the true value."))


def _times(totals: Mapping[str, float], kind: Durations) -> Times:
    count = int(totals.get(f"{kind}_count", 0))
    median, p90 = median_and_p90(totals, kind)
    mean = round(totals.get(f"{kind}_minutes", 0) / count, 1) if count else None
    return Times(count=count, median_minutes=median, p90_minutes=p90, mean_minutes=mean)


def figures(period: str, totals: Mapping[str, float], backlog_end: float) -> PeriodFigures:
    def whole(name: str) -> int:
        return round(totals.get(name, 0))

    met, breached = whole("sla_met"), whole("sla_breached")
    return PeriodFigures(
        period=period, created=whole("created"), first_responded=whole("first_responded"),
        resolved=whole("resolved"), reopened=whole("reopened"), approved=whole("approved"),
        rejected=whole("rejected"), auto_approved=whole("auto_approved"),
        first_response=_times(totals, "first_response"),
        resolution=_times(totals, "resolution"),
        approval_answer=_times(totals, "approval_answer"),
        sla=Sla(met=met, breached=breached,
                compliance=round(met / (met + breached), 4) if met + breached else None),
        backlog_end=round(backlog_end), satisfaction_good=whole("satisfaction_good"),
        satisfaction_bad=whole("satisfaction_bad"), hours=round(totals.get("hours", 0), 2),
        billable_hours=round(totals.get("billable_hours", 0), 2))


def ticket_report(query: ReportQuery, dimension: str,
                  days: Sequence[tuple[date, Mapping[str, float]]],
                  opening_backlog: float) -> TicketReport:
    """The periods from ``query.from_`` to ``query.to`` without gaps, each with its
    figures and the backlog at its end; the totals with the backlog at the report's end."""
    by_period = summed(days, query.group_by)
    ends: dict[str, float] = {}
    for day, open_count in backlog(opening_backlog, [(d, c.get("backlog_net", 0))
                                                     for d, c in days]):
        ends[period_of(day, query.group_by)] = open_count
    rows: list[PeriodFigures] = []
    running = opening_backlog
    for label in periods(query.from_, query.to, query.group_by):
        running = ends.get(label, running)
        rows.append(figures(label, by_period.get(label, {}), running))
    everything: dict[str, float] = {}
    for counts in by_period.values():
        for name, value in counts.items():
            everything[name] = everything.get(name, 0) + value
    return TicketReport(from_=query.from_, to=query.to, group_by=query.group_by,
                        dimension=dimension, periods=rows,
                        totals=figures("total", everything, running))


REPORT_CSV_HEADER = (
    "Period", "Created", "First responses", "Resolved", "Reopened", "Approved", "Rejected",
    "Auto-approved", "First response median (min)", "First response p90 (min)",
    "Resolution median (min)", "Resolution p90 (min)", "SLA met", "SLA breached",
    "SLA compliance (%)", "Backlog at end", "Satisfaction good", "Satisfaction bad",
    "Hours", "Billable hours")


def report_rows(report: TicketReport) -> list[list[str | int | float | None]]:
    rows: list[list[str | int | float | None]] = []
    for p in [*report.periods, report.totals]:
        rows.append([
            p.period, p.created, p.first_responded, p.resolved, p.reopened, p.approved,
            p.rejected, p.auto_approved, p.first_response.median_minutes,
            p.first_response.p90_minutes, p.resolution.median_minutes,
            p.resolution.p90_minutes, p.sla.met, p.sla.breached,
            None if p.sla.compliance is None else round(p.sla.compliance * 100, 1),
            p.backlog_end, p.satisfaction_good, p.satisfaction_bad, p.hours,
            p.billable_hours])
    return rows


class BreakdownRow(Model):
    key: str
    name: str | None = None
    created: int
    resolved: int
    reopened: int
    sla_met: int
    sla_breached: int
    approved: int
    rejected: int
    auto_approved: int
    satisfaction_good: int
    satisfaction_bad: int
    hours: float
    billable_hours: float
    first_response_mean_minutes: float | None
    resolution_mean_minutes: float | None


class BreakdownReport(Model):
    by: Breakdown
    from_: date = Field(serialization_alias="from")
    to: date
    items: list[BreakdownRow]


def breakdown_rows(totals: Mapping[str, Mapping[str, float]],
                   names: Mapping[str, str]) -> list[BreakdownRow]:
    """One row per value, most created first."""
    rows = []
    for key, counts in totals.items():
        def whole(name: str, counts: Mapping[str, float] = counts) -> int:
            return round(counts.get(name, 0))

        def mean(kind: str, counts: Mapping[str, float] = counts) -> float | None:
            n = counts.get(f"{kind}_count", 0)
            return round(counts.get(f"{kind}_minutes", 0) / n, 1) if n else None

        rows.append(BreakdownRow(
            key=key, name=names.get(key), created=whole("created"),
            resolved=whole("resolved"), reopened=whole("reopened"),
            sla_met=whole("sla_met"), sla_breached=whole("sla_breached"),
            approved=whole("approved"), rejected=whole("rejected"),
            auto_approved=whole("auto_approved"),
            satisfaction_good=whole("satisfaction_good"),
            satisfaction_bad=whole("satisfaction_bad"),
            hours=round(counts.get("hours", 0), 2),
            billable_hours=round(counts.get("billable_hours", 0), 2),
            first_response_mean_minutes=mean("first_response"),
            resolution_mean_minutes=mean("resolution")))
    return sorted(rows, key=lambda r: (-r.created, r.name or r.key))


BREAKDOWN_CSV_HEADER = (
    "Key", "Name", "Created", "Resolved", "Reopened", "SLA met", "SLA breached", "Approved",
    "Rejected", "Auto-approved", "Satisfaction good", "Satisfaction bad", "Hours",
    "Billable hours", "First response mean (min)", "Resolution mean (min)")


def breakdown_csv_rows(report: BreakdownReport) -> list[list[str | int | float | None]]:
    return [[r.key, r.name, r.created, r.resolved, r.reopened, r.sla_met, r.sla_breached,
             r.approved, r.rejected, r.auto_approved, r.satisfaction_good,
             r.satisfaction_bad, r.hours, r.billable_hours, r.first_response_mean_minutes,
             r.resolution_mean_minutes] for r in report.items]


# --- the weekly summary (item 5) ----------------------------------------------------------

SUMMARY_AT = time(7, 0)  # Monday morning, in the tenant's time zone


def next_summary_at(now: datetime, zone: ZoneInfo) -> datetime:
    """The next Monday 07:00 in ``zone`` after ``now`` (an aware instant)."""
    local = now.astimezone(zone)
    monday = local.date() + timedelta(days=(7 - local.weekday()) % 7)
    due = datetime.combine(monday, SUMMARY_AT, zone)
    if due <= local:
        due = datetime.combine(monday + timedelta(days=7), SUMMARY_AT, zone)
    return due


def summary_week(due: datetime, zone: ZoneInfo) -> tuple[date, date]:
    """The Monday and Sunday of the week before the summary's Monday."""
    monday = due.astimezone(zone).date()
    monday -= timedelta(days=monday.weekday())
    return monday - timedelta(days=7), monday - timedelta(days=1)


# --- contact orders (seed 001) ------------------------------------------------------------


class OrderPeriod(Model):
    period: str
    opened: int
    closed: int
    converted: int
    hours: float


class OrderAssigneeRow(Model):
    key: str = Field(description="the assignee's user id, or none")
    name: str | None = None
    opened: int
    closed: int
    converted: int
    hours: float


class OrderReport(Model):
    from_: date = Field(serialization_alias="from")
    to: date
    group_by: GroupBy
    periods: list[OrderPeriod]
    totals: OrderPeriod
    by_assignee: list[OrderAssigneeRow]


class OrderReportQuery(Model):
    model_config = {"extra": "forbid"}

    from_: date = Field(alias="from")
    to: date
    group_by: GroupBy = "day"

    @model_validator(mode="after")
    def _range(self) -> OrderReportQuery:
        check_range(self.from_, self.to)
        return self


def _order_period(label: str, counts: Mapping[str, float]) -> OrderPeriod:
    return OrderPeriod(period=label, opened=round(counts.get("opened", 0)),
                       closed=round(counts.get("closed", 0)),
                       converted=round(counts.get("converted", 0)),
                       hours=round(counts.get("hours", 0), 2))


def order_report(query: OrderReportQuery, days: Sequence[tuple[date, Mapping[str, float]]],
                 by_assignee: Mapping[str, Mapping[str, float]],
                 names: Mapping[str, str]) -> OrderReport:
    by_period = summed(days, query.group_by)
    everything: dict[str, float] = {}
    for counts in by_period.values():
        for name, value in counts.items():
            everything[name] = everything.get(name, 0) + value
    rows = [OrderAssigneeRow(key=key, name=names.get(key), **_order_period(key, counts)
                             .model_dump(exclude={"period"}))
            for key, counts in by_assignee.items()]
    return OrderReport(
        from_=query.from_, to=query.to, group_by=query.group_by,
        periods=[_order_period(label, by_period.get(label, {}))
                 for label in periods(query.from_, query.to, query.group_by)],
        totals=_order_period("total", everything),
        by_assignee=sorted(rows, key=lambda r: (-r.hours, r.name or r.key)))


ORDER_CSV_HEADER = ("Period", "Opened", "Closed", "Converted to sales orders", "Hours")


def order_rows(report: OrderReport) -> list[list[str | int | float | None]]:
    return [[p.period, p.opened, p.closed, p.converted, p.hours]
            for p in [*report.periods, report.totals]]
