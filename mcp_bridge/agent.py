"""The chat agent: Claude's Messages API with native tool use over the billing MCP tools.

The model is shown exactly the tools an external agent with the same scope sees: they are listed
and called through an in-process MCP client session on `server.get_mcp()`, acting as the person in
the panel (`Actor.agent_for(user)`, door "chat"). A viewer's session is read-scoped, so write tools
are neither listed nor callable.

`ChatAgent.run(history)` is an async generator of events, so the same loop serves the streaming
panel and the plain-HTML fallback. Reads run at once; a write stops the turn with `ApprovalNeeded`,
and the caller resumes it by appending the tool results (see `outcome_block`) and running again.
The caller owns persistence; this module never imports the dashboard.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, cast

import anthropic
import httpx2
from django.conf import settings
from mcp import Client, MCPError

from billing_admin.actors import Actor

from .auth import acting_as
from .chat_errors import api_failure_message
from .chat_guard import fresh_ids, refusal, tool_use_ids
from .chat_prompt import system_prompt
from .server import get_mcp

Kind = Literal["read", "write"]
JSON = dict[str, Any]


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: JSON
    kind: Kind


@dataclass(frozen=True)
class ToolOutcome:
    call_id: str
    is_error: bool
    text: str
    structured: JSON | None = None


# Events, in the order a turn produces them.
@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass(frozen=True)
class AssistantTurn:
    content: list[JSON]  # the whole assistant message, as it goes back into the history


@dataclass(frozen=True)
class ToolRan:
    call: ToolCall
    outcome: ToolOutcome


@dataclass(frozen=True)
class ApprovalNeeded:
    calls: list[ToolCall]  # every tool call of the turn, reads already run, writes waiting
    outcomes: dict[str, ToolOutcome]


@dataclass(frozen=True)
class ToolResults:
    content: list[JSON]  # the user message of tool_result blocks appended to the history


@dataclass(frozen=True)
class Finished:
    stop_reason: str
    notice: str = ""


@dataclass(frozen=True)
class Failed:
    message: str


Event = TextDelta | AssistantTurn | ToolRan | ApprovalNeeded | ToolResults | Finished | Failed


def outcome_block(outcome: ToolOutcome) -> JSON:
    return {
        "type": "tool_result",
        "tool_use_id": outcome.call_id,
        "content": outcome.text,
        "is_error": outcome.is_error,
    }


def rejected(call: ToolCall, by: str) -> ToolOutcome:
    return ToolOutcome(
        call.id,
        True,
        f"{by} rejected this {call.name} call; it did not run and changed nothing. "
        "Do not retry it unless they ask again.",
    )


def with_idempotency_key(name: str, arguments: JSON, schema: JSON, key: str) -> JSON:
    """The arguments a write will run with: a repeat-safe key added where the model left it out, so an
    approved call that is retried (a double click, a reconnect) never takes effect twice."""
    arguments = copy.deepcopy(arguments)
    properties = schema.get("properties", {})
    if "idempotencyKey" in properties and not arguments.get("idempotencyKey"):
        arguments["idempotencyKey"] = key
    if name == "ingest_event" and isinstance(arguments.get("event"), dict):
        arguments["event"].setdefault("id", key)
    if name == "ingest_batch_events" and isinstance(arguments.get("events"), list):
        for index, event in enumerate(arguments["events"]):
            if isinstance(event, dict):
                event.setdefault("id", f"{key}-{index}")
    return arguments


def anthropic_client() -> anthropic.AsyncAnthropic:
    return anthropic.AsyncAnthropic(
        api_key=settings.ANTHROPIC_API_KEY,
        base_url=settings.ANTHROPIC_BASE_URL,
        max_retries=getattr(settings, "ANTHROPIC_MAX_RETRIES", 2),
        timeout=httpx2.Timeout(getattr(settings, "ANTHROPIC_TIMEOUT", 60.0), connect=10.0),
    )


def is_configured() -> bool:
    return bool(settings.ANTHROPIC_API_KEY)


@dataclass
class ChatAgent:
    user_actor: Actor  # Actor.agent_for(user)
    may_write: bool
    streaming: bool = True
    max_rounds: int = field(default_factory=lambda: getattr(settings, "CHAT_MAX_ROUNDS", 8))
    max_tokens: int = 2048
    today: date = field(default_factory=date.today)
    client: anthropic.AsyncAnthropic | None = None

    @property
    def scope(self) -> Literal["read", "write"]:
        return "write" if self.may_write else "read"

    async def run(self, history: list[JSON]) -> AsyncIterator[Event]:
        """Continue the conversation from `history` (ending with a user message) until the model
        answers, a write needs a person, the round cap is reached, or the API fails."""
        history = normalise(history)
        client = self.client or anthropic_client()
        with acting_as(self.user_actor, scope=self.scope):
            async with Client(get_mcp()) as session:
                listed = (await session.list_tools()).tools
                kinds: dict[str, Kind] = {
                    t.name: "read" if t.annotations and t.annotations.read_only_hint else "write" for t in listed
                }
                schemas = {t.name: t.input_schema for t in listed}
                request = {
                    "model": settings.ANTHROPIC_MODEL,
                    "max_tokens": self.max_tokens,
                    "system": system_prompt(today=self.today, may_write=self.may_write),
                    "tools": [
                        {"name": t.name, "description": t.description or "", "input_schema": t.input_schema}
                        for t in listed
                    ],
                }
                used_ids = tool_use_ids(history)
                for _ in range(self.max_rounds):
                    content: list[JSON] = []
                    try:
                        stop_reason = None
                        async for kind, value in self._complete(client, request, history, content):
                            if kind == "text":
                                yield TextDelta(value)
                            else:
                                stop_reason = value
                    except anthropic.AnthropicError as exc:
                        yield Failed(api_failure_message(exc))
                        return
                    reused = fresh_ids(content, used_ids)
                    history.append({"role": "assistant", "content": content})
                    yield AssistantTurn(content)
                    if stop_reason == "pause_turn":
                        continue
                    if stop_reason != "tool_use":
                        yield Finished(stop_reason or "end_turn", _notice(stop_reason))
                        return
                    calls = [
                        ToolCall(b["id"], b["name"], b.get("input") or {}, kinds.get(b["name"], "read"))
                        for b in content
                        if b.get("type") == "tool_use"
                    ]
                    outcomes: dict[str, ToolOutcome] = {}
                    waiting = False
                    for call in calls:
                        problem = refusal(call.id, call.name, kinds, reused, may_write=self.may_write)
                        if problem is not None:  # never run, never waits for approval
                            outcomes[call.id] = ToolOutcome(call.id, True, problem)
                            yield ToolRan(call, outcomes[call.id])
                        elif call.kind == "write":
                            waiting = True
                        else:
                            outcome = await call_tool(session, call.name, call.arguments, call.id)
                            outcomes[call.id] = outcome
                            yield ToolRan(call, outcome)
                    if waiting:
                        prepared = [
                            ToolCall(
                                c.id,
                                c.name,
                                with_idempotency_key(c.name, c.arguments, schemas.get(c.name, {}), f"chat-{c.id}"),
                                c.kind,
                            )
                            if c.kind == "write" and c.id not in outcomes
                            else c
                            for c in calls
                        ]
                        yield ApprovalNeeded(prepared, outcomes)
                        return
                    results = [outcome_block(outcomes[c.id]) for c in calls]
                    history.append({"role": "user", "content": results})
                    yield ToolResults(results)
                yield Failed(
                    f"Stopped after {self.max_rounds} rounds of tool calls without a final answer. "
                    "Nothing is waiting; send a message to continue, or ask a narrower question."
                )

    async def _complete(
        self, client: anthropic.AsyncAnthropic, request: JSON, history: list[JSON], content: list[JSON]
    ) -> AsyncIterator[tuple[str, str]]:
        """One model call: yields ("text", delta) as text arrives, fills `content` with the whole
        message once it is complete, then yields ("stop", reason)."""
        # The transcript keeps each message exactly as the Messages API takes it (JSON from the database).
        messages = cast(list[anthropic.types.MessageParam], history)
        message: anthropic.types.Message
        if self.streaming:
            async with client.messages.stream(**request, messages=messages) as stream:
                async for event in stream:
                    if event.type == "text":
                        yield "text", event.text
                message = await stream.get_final_message()
        else:
            message = await client.messages.create(**request, messages=messages)
            for block in message.content:
                if block.type == "text":
                    yield "text", block.text
        content.extend(_block(b) for b in message.content)
        yield "stop", message.stop_reason or "end_turn"


async def call_tool(session: Client, name: str, arguments: JSON, call_id: str) -> ToolOutcome:
    try:
        result = await session.call_tool(name, arguments)
    except MCPError as exc:  # a protocol failure; tool failures arrive as is_error results instead
        return ToolOutcome(call_id, True, f"{name} could not be called: {exc}")
    text = "\n".join(getattr(c, "text", "") for c in result.content if getattr(c, "type", "") == "text")
    return ToolOutcome(call_id, bool(result.is_error), text or "(no output)", result.structured_content)


async def run_approved(actor: Actor, call: ToolCall) -> ToolOutcome:
    """Run one write a person approved, as them, through the same MCP session type the model uses."""
    with acting_as(actor, scope="write"):
        async with Client(get_mcp()) as session:
            return await call_tool(session, call.name, call.arguments, call.id)


def normalise(history: list[JSON]) -> list[JSON]:
    """Merge neighbouring messages of one role (a stopped turn's tool results followed by a new
    question), which the API wants as one message; copies, so the caller's list is untouched."""
    merged: list[JSON] = []
    for message in history:
        content = message["content"]
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else list(content)
        if merged and merged[-1]["role"] == message["role"]:
            merged[-1]["content"].extend(blocks)
        else:
            merged.append({"role": message["role"], "content": blocks})
    return merged


def _block(block: Any) -> JSON:
    if block.type == "text":
        return {"type": "text", "text": block.text}
    if block.type == "tool_use":
        return {"type": "tool_use", "id": block.id, "name": block.name, "input": block.input}
    return block.model_dump(mode="json", exclude_none=True)


def _notice(stop_reason: str | None) -> str:
    if stop_reason == "max_tokens":
        return "The reply was cut off at its length limit; ask to continue."
    if stop_reason == "refusal":
        return "Claude declined to answer this request."
    return ""
