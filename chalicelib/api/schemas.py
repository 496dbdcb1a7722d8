"""Answer shapes shared by several routes (they appear in /openapi.json). Built on the
domain's ``Model``: their validators are built when first used, not at import."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, Generic, TypeVar

from chalicelib.domain.models import Model

T = TypeVar("T")


class ItemsPage(Model, Generic[T]):
    items: list[T]
    next_cursor: str | None


@dataclass(frozen=True)
class PageOf:
    """A route's answer ``ItemsPage[item]``, named without building it: pydantic builds a
    generic model's validator when it is parametrized, whatever ``defer_build`` says, and
    routes are declared at import (the cold start). ``/openapi.json`` resolves it."""

    item: Any

    def model(self) -> type[Model]:
        return _items_page(self.item)


@cache
def _items_page(item: Any) -> type[Model]:
    return ItemsPage[item]


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


class DownloadLink(Model):
    """A short-lived address of a stored file (the 302's Location, and the body)."""

    url: str
    expires_at: str
