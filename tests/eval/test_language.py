"""An answer is in its question's language when its own words are: quoted source sentences,
citations, addresses and source titles say nothing about it."""

from __future__ import annotations

from app.eval.language import answer_language, in_language, own_words

USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
QUOTES = (
    "- Flash loans: A flash loan is borrowed and repaid within a single transaction. [1]\n"
    "- If the loan is not repaid, the whole transaction reverts and nothing happens. [2]\n"
)


def test_quotes_citations_addresses_and_titles_are_set_aside() -> None:
    answer = f"{USDC} 是 USD Coin (USDC) [1]，见《Circle USDC》。\n\n{QUOTES}"
    own = own_words(answer, ["Circle USDC"])
    assert USDC not in own and "[1]" not in own and "Circle USDC" not in own
    assert "single transaction" not in own and "是" in own


def test_a_chinese_frame_around_english_quotes_is_a_chinese_answer() -> None:
    answer = f"抽取式回答（未配置语言模型）：知识库中最相关的段落，各附出处。\n\n{QUOTES}"
    assert answer_language(answer) == "zh"
    assert in_language("闪电贷是什么？", answer)
    assert not in_language("What is a flash loan?", answer)


def test_an_english_frame_around_the_same_quotes_is_not_a_chinese_answer() -> None:
    answer = (
        "Extractive answer (no language model is configured): the most relevant passages from "
        f"the knowledge base, each with its source.\n\n{QUOTES}"
    )
    assert not in_language("闪电贷是什么？", answer)
    assert in_language("What is a flash loan?", answer)


def test_an_address_block_naming_english_titles_in_chinese_words_is_chinese() -> None:
    answer = f"{USDC}（以太坊）：Wrapped Ether (WETH) 文档 [1] 记载了这个地址。"
    assert in_language("这个地址是什么？", answer, ["Wrapped Ether (WETH)"])
