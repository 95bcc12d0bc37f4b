"""Runs one model turn of a conversation and writes it to the transcript as it happens.

The same runner serves the streaming panel (text deltas pass through) and the plain-HTML fallback
(which just drains it). Whatever happens, the conversation ends in a state a person can act on:
idle with an answer, waiting with approval cards, or failed with a notice and Retry.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from asgiref.sync import sync_to_async
from django.db import close_old_connections

from billing_admin.actors import Actor
from billing_admin.approvals.services import approval_request_if_above_limit, describe
from billing_admin.errors import BillingError
from billing_admin.limits import display
from mcp_bridge import agent as chat

from ..access import can_write
from ..models import ChatMessage, Conversation, ToolCall
from . import transcript

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)

# What the browser is told while a turn runs.
Text = tuple[str, str]  # ("text", delta) | ("tool", tool_use_id) | ("done", "")


def _agent_for(user: User, *, streaming: bool) -> chat.ChatAgent:
    return chat.ChatAgent(user_actor=Actor.agent_for(user), may_write=can_write(user), streaming=streaming)


async def reply(conversation: Conversation, user: User, *, streaming: bool = True) -> AsyncIterator[Text]:
    if not await sync_to_async(transcript.reply_claim)(conversation):
        yield "done", ""
        return
    state, notice = Conversation.State.FAILED, "The reply stopped unexpectedly. Press Retry."
    try:
        history = await sync_to_async(transcript.history)(conversation)
        agent = await sync_to_async(_agent_for)(user, streaming=streaming)
        message = None
        async for event in agent.run(history):
            if isinstance(event, chat.TextDelta):
                yield "text", event.text
            elif isinstance(event, chat.AssistantTurn):
                message = await sync_to_async(transcript.message_append)(
                    conversation, role=ChatMessage.Role.ASSISTANT, content=event.content
                )
            elif isinstance(event, chat.ToolRan):
                assert message is not None  # the model's turn holding the call always comes first
                await sync_to_async(transcript.calls_record)(
                    conversation, message, [event.call], {event.call.id: event.outcome}
                )
                yield "tool", event.call.id
            elif isinstance(event, chat.ToolResults):
                await sync_to_async(transcript.message_append)(
                    conversation, role=ChatMessage.Role.USER, content=event.content
                )
            elif isinstance(event, chat.ApprovalNeeded):
                assert message is not None  # as above
                await sync_to_async(transcript.calls_record)(conversation, message, event.calls, event.outcomes)
                state, notice = Conversation.State.WAITING, ""
            elif isinstance(event, chat.Finished):
                state, notice = Conversation.State.IDLE, event.notice
            elif isinstance(event, chat.Failed):
                state, notice = Conversation.State.FAILED, event.message
    except Exception:
        logger.exception("chat turn failed in conversation %s", conversation.pk)
    finally:
        await sync_to_async(transcript.reply_end)(conversation, state=state, notice=notice)
        # A streamed turn outlives its request's signals, so its thread's connection is closed here.
        await sync_to_async(close_old_connections)()
    yield "done", ""


async def approve(call_pk: int, user: User) -> bool:
    """Run a write the person approved (once), then resume the turn if nothing else is waiting."""
    call = await sync_to_async(transcript.call_claim)(user=user, pk=call_pk, approve=True)
    if call is None:
        return False
    try:
        outcome = await sync_to_async(_second_admin_needed)(call, user)
        if outcome is None:
            outcome = await chat.run_approved(Actor.agent_for(user), transcript.as_call(call))
    except Exception:
        logger.exception("approved tool call %s failed", call.pk)
        outcome = chat.ToolOutcome(
            call.tool_use_id,
            True,
            f"{call.name} failed before it answered; check with a read tool whether it took effect.",
        )
    await sync_to_async(transcript.call_finish)(call, outcome)
    await sync_to_async(transcript.turn_resume)(call.conversation)
    return True


def _second_admin_needed(call: ToolCall, user: User) -> chat.ToolOutcome | None:
    """A money move above its ceiling does not run on this person's click alone: it becomes a request
    for a second finance admin, and the model is told so. None: run it as usual."""
    try:
        pending = approval_request_if_above_limit(call.name, call.arguments, actor=Actor.staff(user, door="chat"))
    except BillingError:
        return None  # bad arguments or an unknown account: the run itself answers with the reason
    if pending is None:
        return None
    text = (
        f"Not run yet: {describe(pending)} is above the {display(pending.limit, pending.currency)} limit, so a second "
        f"finance admin must approve it. Request #{pending.pk} is waiting on the dashboard's Approvals page; "
        f"nothing has changed. Tell the person it is waiting; do not call {call.name} again for it."
    )
    return chat.ToolOutcome(call.tool_use_id, False, text, {"approvalRequest": pending.pk, "status": "pending"})


def reject(call_pk: int, user: User) -> bool:
    call = transcript.call_claim(user=user, pk=call_pk, approve=False)
    if call is None:
        return False
    transcript.turn_resume(call.conversation)
    return True
