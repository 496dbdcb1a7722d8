"""The pure lifecycle rules: which timers a ticket needs, what a due timer does, and who
hears of each history event."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.domain import notifications as notices
from chalicelib.domain.lifecycle import next_step, ticket_timers, warn_at
from chalicelib.domain.tickets import AutoApprovalPause, Ticket

RESOLVED = "2026-11-23T10:00:00Z"
DUE = "2026-11-28T10:00:00Z"


def _ticket(**changes: Any) -> Ticket:
    base: dict[str, Any] = {
        "id": "t1", "number": "T-1001", "subject": "Invoice", "status": "open",
        "priority": "normal", "ticket_type_id": "ty", "organization_id": "org",
        "requester_id": "carl", "channel": "portal", "created_at": "2026-11-23T08:00:00Z",
        "updated_at": "2026-11-23T08:00:00Z", "created_by": "carl", "version": 1,
        "first_response_due_at": "2026-11-23T12:00:00Z",
        "first_response_warn_at": "2026-11-23T11:00:00Z",
        "resolution_due_at": "2026-11-25T16:00:00Z",
        "resolution_warn_at": "2026-11-25T15:00:00Z",
    }
    return Ticket.model_validate({**base, **changes})


def _resolved(**changes: Any) -> Ticket:
    return _ticket(**{"status": "resolved", "resolved_at": RESOLVED, "approval_due_at": DUE,
                      "first_response_at": RESOLVED, **changes})


# --- timers -------------------------------------------------------------------------------


def test_an_open_ticket_waits_for_the_warnings_of_both_sla_targets() -> None:
    assert ticket_timers(_ticket()) == {"sla_first_response": "2026-11-23T11:00:00Z",
                                       "sla_resolution": "2026-11-25T15:00:00Z"}


def test_after_a_warning_the_timer_moves_to_the_target_and_after_a_breach_it_ends() -> None:
    warned = _ticket(sla_alerts={"first_response": "warned"})
    assert ticket_timers(warned)["sla_first_response"] == "2026-11-23T12:00:00Z"
    breached = _ticket(sla_alerts={"first_response": "breached"})
    assert "sla_first_response" not in ticket_timers(breached)


def test_a_first_response_ends_its_sla_timer() -> None:
    assert "sla_first_response" not in ticket_timers(_ticket(first_response_at=RESOLVED))


def test_a_resolved_ticket_waits_for_the_reminder_only() -> None:
    assert ticket_timers(_resolved()) == {"approval_reminder": DUE}


def test_after_the_reminder_it_waits_for_auto_close() -> None:
    reminded = _resolved(reminder_sent_at=DUE, auto_close_at="2026-11-29T10:00:00Z")
    assert ticket_timers(reminded) == {"auto_close": "2026-11-29T10:00:00Z"}


def test_a_pause_stops_both_approval_timers() -> None:
    pause = AutoApprovalPause(at=RESOLVED, by="agent", reason="holiday")
    assert ticket_timers(_resolved(auto_approval_paused=pause)) == {}
    reminded = _resolved(auto_approval_paused=pause, reminder_sent_at=DUE,
                         auto_close_at="2026-11-29T10:00:00Z")
    assert ticket_timers(reminded) == {}


@pytest.mark.parametrize("status", ["closed", "open"])
def test_an_answered_ticket_waits_for_nothing_of_the_approval(status: str) -> None:
    timers = ticket_timers(_resolved(status=status))
    assert "approval_reminder" not in timers and "auto_close" not in timers


# --- steps --------------------------------------------------------------------------------


def test_a_timer_acts_only_when_due_and_still_wanted() -> None:
    ticket = _resolved()
    assert next_step(ticket, "approval_reminder", "2026-11-28T09:59:59Z") is None
    assert next_step(ticket, "approval_reminder", DUE).action == "remind"  # type: ignore[union-attr]
    assert next_step(_resolved(status="closed"), "approval_reminder", DUE) is None
    assert next_step(ticket, "auto_close", "2027-01-01T00:00:00Z") is None


def test_auto_close_step() -> None:
    reminded = _resolved(reminder_sent_at=DUE, auto_close_at="2026-11-29T10:00:00Z")
    step = next_step(reminded, "auto_close", "2026-11-29T10:00:00Z")
    assert step is not None and step.action == "auto_approve"
    assert next_step(reminded, "approval_reminder", "2026-12-01T00:00:00Z") is None


def test_sla_steps_warn_then_breach() -> None:
    step = next_step(_ticket(), "sla_resolution", "2026-11-25T15:00:00Z")
    assert step is not None and (step.action, step.target) == ("sla_warning", "resolution")
    warned = _ticket(sla_alerts={"resolution": "warned"})
    assert next_step(warned, "sla_resolution", "2026-11-25T15:30:00Z") is None
    step = next_step(warned, "sla_resolution", "2026-11-25T16:00:00Z")
    assert step is not None and step.action == "sla_breached"


def test_without_a_warning_time_the_target_breaches_directly() -> None:
    ticket = _ticket(first_response_warn_at=None)
    step = next_step(ticket, "sla_first_response", "2026-11-23T12:00:00Z")
    assert step is not None and step.action == "sla_breached"


def test_the_warning_comes_before_the_target_but_not_before_the_ticket() -> None:
    created = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    assert warn_at(created, "2026-11-23T12:00:00Z", 60) == "2026-11-23T11:00:00Z"
    assert warn_at(created, "2026-11-23T08:30:00Z", 60) == "2026-11-23T08:00:00Z"
    assert warn_at(created, "2026-11-23T12:00:00Z", 0) is None


# --- who hears what -------------------------------------------------------------------------

STAFF = {"agent", "admin", "owner", "staff_watcher"}


def _parties(assignee: str | None = "agent", watchers: tuple[str, ...] = ("cw", "staff_watcher"),
             owners: tuple[str, ...] = ("owner",)) -> notices.TicketParties:
    return notices.TicketParties(requester_id="carl", assignee_id=assignee, watchers=watchers,
                           queue_owners=owners, is_staff=lambda u: u in STAFF)


def _who(kind: str, data: dict[str, Any] | None = None, actor: str = "agent",
         siblings: tuple[str, ...] = (), parties: notices.TicketParties | None = None
         ) -> list[tuple[str, str, str | None]]:
    event = {"type": kind, "data": data or {}, "actor": actor}
    return [(x.kind, x.user_id, x.links)
            for x in notices.ticket_notices(event, (kind, *siblings), parties or _parties())]


def test_a_public_staff_comment_reaches_requester_and_watchers_not_the_author() -> None:
    assert _who("commented", {"internal": False}) == [
        ("ticket_commented", "carl", None), ("ticket_commented", "cw", None),
        ("ticket_commented", "staff_watcher", None)]


def test_a_customer_reply_also_reaches_the_assignee() -> None:
    who = _who("commented", {"internal": False}, actor="carl")
    assert ("ticket_commented", "agent", None) in who
    assert all(user != "carl" for _, user, _ in who)


def test_an_internal_comment_reaches_staff_only() -> None:
    who = _who("commented", {"internal": True}, actor="admin")
    assert {user for _, user, _ in who} == {"agent", "staff_watcher"}
    assert not notices.may_receive("ticket_commented", internal=True, user_is_staff=False)
    assert notices.may_receive("ticket_commented", internal=True, user_is_staff=True)


def test_resolution_asks_only_the_requester_with_links() -> None:
    who = _who("resolved", siblings=("status_changed",))
    assert ("ticket_resolved", "carl", "approval") in who
    assert ("ticket_resolved", "cw", None) in who
    # The status change of the same change is not told twice.
    assert _who("status_changed", {"to": "resolved"}, siblings=("resolved",)) == []


def test_the_reminder_and_the_closing_go_to_the_requester() -> None:
    assert _who("reminder_sent", actor="system") == [("approval_reminder", "carl", "approval")]
    closed = _who("auto_approved", actor="system", siblings=("status_changed",))
    assert closed == [("ticket_closed", "carl", "rating"), ("ticket_closed", "agent", None)]
    # The requester's own approval still brings the satisfaction question.
    assert _who("approved", actor="carl")[0] == ("ticket_closed", "carl", "rating")


def test_a_rejection_goes_to_the_assignee_or_else_the_queue_owners() -> None:
    assert _who("rejected", actor="carl") == [("ticket_rejected", "agent", None)]
    assert _who("rejected", actor="carl", parties=_parties(assignee=None)) == [
        ("ticket_rejected", "owner", None)]


def test_sla_alerts_go_to_the_assignee_or_else_the_queue_owners() -> None:
    assert _who("sla_warning", actor="system") == [("sla_warning", "agent", None)]
    assert _who("sla_breached", actor="system", parties=_parties(assignee=None)) == [
        ("sla_breached", "owner", None)]


def test_assignment_tells_the_new_assignee_unless_they_did_it() -> None:
    assert _who("assigned", {"to": "agent"}, actor="admin") == [
        ("ticket_assigned", "agent", None)]
    assert _who("assigned", {"to": "agent"}, actor="agent") == []


def test_a_staff_closing_asks_the_requester_for_a_rating() -> None:
    assert _who("status_changed", {"to": "closed"}, actor="agent")[0] == (
        "ticket_closed", "carl", "rating")
    assert _who("status_changed", {"to": "waiting_on_customer"}) == [
        ("ticket_status_changed", "carl", None), ("ticket_status_changed", "cw", None),
        ("ticket_status_changed", "staff_watcher", None)]


def test_events_without_a_rule_tell_nobody() -> None:
    assert _who("retyped") == [] and _who("priority_changed") == []


def test_contact_order_rules() -> None:
    assert [(x.kind, x.user_id) for x in notices.contact_order_notices(
        {"type": "assigned", "data": {"to": "agent"}, "actor": "admin"})] == [
        ("contact_order_assigned", "agent")]
    assert notices.contact_order_notices(
        {"type": "assigned", "data": {"to": "agent"}, "actor": "agent"}) == []
    assert [(x.kind, x.user_id) for x in notices.contact_order_notices(
        {"type": "booking_reminded", "data": {"assignee_id": "agent"}, "actor": "system"})] == [
        ("booking_reminder", "agent")]
    assert [x.kind for x in notices.contact_order_notices(
        {"type": "created", "data": {"assignee_id": "agent"}, "actor": "admin"})] == [
        "contact_order_assigned"]


def test_every_kind_has_templates() -> None:
    from chalicelib.notify.render import KINDS

    assert set(KINDS) == set(notices.KINDS)
