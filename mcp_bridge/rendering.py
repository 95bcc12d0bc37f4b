"""The short text beside each tool's structured result.

A model reads this text; the structured content is for programs. The text carries every fact of the
structured result in fewer tokens than the JSON: `key: value` lines, nested objects indented, lists
of objects as a `|` table. A column that holds the same value in every row is hoisted above the table
(`each: currency=USD`); nested objects in rows are written inline (`{city=Berlin, country=DE}`) or,
when that is shorter, as dotted columns (`address.city`) that hoist on their own; a list of one
object is written as that object when it holds lists or reads shorter. A list whose items nest more items under the
same key (an invoice's `lineItems`) is one table with each child indented under its parent; lists of
plain values that run in parallel (a series' `timestamps` and `metricValues`) are one table too.
Nulls and empty lists are left out (absent means null or empty; a row's trailing empty cells too),
and `|` inside a value is escaped as `\\|`.
"""

from __future__ import annotations

from typing import Any

INDENT = "  "


def render(structured: dict[str, Any]) -> str:
    lines: list[str] = []
    _object(structured, lines, 0)
    if structured.get("data") == []:  # an empty page says so, rather than saying nothing
        lines.insert(0, "data (0): none")
    return "\n".join(lines) if lines else "(empty)"


def _empty(value: Any) -> bool:
    return value is None or value == [] or value == {} or value == ""


def _object(obj: dict[str, Any], lines: list[str], depth: int) -> None:
    pad = INDENT * depth
    parallel = _parallel_lists(obj)
    for key, value in obj.items():
        if _empty(value) or (parallel and key in parallel[1:]):
            continue
        if parallel and key == parallel[0]:
            lines.append(f"{pad}{' | '.join(parallel)} ({len(value)}):")
            lines.extend(f"{pad}{INDENT}{_row(dict(zip(parallel, row, strict=True)), parallel)}"
                         for row in zip(*(obj[k] for k in parallel), strict=True))  # fmt: skip
        elif isinstance(value, dict):
            lines.append(f"{pad}{key}:")
            _object(value, lines, depth + 1)
        elif isinstance(value, list) and any(isinstance(item, dict) for item in value):
            rows = [row if isinstance(row, dict) else {"value": row} for row in value]
            nodes = _tree(rows, key, 0)
            if len(nodes) > len(rows):
                lines.append(f"{pad}{key} (tree of {len(nodes)}; each child indented under its parent):")
            else:
                lines.append(f"{pad}{key} ({len(rows)}):")
            table = _table(nodes, INDENT * (depth + 1))
            if len(nodes) == 1:  # one row reads better as an object when it holds lists (as tables), or is shorter
                block: list[str] = []
                _object(rows[0], block, depth + 1)
                if _holds_lists(rows[0]) or _size(block) < _size(table):
                    table = block
            lines.extend(table)
        else:
            lines.append(f"{pad}{key}: {_inline(value)}")


def _holds_lists(row: dict[str, Any]) -> bool:
    nested = any(isinstance(v, list) and any(isinstance(i, dict | list) for i in v) for v in row.values())
    return nested or bool(_parallel_lists(row))


def _parallel_lists(obj: dict[str, Any]) -> list[str]:
    """Keys of two or more lists of plain values with the same length (a series' timestamps and values):
    written side by side as one table, so each value stands beside its partner."""
    scalar_lists = {
        key: len(value)
        for key, value in obj.items()
        if isinstance(value, list) and len(value) > 1 and not any(isinstance(v, dict | list) for v in value)
    }
    for length in sorted(set(scalar_lists.values())):
        keys = [key for key, n in scalar_lists.items() if n == length]
        if len(keys) > 1:
            return keys
    return []


def _tree(rows: list[dict[str, Any]], key: str, level: int) -> list[tuple[int, dict[str, Any]]]:
    """Rows in depth-first order with their level; children found under `key` are taken out of the row."""
    nodes: list[tuple[int, dict[str, Any]]] = []
    for row in rows:
        children = row.get(key)
        if isinstance(children, list) and children and all(isinstance(child, dict) for child in children):
            nodes.append((level, {k: v for k, v in row.items() if k != key}))
            nodes.extend(_tree(children, key, level + 1))
        else:
            nodes.append((level, row))
    return nodes


def _table(nodes: list[tuple[int, dict[str, Any]]], pad: str) -> list[str]:
    nested = _table_lines(nodes, pad)
    dotted = _table_lines([(level, _flatten(row)) for level, row in nodes], pad)
    return min(dotted, nested, key=_size)


def _size(lines: list[str]) -> int:
    return sum(len(line) for line in lines)


def _table_lines(nodes: list[tuple[int, dict[str, Any]]], pad: str) -> list[str]:
    rows = [row for _, row in nodes]
    lines: list[str] = []
    columns: list[str] = []
    for row in rows:
        columns.extend(key for key, value in row.items() if key not in columns and not _empty(value))
    if len(rows) > 1:
        constant = [c for c in columns if len({_inline(row.get(c)) for row in rows}) == 1]
        if constant:
            shared = ", ".join(f"{c}={_inline(rows[0][c])}" for c in constant)
            lines.append(f"{pad}each: {shared}")
            columns = [c for c in columns if c not in constant]
    if columns:
        lines.append(pad + " | ".join(columns))
        lines.extend(pad + INDENT * level + _row(row, columns) for level, row in nodes)
    return lines


def _row(row: dict[str, Any], columns: list[str]) -> str:
    cells = [_cell(row.get(column)) for column in columns]
    while len(cells) > 1 and cells[-1] == "":  # trailing empty cells say nothing
        cells.pop()
    return " | ".join(cells)


def _flatten(row: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested objects become dotted columns (`address.city`), so their constant parts hoist too."""
    flat: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, dict) and value:
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _cell(value: Any) -> str:
    return "" if _empty(value) else _inline(value).replace("|", "\\|")


def _inline(value: Any) -> str:
    """One value on one line: objects as `{k=v, ...}`, lists as `[a; b]`."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        parts = [f"{key}={_inline(item)}" for key, item in value.items() if not _empty(item)]
        return "{" + ", ".join(parts) + "}"
    if isinstance(value, list):
        return "[" + "; ".join(_inline(item) for item in value) + "]"
    return str(value).replace("\n", " ")
