"""Services and handlers on moto's in-process mock: the tables, queues, buckets and user
pool come from ``infra/resources.yaml`` through the same bootstrap as the local stack.

A run bootstraps them once (``shared_moto``); each module that declares ``TENANTS``
(``tests/integration/tenants.py``) works in tenants of its own in those shared resources
(``TENANTS = ()``: none seeded, the module writes keys of its own): the user pool, the
queues, the buckets and the sent mail are the run's. Only the tables are new for each
module: moto answers a Query on an index by reading every item of the table, so tables
that every module filled would make each later module slower.
A module without ``TENANTS`` gets resources of its own, bootstrapped for it and seeded
with ``demo`` and ``other`` as before, its tables on DynamoDB Local: ``test_lifecycle.py``,
whose DLQ test counts what the run's one dead-letter queue holds.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import boto3
import pytest
import requests
from chalice.test import Client
from moto import mock_aws

from app import app
from chalicelib.api import health
from chalicelib.config import get_config
from chalicelib.identity.verifier import use_jwks
from chalicelib.store.clients import reset_clients
from local.bootstrap import LocalResources, create_resources, create_tables
from local.events import EventRunner
from local.moto_fidelity import make_moto_faithful
from local.outbox import ACCOUNT, LocalOutbox
from local.seed import seed, seed_tenant
from tests.integration.api_client import PASSWORD, Api
from tests.integration.moto_world import SetAside, bring_back, set_aside
from tests.integration.on_engine import engine  # noqa: F401  (a fixture: DynamoDB Local)
from tests.integration.tenants import TenantPair

# How many SES messages were sent before a module's tenants were seeded: its ``mail``
# lists only what came after (another module's mail is not its business).
SENT_BEFORE = pytest.StashKey[int]()


def _reset_caches() -> None:
    get_config.cache_clear()
    reset_clients()
    health.probes.queue_url.cache_clear()


@contextmanager
def _app_on(resources: LocalResources) -> Iterator[None]:
    """The app's environment names ``resources`` (and moto answers the pool's JWKS
    address as AWS would) until the block ends."""
    saved = dict(os.environ)
    os.environ.update(resources.env())
    _reset_caches()
    use_jwks(lambda: requests.get(resources.jwks_url, timeout=5).json())
    try:
        yield
    finally:
        use_jwks(None)
        os.environ.clear()
        os.environ.update(saved)
        _reset_caches()


@dataclass
class SharedMoto:
    resources: LocalResources
    world: SetAside


@pytest.fixture(scope="session")
def shared_moto() -> Iterator[SharedMoto]:
    """The run's one bootstrap of ``infra/resources.yaml`` on moto, set aside between the
    modules that use it (``tests/integration/moto_world.py``)."""
    make_moto_faithful()
    mock = mock_aws()
    mock.start()
    try:
        resources = create_resources(None)
    finally:
        mock.stop(remove_data=False)
    shared = SharedMoto(resources, set_aside())
    yield shared
    bring_back(shared.world)
    mock.start(reset=False)
    mock.stop()  # the outermost stop: moto's state is dropped


@pytest.fixture(scope="module")
def local_resources(request: pytest.FixtureRequest) -> Iterator[LocalResources]:
    """The AWS resources a module's tests run on, mocked and configured for the app, with
    the module's tenants seeded (``PASSWORD`` for every user)."""
    tenants: TenantPair | tuple[()] | None = getattr(request.module, "TENANTS", None)
    make_moto_faithful()
    if tenants is None:
        yield from _own_resources(request.getfixturevalue("dynamodb_local"))
        return
    shared: SharedMoto = request.getfixturevalue("shared_moto")
    bring_back(shared.world)
    mock = mock_aws()
    mock.start(reset=False)
    try:
        from moto.ses.models import ses_backends

        sent = ses_backends[ACCOUNT][shared.resources.region].sent_messages
        request.node.stash[SENT_BEFORE] = len(sent)
        _empty_tables(shared.resources.region)
        with _app_on(shared.resources):
            for tenant, like in zip(tenants, ("demo", "other"), strict=False):
                seed_tenant(tenant, PASSWORD, like=like)
            yield shared.resources
    finally:
        mock.stop(remove_data=False)
        shared.world = set_aside()


def _empty_tables(region: str) -> None:
    """The template's tables, dropped and made again, empty (about a second under load)."""
    dynamodb = boto3.client("dynamodb", region_name=region)
    for name in dynamodb.list_tables()["TableNames"]:
        dynamodb.delete_table(TableName=name)
    create_tables(dynamodb, region=region)


def _own_resources(dynamodb_local: str) -> Iterator[LocalResources]:
    """Resources bootstrapped for one module alone (the shared ones are set aside
    between modules, so ``mock_aws`` starts from an empty moto and drops this one after),
    its tables fresh on the run's DynamoDB Local. Why not moto's tables: a sweep far ahead
    of the clock does every due timer of the module's earlier tests, and each write of
    moto's copies whole tables, so the module took ten times longer in some test orders."""
    with mock_aws(), pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_ENDPOINT_URL_DYNAMODB", dynamodb_local)
        engine = boto3.client("dynamodb", region_name="eu-west-1", endpoint_url=dynamodb_local)
        for name in engine.list_tables()["TableNames"]:
            engine.delete_table(TableName=name)
        resources = create_resources(None, dynamodb_endpoint_url=dynamodb_local)
        with _app_on(resources):
            seed(PASSWORD)
            yield resources


@pytest.fixture(scope="module")
def api(local_resources: LocalResources) -> Iterator[Api]:
    with Client(app, stage_name="local") as client:
        yield Api(client)


@pytest.fixture(scope="module")
def runner(local_resources: LocalResources) -> EventRunner:
    """The local stack's clock: ``runner.tick(now)`` is ``POST /_local/tick``."""
    region = local_resources.region
    return EventRunner(app=app, region=region, sqs=boto3.client("sqs", region_name=region),
                       s3=boto3.client("s3", region_name=region))


@pytest.fixture(scope="module")
def mail(local_resources: LocalResources, request: pytest.FixtureRequest) -> LocalOutbox:
    """The mail sent so far in this module's resources and tenants (``GET /_local/outbox``)."""
    return LocalOutbox(local_resources.user_pool_id, local_resources.region,
                       skip_sent=request.node.stash.get(SENT_BEFORE, 0))
