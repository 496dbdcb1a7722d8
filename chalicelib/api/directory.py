"""Settings, roles, users, organisations (with contacts, sites, service objects) and
the in-app inbox, exactly as in the Directory part of the API contract."""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import unquote

from chalice import Blueprint
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, ValidationError

from chalicelib.api.routing import AUTHENTICATED, Call, ListQuery, Reply, route
from chalicelib.api.schemas import ItemsPage
from chalicelib.config import get_config
from chalicelib.domain import directory as d
from chalicelib.domain.errors import FieldError, InvalidInput
from chalicelib.domain.models import Command, Email, Model
from chalicelib.domain.permissions import Permission as P
from chalicelib.services import directory as svc
from chalicelib.store.cursor import decode_cursor, encode_cursor
from chalicelib.store.dynamo import Page

bp = Blueprint(__name__)
_EMAIL: TypeAdapter[str] = TypeAdapter(Email, config=ConfigDict(defer_build=True))


def _scope(call: Call, name: str, *filters: str) -> str:
    return "|".join([call.c.tenant, call.c.principal.user_id, name, *filters])


def _start(call: Call, scope: str) -> dict[str, str] | None:
    return decode_cursor(get_config().secret, scope, call.query.cursor)


def _page(page: Page, scope: str, model: type[BaseModel]) -> dict[str, object]:
    return {
        "items": [model.model_validate(i).model_dump(mode="json") for i in page.items],
        "next_cursor": encode_cursor(get_config().secret, scope, page.last_key),
    }


# --- settings -------------------------------------------------------------------------


@route(bp, "GET", "/settings", guard=P.SETTINGS_VIEW, tag="directory",
       response=d.TenantSettings, summary="The tenant's settings")
def get_settings(call: Call) -> d.TenantSettings:
    return svc.get_settings(call.c)


@route(bp, "PUT", "/settings", guard=P.SETTINGS_EDIT, tag="directory", body=d.SettingsBody,
       response=d.TenantSettings, if_match=True, summary="Replace the tenant's settings")
def put_settings(call: Call) -> d.TenantSettings:
    return svc.put_settings(call.c, call.body)


class AddressCode(Command):
    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class Sent(Model):
    status: str


def _address(call: Call) -> str:
    """The path's address, decoded (``%40``) and checked before anything is read."""
    raw = unquote(call.params["address"])
    try:
        return str(_EMAIL.validate_python(raw)).lower()
    except ValidationError:
        raise InvalidInput("The path names no e-mail address.",
                           [FieldError(("path", "address"), "not an e-mail address")]) from None


@route(bp, "POST", "/settings/email-addresses/{address}/verify", guard=P.SETTINGS_EDIT,
       tag="directory", body=AddressCode, response=d.TenantSettings, errors=(409,),
       summary="Prove a claimed support address with the code mailed to it; it routes from now")
def verify_email_address(call: Call) -> d.TenantSettings:
    return svc.verify_email_address(call.c, _address(call), call.body.code)


@route(bp, "POST", "/settings/email-addresses/{address}/send-code", guard=P.SETTINGS_EDIT,
       tag="directory", response=Sent, status=202, errors=(422,),
       summary="Mail a new code to a claimed support address that is still pending")
def send_email_address_code(call: Call) -> Sent:
    svc.send_email_address_code(call.c, _address(call))
    return Sent(status="sent")


# --- roles ----------------------------------------------------------------------------


class RolesAnswer(Model):
    items: list[d.Role]


@route(bp, "GET", "/roles", guard=P.ROLES_VIEW, tag="directory", response=RolesAnswer,
       summary="Roles and their permissions")
def list_roles(call: Call) -> RolesAnswer:
    return RolesAnswer(items=svc.list_roles(call.c))


@route(bp, "PUT", "/roles/{name}", guard=P.ROLES_MANAGE, tag="directory", body=d.RoleBody,
       response=d.Role, errors=(422,), summary="Create or replace a role's permissions")
def put_role(call: Call) -> d.Role:
    name = call.params["name"]
    if not re.fullmatch(d.ROLE_NAME, name):
        raise InvalidInput("Role names are lower case letters, digits and _ (2-32).",
                           [FieldError(("path", "name"), "invalid role name")])
    return svc.put_role(call.c, name, call.body)


# --- users ----------------------------------------------------------------------------


@route(bp, "GET", "/users", guard=P.USERS_VIEW, tag="directory", query=ListQuery,
       response=ItemsPage[d.User], summary="Staff and portal users")
def list_users(call: Call) -> dict[str, object]:
    scope = _scope(call, "users")
    return _page(svc.list_users(call.c, call.query.limit, _start(call, scope)), scope, d.User)


@route(bp, "POST", "/users", guard=(P.USERS_MANAGE, P.ORGANIZATIONS_MANAGE_OWN_CONTACTS),
       tag="directory", body=d.UserCreate, response=d.User, status=201, idempotent=True,
       errors=(409,), summary="Invite a staff or portal user (Cognito mails the invitation)")
def create_user(call: Call) -> d.User:
    return svc.create_user(call.c, call.body)


@route(bp, "GET", "/users/{id}", guard=P.USERS_VIEW, tag="directory", response=d.User,
       summary="One user")
def get_user(call: Call) -> d.User:
    return svc.get_user(call.c, call.params["id"])


@route(bp, "PATCH", "/users/{id}", guard=P.USERS_MANAGE, tag="directory", body=d.UserPatch,
       response=d.User, if_match=True, errors=(422,),
       summary="Change a user's name, roles, language, phone or active state")
def patch_user(call: Call) -> d.User:
    return svc.patch_user(call.c, call.params["id"], call.body)


# --- organisations --------------------------------------------------------------------


class OrganizationQuery(ListQuery):
    q: Annotated[str, StringConstraints(max_length=100)] = ""


@route(bp, "GET", "/organizations", guard=(P.ORGANIZATIONS_VIEW, P.ORGANIZATIONS_VIEW_OWN),
       tag="directory", query=OrganizationQuery, response=ItemsPage[d.Organization],
       summary="Organisations by name; q filters by the start of the name")
def list_organizations(call: Call) -> dict[str, object]:
    scope = _scope(call, "organizations", d.name_key(call.query.q))
    page = svc.list_organizations(call.c, call.query.q, call.query.limit, _start(call, scope))
    return _page(page, scope, d.Organization)


@route(bp, "POST", "/organizations", guard=P.ORGANIZATIONS_CREATE, tag="directory",
       body=d.OrganizationCreate, response=d.Organization, status=201, idempotent=True,
       errors=(409,), summary="Add a customer organisation")
def create_organization(call: Call) -> d.Organization:
    return svc.create_organization(call.c, call.body)


@route(bp, "GET", "/organizations/{id}", guard=(P.ORGANIZATIONS_VIEW, P.ORGANIZATIONS_VIEW_OWN),
       tag="directory", response=d.Organization, summary="One organisation")
def get_organization(call: Call) -> d.Organization:
    return svc.get_organization(call.c, call.params["id"])


@route(bp, "PATCH", "/organizations/{id}", guard=P.ORGANIZATIONS_EDIT, tag="directory",
       body=d.OrganizationPatch, response=d.Organization, if_match=True,
       summary="Change an organisation")
def patch_organization(call: Call) -> d.Organization:
    return svc.patch_organization(call.c, call.params["id"], call.body)


def _children(call: Call, kind: str) -> dict[str, object]:
    org_id = call.params["id"]
    scope = _scope(call, kind, org_id)
    page = svc.list_children(call.c, org_id, kind, call.query.limit, _start(call, scope))
    return _page(page, scope, svc.CHILD_MODELS[kind])


VIEW_ORG = (P.ORGANIZATIONS_VIEW, P.ORGANIZATIONS_VIEW_OWN)


@route(bp, "GET", "/organizations/{id}/contacts", guard=VIEW_ORG, tag="directory",
       query=ListQuery, response=ItemsPage[d.Contact], summary="An organisation's contacts")
def list_contacts(call: Call) -> dict[str, object]:
    return _children(call, "contact")


@route(bp, "POST", "/organizations/{id}/contacts",
       guard=(P.ORGANIZATIONS_EDIT, P.ORGANIZATIONS_MANAGE_OWN_CONTACTS), tag="directory",
       body=d.ContactCreate, response=d.Contact, status=201, idempotent=True,
       summary="Add a contact person")
def create_contact(call: Call) -> d.Record:
    return svc.create_contact(call.c, call.params["id"], call.body)


@route(bp, "GET", "/organizations/{id}/sites", guard=VIEW_ORG, tag="directory",
       query=ListQuery, response=ItemsPage[d.Site], summary="An organisation's sites")
def list_sites(call: Call) -> dict[str, object]:
    return _children(call, "site")


@route(bp, "POST", "/organizations/{id}/sites", guard=P.ORGANIZATIONS_EDIT, tag="directory",
       body=d.SiteCreate, response=d.Site, status=201, idempotent=True,
       summary="Add a site (facility)")
def create_site(call: Call) -> d.Record:
    return svc.create_site(call.c, call.params["id"], call.body)


@route(bp, "GET", "/organizations/{id}/service-objects", guard=VIEW_ORG, tag="directory",
       query=ListQuery, response=ItemsPage[d.ServiceObject],
       summary="An organisation's service objects")
def list_service_objects(call: Call) -> dict[str, object]:
    return _children(call, "service_object")


@route(bp, "POST", "/organizations/{id}/service-objects", guard=P.ORGANIZATIONS_EDIT,
       tag="directory", body=d.ServiceObjectCreate, response=d.ServiceObject, status=201,
       idempotent=True, summary="Add a service object")
def create_service_object(call: Call) -> d.Record:
    return svc.create_service_object(call.c, call.params["id"], call.body)


# --- the in-app inbox -----------------------------------------------------------------


class InboxPage(ItemsPage[d.Notification]):
    unread_count: int = Field(ge=0)


@route(bp, "GET", "/notifications", guard=AUTHENTICATED, tag="directory", query=ListQuery,
       response=InboxPage, summary="My in-app notifications, newest first")
def list_notifications(call: Call) -> dict[str, object]:
    scope = _scope(call, "notifications")
    page, unread = svc.list_notifications(call.c, call.query.limit, _start(call, scope))
    return {**_page(page, scope, d.Notification), "unread_count": unread}


@route(bp, "POST", "/notifications/{id}/read", guard=AUTHENTICATED, tag="directory",
       response=d.Notification, summary="Mark a notification read")
def read_notification(call: Call) -> Reply:
    return Reply(svc.mark_notification_read(call.c, call.params["id"]))
