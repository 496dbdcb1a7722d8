"""What every use case that changes a versioned aggregate does the same way: honour
``If-Match``, tell a lost race apart from a stale read, refuse nulls for required fields,
retry a write that lost an optimistic race, and number new aggregates per tenant without
gaps."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

from chalicelib.domain.errors import (
    Conflict,
    DomainError,
    FieldError,
    InvalidInput,
    PreconditionFailed,
)
from chalicelib.domain.models import HistoryEvent
from chalicelib.services.context import Ctx
from chalicelib.store.counters import NumberTaken, claim_number, last_number
from chalicelib.store.dynamo import UnitOfWork

T = TypeVar("T")


def check_version(ctx: Ctx, current: int) -> None:
    if ctx.if_match is not None and ctx.if_match != current:
        raise PreconditionFailed(
            f"If-Match names version {ctx.if_match}, but the current version is {current}."
        )


def commit_versioned(ctx: Ctx, uow: UnitOfWork) -> None:
    """A lost race: 412 when the client named a version, 409 when it did not."""
    try:
        uow.commit()
    except PreconditionFailed as exc:
        if ctx.if_match is None:
            raise Conflict(exc.detail) from None
        raise


def refuse_nulls(changes: dict[str, Any], required: tuple[str, ...]) -> None:
    """A PATCH may leave out a required field, but not set it to null."""
    nulls = [k for k in required if k in changes and changes[k] is None]
    if nulls:
        raise InvalidInput("These fields cannot be null.",
                           [FieldError(("body", k), "must not be null", "null") for k in nulls])


def history_event(ctx: Ctx, kind: str, data: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A history entry of a change made by the caller, now (see ``HistoryEvent``)."""
    return {**HistoryEvent(id=ctx.new_id(), at=ctx.stamp, actor=ctx.principal.user_id,
                           actor_name=ctx.principal.record.get("name"), type=kind,
                           data=data).model_dump(mode="json"), **extra}


# A cap on one wait keeps a long run of lost races within the request's time.
MAX_RETRY_WAIT = 0.1


def retry_lost_races(action: Callable[[], T], lost: type[DomainError], *, attempts: int,
                     first_wait: float, gave_up: Callable[[], DomainError]) -> T:
    """Runs ``action`` (a read, then a conditional write) again while it raises ``lost``:
    another write got there first, so reading again and re-applying is right. Between
    attempts it waits a random time (jitter, so racers spread out) up to a bound that
    doubles from ``first_wait`` to at most ``MAX_RETRY_WAIT``; after ``attempts`` it
    raises ``gave_up()``."""
    for attempt in range(attempts):
        try:
            return action()
        except lost:
            if attempt == attempts - 1:
                break
            time.sleep(random.uniform(0, min(MAX_RETRY_WAIT, first_wait * 2**attempt)))
    raise gave_up() from None


def with_next_number(ctx: Ctx, table: str, counter: str, first: int,
                     build: Callable[[UnitOfWork, int], T]) -> T:
    """Commits ``build(uow, number)`` with the tenant's next number of ``counter``; the
    counter moves in the same transaction, so numbers have no gaps and no duplicates.
    When a concurrent create took the number, it reads the counter again and retries."""

    def attempt() -> T:
        previous = last_number(table, ctx.tenant, counter)
        number = (previous or first - 1) + 1
        uow = UnitOfWork()
        claim_number(uow, table, ctx.tenant, counter, previous, number)
        result = build(uow, number)
        uow.commit()
        return result

    return retry_lost_races(attempt, NumberTaken, attempts=25, first_wait=0.01,
                            gave_up=lambda: Conflict(
                                "Too many are being created at once; try again."))
