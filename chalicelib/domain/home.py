"""Home pages that lead with the work (issue 23, item 4): what awaits a customer, and an
agent's queue in numbers. Pure: the lists and the clock are passed in."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Literal

from pydantic import Field

from chalicelib.domain.lifecycle import OPEN_FOR_SLA
from chalicelib.domain.models import Model
from chalicelib.domain.tickets import ContactCaseSummary, ContactTicketSummary, TicketSummary

# How many of a list the home page reads (one Query page): past it, the numbers say "at
# least" (``capped``) and the links lead to the whole list.
HOME_LIMIT = 100

SlaState = Literal["past", "near"]


def sla_state(ticket: TicketSummary, now: datetime, warn_minutes: int) -> SlaState | None:
    """Whether the ticket's next SLA target (the first response until there is one, then
    the resolution) is past or within the tenant's warning time; None otherwise."""
    if ticket.status not in OPEN_FOR_SLA:
        return None
    due = ticket.resolution_due_at if ticket.first_response_at else ticket.first_response_due_at
    if due is None:
        return None
    moment = datetime.fromisoformat(due)
    if moment <= now:
        return "past"
    return "near" if moment <= now + timedelta(minutes=warn_minutes) else None


class QueueNumbers(Model):
    """An agent's queue in numbers, each a link into the filtered queue."""

    mine: int
    unassigned: int
    near_sla: int = Field(description="mine and unassigned within the SLA warning time")
    past_sla: int = Field(description="mine and unassigned past an SLA target")
    waiting_on_customer: int = Field(description="mine, waiting for the customer")
    capped: bool = Field(description="a list was longer than the page read: at least these")


def queue_numbers(mine: list[TicketSummary], unassigned: list[TicketSummary], capped: bool,
                  now: datetime, warn_minutes: int) -> QueueNumbers:
    states = [sla_state(t, now, warn_minutes) for t in [*mine, *unassigned]]
    return QueueNumbers(
        mine=len(mine), unassigned=len(unassigned), near_sla=states.count("near"),
        past_sla=states.count("past"),
        waiting_on_customer=sum(t.status == "waiting_on_customer" for t in mine),
        capped=capped)


class CustomerWork(Model):
    """What awaits a customer, most pressing first: resolutions to test and answer (the
    soonest auto-approval first), questions to answer, then their other open tickets."""

    awaiting_approval: list[ContactTicketSummary]
    awaiting_answer: list[ContactTicketSummary]
    other_open: list[ContactTicketSummary]
    # Cases from the firm (issue 19) addressed to them and not done, soonest due first.
    firm_cases: list[ContactCaseSummary] = Field(default_factory=list)
    capped: bool


def customer_work(tickets: Iterable[ContactTicketSummary], capped: bool,
                  cases: Iterable[ContactCaseSummary] = ()) -> CustomerWork:
    approval: list[ContactTicketSummary] = []
    answer: list[ContactTicketSummary] = []
    other: list[ContactTicketSummary] = []
    for ticket in tickets:
        if ticket.status == "resolved":
            approval.append(ticket)
        elif ticket.status == "waiting_on_customer":
            answer.append(ticket)
        elif ticket.status != "closed":
            other.append(ticket)
    approval.sort(key=lambda t: t.approval_due_at or "~")
    firm = sorted((c for c in cases if c.status != "closed" and c.done_at is None),
                  key=lambda c: c.due_date or "~")
    return CustomerWork(awaiting_approval=approval, awaiting_answer=answer, other_open=other,
                        firm_cases=firm, capped=capped)


class Home(Model):
    """``GET /home``: a staff user's queue numbers (null without tickets.view), or a
    contact's work."""

    kind: Literal["staff", "contact"]
    queue: QueueNumbers | None = None
    work: CustomerWork | None = None
