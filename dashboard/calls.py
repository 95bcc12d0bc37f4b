"""The pages' one door onto the billing service: reads that degrade to an empty state, and writes
whose errors land on the form that asked for them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import Http404, HttpRequest
from pydantic import BaseModel

from billing_admin.approvals.models import Approval
from billing_admin.approvals.services import approval_request
from billing_admin.errors import BillingError, ConflictError, NotFoundError, UnsupportedError
from billing_admin.limits import AboveLimitError
from billing_admin.service import call

from .access import staff_actor


@dataclass(frozen=True)
class Unavailable:
    """A read the backend cannot answer (yet): the page shows `message` as an empty state."""

    message: str

    def __bool__(self) -> bool:
        return False


def read(request: HttpRequest, operation: str, payload: dict[str, Any], *, missing_is_404: bool = True) -> Any:
    """Run a read. NotFound becomes a 404; Unsupported and bad filters become `Unavailable`."""
    try:
        return call(operation, without_unset(payload), actor=staff_actor(request))
    except NotFoundError as exc:
        if missing_is_404:
            raise Http404(exc.message) from None
        return Unavailable(exc.message)
    except UnsupportedError as exc:
        return Unavailable(f"Not available yet: {exc.message}.")
    except BillingError as exc:
        return Unavailable(exc.message)


def write(request: HttpRequest, form: forms.Form, operation: str, payload: dict[str, Any]) -> BaseModel | None:
    """Run a write as the logged-in person. On a BillingError, put it on `form` and return None."""
    try:
        return call(operation, without_unset(payload), actor=staff_actor(request))
    except BillingError as exc:
        attach_error(form, exc)
        return None


def money_write(
    request: HttpRequest, form: forms.Form, operation: str, payload: dict[str, Any]
) -> BaseModel | Approval | None:
    """A credit, top-up or invoice settlement: run it, or, above its ceiling, ask a second finance admin
    (the pending `Approval` is returned). Other errors land on `form` and None is returned."""
    actor = staff_actor(request)
    try:
        return call(operation, without_unset(payload), actor=actor)
    except AboveLimitError as exc:
        return approval_request(move=exc.move, request=exc.request, actor=actor)
    except BillingError as exc:
        attach_error(form, exc)
        return None


def attach_error(form: forms.Form, exc: BillingError) -> None:
    """Map `details["fields"]` (request field paths) onto form fields through the form's `api_fields`
    or the path's last part; the rest is a form-wide error."""
    field_map: dict[str, str] = getattr(form, "api_fields", {})
    placed = False
    for path, problem in (exc.details.get("fields") or {}).items():
        name = field_map.get(path) or _field_for(form, path)
        if name is not None:
            form.add_error(name, problem)
            placed = True
        else:
            form.add_error(None, f"{path}: {problem}")
            placed = True
    if not placed:
        # "That id is taken" belongs next to the id the person typed, when the form has one.
        conflict = getattr(form, "conflict_field", None)
        form.add_error(conflict if isinstance(exc, ConflictError) and conflict in form.fields else None, exc.message)


def _field_for(form: forms.Form, path: str) -> str | None:
    if path in form.fields:
        return path
    last = path.rsplit(".", 1)[-1]
    return last if last in form.fields else None


def without_unset(payload: dict[str, Any]) -> dict[str, Any]:
    """Drop unset values (None, "") so the request schema's defaults apply. Empty lists and maps stay:
    on an update they mean "clear it"."""
    return {key: value for key, value in payload.items() if value is not None and value != ""}
