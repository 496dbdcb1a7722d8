"""A new tenant: its settings and roles (directory), ready-made ticket types and templates."""

from __future__ import annotations

from datetime import datetime

from chalicelib.services import directory, tickets


def provision(tenant: str, name: str, now: datetime) -> bool:
    """Safe to run again: what exists is kept. True when the tenant was new."""
    created = directory.provision_tenant(tenant, name, now)
    tickets.provision_defaults(tenant, now)
    return created
