"""The app's non-HTTP entry points: EventBridge schedules and the SQS consumer.

Registered in ``app.py`` like the API blueprints. Everything heavy is imported inside
the handlers, so the API's cold start does not pay for it. What a sweep announces goes
to the queue right after its commit (``store/outbox.py``), so the local stack's
``/_local/tick``, which drains the queues after the schedules, delivers it in the same tick.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from chalice.app import Blueprint, Rate

from chalicelib.config import get_config

bp = Blueprint(__name__)


def _now(event: Any) -> datetime:
    """The event's own time: a sweep that runs late still acts as of its schedule."""
    stamp = getattr(event, "time", None) or ""
    try:
        return datetime.fromisoformat(stamp).astimezone(UTC)
    except ValueError:
        return datetime.now(UTC)


def _time_left(event: Any) -> Callable[[], float]:
    """Seconds the Lambda has left (chalice hands the context to event handlers on the
    event object, not on ``bp.lambda_context``)."""
    context = getattr(event, "context", None)
    if context is None or not hasattr(context, "get_remaining_time_in_millis"):
        return lambda: 30.0
    return lambda: float(context.get_remaining_time_in_millis()) / 1000


@bp.schedule(Rate(5, unit=Rate.MINUTES), name="ticket_timers",
             description="Approval reminders, auto-approval and SLA alerts that are due")
def ticket_timers(event: Any) -> dict[str, Any]:
    from chalicelib.jobs import sweeps

    return sweeps.ticket_timers(_now(event), _time_left(event))


@bp.schedule(Rate(5, unit=Rate.MINUTES), name="booking_reminders",
             description="Contact-order bookings whose time has come")
def booking_reminders(event: Any) -> dict[str, Any]:
    from chalicelib.jobs import sweeps

    return sweeps.booking_reminders(_now(event), _time_left(event))


@bp.schedule(Rate(1, unit=Rate.HOURS), name="subscription_reminders",
             description="Networks: renewal reminders, expiries, certifications, reviews")
def subscription_reminders(event: Any) -> dict[str, Any]:
    from chalicelib.jobs import sweeps

    return sweeps.subscription_reminders(_now(event), _time_left(event))


@bp.schedule(Rate(15, unit=Rate.MINUTES), name="training_reminders",
             description="Training signups to remind a day before their session")
def training_reminders(event: Any) -> dict[str, Any]:
    from chalicelib.jobs import sweeps

    return sweeps.training_reminders(_now(event), _time_left(event))


@bp.schedule(Rate(5, unit=Rate.MINUTES), name="help_schedule",
             description="Help center: articles whose publishing or takedown is due")
def help_schedule(event: Any) -> dict[str, Any]:
    from chalicelib.jobs import sweeps

    return sweeps.help_schedule(_now(event), _time_left(event))


@bp.schedule(Rate(1, unit=Rate.MINUTES), name="chat_abandoned",
             description="Chats without a message for 15 minutes end into a ticket")
def chat_abandoned(event: Any) -> dict[str, Any]:
    from chalicelib.jobs import sweeps

    return sweeps.chat_abandoned(_now(event), _time_left(event))


@bp.schedule(Rate(15, unit=Rate.MINUTES), name="weekly_summaries",
             description="Reports: last week's figures to the managers, Monday morning")
def weekly_summaries(event: Any) -> dict[str, Any]:
    from chalicelib.jobs import sweeps

    return sweeps.weekly_summaries(_now(event), _time_left(event))


@bp.schedule(Rate(1, unit=Rate.HOURS), name="usage_close",
             description="Client cases: a month that ended becomes its usage snapshot")
def usage_close(event: Any) -> dict[str, Any]:
    from chalicelib.jobs import sweeps

    return sweeps.usage_close(_now(event), _time_left(event))


@bp.schedule(Rate(1, unit=Rate.MINUTES), name="outbox_relay",
             description="Outbox records to the notifications queue")
def outbox_relay(event: Any) -> dict[str, Any]:
    from chalicelib.jobs.relay import relay

    return relay(_now(event), _time_left(event))


@bp.on_sqs_message(queue=get_config().notifications_queue, batch_size=10,
                   name="notifications")
def notifications(event: Any) -> dict[str, Any]:
    from chalicelib.jobs.notifications import handle_batch

    return handle_batch(event.to_dict())


@bp.on_sqs_message(queue=get_config().inbound_mail_queue, batch_size=5, name="inbound_mail")
def inbound_mail(event: Any) -> dict[str, Any]:
    """Mail SES stored in the inbound bucket (S3 announces each object on the queue)."""
    from chalicelib.jobs.inbound import handle_batch

    return handle_batch(event.to_dict())
