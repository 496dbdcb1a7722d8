"""Settings, roles, users, organisations (with contacts, sites, service objects) and
the in-app inbox, exactly as in the Directory part of the API contract."""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import unquote

from chalice.app import Blueprint
from pydantic import ConfigDict, Field, StringConstraints, TypeAdapter, ValidationError

from chalicelib.api.paging import ListQuery, Paging
from chalicelib.api.routing import AUTHENTICATED, Call, Reply, route
from chalicelib.api.schemas import PageOf
from chalicelib.domain import directory
from chalicelib.domain.errors import FieldError, InvalidInput
from chalicelib.domain.models import Command, Email, Model, Record
from chalicelib.domain.permissions import Permission
from chalicelib.services import directory as svc

bp = Blueprint(__name__)
_EMAIL: TypeAdapter[str] = TypeAdapter(Email, config=ConfigDict(defer_build=True))


# --- settings -------------------------------------------------------------------------


@route(bp, "GET", "/settings", guard=Permission.SETTINGS_VIEW, tag="directory",
       response=directory.TenantSettings, summary="The tenant's settings")
def get_settings(call: Call) -> directory.TenantSettings:
    return svc.get_settings(call.ctx)


@route(bp, "PUT", "/settings", guard=Permission.SETTINGS_EDIT, tag="directory",
       body=directory.SettingsBody, response=directory.TenantSettings, if_match=True,
       summary="Replace the tenant's settings")
def put_settings(call: Call) -> directory.TenantSettings:
    return svc.put_settings(call.ctx, call.body)


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


@route(bp, "POST", "/settings/email-addresses/{address}/verify", guard=Permission.SETTINGS_EDIT,
       tag="directory", body=AddressCode, response=directory.TenantSettings, errors=(409,),
       summary="Prove a claimed support address with the code mailed to it; it routes from now")
def verify_email_address(call: Call) -> directory.TenantSettings:
    return svc.verify_email_address(call.ctx, _address(call), call.body.code)


@route(bp, "POST", "/settings/email-addresses/{address}/send-code", guard=Permission.SETTINGS_EDIT,
       tag="directory", response=Sent, status=202, errors=(422,),
       summary="Mail a new code to a claimed support address that is still pending")
def send_email_address_code(call: Call) -> Sent:
    svc.send_email_address_code(call.ctx, _address(call))
    return Sent(status="sent")


# --- roles ----------------------------------------------------------------------------


class RolesAnswer(Model):
    items: list[directory.Role]


@route(bp, "GET", "/roles", guard=Permission.ROLES_VIEW, tag="directory", response=RolesAnswer,
       summary="Roles and their permissions")
def list_roles(call: Call) -> RolesAnswer:
    return RolesAnswer(items=svc.list_roles(call.ctx))


@route(bp, "PUT", "/roles/{name}", guard=Permission.ROLES_MANAGE, tag="directory",
       body=directory.RoleBody, response=directory.Role, errors=(422,),
       summary="Create or replace a role's permissions")
def put_role(call: Call) -> directory.Role:
    name = call.params["name"]
    if not re.fullmatch(directory.ROLE_NAME, name):
        raise InvalidInput("Role names are lower case letters, digits and _ (2-32).",
                           [FieldError(("path", "name"), "invalid role name")])
    return svc.put_role(call.ctx, name, call.body)


# --- users ----------------------------------------------------------------------------


@route(bp, "GET", "/users", guard=Permission.USERS_VIEW, tag="directory", query=ListQuery,
       response=PageOf(directory.User), summary="Staff and portal users")
def list_users(call: Call) -> dict[str, object]:
    paging = Paging.of(call, "users")
    return paging.answer_page(svc.list_users(call.ctx, paging.limit, paging.start),
                              directory.User)


@route(bp, "POST", "/users",
       guard=(Permission.USERS_MANAGE, Permission.ORGANIZATIONS_MANAGE_OWN_CONTACTS),
       tag="directory", body=directory.UserCreate, response=directory.User, status=201,
       idempotent=True, errors=(409,),
       summary="Invite a staff or portal user (Cognito mails the invitation)")
def create_user(call: Call) -> directory.User:
    return svc.create_user(call.ctx, call.body)


@route(bp, "GET", "/users/{id}", guard=Permission.USERS_VIEW, tag="directory",
       response=directory.User, summary="One user")
def get_user(call: Call) -> directory.User:
    return svc.get_user(call.ctx, call.params["id"])


@route(bp, "PATCH", "/users/{id}", guard=Permission.USERS_MANAGE, tag="directory",
       body=directory.UserPatch, response=directory.User, if_match=True, errors=(422,),
       summary="Change a user's name, roles, language, phone or active state")
def patch_user(call: Call) -> directory.User:
    return svc.patch_user(call.ctx, call.params["id"], call.body)


# --- organisations --------------------------------------------------------------------


class OrganizationQuery(ListQuery):
    q: Annotated[str, StringConstraints(max_length=100)] = ""
    # Deactivated clients (seed 003) are left out unless asked for.
    include_inactive: bool = False


@route(bp, "GET", "/organizations",
       guard=(Permission.ORGANIZATIONS_VIEW, Permission.ORGANIZATIONS_VIEW_OWN), tag="directory",
       query=OrganizationQuery, response=PageOf(directory.Organization),
       summary="Organisations by name; q filters by the start of the name")
def list_organizations(call: Call) -> dict[str, object]:
    paging = Paging.of(call, "organizations", directory.name_key(call.query.q),
                       call.query.include_inactive)
    page = svc.list_organizations(call.ctx, call.query.q, paging.limit, paging.start,
                                  call.query.include_inactive)
    return paging.answer_page(page, directory.Organization)


@route(bp, "POST", "/organizations", guard=Permission.ORGANIZATIONS_CREATE, tag="directory",
       body=directory.OrganizationCreate, response=directory.Organization, status=201,
       idempotent=True, errors=(409,), summary="Add a customer organisation")
def create_organization(call: Call) -> directory.Organization:
    return svc.create_organization(call.ctx, call.body)


@route(bp, "GET", "/organizations/{id}",
       guard=(Permission.ORGANIZATIONS_VIEW, Permission.ORGANIZATIONS_VIEW_OWN), tag="directory",
       response=directory.Organization, summary="One organisation")
def get_organization(call: Call) -> directory.Organization:
    return svc.get_organization(call.ctx, call.params["id"])


@route(bp, "PATCH", "/organizations/{id}", guard=Permission.ORGANIZATIONS_EDIT, tag="directory",
       body=directory.OrganizationPatch, response=directory.Organization, if_match=True,
       summary="Change an organisation")
def patch_organization(call: Call) -> directory.Organization:
    return svc.patch_organization(call.ctx, call.params["id"], call.body)


def _children(call: Call, kind: str) -> dict[str, object]:
    org_id = call.params["id"]
    paging = Paging.of(call, kind, org_id)
    page = svc.list_children(call.ctx, org_id, kind, paging.limit, paging.start)
    return paging.answer_page(page, svc.CHILD_MODELS[kind])


VIEW_ORG = (Permission.ORGANIZATIONS_VIEW, Permission.ORGANIZATIONS_VIEW_OWN)


@route(bp, "GET", "/organizations/{id}/contacts", guard=VIEW_ORG, tag="directory",
       query=ListQuery, response=PageOf(directory.Contact), summary="An organisation's contacts")
def list_contacts(call: Call) -> dict[str, object]:
    return _children(call, "contact")


@route(bp, "POST", "/organizations/{id}/contacts",
       guard=(Permission.ORGANIZATIONS_EDIT, Permission.ORGANIZATIONS_MANAGE_OWN_CONTACTS),
       tag="directory", body=directory.ContactCreate, response=directory.Contact, status=201,
       idempotent=True, summary="Add a contact person")
def create_contact(call: Call) -> Record:
    return svc.create_contact(call.ctx, call.params["id"], call.body)


@route(bp, "GET", "/organizations/{id}/sites", guard=VIEW_ORG, tag="directory",
       query=ListQuery, response=PageOf(directory.Site), summary="An organisation's sites")
def list_sites(call: Call) -> dict[str, object]:
    return _children(call, "site")


@route(bp, "POST", "/organizations/{id}/sites", guard=Permission.ORGANIZATIONS_EDIT,
       tag="directory", body=directory.SiteCreate, response=directory.Site, status=201,
       idempotent=True, summary="Add a site (facility)")
def create_site(call: Call) -> Record:
    return svc.create_site(call.ctx, call.params["id"], call.body)


@route(bp, "GET", "/organizations/{id}/service-objects", guard=VIEW_ORG, tag="directory",
       query=ListQuery, response=PageOf(directory.ServiceObject),
       summary="An organisation's service objects")
def list_service_objects(call: Call) -> dict[str, object]:
    return _children(call, "service_object")


@route(bp, "POST", "/organizations/{id}/service-objects", guard=Permission.ORGANIZATIONS_EDIT,
       tag="directory", body=directory.ServiceObjectCreate, response=directory.ServiceObject,
       status=201, idempotent=True, summary="Add a service object")
def create_service_object(call: Call) -> Record:
    return svc.create_service_object(call.ctx, call.params["id"], call.body)


# --- the registers of sites and service objects (seed 001) ---------------------------


def _register(call: Call, kind: str, model: type[Model]) -> dict[str, object]:
    paging = Paging.of(call, f"register-{kind}", directory.name_key(call.query.q))
    return paging.answer_page(svc.list_register(call.ctx, kind, call.query.q, paging.limit,
                                                paging.start), model)


@route(bp, "GET", "/sites", guard=Permission.ORGANIZATIONS_VIEW, tag="directory",
       query=OrganizationQuery, response=PageOf(directory.SiteInRegister),
       summary="Every customer's sites by name, with the customer's name; q filters by the "
               "start of the name")
def list_all_sites(call: Call) -> dict[str, object]:
    return _register(call, "site", directory.SiteInRegister)


@route(bp, "GET", "/service-objects", guard=Permission.ORGANIZATIONS_VIEW, tag="directory",
       query=OrganizationQuery, response=PageOf(directory.ServiceObjectInRegister),
       summary="Every customer's service objects by name, with the customer's name; q filters "
               "by the start of the name")
def list_all_service_objects(call: Call) -> dict[str, object]:
    return _register(call, "service_object", directory.ServiceObjectInRegister)


# --- the in-app inbox -----------------------------------------------------------------


class InboxPage(Model):
    # ItemsPage's fields, declared here: a subclass of ItemsPage[...] would build the
    # generic at import.
    items: list[directory.Notification]
    next_cursor: str | None
    unread_count: int = Field(ge=0)


@route(bp, "GET", "/notifications", guard=AUTHENTICATED, tag="directory", query=ListQuery,
       response=InboxPage, summary="My in-app notifications, newest first")
def list_notifications(call: Call) -> dict[str, object]:
    paging = Paging.of(call, "notifications")
    page, unread = svc.list_notifications(call.ctx, paging.limit, paging.start)
    return {**paging.answer_page(page, directory.Notification), "unread_count": unread}


@route(bp, "POST", "/notifications/{id}/read", guard=AUTHENTICATED, tag="directory",
       response=directory.Notification, summary="Mark a notification read")
def read_notification(call: Call) -> Reply:
    return Reply(svc.mark_notification_read(call.ctx, call.params["id"]))
