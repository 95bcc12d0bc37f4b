"""Togai's wire format: JSON whose money and quantities are numbers, written from the exact decimal.

The tools render money as decimal strings ("150.00"); Togai's REST API and its generated clients
expect JSON numbers (`totalAmount: 150.0`). Both doors share one schema, so the REST door renders
`Decimal` as a number literal taken from the decimal's own digits (never through `float`), and reads
numbers back as `Decimal` (`loads`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

_encode_str = json.encoder.encode_basestring_ascii


def to_wire(model: BaseModel) -> Any:
    """A response model as plain Python for `dumps`: Decimals stay Decimals, None fields are left out."""
    return model.model_dump(mode="python", exclude_none=True)


def dumps(value: Any) -> bytes:
    parts: list[str] = []
    _write(value, parts.append)
    return "".join(parts).encode()


def loads(data: bytes | str) -> Any:
    """JSON with every non-integer number read as an exact Decimal."""
    return json.loads(data, parse_float=Decimal)


def _write(value: Any, out: Callable[[str], object]) -> None:  # out: a list's append
    if value is None:
        out("null")
    elif value is True:
        out("true")
    elif value is False:
        out("false")
    elif isinstance(value, str):
        out(_encode_str(value))
    elif isinstance(value, Decimal):
        out(_decimal(value))
    elif isinstance(value, int):
        out(str(value))
    elif isinstance(value, float):
        out(json.dumps(value))
    elif isinstance(value, dict):
        out("{")
        first = True
        for key, item in value.items():
            if not first:
                out(",")
            first = False
            out(_encode_str(str(key)))
            out(":")
            _write(item, out)
        out("}")
    elif isinstance(value, list | tuple | set | frozenset):
        out("[")
        for index, item in enumerate(value):
            if index:
                out(",")
            _write(item, out)
        out("]")
    elif isinstance(value, datetime):
        out(_encode_str(_isoformat(value)))
    elif isinstance(value, date):
        out(_encode_str(value.isoformat()))
    elif isinstance(value, BaseModel):
        _write(to_wire(value), out)
    else:
        raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _decimal(value: Decimal) -> str:
    if not value.is_finite():
        raise ValueError("money and quantities must be finite")
    return format(value, "f")


def _isoformat(value: datetime) -> str:
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text
