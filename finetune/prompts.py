"""The dataset generators' prompt templates, read once from prompts/dataset_*.md."""

from __future__ import annotations

from pathlib import Path

TEMPLATES = (
    "dataset_llm",
    "dataset_chunk",
    "dataset_self_instruct_instructions",
    "dataset_self_instruct_input_first",
    "dataset_self_instruct_output_first",
    "dataset_rag_unanswerable",
)


class DatasetPrompts:
    """The template files, loaded at start so that a missing one fails early."""

    def __init__(self, folder: Path) -> None:
        self.text = {name: (folder / f"{name}.md").read_text("utf-8").strip() for name in TEMPLATES}

    def render(self, name: str, **values: object) -> str:
        """A template filled with values; values are inserted as they are, never re-parsed."""
        return self.text[name].format(**values)
