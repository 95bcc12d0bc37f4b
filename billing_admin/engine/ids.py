"""Togai-style identifiers (`pp.1zYnCiM9Bpg.lv25y`): a prefix, a time part and a random part."""

from __future__ import annotations

import secrets
import string
import time

_ALPHABET = string.digits + string.ascii_letters


def _base62(number: int) -> str:
    out = []
    while number:
        number, rest = divmod(number, 62)
        out.append(_ALPHABET[rest])
    return "".join(reversed(out)) or "0"


def new_id(prefix: str) -> str:
    random_part = "".join(secrets.choice(_ALPHABET) for _ in range(5))
    return f"{prefix}.{_base62(time.time_ns() // 1000)}.{random_part}"
