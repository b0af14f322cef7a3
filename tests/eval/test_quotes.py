"""The eval's quote check and decline counts, on hand-made answers."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.eval.quotes import figures, quotes
from app.rag.answer import Answer
from app.rag.context import Source

DOCS = {"/kb/bybit.md": "Bybit lost $1.5 billion. It is the largest theft in crypto history."}
SOURCE = Source(1, "bybit.md", "The Bybit hack", None, 0.9, "/kb/bybit.md")


def _answer(*bullets: str) -> Answer:
    body = "\n".join(f"- {b} [1]" for b in bullets)
    text = f"Extractive answer (no language model is configured): passages.\n\n{body}"
    return Answer(text, [SOURCE], "extractive")


def test_a_labelled_quote_is_verbatim_and_a_rewritten_one_is_not() -> None:
    said, wrong = quotes(
        _answer(
            "The Bybit hack: It is the largest theft in crypto history.",
            "Bybit lost $1.5 billion.",
            "Bybit is the largest theft in crypto history.",
        ),
        DOCS,
    )
    assert said == 3
    assert wrong == ["- Bybit is the largest theft in crypto history. [1]"]


def test_chinese_answers_have_their_quotes_checked_too() -> None:
    body = (
        "- The Bybit hack: “It is the largest theft in crypto history.” [1]\n"
        "- “Bybit lost $1.5 billion.” [1]\n"
        "- “Bybit is the largest theft in crypto history.” [1]"
    )
    text = f"摘录式回答（未配置语言模型）：以下是知识库中最相关的段落。\n\n{body}"
    said, wrong = quotes(Answer(text, [SOURCE], "extractive"), DOCS)
    assert said == 3
    assert wrong == ["- “Bybit is the largest theft in crypto history.” [1]"]


@dataclass
class _Graded:
    answerable: bool
    declined: bool
    sources: int = 0
    quotes: int = 0
    not_verbatim: list[str] = field(default_factory=list)


def test_declines_are_counted_apart_for_off_topic_and_answerable_questions() -> None:
    graded = [
        _Graded(answerable=False, declined=True),
        _Graded(answerable=False, declined=False, sources=5),
        _Graded(answerable=True, declined=True),
        _Graded(answerable=True, declined=False, quotes=3, not_verbatim=["x"]),
    ]
    assert figures(graded) == {
        "quotes": 3,
        "not_verbatim": 1,
        "false_declines": 1,
        "off_topic_n": 2,
        "off_topic_declined": 1,
        "off_topic_with_sources": 1,
    }
