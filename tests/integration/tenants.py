"""The tenants an integration test module works in. Each module that shares the run's
moto resources declares ``TENANTS = module_tenants(__name__)``: a tenant named after the
module, seeded like the demo tenant ``demo`` (Swedish), and a second one seeded like
``other`` (Finnish), each with an admin, an agent and a customer at ``<role>@<tenant>.test``.
Distinct names keep the modules apart in the run's one user pool, queues, buckets and
sent mail (each module gets empty tables)."""

from __future__ import annotations

from typing import NamedTuple


class TenantPair(NamedTuple):
    main: str  # seeded like ``demo``
    other: str  # seeded like ``other``


def module_tenants(module_name: str) -> TenantPair:
    """``tests.integration.test_contact_view`` -> ("contact-view", "contact-view-other")."""
    stem = module_name.rsplit(".", 1)[-1].removeprefix("test_").replace("_", "-")
    return TenantPair(stem, f"{stem}-other")


def emails(tenant: str) -> tuple[str, str, str]:
    """The seeded admin, agent and customer of ``tenant``."""
    return f"admin@{tenant}.test", f"agent@{tenant}.test", f"customer@{tenant}.test"
