"""What the concurrency tests on DynamoDB Local share (moto's mock applies conditional writes
without a lock, see tests/integration/test_store_engines.py): the app's tables on the engine
with the rest on moto, a staff context with every right, and actions started at the same
moment on threads."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from moto import mock_aws

from chalicelib.api import health
from chalicelib.config import get_config
from chalicelib.domain.permissions import Permission
from chalicelib.domain.principal import Principal
from chalicelib.services.context import Ctx
from chalicelib.store.clients import reset_clients
from local.bootstrap import create_resources


def _reset_caches() -> None:
    get_config.cache_clear()
    reset_clients()
    health.probes.queue_url.cache_clear()


@pytest.fixture(scope="module")
def engine(dynamodb_local: str) -> Iterator[str]:
    """The app's tables on the run's DynamoDB Local, S3, SQS and the rest on moto."""
    with mock_aws(), pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_ENDPOINT_URL_DYNAMODB", dynamodb_local)
        resources = create_resources(None, dynamodb_endpoint_url=dynamodb_local)
        for name, value in resources.env().items():
            env.setenv(name, value)
        _reset_caches()
        try:
            yield dynamodb_local
        finally:
            _reset_caches()
    _reset_caches()


def staff(tenant: str) -> Ctx:
    principal = Principal(tenant=tenant, user_id="system", email="system@localhost",
                          roles=("admin",), permissions=frozenset(p.value for p in Permission),
                          kind="staff", organization_id=None, language="en",
                          record={"name": "System"})
    return Ctx(principal, datetime.now(UTC))


def at_once(actions: list[Callable[[], Any]]) -> tuple[list[Any], list[BaseException]]:
    """Runs the actions on threads released together: what they returned, what they
    raised."""
    start = threading.Barrier(len(actions))
    done: list[Any] = []
    failed: list[BaseException] = []

    def run(action: Callable[[], Any]) -> None:
        try:
            start.wait(timeout=30)
            done.append(action())
        except BaseException as exc:  # counted by the caller
            failed.append(exc)

    threads = [threading.Thread(target=run, args=(a,)) for a in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return done, failed
