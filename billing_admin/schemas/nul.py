"""PostgreSQL cannot store the NUL character (U+0000) in text, so every door refuses it before the
service sees it, naming where it is; a batch refuses only the events that hold one."""

from __future__ import annotations

from typing import Any

NUL_PROBLEM = "contains a NUL character (\\u0000); remove it"


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
