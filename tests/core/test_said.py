"""Notices an answer already says are not said again; others are, each once."""

from __future__ import annotations

from app.core.said import unsaid

USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
DAI = "0x6B175474E89094C44Da98b954EedeAC495271d0F"
NOT_READ = (
    f"the live state of {USDC} on Ethereum was not read: this service is not connected to Ethereum"
)
ANSWER = (
    f"**{USDC}** on Ethereum: USDC [1]\n- The live state of this address on Ethereum was not "
    "read (this service is not connected to Ethereum); what is above comes from the knowledge base"
)


def test_a_notice_the_answer_states_in_its_own_words_is_dropped() -> None:
    assert unsaid([NOT_READ], ANSWER) == []


def test_other_notices_stay_once_and_in_order() -> None:
    other = "symbol USDC belongs to a well-known token"
    assert unsaid([other, NOT_READ, other], ANSWER) == [other]


def test_the_same_words_about_an_address_the_answer_does_not_name_stay() -> None:
    about_dai = NOT_READ.replace(USDC, DAI)
    assert unsaid([about_dai], ANSWER) == [about_dai]


def test_a_chinese_notice_the_chinese_answer_states_is_dropped() -> None:
    # Chinese has no spaces between words: each Han character counts as one.
    notice = f"未读取 {USDC} 在 Ethereum 上的实时状态：本服务未连接到 Ethereum"
    answer = (
        f"**{USDC}**（Ethereum）：USDC [1]\n- 未读取此地址在 Ethereum 上的实时状态"
        "（本服务未连接到 Ethereum）；以上内容来自知识库"
    )
    assert unsaid([notice], answer) == []
    assert unsaid(["链上状态无法读取：节点超时"], answer) == ["链上状态无法读取：节点超时"]
