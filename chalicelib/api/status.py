"""The status page (issue 17, item 9), as in the "Help center and status page" part of the
API contract: the public page per tenant, staff's incidents and components, and the
public e-mail subscriptions (double opt-in, unsubscribe without login)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from chalice.app import Blueprint

from chalicelib.api.certificates import LanguageQuery
from chalicelib.api.health import probe_components
from chalicelib.api.routing import PUBLIC, Call, Reply, route
from chalicelib.domain import status
from chalicelib.domain.models import HistoryEvent, Model
from chalicelib.domain.permissions import Permission
from chalicelib.services import status as svc

bp = Blueprint(__name__)

TAG = "status"
MANAGE = Permission.STATUS_MANAGE
TENANT_PATH = {"tenant": r"^[a-z0-9][a-z0-9-]{1,62}$"}


# A public page anyone may reload: the probes (a DynamoDB read, two SQS calls) run at most
# once per this many seconds per warm Lambda, so reloads cost no more than /health does.
PROBE_SECONDS = 30.0
_last_probe: tuple[float, dict[str, str]] | None = None


def _probes() -> dict[str, str]:
    """``/health``'s own probes, each ``ok`` or ``degraded``."""
    global _last_probe
    now = time.monotonic()
    if _last_probe is None or now - _last_probe[0] >= PROBE_SECONDS:
        _last_probe = (now, {name: c.status for name, c in probe_components().items()})
    return _last_probe[1]


def forget_probes() -> None:
    """The next page probes again (tests change what the probes see)."""
    global _last_probe
    _last_probe = None


@route(bp, "GET", "/status/{tenant}", guard=PUBLIC, tag=TAG, query=LanguageQuery,
       response=status.StatusPage, errors=(404,), path_patterns=TENANT_PATH,
       summary="Public: components with their state, and the incidents of the last 90 days")
def status_page(call: Call) -> status.StatusPage:
    return svc.status_page(call.params["tenant"], call.query.lang, _probes(),
                           datetime.now(UTC))


# --- subscriptions (public) ---------------------------------------------------------------


class Accepted(Model):
    accepted: bool
    detail: str


@route(bp, "POST", "/status/{tenant}/subscriptions", guard=PUBLIC, tag=TAG,
       body=status.SubscribeBody, response=Accepted, status=202, errors=(404, 429),
       path_patterns=TENANT_PATH,
       summary="Public: e-mail me of incidents; mails a confirmation link (double opt-in). "
               "The same answer whether the address was known or not")
def subscribe(call: Call) -> Reply:
    return Reply(svc.subscribe(call.params["tenant"], call.body, call.source_ip,
                               datetime.now(UTC)), status=202)


class Confirmed(Model):
    confirmed: bool


@route(bp, "POST", "/status/{tenant}/subscriptions/confirm", guard=PUBLIC, tag=TAG,
       body=status.TokenBody, response=Confirmed, errors=(410,), path_patterns=TENANT_PATH,
       summary="Public: confirm a subscription with the mailed token")
def confirm(call: Call) -> dict[str, Any]:
    return svc.confirm(call.params["tenant"], call.body.token, datetime.now(UTC))


class Unsubscribed(Model):
    unsubscribed: bool


@route(bp, "POST", "/status/{tenant}/subscriptions/unsubscribe", guard=PUBLIC, tag=TAG,
       body=status.TokenBody, response=Unsubscribed, path_patterns=TENANT_PATH,
       summary="Public: stop the mails, with the token of any mail's unsubscribe link")
def unsubscribe(call: Call) -> dict[str, Any]:
    return svc.unsubscribe(call.params["tenant"], call.body.token)


# --- incidents (staff) --------------------------------------------------------------------


@route(bp, "POST", "/incidents", guard=MANAGE, tag=TAG, body=status.IncidentCreate,
       response=status.Incident, status=201, idempotent=True,
       summary="An incident: title, affected components, impact, its first update")
def create_incident(call: Call) -> Reply:
    incident = svc.create_incident(call.ctx, call.body)
    return Reply(incident, status=201, version=incident.version)


@route(bp, "GET", "/incidents/{id}", guard=MANAGE, tag=TAG, response=status.Incident,
       summary="One incident with its updates")
def get_incident(call: Call) -> Reply:
    incident = svc.get_incident(call.ctx, call.params["id"])
    return Reply(incident, version=incident.version)


@route(bp, "PATCH", "/incidents/{id}", guard=MANAGE, tag=TAG, body=status.IncidentPatch,
       response=status.Incident, if_match=True, errors=(422,),
       summary="Change title, components or impact; `resolved: true` closes it")
def patch_incident(call: Call) -> Reply:
    incident = svc.patch_incident(call.ctx, call.params["id"], call.body)
    return Reply(incident, version=incident.version)


@route(bp, "POST", "/incidents/{id}/updates", guard=MANAGE, tag=TAG,
       body=status.IncidentUpdateCreate, response=status.Incident, status=201,
       if_match=True, errors=(422,),
       summary="A timestamped update, optionally with a new impact")
def add_update(call: Call) -> Reply:
    incident = svc.add_update(call.ctx, call.params["id"], call.body)
    return Reply(incident, status=201, version=incident.version)


class History(Model):
    items: list[HistoryEvent]


@route(bp, "GET", "/incidents/{id}/events", guard=MANAGE, tag=TAG, response=History,
       summary="An incident's history: who changed what, when")
def incident_events(call: Call) -> dict[str, Any]:
    return {"items": svc.incident_history(call.ctx, call.params["id"])}


# --- the tenant's own components (staff) ----------------------------------------------------


class Components(Model):
    components: list[dict[str, Any]]
    all: list[status.ComponentDef]


@route(bp, "GET", "/status-components", guard=MANAGE, tag=TAG, response=Components,
       summary="Staff: every component (the platform's, one per network, the tenant's own)")
def get_components(call: Call) -> Reply:
    body, version = svc.get_components(call.ctx)
    return Reply(body, version=version or None)


@route(bp, "PUT", "/status-components", guard=MANAGE, tag=TAG, body=status.ComponentsPut,
       response=Components, if_match=True,
       summary="Staff: the tenant's own components (ids and names in sv, fi, en)")
def put_components(call: Call) -> Reply:
    body, version = svc.put_components(call.ctx, call.body)
    return Reply(body, version=version)
