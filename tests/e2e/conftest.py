"""One local stack shared by the e2e tests of a run (tests that restart a stack start
their own)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.stack import Stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = Stack(state_dir=Path(tmp_path_factory.mktemp("stack"))).start()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def tokens(stack: Stack) -> dict[str, str]:
    """A token per demo user: ``admin@demo.test`` and so on."""
    return {
        f"{who}@{tenant}.test": stack.login(f"{who}@{tenant}.test")
        for tenant in ("demo", "other")
        for who in ("admin", "agent", "customer")
    }
