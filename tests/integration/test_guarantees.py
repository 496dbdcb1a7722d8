"""Properties that hold for every request: no lost updates (moto's in-process mock
does not make conditional writes atomic across threads, so the race is staged), a bounded number of
DynamoDB reads (no Scan) whatever the table holds, no AWS work at import, and no route
without an explicit permission."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from chalice import Blueprint, Chalice

from chalicelib.api.routing import check_every_route_guarded
from chalicelib.store.clients import client
from tests.integration.api_client import Api
from tests.integration.tenants import module_tenants

TENANTS = module_tenants(__name__)
TENANT, OTHER_TENANT = TENANTS

ADMIN = f"admin@{TENANT}.test"


def test_a_writer_holding_a_stale_version_cannot_overwrite(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two editors read version 1; the second one to write is refused (409 without
    If-Match, 412 with it), and the first one's change stands."""
    from chalicelib.services import directory as svc

    org = api.call("POST", "/organizations", {"name": f"Race {uuid.uuid4().hex[:6]}"},
                   as_user=ADMIN).body
    stale = svc.get_organization  # what the slower editor read before the first one wrote
    snapshot = {}

    def read_once_then_stale(ctx: object, org_id: str) -> object:
        if org_id not in snapshot:
            snapshot[org_id] = stale(ctx, org_id)  # type: ignore[arg-type]
        return snapshot[org_id]

    first = api.call("PATCH", f"/organizations/{org['id']}", {"name": "First"}, as_user=ADMIN)
    assert first.status == 200 and first.body["version"] == 2
    monkeypatch.setattr(svc, "get_organization", read_once_then_stale)
    snapshot[org["id"]] = svc.domain.Organization.model_validate(org)  # version 1
    second = api.call("PATCH", f"/organizations/{org['id']}", {"name": "Second"}, as_user=ADMIN)
    assert second.status == 409
    with_etag = api.call("PATCH", f"/organizations/{org['id']}", {"name": "Third"},
                         as_user=ADMIN, headers={"If-Match": '"1"'})
    assert with_etag.status == 412
    monkeypatch.undo()
    final = api.call("GET", f"/organizations/{org['id']}", as_user=ADMIN).body
    assert (final["name"], final["version"]) == ("First", 2)


@contextmanager
def dynamodb_calls() -> Iterator[Counter[str]]:
    calls: Counter[str] = Counter()
    events = client("dynamodb").meta.events

    def count(model: object, **_: object) -> None:
        calls[model.name] += 1  # type: ignore[attr-defined]

    events.register("before-call.dynamodb", count)
    try:
        yield calls
    finally:
        events.unregister("before-call.dynamodb", count)


READS = [
    "/me", "/settings", "/roles", "/users", "/organizations", "/organizations?q=acme",
    "/organizations/{org}", "/organizations/{org}/contacts", "/organizations/{org}/sites",
    "/organizations/{org}/service-objects", "/notifications",
]


def _budget(api: Api, org_id: str) -> dict[str, Counter[str]]:
    spent = {}
    for path in READS:
        with dynamodb_calls() as calls:
            answer = api.call("GET", path.format(org=org_id), as_user=ADMIN)
        assert answer.status == 200, (path, answer.body)
        spent[path] = calls
    return spent


def test_every_directory_read_is_a_few_gets_and_queries_whatever_the_table_holds(
    api: Api,
) -> None:
    org = api.call("POST", "/organizations", {"name": "Budget AB"}, as_user=ADMIN).body
    api.token(ADMIN)
    small = _budget(api, org["id"])
    for i in range(40):
        api.call("POST", "/organizations", {"name": f"Filler {i}"}, as_user=ADMIN)
        api.call("POST", f"/organizations/{org['id']}/contacts", {"name": f"C {i}"},
                 as_user=ADMIN)
    large = _budget(api, org["id"])
    for path in READS:
        assert set(large[path]) <= {"GetItem", "Query"}, (path, large[path])
        assert sum(large[path].values()) <= 4, (path, large[path])
        assert large[path] == small[path], path  # does not grow with the table


def test_importing_the_app_creates_no_aws_client() -> None:
    probe = (
        "import sys, app\n"
        "from chalicelib.store.clients import client\n"
        "assert client.cache_info().currsize == 0, 'a client was created at import'\n"
        "assert 'boto3' not in sys.modules, 'boto3 was imported at import time'\n"
    )
    subprocess.run([sys.executable, "-c", probe], check=True, timeout=60)


def test_importing_the_app_builds_no_model() -> None:
    """The cold start: every model builds its validator when first used (``defer_build``);
    a route's page answer is named with ``PageOf``, since a parametrized generic builds at
    once. /openapi.json then builds them all, as a request would."""
    probe = (
        "import app\n"
        "from pydantic import BaseModel\n"
        "def every(cls):\n"
        "    for sub in cls.__subclasses__():\n"
        "        yield sub\n"
        "        yield from every(sub)\n"
        "built = sorted({m.__qualname__ for m in every(BaseModel)\n"
        "                if m.__module__.startswith('chalicelib') and m.__pydantic_complete__})\n"
        "assert built == [], built\n"
        "from chalicelib.api.openapi import build_spec\n"
        "assert '/tickets' in build_spec()['paths']\n"
        "from chalicelib.api.schemas import ItemsPage\n"
        "assert ItemsPage.__pydantic_complete__\n"
    )
    subprocess.run([sys.executable, "-c", probe], check=True, timeout=60)


def test_a_route_without_an_explicit_permission_stops_the_app() -> None:
    unguarded = Chalice(app_name="unguarded")
    bp = Blueprint(__name__)

    @bp.route("/sneaky")
    def sneaky() -> dict[str, str]:
        return {}

    unguarded.register_blueprint(bp)
    with pytest.raises(RuntimeError, match="GET /sneaky has no explicit permission"):
        check_every_route_guarded(unguarded)


def test_when_the_database_is_down_health_says_degraded_and_requests_say_503(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    from botocore.exceptions import EndpointConnectionError

    token = api.token(ADMIN)
    assert api.call("GET", "/health").body["status"] == "ok"
    ddb = client("dynamodb")

    def down(*_: object, **__: object) -> None:
        raise EndpointConnectionError(endpoint_url="https://dynamodb.eu-west-1.amazonaws.com")

    monkeypatch.setattr(ddb, "get_item", down)
    monkeypatch.setattr(ddb, "query", down)
    health = api.call("GET", "/health")
    assert health.status == 503 and health.body["status"] == "degraded"
    assert health.body["components"]["database"]["status"] == "degraded"
    assert health.body["components"]["notifications_dlq"]["status"] == "ok"
    answer = api.call("GET", "/settings", headers={"Authorization": f"Bearer {token}"})
    assert answer.status == 503
    assert answer.headers["content-type"] == "application/problem+json"
