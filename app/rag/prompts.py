"""Prompt templates, read once from the prompts/ folder."""

from __future__ import annotations

from pathlib import Path

from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder

from app.i18n.catalog import _

TEMPLATES = (
    "system",
    "system_zh",
    "document",
    "question",
    "extractive",
    "no_context",
    "not_covered",
    "nearest",
    "condense",
    "answer_language",
    "onchain",
    "onchain_answer",
    "transaction",
    "address_answer",
    "address_safety",
    "address_facts",
    "token_list",
)
# The templates people read, said in the asker's language (app/i18n/babel.cfg extracts them);
# the others are for models.
SHOWN = frozenset({"extractive", "no_context", "not_covered", "nearest", "address_safety"})


class Prompts:
    """The template files, loaded at start so that a missing one fails early."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.text = {name: (folder / f"{name}.md").read_text("utf-8").strip() for name in TEMPLATES}
        self.chat = ChatPromptTemplate.from_messages(
            [
                ("system", self.text["system"]),
                MessagesPlaceholder("history", optional=True),
                ("human", self.text["question"]),
            ]
        )

    def render(self, name: str, **values: object) -> str:
        """A template filled with values; values are inserted as they are, never re-parsed."""
        text = self.text[name]
        return (_(text) if name in SHOWN else text).format(**values)

    @property
    def system_static(self) -> str:
        """The fixed part of the system prompt, for leak checks."""
        return self.text["system"].split("{context}")[0]
