"""The tenant's ticket types and templates: the ready-made ones a new tenant gets, and
listing, creating and changing them (each change audited in the same transaction)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.domain import outbound, tickets
from chalicelib.domain.errors import Conflict, FieldError, InvalidInput
from chalicelib.domain.models import utc_iso
from chalicelib.domain.permissions import Permission
from chalicelib.services.context import Ctx
from chalicelib.services.directory import repo as directory
from chalicelib.services.tickets.shared import repo
from chalicelib.services.writes import check_version, commit_versioned, history_event, refuse_nulls
from chalicelib.store.dynamo import UnitOfWork
from chalicelib.store.tickets import require

# --- provisioning -----------------------------------------------------------------------


def provision_defaults(tenant: str, now: datetime) -> int:
    """The ready-made types and templates of a new tenant; what exists is left alone."""
    r, stamp, created = repo(), utc_iso(now), 0
    existing_types = {i["id"] for i in r.list_types(tenant)}
    existing_templates = {i["id"] for i in r.list_templates(tenant)}
    uow = UnitOfWork()
    # Cases from the firm (issue 19): their type and the ready-made accounting templates.
    case_type = [(outbound.CLIENT_CASE_TYPE, outbound.client_case_type())]
    for type_id, body in [*tickets.default_ticket_types(), *case_type]:
        if type_id not in existing_types:
            r.put_type(uow, tenant, tickets.TicketType(
                **body.model_dump(), id=type_id, builtin=True, created_at=stamp,
                updated_at=stamp).model_dump(mode="json"), expected=None)
            created += 1
    for template_id, template in [*tickets.default_templates(),
                                  *outbound.default_outbound_templates()]:
        if template_id not in existing_templates:
            r.put_template(uow, tenant, tickets.Template(
                **template.model_dump(), id=template_id, builtin=True, created_at=stamp,
                updated_at=stamp).model_dump(mode="json"), expected=None)
            created += 1
    try:
        uow.commit()
    except Conflict:
        return 0  # a concurrent provisioning won; its defaults are the same
    return created


def _audit(uow: UnitOfWork, ctx: Ctx, kind: str, subject: str, data: dict[str, Any]) -> None:
    """Types and templates are tenant settings: their changes go to the tenant's audit
    trail, in the same transaction."""
    directory().audit(uow, ctx.tenant, {**history_event(ctx, kind, data), "subject": subject})


def _diff(before: Any, after: Any) -> dict[str, Any]:
    old, new = before.model_dump(mode="json"), after.model_dump(mode="json")
    return {k: {"from": old[k], "to": new[k]} for k in new
            if k not in ("version", "updated_at") and old.get(k) != new[k]}


# --- types ----------------------------------------------------------------------------


def list_types(ctx: Ctx) -> list[tickets.TicketType]:
    types = [tickets.TicketType.model_validate(i) for i in repo().list_types(ctx.tenant)]
    if not ctx.principal.can(Permission.TICKET_TYPES_MANAGE):
        types = [x for x in types if x.active]
    if not ctx.principal.is_staff:  # the firm's cases are its own type, not the customer's
        types = [x for x in types if x.id != outbound.CLIENT_CASE_TYPE]
    # The ready-made ones first, in the order of seed 002 (technical fault first).
    position = {type_id: n for n, (type_id, _) in enumerate(tickets.default_ticket_types())}
    return sorted(types, key=lambda x: (position.get(x.id, len(position)), x.created_at, x.id))


def get_type(ctx: Ctx, type_id: str) -> tickets.TicketType:
    return tickets.TicketType.model_validate(require(repo().get_type(ctx.tenant, type_id),
                                                     "ticket type"))


def create_type(ctx: Ctx, body: tickets.TicketTypeBody) -> tickets.TicketType:
    created = tickets.TicketType(**body.model_dump(), id=ctx.new_id(), created_at=ctx.stamp,
                                 updated_at=ctx.stamp)
    uow = UnitOfWork()
    repo().put_type(uow, ctx.tenant, created.model_dump(mode="json"), expected=None)
    _audit(uow, ctx, "ticket_type_created", f"ticket-type/{created.id}",
           created.model_dump(mode="json", include={"name", "billable", "kind"}))
    uow.commit()
    return created


def patch_type(ctx: Ctx, type_id: str, patch: tickets.TicketTypePatch) -> tickets.TicketType:
    current = get_type(ctx, type_id)
    check_version(ctx, current.version)
    changes = patch.model_dump(exclude_unset=True)
    refuse_nulls(changes, ("name", "billable", "required_fields", "kind", "default_priority",
                            "help", "active"))
    merged = {**current.model_dump(), **changes}
    try:
        # The whole type must still hold together (e.g. a third_party kind has a third party).
        tickets.TicketTypeBody.model_validate(
            {k: merged[k] for k in tickets.TicketTypeBody.model_fields})
    except ValueError as exc:
        raise InvalidInput("The changed type is not consistent.",
                           [FieldError(("body",), str(exc).splitlines()[-1].strip())]) from None
    updated = tickets.TicketType.model_validate({**merged, "updated_at": ctx.stamp,
                                                 "version": current.version + 1})
    uow = UnitOfWork()
    repo().put_type(uow, ctx.tenant, updated.model_dump(mode="json"), expected=current.version)
    _audit(uow, ctx, "ticket_type_changed", f"ticket-type/{type_id}", _diff(current, updated))
    commit_versioned(ctx, uow)
    return updated


def active_type(ctx: Ctx, type_id: str, loc: tuple[str, ...]) -> tickets.TicketType:
    """A type a ticket or template may name: it exists and is active (else a 400 at ``loc``)."""
    item = repo().get_type(ctx.tenant, type_id)
    if item is None or not item.get("active", True):
        raise InvalidInput("No such ticket type.", [FieldError(loc, "no such ticket type")])
    return tickets.TicketType.model_validate(item)


# --- templates ------------------------------------------------------------------------


def list_templates(ctx: Ctx, direction: str | None = None) -> list[tickets.Template]:
    """``direction`` keeps one kind (a contact gets the inbound ones only: the firm's
    templates for its cases are the firm's business)."""
    found = [tickets.Template.model_validate(i) for i in repo().list_templates(ctx.tenant)]
    if not ctx.principal.can(Permission.TEMPLATES_MANAGE):
        found = [x for x in found if x.active]
    if not ctx.principal.is_staff:
        direction = "inbound" if direction in (None, "inbound") else "none"
    if direction is not None:
        found = [x for x in found if x.direction == direction]
    return sorted(found, key=lambda x: (not x.builtin, x.name.casefold(), x.id))


def create_template(ctx: Ctx, body: tickets.TemplateBody) -> tickets.Template:
    active_type(ctx, body.ticket_type_id, ("body", "ticket_type_id"))
    created = tickets.Template(**body.model_dump(), id=ctx.new_id(), created_at=ctx.stamp,
                               updated_at=ctx.stamp)
    uow = UnitOfWork()
    repo().put_template(uow, ctx.tenant, created.model_dump(mode="json"), expected=None)
    _audit(uow, ctx, "template_created", f"template/{created.id}",
           created.model_dump(mode="json", include={"name", "ticket_type_id"}))
    uow.commit()
    return created


def patch_template(ctx: Ctx, template_id: str, patch: tickets.TemplatePatch) -> tickets.Template:
    current = tickets.Template.model_validate(
        require(repo().get_template(ctx.tenant, template_id), "template"))
    check_version(ctx, current.version)
    changes = patch.model_dump(exclude_unset=True)
    refuse_nulls(changes, ("name", "ticket_type_id", "subject", "body", "active"))
    if "ticket_type_id" in changes:
        active_type(ctx, changes["ticket_type_id"], ("body", "ticket_type_id"))
    updated = current.model_copy(update={**changes, "updated_at": ctx.stamp,
                                         "version": current.version + 1})
    uow = UnitOfWork()
    repo().put_template(uow, ctx.tenant, updated.model_dump(mode="json"),
                        expected=current.version)
    _audit(uow, ctx, "template_changed", f"template/{template_id}", _diff(current, updated))
    commit_versioned(ctx, uow)
    return updated
