"""The one way a list route pages: ``?limit=&cursor=`` in (``ListQuery``), a page of
``items`` and its ``next_cursor`` out.

A cursor is signed for its list (its scope): the tenant, the caller, the list's name
and its filters, so a cursor replayed on another list, by another user or with other
filters is a 400 (``services/paging.py``, ``store/cursor.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.api.routing import Call
from chalicelib.domain.models import Model
from chalicelib.services.paging import Page, cursor_after, position_of


class ListQuery(Model):
    """``?limit=&cursor=`` of every list. An unknown parameter is a 400 naming it, so a
    misspelt filter is never silently ignored."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=25, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=2048)


@dataclass(frozen=True)
class Paging:
    """One request's page of one list: how many items, where it starts, and how its
    answer carries the position after it."""

    scope: str
    limit: int
    # Where the client's cursor says the list goes on; None on the first page.
    start: dict[str, Any] | None

    @classmethod
    def of(cls, call: Call, list_name: str, *filters: object) -> Paging:
        """The page ``call`` asks for of the list ``list_name`` with ``filters``; a cursor
        of any other list (or altered) is a 400."""
        scope = "|".join([call.ctx.tenant, call.ctx.principal.user_id, list_name,
                          *map(str, filters)])
        return cls(scope, call.query.limit, position_of(scope, call.query.cursor))

    @property
    def positions(self) -> dict[str, Any]:
        """``start`` of a list merged from several queries, one position each: empty on
        the first page."""
        return self.start or {}

    def answer(self, items: Iterable[Any], last_key: dict[str, Any] | None,
               model: type[BaseModel] | None = None) -> dict[str, object]:
        """The page as the API answers it: ``items`` (read as ``model`` where given) and
        the cursor of the page after ``last_key`` (null at the end)."""
        shown = [model.model_validate(i) for i in items] if model is not None else items
        return {"items": [i.model_dump(mode="json") if isinstance(i, BaseModel) else i
                          for i in shown],
                "next_cursor": cursor_after(self.scope, last_key)}

    def answer_page(self, page: Page, model: type[BaseModel]) -> dict[str, object]:
        return self.answer(page.items, page.last_key, model)
