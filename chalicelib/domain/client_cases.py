"""Client cases (seed 003, issue 19): an accounting firm (the tenant) shares cases with its
clients' staff. The module is bought and activated once by an administrator; until then
every client-case endpoint refuses with a reason that says how to activate."""

from __future__ import annotations

from chalicelib.domain.models import Model

NOT_ACTIVE = ("Client cases are not activated for this account. An administrator with the "
              "settings.manage permission activates them with POST /client-cases/activate "
              "after the checklist of GET /client-cases/readiness.")


class ModuleState(Model):
    """The module's activation, kept in one item of the ``directory`` table."""

    model_config = {"extra": "ignore"}

    active: bool = False
    activated_at: str | None = None
    activated_by: str | None = None
    # The price basis shown and accepted at activation.
    active_clients: int = 0
    monthly_price: float = 0
    price_per_client: float = 0
    currency: str = "SEK"
