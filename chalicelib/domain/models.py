"""Shared building blocks for the pydantic models of every module."""


from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Language = Literal["sv", "fi", "en"]

EMAIL_PATTERN = (
    r"^[^@\s<>(),;:\"\[\]\\]{1,64}@([A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,63}$"
)

Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True, max_length=254, pattern=EMAIL_PATTERN),
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Phone = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=32, pattern=r"^\+?[0-9 ()-]{3,32}$")
]
Id = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class Model(BaseModel):
    """The base of every model of the app: its validator and serializer are built when it
    first validates or dumps, not when its module is imported (``defer_build``), so a cold
    start builds only the models its request uses. Subclasses inherit the setting (pydantic
    merges a subclass's ``model_config`` into its bases')."""

    model_config = ConfigDict(defer_build=True)


class Command(Model):
    """A request body: unknown fields are refused, strings are trimmed."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Record(Model):
    """A stored aggregate: carries the version that guards concurrent updates."""

    model_config = ConfigDict(extra="ignore")

    version: int = Field(default=1, ge=1)


class HistoryEvent(Model):
    """One entry of an aggregate's history: written with the change, never changed."""

    id: str
    at: str
    actor: str
    actor_name: str | None = None
    type: str
    data: dict[str, Any] = Field(default_factory=dict)


class StoredFile(Model):
    """A file uploaded straight to S3 (a ticket attachment, a contact-order document)."""

    id: str
    filename: str
    content_type: str
    size: int
    state: Literal["pending", "uploaded"] = "pending"
    uploaded_by: str
    uploaded_by_name: str | None = None
    created_at: str


def utc_iso(moment: datetime) -> str:
    """``2026-11-22T09:30:00Z``: the one timestamp format of the API."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
