"""Decoding of Stripe's form-encoded parameters into nested Python values.

The stripe library sends ``a[b][0][c]=v`` for nested dicts and lists and ``expand[0]=x``
(other clients send ``expand[]=x``); both become ordinary dicts and lists here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from .errors import SandboxError

_KEY_PART = re.compile(r"\[([^\]]*)\]")


def parse_params(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Turn ``(key, value)`` pairs into nested dicts; all-numeric dict keys become lists."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        head, _, rest = key.partition("[")
        parts = [head, *_KEY_PART.findall("[" + rest)] if rest else [head]
        _insert(root, parts, value)
    return _listify(root)


def _insert(node: dict[str, Any], parts: list[str], value: str) -> None:
    head, rest = parts[0], parts[1:]
    if head == "":
        # "expand[]" style: append in arrival order.
        head = str(len(node))
    if not rest:
        node[head] = value
        return
    child = node.get(head)
    if not isinstance(child, dict):
        child = node[head] = {}
    _insert(child, rest, value)


def _listify(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    converted = {key: _listify(value) for key, value in node.items()}
    if converted and all(key.isdigit() for key in converted):
        return [converted[key] for key in sorted(converted, key=int)]
    return converted


def as_bool(value: Any, param: str) -> bool:
    """Read a form boolean (``true``/``false``) or raise Stripe's invalid-boolean error."""
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise SandboxError(f"Invalid boolean: {value}", param=param)


def as_int(value: Any, param: str, *, minimum: int = 0) -> int:
    """Read a form integer not below ``minimum`` or raise Stripe's invalid-integer error."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise SandboxError(f"Invalid integer: {value}", param=param) from None
    if number < minimum:
        raise SandboxError(f"This value must be greater than or equal to {minimum}.", param=param)
    return number


def as_list(value: Any) -> list[Any]:
    """Accept a single value or a list for array parameters such as ``expand``."""
    if value is None or value == "":
        return []
    return value if isinstance(value, list) else [value]


def merge_metadata(current: dict[str, str], update: Any) -> dict[str, str]:
    """Apply a metadata update the way Stripe does: empty values delete keys, ``""`` clears."""
    if update == "":
        return {}
    if not isinstance(update, dict):
        raise SandboxError("Invalid object", param="metadata")
    merged = dict(current)
    for key, value in update.items():
        if value == "":
            merged.pop(key, None)
        else:
            merged[key] = str(value)
    return merged
