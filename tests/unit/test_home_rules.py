"""The home page's pure rules (issue 23, item 4): an open ticket's SLA state by its next
target, the queue's numbers and a customer's sections in their order."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from chalicelib.domain.home import customer_work, queue_numbers, sla_state
from chalicelib.domain.tickets import ContactTicketSummary, TicketSummary

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


def _summary(**changes: Any) -> TicketSummary:
    base: dict[str, Any] = {
        "id": "t1", "number": "T-1001", "subject": "Invoice", "status": "open",
        "priority": "normal", "ticket_type_id": "ty", "organization_id": "org",
        "channel": "portal", "created_at": "2026-12-07T08:00:00Z",
        "updated_at": "2026-12-07T08:00:00Z", "version": 1,
        "first_response_due_at": "2026-12-07T12:00:00Z",
        "resolution_due_at": "2026-12-09T12:00:00Z",
    }
    return TicketSummary.model_validate({**base, **changes})


def test_the_next_target_decides() -> None:
    assert sla_state(_summary(), NOW, 60) is None
    assert sla_state(_summary(), NOW, 120) == "near"
    assert sla_state(_summary(first_response_due_at="2026-12-07T10:00:00Z"), NOW, 0) == "past"
    answered = _summary(first_response_at="2026-12-07T09:00:00Z",
                        first_response_due_at="2026-12-07T09:30:00Z")
    assert sla_state(answered, NOW, 60) is None  # the resolution is two days off
    assert sla_state(_summary(status="resolved",
                              first_response_due_at="2026-12-07T09:00:00Z"), NOW, 60) is None
    assert sla_state(_summary(first_response_due_at=None), NOW, 60) is None


def test_queue_numbers_count_mine_and_unassigned() -> None:
    mine = [_summary(status="waiting_on_customer"),
            _summary(first_response_due_at="2026-12-07T09:00:00Z")]
    unassigned = [_summary(first_response_due_at="2026-12-07T10:30:00Z")]
    numbers = queue_numbers(mine, unassigned, capped=True, now=NOW, warn_minutes=60)
    assert numbers.model_dump() == {"mine": 2, "unassigned": 1, "near_sla": 1, "past_sla": 1,
                                    "waiting_on_customer": 1, "capped": True}


def test_a_customers_sections_soonest_approval_first() -> None:
    def row(subject: str, status: str, due: str | None = None) -> ContactTicketSummary:
        return ContactTicketSummary.model_validate(_summary(
            subject=subject, status=status, approval_due_at=due).model_dump())

    work = customer_work([row("b", "resolved", "2026-12-12T10:00:00Z"),
                          row("q", "waiting_on_customer"),
                          row("a", "resolved", "2026-12-10T10:00:00Z"), row("o", "open"),
                          row("x", "closed")], capped=False)
    assert [t.subject for t in work.awaiting_approval] == ["a", "b"]
    assert [t.subject for t in work.awaiting_answer] == ["q"]
    assert [t.subject for t in work.other_open] == ["o"]
