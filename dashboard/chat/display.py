"""The transcript as the panel shows it: bubbles for text, a card per tool call."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from billing_admin.approvals.models import Approval

from ..models import Conversation, ToolCall
from .transcript import run_is_stale


@dataclass(frozen=True)
class Entry:
    kind: str  # question | answer | tool
    text: str = ""
    call: ToolCall | None = None


def entries(conversation: Conversation) -> list[Entry]:
    calls = {c.tool_use_id: c for c in conversation.tool_calls.all()}
    shown: list[Entry] = []
    for message in conversation.messages.all():
        for block in message.content:
            kind = block.get("type")
            if kind == "text" and block.get("text", "").strip():
                shown.append(Entry("question" if message.role == "user" else "answer", block["text"]))
            elif kind == "tool_use" and block.get("id") in calls:
                shown.append(Entry("tool", call=card(calls[block["id"]])))
    return shown


def card(call: ToolCall) -> ToolCall:
    """The call with what its card shows: `facts` for a write's approval, compact JSON for a read."""
    call.facts = facts(call) if call.kind == "write" else []
    call.stale = run_is_stale(call)
    call.args_json = json.dumps(call.arguments, ensure_ascii=False, separators=(", ", ": "))
    call.approval = _approval(call)
    return call


def _approval(call: ToolCall) -> Approval | None:
    """The second finance admin's request a money move above its ceiling became, as it stands now."""
    pk = call.result.get("approvalRequest") if isinstance(call.result, dict) else None
    return Approval.objects.filter(pk=pk).first() if isinstance(pk, int) else None


def pretty(arguments: Any) -> str:
    return json.dumps(arguments, indent=2, ensure_ascii=False, sort_keys=False)


def facts(call: ToolCall) -> list[tuple[str, str]]:
    """The arguments as `path: value` lines for the approval card, with the account's currency
    named when the tool takes an amount without one."""
    lines: list[tuple[str, str]] = []
    _flatten("", call.arguments, lines)
    arguments = call.arguments if isinstance(call.arguments, dict) else {}
    account_id = arguments.get("accountId")
    has_amount = any(key.endswith("Amount") for key in arguments)
    if account_id and has_amount and "currency" not in arguments:
        from billing_admin.engine.models import Account

        currency = Account.objects.filter(account_id=account_id).values_list("invoice_currency", flat=True).first()
        if currency:
            lines.append(("currency (the account's)", currency))
    return lines


def _flatten(prefix: str, value: Any, lines: list[tuple[str, str]]) -> None:
    if isinstance(value, dict) and value:
        for key, item in value.items():
            _flatten(f"{prefix}.{key}" if prefix else key, item, lines)
    elif isinstance(value, list) and value and any(isinstance(item, dict) for item in value):
        for index, item in enumerate(value):
            _flatten(f"{prefix}[{index}]", item, lines)
    else:
        lines.append((prefix or "value", value if isinstance(value, str) else json.dumps(value)))
