"""YAML for untrusted input: safe types only, no aliases, bounded nesting."""

from __future__ import annotations

from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler

MAX_DEPTH = 100


class _NoAliasLoader(yaml.SafeLoader):
    """SafeLoader that refuses aliases and deep nesting.

    Nine levels of ten aliases each expand to 10^9 nodes; a line of `[[[[...` costs the
    scanner time quadratic in its depth. Both are stopped where they start.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.MarkedYAMLError(
                problem=f"YAML aliases (*{event.anchor}) are not accepted: they can expand "
                "without bound",
                problem_mark=event.start_mark,
            )
        # The composer recurses once per level. The scanner's checks below bound block and flow
        # levels each on its own; this bounds them together (`- - [[`), whatever the form.
        opens = self.check_event(yaml.SequenceStartEvent, yaml.MappingStartEvent)
        if opens:
            self._depth += 1
            if self._depth > MAX_DEPTH:
                raise _too_deep(self.peek_event().start_mark)
        try:
            return super().compose_node(parent, index)
        finally:
            if opens:
                self._depth -= 1

    def fetch_flow_collection_start(self, TokenClass: type[yaml.Token]) -> None:
        if self.flow_level >= MAX_DEPTH:
            raise _too_deep(self.get_mark())
        super().fetch_flow_collection_start(TokenClass)

    def add_indent(self, column: int) -> bool:
        if len(self.indents) >= MAX_DEPTH:
            raise _too_deep(self.get_mark())
        return super().add_indent(column)


def _too_deep(mark: yaml.Mark) -> yaml.MarkedYAMLError:
    return yaml.MarkedYAMLError(
        problem=f"YAML nested more than {MAX_DEPTH} levels deep", problem_mark=mark
    )


def load(text: str) -> Any:
    """Parse YAML, refusing aliases; every refusal is a yaml.YAMLError with the reason."""
    try:
        return yaml.load(text, Loader=_NoAliasLoader)  # a SafeLoader subclass: safe types only
    except RecursionError:  # a backstop: the loader stops at MAX_DEPTH levels before this
        raise yaml.YAMLError(f"YAML nested more than {MAX_DEPTH} levels deep") from None
    except ValueError as exc:  # int() refuses more than 4,300 digits, a hostile registry's trick
        raise yaml.YAMLError(f"unreadable value: {str(exc).split(';')[0]}") from None


class FrontMatterYAML(YAMLHandler):
    """python-frontmatter's YAML handler, parsing with `load` above."""

    def load(self, fm: str, **kwargs: object) -> Any:
        """Front matter as data; aliases and runaway nesting are refused."""
        return load(fm)
