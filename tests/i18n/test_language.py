"""The language of a question: Chinese when its own words are, addresses and quotes aside."""

from __future__ import annotations

import pytest

from app.i18n.language import detect, preferred, supported

USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"


@pytest.mark.parametrize(
    "question",
    [
        "闪电贷是什么？",
        "Uniswap 是什么？",
        f"这个合约地址是什么？{USDC}",
        f"{USDC} 安全吗",
        "Aave 和 Compound 的清算机制有什么不同？",
        "ETH 呢？",
        "Base 上呢？",
        "欧拉金融 Euler Finance 是怎么被黑客攻击的？",
        "閃電貸是甚麼？",  # Traditional characters are Han too
        f'合约里 "function transferOwnership(address newOwner)" 是什么意思 {USDC}',
        "https://app.uniswap.org/swap 这个网址安全吗",
        "代币安全吗 EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v",  # a Solana address
    ],
)
def test_chinese(question: str) -> None:
    assert detect(question) == "zh"


@pytest.mark.parametrize(
    "question",
    [
        "What is a flash loan?",
        f"Is {USDC} safe?",
        "What is a 闪电贷 in Aave?",
        "What does “闪电贷” mean?",
        "What does 「跨链桥」 mean in this article?",
        "Explain `代理合约` please",
        "Who deployed https://例子.测试/路径 ?",
        USDC,
        "",
        "   ？！",
        "12345",
    ],
)
def test_english_or_no_words(question: str) -> None:
    assert detect(question) == "en"


def test_only_quoted_chinese_is_english() -> None:
    # The asker's own words are none: nothing to follow but the default.
    assert detect("“闪电贷是什么”") == "en"


@pytest.mark.parametrize(
    ("tag", "language"),
    [("zh-CN", "zh"), ("zh-Hant-TW", "zh"), ("zh_Hans", "zh"), ("ZH", "zh"), ("en-GB", "en"),
     ("fr", "en"), ("", "en")],
)  # fmt: skip
def test_a_browser_tag_maps_to_a_language_the_service_speaks(tag: str, language: str) -> None:
    assert supported(tag) == language


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("en-US,en;q=0.9,zh-CN;q=0.8", "en"),
        ("fr-FR,fr;q=0.9,zh;q=0.5", "zh"),  # the first the service speaks
        ("en;q=0.2, zh-TW;q=0.7", "zh"),  # by weight, not by order
        ("de, *;q=0.1", "en"),
        ("", "en"),
        ("zh;q=abc", "zh"),  # a broken weight counts as zero, the tag still counts
    ],
)
def test_accept_language_picks_the_first_spoken_language_by_weight(
    header: str, language: str
) -> None:
    assert preferred(header) == language
