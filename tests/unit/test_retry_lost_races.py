"""The one retry helper of optimistic writes (``services/writes.py``): a lost race is
tried again after a jittered wait whose bound doubles up to a cap; other errors pass
through at once; after the last attempt the caller's own error is raised."""

from __future__ import annotations

import random
import time
from collections.abc import Callable

import pytest

from chalicelib.domain.errors import Conflict, NotFound, PreconditionFailed
from chalicelib.services import writes


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The upper bound of each wait (the jitter draws uniformly below it); no sleeping."""
    bounds: list[float] = []

    def uniform(low: float, high: float) -> float:
        bounds.append(high)
        return high

    monkeypatch.setattr(random, "uniform", uniform)
    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    return bounds


def _losing(times: int) -> tuple[list[int], Callable[[], str]]:
    calls: list[int] = []

    def action() -> str:
        calls.append(1)
        if len(calls) <= times:
            raise PreconditionFailed("another write won")
        return "written"

    return calls, action


def test_a_lost_race_is_tried_again_until_it_wins(waits: list[float]) -> None:
    calls, action = _losing(times=3)
    result = writes.retry_lost_races(action, PreconditionFailed, attempts=8, first_wait=0.02,
                                     gave_up=lambda: Conflict("busy"))
    assert result == "written" and len(calls) == 4
    assert waits == [0.02, 0.04, 0.08]


def test_the_wait_doubles_up_to_the_cap_and_the_last_loss_raises_the_callers_error(
    waits: list[float],
) -> None:
    calls, action = _losing(times=100)
    with pytest.raises(Conflict, match="busy"):
        writes.retry_lost_races(action, PreconditionFailed, attempts=6, first_wait=0.02,
                                gave_up=lambda: Conflict("busy"))
    assert len(calls) == 6
    assert waits == [0.02, 0.04, 0.08, writes.MAX_RETRY_WAIT, writes.MAX_RETRY_WAIT]


def test_an_error_that_is_not_a_lost_race_is_not_retried(waits: list[float]) -> None:
    calls: list[int] = []

    def action() -> str:
        calls.append(1)
        raise NotFound("gone")

    with pytest.raises(NotFound):
        writes.retry_lost_races(action, PreconditionFailed, attempts=8, first_wait=0.02,
                                gave_up=lambda: Conflict("busy"))
    assert calls == [1] and waits == []
