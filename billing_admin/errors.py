"""One error family for every door: each class carries a code, a safe message and an HTTP status.

Messages are written for a person and a model alike and say what to do next; each door maps
them once (form error, MCP `isError` result, JSON `{"message"}` with the status).
"""

from __future__ import annotations

from typing import Any


class BillingError(Exception):
    code = "billing_error"
    status = 400

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.details:
            body["details"] = self.details
        return body


class NotFoundError(BillingError):
    code = "not_found"
    status = 404


class InvalidInputError(BillingError):
    """Bad arguments; `details["fields"]` maps a field path (e.g. `event.timestamp`) to its problem."""

    code = "invalid_input"
    status = 400

    @classmethod
    def for_field(cls, field: str, problem: str) -> InvalidInputError:
        return cls(f"{field}: {problem}", details={"fields": {field: problem}})

    @classmethod
    def for_fields(cls, fields: dict[str, str]) -> InvalidInputError:
        message = "; ".join(f"{name}: {problem}" for name, problem in fields.items())
        return cls(message, details={"fields": dict(fields)})


class ConflictError(BillingError):
    """The id is taken, or an idempotency key was reused with different arguments."""

    code = "conflict"
    status = 409


class InvalidStateError(BillingError):
    code = "invalid_state"
    status = 409


class InsufficientFundsError(BillingError):
    code = "insufficient_funds"
    status = 422


class CurrencyMismatchError(BillingError):
    code = "currency_mismatch"
    status = 422


class PermissionDeniedError(BillingError):
    code = "permission_denied"
    status = 403


class UnsupportedError(BillingError):
    """The chosen backend cannot do this (e.g. hosted Togai lacks the operation)."""

    code = "unsupported"
    status = 501


class UpstreamError(BillingError):
    """The hosted billing API failed or could not be reached."""

    code = "upstream_error"
    status = 502


class AccountDataError(BillingError):
    """One account's stored data cannot be priced or closed (e.g. a negative usage total stored before
    the door refused such values). Reads show that account's rows in an error state and closing
    records the failure and goes on: one account's data never stops billing for the others."""

    code = "account_data_error"
    status = 409

    def __init__(self, message: str, *, account_id: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message, details={"accountId": account_id, **(details or {})})
        self.account_id = account_id


class TooManyRequestsError(BillingError):
    """Refused before any work because this client failed too often; `retry_after` is in seconds."""

    code = "too_many_requests"
    status = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
