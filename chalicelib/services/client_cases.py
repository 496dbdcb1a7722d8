"""Client cases (seed 003, issue 19): activation, invitations, cases from the firm and the
billing usage."""

from __future__ import annotations

from chalicelib.domain.client_cases import NOT_ACTIVE, ModuleState
from chalicelib.domain.errors import Forbidden
from chalicelib.services.context import Ctx
from chalicelib.store import client_cases as store


def module_state(tenant: str) -> ModuleState:
    item = store.get_module(tenant)
    return ModuleState.model_validate(item) if item else ModuleState()


def require_active(ctx: Ctx) -> ModuleState:
    """Every client-case endpoint but the checklist and the activation starts here."""
    state = module_state(ctx.tenant)
    if not state.active:
        raise Forbidden(NOT_ACTIVE)
    return state
