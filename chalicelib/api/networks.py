"""Networks and subscriptions (seed 000), as in the "Networks and subscriptions" part of the
API contract: networks and their quotes, subscribing, the questionnaire, submitting,
validation, edit requests, renewal and the history."""

from __future__ import annotations

from typing import Annotated, Any

from chalice.app import Blueprint
from pydantic import Field, StringConstraints

from chalicelib.api.paging import ListQuery, Paging
from chalicelib.api.routing import AUTHENTICATED, PUBLIC, Call, Reply, route
from chalicelib.api.schemas import DownloadLink, PageOf
from chalicelib.domain import networks
from chalicelib.domain.models import HistoryEvent, Id, Model
from chalicelib.domain.permissions import Permission
from chalicelib.services import networks as svc
from chalicelib.services import suppliers

bp = Blueprint(__name__)

TAG = "networks"
SUBSCRIBERS = (Permission.SUBSCRIPTIONS_VIEW,)


# --- networks -----------------------------------------------------------------------------


class NetworkSearch(Model):
    q: Annotated[str, StringConstraints(max_length=200)] | None = None
    sector: networks.Slug | None = None
    region: networks.Slug | None = None


class NetworkList(Model):
    items: list[networks.NetworkSummary]


@route(bp, "GET", "/networks", guard=Permission.NETWORKS_VIEW, tag=TAG, query=NetworkSearch,
       response=NetworkList,
       summary="Networks by name (any of sv, fi, en), sector and region")
def search_networks(call: Call) -> dict[str, Any]:
    query: NetworkSearch = call.query
    found = svc.search_networks(call.ctx, query.q, query.sector, query.region)
    return {"items": [n.model_dump(mode="json") for n in found]}


@route(bp, "POST", "/networks", guard=Permission.NETWORKS_MANAGE, tag=TAG,
       body=networks.NetworkCreate, response=networks.Network, status=201, idempotent=True,
       summary="A network: names, sector, regions, price tiers, code list, questionnaire")
def create_network(call: Call) -> Reply:
    network = svc.create_network(call.ctx, call.body)
    return Reply(network, status=201, version=network.version)


@route(bp, "GET", "/networks/{id}", guard=Permission.NETWORKS_VIEW, tag=TAG,
       response=networks.Network, summary="One network with its questionnaire")
def get_network(call: Call) -> Reply:
    network = svc.get_network(call.ctx, call.params["id"])
    return Reply(network, version=network.version)


@route(bp, "PATCH", "/networks/{id}", guard=Permission.NETWORKS_MANAGE, tag=TAG,
       body=networks.NetworkPatch, response=networks.Network, if_match=True,
       summary="Change a network; a changed questionnaire is its next version")
def patch_network(call: Call) -> Reply:
    network = svc.patch_network(call.ctx, call.params["id"], call.body)
    return Reply(network, version=network.version)


class QuoteQuery(Model):
    codes: int = Field(ge=0, le=networks.MAX_CODES)


@route(bp, "GET", "/networks/{id}/quote", guard=Permission.NETWORKS_VIEW, tag=TAG,
       query=QuoteQuery, response=networks.Quote, errors=(422,),
       summary="The yearly price for N registered product/service codes, and its tier")
def get_quote(call: Call) -> networks.Quote:
    return svc.get_quote(call.ctx, call.params["id"], call.query.codes)


# --- subscriptions ------------------------------------------------------------------------


@route(bp, "POST", "/subscriptions",
       guard=(Permission.SUBSCRIPTIONS_SUBSCRIBE, Permission.SUBSCRIPTIONS_MANAGE), tag=TAG,
       body=networks.SubscriptionCreate, response=networks.Subscription, status=201,
       idempotent=True, errors=(409, 422),
       summary="Subscribe a supplier organisation for a year (its six-digit supplier id)")
def subscribe(call: Call) -> Reply:
    subscription = svc.subscribe(call.ctx, call.body)
    return Reply(subscription, status=201, version=subscription.version)


class SubscriptionListQuery(ListQuery):
    status: networks.SubscriptionStatus | None = None
    organization_id: Id | None = None


@route(bp, "GET", "/subscriptions", guard=SUBSCRIBERS, tag=TAG, query=SubscriptionListQuery,
       response=PageOf(networks.Subscription),
       summary="Staff: by status, oldest first (submitted: the validation queue), or one "
               "organisation's; a supplier's users: their own")
def list_subscriptions(call: Call) -> dict[str, object]:
    query: SubscriptionListQuery = call.query
    paging = Paging.of(call, "subscriptions", query.status, query.organization_id)
    page = svc.list_subscriptions(call.ctx, query.status, query.organization_id, paging.limit,
                                  paging.start)
    return paging.answer_page(page, networks.Subscription)


@route(bp, "GET", "/subscriptions/{id}", guard=SUBSCRIBERS, tag=TAG,
       response=networks.Subscription, summary="One subscription")
def get_subscription(call: Call) -> Reply:
    subscription = svc.get_subscription(call.ctx, call.params["id"])
    return Reply(subscription, version=subscription.version)


@route(bp, "GET", "/subscriptions/{id}/questionnaire", guard=SUBSCRIBERS, tag=TAG,
       summary="The questionnaire with the answers so far, progress per section, the issues "
               "of the last validation and the sections that may be written")
def get_questionnaire(call: Call) -> Reply:
    body, version = svc.get_questionnaire(call.ctx, call.params["id"])
    return Reply(body, version=version)


@route(bp, "PUT", "/subscriptions/{id}/questionnaire",
       guard=(Permission.SUBSCRIPTIONS_SUBSCRIBE, Permission.SUBSCRIPTIONS_MANAGE), tag=TAG,
       body=networks.AnswersPut, if_match=True, errors=(409, 422),
       summary="Save answers as a draft (each checked against its question; null clears)")
def put_questionnaire(call: Call) -> Reply:
    body, version = svc.put_questionnaire(call.ctx, call.params["id"], call.body)
    return Reply(body, version=version)


@route(bp, "POST", "/subscriptions/{id}/submit",
       guard=(Permission.SUBSCRIPTIONS_SUBSCRIBE, Permission.SUBSCRIPTIONS_MANAGE), tag=TAG,
       response=networks.Subscription, if_match=True, errors=(409, 422),
       summary="Submit for validation: every required question answered")
def submit(call: Call) -> Reply:
    subscription = svc.submit(call.ctx, call.params["id"])
    return Reply(subscription, version=subscription.version)


@route(bp, "POST", "/subscriptions/{id}/validate", guard=Permission.SUBSCRIPTIONS_VALIDATE,
       tag=TAG, body=networks.ValidationDecision, response=networks.Subscription,
       if_match=True, errors=(409, 422),
       summary="Staff: publish, or return with issues per question")
def validate(call: Call) -> Reply:
    subscription = svc.validate(call.ctx, call.params["id"], call.body)
    return Reply(subscription, version=subscription.version)


@route(bp, "POST", "/subscriptions/{id}/renew",
       guard=(Permission.SUBSCRIPTIONS_SUBSCRIBE, Permission.SUBSCRIPTIONS_MANAGE), tag=TAG,
       response=networks.Subscription, if_match=True, errors=(409,),
       summary="A new year from the old expiry (or from today when it has passed)")
def renew(call: Call) -> Reply:
    subscription = svc.renew(call.ctx, call.params["id"])
    return Reply(subscription, version=subscription.version)


@route(bp, "GET", "/subscriptions/{id}/events", guard=SUBSCRIBERS, tag=TAG, query=ListQuery,
       response=PageOf(HistoryEvent), summary="The subscription's history, every round")
def list_events(call: Call) -> dict[str, object]:
    paging = Paging.of(call, "subscription-events", call.params["id"])
    page = svc.history(call.ctx, call.params["id"], paging.limit, paging.start)
    return paging.answer_page(page, HistoryEvent)


class EditRequestList(Model):
    items: list[networks.EditRequest]


@route(bp, "POST", "/subscriptions/{id}/edit-requests",
       guard=(Permission.SUBSCRIPTIONS_SUBSCRIBE, Permission.SUBSCRIPTIONS_MANAGE), tag=TAG,
       body=networks.EditRequestCreate, response=networks.EditRequest, status=201,
       idempotent=True, errors=(422,),
       summary="After submission: ask to change the named sections, with a reason")
def request_edit(call: Call) -> Reply:
    return Reply(svc.request_edit(call.ctx, call.params["id"], call.body), status=201)


@route(bp, "GET", "/subscriptions/{id}/edit-requests", guard=SUBSCRIBERS, tag=TAG,
       response=EditRequestList, summary="The subscription's edit requests, newest first")
def list_edit_requests(call: Call) -> dict[str, Any]:
    found = svc.list_edit_requests(call.ctx, call.params["id"])
    return {"items": [r.model_dump(mode="json") for r in found]}


@route(bp, "POST", "/subscriptions/{id}/edit-requests/{rid}/decision",
       guard=Permission.SUBSCRIPTIONS_MANAGE, tag=TAG, body=networks.EditRequestDecision,
       response=networks.EditRequest, errors=(409, 422),
       summary="The account manager approves (the sections open again) or refuses")
def decide_edit(call: Call) -> networks.EditRequest:
    return svc.decide_edit(call.ctx, call.params["id"], call.params["rid"], call.body)


# --- audits -------------------------------------------------------------------------------


class AuditList(Model):
    items: list[networks.Audit]


@route(bp, "POST", "/subscriptions/{id}/audits", guard=Permission.SUBSCRIPTIONS_VALIDATE,
       tag=TAG, body=networks.AuditCreate, response=networks.Audit, status=201,
       idempotent=True, errors=(409, 422),
       summary="Schedule an audit (for this network only; one at a time)")
def schedule_audit(call: Call) -> Reply:
    audit = svc.schedule_audit(call.ctx, call.params["id"], call.body)
    return Reply(audit, status=201, version=audit.version)


@route(bp, "GET", "/subscriptions/{id}/audits", guard=SUBSCRIBERS, tag=TAG,
       response=AuditList, summary="The subscription's audits, newest first")
def list_audits(call: Call) -> dict[str, Any]:
    found = svc.list_audits(call.ctx, call.params["id"])
    return {"items": [a.model_dump(mode="json") for a in found]}


@route(bp, "GET", "/audits/{id}", guard=SUBSCRIBERS, tag=TAG, response=networks.Audit,
       summary="One audit")
def get_audit(call: Call) -> Reply:
    audit = svc.get_audit(call.ctx, call.params["id"])
    return Reply(audit, version=audit.version)


@route(bp, "PATCH", "/audits/{id}", guard=Permission.SUBSCRIPTIONS_VALIDATE, tag=TAG,
       body=networks.AuditPatch, response=networks.Audit, if_match=True, errors=(409,),
       summary="Reschedule, or record the result (passed or failed, with findings) once")
def patch_audit(call: Call) -> Reply:
    audit = svc.patch_audit(call.ctx, call.params["id"], call.body)
    return Reply(audit, version=audit.version)


# --- the buyers' search -------------------------------------------------------------------

SEARCHERS = (Permission.SUPPLIERS_SEARCH, Permission.SUBSCRIPTIONS_VIEW)
SUPPLIER_ID = {"id": r"^[1-9][0-9]{5}$"}


class SupplierSearch(ListQuery):
    network_id: Id
    q: Annotated[str, StringConstraints(max_length=200)] | None = None
    code: networks.Code | None = None
    region: networks.Slug | None = None


@route(bp, "GET", "/suppliers", guard=SEARCHERS, tag=TAG, query=SupplierSearch,
       response=PageOf(networks.SupplierListing),
       summary="Published suppliers of a network (the caller's organisation a member), by "
               "name prefix or six-digit supplier id, code and region")
def search_suppliers(call: Call) -> dict[str, object]:
    query: SupplierSearch = call.query
    paging = Paging.of(call, "suppliers", query.network_id, query.q, query.code, query.region)
    page = suppliers.search(call.ctx, query.network_id, query.q, query.code, query.region,
                            paging.limit, paging.start)
    return paging.answer_page(page, networks.SupplierListing)


@route(bp, "GET", "/suppliers/{id}", guard=SEARCHERS, tag=TAG, path_patterns=SUPPLIER_ID,
       summary="A supplier's published answers in each network the caller may search")
def supplier_profile(call: Call) -> dict[str, Any]:
    return suppliers.profile(call.ctx, call.params["id"])


@route(bp, "POST", "/suppliers/{id}/follow", guard=Permission.SUPPLIERS_FOLLOW, tag=TAG,
       path_patterns=SUPPLIER_ID, summary="Follow a supplier (again: nothing changes)")
def follow_supplier(call: Call) -> dict[str, Any]:
    return suppliers.follow(call.ctx, call.params["id"])


@route(bp, "DELETE", "/suppliers/{id}/follow", guard=Permission.SUPPLIERS_FOLLOW, tag=TAG,
       path_patterns=SUPPLIER_ID, status=204, summary="Stop following a supplier")
def unfollow_supplier(call: Call) -> Reply:
    suppliers.unfollow(call.ctx, call.params["id"])
    return Reply(None, status=204)


class FollowedSupplier(Model):
    supplier_id: str
    organization_id: str | None = None
    name: str | None = None
    followed_at: str


@route(bp, "GET", "/me/followed-suppliers", guard=Permission.SUPPLIERS_FOLLOW, tag=TAG,
       query=ListQuery, response=PageOf(FollowedSupplier),
       summary="The suppliers I follow")
def followed_suppliers(call: Call) -> dict[str, object]:
    paging = Paging.of(call, "followed-suppliers")
    return paging.answer_page(suppliers.followed(call.ctx, paging.limit, paging.start),
                              FollowedSupplier)


# --- account managers and local teams -----------------------------------------------------


@route(bp, "PUT", "/organizations/{id}/account-manager", guard=Permission.SUBSCRIPTIONS_MANAGE,
       tag=TAG, body=networks.AccountManagerPut, response=networks.AccountManager,
       summary="Name or change an organisation's account manager (a staff member)")
def set_account_manager(call: Call) -> networks.AccountManager:
    return svc.set_account_manager(call.ctx, call.params["id"], call.body)


@route(bp, "GET", "/organizations/{id}/account-manager", guard=AUTHENTICATED, tag=TAG,
       response=networks.AccountManager,
       summary="An organisation's account manager (a portal user: their own organisation's)")
def get_account_manager(call: Call) -> networks.AccountManager:
    return svc.get_account_manager(call.ctx, call.params["id"])


@route(bp, "GET", "/me/account-manager", guard=AUTHENTICATED, tag=TAG,
       response=networks.AccountManager,
       summary="My organisation's account manager: who to ask, and how to reach them")
def my_account_manager(call: Call) -> networks.AccountManager:
    return svc.get_account_manager(call.ctx, None)


class LocalTeams(Model):
    teams: list[networks.LocalTeam]


TENANT_PATH = {"tenant": r"^[a-z0-9][a-z0-9-]{1,62}$"}


@route(bp, "GET", "/local-teams/{tenant}", guard=PUBLIC, tag=TAG, response=LocalTeams,
       path_patterns=TENANT_PATH, summary="Public: the tenant's local teams per region")
def local_teams(call: Call) -> dict[str, Any]:
    return svc.get_local_teams(call.params["tenant"])


@route(bp, "PUT", "/local-teams", guard=Permission.NETWORKS_MANAGE, tag=TAG,
       body=networks.LocalTeamsPut, response=LocalTeams, if_match=True,
       summary="Staff: the local teams per region, shown to anyone")
def put_local_teams(call: Call) -> Reply:
    body, version = svc.put_local_teams(call.ctx, call.body)
    return Reply(body, version=version)


# --- files of the answers -----------------------------------------------------------------


class QuestionnaireFileUpload(Model):
    id: str
    subscription_id: str
    filename: str
    content_type: str
    size: int
    state: str
    created_at: str
    upload_url: str
    upload_fields: dict[str, str]
    upload_expires_at: str


@route(bp, "POST", "/subscriptions/{id}/files",
       guard=(Permission.SUBSCRIPTIONS_SUBSCRIBE, Permission.SUBSCRIPTIONS_MANAGE), tag=TAG,
       body=networks.QuestionnaireFileCreate, response=QuestionnaireFileUpload, status=201,
       idempotent=True, errors=(422,),
       summary="Announce a file for a file or certification answer: a presigned S3 POST")
def create_file(call: Call) -> dict[str, Any]:
    return svc.create_file(call.ctx, call.params["id"], call.body)


@route(bp, "GET", "/subscriptions/{id}/files/{fid}", guard=SUBSCRIBERS, tag=TAG,
       response=DownloadLink, status=302, errors=(409,),
       summary="302 to a short-lived download address of a file of the answers")
def download_file(call: Call) -> Reply:
    link = svc.download_file(call.ctx, call.params["id"], call.params["fid"])
    return Reply(link, headers={"Location": link["url"]})


@route(bp, "GET", "/subscriptions/{id}/files/{fid}/link", guard=SUBSCRIBERS, tag=TAG,
       response=DownloadLink, errors=(409,),
       summary="The short-lived download address as JSON, for the portal (a browser with a "
               "bearer token cannot read a redirect's target)")
def file_link(call: Call) -> dict[str, object]:
    return dict(svc.download_file(call.ctx, call.params["id"], call.params["fid"]))


@route(bp, "GET", "/edit-requests", guard=Permission.SUBSCRIPTIONS_MANAGE, tag=TAG,
       query=ListQuery, response=PageOf(networks.EditRequest),
       summary="Staff: the open edit requests of every subscription, oldest first")
def open_edit_requests(call: Call) -> dict[str, object]:
    paging = Paging.of(call, "edit-requests")
    return paging.answer_page(svc.open_edit_requests(call.ctx, paging.limit, paging.start),
                              networks.EditRequest)
