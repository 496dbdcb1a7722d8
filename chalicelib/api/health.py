"""``GET /health`` (the status page's data) and ``GET /openapi.json``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from chalice.app import Blueprint

from chalicelib.api.routing import PUBLIC, Call, Reply, route
from chalicelib.config import get_config
from chalicelib.domain.models import Model
from chalicelib.store import health as probes


class Component(Model):
    status: Literal["ok", "degraded"]
    detail: str = ""
    depth: int | None = None


class Health(Model):
    status: Literal["ok", "degraded"]
    stage: str
    components: dict[str, Component]


bp = Blueprint(__name__)


def _database() -> Component:
    probes.read_database()
    return Component(status="ok")


def _dead_letters(name: str) -> Component:
    depth = probes.waiting_messages(name)
    return Component(status="ok", depth=depth,
                     detail="messages waiting for `make redrive`" if depth else "")


def _probe(check: Callable[[], Component]) -> Component:
    try:
        return check()
    except Exception as exc:  # a health check reports, it never fails the request
        return Component(status="degraded", detail=type(exc).__name__)


def probe_components() -> dict[str, Component]:
    """Each probe's answer; the status page (api/status.py) reads the same."""
    config = get_config()
    return {
        "database": _probe(_database),
        "notifications_dlq": _probe(lambda: _dead_letters(config.notifications_dlq)),
        "inbound_mail_dlq": _probe(lambda: _dead_letters(config.inbound_mail_dlq)),
    }


@route(bp, "GET", "/health", guard=PUBLIC, tag="meta", response=Health, errors=(),
       summary="Service status for the status page")
def health(call: Call) -> Reply:
    components = probe_components()
    degraded = any(c.status != "ok" for c in components.values())
    answer = Health(status="degraded" if degraded else "ok", stage=get_config().stage,
                    components=components)
    return Reply(answer, status=503 if degraded else 200)


@route(bp, "GET", "/openapi.json", guard=PUBLIC, tag="meta", response={"type": "object"},
       summary="This API's OpenAPI 3.1 description")
def openapi(call: Call) -> dict[str, Any]:
    from chalicelib.api.openapi import build_spec

    return build_spec()
