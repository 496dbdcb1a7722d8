"""Client cases (seed 003, issue 19): the module's activation with its readiness checklist
and price basis, and the invitations that connect a client organisation.

An invitation's link carries a signed token (``chalicelib/signing.py``, its own scope): the
tenant, the invitation and the invitation's current ``token_id``. Resending draws a new
``token_id`` (the old link is dead); accepting and revoking change the stored state; every
one of these is a write conditioned on the invitation's version, so a link is used once.
The mail goes through the outbox (module ``client_cases``): ``invitation_plan`` renders it
to the main contact in their language, the token rebuilt from the invitation item (the
signature is deterministic), so no token is ever stored or queued.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib import signing
from chalicelib.config import get_config
from chalicelib.domain import client_cases as domain
from chalicelib.domain.client_cases import NOT_ACTIVE, ModuleState
from chalicelib.domain.directory import Organization, TenantSettings, UserCreate, name_key
from chalicelib.domain.errors import (
    BusinessRuleViolation,
    Conflict,
    FieldError,
    Forbidden,
    Gone,
    InvalidInput,
    NotFound,
)
from chalicelib.domain.models import utc_iso
from chalicelib.domain.permissions import Permission
from chalicelib.domain.principal import Principal
from chalicelib.services import directory
from chalicelib.services.context import Ctx
from chalicelib.services.publish import publish
from chalicelib.services.writes import history_event
from chalicelib.store import client_cases as store
from chalicelib.store.dynamo import Item, Page, UnitOfWork

SCOPE = "client-invitation"
log = logging.getLogger("helpdesk.client_cases")
MODULE = "client_cases"
INVITATION_EVENTS = frozenset({"invitation_sent"})


def module_state(tenant: str) -> ModuleState:
    item = store.get_module(tenant)
    return ModuleState.model_validate(item) if item else ModuleState()


def require_active(ctx: Ctx) -> ModuleState:
    """Every client-case endpoint but the checklist and the activation starts here."""
    state = module_state(ctx.tenant)
    if not state.active:
        raise Forbidden(NOT_ACTIVE)
    return state


def plan_of(tenant: str) -> domain.Plan:
    item = store.get_plan(tenant)
    return domain.Plan.model_validate(item) if item else domain.Plan()


def get_module(ctx: Ctx) -> ModuleState:
    if not ctx.principal.is_staff:
        raise Forbidden("Only staff see the client-case module.")
    return module_state(ctx.tenant)


# --- the readiness checklist and the activation ----------------------------------------------


def readiness(ctx: Ctx, limit: int, start: dict[str, Any] | None) -> dict[str, Any]:
    """One page of client organisations (active ones, by name) with what each lacks, and
    the price basis. Reads: the module, the plan, the counter, one Query of organisations,
    one BatchGetItem of their contacts, invitations and activity, one of the address book."""
    state, plan = module_state(ctx.tenant), plan_of(ctx.tenant)
    clients, private_persons = store.get_counts(ctx.tenant)
    page = directory.repo().list_organizations(ctx.tenant, "", limit, start,
                                               include_inactive=False)
    orgs = page.items
    invitations, activity, contacts = store.org_extras(
        ctx.tenant, [o["id"] for o in orgs],
        [(o["id"], o["main_contact_id"]) for o in orgs if o.get("main_contact_id")])
    book = store.addresses(ctx.tenant, [c["email"] for c in contacts.values() if c.get("email")])
    items = []
    for org in orgs:
        contact = contacts.get(org["id"]) if org.get("main_contact_id") else None
        email = (contact or {}).get("email")
        undeliverable = bool(email and (book.get(email.lower()) or {}).get("undeliverable"))
        problem = domain.email_problem(email, undeliverable) if contact else "missing"
        last = (activity.get(org["id"]) or {}).get("at") or org.get("connected_at")
        pointer = invitations.get(org["id"])
        address_ok = domain.address_ok(org.get("address"))
        items.append({
            "id": org["id"], "name": org["name"], "kind": org["kind"],
            "customer_number": org.get("customer_number"), "version": org.get("version", 1),
            "main_contact": {"id": contact["id"], "name": contact["name"], "email": email}
            if contact else None,
            "main_contact_ok": contact is not None, "email_ok": problem is None,
            "email_problem": problem, "address_ok": address_ok,
            "ready": contact is not None and problem is None and address_ok,
            "connected_at": org.get("connected_at"),
            "invitation": {"id": pointer["id"], "sent_at": pointer["sent_at"],
                           "state": domain.shown_state(pointer["state"], pointer["expires_at"],
                                                       ctx.now)} if pointer else None,
            "last_activity_at": last,
            "looks_inactive": domain.looks_inactive(last, org["created_at"], ctx.now),
        })
    return {
        "active": state.active, "active_clients": clients, "private_persons": private_persons,
        "price_per_client": plan.price_per_client, "currency": plan.currency,
        "monthly_price": domain.monthly_price(plan, clients),
        # Of this page: the whole list would be a scan (docs/decisions.md).
        "inactive_candidates": sum(1 for i in items if i["looks_inactive"]),
        "items": items, "last_key": page.last_key,
    }


def recount_clients(tenant: str) -> tuple[int, int]:
    """Sets the price basis counter from every organisation (a maintenance run for a tenant
    whose organisations predate the counter, not a request: it reads the whole register,
    100 a Query). A write of an organisation during the run may be lost from the count;
    running it again when all is quiet corrects it. Returns (clients, private persons)."""
    clients = private_persons = 0
    start: dict[str, Any] | None = None
    while True:
        page = directory.repo().list_organizations(tenant, "", 100, start)
        for org in page.items:
            c, p = domain.client_counts(org)
            clients, private_persons = clients + c, private_persons + p
        start = page.last_key
        if not start:
            break
    uow = UnitOfWork()
    store.set_counts(uow, tenant, clients, private_persons)
    uow.commit()
    return clients, private_persons


def activate(ctx: Ctx) -> ModuleState:
    """Records the price basis shown (active clients, private persons excluded) and the
    monthly price of the tenant's plan; a second call answers the recorded state."""
    p = ctx.principal
    if "admin" not in p.roles or not p.can(Permission.SETTINGS_EDIT):
        raise Forbidden("Activating client cases needs the admin role and settings.edit.")
    current = module_state(ctx.tenant)
    if current.active:
        return current
    plan = plan_of(ctx.tenant)
    clients, _ = store.get_counts(ctx.tenant)
    state = ModuleState(active=True, activated_at=ctx.stamp, activated_by=p.user_id,
                        active_clients=clients, monthly_price=domain.monthly_price(plan, clients),
                        price_per_client=plan.price_per_client, currency=plan.currency)
    uow = UnitOfWork()
    store.put_module(uow, ctx.tenant, state.model_dump(mode="json"))
    # Monthly in arrears: the activation month closes on the first day of the next.
    month = domain.month_of(ctx.stamp)
    store.put_close_timer(uow, ctx.tenant, month, utc_iso(domain.month_end(month)))
    directory.audit(uow, ctx, "client_cases_activated", "client_cases",
                    state.model_dump(mode="json"))
    try:
        uow.commit()
    except Conflict:
        return module_state(ctx.tenant)
    return state


# --- invitations: tokens -----------------------------------------------------------------------


@dataclass(frozen=True)
class InvitationToken:
    tenant: str
    invitation_id: str
    token_id: str


def issue_token(tenant: str, invitation_id: str, token_id: str) -> str:
    payload = json.dumps({"v": 1, "t": tenant, "i": invitation_id, "j": token_id},
                         separators=(",", ":"), sort_keys=True).encode()
    return signing.seal(get_config().secret, SCOPE, payload)


def read_token(token: str) -> InvitationToken:
    """The token's content once its signature holds; 400 naming ``token`` otherwise."""
    try:
        data: dict[str, Any] = json.loads(signing.unseal(get_config().secret, SCOPE, token))
        return InvitationToken(tenant=str(data["t"]), invitation_id=str(data["i"]),
                               token_id=str(data["j"]))
    except (signing.BadSignature, ValueError, KeyError, TypeError, UnicodeError):
        raise InvalidInput("The invitation link is not valid: it was altered or cut short.",
                           [FieldError(("path", "token"), "invalid or altered token")]) from None


def invitation_link(token: str) -> str:
    from urllib.parse import quote

    return f"{get_config().portal_url.rstrip('/')}/#/invitation?token={quote(token)}"


# --- invitations: staff ------------------------------------------------------------------------


def _shown(invitation: Item, now: datetime) -> domain.Invitation:
    return domain.Invitation.model_validate({
        **invitation, "state": domain.shown_state(invitation["stored_state"],
                                                  invitation["expires_at"], now)})


def _main_contact(ctx: Ctx, org: Organization) -> Item:
    contact = directory.repo().get_child(ctx.tenant, org.id, "contact", org.main_contact_id) \
        if org.main_contact_id else None
    email = (contact or {}).get("email")
    entry = directory.mail_addresses().who_is(ctx.tenant, email) if email else None
    problems = domain.invitation_problems(contact, bool(entry and entry.get("undeliverable")))
    if problems:
        raise BusinessRuleViolation("The organisation cannot be invited yet.",
                           [FieldError(loc, msg) for loc, msg in problems])
    assert contact is not None
    return contact


def _org_for_invitation(ctx: Ctx, org_id: str) -> Organization:
    item = directory.repo().get_organization(ctx.tenant, org_id)
    if item is None:
        raise NotFound("No such organisation.")
    org = Organization.model_validate(item)
    if not org.active:
        raise BusinessRuleViolation("The organisation is inactive.",
                           [FieldError(("body", "organization_id"), "inactive organisation")])
    if org.kind == "private_person":
        raise BusinessRuleViolation("A private person is not a client organisation.",
                           [FieldError(("body", "organization_id"), "a private person")])
    if org.connected_at:
        raise Conflict("The organisation is connected already.")
    return org


def _event(ctx: Ctx, kind: str, invitation: Item) -> Item:
    return history_event(ctx, kind, {"invitation_id": invitation["id"],
                                     "organization_id": invitation["organization_id"]})


def _save(ctx: Ctx, invitation: Item, expected: int | None, kind: str) -> None:
    """The invitation, the organisation's pointer to it, its audit event and, for a mail
    to send, its outbox record: one transaction."""
    uow = UnitOfWork()
    store.put_invitation(uow, ctx.tenant, invitation, expected)
    store.put_pointer(uow, ctx.tenant, invitation["organization_id"], {
        "id": invitation["id"], "state": invitation["stored_state"],
        "sent_at": invitation["sent_at"], "expires_at": invitation["expires_at"]},
        replacing_live_before=ctx.stamp if expected is None else None)
    directory.audit(uow, ctx, f"invitation_{kind}", f"invitation/{invitation['id']}",
                    {"organization_id": invitation["organization_id"],
                     "email": invitation["email"]})
    if kind == "sent":
        publish(uow, get_config().tickets_table, ctx.tenant, MODULE, invitation["id"],
                [_event(ctx, "invitation_sent", invitation)], INVITATION_EVENTS)
    uow.commit()


def invite(ctx: Ctx, body: domain.InvitationCreate) -> domain.Invitation:
    require_active(ctx)
    org = _org_for_invitation(ctx, body.organization_id)
    pointer = store.get_pointer(ctx.tenant, org.id)
    if pointer and domain.live(pointer["state"], pointer["expires_at"], ctx.now):
        raise Conflict("The organisation has an invitation waiting; resend or revoke it.")
    contact = _main_contact(ctx, org)
    invitation = {
        "id": ctx.new_id(), "organization_id": org.id, "organization_name": org.name,
        "contact_id": contact["id"], "contact_name": contact["name"],
        "email": contact["email"], "language": contact.get("language") or "sv",
        "stored_state": "sent", "sent_at": ctx.stamp, "sent_by": ctx.principal.user_id,
        "expires_at": utc_iso(ctx.now + timedelta(days=body.valid_days)),
        "token_id": ctx.new_id(), "resent_count": 0, "version": 1,
    }
    _save(ctx, invitation, None, "sent")
    return _shown(invitation, ctx.now)


def _invitation(ctx: Ctx, invitation_id: str) -> Item:
    require_active(ctx)
    item = store.get_invitation(ctx.tenant, invitation_id, consistent=True)
    if item is None:
        raise NotFound("No such invitation.")
    return item


def resend(ctx: Ctx, invitation_id: str, body: domain.InvitationResend) -> domain.Invitation:
    """A new link with a new expiry, to the main contact as now recorded; the old link is
    dead. An accepted or revoked invitation is not sent again (409)."""
    current = _invitation(ctx, invitation_id)
    if current["stored_state"] != "sent":
        raise Conflict(f"The invitation is {current['stored_state']}; it cannot be resent.")
    org = _org_for_invitation(ctx, current["organization_id"])
    contact = _main_contact(ctx, org)
    updated = {**current, "contact_id": contact["id"], "contact_name": contact["name"],
               "email": contact["email"], "language": contact.get("language") or "sv",
               "sent_at": ctx.stamp, "sent_by": ctx.principal.user_id,
               "expires_at": utc_iso(ctx.now + timedelta(days=body.valid_days)),
               "token_id": ctx.new_id(), "resent_count": int(current["resent_count"]) + 1,
               "version": int(current["version"]) + 1}
    _save(ctx, updated, int(current["version"]), "sent")
    return _shown(updated, ctx.now)


def revoke(ctx: Ctx, invitation_id: str) -> domain.Invitation:
    current = _invitation(ctx, invitation_id)
    if current["stored_state"] != "sent":
        raise Conflict(f"The invitation is {current['stored_state']}; it cannot be revoked.")
    updated = {**current, "stored_state": "revoked", "revoked_at": ctx.stamp,
               "version": int(current["version"]) + 1}
    _save(ctx, updated, int(current["version"]), "revoked")
    return _shown(updated, ctx.now)


def list_invitations(ctx: Ctx, state: domain.InvitationState, limit: int,
                     start: dict[str, Any] | None) -> Page:
    require_active(ctx)
    stored = "sent" if state == "expired" else state
    expired = {"sent": False, "expired": True}.get(state)
    page = store.list_invitations(ctx.tenant, stored, limit, start, expired, ctx.stamp)
    return Page([_shown(i, ctx.now).model_dump(mode="json") for i in page.items], page.last_key)


# --- invitations: the client's side (public, the token in the path) ----------------------------


def _by_token(token: str, now: datetime) -> tuple[InvitationToken, Item, TenantSettings]:
    """The invitation a genuine token names while its link works: 400 for a forged or
    altered token, 410 for one expired, revoked, used or replaced by a resend."""
    read = read_token(token)
    item = store.get_invitation(read.tenant, read.invitation_id, consistent=True)
    settings = directory.repo().get_settings(read.tenant)
    if item is None or settings is None:
        raise Gone("The invitation no longer exists.")
    if item["token_id"] != read.token_id:
        raise Gone("This link was replaced by a newer invitation; use the latest e-mail.")
    state = domain.shown_state(item["stored_state"], item["expires_at"], now)
    if state != "sent":
        raise Gone(f"The invitation is {state}; ask the firm for a new one.")
    return read, item, TenantSettings.model_validate(settings)


def preview(token: str, now: datetime) -> domain.InvitationPreview:
    """What the acceptance page shows; changes nothing (mail scanners follow links)."""
    read = read_token(token)
    item = store.get_invitation(read.tenant, read.invitation_id)
    if item is None or item["token_id"] != read.token_id:
        raise Gone("This link was replaced by a newer invitation or no longer exists.")
    settings = directory.repo().get_settings(read.tenant) or {}
    return domain.InvitationPreview(
        tenant_name=settings.get("name") or read.tenant,
        organization_name=item["organization_name"], contact_name=item["contact_name"],
        email=item["email"], expires_at=item["expires_at"],
        state=domain.shown_state(item["stored_state"], item["expires_at"], now))


def _acting_for(tenant: str, invitation: Item) -> Principal:
    """The acceptance creates the portal user through the ordinary path: it acts with
    users.manage on behalf of the invitation (the audit trail names it)."""
    return Principal(tenant=tenant, user_id=f"invitation:{invitation['id']}",
                     email=invitation["email"], roles=(),
                     permissions=frozenset({Permission.USERS_MANAGE}), kind="system",
                     organization_id=None, language=invitation.get("language", "sv"),
                     record={"name": invitation["contact_name"]})


def _existing_user(tenant: str, contact: Item, email: str) -> Item | None:
    people = directory.repo()
    if contact.get("user_id"):
        return people.get_user(tenant, contact["user_id"])
    entry = directory.mail_addresses().who_is(tenant, email)
    return people.get_user(tenant, entry["user_id"]) if entry and entry.get("user_id") else None


def accept(token: str, now: datetime) -> domain.Accepted:
    read, invitation, settings = _by_token(token, now)
    tenant = read.tenant
    ctx = Ctx(principal=_acting_for(tenant, invitation), now=now)
    if not module_state(tenant).active:
        raise Gone("The firm has no client cases any more.")
    people = directory.repo()
    org_item = people.get_organization(tenant, invitation["organization_id"])
    contact = people.get_child(tenant, invitation["organization_id"], "contact",
                               invitation["contact_id"])
    if org_item is None or contact is None or not org_item.get("active", True):
        raise Gone("The organisation or its contact no longer exists.")
    org = Organization.model_validate(org_item)
    email = str(contact.get("email") or invitation["email"])
    user = _existing_user(tenant, contact, email)
    if user is not None:
        if (user.get("kind") != "contact" or user.get("organization_id") != org.id
                or "contact_admin" not in user.get("roles", [])):
            raise Forbidden(f"{email} is a portal user already without the administrator "
                            f"role (contact_admin) of {org.name}; an administrator of "
                            f"{org.name} must give it before the invitation can be accepted.")
    else:
        directory.create_user(ctx, UserCreate(
            email=email, name=contact["name"], kind="contact", organization_id=org.id,
            contact_id=contact["id"], language=contact.get("language") or "sv",
            roles=["contact_admin"]))
    accepted = {**invitation, "stored_state": "accepted", "accepted_at": ctx.stamp,
                "version": int(invitation["version"]) + 1}
    connected = org.model_copy(update={"connected_at": org.connected_at or ctx.stamp,
                                       "updated_at": ctx.stamp, "version": org.version + 1})
    uow = UnitOfWork()
    store.put_invitation(uow, tenant, accepted, int(invitation["version"]))
    store.put_pointer(uow, tenant, org.id, {"id": accepted["id"], "state": "accepted",
                                            "sent_at": accepted["sent_at"],
                                            "expires_at": accepted["expires_at"]})
    people.put_organization(uow, connected.model_dump(mode="json"),
                            name_key(org.name), expected=org.version)
    store.touch(uow, tenant, org.id, ctx.stamp)
    directory.audit(uow, ctx, "invitation_accepted", f"invitation/{invitation['id']}",
                    {"organization_id": org.id, "user_created": user is None})
    uow.commit()
    return domain.Accepted(organization_id=org.id, organization_name=org.name,
                           tenant_name=settings.name or tenant, user_created=user is None,
                           email=email,
                           login_url=f"{get_config().portal_url.rstrip('/')}/#/login")


# --- the mail (the outbox's consumer asks for it) -----------------------------------------------


def invitation_plan(tenant: str, settings: TenantSettings, invitation_id: str,
                    event: dict[str, Any]) -> Any:
    """The invitation's mail to the main contact, by address (they may have no user yet),
    in their language. A resend makes a new record; an old record whose invitation was
    sent again, used or revoked since sends nothing."""
    from chalicelib.domain.notifications import Notice
    from chalicelib.services.notifications import Plan

    item = store.get_invitation(tenant, invitation_id, consistent=True)
    if item is None or item["stored_state"] != "sent" or item["sent_at"] != event["at"]:
        return None
    pseudo = f"email:{item['email']}"
    users = {pseudo: {"id": pseudo, "email": item["email"], "name": item["contact_name"],
                      "kind": "contact", "language": item.get("language", "sv"),
                      "active": True, "mail_only": True}}
    link = invitation_link(issue_token(tenant, item["id"], item["token_id"]))

    def context(notice: Notice, user: Item) -> dict[str, Any]:
        from chalicelib.notify.render import format_time

        return {"invitation": {"organization_name": item["organization_name"],
                               "expires_at": format_time(item["expires_at"],
                                                         str(user["language"]),
                                                         settings.support_hours.timezone)},
                "link": link}

    return Plan(tenant, settings, event, users,
                [Notice("client_invitation", pseudo)],  # type: ignore[arg-type]
                context)


def record_sign_in(principal: Principal, now: datetime) -> None:
    """A contact's sign-in is their organisation's activity (the checklist's "looks
    inactive": no ticket, contact order or login in 12 months). Best effort: a sign-in
    never fails for it."""
    if principal.is_staff or not principal.organization_id:
        return
    try:
        uow = UnitOfWork()
        store.touch(uow, principal.tenant, principal.organization_id, utc_iso(now))
        uow.commit()
    except Exception:  # the sign-in stands; the activity is a hint, not a record
        log.warning("could not record the sign-in's activity", exc_info=True)
