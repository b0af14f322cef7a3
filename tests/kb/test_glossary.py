"""Chinese questions in the documents' English words: terms mapped, names and addresses kept,
and every Chinese word of the dev questions either mapped or deliberately ignored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.kb.glossary import IGNORED, Glossary, has_han

REPO = Path(__file__).resolve().parents[2]
USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"


@pytest.fixture(scope="module")
def glossary() -> Glossary:
    return Glossary.load()


@pytest.mark.parametrize(
    ("chinese", "english"),
    [("闪电贷是什么？", "what is flash loan?"),
     ("Uniswap 是什么？", "what is Uniswap?"),
     ("它安全吗？", "is it safe?"),
     ("那在 Arbitrum 上呢？", "what about on Arbitrum?"),
     ("如何防止重入攻击？", "how prevent reentrancy attack?"),
     ("跨链桥被盗", "bridge stolen hack"),
     ("2021年8月 Poly Network 发生了什么？", "what happened August 2021 Poly Network?"),
     ("FTX 在 2022年11月11日 申请破产", "FTX on November 11, 2022 file for bankruptcy")],
)  # fmt: skip
def test_terms_become_the_documents_words_and_a_question_word_leads(
    glossary: Glossary, chinese: str, english: str
) -> None:
    rendering = glossary.render(chinese)
    assert rendering.text == english
    assert rendering.unknown == ()


def test_addresses_names_and_numbers_pass_through(glossary: Glossary) -> None:
    text = glossary.english(f"这个合约地址是什么？{USDC} 在 Base 上有 6 位小数吗")
    assert USDC in text and "Base" in text and " 6 " in text
    assert text.startswith("what is this contract address?")
    assert not has_han(text)


def test_an_address_written_against_chinese_characters_stands_apart(glossary: Glossary) -> None:
    assert glossary.english(f"地址{USDC}的代币是什么") == f"what is address {USDC} token"


def test_english_is_left_as_it_is(glossary: Glossary) -> None:
    question = "What is a flash loan?  (Aave)"
    assert glossary.english(question) == question


def test_unknown_chinese_is_reported_not_guessed(glossary: Glossary) -> None:
    rendering = glossary.render("Aave 的鸡汤是什么？")
    assert rendering.unknown == ("鸡汤",)
    assert rendering.text == "what is Aave?"


def test_the_longest_term_wins(glossary: Glossary) -> None:
    assert glossary.render("代理合约").text == "proxy"  # not "proxy contract"
    assert glossary.render("流动性质押").text == "liquid staking"


@pytest.mark.parametrize(
    ("line", "problem"),
    [("闪电贷 flash loan", "expected"), ("flash\tloan", "expected"), ("闪电贷\t", "expected"),
     ("闪电贷\tflash loan\n闪电贷\tloan", "twice")],
)  # fmt: skip
def test_a_bad_glossary_line_is_refused_with_its_place(
    tmp_path: Path, line: str, problem: str
) -> None:
    path = tmp_path / "glossary.txt"
    path.write_text(f"# terms\n{line}\n", "utf-8")
    with pytest.raises(ValueError, match=problem) as error:
        Glossary.load(path)
    assert str(path) in str(error.value)


def _dev_questions() -> list[str]:
    out = []
    for path in sorted((REPO / "eval" / "dev").glob("zh*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            row = json.loads(line)
            out += [row["q"], *(t if isinstance(t, str) else t[1] for t in row.get("history", []))]
    return out


def test_every_chinese_word_of_the_dev_questions_is_mapped_or_ignored(glossary: Glossary) -> None:
    questions = _dev_questions()
    assert len(questions) >= 30
    missed = {q: glossary.render(q).unknown for q in questions if glossary.render(q).unknown}
    assert not missed, missed


def test_ignored_words_are_listed_as_such(glossary: Glossary) -> None:
    ignored = {t for t, english in glossary.terms.items() if english == IGNORED}
    assert {"的", "了", "吧"} <= ignored
    assert glossary.render("的了吧").text == ""
