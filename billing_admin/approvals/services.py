"""Asking for, approving and rejecting a money move above its ceiling. Every step is audited.

A door that lets a person ask (the dashboard, the chat) catches `AboveLimitError` from the write, or
asks `approval_request_if_above_limit` first, and records the request here. Another finance admin's
approval runs the write through the backend's own method (`MoneyCeilings.run_approved`), in the same
transaction as the approval, so the approval and the money move happen together or not at all.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from pydantic import BaseModel

from billing_admin.actors import Actor
from billing_admin.audit import audit_record
from billing_admin.errors import InvalidStateError, NotFoundError, PermissionDeniedError
from billing_admin.limits import MoneyMove, display
from billing_admin.money import from_minor, to_minor
from billing_admin.service import get_service, parse_request

from .models import Approval

Status = Approval.Status


def _fingerprint(operation: str, arguments: dict[str, Any]) -> str:
    canonical = json.dumps({"operation": operation, "arguments": arguments}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def describe(approval: Approval) -> str:
    """`grant_credit of 1,000,000.00 USD on acc_987`."""
    amount = from_minor(approval.amount_minor, approval.currency)
    return f"{approval.operation} of {display(amount, approval.currency)} on {approval.target}"


def approval_request(*, move: MoneyMove, request: BaseModel, actor: Actor) -> Approval:
    """Record a request for a second finance admin. The same request asked again (a form submitted
    twice) returns the one already waiting."""
    arguments = request.model_dump(mode="json", exclude_none=True)
    fingerprint = _fingerprint(move.operation, arguments)
    if "idempotencyKey" in type(request).model_fields and not arguments.get("idempotencyKey"):
        # The approved run then takes effect once however often it is retried.
        arguments["idempotencyKey"] = f"approval-{uuid.uuid4().hex}"
    with transaction.atomic():
        waiting = Approval.objects.filter(
            fingerprint=fingerprint, status=Status.PENDING, requested_by_id=actor.user_id
        ).first()
        if waiting is not None:
            return waiting
        approval = Approval.objects.create(
            operation=move.operation,
            arguments=arguments,
            fingerprint=fingerprint,
            target=move.target,
            amount_minor=to_minor(move.amount, move.currency),
            limit_minor=to_minor(move.ceiling, move.currency),
            currency=move.currency,
            requested_by_id=actor.user_id,
            requested_by_name=_person(actor),
            requested_via=actor.door,
        )
        audit_record(
            actor=actor,
            action="approval_request",
            object_type="approval",
            object_id=str(approval.pk),
            summary=f"asked a second finance admin to approve request #{approval.pk}: {describe(approval)} "
            f"(above the {display(move.ceiling, move.currency)} limit)",
            changes={"operation": move.operation, "arguments": arguments},
        )
    return approval


def approval_request_if_above_limit(operation: str, payload: dict[str, Any], *, actor: Actor) -> Approval | None:
    """For a door that runs its writes elsewhere (the chat, through MCP): record a request when the
    write is above its ceiling, else None and the write runs as usual."""
    request = parse_request(operation, payload)
    move = get_service().money_move_above_limit(operation, request, actor=actor)  # type: ignore[attr-defined]
    if move is None:
        return None
    return approval_request(move=move, request=request, actor=actor)


def approval_approve(*, approval_id: int, actor: Actor) -> Approval:
    """Approve and run it, as `actor`, who must not be the person who asked. A write the backend
    refuses (the invoice was paid meanwhile) leaves the request waiting and raises that refusal."""
    approvals_expire()
    with transaction.atomic():
        approval = _decidable(approval_id)
        if actor.user_id is None:
            raise PermissionDeniedError("only a signed-in finance admin can approve a request, in the dashboard")
        if actor.user_id == approval.requested_by_id:
            raise PermissionDeniedError(
                f"you asked for request #{approval.pk} yourself; a different finance admin must approve it"
            )
        request = parse_request(approval.operation, approval.arguments)
        runner = Actor(
            kind=actor.kind,
            name=f"{_person(actor)} (approving request #{approval.pk} from {approval.requested_by_name})",
            door=actor.door,
            user_id=actor.user_id,
            token_id=actor.token_id,
        )
        result = get_service().run_approved(approval.operation, request, actor=runner)  # type: ignore[attr-defined]
        _decide(approval, Status.APPROVED, actor)
        approval.result = result.model_dump(mode="json")
        approval.save(update_fields=["status", "decided_by", "decided_by_name", "decided_at", "result"])
        audit_record(
            actor=actor,
            action="approval_approve",
            object_type="approval",
            object_id=str(approval.pk),
            summary=f"approved request #{approval.pk} from {approval.requested_by_name}: {describe(approval)}",
            changes={"operation": approval.operation, "requested_by": approval.requested_by_name},
        )
    return approval


def approval_reject(*, approval_id: int, actor: Actor, reason: str = "") -> Approval:
    """Refuse it: nothing runs. The person who asked may withdraw their own request this way."""
    approvals_expire()
    with transaction.atomic():
        approval = _decidable(approval_id)
        _decide(approval, Status.REJECTED, actor)
        approval.note = reason[:500]
        approval.save(update_fields=["status", "decided_by", "decided_by_name", "decided_at", "note"])
        audit_record(
            actor=actor,
            action="approval_reject",
            object_type="approval",
            object_id=str(approval.pk),
            summary=f"rejected request #{approval.pk} from {approval.requested_by_name}: {describe(approval)}"
            + (f" ({reason})" if reason else ""),
            changes={"operation": approval.operation, "reason": reason},
        )
    return approval


def approvals_expire() -> int:
    """Requests left waiting longer than BILLING_APPROVAL_MAX_AGE_HOURS expire: an approval is given on
    what was true when it was asked, and a stale one should be asked again."""
    hours = getattr(settings, "BILLING_APPROVAL_MAX_AGE_HOURS", 72)
    cutoff = timezone.now() - timedelta(hours=hours)
    expired = 0
    system = Actor.system(name="approval expiry")
    for approval in Approval.objects.filter(status=Status.PENDING, created_at__lt=cutoff):
        with transaction.atomic():
            if Approval.objects.filter(pk=approval.pk, status=Status.PENDING).update(
                status=Status.EXPIRED, decided_at=timezone.now()
            ):
                expired += 1
                audit_record(
                    actor=system,
                    action="approval_expire",
                    object_type="approval",
                    object_id=str(approval.pk),
                    summary=f"request #{approval.pk} expired after {hours} hours: {describe(approval)}",
                )
    return expired


def _decidable(approval_id: int) -> Approval:
    # The row lock makes two approvers clicking at once run the write once: the second sees it decided.
    approval = Approval.objects.select_for_update().filter(pk=approval_id).first()
    if approval is None:
        raise NotFoundError(f"approval request #{approval_id} not found")
    if approval.status != Status.PENDING:
        raise InvalidStateError(f"request #{approval.pk} is already {approval.get_status_display().lower()}")
    return approval


def _decide(approval: Approval, status: str, actor: Actor) -> None:
    approval.status = status
    approval.decided_by_id = actor.user_id
    approval.decided_by_name = _person(actor)
    approval.decided_at = timezone.now()


def _person(actor: Actor) -> str:
    """The person behind an actor: the chat agent acts for someone, who is the one asking."""
    return actor.name.removeprefix("chat agent for ")[:255]
