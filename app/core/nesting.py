"""Nesting bounds checked before input reaches a recursive parser, and a sane recursion limit."""

from __future__ import annotations

import re
import sys

# CPython's own default: deep enough for every parser and library this service runs, shallow
# enough that a RecursionError comes long before the C stack (8 MB) runs out.
RECURSION_LIMIT = 1000
# JSON that people and programs send or publish nests a handful of levels; token lists and
# registries about five. 64 leaves room for any honest document and none for a stack attack.
MAX_JSON_DEPTH = 64

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_OPENERS = frozenset(b"[{")


class NestingError(ValueError):
    """Input nests deeper than the service parses."""


def pin_recursion_limit(limit: int = RECURSION_LIMIT) -> None:
    """Import py_ecc (it raises the limit to 100,000 when first imported), then set the limit.

    With py_ecc's limit, deep input overflows the C stack and kills the process (SIGSEGV)
    instead of raising RecursionError; importing it here first means no later import of
    web3 can raise the limit again behind this call.
    """
    import py_ecc  # noqa: F401  (imported for its side effect, which this undoes)

    sys.setrecursionlimit(limit)


def json_depth(data: bytes | str, stop_above: int | None = None) -> int:
    """How deep JSON text nests, counting brackets outside strings, without parsing it.

    Linear in the input and not recursive; stops counting once above `stop_above`.
    """
    raw = _bytes(data)
    brackets = _STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    depth = deepest = 0
    for byte in brackets:
        if byte in _OPENERS:
            depth += 1
            if depth > deepest:
                deepest = depth
                if stop_above is not None and deepest > stop_above:
                    break
        else:
            depth -= 1
    return deepest


def check_json_depth(data: bytes | str, limit: int = MAX_JSON_DEPTH, what: str = "JSON") -> None:
    """Raise NestingError when JSON text nests deeper than `limit`."""
    raw = _bytes(data)
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return  # cannot nest deeper than it has openers: the common case costs two counts
    if json_depth(raw, stop_above=limit) > limit:
        raise NestingError(f"{what} nests deeper than {limit} levels")


def _bytes(data: bytes | str) -> bytes:
    return data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
