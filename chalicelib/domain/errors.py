"""Domain errors. The API layer maps each to one HTTP status in one place."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")


@dataclass
class FieldError:
    loc: tuple[str | int, ...]
    msg: str
    # A stable code (pydantic's error type, or ours) that a client can translate.
    type: str = "invalid"


class DomainError(Exception):
    """Base: ``title`` is the short, stable summary; ``detail`` says what happened."""

    title = "Error"

    def __init__(self, detail: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors: list[FieldError] = errors or []


class InvalidInput(DomainError):
    title = "Invalid input"


class NotFound(DomainError):
    title = "Not found"


class Forbidden(DomainError):
    title = "Forbidden"


class Unauthenticated(DomainError):
    title = "Unauthenticated"


class Conflict(DomainError):
    title = "Conflict"


class PreconditionFailed(DomainError):
    title = "Precondition failed"


class BusinessRuleViolation(DomainError):
    title = "Business rule violated"


class Gone(DomainError):
    """A one-time link that was used, expired, or whose moment has passed."""

    title = "Gone"


class RateLimited(DomainError):
    title = "Too many requests"


class TooManyRequests(RateLimited):
    """One of our own limits (chalicelib/domain/rate_limits.py) is used up until the end of
    its window: the answer carries ``Retry-After`` with the seconds left."""

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
        self.extra = {"retry_after": retry_after}


@dataclass
class ErrorList:
    """Collects field errors so a request reports every invalid field at once."""

    errors: list[FieldError] = field(default_factory=list)

    def add(self, loc: tuple[str | int, ...], msg: str) -> None:
        self.errors.append(FieldError(loc, msg))

    def raise_if_any(self, detail: str = "The request has invalid fields.") -> None:
        if self.errors:
            raise InvalidInput(detail, self.errors)

    def collect(self, check: Callable[[], T]) -> T | None:
        """``check()``'s result, or None with its field errors added when it raises
        InvalidInput: several checks that each raise report together."""
        try:
            return check()
        except InvalidInput as problem:
            self.errors.extend(problem.errors)
            return None


class PayloadTooLarge(DomainError):
    title = "Payload too large"


class UnsupportedMediaType(DomainError):
    title = "Unsupported media type"


class DependencyUnavailable(DomainError):
    title = "Service unavailable"
