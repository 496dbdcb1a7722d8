"""Who is calling: the user a verified token names, with the roles and address of their
directory record (never the token's groups or e-mail claim), never from the request."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Principal:
    tenant: str
    user_id: str
    email: str
    roles: tuple[str, ...]
    permissions: frozenset[str]
    kind: str
    organization_id: str | None
    language: str
    # The directory record read to authenticate this request, so no use case reads it again.
    record: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    @property
    def is_staff(self) -> bool:
        return self.kind == "staff"
