"""Demo data for reports (issue 23): a month of finished tickets in the ``demo`` tenant, made
through the ticket use cases at the moments they would have happened, so the counters fill
the way live work fills them and ``#/reports`` and the admin's home trend are not empty;
and the weekly summary switched on. Once: a tenant that has a ticket with this module's
subject prefix is left alone."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from chalicelib.domain import directory as directory_models
from chalicelib.domain import tickets as ticket_models
from chalicelib.services import directory as svc
from chalicelib.services import tickets
from chalicelib.services.context import Ctx

DAYS = 30
SUBJECTS = (
    ("question", "Hur exporterar jag kundreskontran?"),
    ("question", "Var ändrar jag fakturamallen?"),
    ("technical_fault", "Bankfilen läses inte in"),
    ("technical_fault", "Inloggningen hänger sig"),
    ("change_request", "Lägg till ny momssats för export"),
)
PREFIX = "[Demo] "


def seed_demo_reports(system: Ctx, as_user: Callable[[Ctx, str], Ctx]) -> None:
    found = tickets.list_tickets(system, tickets.TicketFilters(q="Demo"), 5, {})[0]
    if any(t.subject.startswith(PREFIX) for t in found):
        return
    rng = random.Random(2026)
    start = system.now - timedelta(days=DAYS)
    for day in range(DAYS):
        morning = (start + timedelta(days=day)).replace(hour=8, minute=0, second=0,
                                                        microsecond=0)
        for _ in range(rng.randint(1, 2) if morning.weekday() < 5 else 0):
            _one_ticket(system, as_user, morning + timedelta(minutes=rng.randrange(480)), rng)
    _weekly_summary_on(system)


def _one_ticket(system: Ctx, as_user: Callable[[Ctx, str], Ctx], at: datetime,
                rng: random.Random) -> None:
    """A ticket created, answered, resolved and approved at moments after ``at``."""
    moment = at

    def later(minutes: float) -> datetime:
        nonlocal moment
        moment += timedelta(minutes=minutes)
        return moment

    type_id, subject = rng.choice(SUBJECTS)
    customer = replace(as_user(system, f"customer@{system.tenant}.test"), now=moment)
    agent_email = f"agent@{system.tenant}.test"
    made = tickets.create_ticket(customer, ticket_models.TicketCreate(
        subject=PREFIX + subject, ticket_type_id=type_id, description="Se bifogad bild."))
    agent = replace(as_user(system, agent_email), now=later(rng.expovariate(1 / 60)))
    tickets.patch_ticket(agent, made.id, ticket_models.TicketPatch(
        assignee_id=agent.principal.user_id))
    tickets.add_comment(replace(agent, now=later(5)), made.id, ticket_models.CommentCreate(
        body="Tack, vi tittar på det."))
    tickets.resolve(replace(agent, now=later(rng.expovariate(1 / 240))), made.id,
                    ticket_models.ResolveBody(resolution="Åtgärdat, testa gärna.",
                                              hours=rng.choice((0.25, 0.5, 1.0))))
    tickets.approve(replace(customer, now=later(rng.expovariate(1 / 600))), made.id, None)


def _weekly_summary_on(ctx: Ctx) -> None:
    settings = svc.get_settings(ctx)
    if settings.weekly_summary:
        return
    svc.put_settings(ctx, directory_models.SettingsBody.model_validate({
        **settings.model_dump(include=set(directory_models.SettingsBody.model_fields)),
        "weekly_summary": True}))
