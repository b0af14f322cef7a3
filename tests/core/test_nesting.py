"""The nesting scanner counts brackets outside strings and refuses deep JSON without parsing it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from app.core.nesting import NestingError, check_json_depth, json_depth, pin_recursion_limit


def test_depth_counts_brackets_outside_strings() -> None:
    assert json_depth(b'{"a": [1, {"b": []}]}') == 4
    assert json_depth('{"a": "[[[[[[", "b": "\\"[[["}') == 1
    assert json_depth("[]") == 1
    assert json_depth("42") == 0


def test_depth_agrees_with_the_parser_on_honest_documents() -> None:
    doc = {"tokens": [{"name": "USD Coin", "tags": ["a]", "{b"], "extensions": {"x": [[1]]}}]}
    text = json.dumps(doc)
    assert json_depth(text) == 6


def test_deep_json_is_refused_and_shallow_passes() -> None:
    check_json_depth("[" * 64 + "]" * 64)
    with pytest.raises(NestingError, match="deeper than 64"):
        check_json_depth("[" * 65 + "]" * 65)
    with pytest.raises(NestingError):
        check_json_depth(b'{"a":' * 100_000 + b"1" + b"}" * 100_000)


def test_brackets_inside_a_long_string_are_not_nesting() -> None:
    check_json_depth(json.dumps({"message": "[" * 10_000}))


def test_web3_cannot_raise_the_limit_after_it_is_pinned() -> None:
    """py_ecc sets 100,000 at import; after the pin, importing web3 leaves 1000 in place."""
    code = (
        "import sys\n"
        "from app.core.nesting import pin_recursion_limit\n"
        "pin_recursion_limit()\n"
        "import web3\n"
        "print(sys.getrecursionlimit())\n"
        "import json\n"
        "try:\n"
        "    json.loads('[' * 100000 + ']' * 100000)\n"
        "except RecursionError:\n"
        "    print('recursion error')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["1000", "recursion", "error"]
    assert pin_recursion_limit is not None
