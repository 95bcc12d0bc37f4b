"""A small, safe JsonLogic evaluator for usage-meter matchers and computations.

Rules compile once into nested closures that run for every ingested event.  Rules only read
mappings and lists by key or index (never Python attributes), nesting and size are bounded, and
numbers are ``Decimal`` so metered sums never pick up binary floating-point error.

Equality and ordering are a deliberately small subset of JavaScript's:
``===`` compares numbers by value, booleans only to booleans, anything else by type and value;
``==`` additionally equals a number and a string holding that number (``1 == "1.0"``), nothing
more (``"" == 0`` and ``true == 1`` are false).  ``<`` and friends compare two strings as strings,
anything else as numbers; a non-numeric operand (such as a missing var) makes them false rather
than raise, so a matcher over an absent field simply does not match.
"""

from __future__ import annotations

import functools
import json
import operator
import re
from collections.abc import Callable, Mapping
from decimal import Context, Decimal, DecimalException, DivisionByZero, InvalidOperation, Overflow
from typing import Any

MAX_DEPTH = 64
MAX_NODES = 10_000
MAX_TEXT = 100_000

# decimal128 limits: ample for money, yet no value can expand into an enormous string or integer.
_CTX = Context(prec=34, Emax=6144, Emin=-6143, traps=[InvalidOperation, DivisionByZero, Overflow])
_NUMERIC = re.compile(r"\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*\Z", re.ASCII)
_NUMBER = (Decimal, int, float)
_MISSING = object()

Rule = Callable[[Mapping[str, Any]], Any]


class JsonLogicError(ValueError):
    """A rule that cannot be parsed, compiled or evaluated; the message is written for a person."""


def _describe(value: Any) -> str:
    text = str(value) if isinstance(value, Decimal) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def to_decimal(value: Any) -> Decimal:
    if type(value) is Decimal and value.is_finite():
        return value
    result = None
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int) and not isinstance(value, bool):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))  # the shortest repr, so 0.4 becomes Decimal("0.4")
    elif isinstance(value, str) and _NUMERIC.match(value):
        try:
            result = Decimal(value.strip())
        except DecimalException:
            result = None
    if result is None or not result.is_finite():
        raise JsonLogicError(f"not a number: {_describe(value)}")
    return result


def _as_num(value: Any) -> Decimal | None:
    try:
        return to_decimal(value)
    except JsonLogicError:
        return None


def truthy(value: Any) -> bool:
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, (str, list, tuple)):
        return len(value) > 0
    if isinstance(value, _NUMBER):
        value = Decimal(value)  # exact for every int and float, NaN included
        return not (value.is_nan() or value.is_zero())  # NaN is falsy in JavaScript
    return True  # objects, even empty ones, are truthy in JavaScript


def _to_str(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, _NUMBER):
        num = _as_num(value)
        if num is None or abs(num.adjusted()) > 30:
            return str(value)
        return format(num.normalize(_CTX), "f")  # JavaScript prints 20, not 20.0
    if isinstance(value, (list, tuple)):
        return ",".join(_to_str(item) for item in value)
    return "[object Object]"


def _equal(a: Any, b: Any, loose: bool = False) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b  # Python would otherwise say True == 1
    other = (*_NUMBER, str) if loose else _NUMBER
    if (isinstance(a, _NUMBER) and isinstance(b, other)) or (isinstance(b, _NUMBER) and isinstance(a, other)):
        x = _as_num(a)
        return x is not None and x == _as_num(b)
    return type(a) is type(b) and a == b


def _order(cmp: Callable[[Any, Any], bool], a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return cmp(a, b)
    x, y = _as_num(a), _as_num(b)
    return x is not None and y is not None and cmp(x, y)


def _chain(cmp: Callable[[Any, Any], bool]) -> Callable[[list], bool]:
    return lambda v: _order(cmp, v[0], v[1]) and (len(v) < 3 or _order(cmp, v[1], v[2]))


def _nums(op: str, values: list) -> list[Decimal]:
    try:
        return [to_decimal(v) for v in values]
    except JsonLogicError as exc:
        raise JsonLogicError(f"'{op}' needs numbers: {exc}") from None


def _divisible(op: str, values: list) -> list[Decimal]:
    a, b = _nums(op, values)
    if b.is_zero():
        raise JsonLogicError(f"division by zero in '{op}'")
    return [a, b]


def _int(op: str, value: Any) -> int:
    (num,) = _nums(op, [value])
    return int(max(min(num, Decimal(10**9)), Decimal(-(10**9))))  # a huge exponent must not become a huge int


def _substr(values: list) -> str:
    text = _to_str(values[0])
    start = _int("substr", values[1])
    tail = text[max(len(text) + start, 0) :] if start < 0 else text[start:]
    if len(values) < 3 or values[2] is None:
        return tail
    length = _int("substr", values[2])
    return tail[: max(len(tail) + length, 0)] if length < 0 else tail[:length]


def _in(values: list) -> bool:
    needle, haystack = values
    if isinstance(haystack, str):
        return needle is not None and _to_str(needle) in haystack
    if isinstance(haystack, (list, tuple)):
        if isinstance(needle, str):  # the common dimension-in-list matcher; str never equals a non-str
            return needle in haystack
        return any(_equal(needle, item) for item in haystack)
    return False


def _merge(values: list) -> list:
    return [item for value in values for item in (value if isinstance(value, (list, tuple)) else [value])]


# operator -> (fewest args, most args or None, function over the evaluated args)
_EAGER: dict[str, tuple[int, int | None, Callable[[list], Any]]] = {
    "==": (2, 2, lambda v: _equal(v[0], v[1], loose=True)),
    "!=": (2, 2, lambda v: not _equal(v[0], v[1], loose=True)),
    "===": (2, 2, lambda v: _equal(*v)),
    "!==": (2, 2, lambda v: not _equal(*v)),
    "!": (1, 1, lambda v: not truthy(v[0])),
    "!!": (1, 1, lambda v: truthy(v[0])),
    "<": (2, 3, _chain(operator.lt)),
    "<=": (2, 3, _chain(operator.le)),
    ">": (2, 2, _chain(operator.gt)),
    ">=": (2, 2, _chain(operator.ge)),
    "max": (0, None, lambda v: max(_nums("max", v)) if v else None),
    "min": (0, None, lambda v: min(_nums("min", v)) if v else None),
    "+": (0, None, lambda v: functools.reduce(_CTX.add, _nums("+", v), Decimal(0))),
    "-": (1, 2, lambda v: _CTX.minus(*n) if len(n := _nums("-", v)) == 1 else _CTX.subtract(*n)),
    "*": (1, None, lambda v: functools.reduce(_CTX.multiply, _nums("*", v))),
    "/": (2, 2, lambda v: _CTX.divide(*_divisible("/", v))),
    "%": (2, 2, lambda v: _CTX.remainder(*_divisible("%", v))),
    "in": (2, 2, _in),
    "cat": (0, None, lambda v: "".join(_to_str(x) for x in v)),
    "substr": (2, 3, _substr),
    "merge": (0, None, _merge),
}
_SPECIAL = {"var": (0, 2), "missing": (0, None), "missing_some": (2, 2), "if": (0, None),
            "?:": (0, None), "and": (1, None), "or": (1, None)}  # fmt: skip


def _path(path: Any) -> list[str]:
    if path is None or path == "":
        return []
    if isinstance(path, _NUMBER) and not isinstance(path, bool):
        return [_to_str(path)]
    if isinstance(path, str):
        return path.split(".")
    raise JsonLogicError(f"'var' path must be a string or number, got {_describe(path)}")


def _lookup(data: Any, keys: list[str]) -> Any:
    for key in keys:
        if type(data) is dict or isinstance(data, Mapping):  # the exact type first: the ABC check is slow
            data = data.get(key, _MISSING)
        elif isinstance(data, (list, tuple)) and key.isascii() and key.isdigit() and int(key) < len(data):
            data = data[int(key)]
        else:
            return _MISSING
        if data is _MISSING:
            return _MISSING
    return data


def _missing(data: Any, keys: Any) -> list:
    keys = keys if isinstance(keys, (list, tuple)) else [keys]
    found = ((key, _lookup(data, _path(key))) for key in keys)
    return [key for key, value in found if value is _MISSING or value is None or value == ""]


def _operation(op: str, args: list, parts: list[Rule]) -> Rule:
    if op == "var":
        path_rule = parts[0] if parts else (lambda d: None)
        fallback = parts[1] if len(parts) > 1 else (lambda d: None)
        if not args or not isinstance(args[0], (Mapping, list, tuple)):
            literal = _path(path_rule({}))  # a literal path is split once, not per event
            return lambda d: fallback(d) if (found := _lookup(d, literal)) is _MISSING else found
        return lambda d: fallback(d) if (found := _lookup(d, _path(path_rule(d)))) is _MISSING else found
    if op == "missing":
        return lambda d: _missing(d, v[0] if len(v := [p(d) for p in parts]) == 1 else v)
    if op == "missing_some":
        need, keys = parts

        def missing_some(d: Any) -> list:
            wanted = keys(d)
            absent = _missing(d, wanted)
            count = len(wanted) if isinstance(wanted, (list, tuple)) else 1
            return [] if count - len(absent) >= _nums("missing_some", [need(d)])[0] else absent

        return missing_some
    if op in ("if", "?:"):
        pairs = list(zip(parts[:-1:2], parts[1::2], strict=False))
        otherwise = parts[-1] if len(parts) % 2 else (lambda d: None)

        def branch(d: Any) -> Any:
            for cond, then in pairs:
                if truthy(cond(d)):
                    return then(d)
            return otherwise(d)

        return branch
    stop_when = truthy if op == "or" else (lambda value: not truthy(value))

    def short_circuit(d: Any) -> Any:
        for part in parts:
            value = part(d)
            if stop_when(value):
                return value
        return value

    return short_circuit


def _compile(node: Any, depth: int, budget: list[int]) -> Rule:
    if depth > MAX_DEPTH:
        raise JsonLogicError(f"rule is nested deeper than {MAX_DEPTH} levels")
    budget[0] += 1
    if budget[0] > MAX_NODES:
        raise JsonLogicError(f"rule has more than {MAX_NODES} parts")
    if isinstance(node, Mapping):
        if len(node) != 1:
            raise JsonLogicError(f"an operation needs exactly one operator key, got {len(node)}")
        ((op, raw),) = node.items()
        if op not in _EAGER and op not in _SPECIAL:
            raise JsonLogicError(f"unknown operator {_describe(op)}")
        args = list(raw) if isinstance(raw, (list, tuple)) else [raw]
        low, high = _EAGER[op][:2] if op in _EAGER else _SPECIAL[op]
        if len(args) < low or (high is not None and len(args) > high):
            wanted = f"{low}" if low == high else f"{low} or more" if high is None else f"{low} to {high}"
            raise JsonLogicError(f"'{op}' takes {wanted} arguments, got {len(args)}")
        parts = [_compile(arg, depth + 1, budget) for arg in args]
        if op in _SPECIAL:
            return _operation(op, args, parts)
        fn = _EAGER[op][2]
        if len(parts) == 2:
            a, b = parts
            return lambda d: fn([a(d), b(d)])
        return lambda d: fn([p(d) for p in parts])
    if isinstance(node, (list, tuple)):
        items = [_compile(item, depth + 1, budget) for item in node]
        if not any(isinstance(item, (Mapping, list, tuple)) for item in node):
            literal = tuple(item({}) for item in items)  # built once; each call gets its own copy
            return lambda d: list(literal)
        return lambda d: [item(d) for item in items]
    if isinstance(node, _NUMBER) and not isinstance(node, bool):
        node = to_decimal(node)
    elif not (node is None or isinstance(node, (bool, str))):
        raise JsonLogicError(f"unsupported value in rule: {type(node).__name__}")
    return lambda d: node


def compile_rule(rule: Any) -> Rule:
    compiled = _compile(rule, 0, [0])

    def evaluate(data: Mapping[str, Any]) -> Any:
        try:
            return compiled(data)
        except DecimalException as exc:  # e.g. overflow past the decimal128 range
            raise JsonLogicError(f"arithmetic error: {type(exc).__name__}") from None

    return evaluate


def _reject_constant(name: str) -> None:
    raise JsonLogicError(f"rule is not valid JSON: {name} is not a number")


def parse(text: str) -> Any:
    if len(text) > MAX_TEXT:
        raise JsonLogicError(f"rule is longer than {MAX_TEXT} characters")
    try:
        return json.loads(text, parse_float=Decimal, parse_int=Decimal, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise JsonLogicError(f"rule is not valid JSON: {exc}") from None
    except RecursionError:
        raise JsonLogicError(f"rule is nested deeper than {MAX_DEPTH} levels") from None


@functools.lru_cache(maxsize=1024)
def compile_text(text: str) -> Rule:
    return compile_rule(parse(text))


def event_data(attributes: Mapping[str, Decimal], dimensions: Mapping[str, str]) -> dict:
    attrs, dims = dict(attributes), dict(dimensions)
    return {"attribute": attrs, "attributes": attrs, "dimension": dims, "dimensions": dims}
