"""Status page use cases (issue 17, item 9): the public page, staff's incidents and
components, and the e-mail subscriptions with double opt-in.

Who may do what: anyone reads ``GET /status/{tenant}`` and subscribes; staff with
``status.manage`` post and change incidents and the tenant's own components. An
incident, its history event and (later) its outbox record are one transaction.

Subscriptions: ``subscribe`` answers the same whether the address was known, pending or
new, and mails only a pending address (a confirmed one is left alone, so the form cannot be
used to mail someone over and over; the rate limit bounds the rest). The confirmation link
carries a signed token bound to the tenant, the address and a nonce stored with the pending
subscriber: a new request voids an older link. The unsubscribe token names the tenant and
the address only, so every mail's link keeps working without login.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from markupsafe import escape

from chalicelib import signing
from chalicelib.config import get_config
from chalicelib.domain import status as rules
from chalicelib.domain.directory import TenantSettings
from chalicelib.domain.errors import (
    BusinessRuleViolation,
    ErrorList,
    FieldError,
    Gone,
    InvalidInput,
    NotFound,
)
from chalicelib.domain.models import Language, utc_iso
from chalicelib.domain.networks import in_language
from chalicelib.domain.status import (
    ComponentDef,
    ComponentsPut,
    Incident,
    IncidentCreate,
    IncidentPatch,
    IncidentUpdate,
    IncidentUpdateCreate,
    StatusPage,
    SubscribeBody,
    Subscriber,
    TokenPurpose,
)
from chalicelib.services import rate_limits
from chalicelib.services.context import Ctx
from chalicelib.services.directory import repo as directory
from chalicelib.services.networks import repo as networks
from chalicelib.services.publish import publish
from chalicelib.services.writes import check_version, commit_versioned, history_event
from chalicelib.store.dynamo import Item, UnitOfWork
from chalicelib.store.status import StatusRepository

if TYPE_CHECKING:
    from chalicelib.services.notifications import Plan

MODULE = "status"  # the outbox records' module (services/notifications.py)
TOKEN_SCOPE = "status-subscription"
DIGEST_SCOPE = "status-subscriber"
ACCEPTED = {"accepted": True,
            "detail": "If the address can receive mail, a confirmation link is on its way."}


def repo() -> StatusRepository:
    return StatusRepository(get_config().help_table)


def _tenant_settings(tenant: str) -> TenantSettings:
    """A public route's tenant; an unknown one is a 404 (a tenant's name is no secret)."""
    item = directory().get_settings(tenant)
    if item is None:
        raise NotFound("No such status page.")
    return TenantSettings.model_validate(item)


def _components(tenant: str) -> list[ComponentDef]:
    """Three reads, each one bounded: the networks (one partition, at most 200) and the
    tenant's own components (one item)."""
    custom = (repo().components(tenant) or {}).get("components", [])
    return rules.component_list(networks().list_networks(tenant), custom)


# --- the public page ----------------------------------------------------------------------


def status_page(tenant: str, lang: Language | None, probes: dict[str, str],
                now: datetime) -> StatusPage:
    settings = _tenant_settings(tenant)
    language: Language = lang or settings.default_language
    since = utc_iso(rules.window_start(now))
    store = repo()
    items = store.open_incidents(tenant) + store.incidents_since(tenant, since)
    incidents = [Incident.model_validate(i) for i in items]
    return rules.public_page(tenant, settings.name, language, _components(tenant), probes,
                             incidents, since)


# --- staff: components --------------------------------------------------------------------


def get_components(ctx: Ctx) -> tuple[dict[str, Any], int]:
    stored = repo().components(ctx.tenant) or {}
    every = rules.component_list(networks().list_networks(ctx.tenant),
                                 stored.get("components", []))
    return ({"components": stored.get("components", []),
             "all": [c.model_dump(mode="json") for c in every]},
            int(stored.get("version", 0)))


def put_components(ctx: Ctx, body: ComponentsPut) -> tuple[dict[str, Any], int]:
    current = repo().components(ctx.tenant)
    version = int(current["version"]) if current else 0
    check_version(ctx, version)
    components = [c.model_dump(mode="json") for c in body.components]
    uow = UnitOfWork()
    repo().put_components(uow, ctx.tenant, {"components": components, "version": version + 1,
                                            "updated_at": ctx.stamp},
                          version if current else None)
    commit_versioned(ctx, uow)
    return get_components(ctx)[0], version + 1


# --- staff: incidents ---------------------------------------------------------------------


def _not_found() -> NotFound:
    return NotFound("No such incident.")


def get_incident(ctx: Ctx, incident_id: str) -> Incident:
    item = repo().get_incident(ctx.tenant, incident_id)
    if item is None:
        raise _not_found()
    return Incident.model_validate(item)


def incident_history(ctx: Ctx, incident_id: str) -> list[Item]:
    get_incident(ctx, incident_id)
    return repo().events(ctx.tenant, incident_id)


def _check_components(ctx: Ctx, ids: list[str]) -> list[str]:
    wanted = rules.distinct(ids)
    errors = ErrorList()
    for n in rules.unknown_components(wanted, _components(ctx.tenant)):
        errors.add(("body", "component_ids", n), "no such component")
    errors.raise_if_any()
    return wanted


def _commit(ctx: Ctx, incident: Incident, expected: int | None, kind: str,
            data: dict[str, Any]) -> Incident:
    """The incident, its history event and, when the change posted an update, the outbox
    record that tells the subscribers: one transaction."""
    uow = UnitOfWork()
    store = repo()
    event = history_event(ctx, kind, data)
    store.put_incident(uow, ctx.tenant, incident.model_dump(mode="json"), expected)
    store.add_event(uow, ctx.tenant, incident.id, event)
    if data.get("update_id"):
        publish(uow, get_config().help_table, ctx.tenant, MODULE, incident.id, [event],
                rules.TOLD_EVENTS)
    commit_versioned(ctx, uow)
    return incident


def create_incident(ctx: Ctx, command: IncidentCreate) -> Incident:
    components = _check_components(ctx, command.component_ids)
    first = IncidentUpdate(id=ctx.new_id(), at=ctx.stamp, message=command.message,
                           impact=command.impact)
    incident = Incident(id=ctx.new_id(), title=command.title.model_dump(),
                        component_ids=components, impact=command.impact,
                        started_at=ctx.stamp, updated_at=ctx.stamp, updates=[first])
    return _commit(ctx, incident, None, "incident_created",
                   {"update_id": first.id, "impact": command.impact})


def _open(incident: Incident) -> None:
    if incident.status != "open":
        raise BusinessRuleViolation("The incident is resolved; post a new one.")
    if len(incident.updates) >= rules.MAX_UPDATES:
        raise BusinessRuleViolation(
            f"An incident holds at most {rules.MAX_UPDATES} updates; post a new one.")


def patch_incident(ctx: Ctx, incident_id: str, patch: IncidentPatch) -> Incident:
    current = get_incident(ctx, incident_id)
    check_version(ctx, current.version)
    changes = patch.model_dump(mode="json", exclude_unset=True)
    if not changes:
        raise InvalidInput("Nothing to change.",
                           [FieldError(("body",), "give at least one field", "missing")])
    nulls = [k for k, v in changes.items() if v is None]
    if nulls:
        raise InvalidInput("These fields cannot be null.",
                           [FieldError(("body", k), "must not be null", "null") for k in nulls])
    _open(current)
    fields: dict[str, Any] = {"updated_at": ctx.stamp, "version": current.version + 1}
    if patch.title is not None:
        fields["title"] = patch.title.model_dump()
    if patch.component_ids is not None:
        fields["component_ids"] = _check_components(ctx, patch.component_ids)
    if patch.impact is not None:
        fields["impact"] = patch.impact
    updates = list(current.updates)
    if patch.resolved:
        fields |= {"status": "resolved", "resolved_at": ctx.stamp}
    data: dict[str, Any] = {"fields": sorted(k for k in changes if k != "message")}
    if patch.message or patch.resolved or patch.impact:
        update = IncidentUpdate(
            id=ctx.new_id(), at=ctx.stamp, message=patch.message or _resolved_text(ctx),
            impact=patch.impact, resolved=bool(patch.resolved))
        updates.append(update)
        data["update_id"] = update.id
    fields["updates"] = updates
    incident = current.model_copy(update=fields)
    kind = "incident_resolved" if patch.resolved else "incident_changed"
    return _commit(ctx, incident, current.version, kind, data)


def _resolved_text(ctx: Ctx) -> str:
    return {"sv": "Åtgärdat.", "fi": "Korjattu."}.get(
        str(ctx.principal.record.get("language") or ""), "Resolved.")


def add_update(ctx: Ctx, incident_id: str, command: IncidentUpdateCreate) -> Incident:
    current = get_incident(ctx, incident_id)
    check_version(ctx, current.version)
    _open(current)
    update = IncidentUpdate(id=ctx.new_id(), at=ctx.stamp, message=command.message,
                            impact=command.impact)
    fields: dict[str, Any] = {"updated_at": ctx.stamp, "version": current.version + 1,
                              "updates": [*current.updates, update]}
    if command.impact is not None:
        fields["impact"] = command.impact
    incident = current.model_copy(update=fields)
    return _commit(ctx, incident, current.version, "incident_updated",
                   {"update_id": update.id, "impact": command.impact})


# --- e-mail subscriptions -----------------------------------------------------------------


def _digest(tenant: str, email: str) -> str:
    """The subscriber's key: the address under the server's secret, never raw in a key."""
    return signing.sign(get_config().secret, DIGEST_SCOPE, f"{tenant}\0{email}".encode())


def issue_token(tenant: str, email: str, purpose: TokenPurpose, nonce: str = "",
                expires: datetime | None = None) -> str:
    payload = {"v": 1, "t": tenant, "a": email, "p": purpose, "n": nonce,
               "e": int(expires.timestamp()) if expires else 0}
    return signing.seal(get_config().secret, TOKEN_SCOPE,
                        json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())


def _read_token(tenant: str, token: str, purpose: TokenPurpose) -> dict[str, Any]:
    """The token's content once its signature holds and it was made for this tenant and
    purpose; a 400 naming ``token`` for anything else (forged, altered, another tenant's)."""
    try:
        data: dict[str, Any] = json.loads(signing.unseal(get_config().secret, TOKEN_SCOPE,
                                                         token))
        if data["t"] != tenant or data["p"] != purpose or not isinstance(data["a"], str):
            raise ValueError("another tenant's or purpose's token")
    except (signing.BadSignature, ValueError, KeyError, TypeError, UnicodeError):
        raise InvalidInput("The link is not valid: it was altered or cut short.",
                           [FieldError(("body", "token"), "invalid or altered token")]
                           ) from None
    return data


def _link(tenant: str, action: str, token: str) -> str:
    """The portal's status page (portal/js/views/status.js), which POSTs on a click."""
    base = get_config().portal_url.rstrip("/")
    return f"{base}/#/status?tenant={quote(tenant)}&{action}={quote(token)}"


def unsubscribe_link(tenant: str, email: str) -> str:
    return _link(tenant, "unsubscribe", issue_token(tenant, email, "unsubscribe"))


def subscribe(tenant: str, body: SubscribeBody, source_ip: str,
              now: datetime) -> dict[str, Any]:
    settings = _tenant_settings(tenant)
    rate_limits.status_subscription(tenant, body.email, source_ip)
    store, digest = repo(), _digest(tenant, body.email)
    known = store.get_subscriber(tenant, digest)
    if known is not None and known.get("state") == "confirmed":
        return ACCEPTED  # nothing to confirm; the same answer as for a new address
    language: Language = body.language or settings.default_language
    subscriber = Subscriber(email=body.email, language=language, state="pending",
                            nonce=secrets.token_urlsafe(12), created_at=utc_iso(now))
    uow = UnitOfWork()
    store.put_subscriber(uow, tenant, digest, subscriber.model_dump(mode="json"))
    uow.commit()
    _send_confirmation(tenant, settings, subscriber, now)
    return ACCEPTED


def _send_confirmation(tenant: str, settings: TenantSettings, subscriber: Subscriber,
                       now: datetime) -> None:
    from chalicelib.notify.senders import build_email, send_recorded_email

    token = issue_token(tenant, subscriber.email, "confirm", subscriber.nonce,
                        now + timedelta(days=rules.CONFIRM_DAYS))
    leave = unsubscribe_link(tenant, subscriber.email)
    subject, text = rules.confirmation_mail(subscriber.language, settings.name or tenant,
                                            _link(tenant, "confirm", token), leave)
    html = "".join(f"<p>{escape(part)}</p>".replace("\n", "<br>")
                   for part in text.split("\n\n"))
    message = build_email(subscriber.email, settings.name or "Helpdesk", subject, text, html)
    message["List-Unsubscribe"] = f"<{leave}>"
    send_recorded_email(tenant, message, None)


def confirm(tenant: str, token: str, now: datetime) -> dict[str, Any]:
    data = _read_token(tenant, token, "confirm")
    if signing.expired(int(data.get("e") or 0), now):
        raise Gone("The confirmation link has expired; subscribe again.")
    store, digest = repo(), _digest(tenant, data["a"])
    known = store.get_subscriber(tenant, digest)
    if known is None or known.get("nonce") != data.get("n"):
        raise Gone("This confirmation link is no longer valid; subscribe again.")
    subscriber = Subscriber.model_validate(known)
    if subscriber.state != "confirmed":
        confirmed = subscriber.model_copy(update={"state": "confirmed",
                                                  "confirmed_at": utc_iso(now)})
        uow = UnitOfWork()
        store.put_subscriber(uow, tenant, digest, confirmed.model_dump(mode="json"))
        uow.commit()
    return {"confirmed": True}


def unsubscribe(tenant: str, token: str) -> dict[str, Any]:
    """Works without login and whether or not the address is still subscribed."""
    data = _read_token(tenant, token, "unsubscribe")
    uow = UnitOfWork()
    repo().delete_subscriber(uow, tenant, _digest(tenant, data["a"]))
    uow.commit()
    return {"unsubscribed": True}


# --- telling the subscribers (the outbox's consumer asks) ---------------------------------


def incident_plan(tenant: str, settings: TenantSettings, incident_id: str,
                  event: dict[str, Any]) -> Plan | None:
    """Who hears of an incident's update: every confirmed subscriber, each as an address
    only (no account, no inbox), in their language, with their own unsubscribe link. The
    delivery id names the address's digest, so each is mailed once however often the
    record arrives (``services/notifications._once``)."""
    from chalicelib.domain.notifications import Notice
    from chalicelib.services.notifications import Plan

    item = repo().get_incident(tenant, incident_id)
    update_id = (event.get("data") or {}).get("update_id")
    if item is None or not update_id:
        return None
    incident = Incident.model_validate(item)
    update = next((u for u in incident.updates if u.id == update_id), None)
    if update is None:
        return None
    users = {f"email:{row['digest']}": {
        "id": f"email:{row['digest']}", "email": row["email"], "name": "", "kind": "contact",
        "language": row["language"], "active": True, "mail_only": True}
        for row in _confirmed(tenant)}
    components = {c.id: c for c in _components(tenant)}
    reason = {"incident_created": "created", "incident_resolved": "resolved"}.get(
        event["type"], "updated")

    def context(notice: Notice, user: Item) -> dict[str, Any]:
        from chalicelib.notify.render import format_time

        language = str(user["language"] if user["language"] in settings.languages
                       else settings.default_language)
        names = [in_language(components[c].name, language)
                 for c in incident.component_ids if c in components]
        return {
            "incident": {"title": in_language(incident.title, language),
                         "impact": incident.impact, "components": ", ".join(names)},
            "update": {"message": update.message,
                       "at": format_time(update.at, language, settings.support_hours.timezone)},
            "reason": reason,
            "link": f"{get_config().portal_url.rstrip('/')}/#/status?tenant={quote(tenant)}",
            "preferences_link": unsubscribe_link(tenant, str(user["email"])),
        }

    notices = [Notice("incident_update", user_id) for user_id in users]
    return Plan(tenant, settings, event, users, notices, context)


def _confirmed(tenant: str) -> list[dict[str, str]]:
    """The confirmed subscribers, at most ``MAX_SUBSCRIBERS`` (pages of 1,000): one
    message's work stays bounded."""
    found: list[dict[str, str]] = []
    start: dict[str, Any] | None = None
    while len(found) < rules.MAX_SUBSCRIBERS:
        page = repo().confirmed_subscribers(tenant, 1000, start)
        found += [{"digest": _digest(tenant, str(i["email"])), "email": str(i["email"]),
                   "language": str(i.get("language") or "")} for i in page.items]
        if not page.last_key:
            break
        start = page.last_key
    return found[:rules.MAX_SUBSCRIBERS]
