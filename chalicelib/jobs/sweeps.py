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


def _sweep_kinds(table: str, kinds: dict[str, Callable[[Item], str]], now: datetime,
                 time_left: TimeLeft) -> dict[str, Any]:
    """Each kind's due items in turn, each done by its action; stops when time runs out."""
    report: Counter[str] = Counter(read=0)
    stamp = utc_iso(now)
    for kind, act in kinds.items():
        if not _sweep(due_items(table, kind, stamp), act, time_left, f"{kind}:", report):
            return {**report, "more": True}
    return {**report, "more": False}


def ticket_timers(now: datetime, time_left: TimeLeft) -> dict[str, Any]:
    """Approval reminders, auto-approval, SLA alerts, and the reminders before a case from
    the firm is due (issue 19)."""
    from chalicelib.domain.outbound import TIMER_CASE_REMINDER
    from chalicelib.services.tickets import run_case_reminder, run_timer

    kinds: dict[str, Callable[[Item], str]] = {
        kind: lambda timer: run_timer(timer, now) for kind in TIMER_KINDS}
    kinds[TIMER_CASE_REMINDER] = lambda timer: run_case_reminder(timer, now)
    return _sweep_kinds(get_config().tickets_table, kinds, now, time_left)


def booking_reminders(now: datetime, time_left: TimeLeft) -> dict[str, Any]:
    from chalicelib.services.contact_orders import remind_booking

    report: Counter[str] = Counter(read=0)
    table = get_config().contact_orders_table
    done = _sweep(due_items(table, "booking_reminder", utc_iso(now)),
                  lambda booking: remind_booking(booking, now), time_left, "", report)
    return {**report, "more": not done}


def subscription_reminders(now: datetime, time_left: TimeLeft) -> dict[str, Any]:
    """Networks: renewal reminders, expiries, expiring certifications, yearly reviews, and a
    network's new questions told to its published suppliers a page at a time."""
    from chalicelib.domain.networks import SUBSCRIPTION_TIMERS, TIMER_NEW_QUESTIONS
    from chalicelib.services.networks import run_new_questions, run_timer

    kinds: dict[str, Callable[[Item], str]] = {
        kind: lambda timer: run_timer(timer, now) for kind in SUBSCRIPTION_TIMERS}
    kinds[TIMER_NEW_QUESTIONS] = lambda timer: run_new_questions(timer, now)
    return _sweep_kinds(get_config().networks_table, kinds, now, time_left)


def training_reminders(now: datetime, time_left: TimeLeft) -> dict[str, Any]:
    """Training signups whose day-before came (``services/training.py``)."""
    from chalicelib.services.training import remind_signup
    from chalicelib.store.training import REMINDER

    report: Counter[str] = Counter(read=0)
    table = get_config().networks_table
    done = _sweep(due_items(table, REMINDER, utc_iso(now)),
                  lambda signup: remind_signup(signup, now), time_left, "", report)
    return {**report, "more": not done}


def help_schedule(now: datetime, time_left: TimeLeft) -> dict[str, Any]:
    """The help center's scheduled publishing and takedowns (``services/help.py``)."""
    from chalicelib.domain.help import HELP_TIMERS
    from chalicelib.services.help import run_timer

    return _sweep_kinds(get_config().help_table,
                        {kind: lambda timer: run_timer(timer, now) for kind in HELP_TIMERS},
                        now, time_left)


def chat_abandoned(now: datetime, time_left: TimeLeft) -> dict[str, Any]:
    """Chats without a message for 15 minutes end into a ticket (``services/chat.py``)."""
    from chalicelib.domain.chat import TIMER_ABANDON
    from chalicelib.services.chat import run_abandon

    return _sweep_kinds(get_config().chat_table,
                        {TIMER_ABANDON: lambda session: run_abandon(session, now)},
                        now, time_left)


def weekly_summaries(now: datetime, time_left: TimeLeft) -> dict[str, Any]:
    """Reports: the tenants whose Monday-morning summary is due (``services/report_summaries``)."""
    from chalicelib.services.report_summaries import run_summary
    from chalicelib.store.report_counters import SUMMARY_KIND

    return _sweep_kinds(get_config().tickets_table,
                        {SUMMARY_KIND: lambda timer: run_summary(timer, now)}, now, time_left)


def usage_close(now: datetime, time_left: TimeLeft) -> dict[str, Any]:
    """Client cases' billing usage: a month whose end came is stored as its snapshot, so a
    closed month never changes (``services/billing_usage.py``)."""
    from chalicelib.services.billing_usage import close_month
    from chalicelib.store.client_cases import CLOSE_TIMER

    return _sweep_kinds(get_config().tickets_table,
                        {CLOSE_TIMER: lambda timer: close_month(timer, now)}, now, time_left)
