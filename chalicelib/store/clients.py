"""Lazily created, reused boto3 clients: nothing is created at import (cold start).

boto3 reads ``AWS_ENDPOINT_URL`` itself, which is how the local stack points every
client at moto.

Every client retries in botocore's ``standard`` mode (``with_standard_retries``): it
retries throttling and transient errors with jittered backoff, where the default
``legacy`` mode retries fewer errors and without a retry quota.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from chalicelib.config import get_config


def with_standard_retries(config: Any = None) -> Any:
    """``config`` (a botocore ``Config``, or none) with ``retries.mode = "standard"``; its
    other settings, and the rest of its ``retries`` (e.g. ``max_attempts``), are kept."""
    from botocore.config import Config as BotoConfig

    base = config if config is not None else BotoConfig()
    retries = {**(base.retries or {}), "mode": "standard"}
    return base.merge(BotoConfig(retries=retries))


@cache
def _session() -> Any:
    import boto3  # imported here: the Lambda cold start pays for it only when used

    return boto3.session.Session(region_name=get_config().region)


def session() -> Any:
    """The one boto3 session every client here comes from. The local stack registers its
    engine's event handlers on it (``local.dynamodb_local.wait_for_commits``) before the
    first client is made, since a client keeps the handlers its session had then."""
    return _session()


@cache
def client(service: str) -> Any:
    from botocore.config import Config as BotoConfig

    return _session().client(
        service,
        config=with_standard_retries(
            BotoConfig(connect_timeout=3, read_timeout=10, retries={"max_attempts": 3})),
    )


@cache
def quick_client(service: str) -> Any:
    """For best-effort calls on a request's path after its write committed (the outbox's
    immediate send): fail fast, since a safety net (the relay) does the work later."""
    from botocore.config import Config as BotoConfig

    return _session().client(
        service,
        config=with_standard_retries(
            BotoConfig(connect_timeout=1, read_timeout=2, retries={"max_attempts": 1})),
    )


@cache
def connections_client() -> Any:
    """API Gateway's management API for the chat's WebSocket connections (issue 18), at
    ``CHAT_PUSH_ENDPOINT``: on a chat's path, so it fails fast (a push is best effort; the
    history has every message)."""
    from botocore.config import Config as BotoConfig

    return _session().client(
        "apigatewaymanagementapi", endpoint_url=get_config().chat_push_endpoint,
        config=with_standard_retries(
            BotoConfig(connect_timeout=2, read_timeout=5, retries={"max_attempts": 2})))


def reset_clients() -> None:
    """For tests that swap endpoints or credentials between cases."""
    client.cache_clear()
    quick_client.cache_clear()
    connections_client.cache_clear()
    _session.cache_clear()
