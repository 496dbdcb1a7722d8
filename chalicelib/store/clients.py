"""Lazily created, reused boto3 clients: nothing is created at import (cold start).

boto3 reads ``AWS_ENDPOINT_URL`` itself, which is how the local stack points every
client at moto.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from chalicelib.config import get_config


@cache
def _session() -> Any:
    import boto3  # imported here: the Lambda cold start pays for it only when used

    return boto3.session.Session(region_name=get_config().region)


@cache
def client(service: str) -> Any:
    from botocore.config import Config as BotoConfig

    return _session().client(
        service,
        config=BotoConfig(connect_timeout=3, read_timeout=10, retries={"max_attempts": 3}),
    )


@cache
def quick_client(service: str) -> Any:
    """For best-effort calls on a request's path after its write committed (the outbox's
    immediate send): fail fast, since a safety net (the relay) does the work later."""
    from botocore.config import Config as BotoConfig

    return _session().client(
        service,
        config=BotoConfig(connect_timeout=1, read_timeout=2, retries={"max_attempts": 1}),
    )


def reset_clients() -> None:
    """For tests that swap endpoints or credentials between cases."""
    client.cache_clear()
    quick_client.cache_clear()
    _session.cache_clear()
