"""Writes and reads of chat transcripts. Every function is sync (the ORM's home); the streaming view
reaches them through `sync_to_async`.

State rules: a conversation replies only when its last message is the person's (a question, or the
tool results of a finished approval), and only one runner at a time claims it (`reply_claim`).
A write tool call leaves `pending` once, under a row lock, so an approval that is double-clicked or
retried runs it at most once.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from mcp_bridge.agent import ToolCall as Call
from mcp_bridge.agent import ToolOutcome, outcome_block, rejected

from ..models import ChatMessage, Conversation, ToolCall

if TYPE_CHECKING:
    from django.contrib.auth.models import User

JSON = dict[str, Any]
logger = logging.getLogger(__name__)
STALE = timedelta(minutes=5)  # a runner (of a reply or an approved call) silent this long died with its process
TITLE_LENGTH = 60


def conversation_start(*, user: User) -> Conversation:
    return Conversation.objects.create(user=user)


def conversation_for(*, user: User, pk: int) -> Conversation | None:
    return Conversation.objects.filter(user=user, pk=pk).first()


def conversation_latest(*, user: User) -> Conversation | None:
    return Conversation.objects.filter(user=user).first()


def history(conversation: Conversation) -> list[JSON]:
    return [{"role": m.role, "content": m.content} for m in conversation.messages.all()]


def message_append(conversation: Conversation, *, role: str, content: list[JSON]) -> ChatMessage:
    with transaction.atomic():
        Conversation.objects.select_for_update().filter(pk=conversation.pk).first()
        last = conversation.messages.aggregate(last=Max("position"))["last"]
        message = ChatMessage.objects.create(
            conversation=conversation, position=(last or 0) + 1, role=role, content=content
        )
        Conversation.objects.filter(pk=conversation.pk).update(updated_at=timezone.now())
    return message


def question_ask(conversation: Conversation, *, text: str) -> ChatMessage:
    if not conversation.title:
        title = " ".join(text.split())
        conversation.title = title if len(title) <= TITLE_LENGTH else title[: TITLE_LENGTH - 1] + "…"
        conversation.save(update_fields=["title", "updated_at"])
    return message_append(conversation, role=ChatMessage.Role.USER, content=[{"type": "text", "text": text}])


def needs_reply(conversation: Conversation) -> bool:
    last = conversation.messages.order_by("-position").first()
    return last is not None and last.role == ChatMessage.Role.USER and conversation.state != Conversation.State.WAITING


def reply_claim(conversation: Conversation) -> bool:
    """Take the right to run the next model turn; False when another runner holds it or nothing is due."""
    if not needs_reply(conversation):
        return False
    stale = timezone.now() - STALE
    free = Conversation.objects.filter(pk=conversation.pk).exclude(
        state=Conversation.State.REPLYING, updated_at__gt=stale
    )
    claimed = free.exclude(state=Conversation.State.WAITING).update(
        state=Conversation.State.REPLYING, notice="", updated_at=timezone.now()
    )
    return claimed == 1


def reply_end(conversation: Conversation, *, state: str, notice: str = "") -> None:
    Conversation.objects.filter(pk=conversation.pk).update(state=state, notice=notice, updated_at=timezone.now())


def calls_record(
    conversation: Conversation, message: ChatMessage, calls: list[Call], outcomes: dict[str, ToolOutcome]
) -> None:
    """The tool calls of one assistant message: reads with their results, writes waiting. A call of
    this message may be recorded again (its read ran before the turn stopped for an approval); one
    whose id an earlier message already holds is never written over."""
    for call in calls:
        outcome = outcomes.get(call.id)
        earlier = ToolCall.objects.filter(conversation=conversation, tool_use_id=call.id).exclude(message=message)
        if earlier.exists():
            logger.warning("tool_use id %s re-emitted in conversation %s; not recorded", call.id, conversation.pk)
            continue
        ToolCall.objects.update_or_create(
            conversation=conversation,
            tool_use_id=call.id,
            defaults={
                "message": message,
                "name": call.name[:64],
                "kind": call.kind,
                "arguments": call.arguments,
                "status": ToolCall.Status.DONE if outcome else ToolCall.Status.PENDING,
                "is_error": bool(outcome and outcome.is_error),
                "result_text": outcome.text if outcome else "",
                "result": outcome.structured if outcome else None,
            },
        )


def run_is_stale(call: ToolCall) -> bool:
    """An approved call whose run never reported back: its process died, so it may be run again. The
    run carries the idempotency key of its first attempt, so a write that did take effect answers
    with its first result instead of happening twice."""
    return (
        call.status == ToolCall.Status.RUNNING
        and call.decided_at is not None
        and call.decided_at < timezone.now() - STALE
    )


def call_claim(*, user: User, pk: int, approve: bool) -> ToolCall | None:
    """Decide a pending write (or run again one whose run died: `run_is_stale`). Returns the call when
    this request decided it, else None (already decided by an earlier click or another tab), so only
    one request ever runs it."""
    claimable = Q(status=ToolCall.Status.PENDING)
    if approve:
        claimable |= Q(status=ToolCall.Status.RUNNING, decided_at__lt=timezone.now() - STALE)
    with transaction.atomic():
        call = (
            ToolCall.objects.select_for_update(of=("self",))
            .select_related("conversation")
            .filter(claimable, pk=pk, conversation__user=user)
            .first()
        )
        if call is None:
            return None
        call.status = ToolCall.Status.RUNNING if approve else ToolCall.Status.REJECTED
        call.decided_by = user
        call.decided_at = timezone.now()
        if not approve:
            outcome = rejected(as_call(call), by=user.get_username())
            call.is_error, call.result_text = True, outcome.text
        call.save()
        return call


def call_finish(call: ToolCall, outcome: ToolOutcome) -> None:
    call.status = ToolCall.Status.DONE
    call.is_error = outcome.is_error
    call.result_text = outcome.text
    call.result = outcome.structured
    call.save(update_fields=["status", "is_error", "result_text", "result"])


def turn_resume(conversation: Conversation) -> bool:
    """When every call of the waiting turn is decided and finished, hand the results to the model
    (a user message of tool_result blocks) and mark the conversation due for a reply."""
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if locked.state != Conversation.State.WAITING:
            return False
        last = locked.messages.order_by("-position").first()
        if last is None:
            return False
        calls = list(ToolCall.objects.filter(message=last).order_by("id"))
        if not calls or any(c.status in (ToolCall.Status.PENDING, ToolCall.Status.RUNNING) for c in calls):
            return False
        order = [b["id"] for b in last.content if b.get("type") == "tool_use"]
        by_id = {c.tool_use_id: c for c in calls}
        blocks = [outcome_block(as_outcome(by_id[i])) for i in order if i in by_id]
        message_append(locked, role=ChatMessage.Role.USER, content=blocks)
        locked.state = Conversation.State.IDLE
        locked.save(update_fields=["state", "updated_at"])
    conversation.refresh_from_db()
    return True


def as_call(call: ToolCall) -> Call:
    return Call(call.tool_use_id, call.name, call.arguments, call.kind)  # type: ignore[arg-type]


def as_outcome(call: ToolCall) -> ToolOutcome:
    return ToolOutcome(call.tool_use_id, call.is_error, call.result_text, call.result)
