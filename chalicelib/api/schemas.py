"""Answer shapes shared by several routes (they appear in /openapi.json)."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel

T = TypeVar("T")


class ItemsPage(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None


class ProblemError(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class Problem(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    errors: list[ProblemError]
