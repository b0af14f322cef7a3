"""Answers' Markdown as Telegram HTML: the few tags Telegram knows, everything else as text."""

from __future__ import annotations

import re

import pytest

from app.bots.telegram_markup import to_telegram_html

ALLOWED = re.compile(r"</?(b|i|code)>|<a href=\"https?://[^\"<>]*\">|</a>")


def test_bold_code_and_lists_become_tags_and_bullets() -> None:
    md = "**0xA0b8** on Ethereum [1]\n\n- What it is: `0xabc` [1]\n- a < b & c\n\n1. one\n2. two"
    assert to_telegram_html(md) == (
        "<b>0xA0b8</b> on Ethereum [1]\n\n• What it is: <code>0xabc</code> [1]\n"
        "• a &lt; b &amp; c\n\n1. one\n2. two"
    )


@pytest.mark.parametrize(
    "hostile",
    ["<b>bold</b> <script>alert(1)</script>", "[x](javascript:alert(1))",
     '<a href="https://evil">x</a>', "![pixel](https://tracker.example/p.png)",
     "**unclosed <i>", "`<code>` & &amp;", "```\n</code><b>\n```", '[a](https://x.y/"><b>)'],
)  # fmt: skip
def test_nothing_written_in_the_answer_becomes_a_tag(hostile: str) -> None:
    rendered = to_telegram_html(hostile)
    leftover = ALLOWED.sub("", rendered)
    assert "<" not in leftover and ">" not in leftover, rendered
    assert "tracker.example" not in rendered or "[image:" in rendered


def test_http_links_stay_links() -> None:
    assert to_telegram_html("[Circle](https://circle.com)") == (
        '<a href="https://circle.com">Circle</a>'
    )
