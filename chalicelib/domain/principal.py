"""Who is calling: taken from a verified token and the directory, never from the request."""

from __future__ import annotations

from dataclasses import dataclass


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

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    @property
    def is_staff(self) -> bool:
        return self.kind == "staff"
