"""Ticket use cases: types, templates, tickets, comments, attachments and history.

Every change is one transaction holding the ticket and the events that record the
change. Who may see a ticket is decided here, once (``_access``): staff with
``tickets.view`` see all of the tenant's; a contact sees what their organisation's
``ticket_visibility`` allows; anything else is a 404, as if it did not exist.
"""

from __future__ import annotations

import contextlib
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, TypeVar

from chalicelib.config import get_config
from chalicelib.domain import tickets as t
from chalicelib.domain.directory import Priority, SlaTarget, TenantSettings
from chalicelib.domain.errors import (
    BusinessRuleViolation,
    Conflict,
    ErrorList,
    FieldError,
    Forbidden,
    InvalidInput,
    NotFound,
    PreconditionFailed,
)
from chalicelib.domain.lifecycle import ticket_timers, warn_at
from chalicelib.domain.models import utc_iso
from chalicelib.domain.notifications import TICKET_EVENTS
from chalicelib.domain.permissions import Permission as P
from chalicelib.domain.support_hours import add_support_hours, calendar_for
from chalicelib.services import files
from chalicelib.services.context import Ctx
from chalicelib.services.directory import get_settings
from chalicelib.services.directory import repo as directory
from chalicelib.services.publish import publish
from chalicelib.services.writes import (
    check_version,
    commit_versioned,
    history_event,
    refuse_nulls,
    with_next_number,
)
from chalicelib.store.dynamo import Item, Page, UnitOfWork
from chalicelib.store.schedule import sync_timers
from chalicelib.store.streams import Filter, Stream, equals_filter
from chalicelib.store.tables import scoped_pk
from chalicelib.store.tickets import (
    LIST_INDEXES,
    TICKET_COUNTER,
    TicketsRepository,
    list_key,
    require,
)

T = TypeVar("T")


def repo() -> TicketsRepository:
    return TicketsRepository(get_config().tickets_table)


# --- provisioning -----------------------------------------------------------------------


def provision_defaults(tenant: str, now: datetime) -> int:
    """The ready-made types and templates of a new tenant; what exists is left alone."""
    r, stamp, created = repo(), utc_iso(now), 0
    existing_types = {i["id"] for i in r.list_types(tenant)}
    existing_templates = {i["id"] for i in r.list_templates(tenant)}
    uow = UnitOfWork()
    for type_id, body in t.default_ticket_types():
        if type_id not in existing_types:
            r.put_type(uow, tenant, t.TicketType(**body.model_dump(), id=type_id, builtin=True,
                                                 created_at=stamp, updated_at=stamp)
                       .model_dump(mode="json"), expected=None)
            created += 1
    for template_id, tpl in t.default_templates():
        if template_id not in existing_templates:
            r.put_template(uow, tenant, t.Template(**tpl.model_dump(), id=template_id,
                                                   builtin=True, created_at=stamp,
                                                   updated_at=stamp).model_dump(mode="json"),
                           expected=None)
            created += 1
    try:
        uow.commit()
    except Conflict:
        return 0  # a concurrent provisioning won; its defaults are the same
    return created


# --- types ----------------------------------------------------------------------------


def list_types(ctx: Ctx) -> list[t.TicketType]:
    types = [t.TicketType.model_validate(i) for i in repo().list_types(ctx.tenant)]
    if not ctx.principal.can(P.TICKET_TYPES_MANAGE):
        types = [x for x in types if x.active]
    # The ready-made ones first, in the order of seed 002 (technical fault first).
    position = {type_id: n for n, (type_id, _) in enumerate(t.default_ticket_types())}
    return sorted(types, key=lambda x: (position.get(x.id, len(position)), x.created_at, x.id))


def get_type(ctx: Ctx, type_id: str) -> t.TicketType:
    return t.TicketType.model_validate(require(repo().get_type(ctx.tenant, type_id),
                                               "ticket type"))


def create_type(ctx: Ctx, body: t.TicketTypeBody) -> t.TicketType:
    created = t.TicketType(**body.model_dump(), id=ctx.new_id(), created_at=ctx.stamp,
                           updated_at=ctx.stamp)
    uow = UnitOfWork()
    repo().put_type(uow, ctx.tenant, created.model_dump(mode="json"), expected=None)
    _audit(uow, ctx, "ticket_type_created", f"ticket-type/{created.id}",
           created.model_dump(mode="json", include={"name", "billable", "kind"}))
    uow.commit()
    return created


def _audit(uow: UnitOfWork, ctx: Ctx, kind: str, subject: str, data: dict[str, Any]) -> None:
    """Types and templates are tenant settings: their changes go to the tenant's audit
    trail, in the same transaction."""
    directory().audit(uow, ctx.tenant, {**history_event(ctx, kind, data), "subject": subject})


def patch_type(ctx: Ctx, type_id: str, patch: t.TicketTypePatch) -> t.TicketType:
    current = get_type(ctx, type_id)
    check_version(ctx, current.version)
    changes = patch.model_dump(exclude_unset=True)
    refuse_nulls(changes, ("name", "billable", "required_fields", "kind", "default_priority",
                            "help", "active"))
    merged = {**current.model_dump(), **changes}
    try:
        # The whole type must still hold together (e.g. a third_party kind has a third party).
        t.TicketTypeBody.model_validate({k: merged[k] for k in t.TicketTypeBody.model_fields})
    except ValueError as exc:
        raise InvalidInput("The changed type is not consistent.",
                           [FieldError(("body",), str(exc).splitlines()[-1].strip())]) from None
    updated = t.TicketType.model_validate({**merged, "updated_at": ctx.stamp,
                                           "version": current.version + 1})
    uow = UnitOfWork()
    repo().put_type(uow, ctx.tenant, updated.model_dump(mode="json"), expected=current.version)
    _audit(uow, ctx, "ticket_type_changed", f"ticket-type/{type_id}", _diff(current, updated))
    commit_versioned(ctx, uow)
    return updated


def _diff(before: Any, after: Any) -> dict[str, Any]:
    old, new = before.model_dump(mode="json"), after.model_dump(mode="json")
    return {k: {"from": old[k], "to": new[k]} for k in new
            if k not in ("version", "updated_at") and old.get(k) != new[k]}


def _active_type(ctx: Ctx, type_id: str, loc: tuple[str, ...]) -> t.TicketType:
    item = repo().get_type(ctx.tenant, type_id)
    if item is None or not item.get("active", True):
        raise InvalidInput("No such ticket type.", [FieldError(loc, "no such ticket type")])
    return t.TicketType.model_validate(item)


# --- templates ------------------------------------------------------------------------


def list_templates(ctx: Ctx) -> list[t.Template]:
    found = [t.Template.model_validate(i) for i in repo().list_templates(ctx.tenant)]
    if not ctx.principal.can(P.TEMPLATES_MANAGE):
        found = [x for x in found if x.active]
    return sorted(found, key=lambda x: (not x.builtin, x.name.casefold(), x.id))


def create_template(ctx: Ctx, body: t.TemplateBody) -> t.Template:
    _active_type(ctx, body.ticket_type_id, ("body", "ticket_type_id"))
    created = t.Template(**body.model_dump(), id=ctx.new_id(), created_at=ctx.stamp,
                         updated_at=ctx.stamp)
    uow = UnitOfWork()
    repo().put_template(uow, ctx.tenant, created.model_dump(mode="json"), expected=None)
    _audit(uow, ctx, "template_created", f"template/{created.id}",
           created.model_dump(mode="json", include={"name", "ticket_type_id"}))
    uow.commit()
    return created


def patch_template(ctx: Ctx, template_id: str, patch: t.TemplatePatch) -> t.Template:
    current = t.Template.model_validate(require(repo().get_template(ctx.tenant, template_id),
                                                "template"))
    check_version(ctx, current.version)
    changes = patch.model_dump(exclude_unset=True)
    refuse_nulls(changes, ("name", "ticket_type_id", "subject", "body", "active"))
    if "ticket_type_id" in changes:
        _active_type(ctx, changes["ticket_type_id"], ("body", "ticket_type_id"))
    updated = current.model_copy(update={**changes, "updated_at": ctx.stamp,
                                         "version": current.version + 1})
    uow = UnitOfWork()
    repo().put_template(uow, ctx.tenant, updated.model_dump(mode="json"),
                        expected=current.version)
    _audit(uow, ctx, "template_changed", f"template/{template_id}", _diff(current, updated))
    commit_versioned(ctx, uow)
    return updated


# --- who may do what with a ticket ---------------------------------------------------------

Level = Literal["read", "comment", "staff"]


@dataclass(frozen=True)
class Access:
    ticket: t.Ticket
    level: Level

    @property
    def staff(self) -> bool:
        return self.level == "staff"


def _contact_level(ctx: Ctx, ticket: Item) -> Level | None:
    """What a contact may do with a ticket: their own always; the organisation's as its
    ``ticket_visibility`` (or the contact admin's right) allows; nothing else."""
    p = ctx.principal
    if ticket.get("organization_id") != p.organization_id or p.organization_id is None:
        return None
    if ticket.get("requester_id") == p.user_id or p.user_id in ticket.get("watchers", []):
        return "comment"
    visibility = _org_visibility(ctx)
    if visibility == "organization_comment":
        return "comment"
    if visibility == "organization_read" or p.can(P.TICKETS_VIEW_ORGANIZATION):
        return "read"
    return None


def _org_visibility(ctx: Ctx) -> str:
    org_id = ctx.principal.organization_id
    org = directory().get_organization(ctx.tenant, org_id) if org_id else None
    return str(org.get("ticket_visibility", "own")) if org else "own"


def access_ticket(ctx: Ctx, ticket_id: str, consistent: bool = False) -> Access:
    item = repo().get_ticket(ctx.tenant, ticket_id, consistent=consistent)
    if item is None:
        raise NotFound("No such ticket.")
    p = ctx.principal
    if p.is_staff:
        if not p.can(P.TICKETS_VIEW):
            raise Forbidden("This needs the permission tickets.view.")
        return Access(t.Ticket.model_validate(item), "staff")
    level = _contact_level(ctx, item)
    if level is None:
        raise NotFound("No such ticket.")
    return Access(t.Ticket.model_validate(item), level)


def _require_comment(access: Access) -> None:
    if access.level == "read":
        raise Forbidden("Your organisation lets you read this ticket, not comment on it.")


def get_ticket(ctx: Ctx, ticket_id: str) -> t.Ticket:
    return access_ticket(ctx, ticket_id).ticket


# --- shared pieces --------------------------------------------------------------------


def _retry_on_race(action: Callable[[], T], attempts: int = 8) -> T:
    """Appends (a comment, an attachment) do not depend on what the caller saw: when another
    change won the race, read again and re-apply instead of failing."""
    for attempt in range(attempts):
        try:
            return action()
        except PreconditionFailed:
            if attempt == attempts - 1:
                raise Conflict("The ticket is changing quickly; try again.") from None
            time.sleep(random.uniform(0, 0.02 * (attempt + 1)))
    raise AssertionError("unreachable")


def _event(ctx: Ctx, kind: str, data: dict[str, Any], internal: bool = False) -> Item:
    return history_event(ctx, kind, data, internal=internal)


def _due(settings: TenantSettings, start: datetime, hours: float) -> str:
    return utc_iso(add_support_hours(calendar_for(settings.support_hours), start, hours))


def _sla_dues(settings: TenantSettings, created: datetime, target: SlaTarget,
              now: datetime, first_response: bool = True) -> dict[str, Any]:
    """The SLA due times from the ticket's creation, and when to warn before each."""
    dues: dict[str, Any] = {"resolution_due_at": _due(settings, created, target.resolution_hours)}
    if first_response:
        dues["first_response_due_at"] = _due(settings, created, target.first_response_hours)
    for name in list(dues):
        dues[name.replace("_due_at", "_warn_at")] = warn_at(
            now, dues[name], settings.sla_warning_minutes)
    return dues


def _parse_time(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def save(ctx: Ctx, before: t.Ticket, after: t.Ticket, events: list[Item],
         extra: Callable[[UnitOfWork], None] | None = None, versioned: bool = False) -> None:
    """The ticket's next version, its events, the timers its new state needs and the
    outbox records of its notifications: one transaction."""
    r, uow = repo(), UnitOfWork()
    r.put_ticket(uow, ctx.tenant, after.model_dump(mode="json"), expected=before.version,
                 activity=ctx.new_id())
    _record(uow, ctx, after, events, ticket_timers(before))
    if extra:
        extra(uow)
    if versioned:
        commit_versioned(ctx, uow)
    else:
        uow.commit()


def _record(uow: UnitOfWork, ctx: Ctx, ticket: t.Ticket, events: list[Item],
            timers_before: dict[str, str]) -> None:
    r = repo()
    for event in events:
        r.add_event(uow, ctx.tenant, ticket.id, event)
    sync_timers(uow, r.table, ctx.tenant, "TICKET", ticket.id, timers_before,
                ticket_timers(ticket))
    publish(uow, r.table, ctx.tenant, "tickets", ticket.id, events, TICKET_EVENTS)


def next_version(ticket: t.Ticket, ctx: Ctx, **changes: Any) -> t.Ticket:
    return ticket.model_copy(update={**changes, "updated_at": ctx.stamp,
                                     "version": ticket.version + 1})


# --- creating -------------------------------------------------------------------------


@dataclass(frozen=True)
class Origin:
    organization_id: str
    requester_id: str | None
    requester_name: str | None
    channel: t.Channel


def _origin(ctx: Ctx, body: t.TicketCreate) -> Origin:
    """Whose ticket it is: a contact's own, for their organisation through the portal; or,
    from staff, the named organisation (and optionally one of its portal users)."""
    return _staff_origin(ctx, body) if ctx.principal.is_staff else _contact_origin(ctx, body)


def _contact_origin(ctx: Ctx, body: t.TicketCreate) -> Origin:
    p, errors = ctx.principal, ErrorList()
    if body.organization_id and body.organization_id != p.organization_id:
        errors.add(("body", "organization_id"),
                   "a contact opens tickets for their own organisation only")
    if body.requester_id and body.requester_id != p.user_id:
        errors.add(("body", "requester_id"), "a contact is the requester of their tickets")
    if body.channel not in (None, "portal"):
        errors.add(("body", "channel"), "a contact's tickets come through the portal")
    errors.raise_if_any()
    if p.organization_id is None:
        raise Forbidden("Your user belongs to no organisation.")
    return Origin(p.organization_id, p.user_id, p.record.get("name"), "portal")


def _staff_origin(ctx: Ctx, body: t.TicketCreate) -> Origin:
    errors = ErrorList()
    if not body.organization_id:
        errors.add(("body", "organization_id"), "staff name the customer's organisation")
    if body.channel not in (None, "phone", "staff"):
        errors.add(("body", "channel"), "staff open tickets by phone or staff")
    errors.raise_if_any()
    assert body.organization_id
    if directory().get_organization(ctx.tenant, body.organization_id) is None:
        raise InvalidInput("No such organisation.",
                           [FieldError(("body", "organization_id"), "no such organization")])
    requester_name = None
    if body.requester_id:
        user = directory().get_user(ctx.tenant, body.requester_id)
        if (user is None or user.get("kind") != "contact"
                or user.get("organization_id") != body.organization_id):
            raise InvalidInput("The requester must be a portal user of the organisation.",
                               [FieldError(("body", "requester_id"), "no such contact user")])
        requester_name = user.get("name")
    return Origin(body.organization_id, body.requester_id, requester_name,
                   body.channel or "staff")


def _check_watchers(ctx: Ctx, organization_id: str, watchers: list[str],
                    loc: tuple[str, ...]) -> list[str]:
    """Watchers are active staff, or portal users of the ticket's organisation."""
    wanted = list(dict.fromkeys(watchers))
    if not wanted:
        return []
    found = directory().get_users(ctx.tenant, wanted)
    errors = ErrorList()
    for index, user_id in enumerate(wanted):
        user = found.get(user_id)
        ok = user is not None and user.get("active", True) and (
            user.get("kind") == "staff" or user.get("organization_id") == organization_id)
        if not ok:
            errors.add((*loc, index), "no such user, or not of this organisation")
    errors.raise_if_any()
    return wanted


def create_ticket(ctx: Ctx, body: t.TicketCreate) -> t.Ticket:
    errors = ErrorList()
    template = None
    if body.template_id:
        item = repo().get_template(ctx.tenant, body.template_id)
        if item is None or not item.get("active", True):
            errors.add(("body", "template_id"), "no such template")
        else:
            template = t.Template.model_validate(item)
    subject = body.subject or (template.subject.strip() if template else None)
    type_id = body.ticket_type_id or (template.ticket_type_id if template else None)
    description = body.description if body.description is not None else (
        template.body if template else "")
    if not subject:
        errors.add(("body", "subject"), "required (or a template that has one)")
    if not type_id:
        errors.add(("body", "ticket_type_id"), "required (or a template that has one)")
    errors.raise_if_any()
    assert subject and type_id
    origin = _origin(ctx, body)
    ticket_type = _active_type(ctx, type_id, ("body", "ticket_type_id"))
    fields = t.validate_fields(ticket_type, body.fields)
    watchers = _check_watchers(ctx, origin.organization_id, body.watchers, ("body", "watchers"))
    clean_subject = t.plain_text(subject)
    if not clean_subject:
        raise InvalidInput("The subject is empty once markup is removed.",
                           [FieldError(("body", "subject"), "no text left")])
    return open_ticket(ctx, NewTicket(
        origin=origin, ticket_type=ticket_type, subject=clean_subject,
        description=t.plain_text(description), priority=body.priority, fields=fields,
        watchers=watchers, template_id=template.id if template else None))


@dataclass(frozen=True)
class NewTicket:
    """A checked request for a new ticket, from the API or from mail."""

    origin: Origin
    ticket_type: t.TicketType
    subject: str
    description: str
    priority: Priority | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    watchers: list[str] = field(default_factory=list)
    template_id: str | None = None
    # Set by mail: the unverified sender, and the ticket this one is about.
    requester_email: str | None = None
    related_ticket_id: str | None = None
    event_data: dict[str, Any] = field(default_factory=dict)
    # Given when files were stored under the ticket's key before it exists.
    ticket_id: str | None = None


def open_ticket(ctx: Ctx, new: NewTicket,
                extra: Callable[[UnitOfWork, t.Ticket], None] | None = None) -> t.Ticket:
    """Numbers and writes a new ticket, its ``created`` event, timers and outbox record;
    ``extra`` adds its own writes (a comment's attachments, a mail's id) to the same
    transaction."""
    settings = get_settings(ctx)
    priority = new.priority or new.ticket_type.default_priority
    target = settings.sla_targets[priority]
    ticket_id = new.ticket_id or ctx.new_id()
    origin = new.origin

    def build(uow: UnitOfWork, number: int) -> t.Ticket:
        r = repo()
        ticket = t.Ticket(
            id=ticket_id, number=t.ticket_number(number), subject=new.subject,
            description=new.description, status="new", priority=priority,
            ticket_type_id=new.ticket_type.id, organization_id=origin.organization_id,
            requester_id=origin.requester_id, requester_name=origin.requester_name,
            requester_email=new.requester_email, related_ticket_id=new.related_ticket_id,
            channel=origin.channel, billable=new.ticket_type.billable, created_at=ctx.stamp,
            updated_at=ctx.stamp, created_by=ctx.principal.user_id, fields=new.fields,
            watchers=new.watchers, template_id=new.template_id,
            **_sla_dues(settings, ctx.now, target, ctx.now),
        )
        item = ticket.model_dump(mode="json")
        r.record_number(uow, ctx.tenant, number, ticket_id)
        r.put_ticket(uow, ctx.tenant, item, expected=None, activity=ticket_id)
        _record(uow, ctx, ticket, [_event(ctx, "created", {
            "number": ticket.number, "subject": ticket.subject, "channel": ticket.channel,
            "ticket_type_id": ticket.ticket_type_id, "priority": ticket.priority,
            "organization_id": ticket.organization_id, **new.event_data})], {})
        r.index_subject(uow, ctx.tenant, item, t.search_terms(ticket.subject))
        if extra:
            extra(uow, ticket)
        return ticket

    return with_next_number(ctx, repo().table, TICKET_COUNTER, t.FIRST_NUMBER, build)


# --- listing --------------------------------------------------------------------------


@dataclass(frozen=True)
class TicketFilters:
    status: str | None = None  # a status, "active", or None for all
    ticket_type_id: str | None = None
    assignee: str | None = None  # a user id, "me" or "none"
    organization_id: str | None = None
    requester: str | None = None  # a user id or "me"
    q: str = ""
    updated_after: str | None = None


def _groups(status: str | None) -> list[str]:
    if status is None:
        return ["active", "closed"]
    if status == "active":
        return ["active"]
    return [t.group_of(status)]


def _contact_scope(ctx: Ctx, organization: str | None,
                   requester: str | None) -> tuple[str, str | None] | None:
    """A contact's list is their organisation's, or only their own tickets when the
    organisation's visibility is ``own``. None: the filters ask for what they cannot see."""
    p = ctx.principal
    if p.organization_id is None or organization not in (None, p.organization_id):
        return None
    can_see_org = (p.can(P.TICKETS_VIEW_ORGANIZATION)
                   or _org_visibility(ctx) in ("organization_read", "organization_comment"))
    if not can_see_org:
        if requester not in (None, p.user_id):
            return None
        requester = p.user_id
    return p.organization_id, requester


def _plan(ctx: Ctx, f: TicketFilters) -> list[Stream]:
    """Chooses the list index that answers the most selective filter; the other filters
    are applied while reading. Contacts are held to what they may see."""
    tenant, p = ctx.tenant, ctx.principal
    assignee = p.user_id if f.assignee == "me" else f.assignee
    requester = p.user_id if f.requester == "me" else f.requester
    organization = f.organization_id
    if not p.is_staff:
        scope = _contact_scope(ctx, organization, requester)
        if scope is None:
            return []
        organization, requester = scope
    elif not p.can(P.TICKETS_VIEW):
        raise Forbidden("This needs the permission tickets.view.")

    # The dimension served by an index, most selective first; the rest become filters.
    dimensions = [("TASSIGNEE", "GSI3", assignee), ("TREQ", "GSI4", requester),
                  ("TORG", "GSI2", organization), ("TTYPE", "GSI5", f.ticket_type_id)]
    if assignee == "none":  # every unassigned ticket of the tenant: the least selective
        dimensions.append(dimensions.pop(0))
    chosen = next(((d, i, v) for d, i, v in dimensions if v), None)
    exact_status = f.status if f.status not in (None, "active") else None
    if chosen is None and exact_status:
        lists = [("GSI6", scoped_pk(tenant, "TSTATUS", exact_status))]
        exact_status = None
    elif chosen is None:
        lists = [("GSI1", scoped_pk(tenant, "TICKETS", g)) for g in _groups(f.status)]
    else:
        d, index, value = chosen
        lists = [(index, list_key(tenant, d, value, g)) for g in _groups(f.status)]
    served = chosen[0] if chosen else None
    wanted = {"assignee_id": (assignee, "TASSIGNEE"), "requester_id": (requester, "TREQ"),
              "organization_id": (organization, "TORG"),
              "ticket_type_id": (f.ticket_type_id, "TTYPE"), "status": (exact_status, None)}
    residual = equals_filter({a: None if v == "none" and a == "assignee_id" else v
                              for a, (v, d) in wanted.items() if v and d != served})
    # Every list key sorts by updated_at first; '~' sorts after every id character.
    after = ("{sk} > :after", {":after": f"{f.updated_after}#~"}) if f.updated_after else None
    return [Stream(index, *LIST_INDEXES[index], pk, after, residual) for index, pk in lists]


def list_tickets(ctx: Ctx, f: TicketFilters, limit: int,
                 positions: dict[str, str]) -> tuple[list[t.TicketSummary], dict[str, str] | None]:
    if f.q.strip():
        return _search(ctx, f, limit, positions)
    streams = _plan(ctx, f)
    if not streams:
        return [], None
    items, after = repo().list_tickets(streams, limit, positions)
    return [t.TicketSummary.model_validate(i) for i in items], after


def _matches(ticket: Item, f: TicketFilters, ctx: Ctx) -> bool:
    p = ctx.principal
    assignee = p.user_id if f.assignee == "me" else f.assignee
    requester = p.user_id if f.requester == "me" else f.requester
    checks = [
        f.status is None or (f.status == "active" and ticket["status"] != "closed")
        or ticket["status"] == f.status,
        not f.ticket_type_id or ticket["ticket_type_id"] == f.ticket_type_id,
        not assignee or (ticket.get("assignee_id") or "none") == assignee,
        not requester or ticket.get("requester_id") == requester,
        not f.organization_id or ticket["organization_id"] == f.organization_id,
        not f.updated_after or ticket["updated_at"] > f.updated_after,
    ]
    return all(checks) and (p.is_staff or _contact_level(ctx, ticket) is not None)


def _search(ctx: Ctx, f: TicketFilters, limit: int,
            positions: dict[str, str]) -> tuple[list[t.TicketSummary], dict[str, str] | None]:
    """``q``: a ticket number (``T-1001`` or ``1001``) and words that start words of the
    subject ("2026" finds T-2026 first, then subjects that mention 2026). One GetItem pair
    for the number, one Query on the word index and one BatchGetItem per page."""
    p, r = ctx.principal, repo()
    if p.is_staff and not p.can(P.TICKETS_VIEW):
        raise Forbidden("This needs the permission tickets.view.")
    by_number: list[Item] = []
    number = t.number_in_query(f.q)
    if number is not None and not positions:
        ticket_id = r.ticket_id_by_number(ctx.tenant, number)
        item = r.get_ticket(ctx.tenant, ticket_id) if ticket_id else None
        by_number = [item] if item and _matches(item, f, ctx) else []
    terms = t.query_terms(f.q) if not f.q.strip().upper().startswith("T-") else []
    if not terms:
        return [t.TicketSummary.model_validate(i) for i in by_number], None
    residual = Filter()
    if not p.is_staff:
        # Contacts read only their organisation's entries of the index.
        residual = equals_filter({"organization_id": p.organization_id or "-"})
    start = json.loads(positions["0"]) if positions.get("0") else None
    page = r.search(ctx.tenant, terms[0], limit, start, residual)
    tickets = r.get_tickets(ctx.tenant, [i["SK"] for i in page.items])
    found = [tickets[i["SK"]] for i in page.items if i["SK"] in tickets]
    seen = {i["id"] for i in by_number}
    kept = by_number + [i for i in found if i["id"] not in seen
                        and t.matches_all(i["subject"], terms[1:]) and _matches(i, f, ctx)]
    after = {"0": json.dumps(page.last_key)} if page.last_key else None
    return [t.TicketSummary.model_validate(i) for i in kept], after


# --- changing -------------------------------------------------------------------------


Change = tuple[dict[str, Any], list[Item]]


def patch_ticket(ctx: Ctx, ticket_id: str, patch: t.TicketPatch) -> t.Ticket:
    access = access_ticket(ctx, ticket_id)
    if not access.staff:
        raise Forbidden("Only staff change a ticket's status, assignee, priority or type.")
    current, p = access.ticket, ctx.principal
    check_version(ctx, current.version)
    changes = patch.model_dump(exclude_unset=True)
    refuse_nulls(changes, ("status", "priority", "ticket_type_id", "watchers"))
    for name in changes:
        wanted = P.TICKETS_ASSIGN if name == "assignee_id" else P.TICKETS_EDIT
        if name != "reason" and not p.can(wanted):
            raise Forbidden(f"Changing {name} needs the permission {wanted.value}.")
    steps: dict[str, Callable[[Ctx, t.Ticket, Any, dict[str, Any]], Change]] = {
        "status": _patch_status, "assignee_id": _patch_assignee, "priority": _patch_priority,
        "ticket_type_id": _patch_type, "watchers": _patch_watchers,
    }
    updates: dict[str, Any] = {}
    events: list[Item] = []
    for name, step in steps.items():
        if name in changes and changes[name] != getattr(current, name):
            more, happened = step(ctx, current, changes[name], changes)
            updates |= more
            events += happened
    if not events:
        return current
    updated = next_version(current, ctx, **updates)
    save(ctx, current, updated, events, versioned=True)
    return updated


def _patch_status(ctx: Ctx, current: t.Ticket, target: t.Status,
                  changes: dict[str, Any]) -> Change:
    t.check_transition(current.status, target, t.PATCHABLE_TARGETS)
    reason = changes.get("reason")
    return (_status_updates(ctx, current, target, reason),
            [_event(ctx, "status_changed", {"from": current.status, "to": target,
                                            "reason": reason})])


def _patch_assignee(ctx: Ctx, current: t.Ticket, new: str | None,
                    changes: dict[str, Any]) -> Change:
    if new is not None:
        user = directory().get_user(ctx.tenant, new)
        if user is None or user.get("kind") != "staff" or not user.get("active", True):
            raise InvalidInput("The assignee must be an active staff user.",
                               [FieldError(("body", "assignee_id"), "no such staff user")])
    return ({"assignee_id": new},
            [_event(ctx, "assigned", {"from": current.assignee_id, "to": new})])


def _patch_priority(ctx: Ctx, current: t.Ticket, priority: str,
                    changes: dict[str, Any]) -> Change:
    """The SLA targets follow the new priority, counted from the ticket's creation."""
    settings = get_settings(ctx)
    target = settings.sla_targets[priority]  # type: ignore[index]
    created = _parse_time(current.created_at)
    # New targets, new warnings: what was flagged for the old ones is cleared.
    updates: dict[str, Any] = {
        "priority": priority, "sla_alerts": {},
        **_sla_dues(settings, created, target, ctx.now, current.first_response_at is None),
    }
    return updates, [_event(ctx, "priority_changed", {
        "from": current.priority, "to": priority,
        "resolution_due_at": updates["resolution_due_at"]})]


def _patch_type(ctx: Ctx, current: t.Ticket, type_id: str, changes: dict[str, Any]) -> Change:
    """Staff may re-type (seed 004); the history says whether billing changed."""
    new_type = _active_type(ctx, type_id, ("body", "ticket_type_id"))
    return ({"ticket_type_id": new_type.id, "billable": new_type.billable},
            [_event(ctx, "retyped", {
                "from": current.ticket_type_id, "to": new_type.id,
                "billable_from": current.billable, "billable_to": new_type.billable,
                "billing_changed": current.billable != new_type.billable})])


def _patch_watchers(ctx: Ctx, current: t.Ticket, watchers: list[str],
                    changes: dict[str, Any]) -> Change:
    checked = _check_watchers(ctx, current.organization_id, watchers, ("body", "watchers"))
    if checked == current.watchers:
        return {}, []
    return ({"watchers": checked},
            [_event(ctx, "watchers_changed", {"from": current.watchers, "to": checked},
                    internal=True)])


# A new resolution (or a reopening) starts the approval flow afresh.
_APPROVAL_TIMER_OFF: dict[str, Any] = {
    "reminder_sent_at": None, "auto_close_at": None, "auto_approval_paused": None}


def _status_updates(ctx: Ctx, current: t.Ticket, target: t.Status,
                    reason: str | None) -> dict[str, Any]:
    updates: dict[str, Any] = {"status": target}
    if target == "closed":
        updates |= {"closed_at": ctx.stamp, "closed_reason": "closed_by_staff",
                    "approval_due_at": None}
    elif current.status in ("resolved", "closed"):
        # Reopened: whatever waited for approval is off.
        updates |= {"closed_at": None, "closed_reason": None, "approval_due_at": None,
                    "approval": None, "resolved_at": None, **_APPROVAL_TIMER_OFF}
    return updates


def _comment(ctx: Ctx, ticket_id: str, body: str, internal: bool, hours: float | None,
             attachment_ids: list[str] | None = None, via: str = "api") -> Item:
    return t.Comment(id=ctx.new_id(), ticket_id=ticket_id, body=body, internal=internal,
                     author_id=ctx.principal.user_id,
                     author_name=ctx.principal.record.get("name"),
                     author_kind="staff" if ctx.principal.is_staff else "contact",
                     via=via,  # type: ignore[arg-type]
                     hours=hours, attachment_ids=attachment_ids or [],
                     created_at=ctx.stamp).model_dump(mode="json")


def _check_comment_rights(ctx: Ctx, access: Access, body: t.CommentCreate) -> None:
    errors = ErrorList()
    if not access.staff:
        _require_comment(access)
        if body.internal:
            errors.add(("body", "internal"), "only staff write internal comments")
        if body.hours is not None:
            errors.add(("body", "hours"), "only staff record time")
    elif body.internal and not ctx.principal.can(P.TICKETS_COMMENT_INTERNAL):
        raise Forbidden("Internal comments need the permission tickets.comment_internal.")
    errors.raise_if_any()
    if access.ticket.status == "closed" and not access.staff:
        raise BusinessRuleViolation("The ticket is closed; open a new ticket instead.")


def _comment_effects(ctx: Ctx, access: Access, internal: bool) -> Change:
    """A public staff answer is the first response and opens a new ticket; a customer's
    answer to a ticket waiting on them puts the ball back with support."""
    current, updates, events = access.ticket, {}, []
    target: t.Status | None = None
    if access.staff and not internal:
        if current.first_response_at is None:
            updates["first_response_at"] = ctx.stamp
        if current.status == "new":
            target = "open"
    if not access.staff and current.status == "waiting_on_customer":
        target = "open"
    if target:
        updates["status"] = target
        events.append(_event(ctx, "status_changed", {"from": current.status, "to": target}))
    return updates, events


def add_comment(ctx: Ctx, ticket_id: str, body: t.CommentCreate) -> t.Comment:
    text = t.plain_text(body.body)
    if not text:
        raise InvalidInput("The comment is empty once markup is removed.",
                           [FieldError(("body", "body"), "no text left")])

    def attempt() -> t.Comment:
        access = access_ticket(ctx, ticket_id, consistent=True)
        current = access.ticket
        _check_comment_rights(ctx, access, body)
        _check_attachments(ctx, current.id, body.attachment_ids, access.staff)
        comment = _comment(ctx, current.id, text, body.internal, body.hours, body.attachment_ids)
        updates, events = _comment_effects(ctx, access, body.internal)
        updates["comment_count"] = current.comment_count + 1
        if body.hours:
            updates["total_hours"] = round(current.total_hours + body.hours, 2)
        events.insert(0, _event(ctx, "commented", {
            "comment_id": comment["id"], "internal": body.internal, "hours": body.hours},
            internal=body.internal))
        updated = next_version(current, ctx, **updates)
        save(ctx, current, updated, events,
              extra=lambda uow: repo().add_comment(uow, ctx.tenant, current.id, comment))
        return t.Comment.model_validate(comment)

    return _retry_on_race(attempt)


def comment_from_mail(ctx: Ctx, ticket_id: str, text: str, email: t.CommentEmail,
                      attachments: list[Item], reopen: bool,
                      extra: Callable[[UnitOfWork], None], source_key: str,
                      comment_id: str | None = None) -> t.Comment:
    """A public comment that came by mail from someone who takes part in the ticket
    (``services/inbound_mail`` decided that). Its attachments, already in S3, and the
    mail's guards (``extra``) join the comment's transaction. A closed ticket reopens
    when ``reopen`` says so; otherwise a closed ticket refuses it. ``comment_id``: the id
    chosen beforehand (a held comment's confirmation records it in the same write)."""

    def attempt() -> t.Comment:
        current = t.Ticket.model_validate(
            require(repo().get_ticket(ctx.tenant, ticket_id, consistent=True), "ticket"))
        access = Access(current, "staff" if ctx.principal.is_staff else "comment")
        comment = {**_comment(ctx, current.id, text, False, None,
                              [a["id"] for a in attachments], via="email"),
                   "email": email.model_dump(mode="json"), "source_key": source_key}
        if comment_id is not None:
            comment["id"] = comment_id
        if current.status == "closed":
            if not reopen:
                raise BusinessRuleViolation("The ticket is closed.")
            updates = _status_updates(ctx, current, "open", None)
            events = [_event(ctx, "status_changed", {"from": "closed", "to": "open",
                                                     "reason": "reply_by_email"})]
        else:
            updates, events = _comment_effects(ctx, access, False)
        updates["comment_count"] = current.comment_count + 1
        events.insert(0, _event(ctx, "commented", {
            "comment_id": comment["id"], "internal": False, "hours": None, "via": "email"}))
        events += [_event(ctx, "attachment_added", {
            "attachment_id": a["id"], "filename": a["filename"], "size": a["size"],
            "content_type": a["content_type"]}) for a in attachments]
        updated = next_version(current, ctx, **updates)

        def writes(uow: UnitOfWork) -> None:
            repo().add_comment(uow, ctx.tenant, current.id, comment)
            for attachment in attachments:
                repo().put_attachment(uow, ctx.tenant, attachment, expected_state=None)
            extra(uow)

        save(ctx, current, updated, events, extra=writes)
        return t.Comment.model_validate(comment)

    return _retry_on_race(attempt)


def _check_attachments(ctx: Ctx, ticket_id: str, ids: list[str], staff: bool) -> None:
    if not ids:
        return
    found = {a["id"]: a for a in repo().get_attachments(ctx.tenant, ticket_id, ids)}
    errors = ErrorList()
    for index, attachment_id in enumerate(ids):
        attachment = found.get(attachment_id)
        if attachment is None or (attachment.get("internal") and not staff):
            errors.add(("body", "attachment_ids", index), "no such attachment on this ticket")
    errors.raise_if_any()


def list_comments(ctx: Ctx, ticket_id: str, limit: int, start: dict[str, Any] | None) -> Page:
    access = access_ticket(ctx, ticket_id)
    return repo().list_children(ctx.tenant, ticket_id, "COMMENT", not access.staff, limit, start)


def list_events(ctx: Ctx, ticket_id: str, limit: int, start: dict[str, Any] | None) -> Page:
    access = access_ticket(ctx, ticket_id)
    return repo().list_children(ctx.tenant, ticket_id, "EVENT", not access.staff, limit, start)


# --- resolution and approval ------------------------------------------------------------


def resolve(ctx: Ctx, ticket_id: str, body: t.ResolveBody) -> t.Ticket:
    access = access_ticket(ctx, ticket_id, consistent=True)
    if not access.staff:
        raise Forbidden("Only staff resolve tickets.")
    current = access.ticket
    t.check_transition(current.status, "resolved")
    text = t.plain_text(body.resolution)
    if not text:
        raise InvalidInput("The resolution is empty once markup is removed.",
                           [FieldError(("body", "resolution"), "no text left")])
    settings = get_settings(ctx)
    due = utc_iso(ctx.now + timedelta(hours=settings.approval_reminder_hours))
    comment = _comment(ctx, current.id, text, False, body.hours)
    updates: dict[str, Any] = {
        "status": "resolved", "resolved_at": ctx.stamp, "resolution": text,
        "approval": t.Approval(state="pending"), "approval_due_at": due, **_APPROVAL_TIMER_OFF,
        "comment_count": current.comment_count + 1,
        "first_response_at": current.first_response_at or ctx.stamp,
    }
    if body.hours:
        updates["total_hours"] = round(current.total_hours + body.hours, 2)
    updated = next_version(current, ctx, **updates)
    events = [
        _event(ctx, "status_changed", {"from": current.status, "to": "resolved"}),
        _event(ctx, "resolved", {"comment_id": comment["id"], "billable": current.billable,
                                 "approval_due_at": due, "hours": body.hours}),
    ]
    save(ctx, current, updated, events,
          extra=lambda uow: repo().add_comment(uow, ctx.tenant, current.id, comment),
          versioned=True)
    return updated


def _approver_access(ctx: Ctx, ticket_id: str) -> Access:
    """The requester's side answers: the requester and the organisation's contacts who may
    comment, or staff holding ``tickets.approve`` (e.g. on the customer's word by phone)."""
    access = access_ticket(ctx, ticket_id, consistent=True)
    if access.staff:
        if not ctx.principal.can(P.TICKETS_APPROVE):
            raise Forbidden("This needs the permission tickets.approve.")
    else:
        _require_comment(access)
    if access.ticket.status != "resolved":
        raise BusinessRuleViolation(
            f"Only a resolved ticket can be approved or rejected; this one is "
            f"{access.ticket.status}.")
    return access


Claim = Callable[[UnitOfWork], None]


def approve(ctx: Ctx, ticket_id: str, body: t.ApproveBody | None,
            claim: Claim | None = None) -> t.Ticket:
    """``claim`` joins the transaction (a one-click link records its single use there)."""
    current = _approver_access(ctx, ticket_id).ticket
    updated = next_version(current, ctx, status="closed", closed_at=ctx.stamp,
                           closed_reason="approved", approval_due_at=None,
                           approval=t.Approval(state="approved", at=ctx.stamp,
                                               by=ctx.principal.user_id))
    events = [_event(ctx, "approved", {"comment": body.comment if body else ""}),
              _event(ctx, "status_changed", {"from": "resolved", "to": "closed"})]
    text = t.plain_text(body.comment) if body and body.comment else ""
    comment = _comment(ctx, current.id, text, False, None) if text else None
    if comment:
        updated = updated.model_copy(update={"comment_count": current.comment_count + 1})

    def extra(uow: UnitOfWork) -> None:
        if comment:
            repo().add_comment(uow, ctx.tenant, current.id, comment)
        if claim:
            claim(uow)

    save(ctx, current, updated, events, extra=extra, versioned=True)
    return updated


def reject(ctx: Ctx, ticket_id: str, body: t.RejectBody, claim: Claim | None = None
           ) -> t.Ticket:
    current = _approver_access(ctx, ticket_id).ticket
    reason = t.plain_text(body.reason)
    if not reason:
        raise InvalidInput("The reason is empty once markup is removed.",
                           [FieldError(("body", "reason"), "no text left")])
    comment = _comment(ctx, current.id, reason, False, None)
    updated = next_version(current, ctx, status="open", approval_due_at=None, resolved_at=None,
                           approval=t.Approval(state="rejected", at=ctx.stamp,
                                               by=ctx.principal.user_id, reason=reason),
                           comment_count=current.comment_count + 1)
    events = [_event(ctx, "rejected", {"reason": reason, "comment_id": comment["id"]}),
              _event(ctx, "status_changed", {"from": "resolved", "to": "open"})]

    def extra(uow: UnitOfWork) -> None:
        repo().add_comment(uow, ctx.tenant, current.id, comment)
        if claim:
            claim(uow)

    save(ctx, current, updated, events, extra=extra, versioned=True)
    return updated


# --- attachments ----------------------------------------------------------------------


def object_key(tenant: str, ticket_id: str, attachment_id: str, filename: str) -> str:
    return f"t/{tenant}/tickets/{ticket_id}/{attachment_id}/{t.key_filename(filename)}"


def create_attachment(ctx: Ctx, ticket_id: str, body: t.AttachmentCreate) -> dict[str, Any]:
    access = access_ticket(ctx, ticket_id)
    errors = ErrorList()
    if not access.staff:
        _require_comment(access)
        if body.internal:
            errors.add(("body", "internal"), "only staff add internal attachments")
        if access.ticket.status == "closed":
            raise BusinessRuleViolation("The ticket is closed; open a new ticket instead.")
    files.check_file(get_settings(ctx), body.content_type, body.size, errors)
    errors.raise_if_any()
    attachment_id = ctx.new_id()
    filename = t.safe_filename(body.filename)
    key = object_key(ctx.tenant, ticket_id, attachment_id, filename)
    attachment = {**t.Attachment(
        id=attachment_id, ticket_id=ticket_id, filename=filename,
        content_type=body.content_type, size=body.size, internal=body.internal,
        uploaded_by=ctx.principal.user_id, uploaded_by_name=ctx.principal.record.get("name"),
        created_at=ctx.stamp).model_dump(mode="json"), "key": key}
    upload = files.presigned_upload(key, body.content_type, body.size, ctx.now)
    uow = UnitOfWork()
    repo().put_attachment(uow, ctx.tenant, attachment, expected_state=None)
    repo().add_event(uow, ctx.tenant, ticket_id, _event(ctx, "attachment_added", {
        "attachment_id": attachment_id, "filename": filename, "size": body.size,
        "content_type": body.content_type}, internal=body.internal))
    uow.commit()
    return {**{k: v for k, v in attachment.items() if k != "key"}, **upload}


def list_attachments(ctx: Ctx, ticket_id: str, limit: int, start: dict[str, Any] | None) -> Page:
    access = access_ticket(ctx, ticket_id)
    return repo().list_children(ctx.tenant, ticket_id, "ATT", not access.staff, limit, start)


def download_attachment(ctx: Ctx, ticket_id: str, attachment_id: str) -> dict[str, Any]:
    """A short-lived download address. The first download checks that the upload arrived
    whole (size as declared) and marks the attachment uploaded."""
    access = access_ticket(ctx, ticket_id)
    item = repo().get_attachment(ctx.tenant, ticket_id, attachment_id)
    if item is None or (item.get("internal") and not access.staff):
        raise NotFound("No such attachment.")
    if item.get("state") != "uploaded":
        files.confirm_upload(item["key"], item["size"])
        uow = UnitOfWork()
        repo().put_attachment(uow, ctx.tenant, {**item, "state": "uploaded"},
                              expected_state="pending")
        with contextlib.suppress(Conflict):  # a concurrent download marked it first
            uow.commit()
    return files.download_link(item["key"], item["filename"], item["content_type"], ctx.now)


def comment_source(ctx: Ctx, ticket_id: str, comment_id: str) -> dict[str, Any]:
    """Staff: the whole original mail a comment came from, as received."""
    access = access_ticket(ctx, ticket_id)
    if not access.staff:
        raise Forbidden("Only staff read the original mail.")
    item = repo().get_comment(ctx.tenant, ticket_id, comment_id)
    if item is None or not item.get("source_key"):
        raise NotFound("No such comment from mail.")
    return files.download_link(item["source_key"], f"{access.ticket.number}-{comment_id}.eml",
                               "message/rfc822", ctx.now)
