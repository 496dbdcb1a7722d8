"""Directory use cases: settings, roles, users, organisations with their contacts,
sites and service objects, and the in-app inbox. Each write is one transaction that
also records an audit event."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from chalicelib.config import get_config
from chalicelib.domain import directory as domain
from chalicelib.domain.errors import (
    BusinessRuleViolation,
    Conflict,
    ErrorList,
    FieldError,
    Forbidden,
    InvalidInput,
    NotFound,
    Unauthenticated,
)
from chalicelib.domain.ids import new_ulid
from chalicelib.domain.models import Record, utc_iso
from chalicelib.domain.permissions import (
    DEFAULT_ROLES,
    ROLE_ORGANIZATION_KINDS,
    Permission,
    permissions_for,
)
from chalicelib.domain.principal import Principal
from chalicelib.identity import cognito
from chalicelib.identity.tokens import Claims
from chalicelib.mail import verification
from chalicelib.services.context import Ctx
from chalicelib.services.writes import check_version, commit_versioned, refuse_nulls
from chalicelib.store.directory import DirectoryRepository
from chalicelib.store.dynamo import Page, UnitOfWork
from chalicelib.store.mail import MailRepository

log = logging.getLogger("helpdesk.directory")


def repo() -> DirectoryRepository:
    return DirectoryRepository(get_config().directory_table)


def _audit(uow: UnitOfWork, ctx: Ctx, kind: str, subject: str, data: dict[str, Any]) -> None:
    repo().audit(
        uow,
        ctx.tenant,
        {"id": ctx.new_id(), "at": ctx.stamp, "actor": ctx.principal.user_id, "type": kind,
         "subject": subject, "data": data},
    )


def audit(uow: UnitOfWork, ctx: Ctx, kind: str, subject: str, data: dict[str, Any]) -> None:
    """The directory's audit event of a change, for other modules' directory items
    (client cases' activation and invitations)."""
    _audit(uow, ctx, kind, subject, data)


def _changes(before: BaseModel, after: BaseModel, fields: set[str]) -> dict[str, Any]:
    """What an update changed, as plain JSON values for the audit event."""
    old, new = before.model_dump(mode="json"), after.model_dump(mode="json")
    return {f: {"from": old.get(f), "to": new.get(f)} for f in sorted(fields)
            if old.get(f) != new.get(f)}


# --- who is calling -------------------------------------------------------------------


def load_principal(claims: Claims) -> Principal:
    """The token says which user of which tenant; the directory record, read anyway, says
    whether they are active and which roles they hold, so a demotion or a removal counts
    at the very next request, not when the token runs out."""
    user = repo().get_user(claims.tenant, claims.user_id)
    if user is None or not user.get("active", True):
        raise Unauthenticated("The user is unknown or disabled.")
    return principal_of(claims.tenant, user)


def principal_of(tenant: str, user: dict[str, Any]) -> Principal:
    """A user acting (from a verified token or a signed one-click link), with the roles
    and e-mail address of their directory record."""
    held = tuple(sorted(user.get("roles", [])))
    return Principal(
        tenant=tenant,
        user_id=user["id"],
        email=user["email"],
        roles=held,
        permissions=permissions_for(list(held), repo().saved_roles(tenant)),
        kind=user["kind"],
        organization_id=user.get("organization_id"),
        language=user.get("language", "sv"),
        record=user,
    )


def system_principal(tenant: str) -> Principal:
    """The scheduler: sweeps act as "system" in the history, with no rights of a user."""
    return Principal(tenant=tenant, user_id="system", email="", roles=(),
                     permissions=frozenset(), kind="system", organization_id=None,
                     language="sv", record={"name": "Helpdesk"})


def get_me(ctx: Ctx, record: dict[str, Any] | None = None) -> dict[str, Any]:
    """The signed-in user (``record``: their record as just changed) with their roles,
    permissions, the tenant's name and the time zone their dates are shown in."""
    user = record or ctx.principal.record or repo().get_user(ctx.tenant, ctx.principal.user_id)
    if user is None:
        raise NotFound("No such user.")
    settings = repo().get_settings(ctx.tenant) or {}
    hours = settings.get("support_hours") or {}
    shown = domain.User.model_validate(user).model_dump(mode="json")
    flags = _client_case_flags(ctx, shown)
    return {
        **flags,
        **shown,
        "roles": list(ctx.principal.roles),
        "permissions": sorted(ctx.principal.permissions),
        "tenant_name": settings.get("name") or ctx.tenant,
        # The user's own zone, else the one the tenant's support hours are kept in.
        "timezone": shown.get("timezone") or hours.get("timezone") or "Europe/Stockholm",
        "timezone_own": bool(shown.get("timezone")),
    }


def _client_case_flags(ctx: Ctx, user: dict[str, Any]) -> dict[str, Any]:
    """Client cases (issue 19): whether the module is on and, for a contact, whether their
    organisation accepted the firm's invitation."""
    from chalicelib.services.client_cases import module_state

    flags: dict[str, Any] = {"client_cases_active": module_state(ctx.tenant).active}
    if user.get("kind") == "contact" and user.get("organization_id"):
        org = repo().get_organization(ctx.tenant, user["organization_id"])
        flags["organization_connected"] = bool(org and org.get("connected_at"))
    return flags


# --- tenants and settings -------------------------------------------------------------


def provision_tenant(tenant: str, name: str, now: datetime) -> bool:
    """Creates a tenant's settings with the defaults; False when it exists already."""
    r = repo()
    if r.get_settings(tenant) is not None:
        return False
    settings = domain.TenantSettings(tenant=tenant, updated_at=utc_iso(now), name=name)
    uow = UnitOfWork()
    r.put_settings(uow, tenant, settings.model_dump(mode="json"), expected=None)
    try:
        uow.commit()
    except Conflict:
        return False
    return True


def get_settings(ctx: Ctx) -> domain.TenantSettings:
    item = repo().get_settings(ctx.tenant)
    if item is None:
        raise NotFound("The tenant has no settings.")
    return domain.TenantSettings.model_validate(item)


def put_settings(ctx: Ctx, body: domain.SettingsBody) -> domain.TenantSettings:
    current = get_settings(ctx)
    check_version(ctx, current.version)
    # A support address is claimed, not taken: it stays "pending" (routing nothing,
    # blocking nobody) until the code mailed to it comes back (verify_email_address).
    before, after = set(current.email.addresses), set(body.email.addresses)
    ours = get_config().mail_domain
    foreign = [FieldError(("body", "email", "addresses", i), "an address of our mail domain")
               for i, a in enumerate(body.email.addresses)
               if a in after - before and a.rpartition("@")[2] == ours]
    if foreign:
        # <tenant>@ and reply+ addresses route by name; they are nobody's to claim.
        raise InvalidInput("Addresses of the mail domain cannot be claimed.", foreign)
    status: dict[str, domain.EmailAddressStatus] = {
        a: current.email_address_status.get(a, "pending") for a in body.email.addresses}
    updated = domain.TenantSettings(
        **{**body.model_dump(), "email_address_status": status}, tenant=ctx.tenant,
        updated_at=ctx.stamp, version=current.version + 1)
    uow = UnitOfWork()
    repo().put_settings(uow, ctx.tenant, updated.model_dump(mode="json"), current.version)
    for address in sorted(before - after):
        if current.email_address_status.get(address) == "verified":
            mail_addresses().release_route(uow, ctx.tenant, address)
    if updated.weekly_summary != current.weekly_summary or (
            updated.weekly_summary
            and updated.support_hours.timezone != current.support_hours.timezone):
        from chalicelib.services.report_summaries import schedule

        schedule(uow, ctx.tenant, updated, ctx.now)
    _audit(uow, ctx, "settings_changed", "settings",
           _changes(current, updated, set(domain.SettingsBody.model_fields)))
    commit_versioned(ctx, uow)
    for address in sorted(after - before):
        _mail_address_code(ctx, updated, address)
    return updated


def _claimed(ctx: Ctx, address: str) -> tuple[domain.TenantSettings, str]:
    settings = get_settings(ctx)
    address = address.lower()
    if address not in settings.email.addresses:
        raise NotFound("The tenant's settings claim no such support address.")
    return settings, address


def verify_email_address(ctx: Ctx, address: str, code: str) -> domain.TenantSettings:
    """The code mailed to a claimed address came back: the address routes the tenant's
    mail from now on, unless another tenant proved it first (409)."""
    current, address = _claimed(ctx, address)
    check = verification.check_code(get_config().secret, ctx.tenant, address, code,
                                    int(ctx.now.timestamp()))
    if check != "ok":
        raise InvalidInput("The code is not the one mailed to this address, or it expired.",
                           [FieldError(("body", "code"), f"{check} code")])
    if current.email_address_status.get(address) == "verified":
        return current
    updated = current.model_copy(update={
        "email_address_status": {**current.email_address_status, address: "verified"},
        "updated_at": ctx.stamp, "version": current.version + 1})
    uow = UnitOfWork()
    repo().put_settings(uow, ctx.tenant, updated.model_dump(mode="json"), current.version)
    mail_addresses().claim_route(uow, ctx.tenant, address, ctx.stamp)
    _audit(uow, ctx, "email_address_verified", "settings", {"address": address})
    commit_versioned(ctx, uow)
    return updated


def send_email_address_code(ctx: Ctx, address: str) -> None:
    """Mails a new code to a pending address (the first may have expired or gone astray)."""
    current, address = _claimed(ctx, address)
    if current.email_address_status.get(address) == "verified":
        raise BusinessRuleViolation("The address is verified already.",
                                    [FieldError(("path", "address"), "verified already")])
    _mail_address_code(ctx, current, address)


ADDRESS_CODE_HEADER = "X-Helpdesk-Address-Verification"
_CODE_MAIL = {
    "sv": ("Bekräfta supportadressen {address}",
           "Hej,\n\n{tenant} vill ta emot supportärenden som skickas till {address} i "
           "Helpdesk. Ange koden nedan under Inställningar för att bekräfta att adressen är "
           "er. Koden gäller i tre dygn.\n\n{code}\n\nHar ni inte bett om detta kan ni "
           "bortse från meddelandet: inget skickas vidare förrän koden anges."),
    "fi": ("Vahvista tukiosoite {address}",
           "Hei,\n\n{tenant} haluaa vastaanottaa osoitteeseen {address} lähetetyt "
           "tukipyynnöt Helpdeskissä. Vahvista osoite syöttämällä alla oleva koodi "
           "asetuksiin. Koodi on voimassa kolme vuorokautta.\n\n{code}\n\nJos ette "
           "pyytäneet tätä, voitte jättää viestin huomiotta."),
    "en": ("Confirm the support address {address}",
           "Hello,\n\n{tenant} wants to receive support requests sent to {address} in "
           "Helpdesk. Enter the code below in the settings to confirm the address is yours. "
           "The code is valid for three days.\n\n{code}\n\nIf you did not ask for this, "
           "ignore this message: nothing is received until the code is entered."),
}


def _mail_address_code(ctx: Ctx, settings: domain.TenantSettings, address: str) -> None:
    """Best effort after the commit: a mail that fails is sent again on request."""
    from markupsafe import escape

    from chalicelib.notify.senders import build_email, send_email

    code = verification.issue_code(get_config().secret, ctx.tenant, address,
                                   int(ctx.now.timestamp()))
    subject, text = _CODE_MAIL[settings.default_language]
    values = {"address": address, "tenant": settings.name or ctx.tenant, "code": code}
    body = text.format(**values)
    html = "".join(f"<p>{escape(p)}</p>" for p in body.split("\n\n"))
    message = build_email(address, settings.name or "Helpdesk", subject.format(**values),
                          body, html)
    # Forwarded to the tenant's own address, the mail proves the address by itself
    # (services/inbound_mail/receive.py reads this header).
    message[ADDRESS_CODE_HEADER] = f"{address} {code}"
    try:
        send_email(message)
    except Exception:
        log.warning("could not mail the code for %s of %s", address, ctx.tenant, exc_info=True)


# --- roles ----------------------------------------------------------------------------


def list_roles(ctx: Ctx) -> list[domain.Role]:
    saved = repo().saved_roles(ctx.tenant)
    names = sorted(set(DEFAULT_ROLES) | set(saved))
    return [domain.role_view(n, saved.get(n)) for n in names]


def known_roles(tenant: str) -> set[str]:
    return set(DEFAULT_ROLES) | set(repo().saved_roles(tenant))


def put_role(ctx: Ctx, name: str, body: domain.RoleBody) -> domain.Role:
    domain.check_role_update(name, body.permissions)
    uow = UnitOfWork()
    repo().put_role(uow, ctx.tenant, name, body.permissions)
    _audit(uow, ctx, "role_saved", f"role/{name}", {"permissions": body.permissions})
    uow.commit()
    return domain.role_view(name, frozenset(body.permissions))


# --- users ----------------------------------------------------------------------------


def list_users(ctx: Ctx, limit: int, start: dict[str, Any] | None) -> Page:
    return repo().list_users(ctx.tenant, limit, start)


def get_user(ctx: Ctx, user_id: str) -> domain.User:
    item = repo().get_user(ctx.tenant, user_id)
    if item is None:
        raise NotFound("No such user.")
    return domain.User.model_validate(item)


def _require_org(ctx: Ctx, org_id: str, loc: tuple[str, ...]) -> domain.Organization:
    item = repo().get_organization(ctx.tenant, org_id)
    if item is None:
        raise InvalidInput("The organisation does not exist.",
                           [FieldError(loc, "no such organization")])
    return domain.Organization.model_validate(item)


def _check_roles_fit_organization(roles: list[str], org: domain.Organization) -> None:
    """``supplier`` and ``buyer`` are for users of an organisation of that kind only."""
    errors = ErrorList()
    for index, role in enumerate(roles):
        kind = ROLE_ORGANIZATION_KINDS.get(role)
        if kind is not None and org.kind != kind:
            errors.add(("body", "roles", index),
                       f"the role {role!r} is for users of a {kind} organization")
    errors.raise_if_any()


def _contact_for_new_user(ctx: Ctx, body: domain.UserCreate) -> domain.Contact:
    """A portal user is a contact: the given one (not yet a user), or a new one."""
    assert body.organization_id
    if body.contact_id:
        item = repo().get_child(ctx.tenant, body.organization_id, "contact", body.contact_id)
        if item is None:
            raise InvalidInput("No such contact in that organisation.",
                               [FieldError(("body", "contact_id"), "no such contact")])
        contact = domain.Contact.model_validate(item)
        if contact.user_id:
            raise Conflict("The contact has a portal user already.",
                           [FieldError(("body", "contact_id"), "already a portal user")])
        return contact
    return domain.Contact(id=ctx.new_id(), organization_id=body.organization_id, name=body.name,
                     email=body.email, phone=body.phone, language=body.language,
                     created_at=ctx.stamp)


def _may_manage_users_of(ctx: Ctx, body: domain.UserCreate) -> None:
    p = ctx.principal
    if p.can(Permission.USERS_MANAGE):
        return
    # A contact admin adds portal users to their own organisation only.
    if (p.can(Permission.ORGANIZATIONS_MANAGE_OWN_CONTACTS) and body.kind == "contact"
            and body.organization_id == p.organization_id
            and set(body.effective_roles()) <= {"contact", "contact_admin"}):
        return
    raise Forbidden("You may add portal users to your own organisation only.")


def mail_addresses() -> MailRepository:
    config = get_config()
    return MailRepository(config.tickets_table, config.directory_table)


def create_user(ctx: Ctx, body: domain.UserCreate) -> domain.User:
    _may_manage_users_of(ctx, body)
    roles = body.effective_roles()
    domain.check_roles_fit_kind(body.kind, roles, known_roles(ctx.tenant))
    contact: domain.Contact | None = None
    if body.kind == "contact":
        assert body.organization_id
        org = _require_org(ctx, body.organization_id, ("body", "organization_id"))
        _check_roles_fit_organization(roles, org)
        contact = _contact_for_new_user(ctx, body)
    user_id = cognito.create_user(body.email, body.name, ctx.tenant)
    user = domain.User(id=user_id, tenant=ctx.tenant, email=body.email, name=body.name,
                  kind=body.kind, roles=roles, organization_id=body.organization_id,
                  contact_id=contact.id if contact else None, language=body.language,
                  phone=body.phone, created_at=ctx.stamp, updated_at=ctx.stamp)
    uow = UnitOfWork()
    r = repo()
    r.put_user(uow, user.model_dump(mode="json"), expected=None)
    # The address book inbound mail asks "who wrote this?" (it replaces an unverified
    # contact made from earlier mail of the same address).
    mail_addresses().put_address(uow, ctx.tenant, body.email, {
        "user_id": user_id, "kind": body.kind, "organization_id": body.organization_id})
    if contact is not None:
        linked = contact.model_copy(update={"user_id": user_id})
        if body.contact_id:
            linked = linked.model_copy(update={"version": contact.version + 1})
        r.put_child(uow, ctx.tenant, "contact", linked.model_dump(mode="json"),
                    expected=contact.version if body.contact_id else None)
    _audit(uow, ctx, "user_created", f"user/{user_id}",
           {"email": body.email, "kind": body.kind, "roles": roles})
    try:
        uow.commit()
    except Exception:
        cognito.delete_user(user_id)
        raise
    return user


def patch_user(ctx: Ctx, user_id: str, body: domain.UserPatch) -> domain.User:
    current = get_user(ctx, user_id)
    check_version(ctx, current.version)
    changes = body.model_dump(exclude_unset=True)
    refuse_nulls(changes, ("name", "roles", "active", "email_undeliverable"))
    if "roles" in changes:
        changes["roles"] = sorted(set(changes["roles"]))
        domain.check_roles_fit_kind(current.kind, changes["roles"], known_roles(ctx.tenant))
        if current.organization_id:
            _check_roles_fit_organization(changes["roles"], _require_org(
                ctx, current.organization_id, ("body", "roles")))
    if user_id == ctx.principal.user_id and (
        changes.get("active") is False
        or ("admin" in current.roles and "admin" not in changes.get("roles", current.roles))
    ):
        raise BusinessRuleViolation("You cannot disable yourself or drop your own admin role.")
    updated = current.model_copy(update={**changes, "updated_at": ctx.stamp,
                                         "version": current.version + 1})
    # Saying "active" again re-applies it in Cognito: repairs a sign-in lock left by a
    # write that reached Cognito but not the directory.
    _sync_cognito(current, updated, again="active" in changes)
    try:
        _save_user(ctx, current, updated, set(domain.UserPatch.model_fields),
                   clear_bounce=changes.get("email_undeliverable") is False)
    except Exception:
        _sync_cognito(updated, current)
        raise
    return updated


def _sync_cognito(before: domain.User, after: domain.User, again: bool = False) -> None:
    """Cognito holds only whether the user may sign in (roles are the directory's alone).
    It is a second lock: the directory's ``active`` is what every request checks. Cognito
    is changed first and changed back if the directory's write fails; a crash in between
    leaves an enabled user unable to sign in (the PATCH failed, and repeating it repairs
    it) or a disabled one able to sign in but refused by every request. Addressed by the
    user's id, Cognito's username, never by the e-mail attribute, which may have changed."""
    if again or before.active != after.active:
        cognito.set_enabled(after.id, after.active)


def _deliver_again(uow: UnitOfWork, tenant: str, address: str) -> None:
    """Clears the address book's mark of a bounced address (mail to unverified senders
    asks it), in the transaction that clears the user's flag."""
    entry = mail_addresses().who_is(tenant, address)
    if entry is not None and entry.get("undeliverable"):
        mail_addresses().mark_undeliverable(uow, tenant, address, entry, undeliverable=False)


def patch_me(ctx: Ctx, body: domain.MePatch) -> domain.User:
    """A user's own name, language and phone, and a bounce's mark cleared: their record
    changed like any other (versioned, audited)."""
    item = repo().get_user(ctx.tenant, ctx.principal.user_id)
    if item is None:
        raise NotFound("No such user.")
    current = domain.User.model_validate(item)
    check_version(ctx, current.version)
    changes = body.model_dump(exclude_unset=True)
    refuse_nulls(changes, ("name", "language", "email_undeliverable"))
    updated = current.model_copy(update={**changes, "updated_at": ctx.stamp,
                                         "version": current.version + 1})
    _save_user(ctx, current, updated, set(domain.MePatch.model_fields),
               clear_bounce=changes.get("email_undeliverable") is False)
    return updated


def _save_user(ctx: Ctx, current: domain.User, updated: domain.User, patchable: set[str],
               clear_bounce: bool) -> None:
    """A changed user record with its audit entry (and, when the change clears a bounce's
    mark, the address book's mark too), in one versioned transaction."""
    uow = UnitOfWork()
    repo().put_user(uow, updated.model_dump(mode="json"), expected=current.version)
    if clear_bounce:
        _deliver_again(uow, ctx.tenant, current.email)
    _audit(uow, ctx, "user_changed", f"user/{current.id}",
           _changes(current, updated, patchable))
    commit_versioned(ctx, uow)


def set_notification_preferences(ctx: Ctx, body: domain.NotificationPreferences
                                 ) -> domain.NotificationPreferences:
    """A user's own choice; a change of their record like any other (versioned, audited)."""
    current = domain.User.model_validate(repo().get_user(ctx.tenant, ctx.principal.user_id))
    check_version(ctx, current.version)
    updated = current.model_copy(update={"muted_email": body.muted_email,
                                         "updated_at": ctx.stamp, "version": current.version + 1})
    uow = UnitOfWork()
    repo().put_user(uow, updated.model_dump(mode="json"), expected=current.version)
    _audit(uow, ctx, "user_changed", f"user/{current.id}",
           _changes(current, updated, {"muted_email"}))
    commit_versioned(ctx, uow)
    return body


# --- organisations --------------------------------------------------------------------


def _visible_org_id(ctx: Ctx, org_id: str) -> None:
    """Staff see every organisation; a contact only their own. Others' ids are unknown."""
    p = ctx.principal
    if p.can(Permission.ORGANIZATIONS_VIEW):
        return
    if p.can(Permission.ORGANIZATIONS_VIEW_OWN) and p.organization_id == org_id:
        return
    raise NotFound("No such organisation.")


def get_organization(ctx: Ctx, org_id: str) -> domain.Organization:
    _visible_org_id(ctx, org_id)
    item = repo().get_organization(ctx.tenant, org_id)
    if item is None:
        raise NotFound("No such organisation.")
    return domain.Organization.model_validate(item)


def list_organizations(ctx: Ctx, q: str, limit: int, start: dict[str, Any] | None,
                       include_inactive: bool = False) -> Page:
    """By name; an inactive client (seed 003) only when ``include_inactive`` asks."""
    if not ctx.principal.can(Permission.ORGANIZATIONS_VIEW):
        # A contact's list holds their own organisation only.
        own = ctx.principal.organization_id
        item = repo().get_organization(ctx.tenant, own) if own and not start else None
        keep = item is not None and domain.name_key(item["name"]).startswith(domain.name_key(q))
        return Page([item] if keep and item else [], None)
    return repo().list_organizations(ctx.tenant, domain.name_key(q), limit, start,
                                     include_inactive=include_inactive)


def _count_clients(uow: UnitOfWork, tenant: str, before: domain.Organization | None,
                   after: domain.Organization) -> None:
    """The price basis of client cases (active clients, private persons apart) moves in
    the transaction of the organisation's write (``store/client_cases.py``)."""
    from chalicelib.domain.client_cases import count_delta
    from chalicelib.store import client_cases

    shown = before.model_dump(mode="json") if before else None
    client_cases.count(uow, tenant, *count_delta(shown, after.model_dump(mode="json")))


def create_organization(ctx: Ctx, body: domain.OrganizationCreate) -> domain.Organization:
    org = domain.Organization(id=ctx.new_id(), tenant=ctx.tenant, created_at=ctx.stamp,
                         updated_at=ctx.stamp, **body.model_dump())
    uow = UnitOfWork()
    r = repo()
    if org.customer_number:
        r.claim_customer_number(uow, ctx.tenant, org.customer_number, org.id)
    r.put_organization(uow, org.model_dump(mode="json"), domain.name_key(org.name), expected=None)
    _count_clients(uow, ctx.tenant, None, org)
    _audit(uow, ctx, "organization_created", f"organization/{org.id}", body.model_dump())
    uow.commit()
    return org


def patch_organization(ctx: Ctx, org_id: str,
                       body: domain.OrganizationPatch) -> domain.Organization:
    current = get_organization(ctx, org_id)
    check_version(ctx, current.version)
    changes = body.model_dump(exclude_unset=True)
    refuse_nulls(changes, ("name", "kind", "ticket_visibility", "active"))
    if changes.get("active") is False and current.active:
        # Deactivated (seed 003): out of the price count and the lists, its history kept.
        changes["deactivated_at"] = ctx.stamp
    elif changes.get("active") is True and not current.active:
        changes["reactivated_at"] = ctx.stamp
    r = repo()
    uow = UnitOfWork()
    main_contact = changes.get("main_contact_id")
    if main_contact and r.get_child(ctx.tenant, org_id, "contact", main_contact) is None:
        raise InvalidInput("The main contact must be a contact of this organisation.",
                           [FieldError(("body", "main_contact_id"), "no such contact")])
    updated = current.model_copy(update={**changes, "updated_at": ctx.stamp,
                                         "version": current.version + 1})
    if updated.customer_number != current.customer_number:
        if current.customer_number:
            r.release_customer_number(uow, ctx.tenant, current.customer_number)
        if updated.customer_number:
            r.claim_customer_number(uow, ctx.tenant, updated.customer_number, org_id)
    r.put_organization(uow, updated.model_dump(mode="json"), domain.name_key(updated.name),
                       expected=current.version)
    _count_clients(uow, ctx.tenant, current, updated)
    _audit(uow, ctx, "organization_changed", f"organization/{org_id}",
           _changes(current, updated, set(domain.OrganizationPatch.model_fields)))
    commit_versioned(ctx, uow)
    return updated


# --- contacts, sites and service objects ----------------------------------------------

CHILD_MODELS: dict[str, type[Record]] = {
    "contact": domain.Contact,
    "site": domain.Site,
    "service_object": domain.ServiceObject,
}


def list_children(ctx: Ctx, org_id: str, kind: str, limit: int,
                  start: dict[str, Any] | None) -> Page:
    get_organization(ctx, org_id)
    return repo().list_children(ctx.tenant, org_id, kind, limit, start)


def list_register(ctx: Ctx, kind: str, q: str, limit: int,
                  start: dict[str, Any] | None) -> Page:
    """Sites or service objects of every customer by name (seed 001's registers), each
    with its customer's name: one Query and one BatchGetItem of at most ``limit`` ids."""
    r = repo()
    page = r.list_register(ctx.tenant, kind, domain.name_key(q), limit, start)
    names = r.get_organizations(ctx.tenant, [i["organization_id"] for i in page.items])
    items = [{**i, "organization_name": names.get(i["organization_id"], {}).get("name")}
             for i in page.items]
    return Page(items, page.last_key)


def index_registers(tenant: str) -> int:
    """Puts every site and service object of ``tenant`` into the registers (GSI1), for those
    written before the registers existed; running it again changes nothing. Queries only:
    the organisations by name, then each one's sites and service objects. Returns how many
    were indexed."""
    r = repo()
    indexed = 0
    start: dict[str, Any] | None = None
    while True:
        orgs = r.list_organizations(tenant, "", 100, start)
        for org in orgs.items:
            for kind in ("site", "service_object"):
                child_start: dict[str, Any] | None = None
                while True:
                    children = r.list_children(tenant, org["id"], kind, 25, child_start)
                    if children.items:
                        uow = UnitOfWork()
                        for child in children.items:
                            r.index_in_register(uow, tenant, kind, child)
                        uow.commit()
                        indexed += len(children.items)
                    child_start = children.last_key
                    if not child_start:
                        break
        start = orgs.last_key
        if not start:
            return indexed


def _may_edit_children(ctx: Ctx, org_id: str, kind: str) -> None:
    p = ctx.principal
    if p.can(Permission.ORGANIZATIONS_EDIT):
        return
    if (kind == "contact" and p.can(Permission.ORGANIZATIONS_MANAGE_OWN_CONTACTS)
            and p.organization_id == org_id):
        return
    raise NotFound("No such organisation.")


def _create_child(ctx: Ctx, org_id: str, kind: str, build: Callable[[str], Record],
                  site_id: str | None = None) -> Record:
    """Adds a contact, site or service object; ``site_id`` must be one of the organisation's."""
    _may_edit_children(ctx, org_id, kind)
    get_organization(ctx, org_id)  # unknown or another tenant's: 404 before anything else
    r = repo()
    if site_id and r.get_child(ctx.tenant, org_id, "site", site_id) is None:
        raise InvalidInput("The site is not one of this organisation's.",
                           [FieldError(("body", "site_id"), "no such site")])
    child_id = ctx.new_id()
    child = build(child_id)
    uow = UnitOfWork()
    r.require_organization(uow, ctx.tenant, org_id)
    r.put_child(uow, ctx.tenant, kind, child.model_dump(mode="json"), expected=None)
    _audit(uow, ctx, f"{kind}_created", f"organization/{org_id}/{kind}/{child_id}",
           {"name": getattr(child, "name", "")})
    uow.commit()
    return child


def create_contact(ctx: Ctx, org_id: str, body: domain.ContactCreate) -> Record:
    return _create_child(ctx, org_id, "contact", lambda new_id: domain.Contact(
        id=new_id, organization_id=org_id, created_at=ctx.stamp, **body.model_dump()))


def create_site(ctx: Ctx, org_id: str, body: domain.SiteCreate) -> Record:
    return _create_child(ctx, org_id, "site", lambda new_id: domain.Site(
        id=new_id, organization_id=org_id, created_at=ctx.stamp,
        map_url=domain.map_url(body.location), **body.model_dump()))


def create_service_object(ctx: Ctx, org_id: str, body: domain.ServiceObjectCreate) -> Record:
    return _create_child(ctx, org_id, "service_object", lambda new_id: domain.ServiceObject(
        id=new_id, organization_id=org_id, created_at=ctx.stamp, **body.model_dump()),
        site_id=body.site_id)


# --- the in-app inbox -----------------------------------------------------------------


def list_notifications(ctx: Ctx, limit: int, start: dict[str, Any] | None) -> tuple[Page, int]:
    r = repo()
    page = r.list_notifications(ctx.tenant, ctx.principal.user_id, limit, start)
    return page, r.unread_count(ctx.tenant, ctx.principal.user_id)


def notify(tenant: str, user_id: str, kind: str, title: str, body: str, link: str | None,
           now: datetime, notification_id: str | None = None) -> domain.Notification:
    """Adds an inbox item. A deterministic ``notification_id`` makes a redelivery a no-op."""
    note = domain.Notification(id=notification_id or new_ulid(now), kind=kind, title=title,
                          body=body, link=link, created_at=utc_iso(now))
    uow = UnitOfWork()
    repo().add_notification(uow, tenant, user_id, note.model_dump(mode="json"))
    with contextlib.suppress(Conflict):
        uow.commit()
    return note


def mark_notification_read(ctx: Ctx, notification_id: str) -> domain.Notification:
    r = repo()
    item = r.get_notification(ctx.tenant, ctx.principal.user_id, notification_id)
    if item is None:
        raise NotFound("No such notification.")
    if item.get("read_at"):
        return domain.Notification.model_validate(item)
    uow = UnitOfWork()
    r.mark_read(uow, ctx.tenant, ctx.principal.user_id, notification_id, ctx.stamp)
    with contextlib.suppress(Conflict):  # read meanwhile in another tab: the same outcome
        uow.commit()
    return domain.Notification.model_validate({**item, "read_at": item.get("read_at") or ctx.stamp})


# --- saved filters (per user, any module) ------------------------------------------------

MAX_SAVED_FILTERS = 50


def list_saved_filters(ctx: Ctx, module: str | None) -> list[dict[str, Any]]:
    found = repo().list_saved_filters(ctx.tenant, ctx.principal.user_id)
    return sorted((f for f in found if module in (None, f["module"])),
                  key=lambda f: (f["name"].casefold(), f["id"]))


def save_filter(ctx: Ctx, name: str, module: str, query: dict[str, str]) -> dict[str, Any]:
    if len(repo().list_saved_filters(ctx.tenant, ctx.principal.user_id)) >= MAX_SAVED_FILTERS:
        raise BusinessRuleViolation(f"At most {MAX_SAVED_FILTERS} saved filters per user.")
    saved = {"id": ctx.new_id(), "name": name, "module": module, "query": query,
             "created_at": ctx.stamp}
    uow = UnitOfWork()
    repo().put_saved_filter(uow, ctx.tenant, ctx.principal.user_id, saved)
    uow.commit()
    return saved


def delete_saved_filter(ctx: Ctx, filter_id: str) -> None:
    uow = UnitOfWork()
    repo().delete_saved_filter(uow, ctx.tenant, ctx.principal.user_id, filter_id)
    uow.commit()
