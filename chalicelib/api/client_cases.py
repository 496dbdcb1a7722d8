"""Client cases (seed 003, issue 19), as in the "Client cases" part of the API contract:
the module and its readiness checklist, the activation, and the invitations (staff's
side, and the client's side through the link's token)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from chalice.app import Blueprint

from chalicelib.api.paging import ListQuery, Paging
from chalicelib.api.routing import AUTHENTICATED, PUBLIC, Call, Reply, route
from chalicelib.api.schemas import PageOf
from chalicelib.domain import client_cases as domain
from chalicelib.domain.models import Model
from chalicelib.domain.permissions import Permission
from chalicelib.services import client_cases as svc

bp = Blueprint(__name__)

TAG = "client cases"
INVITERS = (Permission.CLIENT_CASES_INVITE, Permission.CLIENT_CASES_MANAGE)
# A token is base64url JSON, a dot and a signature: nothing else reaches the service. The
# public routes name it ``{id}`` like the staff routes beside them (API Gateway wants one
# name per path segment); the contract calls it ``{token}``.
TOKEN = {"id": r"^[A-Za-z0-9_-]{10,1024}\.[A-Za-z0-9_-]{10,64}$"}


@route(bp, "GET", "/client-cases", guard=AUTHENTICATED, tag=TAG,
       response=domain.ModuleState,
       summary="The module: active or not, and the price basis recorded at activation")
def get_module(call: Call) -> domain.ModuleState:
    return svc.get_module(call.ctx)


class ReadinessItem(Model):
    id: str
    name: str
    kind: str
    customer_number: str | None
    version: int
    main_contact: dict[str, Any] | None
    main_contact_ok: bool
    email_ok: bool
    email_problem: str | None
    address_ok: bool
    ready: bool
    connected_at: str | None
    invitation: domain.InvitationSummary | None
    last_activity_at: str | None
    looks_inactive: bool


class Readiness(Model):
    active: bool
    active_clients: int
    private_persons: int
    price_per_client: float
    currency: str
    monthly_price: float
    inactive_candidates: int
    items: list[ReadinessItem]
    next_cursor: str | None


@route(bp, "GET", "/client-cases/readiness",
       guard=(Permission.CLIENT_CASES_MANAGE, Permission.SETTINGS_EDIT), tag=TAG,
       query=ListQuery, response=Readiness,
       summary="The checklist before activation, a page of client organisations at a time")
def readiness(call: Call) -> dict[str, Any]:
    paging = Paging.of(call, "client-cases-readiness")
    found = svc.readiness(call.ctx, paging.limit, paging.start)
    page = paging.answer(found.pop("items"), found.pop("last_key"), ReadinessItem)
    return {**found, **page}


class Activated(Model):
    active: bool
    active_clients: int
    monthly_price: float
    price_per_client: float
    currency: str
    activated_at: str | None
    activated_by: str | None


class Nothing(Model):
    model_config = {"extra": "forbid"}


@route(bp, "POST", "/client-cases/activate", guard=Permission.SETTINGS_EDIT, tag=TAG,
       body=Nothing, body_optional=True, response=Activated,
       summary="Activate client cases (admin with settings.edit); records the price basis")
def activate(call: Call) -> dict[str, Any]:
    return Activated.model_validate(svc.activate(call.ctx).model_dump()).model_dump(mode="json")


# --- invitations ------------------------------------------------------------------------------


@route(bp, "POST", "/invitations", guard=Permission.CLIENT_CASES_INVITE, tag=TAG,
       body=domain.InvitationCreate, response=domain.Invitation, status=201, idempotent=True,
       errors=(409, 422), summary="Invite a client organisation's main contact by e-mail")
def invite(call: Call) -> Reply:
    invitation = svc.invite(call.ctx, call.body)
    return Reply(invitation, status=201, version=invitation.version)


class InvitationQuery(ListQuery):
    state: domain.InvitationState = "sent"


@route(bp, "GET", "/invitations", guard=INVITERS, tag=TAG, query=InvitationQuery,
       response=PageOf(domain.Invitation),
       summary="Invitations by state (sent, accepted, revoked, expired), newest first")
def list_invitations(call: Call) -> dict[str, object]:
    paging = Paging.of(call, "invitations", call.query.state)
    page = svc.list_invitations(call.ctx, call.query.state, paging.limit, paging.start)
    return paging.answer_page(page, domain.Invitation)


@route(bp, "POST", "/invitations/{id}/resend", guard=Permission.CLIENT_CASES_INVITE, tag=TAG,
       body=domain.InvitationResend, body_optional=True, response=domain.Invitation,
       errors=(409, 422), summary="A new link with a new expiry; the old link stops working")
def resend(call: Call) -> Reply:
    invitation = svc.resend(call.ctx, call.params["id"], call.body or domain.InvitationResend())
    return Reply(invitation, version=invitation.version)


@route(bp, "POST", "/invitations/{id}/revoke", guard=Permission.CLIENT_CASES_INVITE, tag=TAG,
       response=domain.Invitation, errors=(409,), summary="Revoke an invitation")
def revoke(call: Call) -> Reply:
    invitation = svc.revoke(call.ctx, call.params["id"])
    return Reply(invitation, version=invitation.version)


class TokenAnswer(Model):
    model_config = {"extra": "forbid"}


@route(bp, "GET", "/invitations/{id}/preview", guard=PUBLIC, tag=TAG,
       response=domain.InvitationPreview, errors=(400, 410), path_patterns=TOKEN,
       summary="What an invitation link is about (changes nothing)")
def preview(call: Call) -> domain.InvitationPreview:
    return svc.preview(call.params["id"], datetime.now(UTC))


@route(bp, "POST", "/invitations/{id}/accept", guard=PUBLIC, tag=TAG, body=TokenAnswer,
       body_optional=True, response=domain.Accepted, errors=(400, 403, 409, 410),
       path_patterns=TOKEN,
       summary="Accept an invitation: the main contact's portal user is made or linked")
def accept(call: Call) -> domain.Accepted:
    return svc.accept(call.params["id"], datetime.now(UTC))

