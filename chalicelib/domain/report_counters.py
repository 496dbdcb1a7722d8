"""Report counters (issue 23), the pure part: what one change of a ticket adds to the
tenant's daily counters. Not wired into the use cases yet (issue 23 builds on this).

Why counters and not a scan: a report over a month is then a handful of Queries of
counter items (a day per item, a dimension per partition) whatever the volume. Each use
case that changes a ticket gives its ticket before and after to ``changes``, and the
store ``ADD``s the result in the change's own transaction.

Why a change is read from the ticket's state and not from the event type: one use case
may do several countable things at once (a first response that also resolves), and a
state diff counts each exactly once whichever use case made it.

Medians and p90 come from histograms: each duration also adds one to a bucket of minutes
(``BUCKET_EDGES``), and ``percentile`` interpolates inside the bucket. The estimate is
within one bucket's width of the true value, which the report says.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from chalicelib.domain.contact_orders import ContactOrder
from chalicelib.domain.support_hours import SupportCalendar, support_hours_between
from chalicelib.domain.tickets import Ticket

# The upper edges (minutes, of support hours) of the histogram buckets; one more bucket
# holds everything longer. Fine where answers are usually given (the first hours), coarse
# beyond a week.
BUCKET_EDGES: tuple[int, ...] = (
    5, 15, 30, 60, 120, 240, 480, 960, 1440, 2880, 5760, 10080, 20160)

GroupBy = Literal["day", "week", "month"]
# The filters a report offers: the kinds of ``dimensions`` besides the tenant's total
# (``orders_agent``: a contact order's assignee, seed 001).
DIMENSION_KINDS = ("type", "channel", "org", "agent", "orders_agent")
# What a breakdown by one kind (every type, every organisation...) shows per value: kept
# per day in one item per kind, its attributes ``<value>~<measure>``.
BREAKDOWN_MEASURES = frozenset({
    "created", "resolved", "reopened", "sla_met", "sla_breached", "satisfaction_good",
    "satisfaction_bad", "hours", "billable_hours", "first_response_count",
    "first_response_minutes", "resolution_count", "resolution_minutes", "approved",
    "rejected", "auto_approved", "opened", "closed", "converted"})
Durations = Literal["first_response", "resolution", "approval_answer"]


def bucket_of(minutes: float) -> int:
    """The index of the histogram bucket that holds ``minutes``."""
    for index, edge in enumerate(BUCKET_EDGES):
        if minutes <= edge:
            return index
    return len(BUCKET_EDGES)


def dimensions(ticket: Ticket) -> tuple[str, ...]:
    """The partitions a ticket's change counts in: the tenant's total and one per
    filter a report offers (type, channel, organisation, agent: the assignee then)."""
    return ("all", f"type#{ticket.ticket_type_id}", f"channel#{ticket.channel}",
            f"org#{ticket.organization_id}", f"agent#{ticket.assignee_id or 'none'}")


@dataclass
class CounterChange:
    """What to add to the counters of one local day, in every one of ``dimensions``."""

    day: date
    dimensions: tuple[str, ...]
    add: dict[str, float] = field(default_factory=dict)

    def breakdown(self) -> dict[str, dict[str, float]]:
        """Kind -> ``<value>~<measure>`` -> amount, for the breakdown items."""
        shown = {m: v for m, v in self.add.items() if m in BREAKDOWN_MEASURES}
        parts: dict[str, dict[str, float]] = {}
        for dimension in self.dimensions:
            kind, _, value = dimension.partition("#")
            if kind in DIMENSION_KINDS and shown:
                parts[kind] = {f"{value}~{m}": v for m, v in shown.items()}
        return parts

    def count(self, measure: str, amount: float = 1) -> None:
        self.add[measure] = self.add.get(measure, 0) + amount

    def duration(self, kind: Durations, minutes: float) -> None:
        self.count(f"{kind}_count")
        self.count(f"{kind}_minutes", round(minutes, 2))
        self.count(f"{kind}_b{bucket_of(minutes)}")


def _instant(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp)


def _support_minutes(cal: SupportCalendar | None, start: str, end: str) -> float:
    """Minutes between two stamps counted in support hours (wall-clock without them)."""
    a, b = _instant(start), _instant(end)
    if cal is None:
        return max((b - a).total_seconds(), 0) / 60
    return support_hours_between(cal, a, b) * 60


# The backlog is what the team still has to do: a resolved ticket waits for the customer.
FINISHED = ("resolved", "closed")


def _waiting_on_support(ticket: Ticket) -> bool:
    return ticket.status not in FINISHED


def _judge(change: CounterChange, before: Ticket | None, target: str, done: str,
           due: str | None) -> None:
    """A target met, or missed when its breach alert did not count it already."""
    if due is None:
        return
    if _instant(done) <= _instant(due):
        change.count("sla_met")
    elif before is None or before.sla_alerts.get(target) != "breached":
        change.count("sla_breached")


def changes(before: Ticket | None, after: Ticket, zone: ZoneInfo,
            cal: SupportCalendar | None, at: str) -> list[CounterChange]:
    """What the change from ``before`` (None: a new ticket) to ``after``, made at the
    stamp ``at``, adds to the counters; the day is the change's, in the tenant's zone."""
    change = CounterChange(_instant(at).astimezone(zone).date(), dimensions(after))
    _count_answers(change, before, after, cal)
    _count_approval(change, before, after)
    _count_backlog(change, before, after)
    if after.satisfaction and (before is None or before.satisfaction is None):
        change.count(f"satisfaction_{after.satisfaction.rating}")
    hours = after.total_hours - (before.total_hours if before else 0)
    if hours:
        change.count("hours", hours)
        if after.billable:
            change.count("billable_hours", hours)
    return [change] if change.add else []


def _count_answers(change: CounterChange, before: Ticket | None, after: Ticket,
                   cal: SupportCalendar | None) -> None:
    """Creation, the first response and a resolution, with their support minutes."""
    if before is None:
        change.count("created")
    if after.first_response_at and (before is None or not before.first_response_at):
        change.count("first_responded")
        change.duration("first_response", _support_minutes(
            cal, after.created_at, after.first_response_at))
        _judge(change, before, "first_response", after.first_response_at,
               after.first_response_due_at)
    if after.resolved_at and (before is None or before.resolved_at != after.resolved_at):
        change.count("resolved")
        change.duration("resolution", _support_minutes(cal, after.created_at,
                                                       after.resolved_at))
        _judge(change, before, "resolution", after.resolved_at, after.resolution_due_at)
    # A breach counts when its alert goes out, so a ticket still unanswered counts too.
    for target in ("first_response", "resolution"):
        if after.sla_alerts.get(target) == "breached" and (
                before is None or before.sla_alerts.get(target) != "breached"):
            change.count("sla_breached")


def _count_approval(change: CounterChange, before: Ticket | None, after: Ticket) -> None:
    """The customer's answer to a resolution (or the auto-approval in its place)."""
    was = before.approval.state if before and before.approval else None
    now = after.approval.state if after.approval else None
    if now == was or now not in ("approved", "rejected", "auto_approved"):
        return
    change.count(now)
    # A rejection reopens the ticket, which may clear its resolution: the one answered.
    resolved_at = after.resolved_at or (before.resolved_at if before else None)
    if now != "auto_approved" and resolved_at and after.approval and after.approval.at:
        waited = _instant(after.approval.at) - _instant(resolved_at)
        change.duration("approval_answer", max(waited.total_seconds(), 0) / 60)


def _count_backlog(change: CounterChange, before: Ticket | None, after: Ticket) -> None:
    """The net change of what waits on the team, and a finished ticket taken up again."""
    if before is None:
        if _waiting_on_support(after):
            change.count("backlog_net")
        return
    if _waiting_on_support(before) != _waiting_on_support(after):
        change.count("backlog_net", 1 if _waiting_on_support(after) else -1)
        if before.status in FINISHED:
            change.count("reopened")


def order_changes(before: ContactOrder | None, after: ContactOrder, zone: ZoneInfo,
                  at: str) -> list[CounterChange]:
    """What a contact order's change adds (seed 001): opened, closed, converted to a sales
    order, and hours, for the tenant's orders and for the assignee after the change."""
    change = CounterChange(_instant(at).astimezone(zone).date(),
                           ("orders", f"orders_agent#{after.assignee_id or 'none'}"))
    if before is None:
        change.count("opened")
    if after.closed and (before is None or not before.closed):
        change.count("closed")
    if after.sales_order_id and (before is None or not before.sales_order_id):
        change.count("converted")
    hours = after.total_hours - (before.total_hours if before else 0)
    if hours:
        change.count("hours", hours)
    return [change] if change.add else []


def percentile(counts: Mapping[int, float], q: float) -> float | None:
    """The ``q`` quantile (0-1) of a histogram ``bucket index -> count``, interpolated
    linearly inside its bucket (the open last bucket answers its lower edge); None when
    the histogram is empty."""
    total = sum(counts.values())
    if total <= 0:
        return None
    rank = q * total
    seen = 0.0
    for index in range(len(BUCKET_EDGES) + 1):
        in_bucket = counts.get(index, 0)
        if in_bucket and seen + in_bucket >= rank:
            low = BUCKET_EDGES[index - 1] if index else 0
            if index == len(BUCKET_EDGES):
                return float(low)
            share = (rank - seen) / in_bucket
            return low + share * (BUCKET_EDGES[index] - low)
        seen += in_bucket
    return float(BUCKET_EDGES[-1])


def histogram(totals: Mapping[str, float], kind: Durations) -> dict[int, float]:
    """The buckets of ``kind`` among summed counters (``<kind>_b<i>``)."""
    prefix = f"{kind}_b"
    return {int(name[len(prefix):]): value for name, value in totals.items()
            if name.startswith(prefix)}


def period_of(day: date, group_by: GroupBy) -> str:
    """The label of the period a day belongs to: 2026-11-30, 2026-W49, 2026-11."""
    if group_by == "day":
        return day.isoformat()
    if group_by == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day.year}-{day.month:02d}"


def periods(start: date, end: date, group_by: GroupBy) -> list[str]:
    """Every period label from ``start`` to ``end`` (inclusive), in order, without gaps:
    a chart shows an empty week as zero, not as a missing point."""
    labels: list[str] = []
    day = start
    while day <= end:
        label = period_of(day, group_by)
        if not labels or labels[-1] != label:
            labels.append(label)
        day += timedelta(days=1)
    return labels


def summed(days: Iterable[tuple[date, Mapping[str, float]]],
           group_by: GroupBy) -> dict[str, dict[str, float]]:
    """Daily counter items summed per period."""
    totals: dict[str, dict[str, float]] = {}
    for day, counters in days:
        into = totals.setdefault(period_of(day, group_by), {})
        for name, value in counters.items():
            into[name] = into.get(name, 0) + value
    return totals


def backlog(opening: float, nets: Iterable[tuple[date, float]]) -> list[tuple[date, float]]:
    """Open tickets at the end of each day: the count before the first day plus each
    day's net change (created and reopened minus finished)."""
    running = opening
    series: list[tuple[date, float]] = []
    for day, net in sorted(nets):
        running += net
        series.append((day, running))
    return series


def median_and_p90(totals: Mapping[str, float], kind: Durations) -> tuple[float | None,
                                                                          float | None]:
    buckets = histogram(totals, kind)
    low, high = percentile(buckets, 0.5), percentile(buckets, 0.9)
    return (None if low is None or math.isnan(low) else round(low, 1),
            None if high is None or math.isnan(high) else round(high, 1))


# --- the backfill: a ticket's changes again, from its history ---------------------------

def _assigned(state: dict[str, Any], data: Mapping[str, Any], event: Mapping[str, Any],
              staff: frozenset[str]) -> None:
    state["assignee_id"] = data.get("to")


def _retyped(state: dict[str, Any], data: Mapping[str, Any], event: Mapping[str, Any],
             staff: frozenset[str]) -> None:
    state["ticket_type_id"] = data.get("to", state["ticket_type_id"])
    state["billable"] = bool(data.get("billable_to", state["billable"]))


def _status_changed(state: dict[str, Any], data: Mapping[str, Any], event: Mapping[str, Any],
                    staff: frozenset[str]) -> None:
    state["status"] = data.get("to", state["status"])


def _priority_changed(state: dict[str, Any], data: Mapping[str, Any],
                      event: Mapping[str, Any], staff: frozenset[str]) -> None:
    state["sla_alerts"] = {}  # new targets, new alerts
    if data.get("resolution_due_at"):
        state["resolution_due_at"] = data["resolution_due_at"]


def _sla_alert(state: dict[str, Any], data: Mapping[str, Any], event: Mapping[str, Any],
               staff: frozenset[str]) -> None:
    if data.get("target"):
        alert = "breached" if event["type"] == "sla_breached" else "warned"
        state["sla_alerts"] = {**state["sla_alerts"], data["target"]: alert}


def _commented(state: dict[str, Any], data: Mapping[str, Any], event: Mapping[str, Any],
               staff: frozenset[str]) -> None:
    state["total_hours"] += float(data.get("hours") or 0)
    if event.get("actor") in staff and not data.get("internal"):
        state["first_response_at"] = state["first_response_at"] or event["at"]


def _resolved(state: dict[str, Any], data: Mapping[str, Any], event: Mapping[str, Any],
              staff: frozenset[str]) -> None:
    state["total_hours"] += float(data.get("hours") or 0)
    state.update(status="resolved", resolved_at=event["at"], approval={"state": "pending"},
                 first_response_at=state["first_response_at"] or event["at"])


def _answered(state: dict[str, Any], data: Mapping[str, Any], event: Mapping[str, Any],
              staff: frozenset[str]) -> None:
    state["approval"] = {"state": event["type"], "at": event["at"]}


def _rated(state: dict[str, Any], data: Mapping[str, Any], event: Mapping[str, Any],
           staff: frozenset[str]) -> None:
    if data.get("rating") in ("good", "bad"):
        state["satisfaction"] = {"rating": data["rating"], "at": event["at"],
                                 "by": event.get("actor", "")}


# What each history event changed of the fields the counters read; other events nothing.
_APPLY = {
    "assigned": _assigned, "retyped": _retyped, "status_changed": _status_changed,
    "priority_changed": _priority_changed, "sla_warning": _sla_alert,
    "sla_breached": _sla_alert, "commented": _commented, "resolved": _resolved,
    "approved": _answered, "rejected": _answered, "auto_approved": _answered,
    "rated": _rated,
}


def _apply(state: dict[str, Any], event: Mapping[str, Any], staff: frozenset[str]) -> None:
    act = _APPLY.get(event["type"])
    if act is not None:
        act(state, event.get("data") or {}, event, staff)


def replay(ticket: Ticket, events: Iterable[Mapping[str, Any]],
           staff: frozenset[str]) -> list[tuple[Ticket | None, Ticket, str]]:
    """The ticket's changes as live counting saw them: ``(before, after, at)`` for its
    creation and for each moment of its history (the events one change wrote share their
    stamp, so they are one change here too). ``staff``: the users whose public comment
    is a first response.

    What the history does not hold is taken from the ticket as it is: the first-response
    due time (kept from the first response on) and the initial resolution due time when
    the priority never changed; the billable flag at creation is the first re-typing's
    ``billable_from``."""
    ordered = sorted(events, key=lambda e: (e["at"], e.get("id", "")))
    retypes = [e for e in ordered if e["type"] == "retyped"]
    priority_moves = [e for e in ordered if e["type"] == "priority_changed"]
    created = next((e for e in ordered if e["type"] == "created"), None)
    if created is None:
        return []
    data = created.get("data") or {}
    state: dict[str, Any] = {
        **ticket.model_dump(include={"id", "number", "subject", "priority",
                                     "organization_id", "requester_id", "created_by",
                                     "first_response_due_at"}),
        "status": "new", "version": 1, "created_at": created["at"],
        "updated_at": created["at"],
        "ticket_type_id": (retypes[0]["data"].get("from") if retypes
                           else ticket.ticket_type_id),
        "channel": data.get("channel", ticket.channel),
        "billable": bool(retypes[0]["data"].get("billable_from")) if retypes
        else ticket.billable,
        "resolution_due_at": None if priority_moves else ticket.resolution_due_at,
        "assignee_id": None, "first_response_at": None, "resolved_at": None,
        "approval": None, "satisfaction": None, "total_hours": 0.0, "sla_alerts": {},
    }
    steps: list[tuple[Ticket | None, Ticket, str]] = []
    before: Ticket | None = None
    # The events one change wrote share its clock to the millisecond: their ids (ULIDs made
    # from the change's moment) begin alike. Stamps (whole seconds) would merge two changes
    # of the same second, e.g. a resolution and its rejection, and lose the reopening.
    moments: dict[str, list[Mapping[str, Any]]] = {}
    for event in ordered:
        event_id = str(event.get("id", ""))
        moments.setdefault(event_id[:10] if len(event_id) == 26 else event["at"],
                           []).append(event)
    for happened in moments.values():
        at = happened[0]["at"]
        for event in happened:
            if event is not created:
                _apply(state, event, staff)
        after = Ticket.model_validate({**state, "updated_at": at})
        steps.append((before, after, at))
        before = after
    return steps
