"""What every use case receives besides its command: who asks, when, and on what version."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain.ids import new_ulid
from chalicelib.domain.models import utc_iso
from chalicelib.domain.principal import Principal


@dataclass(frozen=True)
class Ctx:
    principal: Principal
    now: datetime
    # The version named by ``If-Match``; None when the client sent none.
    if_match: int | None = None

    @property
    def tenant(self) -> str:
        return self.principal.tenant

    @property
    def stamp(self) -> str:
        return utc_iso(self.now)

    def new_id(self) -> str:
        return new_ulid(self.now)
