"""YAML for untrusted input: safe types only, no aliases, bounded nesting."""

from __future__ import annotations

from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler


class _NoAliasLoader(yaml.SafeLoader):
    """SafeLoader that refuses aliases: nine levels of ten aliases each expand to 10^9 nodes."""

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.MarkedYAMLError(
                problem=f"YAML aliases (*{event.anchor}) are not accepted: they can expand "
                "without bound",
                problem_mark=event.start_mark,
            )
        return super().compose_node(parent, index)


def load(text: str) -> Any:
    """Parse YAML, refusing aliases; every refusal is a yaml.YAMLError with the reason."""
    try:
        return yaml.load(text, Loader=_NoAliasLoader)  # a SafeLoader subclass: safe types only
    except RecursionError:
        # The composer recurses once per level: `[[[[...` a few hundred deep exhausts the stack.
        raise yaml.YAMLError("YAML nested too deeply") from None


class FrontMatterYAML(YAMLHandler):
    """python-frontmatter's YAML handler, parsing with `load` above."""

    def load(self, fm: str, **kwargs: object) -> Any:
        """Front matter as data; aliases and runaway nesting are refused."""
        return load(fm)
