"""The training rules (chalicelib/domain/training.py) and the invitation's iCalendar: what a
session must say, when it refuses a signup and why, when a signup is reminded, and what
the sweep does with a reminder whose session was moved or cancelled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from chalicelib.domain import training as rules
from chalicelib.domain.errors import BusinessRuleViolation, Conflict, ErrorList, InvalidInput
from chalicelib.domain.models import utc_iso
from chalicelib.domain.training import Training, TrainingCreate, TrainingPatch
from chalicelib.services.training import render_invitation

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TOPIC = {"sv": "Logga in, fyll i, skicka", "fi": "Kirjaudu, täytä, lähetä",
         "en": "Log in, fill in, submit"}


def _create(**fields: Any) -> TrainingCreate:
    body = {"kind": "webinar", "topic": TOPIC, "audience": "supplier", "language": "sv",
            "starts_at": "2026-12-15T09:00:00Z", "duration_minutes": 45, "seats": 3,
            "join_url": "https://meet.example.com/j/1"} | fields
    return TrainingCreate.model_validate(body)


def _training(**fields: Any) -> Training:
    body = {"id": "T1", "kind": "webinar", "topic": TOPIC, "audience": "supplier",
            "language": "sv", "starts_at": "2026-12-15T09:00:00Z",
            "ends_at": "2026-12-15T09:45:00Z", "duration_minutes": 45, "seats": 3,
            "join_url": "https://meet.example.com/j/1", "created_by": "u1",
            "created_at": utc_iso(NOW), "updated_at": utc_iso(NOW)} | fields
    return Training.model_validate(body)


def _fields(exc: pytest.ExceptionInfo[ValidationError]) -> set[str]:
    return {str(e["loc"][-1]) if e["loc"] else "" for e in exc.value.errors()}


# --- what a session says ----------------------------------------------------------------


def test_a_one_to_one_slot_has_exactly_one_seat() -> None:
    assert _create(kind="one_to_one", seats=1).seats == 1
    assert TrainingCreate.model_validate({**_create().model_dump(mode="json"),
                                          "kind": "one_to_one", "seats": 1}).seats == 1
    with pytest.raises(ValidationError, match="exactly one seat"):
        _create(kind="one_to_one", seats=2)


def test_each_field_is_checked_and_named() -> None:
    with pytest.raises(ValidationError) as bad:
        _create(kind="course", audience="all", language="de", seats=0, duration_minutes=5,
                join_url="javascript:alert(1)", surprise=True)
    assert _fields(bad) >= {"kind", "audience", "language", "seats", "duration_minutes",
                            "join_url", "surprise"}
    with pytest.raises(ValidationError) as naive:
        _create(starts_at="2026-12-15T09:00:00")
    assert _fields(naive) == {"starts_at"}
    with pytest.raises(ValidationError, match="at least one of sv, fi, en"):
        _create(topic={})
    with pytest.raises(ValidationError) as too_many:
        _create(seats=rules.MAX_SEATS + 1)
    assert _fields(too_many) == {"seats"}
    with pytest.raises(ValidationError) as patch:
        TrainingPatch.model_validate({"audience": "buyer", "starts_at": "tomorrow"})
    assert _fields(patch) == {"audience", "starts_at"}


def test_a_session_is_published_into_the_next_two_years() -> None:
    for moment, problem in ((NOW, "must be in the future"),
                            (NOW - timedelta(days=1), "must be in the future"),
                            (NOW + timedelta(days=800), "must be within two years")):
        errors = ErrorList()
        rules.check_schedule(moment, NOW, errors)
        with pytest.raises(InvalidInput) as refused:
            errors.raise_if_any()
        assert [(e.loc, e.msg) for e in refused.value.errors] == [
            (("body", "starts_at"), problem)]
    fine = ErrorList()
    rules.check_schedule(NOW + timedelta(minutes=1), NOW, fine)
    fine.raise_if_any()


def test_the_view_counts_the_seats_left() -> None:
    shown = rules.view(_training(seats_taken=2), signed_up=True)
    assert (shown.seats_left, shown.signed_up) == (1, True)
    assert rules.view(_training(seats=2, seats_taken=2), False).seats_left == 0


def test_the_audience_is_the_organisations_kind() -> None:
    assert rules.audience_of("supplier") == "supplier"
    assert rules.audience_of("buyer") == "buyer"
    assert rules.audience_of("company") is None and rules.audience_of(None) is None


# --- signing up -------------------------------------------------------------------------


def test_a_signup_is_refused_naming_why() -> None:
    rules.check_open_for_signup(_training(seats_taken=2), NOW)
    with pytest.raises(rules.SessionFull, match="all 3 seats are taken"):
        rules.check_open_for_signup(_training(seats_taken=3), NOW)
    with pytest.raises(Conflict, match="its one seat is taken"):
        rules.check_open_for_signup(_training(kind="one_to_one", seats=1, seats_taken=1), NOW)
    with pytest.raises(Conflict, match="cancelled"):
        rules.check_open_for_signup(_training(status="cancelled"), NOW)
    with pytest.raises(BusinessRuleViolation, match="started"):
        rules.check_open_for_signup(_training(), datetime(2026, 12, 15, 9, 0, tzinfo=UTC))


def test_seats_never_go_below_the_signups() -> None:
    rules.check_seats_cover(3, 3)
    with pytest.raises(Conflict, match="3 have signed up"):
        rules.check_seats_cover(2, 3)


def test_a_signup_is_cancelled_before_the_start_only() -> None:
    rules.check_cancellable_signup(_training(), NOW)
    with pytest.raises(BusinessRuleViolation):
        rules.check_cancellable_signup(_training(), datetime(2026, 12, 16, tzinfo=UTC))


# --- the reminder -----------------------------------------------------------------------


def test_the_reminder_is_due_the_day_before_or_not_at_all() -> None:
    assert rules.reminder_due("2026-12-15T09:00:00Z", NOW) == "2026-12-14T09:00:00Z"
    # Signing up less than a day ahead: the invitation is reminder enough.
    assert rules.reminder_due("2026-12-02T08:00:00Z", NOW) is None


def test_the_sweep_sends_puts_off_or_drops_a_reminder() -> None:
    day_before = datetime(2026, 12, 14, 9, 5, tzinfo=UTC)
    due = "2026-12-14T09:00:00Z"
    assert rules.reminder_step(_training(), due, day_before) == "send"
    moved = _training(starts_at="2026-12-18T09:00:00Z")
    assert rules.reminder_step(moved, due, day_before) == "later"
    assert rules.reminder_step(_training(status="cancelled"), due, day_before) == "drop"
    assert rules.reminder_step(None, due, day_before) == "drop"
    started = datetime(2026, 12, 15, 9, 30, tzinfo=UTC)
    assert rules.reminder_step(_training(), due, started) == "drop"


# --- the invitation ---------------------------------------------------------------------


def test_the_invitation_parses_back_with_the_sessions_uid_times_and_topic() -> None:
    from icalendar import Calendar

    body = render_invitation(_training(version=3), "fi", "demo@mail.example", "Demo AB",
                             ("anna@example.test", "Anna"), NOW)
    calendar = Calendar.from_ical(body)
    assert str(calendar["METHOD"]) == "REQUEST"
    event = calendar.walk("VEVENT")[0]
    assert str(event["UID"]) == "training-T1@helpdesk" and int(event["SEQUENCE"]) == 2
    assert str(event["SUMMARY"]) == TOPIC["fi"]
    assert event.decoded("DTSTART") == datetime(2026, 12, 15, 9, 0, tzinfo=UTC)
    assert event.decoded("DTEND") == datetime(2026, 12, 15, 9, 45, tzinfo=UTC)
    assert str(event["ORGANIZER"]) == "mailto:demo@mail.example"
    assert event["ORGANIZER"].params["CN"] == "Demo AB"
    assert str(event["ATTENDEE"]) == "mailto:anna@example.test"
    assert str(event["URL"]) == "https://meet.example.com/j/1"
    assert str(event["STATUS"]) == "CONFIRMED"
    cancelled = Calendar.from_ical(render_invitation(
        _training(status="cancelled"), "en", "demo@mail.example", "Demo AB", None, NOW))
    assert str(cancelled["METHOD"]) == "CANCEL"
    assert "ATTENDEE" not in cancelled.walk("VEVENT")[0]


def test_a_topic_missing_in_a_language_falls_back() -> None:
    only_sv = _training(topic={"sv": "Kundutbildning"})
    assert rules.topic_in(only_sv, "en") == "Kundutbildning"
    assert rules.description_in(only_sv, "en") == ""


def test_the_relay_reads_a_table_shared_by_two_modules_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Trainings publish into the networks table's outbox: the relay must not read (and
    send) that outbox twice a run."""
    from chalicelib.jobs import relay
    from chalicelib.store import outbox

    read: list[str] = []
    monkeypatch.setattr(outbox, "tables", lambda: {"tickets": "t", "networks": "n",
                                                   "trainings": "n"})
    monkeypatch.setattr(outbox, "pending", lambda table, now: read.append(table) or iter(()))
    report = relay.relay(NOW, lambda: 60.0)
    assert sorted(read) == ["n", "t"] and report["read"] == 0


def test_who_hears_of_a_training_session() -> None:
    from chalicelib.domain.notifications import Notice, training_notices

    reminded = {"type": "training_reminded", "data": {"user_id": "u1"}}
    assert training_notices(reminded, ["u2"]) == [Notice("training_reminder", "u1")]
    for kind in ("training_moved", "training_cancelled"):
        assert training_notices({"type": kind, "actor": "staff1"}, ["u1", "u2", "u1"]) == [
            Notice("training_update", "u1"), Notice("training_update", "u2")]
    assert training_notices({"type": "training_created"}, ["u1"]) == []
