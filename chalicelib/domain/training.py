"""Training (seed 000: "Kundutbildning", "Utbildning för inköpare / för leverantörer", the
buyer's "personlig utbildningssession"): staff publish webinars and one-to-one slots, the
users of supplier and buyer organisations sign up, get an iCalendar invitation and a
reminder the day before (pure: no I/O, no clock; ``now`` is passed in).

A session's ``seats_taken`` is a counter kept by conditional writes (``store/training.py``),
outside the session's ``version``: a signup does not make a staff member's ``If-Match``
stale, and a staff change never overwrites the counter.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal, Self

from pydantic import Field, StringConstraints, field_validator, model_validator

from chalicelib.domain.errors import BusinessRuleViolation, Conflict, ErrorList
from chalicelib.domain.models import Command, Id, Language, Model, Record, utc_iso
from chalicelib.domain.networks import LocalText, in_language

TrainingKind = Literal["webinar", "one_to_one"]
Audience = Literal["supplier", "buyer"]
TrainingStatus = Literal["scheduled", "cancelled"]
JoinUrl = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500,
                                           pattern=r"^https://[^\s<>\"]+$")]

MAX_SEATS = 500
MAX_MINUTES = 8 * 60
# Sessions are published this far ahead at most (a typo in the year is caught).
MAX_AHEAD = timedelta(days=2 * 365)
REMINDER_BEFORE = timedelta(days=1)


def parse_time(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp)


class _Times(Command):
    @field_validator("starts_at", check_fields=False)
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("give the time with its offset, e.g. 2026-12-03T09:00:00Z")
        return value


class TrainingCreate(_Times):
    kind: TrainingKind
    topic: LocalText
    description: LocalText | None = None
    audience: Audience
    language: Language
    starts_at: datetime
    duration_minutes: int = Field(ge=15, le=MAX_MINUTES)
    seats: int = Field(default=1, ge=1, le=MAX_SEATS, description="1 for a one-to-one slot")
    network_id: Id | None = None
    join_url: JoinUrl

    @model_validator(mode="after")
    def _one_to_one_has_one_seat(self) -> Self:
        check_seats(self.kind, self.seats)
        return self


class TrainingPatch(_Times):
    topic: LocalText | None = None
    description: LocalText | None = None
    language: Language | None = None
    starts_at: datetime | None = None
    duration_minutes: int | None = Field(default=None, ge=15, le=MAX_MINUTES)
    seats: int | None = Field(default=None, ge=1, le=MAX_SEATS)
    network_id: Id | None = None
    join_url: JoinUrl | None = None


def check_seats(kind: str, seats: int) -> None:
    if kind == "one_to_one" and seats != 1:
        raise ValueError("a one-to-one session has exactly one seat")


class Training(Record):
    id: str
    kind: TrainingKind
    topic: dict[str, str | None]
    description: dict[str, str | None] | None = None
    audience: Audience
    language: Language
    starts_at: str
    ends_at: str
    duration_minutes: int
    seats: int
    seats_taken: int = 0
    network_id: str | None = None
    join_url: str
    status: TrainingStatus = "scheduled"
    created_by: str
    created_at: str
    updated_at: str
    cancelled_at: str | None = None


class TrainingView(Training):
    """A session as its reader sees it: the seats left, and whether they signed up."""

    seats_left: int
    signed_up: bool = False


class Signup(Model):
    training_id: str
    user_id: str
    user_name: str | None = None
    email: str | None = None
    organization_id: str | None = None
    signed_up_at: str
    reminded_at: str | None = None
    # The user's invitation (``GET`` it with their token): ``text/calendar``.
    invitation_path: str


def ends_at(starts_at: datetime, duration_minutes: int) -> datetime:
    return starts_at + timedelta(minutes=duration_minutes)


def check_schedule(starts_at: datetime, now: datetime, errors: ErrorList) -> None:
    """A session is published, or moved, into the future, and not years ahead."""
    if starts_at <= now:
        errors.add(("body", "starts_at"), "must be in the future")
    elif starts_at - now > MAX_AHEAD:
        errors.add(("body", "starts_at"), "must be within two years")


def view(training: Training, signed_up: bool) -> TrainingView:
    return TrainingView(**training.model_dump(),
                        seats_left=max(0, training.seats - training.seats_taken),
                        signed_up=signed_up)


def audience_of(organization_kind: str | None) -> Audience | None:
    """A portal user's audience is their organisation's kind; other kinds have none."""
    if organization_kind == "supplier":
        return "supplier"
    if organization_kind == "buyer":
        return "buyer"
    return None


def check_open_for_signup(training: Training, now: datetime) -> None:
    """Why a signup is refused, named: cancelled, started, or full (409: the session's
    state, not the request, is in the way)."""
    if training.status == "cancelled":
        raise Conflict("The session was cancelled; choose another one.")
    if parse_time(training.starts_at) <= now:
        raise BusinessRuleViolation("The session has started already; choose another one.")
    if training.seats_taken >= training.seats:
        raise SessionFull(training.seats)


def check_cancellable_signup(training: Training, now: datetime) -> None:
    if parse_time(training.starts_at) <= now:
        raise BusinessRuleViolation("The session has started; the signup stays.")


def check_seats_cover(seats: int, taken: int) -> None:
    if seats < taken:
        raise Conflict(f"{taken} have signed up already; seats cannot go below that.")


def reminder_due(starts_at: str, now: datetime) -> str | None:
    """When a signup is reminded: a day before the start, or never when that moment has
    passed already (who signs up the day before has just had the invitation)."""
    due = parse_time(starts_at) - REMINDER_BEFORE
    return utc_iso(due) if due > now else None


ReminderStep = Literal["send", "later", "drop"]


def reminder_step(training: Training | None, due_at: str, now: datetime) -> ReminderStep:
    """What the sweep does with a signup's reminder that came due: the session may have
    been cancelled or moved since the signup was written."""
    if training is None or training.status == "cancelled":
        return "drop"
    if parse_time(training.starts_at) <= now:
        return "drop"
    if parse_time(training.starts_at) - REMINDER_BEFORE > now:
        return "later"
    return "send"


def topic_in(training: Training, language: str) -> str:
    return in_language(training.topic, language)


def description_in(training: Training, language: str) -> str:
    return in_language(training.description, language) if training.description else ""


class SessionFull(Conflict):
    def __init__(self, seats: int) -> None:
        noun = "seat is" if seats == 1 else f"{seats} seats are"
        super().__init__(f"The session is full: {'its one' if seats == 1 else 'all'} "
                         f"{noun} taken. Choose another session.")
