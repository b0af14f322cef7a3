"""JSON for untrusted input: nesting bounded before the parser sees it, every failure a reason."""

from __future__ import annotations

import json
from typing import Any

from frontmatter.default_handlers import JSONHandler

from app.core.nesting import MAX_JSON_DEPTH, NestingError, check_json_depth


class UnreadableJSON(ValueError):
    """JSON that is not parsed; the message says why."""


def load(text: str | bytes, what: str = "JSON") -> Any:
    """Parse JSON whose nesting was checked first; UnreadableJSON says why not."""
    try:
        # json's C parser recurses once per level: deep input must not reach it.
        check_json_depth(text, MAX_JSON_DEPTH, what)
        return json.loads(text)
    except NestingError as exc:
        raise UnreadableJSON(str(exc)) from None
    except json.JSONDecodeError as exc:
        raise UnreadableJSON(f"{what} is not valid JSON: {exc}") from None
    except RecursionError:  # a backstop: the depth check stops such input first
        raise UnreadableJSON(f"{what} nests too deep to parse") from None
    except ValueError as exc:  # int() refuses more than 4,300 digits, a hostile registry's trick
        raise UnreadableJSON(f"unreadable value in {what}: {str(exc).split(';')[0]}") from None


class FrontMatterJSON(JSONHandler):
    """python-frontmatter's JSON handler, parsing with `load` above."""

    def load(self, fm: str, **kwargs: object) -> Any:
        """Front matter as data; runaway nesting and unreadable numbers are refused."""
        return load(fm, "JSON front matter")
