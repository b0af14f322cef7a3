"""Dataset generators, chosen by name; they run in this order (later ones reuse earlier ones)."""

from __future__ import annotations

from finetune.generators.base import Context, Generator, Options
from finetune.generators.feedback import FeedbackGenerator
from finetune.generators.llm import LLMGenerator
from finetune.generators.rag import RagGenerator
from finetune.generators.self_instruct import SelfInstructGenerator
from finetune.generators.templates import TemplatesGenerator

GENERATORS: dict[str, type[Generator]] = {
    "templates": TemplatesGenerator,
    "llm": LLMGenerator,
    "rag": RagGenerator,
    "feedback": FeedbackGenerator,
    "self-instruct": SelfInstructGenerator,
}

__all__ = ["GENERATORS", "Context", "Generator", "Options"]
