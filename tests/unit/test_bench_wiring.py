"""The bench's own wiring into the app: what it resets between runs still exists (a
refactoring once renamed a cache the bench clears, and ``make bench`` failed at its start)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.unit


def test_the_benches_reset_what_the_app_caches() -> None:
    from bench import stack, tickets

    tickets._reset_caches()
    stack._reset_clients()
