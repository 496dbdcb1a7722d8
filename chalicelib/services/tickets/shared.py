"""What the ticket modules share: the repository, the history event of a change, the SLA
due times, and ``save``, the one transaction that writes a ticket's next version."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from chalicelib.config import get_config
from chalicelib.domain import tickets
from chalicelib.domain.directory import SlaTarget, TenantSettings
from chalicelib.domain.errors import Conflict, PreconditionFailed
from chalicelib.domain.lifecycle import ticket_timers, warn_at
from chalicelib.domain.models import utc_iso
from chalicelib.domain.notifications import TICKET_EVENTS
from chalicelib.domain.support_hours import add_support_hours, calendar_for
from chalicelib.services.context import Ctx
from chalicelib.services.directory import get_settings
from chalicelib.services.publish import publish
from chalicelib.services.report_counting import count_change, counts_something
from chalicelib.services.writes import commit_versioned, history_event, retry_lost_races
from chalicelib.store.dynamo import Item, UnitOfWork
from chalicelib.store.tickets import TicketsRepository

T = TypeVar("T")


def repo() -> TicketsRepository:
    return TicketsRepository(get_config().tickets_table)


def retry_on_race(action: Callable[[], T]) -> T:
    """Appends (a comment, an attachment) do not depend on what the caller saw: when another
    change won the race, read again and re-apply instead of failing."""
    return retry_lost_races(action, PreconditionFailed, attempts=8, first_wait=0.02,
                            gave_up=lambda: Conflict("The ticket is changing quickly; try again."))


def ticket_event(ctx: Ctx, kind: str, data: dict[str, Any], internal: bool = False) -> Item:
    """A history event of the ticket; ``internal`` ones are for staff only."""
    return history_event(ctx, kind, data, internal=internal)


def _due(settings: TenantSettings, start: datetime, hours: float) -> str:
    return utc_iso(add_support_hours(calendar_for(settings.support_hours), start, hours))


def sla_dues(settings: TenantSettings, created: datetime, target: SlaTarget,
             now: datetime, first_response: bool = True) -> dict[str, Any]:
    """The SLA due times from the ticket's creation, and when to warn before each."""
    dues: dict[str, Any] = {"resolution_due_at": _due(settings, created, target.resolution_hours)}
    if first_response:
        dues["first_response_due_at"] = _due(settings, created, target.first_response_hours)
    for name in list(dues):
        dues[name.replace("_due_at", "_warn_at")] = warn_at(
            now, dues[name], settings.sla_warning_minutes)
    return dues


def save(ctx: Ctx, before: tickets.Ticket, after: tickets.Ticket, events: list[Item],
         extra: Callable[[UnitOfWork], None] | None = None, versioned: bool = False) -> None:
    """The ticket's next version, its events, the timers its new state needs, the outbox
    records of its notifications and the report counters it moves: one transaction."""
    uow = UnitOfWork()
    repo().put_ticket(uow, ctx.tenant, after.model_dump(mode="json"), expected=before.version,
                      activity=ctx.new_id())
    record(uow, ctx, after, events, ticket_timers(before))
    if counts_something(before, after):
        count_change(uow, ctx.tenant, get_settings(ctx), before, after, ctx.stamp)
    if extra:
        extra(uow)
    if versioned:
        commit_versioned(ctx, uow)
    else:
        uow.commit()


def record(uow: UnitOfWork, ctx: Ctx, ticket: tickets.Ticket, events: list[Item],
           timers_before: dict[str, str]) -> None:
    """What goes with every version of a ticket: its events, its timers moved from
    ``timers_before`` to what its state needs, and the outbox records."""
    r = repo()
    for event in events:
        r.add_event(uow, ctx.tenant, ticket.id, event)
    r.sync_timers(uow, ctx.tenant, ticket.id, timers_before, ticket_timers(ticket))
    publish(uow, r.table, ctx.tenant, "tickets", ticket.id, events, TICKET_EVENTS)


def next_version(ticket: tickets.Ticket, ctx: Ctx, **changes: Any) -> tickets.Ticket:
    return ticket.model_copy(update={**changes, "updated_at": ctx.stamp,
                                     "version": ticket.version + 1})
