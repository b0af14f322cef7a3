"""One converter per dataset format, chosen by name, each with its LLaMA-Factory registration
(data/README.md of hiyouga/LLaMA-Factory documents the column and tag mapping)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from finetune.records import Record


def _user(r: Record) -> str:
    """The user turn as LLaMA-Factory builds it from alpaca columns: instruction, newline, input."""
    return r.question


def _meta(r: Record) -> dict[str, Any]:
    return {"id": r.id, "provenance": r.provenance.model_dump(mode="json")}


class Format(ABC):
    """A converter from records to one format's rows, and how LLaMA-Factory reads the file."""

    name: ClassVar[str]
    extension: ClassVar[str] = "json"
    preference: ClassVar[bool] = False

    def accepts(self, r: Record) -> bool:
        """Supervised formats take plain records; preference formats take chosen/rejected."""
        return r.is_preference == self.preference

    @abstractmethod
    def convert(self, r: Record) -> dict[str, Any]:
        """One row of this format."""

    @abstractmethod
    def dataset_info(self, file_name: str) -> dict[str, Any]:
        """The dataset_info.json entry for a file of this format."""


class Alpaca(Format):
    """instruction / input / output / system / history."""

    name = "alpaca"

    def convert(self, r: Record) -> dict[str, Any]:
        """One alpaca row."""
        return {
            "instruction": r.instruction,
            "input": r.input,
            "output": r.output,
            "system": r.system,
            "history": [list(pair) for pair in r.history],
            **_meta(r),
        }

    def dataset_info(self, file_name: str) -> dict[str, Any]:
        """Columns as documented for alpaca supervised fine-tuning."""
        return {
            "file_name": file_name,
            "columns": {
                "prompt": "instruction",
                "query": "input",
                "response": "output",
                "system": "system",
                "history": "history",
            },
        }


class ShareGPT(Format):
    """conversations of from/value turns, with system."""

    name = "sharegpt"

    def convert(self, r: Record) -> dict[str, Any]:
        """One sharegpt row: the history's turns, then the question and the answer."""
        turns = []
        for q, a in r.history:
            turns += [{"from": "human", "value": q}, {"from": "gpt", "value": a}]
        turns += [{"from": "human", "value": _user(r)}, {"from": "gpt", "value": r.output}]
        return {"conversations": turns, "system": r.system, **_meta(r)}

    def dataset_info(self, file_name: str) -> dict[str, Any]:
        """Columns as documented for sharegpt (default from/value/human/gpt tags)."""
        return {
            "file_name": file_name,
            "formatting": "sharegpt",
            "columns": {"messages": "conversations", "system": "system"},
        }


class OpenAI(Format):
    """Chat Completions `messages` per line, the form OpenAI's fine-tuning takes (nothing else
    on the line: provenance is in records.jsonl)."""

    name = "openai"
    extension = "jsonl"

    def convert(self, r: Record) -> dict[str, Any]:
        """One line: system (when there is one), the history, the question, the answer."""
        messages = [{"role": "system", "content": r.system}] if r.system else []
        for q, a in r.history:
            messages += [{"role": "user", "content": q}, {"role": "assistant", "content": a}]
        messages += [
            {"role": "user", "content": _user(r)},
            {"role": "assistant", "content": r.output},
        ]
        return {"messages": messages}

    def dataset_info(self, file_name: str) -> dict[str, Any]:
        """Sharegpt formatting with the openai role/content tags, as documented."""
        return {
            "file_name": file_name,
            "formatting": "sharegpt",
            "columns": {"messages": "messages"},
            "tags": {
                "role_tag": "role",
                "content_tag": "content",
                "user_tag": "user",
                "assistant_tag": "assistant",
                "system_tag": "system",
            },
        }


class Preference(Format):
    """Alpaca-style preference pairs: instruction / input / chosen / rejected."""

    name = "preference"
    preference = True

    def convert(self, r: Record) -> dict[str, Any]:
        """One pair."""
        return {
            "instruction": r.instruction,
            "input": r.input,
            "chosen": r.output,
            "rejected": r.rejected or "",
            **_meta(r),
        }

    def dataset_info(self, file_name: str) -> dict[str, Any]:
        """Ranking columns as documented for alpaca preference datasets."""
        return {
            "file_name": file_name,
            "ranking": True,
            "columns": {
                "prompt": "instruction",
                "query": "input",
                "chosen": "chosen",
                "rejected": "rejected",
            },
        }


FORMATS: dict[str, Format] = {f.name: f for f in (Alpaca(), ShareGPT(), OpenAI(), Preference())}


def get_format(name: str) -> Format:
    """The converter for a format name."""
    try:
        return FORMATS[name]
    except KeyError:
        raise ValueError(f"unknown format {name!r}; one of {', '.join(FORMATS)}") from None
