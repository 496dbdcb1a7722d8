"""The scheduled sweeps: each reads what is due in the ``due`` index and does it.

A sweep takes ``now`` from the EventBridge event, so a late run acts as of its own
schedule. Each item is done with a conditional write, so two sweeps at once (or the same
one twice) do each thing once. A sweep stops early when its Lambda is about to time out
(``more`` in the report) and the next run goes on: what it did not reach is still due.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from chalicelib.config import get_config
from chalicelib.domain.lifecycle import TIMER_KINDS
from chalicelib.domain.models import utc_iso
from chalicelib.store.dynamo import Item
from chalicelib.store.schedule import due_items

TimeLeft = Callable[[], float]
STOP_WITH_SECONDS_LEFT = 5


def _sweep(items: Iterator[Item], act: Callable[[Item], str], time_left: TimeLeft,
           prefix: str, report: Counter[str]) -> bool:
    """Does each item; False when time ran out before the end."""
    for item in items:
        report["read"] += 1
        report[f"{prefix}{act(item)}"] += 1
        if time_left() < STOP_WITH_SECONDS_LEFT:
            return False
    return True


def ticket_timers(now: datetime, time_left: TimeLeft) -> dict[str, Any]:
    """Approval reminders, auto-approval and SLA alerts."""
    from chalicelib.services.tickets import run_timer

    report: Counter[str] = Counter(read=0)
    table, stamp = get_config().tickets_table, utc_iso(now)
    for kind in TIMER_KINDS:
        done = _sweep(due_items(table, kind, stamp), lambda timer: run_timer(timer, now),
                      time_left, f"{kind}:", report)
        if not done:
            return {**report, "more": True}
    return {**report, "more": False}


def booking_reminders(now: datetime, time_left: TimeLeft) -> dict[str, Any]:
    from chalicelib.services.contact_orders import remind_booking

    report: Counter[str] = Counter(read=0)
    table = get_config().contact_orders_table
    done = _sweep(due_items(table, "booking_reminder", utc_iso(now)),
                  lambda booking: remind_booking(booking, now), time_left, "", report)
    return {**report, "more": not done}


def subscription_reminders(now: datetime, time_left: TimeLeft) -> dict[str, Any]:
    """Networks: renewal reminders, expiries, expiring certifications, yearly reviews, new
    questions."""
    from chalicelib.domain.networks import SUBSCRIPTION_TIMERS, TIMER_NEW_QUESTIONS
    from chalicelib.services.networks import run_new_questions, run_timer

    report: Counter[str] = Counter(read=0)
    table, stamp = get_config().networks_table, utc_iso(now)
    for kind in SUBSCRIPTION_TIMERS:
        done = _sweep(due_items(table, kind, stamp), lambda timer: run_timer(timer, now),
                      time_left, f"{kind}:", report)
        if not done:
            return {**report, "more": True}
    # A network's new questions, told to its published suppliers a page at a time.
    done = _sweep(due_items(table, TIMER_NEW_QUESTIONS, stamp),
                  lambda timer: run_new_questions(timer, now), time_left,
                  f"{TIMER_NEW_QUESTIONS}:", report)
    return {**report, "more": not done}
