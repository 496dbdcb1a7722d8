"""When a ticket waits for time to pass, and what happens when it has.

Pure: the timers a ticket needs follow from its state alone (``ticket_timers``), so every
change recomputes them and the store writes only the difference. A sweep that finds a
due timer asks ``next_step`` what to do, with the ticket as it is now; a timer that no
longer matches the ticket (it was answered meanwhile) does nothing.

The approval flow (seed 004, "Godkänn åtgärdat ärende", "Påminnelse"):
resolved -> ``approval_due_at`` passes -> a reminder, ``auto_close_at`` set -> that passes
-> closed as ``auto_approved``. An approval or a rejection ends it at any point; staff
may pause it. SLA: a warning ``sla_warning_minutes`` before each target, then a breach.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from chalicelib.domain.models import utc_iso
from chalicelib.domain.outbound import TIMER_CASE_REMINDER, next_reminder
from chalicelib.domain.tickets import Ticket

TimerKind = Literal["approval_reminder", "auto_close", "sla_first_response", "sla_resolution"]
TIMER_KINDS: tuple[TimerKind, ...] = (
    "approval_reminder", "auto_close", "sla_first_response", "sla_resolution")
SlaTarget = Literal["first_response", "resolution"]
OPEN_FOR_SLA = ("new", "open", "waiting_on_customer", "waiting_on_third_party")


def _sla_due(ticket: Ticket, target: SlaTarget) -> str | None:
    """The next SLA moment of one target: its warning, then its breach, then nothing."""
    if ticket.status not in OPEN_FOR_SLA:
        return None
    if target == "first_response":
        if ticket.first_response_at is not None:
            return None
        due, warn = ticket.first_response_due_at, ticket.first_response_warn_at
    else:
        due, warn = ticket.resolution_due_at, ticket.resolution_warn_at
    state = ticket.sla_alerts.get(target)
    if due is None or state == "breached":
        return None
    if state == "warned" or warn is None:
        return due
    return warn


def ticket_timers(ticket: Ticket) -> dict[str, str]:
    """Timer kind -> when it is due, for every timer the ticket needs now."""
    timers: dict[str, str] = {}
    waiting_for_answer = ticket.status == "resolved" and ticket.auto_approval_paused is None
    if waiting_for_answer and ticket.reminder_sent_at is None and ticket.approval_due_at:
        timers["approval_reminder"] = ticket.approval_due_at
    if waiting_for_answer and ticket.reminder_sent_at is not None and ticket.auto_close_at:
        timers["auto_close"] = ticket.auto_close_at
    targets: tuple[SlaTarget, ...] = ("first_response", "resolution")
    for target in targets:
        due = _sla_due(ticket, target)
        if due:
            timers[f"sla_{target}"] = due
    # A case from the firm: its next reminder before the due date (domain/outbound.py).
    reminder = next_reminder(ticket)
    if reminder is not None:
        timers[TIMER_CASE_REMINDER] = reminder.at
    return timers


@dataclass(frozen=True)
class Step:
    """What a due timer does: ``action`` is one of remind, auto_approve, sla_warning,
    sla_breached; ``target`` names the SLA target for the SLA actions."""

    action: Literal["remind", "auto_approve", "sla_warning", "sla_breached"]
    target: SlaTarget | None = None


def next_step(ticket: Ticket, kind: str, now: str) -> Step | None:
    """The step a timer of ``kind`` takes at ``now``, or None when it is not (or no longer)
    due: the ticket was approved, rejected, paused, answered or changed meanwhile."""
    due = ticket_timers(ticket).get(kind)
    if due is None or due > now:
        return None
    if kind == "approval_reminder":
        return Step("remind")
    if kind == "auto_close":
        return Step("auto_approve")
    target: SlaTarget = "first_response" if kind == "sla_first_response" else "resolution"
    state = ticket.sla_alerts.get(target)
    warn = ticket.first_response_warn_at if target == "first_response" \
        else ticket.resolution_warn_at
    if state is None and warn is not None:
        return Step("sla_warning", target)
    return Step("sla_breached", target)


def warn_at(created: datetime, due: str, lead_minutes: int) -> str | None:
    """When to warn before an SLA target: ``lead_minutes`` before it, not before the
    ticket existed; no warning when there is no lead."""
    if lead_minutes <= 0:
        return None
    due_time = datetime.fromisoformat(due)
    return utc_iso(max(created, due_time - timedelta(minutes=lead_minutes)))


def after_hours(start: datetime, hours: int) -> str:
    return utc_iso(start + timedelta(hours=hours))
