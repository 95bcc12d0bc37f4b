"""JSON Schemas for the tools, derived from the operations' pydantic models.

Input schemas are self-contained (every `$ref` inlined: some clients do not resolve `$defs`),
closed (`additionalProperties: false` on every object with named properties) and carry a
description on every property. Output schemas keep `$defs`, since invoice line items nest
recursively. Pydantic's `title` keywords are dropped: the names already say it and they cost a
model tokens on every tools/list.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel

JSON = dict[str, Any]


def input_schema(model: type[BaseModel]) -> JSON:
    raw = model.model_json_schema(mode="validation")
    defs = raw.pop("$defs", {})
    schema = _clean(_inline(raw, defs, ()))
    schema.pop("description", None)  # the tool's description says what the call is for
    return schema


def output_schema(model: type[BaseModel]) -> JSON:
    raw = model.model_json_schema(mode="serialization")
    defs = raw.pop("$defs", None)
    schema = _clean(raw)
    if defs:
        schema["$defs"] = {name: _clean(definition) for name, definition in defs.items()}
    return schema


def _inline(node: Any, defs: JSON, seen: tuple[str, ...]) -> Any:
    if isinstance(node, list):
        return [_inline(item, defs, seen) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            raise ValueError(f"input schema refers to itself through {name}; it cannot be inlined")
        target = _inline(copy.deepcopy(defs[name]), defs, (*seen, name))
        siblings = {key: value for key, value in node.items() if key != "$ref"}
        return {**target, **_inline(siblings, defs, seen)}
    return {key: _inline(value, defs, seen) for key, value in node.items()}


def _clean(node: Any) -> Any:
    """Drop `title`, close objects, lift a referenced model's description onto the property."""
    if isinstance(node, list):
        return [_clean(item) for item in node]
    if not isinstance(node, dict):
        return node
    cleaned: JSON = {}
    for key, value in node.items():
        if key == "title" and isinstance(value, str):
            continue
        if key in ("properties", "$defs") and isinstance(value, dict):
            cleaned[key] = {name: _clean(sub) for name, sub in value.items()}
        else:
            cleaned[key] = _clean(value)
    if "properties" in cleaned:
        cleaned.setdefault("additionalProperties", False)
        for prop in cleaned["properties"].values():
            if "description" not in prop and (lifted := _nested_description(prop)):
                prop["description"] = lifted
    return cleaned


def _nested_description(prop: JSON) -> str | None:
    """An `Optional[Model]` property has its model's docstring one `anyOf` level down."""
    for option in prop.get("anyOf", ()):
        if isinstance(option, dict) and option.get("description"):
            return option["description"]
    return None


def walk_objects(schema: JSON, path: str = "") -> list[tuple[str, JSON]]:
    """Every object schema with named properties, with a dotted path: for tests and checks."""
    found: list[tuple[str, JSON]] = []
    if "properties" in schema:
        found.append((path or "(root)", schema))
        for name, prop in schema["properties"].items():
            found.extend(walk_objects(prop, f"{path}.{name}" if path else name))
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            found.extend(walk_objects(schema[key], f"{path}[]" if key == "items" else f"{path}{{}}"))
    for key in ("anyOf", "oneOf", "allOf"):
        for option in schema.get(key, ()):
            found.extend(walk_objects(option, path))
    return found
