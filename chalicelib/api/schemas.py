"""Answer shapes shared by several routes (they appear in /openapi.json). Built on the
domain's ``Model``: their validators are built when first used, not at import."""

from __future__ import annotations

from typing import Generic, TypeVar

from chalicelib.domain.models import Model

T = TypeVar("T")


class ItemsPage(Model, Generic[T]):
    items: list[T]
    next_cursor: str | None


class ProblemError(Model):
    loc: list[str | int]
    msg: str
    type: str


class Problem(Model):
    type: str
    title: str
    status: int
    detail: str
    errors: list[ProblemError]
