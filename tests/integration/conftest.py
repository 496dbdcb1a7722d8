"""Services and handlers on moto's in-process mock: the tables, queues, buckets and user
pool come from ``infra/resources.yaml`` through the same bootstrap as the local stack."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from chalice.test import Client
from moto import mock_aws

from app import app
from chalicelib.api import health
from chalicelib.config import get_config
from chalicelib.identity.verifier import use_jwks
from chalicelib.store.clients import reset_clients
from local.bootstrap import LocalResources, create_resources
from local.events import EventRunner
from local.moto_fidelity import make_moto_faithful
from local.outbox import LocalOutbox
from local.seed import seed

PASSWORD = "Demo-password-1"


def _reset_caches() -> None:
    get_config.cache_clear()
    reset_clients()
    health.probes.queue_url.cache_clear()


@pytest.fixture(scope="module")
def aws() -> Iterator[LocalResources]:
    make_moto_faithful()
    with mock_aws():
        resources = create_resources(None)
        saved = dict(os.environ)
        os.environ.update(resources.env())
        _reset_caches()
        # moto's mock answers the JWKS address of the pool as AWS would.
        use_jwks(lambda: requests.get(resources.jwks_url, timeout=5).json())
        seed(PASSWORD)
        yield resources
        use_jwks(None)
        os.environ.clear()
        os.environ.update(saved)
        _reset_caches()


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: Any


class Api:
    """``chalice.test.Client`` with JSON in and out and the demo users' tokens."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self._tokens: dict[str, str] = {}

    def token(self, email: str, password: str = PASSWORD) -> str:
        if email not in self._tokens:
            answer = self.call("POST", "/auth/login", {"email": email, "password": password})
            assert answer.status == 200, answer.body
            self._tokens[email] = answer.body["token"]
        return self._tokens[email]

    def call(self, method: str, path: str, body: Any = None, *, as_user: str | None = None,
             headers: dict[str, str] | None = None, raw: bytes | str | None = None) -> Answer:
        sent = dict(headers or {})
        if as_user:
            sent["Authorization"] = f"Bearer {self.token(as_user)}"
        payload: bytes | str | None = raw
        if body is not None:
            payload = json.dumps(body)
            sent.setdefault("Content-Type", "application/json")
        response = self.client.http.request(method, path, headers=sent, body=payload or b"")
        text = response.body.decode() if response.body else ""
        return Answer(response.status_code, {k.lower(): v for k, v in response.headers.items()},
                      json.loads(text) if text else None)


@pytest.fixture(scope="module")
def api(aws: LocalResources) -> Iterator[Api]:
    with Client(app, stage_name="local") as client:
        yield Api(client)


@pytest.fixture(scope="module")
def runner(aws: LocalResources) -> EventRunner:
    """The local stack's clock: ``runner.tick(now)`` is ``POST /_local/tick``."""
    import boto3

    region = aws.region
    return EventRunner(app=app, region=region, sqs=boto3.client("sqs", region_name=region),
                       s3=boto3.client("s3", region_name=region))


@pytest.fixture(scope="module")
def mail(aws: LocalResources) -> LocalOutbox:
    """The mail sent so far (``GET /_local/outbox``)."""
    return LocalOutbox(aws.user_pool_id, aws.region)
