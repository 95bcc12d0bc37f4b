"""Guards on what the model emits before any of it runs: tool names must be among the tools it was
shown, and every tool_use id must be new in the conversation (the stored record of a call is keyed by
its id, so a re-emitted id must never reach it)."""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

JSON = dict[str, Any]
_PLAIN_ID = re.compile(r"[A-Za-z0-9_-]{1,80}")
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def tool_use_ids(history: list[JSON]) -> set[str]:
    return {
        block.get("id")
        for message in history
        if message["role"] == "assistant"
        for block in message["content"]
        if block.get("type") == "tool_use"
    }


def fresh_ids(content: list[JSON], used: set[str]) -> dict[str, str]:
    """Give every tool_use block of a new assistant message an id no earlier call had. A re-emitted id
    (or one that is not a plain id) is replaced in `content` by a fresh one, so the transcript stays
    valid and the record of the earlier call keeps its own arguments and result; the call under the new
    id is refused (see `refusal`). Returns {fresh id: the id the model sent}; adds every id to `used`."""
    replaced: dict[str, str] = {}
    for block in content:
        if block.get("type") != "tool_use":
            continue
        sent = block.get("id")
        if not isinstance(sent, str) or sent in used or not _PLAIN_ID.fullmatch(sent):
            base = _UNSAFE.sub("_", str(sent))[:60] or "toolu"
            fresh, n = f"{base}_reused_1", 1
            while fresh in used:
                n += 1
                fresh = f"{base}_reused_{n}"
            block["id"] = fresh
            replaced[fresh] = str(sent)[:100]
        used.add(block["id"])
    return replaced


def refusal(call_id: str, name: str, listed: Collection[str], reused: dict[str, str], *, may_write: bool) -> str | None:
    """Why a tool call the model emitted must not run: an id an earlier call already had, or a tool
    that was not listed to it (a name outside the list is never guessed to be a harmless read)."""
    if call_id in reused:
        return (
            f"refused: tool_use id '{reused[call_id]}' was already used by an earlier call in this conversation "
            f"(or is not a plain id); this {name[:64]} call did not run and changed nothing."
        )
    if name not in listed:
        read_only = (
            ""
            if may_write
            else " This chat may only read (a read-only session): tools that change data are not offered."
        )
        return f"unknown tool '{name[:64]}'; it did not run. The tools are: {', '.join(sorted(listed))}.{read_only}"
    return None
