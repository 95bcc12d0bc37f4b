"""PostgreSQL cannot store the NUL character (U+0000) in text, so every door refuses it before the
service sees it, naming where it is; a batch refuses only the events that hold one."""

from __future__ import annotations

from typing import Any

from pydantic_core import PydanticSerializationError, to_json

NUL_PROBLEM = "contains a NUL character (\\u0000); remove it"


def may_hold_nul(value: Any) -> bool:
    """False when a JSON value certainly holds no NUL character: the serializer writes one as `\\u0000`, and
    one pass of it in Rust costs a fifth of walking a thousand events in Python. True may be a string that
    spells `\\u0000` itself; `nul_path` then tells."""
    try:
        return b"\\u0000" in to_json(value, fallback=str)
    except PydanticSerializationError:  # e.g. bytes that are not UTF-8: let the walk look
        return True


def nul_path(value: Any, path: str = "") -> str | None:
    """Where in a JSON value a NUL character is (`events.3.dimensions.region`), or None."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        if isinstance(key, str) and "\x00" in key:
            return f"{path}.{key!r}".lstrip(".")
        found = nul_path(item, f"{path}.{key}".lstrip("."))
        if found is not None:
            return found
    return None


def nul_events(events: list[Any]) -> dict[int, str]:
    """The events of a batch that hold a NUL character, by index, each with its reason as a batch names it."""
    return {
        index: f"{where or 'event'}: {NUL_PROBLEM}"
        for index, event in enumerate(events)
        if (where := nul_path(event)) is not None
    }
