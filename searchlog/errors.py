"""Errors raised by the domain layer; pages and the API translate them for people."""

from __future__ import annotations


class DomainError(Exception):
    """Base class for refusals by the domain layer."""


class RecordInvalid(DomainError):
    """The input breaks a rule; `errors` maps each field name to its messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


class TransitionNotAllowed(DomainError):
    """The action is not allowed from the record's current state (409 on the API)."""


class NotPermitted(DomainError):
    """The actor may not do this to a record they can see."""


class RecordNotFound(DomainError):
    """No such record within the caller's scope (404, never 403)."""
